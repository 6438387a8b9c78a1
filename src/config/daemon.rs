//! The settings only `govwatch run` uses: `[poll]` (when feeds are polled), `[index]` (when the
//! index commits), `[server]` (the health and metrics listener) and `[daemon]` (shutdown).

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, parse_duration, positive};

pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);
pub const DEFAULT_JITTER: Duration = Duration::from_secs(5 * 60);
pub const DEFAULT_COMMIT_INTERVAL: Duration = Duration::from_secs(30);
pub const DEFAULT_COMMIT_ITEMS: usize = 10_000;
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9187";
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// `[poll]`: the daemon's feed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollConfig {
    /// For feeds without their own `interval` or `schedule`.
    pub interval: Duration,
    /// The longest a failing feed waits between attempts (unless its own period is longer).
    pub max_backoff: Duration,
    /// The most a poll is shifted so that feeds do not fire together (zero: never).
    pub jitter: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        PollConfig {
            interval: DEFAULT_POLL_INTERVAL,
            max_backoff: DEFAULT_MAX_BACKOFF,
            jitter: DEFAULT_JITTER,
        }
    }
}

/// `[index]`: the daemon commits the index when either is reached (and always before exit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    pub commit_interval: Duration,
    pub commit_items: NonZeroUsize,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            commit_interval: DEFAULT_COMMIT_INTERVAL,
            // A non-zero literal.
            commit_items: NonZeroUsize::new(DEFAULT_COMMIT_ITEMS).expect("non-zero constant"),
        }
    }
}

/// `[server]`: where `/healthz` and `/metrics` are served (`listen`; `None` turns the listener
/// off), and the one-click unsubscribe listener that may face the internet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    pub listen: Option<SocketAddr>,
    /// The address subscribers' mail providers reach `public_listen` at (https, or http on a
    /// loopback host for testing); digests then carry signed one-click unsubscribe links.
    pub public_url: Option<url::Url>,
    /// Where the daemon serves `/unsubscribe` and nothing else.
    pub public_listen: Option<SocketAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            // A valid literal.
            listen: Some(DEFAULT_LISTEN.parse().expect("valid default address")),
            public_url: None,
            public_listen: None,
        }
    }
}

/// `[daemon]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonConfig {
    /// How long in-flight work may take to finish after SIGTERM before the daemon commits and
    /// exits without it.
    pub shutdown_timeout: Duration,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPoll {
    interval: Option<String>,
    max_backoff: Option<String>,
    jitter: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndex {
    commit_interval: Option<String>,
    commit_items: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    listen: Option<String>,
    public_url: Option<String>,
    public_listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDaemon {
    shutdown_timeout: Option<String>,
}

type Invalid<'a> = &'a dyn Fn(&str, String) -> ConfigError;

pub(super) fn poll(raw: RawPoll, invalid: Invalid<'_>) -> Result<PollConfig, ConfigError> {
    let mut out = PollConfig::default();
    if let Some(t) = raw.interval {
        out.interval = parse_duration(&t).map_err(|m| invalid("poll.interval", m))?;
    }
    if let Some(t) = raw.max_backoff {
        out.max_backoff = parse_duration(&t).map_err(|m| invalid("poll.max_backoff", m))?;
    }
    if let Some(t) = raw.jitter {
        // Zero is allowed: polls exactly on time.
        out.jitter = match t.trim() {
            "0" | "0s" => Duration::ZERO,
            _ => parse_duration(&t).map_err(|m| invalid("poll.jitter", m))?,
        };
    }
    Ok(out)
}

pub(super) fn index(raw: RawIndex, invalid: Invalid<'_>) -> Result<IndexConfig, ConfigError> {
    let mut out = IndexConfig::default();
    if let Some(t) = raw.commit_interval {
        out.commit_interval =
            parse_duration(&t).map_err(|m| invalid("index.commit_interval", m))?;
    }
    if let Some(n) = raw.commit_items {
        out.commit_items = positive(n).map_err(|m| invalid("index.commit_items", m))?;
    }
    Ok(out)
}

pub(super) fn server(raw: RawServer, invalid: Invalid<'_>) -> Result<ServerConfig, ConfigError> {
    let mut out = ServerConfig::default();
    if let Some(listen) = raw.listen {
        let listen = listen.trim();
        out.listen = match listen {
            "" | "off" | "false" => None,
            _ => Some(listen.parse().map_err(|_| {
                invalid(
                    "server.listen",
                    format!(
                        "{listen:?} is not an address and port like \"127.0.0.1:9187\" \
                         (\"off\" disables the listener)"
                    ),
                )
            })?),
        };
    }
    if let Some(listen) = raw.public_listen {
        let listen = listen.trim();
        out.public_listen = Some(listen.parse().map_err(|_| {
            invalid(
                "server.public_listen",
                format!("{listen:?} is not an address and port like \"0.0.0.0:8080\""),
            )
        })?);
    }
    if let Some(text) = raw.public_url {
        out.public_url = Some(public_url(&text).map_err(|m| invalid("server.public_url", m))?);
    }
    match (&out.public_url, out.public_listen) {
        (Some(_), None) => {
            return Err(invalid(
                "server.public_url",
                "unsubscribe links need a listener: set server.public_listen too".to_string(),
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "server.public_listen",
                "set server.public_url too: digests link to it, and nothing else is served"
                    .to_string(),
            ));
        }
        _ => {}
    }
    if out.public_listen.is_some() && out.public_listen == out.listen {
        return Err(invalid(
            "server.public_listen",
            "must differ from server.listen: /healthz and /metrics stay off the public listener"
                .to_string(),
        ));
    }
    Ok(out)
}

/// RFC 8058 requires https for one-click links; plain http is accepted only on a loopback
/// host, where nothing travels over a network (tests, a local reverse proxy's upstream).
fn public_url(text: &str) -> Result<url::Url, String> {
    let url: url::Url = text
        .trim()
        .parse()
        .map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => {
            return Err(format!(
                "{text:?}: one-click unsubscribe links need an https URL"
            ));
        }
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{text:?}: give the base address only (no query, fragment or credentials)"
        ));
    }
    Ok(url)
}

pub(super) fn daemon(raw: RawDaemon, invalid: Invalid<'_>) -> Result<DaemonConfig, ConfigError> {
    let mut out = DaemonConfig::default();
    if let Some(t) = raw.shutdown_timeout {
        out.shutdown_timeout =
            parse_duration(&t).map_err(|m| invalid("daemon.shutdown_timeout", m))?;
    }
    Ok(out)
}
