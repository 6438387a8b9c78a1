//! Operators' feed lists: every `feeds/*.toml` file, each a list of `[[feed]]` tables.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

pub mod edit;

use crate::schedule::Schedule;
pub use crate::scrape::PageSelectors;

/// One feed an operator listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedConfig {
    /// Unique, `[a-z0-9-]+`.
    pub id: String,
    pub url: Url,
    /// Display title; when `None`, the feed's own title is used.
    pub title: Option<String>,
    pub tags: Vec<String>,
    /// Poll interval for the daemon; `None` means the daemon's default.
    pub interval: Option<Duration>,
    /// Poll times for the daemon instead of an interval (cron, in UTC).
    pub schedule: Option<Schedule>,
    /// How the fetched document is read.
    pub kind: FeedKind,
    /// Fetch each new item's page and keep its article text as the item's body.
    pub full_text: bool,
    /// What every item of the feed is (`document_kind = "award"` for a contracts feed): the
    /// first rule of document classification, before any text cue.
    pub document_kind: Option<crate::extract::Kind>,
    /// The file that listed it (for error messages).
    pub source: PathBuf,
}

impl FeedConfig {
    /// A feed read as RSS, Atom or JSON Feed, listed in `source`, with no title, tags,
    /// interval, schedule or document kind of its own. Set the rest with struct update syntax.
    pub fn new(id: impl Into<String>, url: Url, source: impl Into<PathBuf>) -> FeedConfig {
        FeedConfig {
            id: id.into(),
            url,
            title: None,
            tags: Vec::new(),
            interval: None,
            schedule: None,
            kind: FeedKind::default(),
            full_text: false,
            document_kind: None,
            source: source.into(),
        }
    }
}

/// What a feed entry's URL serves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FeedKind {
    /// RSS, Atom or JSON Feed (`kind = "feed"`, the default).
    #[default]
    Feed,
    /// A listing page read with CSS selectors (`kind = "html"` and `[feed.select]`).
    Html(PageSelectors),
    /// A directory (`kind = "spool"`, `path = "DIR"`) into which feed or page files are
    /// dropped; each is ingested once, then moved to `DIR/done/` or `DIR/failed/`. Pages need
    /// `[feed.select]`.
    Spool(Option<PageSelectors>),
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedsError {
    #[error("cannot read feeds directory {path}: {source}")]
    ReadDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read feed list {path}: {source}")]
    ReadFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: feed {feed}: {message}")]
    Invalid {
        path: PathBuf,
        /// The feed's id, or its position (`#3`) when the id itself is missing or bad.
        feed: String,
        message: String,
    },
    #[error("cannot write feed list {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: feed {id}: duplicate id (first defined in {first})")]
    Duplicate {
        path: PathBuf,
        id: String,
        first: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawList {
    #[serde(default)]
    feed: Vec<RawFeed>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: Option<String>,
    url: Option<String>,
    title: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    interval: Option<String>,
    schedule: Option<String>,
    kind: Option<String>,
    select: Option<RawSelect>,
    /// The directory of a `kind = "spool"` feed.
    path: Option<String>,
    full_text: Option<bool>,
    document_kind: Option<String>,
}

/// `[feed.select]`: the CSS selectors of a `kind = "html"` source, apart from the feed's own
/// fields so they never clash.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    item: Option<String>,
    title: Option<String>,
    link: Option<String>,
    date: Option<String>,
    date_format: Option<String>,
    summary: Option<String>,
}

/// Loads every `*.toml` file in `dir` (sorted by name, so errors and order are reproducible).
pub fn load_dir(dir: &Path) -> Result<Vec<FeedConfig>, FeedsError> {
    let entries = std::fs::read_dir(dir).map_err(|source| FeedsError::ReadDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FeedsError::ReadDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut feeds: Vec<FeedConfig> = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| FeedsError::ReadFile {
            path: path.clone(),
            source,
        })?;
        for feed in parse_list(&text, &path)? {
            if let Some(first) = seen.get(&feed.id) {
                return Err(FeedsError::Duplicate {
                    path,
                    id: feed.id,
                    first: first.clone(),
                });
            }
            seen.insert(feed.id.clone(), path.clone());
            feeds.push(feed);
        }
    }
    Ok(feeds)
}

