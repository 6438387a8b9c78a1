//! The fetcher against real local HTTP servers: validators, caps, timeouts, redirects,
//! rate limits, compression, address refusal and concurrency limits.

#[path = "common/http.rs"]
mod http;

use std::io::Write;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use govwatch::fetch::{FetchError, FetchOutcome, FetchRequest, Fetcher};
use pretty_assertions::assert_eq;
use tokio::io::AsyncWriteExt;
use url::Url;

use http::{fetch_config, read_request_head, spawn_app, spawn_raw};

const ETAG: &str = "\"v1\"";
const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
const FEED: &str = "<rss version=\"2.0\"><channel><title>t</title></channel></rss>";

/// Every request the app received: path and headers.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, HeaderMap)>>>);

impl Seen {
    fn all(&self) -> Vec<(String, HeaderMap)> {
        self.0.lock().expect("not poisoned").clone()
    }
    fn headers_of(&self, path: &str) -> HeaderMap {
        self.all()
            .into_iter()
            .find(|(p, _)| p == path)
            .map(|(_, h)| h)
            .unwrap_or_else(|| panic!("no request for {path}"))
    }
}

async fn record(State(seen): State<Seen>, req: Request, next: Next) -> Response {
    seen.0
        .lock()
        .expect("not poisoned")
        .push((req.uri().path().to_string(), req.headers().clone()));
    next.run(req).await
}

fn redirect(status: StatusCode, location: &str) -> Response {
    (status, [(header::LOCATION, location.to_string())]).into_response()
}

async fn feed(headers: HeaderMap) -> Response {
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == ETAG)
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, ETAG)]).into_response();
    }
    if headers
        .get(header::IF_MODIFIED_SINCE)
        .is_some_and(|v| v == LAST_MODIFIED)
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::ETAG, ETAG),
            (header::LAST_MODIFIED, LAST_MODIFIED),
            (
                header::CONTENT_TYPE,
                "application/rss+xml; charset=\"ISO-8859-1\"",
            ),
        ],
        FEED,
    )
        .into_response()
}

/// `/r/n` redirects n times (302), alternating relative and absolute-path Locations.
async fn chain(Path(n): Path<u32>) -> Response {
    match n {
        0 => "end of chain".into_response(),
        n if n % 2 == 0 => redirect(StatusCode::FOUND, &format!("./{}", n - 1)),
        n => redirect(StatusCode::FOUND, &format!("/r/{}", n - 1)),
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("write to Vec");
    enc.finish().expect("finish gzip")
}

fn app(seen: Seen) -> Router {
    Router::new()
        .route("/feed", get(feed))
        .route("/r/{n}", get(chain))
        .route(
            "/p301",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/feed") }),
        )
        .route(
            "/p308",
            get(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "p301") }),
        )
        .route(
            "/mixed",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/t302") }),
        )
        .route(
            "/t302",
            get(|| async { redirect(StatusCode::FOUND, "/feed") }),
        )
        .route(
            "/t307-first",
            get(|| async { redirect(StatusCode::TEMPORARY_REDIRECT, "/p301") }),
        )
        .route(
            "/to-ftp",
            get(|| async { redirect(StatusCode::FOUND, "ftp://example.gov/feed") }),
        )
        .route(
            "/429",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "120")],
                )
            }),
        )
        .route(
            "/503",
            get(|| async {
                let when = chrono::Utc::now() + chrono::Duration::hours(1);
                let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(header::RETRY_AFTER, date)],
                )
            }),
        )
        .route(
            "/503-bare",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .route("/404", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/gzip",
            get(|| async { ([(header::CONTENT_ENCODING, "gzip")], gzip(FEED.as_bytes())) }),
        )
        .route(
            "/bomb",
            get(|| async {
                (
                    [(header::CONTENT_ENCODING, "gzip")],
                    gzip(&vec![b' '; 4 << 20]),
                )
            }),
        )
        .route("/big", get(|| async { vec![b'x'; 100_000] }))
        .route(
            "/slow-headers",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "too late"
            }),
        )
        .layer(middleware::from_fn_with_state(seen.clone(), record))
}

async fn serve() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    (spawn_app(app(seen.clone())).await, seen)
}

fn url(addr: SocketAddr, path: &str) -> Url {
    Url::parse(&format!("http://{addr}{path}")).expect("valid test URL")
}

fn fetcher(cfg: &govwatch::config::FetchConfig) -> Fetcher {
    Fetcher::new(cfg).expect("client builds")
}

