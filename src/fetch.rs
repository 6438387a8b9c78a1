//! Stage 2 of the pipeline (`feeds` → **`fetch`** → `decode` → …): one polite, guarded HTTP
//! GET per feed. Conditional requests with the stored validators, a deadline covering the whole
//! exchange, a body cap enforced while streaming, at most [`MAX_REDIRECTS`] redirects each of
//! which is re-checked, `Retry-After` on 429/503, global and per-host concurrency limits, and
//! refusal of non-public addresses. It returns raw bytes plus HTTP metadata; `decode` turns the
//! bytes into text.

mod address;
mod error;
mod freshness;
mod limits;
mod local;
#[cfg(test)]
mod rebinding;
mod retry_after;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};
use tokio::sync::Semaphore;
use url::{Host, Url};

use crate::config::FetchConfig;

pub use address::{AddressPolicy, reserved_range};
pub use error::FetchError;
pub use freshness::freshness;
pub use retry_after::parse_retry_after;

use address::{GuardedResolver, Lookup};
use limits::KeyedLimits;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Feed formats first, generic XML/JSON next, anything last: some servers pick a
/// representation by `Accept`.
pub const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, \
     application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";

/// Upper bound on the TCP/TLS connect phase; the overall timeout still applies when smaller.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What to fetch, with the validators stored from the previous successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    pub url: Url,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl FetchRequest {
    /// An unconditional request.
    pub fn new(url: Url) -> FetchRequest {
        FetchRequest {
            url,
            etag: None,
            last_modified: None,
        }
    }
}

/// A successful fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchOutcome {
    /// 304: nothing new since the validators were issued.
    NotModified(FetchMeta),
    /// 2xx with the (decompressed) body.
    Fetched(FetchMeta, Vec<u8>),
}

impl FetchOutcome {
    pub fn meta(&self) -> &FetchMeta {
        match self {
            FetchOutcome::NotModified(meta) | FetchOutcome::Fetched(meta, _) => meta,
        }
    }
}

/// HTTP metadata of the final response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchMeta {
    pub status: u16,
    /// The URL that answered, after redirects.
    pub final_url: Url,
    /// Where the feed now lives, when the chain started with permanent redirects (301/308):
    /// the URL reached by following them up to the first temporary one.
    pub permanent_url: Option<Url>,
    /// Validators to store for the next conditional GET. On 304 they are `None` unless the
    /// server sent new ones; the caller then keeps the old ones.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The `Content-Type` header as sent.
    pub content_type: Option<String>,
    /// Its `charset` parameter, unquoted and lower-cased.
    pub charset: Option<String>,
    pub remote_addr: Option<std::net::SocketAddr>,
    /// How long the response stays fresh (`Cache-Control: max-age` less `Age`).
    pub max_age: Option<std::time::Duration>,
}

/// The HTTP client of the poller. Cheap to clone; clones share the connection pool and the
/// concurrency limits.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

/// Feeds admitted per connection (see [`Fetcher::admit`]): enough that the store writer
/// always has a result waiting while the connections stay busy.
pub const ADMITTED_PER_CONNECTION: usize = 2;

#[derive(Debug)]
struct Inner {
    client: reqwest::Client,
    timeout: Duration,
    max_body_bytes: u64,
    addresses: Arc<AddressPolicy>,
    global: Arc<Semaphore>,
    admission: Arc<Semaphore>,
    per_host: Arc<KeyedLimits>,
    per_url: Arc<KeyedLimits>,
}

impl Fetcher {
    pub fn new(cfg: &FetchConfig) -> Result<Fetcher, FetchError> {
        Fetcher::with_lookup(cfg, Lookup::System)
    }

