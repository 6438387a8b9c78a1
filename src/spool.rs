//! Air-gapped ingestion (`kind = "spool"`, `path = "DIR"`): feed files (and, with
//! `[feed.select]`, listing pages) dropped into a directory are read on each poll, their items
//! stored like any feed's, and each file then moved to `DIR/done/`, or to `DIR/failed/` with
//! a `.reason` file beside it. A file moves to `done/` only after its items are stored: a
//! crash in between reads it again next time, and the store's dedup keeps that exact.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use url::Url;

use crate::model::Document;
use crate::pipeline::{self, Ingested};
use crate::scrape::PageSelectors;

pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// What one poll of a spool read.
#[derive(Debug)]
pub struct Batch {
    /// The items of every file that read, merged.
    pub ingested: Ingested,
    /// The files those items came from: move them with [`finish`] once stored.
    pub files: Vec<PathBuf>,
    /// Files that failed (already moved to `failed/`).
    pub failed: usize,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    #[error("spool {dir}: {source}")]
    Dir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("spool {dir}: none of its {failed} files could be read (see {dir}/failed/)")]
    AllFailed { dir: PathBuf, failed: usize },
}

/// Reads every file waiting in `dir`; `Ok(None)` when there is none.
pub fn read(
    feed_id: &str,
    dir: &Path,
    select: Option<&PageSelectors>,
    max_bytes: u64,
    at: DateTime<Utc>,
) -> Result<Option<Batch>, SpoolError> {
    let dir_err = |source| SpoolError::Dir {
        dir: dir.to_owned(),
        source,
    };
    let mut waiting: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(dir_err)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        // Dot files are partial transfers or editor droppings, not documents.
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .collect();
    if waiting.is_empty() {
        return Ok(None);
    }
    waiting.sort();
    let mut items = Vec::new();
    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut failed = 0;
    let mut encoding = "UTF-8";
    for file in waiting {
        match read_one(feed_id, &file, select, max_bytes, at) {
            Ok(ingested) => {
                encoding = ingested.encoding;
                problems.extend(
                    ingested
                        .problems
                        .into_iter()
                        .map(|p| format!("{}: {p}", name(&file))),
                );
                items.extend(ingested.items);
                files.push(file);
            }
            Err(reason) => {
                failed += 1;
                let moved = move_into(&file, FAILED)
                    .and_then(|to| std::fs::write(reason_path(&to), format!("{reason}\n")));
                let note = match moved {
                    Ok(()) => "moved to failed/".to_owned(),
                    Err(e) => format!("could not be moved to failed/: {e}"),
                };
                problems.push(format!("{}: {reason} ({note})", name(&file)));
            }
        }
    }
    if files.is_empty() {
        return Err(SpoolError::AllFailed {
            dir: dir.to_owned(),
            failed,
        });
    }
    Ok(Some(Batch {
        ingested: Ingested {
            document: Document::default(),
            feed_title: None,
            items,
            encoding,
            problems,
        },
        files,
        failed,
    }))
}

/// Moves the files whose items are stored to `done/`; returns what could not be moved.
pub fn finish(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| {
            move_into(f, DONE)
                .err()
                .map(|e| format!("{}: stored, but could not be moved to done/: {e}", name(f)))
        })
        .collect()
}

/// A feed file, else (with selectors) a listing page.
fn read_one(
    feed_id: &str,
    file: &Path,
    select: Option<&PageSelectors>,
    max_bytes: u64,
    at: DateTime<Utc>,
) -> Result<Ingested, String> {
    let len = std::fs::metadata(file).map_err(|e| e.to_string())?.len();
    if len > max_bytes {
        return Err(format!("{len} bytes, over the limit of {max_bytes}"));
    }
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let base = Url::from_file_path(file).ok();
    match pipeline::ingest_bytes(feed_id, &bytes, None, base.as_ref(), at) {
        Ok(ingested) => Ok(ingested),
        Err(crate::parse::ParseError::NotAFeed { root }) => match (select, &base) {
            (Some(select), Some(base)) => {
                pipeline::ingest_page(feed_id, &bytes, None, base, select, at)
                    .map_err(|e| e.to_string())
            }
            _ => Err(format!(
                "not a feed ({}); pages need a [feed.select] table on the spool feed",
                root.as_deref().unwrap_or("no root element")
            )),
        },
        Err(e) => Err(e.to_string()),
    }
}

