//! Shared helpers for the integration tests: a feed server on 127.0.0.1 (axum) that serves the
//! fixture feeds with the HTTP behaviours the tests need, and a temp govwatch home (config,
//! feeds dir, data dir) to run the real binary in.

#![allow(dead_code)] // each test binary uses a different subset

pub mod cdp;
pub mod daemon;
pub mod smtp;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/feeds");

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(FIXTURES).join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Default)]
pub struct ServerState {
    pub requests: Mutex<Vec<Seen>>,
    /// Bodies served at `/dynamic/<name>`; tests change them between polls.
    pub dynamic: Mutex<HashMap<String, Vec<u8>>>,
}

impl ServerState {
    pub fn requests_to(&self, path: &str) -> Vec<Seen> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    pub fn set_dynamic(&self, name: &str, body: Vec<u8>) {
        self.dynamic.lock().unwrap().insert(name.to_string(), body);
    }
}

pub struct FeedServer {
    pub addr: SocketAddr,
    pub state: Arc<ServerState>,
    // Dropping the sender stops the server.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl FeedServer {
    pub fn start() -> FeedServer {
        let state = Arc::new(ServerState::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let served = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
                    let state = served.clone();
                    async move { handle(state, uri, headers).await }
                });
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = ready_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        FeedServer {
            addr,
            state,
            _stop: stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

pub const ETAG: &str = "\"v1-etag\"";
pub const LAST_MODIFIED: &str = "Tue, 24 Nov 2026 10:00:00 GMT";

fn xml(body: Vec<u8>, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn handle(state: Arc<ServerState>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().to_string();
    let get = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    state.requests.lock().unwrap().push(Seen {
        path: path.clone(),
        if_none_match: get(header::IF_NONE_MATCH),
        if_modified_since: get(header::IF_MODIFIED_SINCE),
        user_agent: get(header::USER_AGENT),
    });
    match path.as_str() {
        "/rss2.xml" => xml(fixture("rss2.xml"), "application/rss+xml"),
        "/atom.xml" => xml(fixture("atom.xml"), "application/atom+xml"),
        "/feed.json" => xml(fixture("feed.json"), "application/feed+json"),
        "/entities.xml" => xml(fixture("entities.xml"), "text/xml"),
        // The charset comes from the document's own declaration, as on most real servers.
        "/latin1.xml" => xml(fixture("latin1.xml"), "application/xml"),
        "/malformed.xml" => xml(fixture("malformed.xml"), "application/rss+xml"),
        // Validators: the ETag feed answers 304 to its ETag, the dated one to its date.
        "/etag.xml" => {
            if get(header::IF_NONE_MATCH).as_deref() == Some(ETAG) {
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, ETAG)]).into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, "application/rss+xml"),
                    (header::ETAG, ETAG),
                ],
                fixture("rss2.xml"),
            )
                .into_response()
        }
        "/dated.xml" => {
            if get(header::IF_MODIFIED_SINCE).as_deref() == Some(LAST_MODIFIED) {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            (
                [
                    (header::CONTENT_TYPE, "application/atom+xml"),
                    (header::LAST_MODIFIED, LAST_MODIFIED),
                ],
                fixture("atom.xml"),
            )
                .into_response()
        }
        "/gzip.xml" => {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&fixture("feed.json")).unwrap();
            let body = enc.finish().unwrap();
            (
                [
                    (header::CONTENT_TYPE, "application/feed+json"),
                    (header::CONTENT_ENCODING, "gzip"),
                ],
                body,
            )
                .into_response()
        }
        // Over the tests' 64 KiB cap, streamed without a Content-Length.
        "/huge.xml" => {
            let chunks = (0..64).map(|_| Ok::<_, std::io::Error>(vec![b' '; 16 * 1024]));
            let stream = futures_stream(chunks.collect());
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(stream),
            )
                .into_response()
        }
        // One byte a second, for ever: only a deadline on the whole fetch ends it.
        "/drip.xml" => {
            let drip = futures_util::stream::unfold(0u64, |n| async move {
                if n > 0 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Some((
                    Ok::<_, std::io::Error>(vec![b"<rss>"[n as usize % 5]]),
                    n + 1,
                ))
            });
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(drip),
            )
                .into_response()
        }
        // A body that never ends, as fast as the connection takes it.
        "/endless.xml" => {
            let endless = futures_util::stream::repeat_with(|| {
                Ok::<_, std::io::Error>(b"<item><title>again</title></item>".repeat(512))
            });
            (
                [(header::CONTENT_TYPE, "application/rss+xml")],
                Body::from_stream(endless),
            )
                .into_response()
        }
        "/ping.xml" => redirect(StatusCode::FOUND, "/pong.xml"),
        "/pong.xml" => redirect(StatusCode::FOUND, "/ping.xml"),
        // A public-looking feed that sends its reader to the cloud metadata service, or to
        // another loopback address than the one allowed.
        "/to-metadata" => redirect(
            StatusCode::FOUND,
            "http://169.254.169.254/latest/meta-data/",
        ),
        "/to-loopback" => redirect(StatusCode::FOUND, "http://127.0.0.2:9/feed.xml"),
        "/slow.xml" => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            xml(fixture("rss2.xml"), "application/rss+xml")
        }
        "/limited.xml" => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "3600")],
            "slow down",
        )
            .into_response(),
        "/gone.xml" => (StatusCode::NOT_FOUND, "no such feed").into_response(),
        // A temporary redirect chain ending at a feed.
        "/hop1" => redirect(StatusCode::FOUND, "/hop2"),
        "/hop2" => redirect(StatusCode::TEMPORARY_REDIRECT, "/hop3"),
        "/hop3" => redirect(StatusCode::FOUND, "/entities.xml"),
        // Endless redirects.
        p if p.starts_with("/loop/") => {
            let n: u32 = p["/loop/".len()..].parse().unwrap_or(0);
            redirect(StatusCode::FOUND, &format!("/loop/{}", n + 1))
        }
        // A feed that moved for good.
        "/old-home.xml" => redirect(StatusCode::MOVED_PERMANENTLY, "/new-home.xml"),
        "/new-home.xml" => xml(fixture("atom.xml"), "application/atom+xml"),
        // Listing pages for `kind = "html"` sources; `/hearings-redesigned` is the same page
        // after a redesign that the selectors no longer fit.
        "/hearings" => page(page_fixture("hearings.html")),
        "/site.html" => page(page_fixture("site.html")),
        "/two-feeds.html" => page(page_fixture("two-feeds.html")),
        "/hearings-redesigned" => page(
            String::from_utf8(page_fixture("hearings.html"))
                .unwrap()
                .replace("class=\"element\"", "class=\"card\"")
                .into_bytes(),
        ),
        // The publisher says: nothing changes for two hours.
        "/fresh.xml" => (
            [
                (header::CONTENT_TYPE, "application/atom+xml"),
                (header::CACHE_CONTROL, "public, max-age=7200"),
            ],
            fixture("atom.xml"),
        )
            .into_response(),
        // Article pages for full-text feeds: tests/fixtures/pages/article-NAME.html.
        p if p.starts_with("/article/") => {
            let path = Path::new(FIXTURES)
                .parent()
                .unwrap()
                .join("pages")
                .join(format!("article-{}.html", &p["/article/".len()..]));
            match std::fs::read(path) {
                Ok(body) => page(body),
                Err(_) => StatusCode::NOT_FOUND.into_response(),
            }
        }
        p if p.starts_with("/dynamic/") => {
            let body = state
                .dynamic
                .lock()
                .unwrap()
                .get(&p["/dynamic/".len()..])
                .cloned();
            match body {
                Some(body) => xml(body, "application/rss+xml"),
                None => StatusCode::NOT_FOUND.into_response(),
            }
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

pub fn page_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(FIXTURES)
        .parent()
        .unwrap()
        .join("pages")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("page fixture {name}: {e}"))
}