    fn with_lookup(cfg: &FetchConfig, lookup: Lookup) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        let addresses = Arc::new(AddressPolicy {
            allow_private: cfg.allow_private_addresses,
            allow_networks: cfg.allow_networks.clone(),
        });
        let client = reqwest::Client::builder()
            .user_agent(cfg.user_agent.as_str())
            .default_headers(headers)
            // Redirects are followed by hand so that each hop's address is checked and
            // permanent moves are recorded.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would connect on our behalf and bypass the address check.
            .no_proxy()
            .dns_resolver(GuardedResolver {
                policy: Arc::clone(&addresses),
                lookup,
            })
            .connect_timeout(cfg.timeout.min(MAX_CONNECT_TIMEOUT))
            .build()
            .map_err(|source| FetchError::Client { source })?;
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                timeout: cfg.timeout,
                max_body_bytes: cfg.max_body_bytes,
                addresses,
                global: Arc::new(Semaphore::new(cfg.concurrency.get())),
                admission: Arc::new(Semaphore::new(
                    ADMITTED_PER_CONNECTION * cfg.concurrency.get(),
                )),
                per_host: KeyedLimits::new(cfg.per_host_concurrency.get()),
                per_url: KeyedLimits::new(1),
            }),
        })
    }

    /// A place in the pipeline for one feed, from the start of its fetch until its result is
    /// stored: hold the permit until then. Fetching and parsing outrun the one store writer,
    /// so without it a poll of many feeds holds every fetched body and parsed item in memory
    /// at once; with it, at most [`ADMITTED_PER_CONNECTION`] times the connection limit.
    pub async fn admit(&self) -> tokio::sync::OwnedSemaphorePermit {
        let admission = self.inner.admission.clone();
        // The semaphore is never closed, so acquiring cannot fail.
        admission
            .acquire_owned()
            .await
            .expect("the admission semaphore is never closed")
    }

    /// Fetches `req.url`, following redirects. Waits for a free slot first (same URL, global,
    /// then per host); the timeout counts only time spent on the network, not waiting.
    /// The body cap, for readers of other sources (spool files) held to the same limit.
    pub fn max_body_bytes(&self) -> u64 {
        self.inner.max_body_bytes
    }

    pub async fn fetch(&self, req: &FetchRequest) -> Result<FetchOutcome, FetchError> {
        let inner = &*self.inner;
        if req.url.scheme() == "file" {
            return local::fetch_file(req, inner.max_body_bytes).await;
        }
        check_scheme(&req.url)?;
        // A second fetch of the same URL waits for the first, then revalidates.
        let _url_slot = inner.per_url.acquire(req.url.as_str()).await;
        // The global slot is taken before any host slot and held for the whole chain, while a
        // host slot is held for one hop only: a task never waits for a global slot while it
        // holds a host slot, so the two levels cannot deadlock.
        let _global_slot = Arc::clone(&inner.global)
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");

        let mut budget = Budget::new(inner.timeout);
        let mut url = req.url.clone();
        let mut permanent_url = None;
        let mut only_permanent_so_far = true;
        let mut redirects = 0;
        loop {
            let host = host_key(&url)?;
            self.check_literal_host(&url)?;
            let host_slot = inner.per_host.acquire(&host).await;
            let response = budget
                .run(&url, self.send(&url, req))
                .await?
                .map_err(|e| FetchError::from_reqwest(&url, e, inner.timeout, false))?;
            self.check_remote_addr(&url, &response)?;
            let status = response.status();

            if is_redirect(status) {
                if redirects == MAX_REDIRECTS {
                    return Err(FetchError::TooManyRedirects {
                        url: req.url.clone(),
                        max: MAX_REDIRECTS,
                    });
                }
                let next = redirect_target(&url, &response)?;
                let permanent = matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                only_permanent_so_far &= permanent;
                if only_permanent_so_far {
                    permanent_url = Some(next.clone());
                }
                tracing::debug!(from = %url, to = %next, status = status.as_u16(), "redirect");
                redirects += 1;
                drop(response);
                drop(host_slot);
                url = next;
                continue;
            }

            let meta = response_meta(&response, url.clone(), permanent_url);
            if status == StatusCode::NOT_MODIFIED {
                return Ok(FetchOutcome::NotModified(meta));
            }
            if !status.is_success() {
                return Err(status_error(url, &response));
            }
            let body = budget
                .run(&url, read_capped(&url, response, inner))
                .await??;
            return Ok(FetchOutcome::Fetched(meta, body));
        }
    }

    fn send(
        &self,
        url: &Url,
        req: &FetchRequest,
    ) -> impl Future<Output = reqwest::Result<Response>> + use<> {
        let mut builder = self.inner.client.get(url.clone());
        // The validators describe the feed as last served through this same chain, so they
        // go with every hop, as browsers and Go's client do.
        if let Some(etag) = req.etag.as_deref().and_then(valid_header) {
            builder = builder.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = req.last_modified.as_deref().and_then(valid_header) {
            builder = builder.header(header::IF_MODIFIED_SINCE, lm);
        }
        builder.send()
    }

    /// hyper does not call the resolver for IP-literal hosts, so those are checked here.
    fn check_literal_host(&self, url: &Url) -> Result<(), FetchError> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        self.refuse_reserved(url, ip)
    }

    /// Defence in depth: whatever path led to this connection (resolver, literal, a pooled
    /// connection), the peer must be public.
    fn check_remote_addr(&self, url: &Url, response: &Response) -> Result<(), FetchError> {
        match response.remote_addr() {
            Some(addr) => self.refuse_reserved(url, addr.ip()),
            None => Ok(()),
        }
    }

    fn refuse_reserved(&self, url: &Url, addr: IpAddr) -> Result<(), FetchError> {
        match self.inner.addresses.refused(addr) {
            Some(range) => Err(FetchError::PrivateAddress {
                url: url.clone(),
                addr,
                range,
            }),
            None => Ok(()),
        }
    }
}

