//! The feed farm: an HTTP server on 127.0.0.1 that serves `n` generated feeds at
//! `/f/{n}.xml`, as a well-run news site does: 20–100 items of about 1 KB of HTML each, an
//! ETag and a Last-Modified on every response, 304 for a matching If-None-Match or
//! If-Modified-Since, and gzip when the client accepts it. One feed in `change_every` gains an
//! item each round (`advance`), the rest stay the same, so a poll after `advance` is the warm
//! poll of a real deployment.
//!
//! Documents are rendered (and compressed) once per version and kept: `prepare` renders a
//! round before a timed run, so the farm only copies bytes while a client is measured.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use crate::corpus::{self, GenItem, Rng};

/// One rendered version of one feed.
struct Doc {
    version: u64,
    items: usize,
    plain: Bytes,
    gzip: Bytes,
    etag: HeaderValue,
    modified: DateTime<Utc>,
    last_modified: HeaderValue,
}

struct Shared {
    feeds: usize,
    change_every: usize,
    round: AtomicU64,
    docs: Vec<RwLock<Option<Arc<Doc>>>>,
    requests: AtomicU64,
    /// Per feed: requested at least once; and how many feeds have not been yet.
    requested: Vec<std::sync::atomic::AtomicBool>,
    never_requested: std::sync::atomic::AtomicUsize,
    not_modified: AtomicU64,
    bytes_sent: AtomicU64,
}

/// Counters since the farm started.
#[derive(Clone, Copy, Debug, Default)]
pub struct Served {
    pub requests: u64,
    pub not_modified: u64,
    pub bytes: u64,
}

pub struct Farm {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    /// Dropping it stops the server.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Farm {
    /// Starts serving `feeds` feeds, one in `change_every` of which changes each round, on
    /// two server threads of its own.
    pub fn start(feeds: usize, change_every: usize) -> Farm {
        let shared = Arc::new(Shared {
            feeds,
            change_every: change_every.max(1),
            round: AtomicU64::new(0),
            docs: (0..feeds).map(|_| RwLock::new(None)).collect(),
            requests: AtomicU64::new(0),
            requested: (0..feeds)
                .map(|_| std::sync::atomic::AtomicBool::new(false))
                .collect(),
            never_requested: std::sync::atomic::AtomicUsize::new(feeds),
            not_modified: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = shared.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("farm runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("farm binds a loopback port");
                addr_tx
                    .send(listener.local_addr().expect("bound address"))
                    .expect("farm address");
                let app = axum::Router::new()
                    .route("/f/{name}", axum::routing::get(serve))
                    .with_state(served);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("farm serves");
            });
        });
        let addr = addr_rx.recv().expect("farm started");
        Farm {
            addr,
            shared,
            _stop: stop,
        }
    }

    pub fn url(&self, feed: usize) -> String {
        format!("http://{}/f/{feed}.xml", self.addr)
    }

    pub fn urls(&self) -> Vec<String> {
        (0..self.shared.feeds).map(|f| self.url(f)).collect()
    }

    /// Writes `govwatch.toml` and `feeds/farm.toml` in `dir`: a govwatch that polls this
    /// farm's feeds with `connections` at once, with `extra` appended to the config.
    pub fn write_govwatch_config(&self, dir: &std::path::Path, connections: usize, extra: &str) {
        std::fs::create_dir_all(dir.join("feeds")).expect("feeds dir");
        let mut list = String::new();
        for (n, url) in self.urls().iter().enumerate() {
            list.push_str(&format!("[[feed]]\nid = \"farm-{n}\"\nurl = \"{url}\"\n\n"));
        }
        std::fs::write(dir.join("feeds/farm.toml"), list).expect("feed list");
        std::fs::write(
            dir.join("govwatch.toml"),
            format!(
                "data_dir = \"data\"\nfeeds_dir = \"feeds\"\n\
                 [fetch]\nallow_private_addresses = true\nconcurrency = {connections}\n\
                 # Every farm feed is on one host; real feed lists spread over many.\n\
                 per_host_concurrency = {connections}\n{extra}"
            ),
        )
        .expect("config");
    }

    /// Back to round 0 (every feed as first seen), e.g. before another cold poll.
    pub fn reset(&self) {
        self.shared.round.store(0, Ordering::SeqCst);
    }

    /// The changing feeds gain an item.
    pub fn advance(&self) {
        self.shared.round.fetch_add(1, Ordering::SeqCst);
    }

    /// Renders every feed's current version (both threads), so a timed client pays nothing
    /// for generation or compression. Returns the items the feeds hold now.
    pub fn prepare(&self) -> usize {
        let shared = &self.shared;
        let round = shared.round.load(Ordering::SeqCst);
        let total = AtomicU64::new(0);
        std::thread::scope(|s| {
            for part in 0..2 {
                let total = &total;
                s.spawn(move || {
                    for f in (part..shared.feeds).step_by(2) {
                        let doc = shared.doc(f, round);
                        total.fetch_add(doc.items as u64, Ordering::Relaxed);
                    }
                });
            }
        });
        total.into_inner() as usize
    }

    /// Items that are new in the current round against the one before: one per changing feed.
    pub fn new_items_this_round(&self) -> usize {
        if self.shared.round.load(Ordering::SeqCst) == 0 {
            return 0;
        }
        self.shared.feeds.div_ceil(self.shared.change_every)
    }

    /// Whether every feed has been requested at least once.
    #[allow(dead_code)] // the soak (tests/bench/daemon.rs) waits on it; the e2e bench does not
    pub fn all_requested(&self) -> bool {
        self.shared.never_requested.load(Ordering::SeqCst) == 0
    }

    pub fn served(&self) -> Served {
        Served {
            requests: self.shared.requests.load(Ordering::SeqCst),
            not_modified: self.shared.not_modified.load(Ordering::SeqCst),
            bytes: self.shared.bytes_sent.load(Ordering::SeqCst),
        }
    }
}