fn page(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn redirect(status: StatusCode, to: &str) -> Response {
    let mut r = status.into_response();
    r.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_str(to).unwrap());
    r
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures_util::stream::iter(chunks)
}

/// A govwatch home in a temp dir: `govwatch.toml`, `feeds/`, `data/`.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    /// `feeds` is the body of `feeds/test.toml`. Private addresses are allowed (the feed server
    /// is on 127.0.0.1) unless `allow_private` is false.
    pub fn new(feeds: &str, allow_private: bool) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("feeds")).unwrap();
        std::fs::write(dir.path().join("feeds/test.toml"), feeds).unwrap();
        std::fs::write(
            dir.path().join("govwatch.toml"),
            format!(
                "data_dir = \"data\"\nfeeds_dir = \"feeds\"\n\n[fetch]\ntimeout = \"2s\"\nmax_body_bytes = 65536\nallow_private_addresses = {allow_private}\n"
            ),
        )
        .unwrap();
        Home { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Appends `text` (TOML tables) to `govwatch.toml`.
    pub fn append_config(&self, text: &str) {
        let config = self.dir.path().join("govwatch.toml");
        let mut all = std::fs::read_to_string(&config).unwrap();
        all.push_str(text);
        std::fs::write(&config, all).unwrap();
    }

    /// Appends a `[mail]` section that sends over SMTP to 127.0.0.1:`port` (no TLS).
    pub fn use_smtp(&self, port: u16, extra_mail_keys: &str) {
        self.append_config(&format!(
            "\n[mail]\ntransport = \"smtp\"\nfrom = \"govwatch@example.org\"\n{extra_mail_keys}\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout = \"5s\"\n"
        ));
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The real binary, pointed at this home's config.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("govwatch").unwrap();
        cmd.env("GOVWATCH_CONFIG", self.dir.path().join("govwatch.toml"))
            .env_remove("GOVWATCH_FAILPOINT")
            .env_remove("GOVWATCH_LOG")
            .timeout(Duration::from_secs(120));
        cmd
    }

    /// Runs the binary with `args`, asserts exit 0 and returns stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "govwatch {args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs the binary with `args` and parses each stdout line as JSON.
    pub fn json_lines(&self, args: &[&str]) -> Vec<serde_json::Value> {
        self.run(args)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }
}

/// The line about feed `id` in `poll --json` output.
pub fn by_feed<'a>(lines: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| l["feed"] == id)
        .unwrap_or_else(|| panic!("no line for {id} in {lines:?}"))
}

/// A `[[feed]]` entry for a feed list.
pub fn feed_entry(id: &str, url: &str, tags: &[&str]) -> String {
    let tags: Vec<String> = tags.iter().map(|t| format!("{t:?}")).collect();
    format!(
        "[[feed]]\nid = {id:?}\nurl = {url:?}\ntags = [{}]\n\n",
        tags.join(", ")
    )
}

/// An RSS 2.0 document with the given (guid, title, description) items, dated a day apart.
pub fn rss(title: &str, items: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.gov/</link><description>test</description>\n"
    );
    for (n, (guid, title, description)) in items.iter().enumerate() {
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>https://example.gov/items/{guid}</link><pubDate>{:02} Nov 2026 12:00:00 GMT</pubDate><description>{description}</description></item>\n",
            n % 28 + 1
        ));
    }
    s.push_str("</channel></rss>\n");
    s.into_bytes()
}