fn check_scheme(url: &Url) -> Result<(), FetchError> {
    match url.scheme() {
        "http" | "https" => Ok(()),
        other => Err(FetchError::InvalidUrl {
            url: url.clone(),
            reason: format!("unsupported scheme {other:?} (only http and https)"),
        }),
    }
}

/// Per-host limits key on the host name (or literal) alone: different ports of one host are
/// still one machine to be polite to.
fn host_key(url: &Url) -> Result<String, FetchError> {
    url.host_str()
        .map(str::to_owned)
        .ok_or_else(|| FetchError::InvalidUrl {
            url: url.clone(),
            reason: "no host".to_string(),
        })
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

fn redirect_target(url: &Url, response: &Response) -> Result<Url, FetchError> {
    let invalid = |location: String, reason: String| FetchError::InvalidRedirect {
        url: url.clone(),
        problem: format!("Location {location:?}: {reason}"),
    };
    let location = match response.headers().get(header::LOCATION) {
        None => return Err(invalid(String::new(), "no Location header".to_string())),
        Some(value) => value
            .to_str()
            .map_err(|_| {
                invalid(
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    "Location is not ASCII".to_string(),
                )
            })?
            .trim(),
    };
    let next = url
        .join(location)
        .map_err(|e| invalid(location.to_string(), e.to_string()))?;
    match next.scheme() {
        "http" | "https" => Ok(next),
        other => Err(invalid(
            location.to_string(),
            format!("unsupported scheme {other:?} (only http and https)"),
        )),
    }
}

fn response_meta(response: &Response, final_url: Url, permanent_url: Option<Url>) -> FetchMeta {
    let headers = response.headers();
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let content_type = text(header::CONTENT_TYPE);
    let charset = content_type.as_deref().and_then(charset_of);
    FetchMeta {
        status: response.status().as_u16(),
        final_url,
        permanent_url,
        etag: text(header::ETAG),
        last_modified: text(header::LAST_MODIFIED),
        content_type,
        charset,
        remote_addr: response.remote_addr(),
        max_age: freshness(
            text(header::CACHE_CONTROL).as_deref(),
            text(header::AGE).as_deref(),
        ),
    }
}

fn status_error(url: Url, response: &Response) -> FetchError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, chrono::Utc::now()));
    let code = status.as_u16();
    match status {
        // 429 is a rate limit even without a delay; the poller then backs off on its own.
        StatusCode::TOO_MANY_REQUESTS => FetchError::RateLimited {
            url,
            status: code,
            retry_after,
        },
        StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => FetchError::RateLimited {
            url,
            status: code,
            retry_after,
        },
        _ => FetchError::HttpStatus { url, status: code },
    }
}