/// Moves `file` into `sub/` of its directory, never over an earlier file of the same name.
fn move_into(file: &Path, sub: &str) -> std::io::Result<PathBuf> {
    let dir = file.parent().unwrap_or(Path::new(".")).join(sub);
    std::fs::create_dir_all(&dir)?;
    let name = file
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut target = dir.join(&name);
    let mut n = 1;
    while target.exists() {
        n += 1;
        target = dir.join(format!("{n}-{name}"));
    }
    std::fs::rename(file, &target)?;
    Ok(target)
}

fn reason_path(moved: &Path) -> PathBuf {
    let mut name = moved.file_name().unwrap_or_default().to_os_string();
    name.push(".reason");
    moved.with_file_name(name)
}

fn name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><guid>a</guid><title>GAO audit of AI inventories</title><link>https://www.gao.gov/a</link></item></channel></rss>";

    #[test]
    fn files_are_read_failures_set_aside_with_their_reason_and_done_after_storing() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path();
        std::fs::write(spool.join("1-feed.xml"), RSS).unwrap();
        std::fs::write(spool.join("2-junk.txt"), "not xml at all").unwrap();
        std::fs::write(spool.join(".partial"), "in transfer").unwrap();
        std::fs::write(
            spool.join("3-page.html"),
            "<html><body><p>hi</p></body></html>",
        )
        .unwrap();
        let at = Utc::now();
        let batch = read("s", spool, None, 1 << 20, at).unwrap().unwrap();
        assert_eq!(batch.ingested.items.len(), 1);
        assert_eq!(batch.failed, 2);
        assert_eq!(batch.files, [spool.join("1-feed.xml")]);
        let reason = std::fs::read_to_string(spool.join("failed/3-page.html.reason")).unwrap();
        assert!(reason.contains("pages need a [feed.select]"), "{reason}");
        assert!(spool.join("failed/2-junk.txt").exists());
        assert!(spool.join(".partial").exists(), "dot files are left alone");
        // Until `finish`, the file waits (a crash now re-reads it).
        assert!(spool.join("1-feed.xml").exists());
        assert!(finish(&batch.files).is_empty());
        assert!(spool.join("done/1-feed.xml").exists());
        assert!(read("s", spool, None, 1 << 20, at).unwrap().is_none());
        // The same name again does not overwrite the earlier copy.
        std::fs::write(spool.join("1-feed.xml"), RSS).unwrap();
        let again = read("s", spool, None, 1 << 20, at).unwrap().unwrap();
        finish(&again.files);
        assert!(spool.join("done/2-1-feed.xml").exists());
    }

    #[test]
    fn pages_use_the_selectors_and_all_failing_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let spool = dir.path();
        std::fs::write(
            spool.join("list.html"),
            "<ul><li class=r><a href=\"https://www.dhs.gov/news/1\">DHS AI corps</a></li></ul>",
        )
        .unwrap();
        let sel = PageSelectors {
            item: "li.r".into(),
            title: "a".into(),
            link: "a".into(),
            date: None,
            date_format: None,
            summary: None,
        };
        let batch = read("s", spool, Some(&sel), 1 << 20, Utc::now())
            .unwrap()
            .unwrap();
        assert_eq!(batch.ingested.items[0].title, "DHS AI corps");
        finish(&batch.files);
        std::fs::write(spool.join("big.xml"), RSS).unwrap();
        let err = read("s", spool, Some(&sel), 10, Utc::now()).unwrap_err();
        assert!(
            matches!(err, SpoolError::AllFailed { failed: 1, .. }),
            "{err}"
        );
        let reason = std::fs::read_to_string(spool.join("failed/big.xml.reason")).unwrap();
        assert!(reason.contains("over the limit of 10"), "{reason}");
    }
}
