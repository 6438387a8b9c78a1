//! `cargo bench --bench daemon`: the daemon's cost at rest and over a long run.
//!
//! 1. Idle: `govwatch run` with 1,000 feeds on a local feed farm (30-minute interval). After
//!    the first round of polls, CPU time and resident memory over `IDLE_SECS` seconds.
//! 2. A day, compressed: the same 1,000 feeds polled every `FAST_INTERVAL` (a day at a
//!    30-minute interval is 48 polls per feed), 10% of them with a new item each round, ETag
//!    304s for the rest. Resident memory sampled throughout: it must level off, not grow.
//!
//! Figures are read from /proc (utime + stime, VmRSS) of the real binary; report them with
//! the machine's context. Env: `GOVWATCH_BENCH_FEEDS`, `GOVWATCH_BENCH_IDLE_SECS`,
//! `GOVWATCH_BENCH_DAY_SECS`.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

const FAST_INTERVAL_SECS: u64 = 5;
/// Share of feeds (one in N) that gain an item every round.
const CHANGING_ONE_IN: u64 = 10;

struct Farm {
    started: Instant,
    requests: AtomicU64,
}

impl Farm {
    /// The round a request falls in: feeds change once per round.
    fn round(&self) -> u64 {
        self.started.elapsed().as_secs() / FAST_INTERVAL_SECS
    }
}

async fn feed(
    State(farm): State<Arc<Farm>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    farm.requests.fetch_add(1, Ordering::Relaxed);
    let Some(n) = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let version = if n % CHANGING_ONE_IN == 0 {
        farm.round()
    } else {
        0
    };
    let etag = format!("\"{n}-{version}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Agency {n}</title><link>https://agency{n}.example.gov/</link><description>news</description>"
    );
    // 20 items; a changing feed's newest one is new each round.
    for i in 0..20 {
        let id = version + i;
        body.push_str(&format!(
            "<item><guid>{n}-{id}</guid><title>Agency {n} awards contract {id} for AI services</title><link>https://agency{n}.example.gov/news/{id}</link><pubDate>Mon, 23 Nov 2026 12:00:00 GMT</pubDate><description>The agency awarded a task order for machine learning support, item {id}, under its IDIQ vehicle; officials described the work on artificial intelligence governance and testing in some detail.</description></item>"
        ));
    }
    body.push_str("</channel></rss>");
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml".to_string()),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

fn start_farm() -> (u16, Arc<Farm>) {
    let farm = Arc::new(Farm {
        started: Instant::now(),
        requests: AtomicU64::new(0),
    });
    let served = farm.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr").port())
                .expect("send port");
            let app = axum::Router::new()
                .route("/f/{name}", axum::routing::get(feed))
                .with_state(served);
            axum::serve(listener, app).await.expect("serve");
        });
    });
    (rx.recv().expect("farm port"), farm)
}

/// (CPU seconds used so far, resident MiB) of `pid`.
fn usage(pid: u32) -> (f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat[stat.rfind(')').expect(")") + 2..].split(' ').collect();
    // utime and stime are fields 14 and 15 (1-based), 12 and 13 after the name.
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    // Linux reports in USER_HZ, 100 on every mainstream architecture.
    let cpu = ticks / 100.0;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let rss_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS");
    (cpu, rss_kib / 1024.0)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Run {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

fn start_daemon(port: u16, feeds: u64, interval: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("feeds")).expect("feeds dir");
    let mut list = std::fs::File::create(dir.path().join("feeds/farm.toml")).expect("list");
    for n in 0..feeds {
        writeln!(
            list,
            "[[feed]]\nid = \"f{n}\"\nurl = \"http://127.0.0.1:{port}/f/{n}.xml\"\n"
        )
        .expect("write");
    }
    std::fs::write(
        dir.path().join("govwatch.toml"),
        format!(
            "data_dir = \"data\"\nfeeds_dir = \"feeds\"\n[fetch]\nallow_private_addresses = true\nper_host_concurrency = 16\n\
             [poll]\ninterval = \"{interval}\"\njitter = \"0s\"\n[server]\nlisten = \"off\"\n"
        ),
    )
    .expect("config");
    let child = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .arg("run")
        .env("GOVWATCH_CONFIG", dir.path().join("govwatch.toml"))
        .env("GOVWATCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start govwatch run");
    Run { child, _dir: dir }
}

fn wait_for_requests(farm: &Farm, at_least: u64, within: Duration) {
    let until = Instant::now() + within;
    while farm.requests.load(Ordering::Relaxed) < at_least {
        assert!(
            Instant::now() < until,
            "the first round of polls did not finish"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn main() {
    let feeds = env_or("GOVWATCH_BENCH_FEEDS", 1000);
    let idle_secs = env_or("GOVWATCH_BENCH_IDLE_SECS", 60);
    let day_secs = env_or("GOVWATCH_BENCH_DAY_SECS", 240);
    println!(
        "daemon bench ({} logical CPUs): {feeds} feeds on a local farm",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );

    // 1. Idle.
    let (port, farm) = start_farm();
    let run = start_daemon(port, feeds, "30m");
    let pid = run.child.id();
    wait_for_requests(&farm, feeds, Duration::from_secs(300));
    // Let the last results be stored and the index commit.
    std::thread::sleep(Duration::from_secs(40));
    let (cpu0, _) = usage(pid);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(idle_secs));
    let (cpu1, rss) = usage(pid);
    let share = (cpu1 - cpu0) / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "idle: {share:.3}% of one core over {idle_secs} s, {rss:.1} MiB resident (aims: < 1%, < 100 MiB)"
    );
    drop(run);

    // 2. A day's polls, compressed.
    let (port, farm) = start_farm();
    let run = start_daemon(port, feeds, &format!("{FAST_INTERVAL_SECS}s"));
    let pid = run.child.id();
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(day_secs) {
        std::thread::sleep(Duration::from_secs(10));
        let (cpu, rss) = usage(pid);
        samples.push((started.elapsed().as_secs(), cpu, rss));
    }
    let polls = farm.requests.load(Ordering::Relaxed);
    let (_, cpu, _) = samples.last().copied().unwrap_or_default();
    println!(
        "{day_secs} s of polling every {FAST_INTERVAL_SECS} s: {polls} polls ({:.1} per feed; a day at 30 min is 48), {:.0} polls/s, {cpu:.1} CPU s",
        polls as f64 / feeds as f64,
        polls as f64 / day_secs as f64
    );
    let rss: Vec<String> = samples
        .iter()
        .map(|(t, _, r)| format!("{t}s {r:.0}"))
        .collect();
    println!("resident MiB over time: {}", rss.join(", "));
    let half = samples.len() / 2;
    let peak_first = samples[..half].iter().map(|s| s.2).fold(0.0, f64::max);
    let peak_second = samples[half..].iter().map(|s| s.2).fold(0.0, f64::max);
    println!(
        "peak resident, first half {peak_first:.1} MiB, second half {peak_second:.1} MiB ({:+.1}%)",
        (peak_second / peak_first - 1.0) * 100.0
    );
    drop(run);
}