/// Reads the body, stopping as soon as it exceeds the cap. reqwest has already undone any
/// gzip/brotli encoding, so the cap bounds the decompressed size (a zip bomb stops early).
async fn read_capped(
    url: &Url,
    mut response: Response,
    inner: &Inner,
) -> Result<Vec<u8>, FetchError> {
    let limit = inner.max_body_bytes;
    let too_large = || FetchError::TooLarge {
        url: url.clone(),
        limit,
    };
    // Known only when the body is not being decompressed: then it is the exact size.
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    // Never trust a declared length for more than the cap.
    let capacity = declared.unwrap_or(0).min(limit).min(1 << 20);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::from_reqwest(url, e, inner.timeout, true))?
    {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Stored validators come from servers; one that is not a valid header value is dropped
/// rather than failing the fetch (the server then simply sends the full body).
fn valid_header(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(value.trim()).ok()
}

/// The `charset` parameter of a `Content-Type` value, unquoted and lower-cased.
pub fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches('"').trim();
        (!value.is_empty()).then(|| value.to_ascii_lowercase())
    })
}

/// The time allowance of one fetch, spent across hops; time spent waiting for a host slot
/// between hops is not charged.
struct Budget {
    timeout: Duration,
    remaining: Duration,
}

impl Budget {
    fn new(timeout: Duration) -> Budget {
        Budget {
            timeout,
            remaining: timeout,
        }
    }

    async fn run<T>(&mut self, url: &Url, fut: impl Future<Output = T>) -> Result<T, FetchError> {
        let started = Instant::now();
        let result = tokio::time::timeout(self.remaining, fut).await;
        self.remaining = self.remaining.saturating_sub(started.elapsed());
        result.map_err(|_| FetchError::Timeout {
            url: url.clone(),
            timeout: self.timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_prefers_feed_formats() {
        assert_eq!(
            ACCEPT,
            concat!(
                "application/rss+xml, application/atom+xml, application/feed+json, ",
                "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
            )
        );
    }

    #[test]
    fn charset_parameter() {
        assert_eq!(
            charset_of("text/xml; charset=UTF-8").as_deref(),
            Some("utf-8")
        );
        assert_eq!(
            charset_of("application/rss+xml;Charset=\"ISO-8859-1\"").as_deref(),
            Some("iso-8859-1")
        );
        assert_eq!(
            charset_of("text/html; q=1; charset = windows-1252 ").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(charset_of("text/xml"), None);
        assert_eq!(charset_of("text/xml; charset="), None);
        assert_eq!(charset_of("text/xml; charset=\"\""), None);
        assert_eq!(charset_of("charset=utf-8"), None);
    }

    #[test]
    fn error_codes_are_stable() {
        let url = Url::parse("https://example.gov/feed").expect("valid URL");
        let e = FetchError::RateLimited {
            url: url.clone(),
            status: 429,
            retry_after: Some(Duration::from_secs(120)),
        };
        assert_eq!(e.kind(), "rate-limited");
        assert_eq!(e.status(), Some(429));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(
            e.to_string(),
            "https://example.gov/feed: rate limited (HTTP 429), retry after 2m"
        );
        let e = FetchError::TooLarge { url, limit: 10 };
        assert_eq!(
            (e.kind(), e.status(), e.retry_after()),
            ("too-large", None, None)
        );
    }

    #[test]
    fn non_http_schemes_are_invalid() {
        for u in [
            "ftp://example.gov/feed",
            "file:///etc/passwd",
            "data:text/plain,x",
        ] {
            let url = Url::parse(u).expect("valid URL");
            let err = check_scheme(&url).expect_err("refused");
            assert_eq!(err.kind(), "invalid-url");
            assert!(err.to_string().contains(u), "{err}");
        }
    }
}
