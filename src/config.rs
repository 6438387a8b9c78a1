//! `govwatch.toml`: raw serde structs (unknown keys rejected) → merged with defaults, the
//! environment and command-line flags → validated [`Settings`]. Every setting has a default, so
//! govwatch runs with no config file at all. Errors name the file and the key.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::extract::{Entry, Extractor};
use crate::topics::{Topic, TopicError, Topics};
mod daemon;
#[cfg(test)]
mod keys;
mod mail;
mod operators;
pub use daemon::{
    DEFAULT_COMMIT_INTERVAL, DEFAULT_COMMIT_ITEMS, DEFAULT_JITTER, DEFAULT_LISTEN,
    DEFAULT_MAX_BACKOFF, DEFAULT_POLL_INTERVAL, DEFAULT_SHUTDOWN_TIMEOUT, DaemonConfig,
    IndexConfig, PollConfig, ServerConfig,
};
pub use mail::{
    DEFAULT_FROM, DEFAULT_LIST_ID, DEFAULT_SENDMAIL_COMMAND, DEFAULT_SMTP_TIMEOUT, ListUnsubscribe,
    MailConfig, OUTBOX_SUBDIR, SMTP_PASSWORD_ENV, Secret, SendmailConfig, SmtpConfig, SmtpTls,
    TransportConfig,
};
pub use operators::OperatorsConfig;

pub const DEFAULT_DATA_DIR: &str = "index";
pub const DEFAULT_FEEDS_DIR: &str = "feeds";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
pub const DEFAULT_CONCURRENCY: usize = 16;
pub const DEFAULT_PER_HOST_CONCURRENCY: usize = 2;
/// WAFs in front of government sites refuse bare custom agents but accept the
/// `Mozilla/5.0 (compatible; app/ver; contact)` form (see SOURCES.md §1.4).
/// Operators should add a contact (a URL or an address) with `user_agent`.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; govwatch/",
    env!("CARGO_PKG_VERSION"),
    ")"
);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: key `{key}`: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
}

/// Validated HTTP fetch settings (`[fetch]`).
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub concurrency: NonZeroUsize,
    pub per_host_concurrency: NonZeroUsize,
    pub user_agent: String,
    pub allow_private_addresses: bool,
    /// Non-public networks feeds may be fetched from anyway (`allow_networks`).
    pub allow_networks: Vec<ipnet::IpNet>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            // Both constants are non-zero literals.
            concurrency: NonZeroUsize::new(DEFAULT_CONCURRENCY).expect("non-zero constant"),
            per_host_concurrency: NonZeroUsize::new(DEFAULT_PER_HOST_CONCURRENCY)
                .expect("non-zero constant"),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            allow_private_addresses: false,
            allow_networks: Vec::new(),
        }
    }
}

/// All validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub feeds_dir: PathBuf,
    pub fetch: FetchConfig,
    /// The effective topics: the defaults merged with `[[topic]]` entries.
    pub topics: Topics,
    /// The shipped agency and vendor lists extended by `[[agency]]` and `[[org]]` entries.
    pub extractor: Arc<Extractor>,
    pub mail: MailConfig,
    pub poll: PollConfig,
    pub index: IndexConfig,
    pub server: ServerConfig,
    pub daemon: DaemonConfig,
    pub operators: OperatorsConfig,
}

/// The tantivy index's directory inside the data dir.
pub const INDEX_SUBDIR: &str = "tantivy";

impl Settings {
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join(INDEX_SUBDIR)
    }

    /// Where the file mail transport writes `.eml` files.
    pub fn outbox_dir(&self) -> PathBuf {
        self.data_dir.join(OUTBOX_SUBDIR)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            feeds_dir: PathBuf::from(DEFAULT_FEEDS_DIR),
            fetch: FetchConfig::default(),
            topics: Topics::default(),
            extractor: Extractor::shipped(),
            mail: MailConfig::default(),
            poll: PollConfig::default(),
            index: IndexConfig::default(),
            server: ServerConfig::default(),
            daemon: DaemonConfig::default(),
            operators: OperatorsConfig::default(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    data_dir: Option<PathBuf>,
    feeds_dir: Option<PathBuf>,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    topic: Vec<RawTopic>,
    #[serde(default)]
    agency: Vec<Entry>,
    #[serde(default)]
    org: Vec<Entry>,
    #[serde(default)]
    mail: mail::RawMail,
    #[serde(default)]
    poll: daemon::RawPoll,
    #[serde(default)]
    index: daemon::RawIndex,
    #[serde(default)]
    server: daemon::RawServer,
    #[serde(default)]
    daemon: daemon::RawDaemon,
    #[serde(default)]
    operators: operators::RawOperators,
}

/// A `[[topic]]` entry: adds a topic, or replaces the default of the same name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    name: String,
    #[serde(default)]
    description: String,
    query: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    timeout: Option<String>,
    max_body_bytes: Option<i64>,
    concurrency: Option<i64>,
    per_host_concurrency: Option<i64>,
    user_agent: Option<String>,
    allow_private_addresses: Option<bool>,
    allow_networks: Option<Vec<String>>,
}

