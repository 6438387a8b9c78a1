//! Changing operators' feed lists from the command line (`feeds add|remove|import`) without
//! disturbing what they wrote: a new entry is appended as text after the file's last byte,
//! and a removal goes through `toml_edit`, which keeps every other comment and blank line.
//! Each write is checked by loading the result, and replaces the file atomically.

use std::path::Path;

use toml_edit::{Array, DocumentMut, Item, Table, value};

use super::{FeedsError, parse_list};

/// What `feeds add` or `feeds import` writes for one feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub id: String,
    pub url: String,
    pub title: Option<String>,
    pub tags: Vec<String>,
    pub interval: Option<String>,
}

const NEW_FILE_HEADER: &str = "# Feeds added with `govwatch feeds add` or `feeds import`.\n\
# Edit freely: comments and layout are kept when govwatch adds or removes entries.\n";

/// Appends `entries` to the feed list at `path` (created if missing).
pub fn append(path: &Path, entries: &[NewEntry]) -> Result<(), FeedsError> {
    let mut text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NEW_FILE_HEADER.to_owned(),
        Err(source) => {
            return Err(FeedsError::ReadFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for entry in entries {
        text.push('\n');
        text.push_str(&render(entry));
    }
    write_checked(path, &text)
}

/// Removes the entry with `id` from the feed list at `path`; `false` when it has none.
pub fn remove(path: &Path, id: &str) -> Result<bool, FeedsError> {
    let text = std::fs::read_to_string(path).map_err(|source| FeedsError::ReadFile {
        path: path.to_owned(),
        source,
    })?;
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| FeedsError::Syntax {
                path: path.to_owned(),
                message: e.to_string().trim_end().to_owned(),
            })?;
    let Some(feeds) = doc.get_mut("feed").and_then(Item::as_array_of_tables_mut) else {
        return Ok(false);
    };
    let Some(n) = feeds
        .iter()
        .position(|t| t.get("id").and_then(Item::as_str) == Some(id))
    else {
        return Ok(false);
    };
    // The comments right above the entry are about it and go with it; anything before a
    // blank line above them (a file header, a section heading) stays.
    let prefix = feeds
        .get(n)
        .and_then(|t| t.decor().prefix())
        .and_then(|p| p.as_str())
        .unwrap_or("")
        .to_owned();
    let keep = prefix.rfind("\n\n").map_or("", |p| &prefix[..p + 2]);
    feeds.remove(n);
    if !keep.is_empty() {
        match feeds.get_mut(n) {
            Some(next) => {
                let own = next
                    .decor()
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or("")
                    .to_owned();
                next.decor_mut().set_prefix(format!("{keep}{own}"));
            }
            None => {
                let trailing = doc.trailing().as_str().unwrap_or("").to_owned();
                doc.set_trailing(format!("{keep}{trailing}"));
            }
        }
    }
    write_checked(path, &doc.to_string())?;
    Ok(true)
}

/// One `[[feed]]` table as TOML text (values quoted and escaped by toml_edit).
fn render(entry: &NewEntry) -> String {
    let mut table = Table::new();
    table.insert("id", value(entry.id.as_str()));
    table.insert("url", value(entry.url.as_str()));
    if let Some(title) = &entry.title {
        table.insert("title", value(title.as_str()));
    }
    if !entry.tags.is_empty() {
        let tags: Array = entry.tags.iter().map(String::as_str).collect();
        table.insert("tags", value(tags));
    }
    if let Some(interval) = &entry.interval {
        table.insert("interval", value(interval.as_str()));
    }
    let mut list = toml_edit::ArrayOfTables::new();
    list.push(table);
    let mut doc = DocumentMut::new();
    doc.insert("feed", Item::ArrayOfTables(list));
    doc.to_string()
}

/// Writes `text` to `path` after checking that it loads as a feed list; through a temporary
/// file and a rename, so a crash never leaves half a file.
fn write_checked(path: &Path, text: &str) -> Result<(), FeedsError> {
    parse_list(text, path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let write_err = |source| FeedsError::Write {
        path: path.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("feeds")
    ));
    std::fs::write(&tmp, text).map_err(write_err)?;
    std::fs::rename(&tmp, path).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "# Our feeds\n\n# GAO: the main one\n[[feed]]\nid = \"gao\"   # keep this\nurl = \"https://www.gao.gov/rss/reports.xml\"\n\n# A page\n[[feed]]\nid = \"page\"\nurl = \"https://x.example.gov/list\"\nkind = \"html\"\n[feed.select]\nitem = \"li\"\ntitle = \"a\"\nlink = \"a\"\n\n# trailing note\n";

    fn entry(id: &str) -> NewEntry {
        NewEntry {
            id: id.into(),
            url: format!("https://{id}.example.gov/feed.xml"),
            title: Some("A \"quoted\" title".into()),
            tags: vec!["news".into(), "ai".into()],
            interval: Some("1h".into()),
        }
    }

    #[test]
    fn append_keeps_every_byte_before_and_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        std::fs::write(&path, LIST).unwrap();
        append(&path, &[entry("new")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(LIST), "{text}");
        let feeds = parse_list(&text, &path).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(feeds[2].title.as_deref(), Some("A \"quoted\" title"));
        assert_eq!(feeds[2].tags, ["news", "ai"]);
    }

    #[test]
    fn a_missing_file_is_created_with_a_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feeds/local.toml");
        append(&path, &[entry("a"), entry("b")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# Feeds added with"));
        assert_eq!(parse_list(&text, &path).unwrap().len(), 2);
    }

    #[test]
    fn remove_takes_the_entry_and_its_comment_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        std::fs::write(&path, LIST).unwrap();
        assert!(remove(&path, "gao").unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("gao"), "{text}");
        assert!(text.starts_with("# Our feeds\n"), "{text}");
        assert!(text.contains("# A page\n[[feed]]\nid = \"page\""), "{text}");
        assert!(text.contains("[feed.select]\nitem = \"li\""), "{text}");
        assert!(text.contains("# trailing note"), "{text}");
        assert!(!remove(&path, "gao").unwrap(), "already gone");
        assert!(remove(&path, "page").unwrap());
        let rest = std::fs::read_to_string(&path).unwrap();
        assert!(parse_list(&rest, &path).unwrap().is_empty());
    }

    #[test]
    fn a_write_that_would_not_load_is_refused_and_the_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("local.toml");
        std::fs::write(&path, LIST).unwrap();
        let mut bad = entry("x");
        bad.url = "not a url".into();
        let err = append(&path, &[bad]).unwrap_err().to_string();
        assert!(err.contains("feed x: field `url`"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), LIST);
    }
}
