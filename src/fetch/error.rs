//! Why a fetch failed, as a value the poller stores on the feed: a stable short code
//! ([`FetchError::kind`]), the HTTP status if any, and how long the server asked us to wait.

use std::error::Error as StdError;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use super::address::RefusedAddress;

/// A failed fetch. Every variant names the URL that failed (for a redirect chain, the hop
/// that failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("cannot build the HTTP client: {source}")]
    Client { source: reqwest::Error },

    #[error("{url}: invalid URL: {reason}")]
    InvalidUrl { url: Url, reason: String },

    /// `problem` quotes the Location header and says what is wrong with it (one field keeps
    /// the error within clippy's size budget).
    #[error("{url}: invalid redirect: {problem}")]
    InvalidRedirect { url: Url, problem: String },

    #[error("{url}: refused to connect to non-public address {addr} ({range})")]
    PrivateAddress {
        url: Url,
        addr: IpAddr,
        range: &'static str,
    },

    #[error("{url}: timed out after {}", humantime::format_duration(*.timeout))]
    Timeout { url: Url, timeout: Duration },

    #[error("{url}: cannot connect: {detail}")]
    Connect {
        url: Url,
        detail: String,
        source: reqwest::Error,
    },

    #[error("{url}: request failed: {detail}")]
    Request {
        url: Url,
        detail: String,
        source: reqwest::Error,
    },

    #[error("{url}: error reading the response body: {detail}")]
    Body {
        url: Url,
        detail: String,
        source: reqwest::Error,
    },

    #[error("{url}: response body exceeds the limit of {limit} bytes")]
    TooLarge { url: Url, limit: u64 },

    #[error("{url}: HTTP status {status}")]
    HttpStatus { url: Url, status: u16 },

    #[error("{url}: rate limited (HTTP {status}){}", match .retry_after {
        Some(d) => format!(", retry after {}", humantime::format_duration(*d)),
        None => String::new(),
    })]
    RateLimited {
        url: Url,
        status: u16,
        retry_after: Option<Duration>,
    },

    #[error("{url}: more than {max} redirects")]
    TooManyRedirects { url: Url, max: usize },
    #[error("{url}: cannot read the file: {detail}")]
    File { url: Url, detail: String },
}

impl FetchError {
    /// A short, stable code for storing and counting failures.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Client { .. } => "client",
            FetchError::InvalidUrl { .. } | FetchError::InvalidRedirect { .. } => "invalid-url",
            FetchError::PrivateAddress { .. } => "private-address",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Request { .. } => "request",
            FetchError::Body { .. } => "body",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::HttpStatus { .. } => "http-status",
            FetchError::RateLimited { .. } => "rate-limited",
            FetchError::TooManyRedirects { .. } => "too-many-redirects",
            FetchError::File { .. } => "file",
        }
    }

    /// The HTTP status that caused the failure, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::HttpStatus { status, .. } | FetchError::RateLimited { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// How long the server asked us to wait before the next attempt (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Classifies a reqwest error raised while requesting `url` (`reading_body`: after the
    /// headers arrived) given the configured `timeout`.
    pub(crate) fn from_reqwest(
        url: &Url,
        source: reqwest::Error,
        timeout: Duration,
        reading_body: bool,
    ) -> FetchError {
        let url = url.clone();
        if let Some(refused) = find_cause::<RefusedAddress>(&source) {
            return FetchError::PrivateAddress {
                url,
                addr: refused.addr,
                range: refused.range,
            };
        }
        if source.is_timeout() {
            return FetchError::Timeout { url, timeout };
        }
        let detail = root_cause(&source);
        if reading_body || source.is_body() || source.is_decode() {
            FetchError::Body {
                url,
                detail,
                source,
            }
        } else if source.is_connect() {
            FetchError::Connect {
                url,
                detail,
                source,
            }
        } else {
            FetchError::Request {
                url,
                detail,
                source,
            }
        }
    }
}

fn find_cause<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(t) = e.downcast_ref::<T>() {
            return Some(t);
        }
        cur = e.source();
    }
    None
}

/// reqwest's own message is generic ("error sending request"); the innermost cause
/// ("connection refused", "dns error: …") is what an operator needs to see on the feed.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