async fn get_ok(f: &Fetcher, u: Url) -> (govwatch::fetch::FetchMeta, Vec<u8>) {
    match f.fetch(&FetchRequest::new(u.clone())).await {
        Ok(FetchOutcome::Fetched(meta, body)) => (meta, body),
        other => panic!("{u}: expected a body, got {other:?}"),
    }
}

async fn get_err(f: &Fetcher, u: Url) -> FetchError {
    match f.fetch(&FetchRequest::new(u.clone())).await {
        Err(e) => e,
        Ok(outcome) => panic!("{u}: expected an error, got {outcome:?}"),
    }
}

#[tokio::test]
async fn fetches_body_with_validators_and_metadata() {
    let (addr, seen) = serve().await;
    let f = fetcher(&fetch_config(true));
    let (meta, body) = get_ok(&f, url(addr, "/feed")).await;
    assert_eq!(body, FEED.as_bytes());
    assert_eq!(meta.status, 200);
    assert_eq!(meta.final_url, url(addr, "/feed"));
    assert_eq!(meta.permanent_url, None);
    assert_eq!(meta.etag.as_deref(), Some(ETAG));
    assert_eq!(meta.last_modified.as_deref(), Some(LAST_MODIFIED));
    assert_eq!(
        meta.content_type.as_deref(),
        Some("application/rss+xml; charset=\"ISO-8859-1\"")
    );
    assert_eq!(meta.charset.as_deref(), Some("iso-8859-1"));
    assert_eq!(meta.remote_addr, Some(addr));

    let headers = seen.headers_of("/feed");
    assert_eq!(
        headers[header::USER_AGENT],
        "govwatch-test/1.0 (+https://example.gov/contact)"
    );
    assert_eq!(headers[header::ACCEPT], govwatch::fetch::ACCEPT);
    let encodings = headers[header::ACCEPT_ENCODING].to_str().expect("ASCII");
    assert!(
        encodings.contains("gzip") && encodings.contains("br"),
        "{encodings}"
    );
    assert!(headers.get(header::IF_NONE_MATCH).is_none());
    assert!(headers.get(header::IF_MODIFIED_SINCE).is_none());
}

#[tokio::test]
async fn matching_etag_gives_not_modified() {
    let (addr, seen) = serve().await;
    let f = fetcher(&fetch_config(true));
    let req = FetchRequest {
        url: url(addr, "/feed"),
        etag: Some(ETAG.to_string()),
        last_modified: None,
    };
    let meta = match f.fetch(&req).await {
        Ok(FetchOutcome::NotModified(meta)) => meta,
        other => panic!("expected 304, got {other:?}"),
    };
    assert_eq!(meta.status, 304);
    assert_eq!(meta.etag.as_deref(), Some(ETAG));
    assert_eq!(meta.last_modified, None);
    assert_eq!(seen.headers_of("/feed")[header::IF_NONE_MATCH], ETAG);
}

#[tokio::test]
async fn last_modified_is_sent_as_if_modified_since() {
    let (addr, seen) = serve().await;
    let f = fetcher(&fetch_config(true));
    let req = FetchRequest {
        url: url(addr, "/feed"),
        etag: None,
        last_modified: Some(LAST_MODIFIED.to_string()),
    };
    let meta = match f.fetch(&req).await {
        Ok(FetchOutcome::NotModified(meta)) => meta,
        other => panic!("expected 304, got {other:?}"),
    };
    // The server sent no new validators: the caller keeps its old ones.
    assert_eq!((meta.etag, meta.last_modified), (None, None));
    let headers = seen.headers_of("/feed");
    assert_eq!(headers[header::IF_MODIFIED_SINCE], LAST_MODIFIED);
    assert!(headers.get(header::IF_NONE_MATCH).is_none());
}

#[tokio::test]
async fn stale_etag_gets_the_full_body() {
    let (addr, _) = serve().await;
    let f = fetcher(&fetch_config(true));
    let req = FetchRequest {
        url: url(addr, "/feed"),
        etag: Some("\"v0\"".to_string()),
        last_modified: None,
    };
    match f.fetch(&req).await {
        Ok(FetchOutcome::Fetched(meta, body)) => {
            assert_eq!(body, FEED.as_bytes());
            assert_eq!(meta.etag.as_deref(), Some(ETAG));
        }
        other => panic!("expected 200, got {other:?}"),
    }
}

#[tokio::test]
async fn content_length_over_the_cap_is_refused() {
    let (addr, _) = serve().await;
    let mut cfg = fetch_config(true);
    cfg.max_body_bytes = 64 * 1024;
    let err = get_err(&fetcher(&cfg), url(addr, "/big")).await;
    assert_eq!(err.kind(), "too-large", "{err}");
    assert!(err.to_string().contains("/big"), "{err}");
}