/// Overrides from the command line (they win over the file).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub feeds_dir: Option<PathBuf>,
}

impl Settings {
    /// Loads `path` when given (it must exist), else defaults; then applies `overrides`.
    /// Relative paths in a config file are relative to the file's directory.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Settings, ConfigError> {
        let mut settings = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                Settings::from_toml(&text, path)?
            }
            None => Settings::default(),
        };
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        if let Some(dir) = &overrides.feeds_dir {
            settings.feeds_dir = dir.clone();
        }
        let origin = path
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("(defaults)"));
        for (key, dir) in [
            ("data_dir", &settings.data_dir),
            ("feeds_dir", &settings.feeds_dir),
        ] {
            if dir.exists() && !dir.is_dir() {
                return Err(ConfigError::Invalid {
                    path: origin,
                    key: key.to_string(),
                    message: format!("{} exists and is not a directory", dir.display()),
                });
            }
        }
        Ok(settings)
    }

    /// Parses and validates config text; `path` names the file in errors and anchors
    /// relative paths.
    /// Secrets named by the file (the SMTP password) come from the process environment.
    pub fn from_toml(text: &str, path: &Path) -> Result<Settings, ConfigError> {
        Settings::from_toml_with_env(text, path, &|key| std::env::var(key).ok())
    }

    /// [`Settings::from_toml`] with an injected environment lookup (for tests).
    pub fn from_toml_with_env(
        text: &str,
        path: &Path,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            key: key.to_string(),
            message,
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let mut settings = Settings::default();
        if let Some(dir) = raw.data_dir {
            settings.data_dir = resolve_dir(base, dir, "data_dir", &invalid)?;
        }
        if let Some(dir) = raw.feeds_dir {
            settings.feeds_dir = resolve_dir(base, dir, "feeds_dir", &invalid)?;
        }
        let f = raw.fetch;
        let fetch = &mut settings.fetch;
        if let Some(t) = f.timeout {
            fetch.timeout = parse_duration(&t).map_err(|m| invalid("fetch.timeout", m))?;
        }
        if let Some(n) = f.max_body_bytes {
            if n <= 0 {
                return Err(invalid(
                    "fetch.max_body_bytes",
                    format!("must be a positive number of bytes, got {n}"),
                ));
            }
            fetch.max_body_bytes = n as u64;
        }
        if let Some(n) = f.concurrency {
            fetch.concurrency = positive(n).map_err(|m| invalid("fetch.concurrency", m))?;
        }
        if let Some(n) = f.per_host_concurrency {
            fetch.per_host_concurrency =
                positive(n).map_err(|m| invalid("fetch.per_host_concurrency", m))?;
        }
        if let Some(ua) = f.user_agent {
            if ua.trim().is_empty() || ua.chars().any(|c| c.is_control()) {
                return Err(invalid(
                    "fetch.user_agent",
                    "must be non-empty printable text".to_string(),
                ));
            }
            fetch.user_agent = ua;
        }
        if let Some(allow) = f.allow_private_addresses {
            fetch.allow_private_addresses = allow;
        }
        if let Some(networks) = f.allow_networks {
            fetch.allow_networks = networks
                .iter()
                .map(|n| parse_network(n))
                .collect::<Result<_, _>>()
                .map_err(|m| invalid("fetch.allow_networks", m))?;
        }
        settings.topics = topics(raw.topic).map_err(|(key, m)| invalid(&key, m))?;
        if !raw.agency.is_empty() || !raw.org.is_empty() {
            let extractor = Extractor::with(&raw.agency, &raw.org).map_err(|m| {
                let key = if m.starts_with("[[org]]") {
                    "org"
                } else {
                    "agency"
                };
                invalid(key, m)
            })?;
            settings.extractor = Arc::new(extractor);
        }
        settings.mail = mail::validate(raw.mail, base, env, &invalid)?;
        settings.poll = daemon::poll(raw.poll, &invalid)?;
        settings.index = daemon::index(raw.index, &invalid)?;
        settings.server = daemon::server(raw.server, &invalid)?;
        settings.daemon = daemon::daemon(raw.daemon, &invalid)?;
        settings.operators = operators::operators(raw.operators, &invalid)?;
        Ok(settings)
    }
}