/// Parses one feed list; `path` names the file in errors. Ids must be unique within the file.
pub fn parse_list(text: &str, path: &Path) -> Result<Vec<FeedConfig>, FeedsError> {
    let raw: RawList = toml::from_str(text).map_err(|e| FeedsError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut out: Vec<FeedConfig> = Vec::with_capacity(raw.feed.len());
    for (n, feed) in raw.feed.into_iter().enumerate() {
        let position = format!("#{}", n + 1);
        let invalid = |feed: &str, message: String| FeedsError::Invalid {
            path: path.to_path_buf(),
            feed: feed.to_string(),
            message,
        };
        let id = feed
            .id
            .ok_or_else(|| invalid(&position, "missing field `id`".to_string()))?;
        if !valid_id(&id) {
            return Err(invalid(
                &position,
                format!("id {id:?} must be 1-64 characters of a-z, 0-9 and '-'"),
            ));
        }
        if out.iter().any(|f| f.id == id) {
            return Err(FeedsError::Duplicate {
                path: path.to_path_buf(),
                id,
                first: path.to_path_buf(),
            });
        }
        let url = if feed.kind.as_deref() == Some("spool") {
            if feed.url.is_some() {
                return Err(invalid(
                    &id,
                    "a `kind = \"spool\"` feed has a `path`, not a `url`".to_string(),
                ));
            }
            let dir = feed
                .path
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .ok_or_else(|| invalid(&id, "missing field `path` (the spool directory)".into()))?;
            let base = path.parent().unwrap_or(Path::new(""));
            let dir = base.join(dir);
            let dir = if dir.is_absolute() {
                dir
            } else {
                std::env::current_dir().unwrap_or_default().join(dir)
            };
            Url::from_directory_path(&dir).map_err(|()| {
                invalid(
                    &id,
                    format!(
                        "field `path`: {} is not a usable directory path",
                        dir.display()
                    ),
                )
            })?
        } else {
            if feed.path.is_some() {
                return Err(invalid(
                    &id,
                    "field `path` is only for `kind = \"spool\"`".to_string(),
                ));
            }
            let url_text = feed
                .url
                .ok_or_else(|| invalid(&id, "missing field `url`".to_string()))?;
            let url = Url::parse(url_text.trim()).map_err(|e| {
                invalid(
                    &id,
                    format!("field `url`: {url_text:?} is not a valid URL ({e})"),
                )
            })?;
            let web = matches!(url.scheme(), "http" | "https") && url.host_str().is_some();
            // Air-gapped sites read feeds carried in by hand from local files.
            let local = url.scheme() == "file" && url.to_file_path().is_ok();
            if !web && !local {
                return Err(invalid(
                    &id,
                    format!(
                        "field `url`: {url_text:?} must be an http(s) URL with a host, or a \
                         file:/// URL"
                    ),
                ));
            }
            url
        };
        let title = feed
            .title
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let mut tags: Vec<String> = Vec::new();
        for tag in feed.tags {
            let tag = tag.trim().to_lowercase();
            if tag.is_empty() || tag.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(invalid(
                    &id,
                    format!("field `tags`: {tag:?} must be a non-empty word without spaces"),
                ));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let interval = feed
            .interval
            .map(|i| crate::config::parse_duration(&i))
            .transpose()
            .map_err(|m| invalid(&id, format!("field `interval`: {m}")))?;
        let schedule = feed
            .schedule
            .map(|s| Schedule::parse(&s))
            .transpose()
            .map_err(|e| invalid(&id, format!("field `schedule`: {e}")))?;
        if interval.is_some() && schedule.is_some() {
            return Err(invalid(
                &id,
                "give `interval` or `schedule`, not both".to_string(),
            ));
        }
        let kind = feed_kind(feed.kind.as_deref(), feed.select)
            .map_err(|message| invalid(&id, message))?;
        let document_kind = feed
            .document_kind
            .map(|k| {
                crate::extract::Kind::parse(&k).ok_or_else(|| {
                    let known: Vec<&str> =
                        crate::extract::Kind::ALL.iter().map(|k| k.name()).collect();
                    invalid(
                        &id,
                        format!(
                            "field `document_kind`: {k:?} is not a document kind ({})",
                            known.join(", ")
                        ),
                    )
                })
            })
            .transpose()?;
        out.push(FeedConfig {
            id,
            url,
            title,
            tags,
            interval,
            schedule,
            kind,
            full_text: feed.full_text.unwrap_or(false),
            document_kind,
            source: path.to_path_buf(),
        });
    }
    Ok(out)
}

/// `kind` and `[feed.select]` checked together: an html source needs its selectors (each
/// valid CSS), and a feed has none.
fn feed_kind(kind: Option<&str>, select: Option<RawSelect>) -> Result<FeedKind, String> {
    match (kind.unwrap_or("feed"), select) {
        ("feed", None) => Ok(FeedKind::Feed),
        ("feed", Some(_)) => {
            Err("`[feed.select]` is only for `kind = \"html\"` or \"spool\"".into())
        }
        ("html", None) => Err("`kind = \"html\"` needs a `[feed.select]` table".to_string()),
        ("html", Some(raw)) => Ok(FeedKind::Html(selectors(raw)?)),
        ("spool", raw) => Ok(FeedKind::Spool(raw.map(selectors).transpose()?)),
        (other, _) => Err(format!(
            "field `kind`: {other:?} is not a kind; use \"feed\", \"html\" or \"spool\""
        )),
    }
}

/// `[feed.select]` checked: the required selectors present, each valid CSS.
fn selectors(raw: RawSelect) -> Result<PageSelectors, String> {
    let need = |field: &'static str, value: Option<String>| {
        value
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("missing field `select.{field}`"))
    };
    let selectors = PageSelectors {
        item: need("item", raw.item)?,
        title: need("title", raw.title)?,
        link: need("link", raw.link)?,
        date: raw.date,
        date_format: raw.date_format,
        summary: raw.summary,
    };
    for (field, value) in [
        ("item", Some(&selectors.item)),
        ("title", Some(&selectors.title)),
        ("link", Some(&selectors.link)),
        ("date", selectors.date.as_ref()),
        ("summary", selectors.summary.as_ref()),
    ] {
        if let Some(value) = value {
            crate::scrape::check_selector(field, value).map_err(|e| e.to_string())?;
        }
    }
    Ok(selectors)
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<FeedConfig>, FeedsError> {
        parse_list(text, Path::new("feeds/test.toml"))
    }

    #[test]
    fn parses_a_full_feed() {
        let feeds = parse(
            r#"
            [[feed]]
            id = "gao-reports"
            url = "https://www.gao.gov/rss/reports.xml"
            title = "GAO reports"
            tags = ["Oversight", "oversight", "gao"]
            interval = "30m"
            "#,
        )
        .unwrap();
        assert_eq!(feeds.len(), 1);
        let f = &feeds[0];
        assert_eq!(f.id, "gao-reports");
        assert_eq!(f.url.as_str(), "https://www.gao.gov/rss/reports.xml");
        assert_eq!(f.title.as_deref(), Some("GAO reports"));
        assert_eq!(f.tags, vec!["oversight", "gao"]);
        assert_eq!(f.interval, Some(Duration::from_secs(1800)));
    }

    #[test]
    fn errors_name_the_file_and_feed() {
        let err = parse("[[feed]]\nid = \"a\"\n").unwrap_err().to_string();
        assert_eq!(err, "feeds/test.toml: feed a: missing field `url`");
        let err = parse("[[feed]]\nurl = \"https://x.test/\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "feeds/test.toml: feed #1: missing field `id`");
        let err = parse("[[feed]]\nid = \"a\"\nurl = \"not a url\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("feeds/test.toml: feed a: field `url`"),
            "{err}"
        );
        let err = parse("[[feed]]\nid = \"a\"\nurl = \"ftp://x.test/f\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be an http(s) URL"), "{err}");
        let err = parse("[[feed]]\nid = \"Bad_Id\"\nurl = \"https://x.test/\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feed #1: id \"Bad_Id\""), "{err}");
        let err = parse("[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\ninterval = \"soon\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("feed a: field `interval`"), "{err}");
        let err =
            parse("[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\nschedule = \"*/5 * *\"\n")
                .unwrap_err()
                .to_string();
        assert!(err.contains("feed a: field `schedule`"), "{err}");
        let err = parse(
            "[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\ninterval = \"1h\"\nschedule = \"hourly\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not both"), "{err}");
        let ok = parse(
            "[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\nschedule = \"*/15 9-17 * * 1-5\"\n",
        )
        .unwrap();
        assert_eq!(
            ok[0].schedule.as_ref().unwrap().to_string(),
            "*/15 9-17 * * 1-5"
        );
        let err =
            parse("[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\ndocument_kind = \"memo\"\n")
                .unwrap_err()
                .to_string();
        assert!(
            err.contains("feed a: field `document_kind`") && err.contains("final_rule"),
            "{err}"
        );
        let ok = parse(
            "[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\ndocument_kind = \"final-rule\"\n",
        )
        .unwrap();
        assert_eq!(ok[0].document_kind, Some(crate::extract::Kind::FinalRule));
        let err = parse("[[feed]]\nid = \"a\"\nurl = \"https://x.test/\"\ncolour = 1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `colour`"), "{err}");
    }

    /// The curated list operators start from must always load.
    #[test]
    fn shipped_feed_list_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("feeds");
        let feeds = load_dir(&dir).unwrap();
        assert!(feeds.len() >= 20, "{} feeds", feeds.len());
        assert!(feeds.iter().all(|f| f.url.scheme() == "https"));
        assert!(
            feeds
                .iter()
                .any(|f| f.url.host_str() == Some("www.federalregister.gov"))
        );
    }

    #[test]
    fn duplicate_ids_are_refused_within_and_across_files() {
        let err = parse(
            "[[feed]]\nid = \"a\"\nurl = \"https://x.test/1\"\n[[feed]]\nid = \"a\"\nurl = \"https://x.test/2\"\n",
        )
        .unwrap_err();
        assert!(matches!(err, FeedsError::Duplicate { .. }), "{err}");

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.toml"),
            "[[feed]]\nid = \"x\"\nurl = \"https://a.test/\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.toml"),
            "[[feed]]\nid = \"x\"\nurl = \"https://b.test/\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let err = load_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("b.toml: feed x: duplicate id (first defined in"),
            "{err}"
        );
        assert!(err.contains("a.toml"), "{err}");
    }
}