/// The server declares a large Content-Length, sends a few bytes and then stalls. Only a
/// client that rejects on the declared length answers "too-large"; one that reads first
/// would time out instead.
#[tokio::test]
async fn declared_length_is_rejected_before_reading() {
    let addr = spawn_raw(|mut stream| async move {
        read_request_head(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n0123456789")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let mut cfg = fetch_config(true);
    cfg.max_body_bytes = 64 * 1024;
    cfg.timeout = Duration::from_secs(5);
    let err = get_err(&fetcher(&cfg), url(addr, "/lying")).await;
    assert_eq!(err.kind(), "too-large", "{err}");
}

/// A chunked body with no Content-Length that would run to 64 MiB: the fetcher must stop
/// at the cap, long before the server could have written it all.
#[tokio::test]
async fn streamed_body_over_the_cap_stops_early() {
    const TOTAL: u64 = 64 << 20;
    let written = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let (w, done) = (Arc::clone(&written), Arc::clone(&finished));
    let addr = spawn_raw(move |mut stream| {
        let (w, done) = (Arc::clone(&w), Arc::clone(&done));
        async move {
            read_request_head(&mut stream).await;
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head).await.is_err() {
                return;
            }
            let chunk = [b'x'; 8192];
            let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
            frame.extend_from_slice(&chunk);
            frame.extend_from_slice(b"\r\n");
            while w.load(Ordering::SeqCst) < TOTAL {
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
                w.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            }
            let _ = stream.write_all(b"0\r\n\r\n").await;
            done.store(true, Ordering::SeqCst);
        }
    })
    .await;
    let mut cfg = fetch_config(true);
    cfg.max_body_bytes = 64 * 1024;
    let err = get_err(&fetcher(&cfg), url(addr, "/endless")).await;
    assert_eq!(err.kind(), "too-large", "{err}");
    assert!(
        !finished.load(Ordering::SeqCst),
        "the server wrote the whole body"
    );
    assert!(written.load(Ordering::SeqCst) < TOTAL);
}

#[tokio::test]
async fn gzip_body_is_decoded() {
    let (addr, _) = serve().await;
    let (_, body) = get_ok(&fetcher(&fetch_config(true)), url(addr, "/gzip")).await;
    assert_eq!(body, FEED.as_bytes());
}

/// 4 MiB of spaces gzip to a few KiB: the cap applies to what they decompress to.
#[tokio::test]
async fn gzip_bomb_hits_the_cap() {
    let (addr, _) = serve().await;
    let mut cfg = fetch_config(true);
    cfg.max_body_bytes = 64 * 1024;
    let err = get_err(&fetcher(&cfg), url(addr, "/bomb")).await;
    assert_eq!(err.kind(), "too-large", "{err}");
}

#[tokio::test]
async fn slow_headers_time_out() {
    let (addr, _) = serve().await;
    let mut cfg = fetch_config(true);
    cfg.timeout = Duration::from_millis(300);
    let err = get_err(&fetcher(&cfg), url(addr, "/slow-headers")).await;
    assert_eq!(err.kind(), "timeout", "{err}");
    assert!(err.to_string().contains("/slow-headers"), "{err}");
}

/// The headers arrive at once but the body never finishes: the timeout covers the body too.
#[tokio::test]
async fn stalled_body_times_out() {
    let addr = spawn_raw(|mut stream| async move {
        read_request_head(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let mut cfg = fetch_config(true);
    cfg.timeout = Duration::from_millis(300);
    let err = get_err(&fetcher(&cfg), url(addr, "/stall")).await;
    assert_eq!(err.kind(), "timeout", "{err}");
}

#[tokio::test]
async fn follows_temporary_redirects() {
    let (addr, seen) = serve().await;
    let f = fetcher(&fetch_config(true));
    let (meta, body) = get_ok(&f, url(addr, "/r/2")).await;
    assert_eq!(body, b"end of chain");
    assert_eq!(meta.final_url, url(addr, "/r/0"));
    assert_eq!(meta.permanent_url, None);
    let paths: Vec<String> = seen.all().into_iter().map(|(p, _)| p).collect();
    assert_eq!(paths, ["/r/2", "/r/1", "/r/0"]);

    let (meta, _) = get_ok(&f, url(addr, "/r/5")).await;
    assert_eq!(meta.final_url, url(addr, "/r/0"));
}

#[tokio::test]
async fn six_redirects_are_too_many() {
    let (addr, seen) = serve().await;
    let err = get_err(&fetcher(&fetch_config(true)), url(addr, "/r/6")).await;
    assert_eq!(err.kind(), "too-many-redirects", "{err}");
    assert!(err.to_string().contains("/r/6"), "{err}");
    // Five redirects followed, the sixth not.
    assert_eq!(seen.all().len(), 6);
}

#[tokio::test]
async fn permanent_redirects_record_the_new_url() {
    let (addr, _) = serve().await;
    let f = fetcher(&fetch_config(true));

    let (meta, body) = get_ok(&f, url(addr, "/p301")).await;
    assert_eq!(body, FEED.as_bytes());
    assert_eq!(meta.final_url, url(addr, "/feed"));
    assert_eq!(meta.permanent_url, Some(url(addr, "/feed")));

    // 308 → 301 → 200: both permanent, so the end of the chain is the new address.
    let (meta, _) = get_ok(&f, url(addr, "/p308")).await;
    assert_eq!(meta.permanent_url, Some(url(addr, "/feed")));
}

#[tokio::test]
async fn a_temporary_redirect_ends_the_permanent_chain() {
    let (addr, _) = serve().await;
    let f = fetcher(&fetch_config(true));

    // 301 → 302 → 200: the feed moved to /t302, which currently sends us elsewhere.
    let (meta, _) = get_ok(&f, url(addr, "/mixed")).await;
    assert_eq!(meta.final_url, url(addr, "/feed"));
    assert_eq!(meta.permanent_url, Some(url(addr, "/t302")));

    // 307 → 301 → 200: the first hop is temporary, so the feed's address stays.
    let (meta, _) = get_ok(&f, url(addr, "/t307-first")).await;
    assert_eq!(meta.final_url, url(addr, "/feed"));
    assert_eq!(meta.permanent_url, None);
}

#[tokio::test]
async fn permanent_url_is_reported_on_not_modified() {
    let (addr, _) = serve().await;
    let req = FetchRequest {
        url: url(addr, "/p301"),
        etag: Some(ETAG.to_string()),
        last_modified: None,
    };
    match fetcher(&fetch_config(true)).fetch(&req).await {
        Ok(FetchOutcome::NotModified(meta)) => {
            assert_eq!(meta.permanent_url, Some(url(addr, "/feed")))
        }
        other => panic!("expected 304, got {other:?}"),
    }
}

#[tokio::test]
async fn redirect_to_another_scheme_is_refused() {
    let (addr, _) = serve().await;
    let err = get_err(&fetcher(&fetch_config(true)), url(addr, "/to-ftp")).await;
    assert_eq!(err.kind(), "invalid-url", "{err}");
    assert!(err.to_string().contains("ftp://example.gov/feed"), "{err}");
}

#[tokio::test]
async fn too_many_requests_carries_retry_after_seconds() {
    let (addr, _) = serve().await;
    let err = get_err(&fetcher(&fetch_config(true)), url(addr, "/429")).await;
    assert_eq!(err.kind(), "rate-limited", "{err}");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn unavailable_carries_retry_after_date() {
    let (addr, _) = serve().await;
    let err = get_err(&fetcher(&fetch_config(true)), url(addr, "/503")).await;
    assert_eq!(err.kind(), "rate-limited", "{err}");
    assert_eq!(err.status(), Some(503));
    // The date is one hour after the server's clock, to the second.
    let wait = err.retry_after().expect("a Retry-After").as_secs();
    assert!((3500..=3600).contains(&wait), "{wait}");
}

#[tokio::test]
async fn other_error_statuses_carry_the_status() {
    let (addr, _) = serve().await;
    let f = fetcher(&fetch_config(true));
    for (path, status) in [("/404", 404), ("/503-bare", 503)] {
        let err = get_err(&f, url(addr, path)).await;
        assert_eq!(err.kind(), "http-status", "{err}");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.retry_after(), None);
        assert!(err.to_string().contains(path), "{err}");
    }
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    let err = get_err(&fetcher(&fetch_config(true)), url(addr, "/feed")).await;
    assert_eq!(err.kind(), "connect", "{err}");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let (addr, seen) = serve().await;
    let f = fetcher(&fetch_config(false));
    let port = addr.port();
    for host in [
        "127.0.0.1",
        "2130706433", // 127.0.0.1 in decimal
        "[::ffff:127.0.0.1]",
        "[::1]",
        "localhost", // through the resolver
    ] {
        let u = Url::parse(&format!("http://{host}:{port}/feed")).expect("valid URL");
        let err = get_err(&f, u.clone()).await;
        assert_eq!(err.kind(), "private-address", "{err}");
        let msg = err.to_string();
        match err {
            FetchError::PrivateAddress { url, addr, .. } => {
                assert_eq!(url, u);
                assert!(msg.contains(u.as_str()) && msg.contains(&addr.to_string()));
                let loopback = match addr {
                    std::net::IpAddr::V6(v6) => v6
                        .to_ipv4_mapped()
                        .map_or(v6.is_loopback(), |v4| v4.is_loopback()),
                    v4 => v4.is_loopback(),
                };
                assert!(loopback, "{msg}");
            }
            other => panic!("{u}: {other}"),
        }
    }
    assert_eq!(seen.all().len(), 0, "the server was contacted");

    // The same server is reachable when allowed.
    let allowed = fetcher(&fetch_config(true));
    get_ok(&allowed, url(addr, "/feed")).await;
    let localhost = Url::parse(&format!("http://localhost:{port}/feed")).expect("valid URL");
    get_ok(&allowed, localhost).await;
}

/// Counts requests in flight. Each request waits (boundedly) until `limit` requests are in
/// flight together, then lingers a little so that a request breaking the limit would be
/// counted while the others are still there.
struct Gate {
    in_flight: AtomicUsize,
    max: AtomicUsize,
    started: AtomicUsize,
    limit: usize,
    total: usize,
}

impl Gate {
    fn new(limit: usize, total: usize) -> Arc<Gate> {
        Arc::new(Gate {
            in_flight: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            limit,
            total,
        })
    }
}

async fn gate(State(g): State<Arc<Gate>>) -> &'static str {
    g.started.fetch_add(1, Ordering::SeqCst);
    let now = g.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    g.max.fetch_max(now, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(5);
    while g.in_flight.load(Ordering::SeqCst) < g.limit
        && g.started.load(Ordering::SeqCst) < g.total
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    g.in_flight.fetch_sub(1, Ordering::SeqCst);
    "ok"
}

async fn gate_server(g: &Arc<Gate>) -> SocketAddr {
    let app = Router::new()
        .route("/gate/{i}", get(gate))
        .with_state(Arc::clone(g));
    spawn_app(app).await
}

async fn fetch_all(f: &Fetcher, urls: Vec<Url>) {
    let tasks: Vec<_> = urls
        .into_iter()
        .map(|u| {
            let f = f.clone();
            tokio::spawn(async move { f.fetch(&FetchRequest::new(u)).await })
        })
        .collect();
    for t in tasks {
        match t.await.expect("task completes") {
            Ok(FetchOutcome::Fetched(_, body)) => assert_eq!(body, b"ok"),
            other => panic!("expected a body, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_host_limit_holds() {
    let g = Gate::new(2, 8);
    let addr = gate_server(&g).await;
    let mut cfg = fetch_config(true);
    cfg.per_host_concurrency = NonZeroUsize::new(2).expect("non-zero");
    let urls = (0..8).map(|i| url(addr, &format!("/gate/{i}"))).collect();
    fetch_all(&fetcher(&cfg), urls).await;
    assert_eq!(g.started.load(Ordering::SeqCst), 8);
    assert_eq!(
        g.max.load(Ordering::SeqCst),
        2,
        "maximum requests in flight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_limit_holds_across_hosts() {
    let g = Gate::new(1, 4);
    let addr = gate_server(&g).await;
    let mut cfg = fetch_config(true);
    cfg.concurrency = NonZeroUsize::new(1).expect("non-zero");
    cfg.per_host_concurrency = NonZeroUsize::new(8).expect("non-zero");
    let port = addr.port();
    let urls = (0..4)
        .map(|i| {
            let host = if i % 2 == 0 { "127.0.0.1" } else { "localhost" };
            Url::parse(&format!("http://{host}:{port}/gate/{i}")).expect("valid URL")
        })
        .collect();
    fetch_all(&fetcher(&cfg), urls).await;
    assert_eq!(g.started.load(Ordering::SeqCst), 4);
    assert_eq!(
        g.max.load(Ordering::SeqCst),
        1,
        "maximum requests in flight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_url_is_never_fetched_twice_at_once() {
    let g = Gate::new(1, 4);
    let addr = gate_server(&g).await;
    let mut cfg = fetch_config(true);
    cfg.per_host_concurrency = NonZeroUsize::new(4).expect("non-zero");
    let urls = (0..4).map(|_| url(addr, "/gate/same")).collect();
    fetch_all(&fetcher(&cfg), urls).await;
    assert_eq!(g.started.load(Ordering::SeqCst), 4);
    assert_eq!(
        g.max.load(Ordering::SeqCst),
        1,
        "maximum requests in flight"
    );
}