/// Validates `[[topic]]` entries into the effective topics; an error names its key
/// (`topic.NAME.query`, or `topic[N].name` for a bad name).
fn topics(raw: Vec<RawTopic>) -> Result<Topics, (String, String)> {
    let mut entries = Vec::with_capacity(raw.len());
    for (n, t) in raw.into_iter().enumerate() {
        if !crate::topics::is_valid_name(&t.name) {
            return Err((
                format!("topic[{n}].name"),
                format!(
                    "{:?} is not a valid topic name: use lowercase letters, digits and '-' (at \
                     most {} characters)",
                    t.name,
                    crate::topics::MAX_TOPIC_NAME_LEN
                ),
            ));
        }
        entries.push(Topic {
            name: t.name,
            description: t.description.trim().to_owned(),
            query: t.query,
        });
    }
    Topics::with_overrides(entries).map_err(|e| match e {
        TopicError::Query { name, source } => (format!("topic.{name}.query"), source.to_string()),
        TopicError::Duplicate { name } => (
            format!("topic.{name}"),
            "is defined more than once".to_owned(),
        ),
        other => (format!("topic.{}", other.topic()), other.to_string()),
    })
}

fn resolve_dir(
    base: &Path,
    dir: PathBuf,
    key: &str,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<PathBuf, ConfigError> {
    if dir.as_os_str().is_empty() {
        return Err(invalid(key, "must not be empty".to_string()));
    }
    Ok(if dir.is_absolute() {
        dir
    } else {
        base.join(dir)
    })
}

/// A network in CIDR form ("10.1.2.0/24", "fd00::/8"), or one address ("10.1.2.3").
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        // "10.1.2.3/24" would silently mean 10.1.2.0/24: say what was meant instead.
        if net.addr() != net.network() {
            return Err(format!(
                "{text:?} has host bits set; the network is {}",
                net.trunc()
            ));
        }
        return Ok(net);
    }
    text.parse::<std::net::IpAddr>()
        .map(ipnet::IpNet::from)
        .map_err(|_| format!("{text:?} is not an IP network (like \"10.1.2.0/24\") or address"))
}

fn positive(n: i64) -> Result<NonZeroUsize, String> {
    usize::try_from(n)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| format!("must be a positive integer, got {n}"))
}

