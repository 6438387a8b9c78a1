//! Noticing edits to the config file and `feeds/*.toml` without a signal: a fingerprint of
//! their names, sizes and modification times, compared every few seconds. Polling the
//! metadata of a handful of files costs nothing measurable and behaves the same on every file
//! system (inotify misses edits on some network file systems and has per-user watch limits).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What changes when a watched file is edited, added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Vec<(PathBuf, Option<(u64, SystemTime)>)>);

/// The config file (if any) and every `*.toml` in the feeds directory.
pub fn fingerprint(config: Option<&Path>, feeds_dir: &Path) -> Fingerprint {
    let mut paths: Vec<PathBuf> = config.map(Path::to_path_buf).into_iter().collect();
    if let Ok(entries) = std::fs::read_dir(feeds_dir) {
        let mut lists: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        lists.sort();
        paths.extend(lists);
    }
    Fingerprint(
        paths
            .into_iter()
            .map(|p| {
                let meta = std::fs::metadata(&p)
                    .ok()
                    .and_then(|m| Some((m.len(), m.modified().ok()?)));
                (p, meta)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_additions_and_removals_change_it() {
        let dir = tempfile::tempdir().unwrap();
        let feeds = dir.path().join("feeds");
        std::fs::create_dir(&feeds).unwrap();
        let config = dir.path().join("govwatch.toml");
        std::fs::write(&config, "").unwrap();
        std::fs::write(feeds.join("a.toml"), "").unwrap();
        std::fs::write(feeds.join("notes.txt"), "").unwrap();
        let first = fingerprint(Some(&config), &feeds);
        assert_eq!(first, fingerprint(Some(&config), &feeds));
        std::fs::write(feeds.join("notes.txt"), "ignored").unwrap();
        assert_eq!(first, fingerprint(Some(&config), &feeds), "only *.toml");
        std::fs::write(feeds.join("a.toml"), "[[feed]]\n").unwrap();
        let edited = fingerprint(Some(&config), &feeds);
        assert_ne!(first, edited);
        std::fs::write(feeds.join("b.toml"), "").unwrap();
        let added = fingerprint(Some(&config), &feeds);
        assert_ne!(edited, added);
        std::fs::remove_file(feeds.join("b.toml")).unwrap();
        assert_eq!(edited, fingerprint(Some(&config), &feeds));
        std::fs::write(&config, "[poll]\n").unwrap();
        assert_ne!(edited, fingerprint(Some(&config), &feeds));
    }
}