impl Shared {
    fn version(&self, feed: usize, round: u64) -> u64 {
        if feed.is_multiple_of(self.change_every) {
            round
        } else {
            0
        }
    }

    fn doc(&self, feed: usize, round: u64) -> Arc<Doc> {
        let version = self.version(feed, round);
        let slot = &self.docs[feed];
        if let Some(doc) = slot.read().expect("farm lock").as_ref()
            && doc.version == version
        {
            return doc.clone();
        }
        let doc = Arc::new(render(feed, version));
        *slot.write().expect("farm lock") = Some(doc.clone());
        doc
    }
}

/// Version `v` of a feed: its base of 20–100 items slid forward by `v` newer ones, newest
/// first, as a site's feed shows its latest items.
fn render(feed: usize, version: u64) -> Doc {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (feed as u64 + 1).wrapping_mul(0x0100_0000_01B3));
    let len = 20 + rng.below(81);
    let newest = len as u64 + version;
    let items: Vec<GenItem> = (version..newest).rev().map(|k| item(feed, k)).collect();
    let plain = corpus::rss(feed, &items);
    let gzip = {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&plain).expect("gzip into memory");
        enc.finish().expect("gzip into memory")
    };
    let modified = corpus::base_time() + Duration::hours(version as i64);
    Doc {
        version,
        items: items.len(),
        plain: Bytes::from(plain),
        gzip: Bytes::from(gzip),
        etag: HeaderValue::from_str(&format!("\"{feed}-{version}\"")).expect("ascii etag"),
        last_modified: HeaderValue::from_str(
            &modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        )
        .expect("ascii date"),
        modified,
    }
}

/// Item `k` of `feed`: the same text in every version that holds it.
fn item(feed: usize, k: u64) -> GenItem {
    let mut rng = Rng(((feed as u64) << 24 | k).wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
    let mut item = corpus::item(&mut rng, 0);
    item.guid = format!("farm-{feed}-{k}");
    item.link = format!("https://news.example.gov/{feed}/{k}");
    item.published =
        corpus::base_time() + Duration::minutes(feed as i64 % 60) + Duration::hours(k as i64);
    item
}

async fn serve(
    State(farm): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    farm.requests.fetch_add(1, Ordering::Relaxed);
    let Some(feed) = name
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < farm.feeds)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !farm.requested[feed].swap(true, Ordering::SeqCst) {
        farm.never_requested.fetch_sub(1, Ordering::SeqCst);
    }
    let round = farm.round.load(Ordering::SeqCst);
    let doc = farm.doc(feed, round);
    let etag_matches = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == doc.etag.as_bytes());
    // If-None-Match wins when both are sent (RFC 9110 13.2.2).
    let unmodified = if headers.contains_key(header::IF_NONE_MATCH) {
        etag_matches
    } else {
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| since >= doc.modified)
    };
    if unmodified {
        farm.not_modified.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, doc.etag.clone()),
                (header::LAST_MODIFIED, doc.last_modified.clone()),
            ],
        )
            .into_response();
    }
    let gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|c| c.trim().starts_with("gzip")));
    let body = if gzip { &doc.gzip } else { &doc.plain };
    farm.bytes_sent
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/rss+xml; charset=utf-8"),
            ),
            (header::ETAG, doc.etag.clone()),
            (header::LAST_MODIFIED, doc.last_modified.clone()),
        ],
        body.clone(),
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}