/// Parses a human duration such as `20s`, `30m`, `1h 30m`, `2d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration {text:?} ({e}); use e.g. \"20s\", \"30m\", \"2h\"")
    })?;
    if d.is_zero() {
        return Err(format!("duration {text:?} must be greater than zero"));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Settings, ConfigError> {
        Settings::from_toml(text, Path::new("/etc/govwatch/govwatch.toml"))
    }

    #[test]
    fn empty_config_gives_defaults() {
        let s = load("").unwrap();
        assert_eq!(s.data_dir, PathBuf::from("index"));
        assert_eq!(s.feeds_dir, PathBuf::from("feeds"));
        assert_eq!(s.fetch.timeout, Duration::from_secs(20));
        assert_eq!(s.fetch.max_body_bytes, 10 * 1024 * 1024);
        assert_eq!(s.fetch.concurrency.get(), 16);
        assert_eq!(s.fetch.per_host_concurrency.get(), 2);
        assert!(s.fetch.user_agent.contains("govwatch/"));
        assert!(!s.fetch.allow_private_addresses);
    }

    #[test]
    fn values_are_read_and_paths_anchored_at_the_file() {
        let s = load(
            "data_dir = \"data\"\nfeeds_dir = \"/srv/feeds\"\n[fetch]\ntimeout = \"5s\"\nmax_body_bytes = 1024\nconcurrency = 4\nper_host_concurrency = 1\nuser_agent = \"x/1\"\nallow_private_addresses = true\n",
        )
        .unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/etc/govwatch/data"));
        assert_eq!(s.feeds_dir, PathBuf::from("/srv/feeds"));
        assert_eq!(s.fetch.timeout, Duration::from_secs(5));
        assert_eq!(s.fetch.max_body_bytes, 1024);
        assert_eq!(s.fetch.concurrency.get(), 4);
        assert_eq!(s.fetch.per_host_concurrency.get(), 1);
        assert_eq!(s.fetch.user_agent, "x/1");
        assert!(s.fetch.allow_private_addresses);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("[fetch]\ntimeout = \"fast\"\n", "key `fetch.timeout`"),
            ("[fetch]\ntimeout = \"0s\"\n", "key `fetch.timeout`"),
            (
                "[fetch]\nmax_body_bytes = 0\n",
                "key `fetch.max_body_bytes`",
            ),
            ("[fetch]\nconcurrency = -1\n", "key `fetch.concurrency`"),
            (
                "[fetch]\nper_host_concurrency = 0\n",
                "key `fetch.per_host_concurrency`",
            ),
            ("[fetch]\nuser_agent = \"\"\n", "key `fetch.user_agent`"),
            ("data_dir = \"\"\n", "key `data_dir`"),
            ("[fetch]\ntimeot = \"5s\"\n", "unknown field `timeot`"),
            ("colour = 1\n", "unknown field `colour`"),
            ("[fetch]\nconcurrency = \"many\"\n", "concurrency"),
            (
                "[fetch]\nallow_networks = [\"10.0.0.0/8\", \"intranet\"]\n",
                "key `fetch.allow_networks`: \"intranet\" is not an IP network",
            ),
            (
                "[fetch]\nallow_networks = [\"10.1.2.3/24\"]\n",
                "the network is 10.1.2.0/24",
            ),
        ];
        for (text, want) in cases {
            let err = load(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.starts_with("/etc/govwatch/govwatch.toml"), "{err}");
        }
    }

    #[test]
    fn allow_networks_takes_networks_and_single_addresses() {
        let s = load("[fetch]\nallow_networks = [\"10.1.2.0/24\", \"fd00::1\", \" 127.0.0.1 \"]\n")
            .unwrap();
        let nets: Vec<String> = s
            .fetch
            .allow_networks
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert_eq!(nets, ["10.1.2.0/24", "fd00::1/128", "127.0.0.1/32"]);
        assert!(load("").unwrap().fetch.allow_networks.is_empty());
    }

    #[test]
    fn agency_and_org_entries_extend_the_shipped_lists() {
        let s = load(
            "[[agency]]\nname = \"Tennessee Valley Authority\"\nacronyms = [\"TVA\"]\n\n\
             [[org]]\nname = \"Palantir\"\naliases = [\"Palantir USG\"]\n",
        )
        .unwrap();
        let (agencies, orgs) = s.extractor.extensions();
        assert_eq!((agencies.len(), orgs.len()), (1, 1));
        assert!(load("").unwrap().extractor.extensions().0.is_empty());
        let err = load("[[org]]\nname = \"\"\n").unwrap_err().to_string();
        assert!(err.contains("key `org`"), "{err}");
        let err = load("[[agency]]\nname = \"X\"\nnickname = \"Y\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `nickname`"), "{err}");
    }

    #[test]
    fn topic_entries_add_replace_and_errors_name_the_topic() {
        let s = load("").unwrap();
        assert_eq!(s.topics, Topics::default());
        let s = load(
            "[[topic]]\nname = \"contracts\"\ndescription = \"Only task orders\"\nquery = '\"task order\"'\n\n\
             [[topic]]\nname = \"face-id\"\nquery = '\"facial recognition\" OR biometric'\n",
        )
        .unwrap();
        assert_eq!(s.topics.len(), 11);
        let contracts = s.topics.get("contracts").unwrap();
        assert_eq!(contracts.query, "\"task order\"");
        assert_eq!(contracts.description, "Only task orders");
        assert_eq!(
            s.topics.as_slice()[0].name,
            "contracts",
            "replaced in place"
        );
        let added = s.topics.get("face-id").unwrap();
        assert_eq!(added.description, "");
        assert_eq!(s.topics.as_slice()[10].name, "face-id");

        let cases = [
            (
                "[[topic]]\nname = \"contracts\"\nquery = 'award AND (contract'\n",
                "key `topic.contracts.query`",
            ),
            (
                "[[topic]]\nname = \"mine\"\nquery = 'colour:red'\n",
                "key `topic.mine.query`",
            ),
            (
                "[[topic]]\nname = \"mine\"\nquery = '  '\n",
                "key `topic.mine.query`",
            ),
            (
                "[[topic]]\nname = \"Mine\"\nquery = 'x'\n",
                "key `topic[0].name`",
            ),
            (
                "[[topic]]\nname = \"a\"\nquery = 'x'\n[[topic]]\nname = \"a\"\nquery = 'y'\n",
                "key `topic.a`",
            ),
            ("[[topic]]\nname = \"a\"\n", "missing field `query`"),
            (
                "[[topic]]\nname = \"a\"\nquery = 'x'\nqeury = 'y'\n",
                "unknown field `qeury`",
            ),
        ];
        for (text, want) in cases {
            let err = load(text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn overrides_win_and_a_missing_file_is_an_error() {
        let o = Overrides {
            data_dir: Some(PathBuf::from("/tmp/d")),
            feeds_dir: None,
        };
        let s = Settings::load(None, &o).unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/tmp/d"));
        let err = Settings::load(Some(Path::new("/nonexistent/govwatch.toml")), &o).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/govwatch.toml"),
            "{err}"
        );

        let file = tempfile::NamedTempFile::new().unwrap();
        let o = Overrides {
            data_dir: Some(file.path().to_path_buf()),
            feeds_dir: None,
        };
        let err = Settings::load(None, &o).unwrap_err().to_string();
        assert!(
            err.contains("key `data_dir`") && err.contains("not a directory"),
            "{err}"
        );
    }

    /// The README's example config is real: it loads and matches the defaults it documents.
    #[test]
    fn readme_example_config_loads() {
        let readme = include_str!("../README.md");
        let start = readme
            .find("# govwatch.toml\n")
            .expect("README has the example config");
        let block = &readme[start..];
        let block = &block[..block.find("```").expect("the block ends")];
        let s = Settings::from_toml(block, Path::new("govwatch.toml")).unwrap();
        let d = Settings::default();
        assert_eq!(s.fetch.timeout, d.fetch.timeout);
        assert_eq!(s.fetch.max_body_bytes, d.fetch.max_body_bytes);
        assert_eq!(s.fetch.concurrency, d.fetch.concurrency);
        assert_eq!(s.fetch.per_host_concurrency, d.fetch.per_host_concurrency);
        assert_eq!(s.fetch.user_agent, d.fetch.user_agent);
        assert_eq!(
            s.fetch.allow_private_addresses,
            d.fetch.allow_private_addresses
        );
        assert_eq!(s.mail.transport, d.mail.transport);
        assert_eq!(s.mail.from, d.mail.from);
        assert_eq!(s.mail.list_id, d.mail.list_id);
        assert_eq!(s.mail.send_empty, d.mail.send_empty);
        assert_eq!(s.poll, d.poll);
        assert_eq!(s.index, d.index);
        assert_eq!(s.server, d.server);
        assert_eq!(s.daemon, d.daemon);
    }

    #[test]
    fn daemon_sections_load_and_bad_values_name_their_key() {
        let s = load(
            "[poll]\ninterval = \"10m\"\nmax_backoff = \"2h\"\njitter = \"0s\"\n\
             [index]\ncommit_interval = \"5s\"\ncommit_items = 100\n\
             [server]\nlisten = \"127.0.0.1:0\"\n[daemon]\nshutdown_timeout = \"3s\"\n",
        )
        .unwrap();
        assert_eq!(s.poll.interval, Duration::from_secs(600));
        assert_eq!(s.poll.max_backoff, Duration::from_secs(7200));
        assert_eq!(s.poll.jitter, Duration::ZERO);
        assert_eq!(s.index.commit_interval, Duration::from_secs(5));
        assert_eq!(s.index.commit_items.get(), 100);
        assert_eq!(s.server.listen, Some("127.0.0.1:0".parse().unwrap()));
        assert_eq!(s.daemon.shutdown_timeout, Duration::from_secs(3));
        assert_eq!(
            load("[server]\nlisten = \"off\"\n").unwrap().server.listen,
            None
        );
        for (text, key) in [
            ("[poll]\ninterval = \"0s\"\n", "key `poll.interval`"),
            ("[poll]\njitter = \"lots\"\n", "key `poll.jitter`"),
            ("[index]\ncommit_items = 0\n", "key `index.commit_items`"),
            ("[server]\nlisten = \"localhost\"\n", "key `server.listen`"),
            (
                "[daemon]\nshutdown_timeout = \"never\"\n",
                "key `daemon.shutdown_timeout`",
            ),
            ("[poll]\nintervall = \"1m\"\n", "unknown field `intervall`"),
        ] {
            let err = load(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }
}
