//! What govwatch writes is its user's alone: after a poll and a digest sent through the
//! default file transport, every directory under the data directory is 0700 and every file
//! 0600 (the store, the index, the outbox and its messages).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{FeedServer, Home, feed_entry};

fn modes(dir: &Path, out: &mut Vec<(String, u32, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        let mode = meta.permissions().mode() & 0o777;
        out.push((entry.path().display().to_string(), mode, meta.is_dir()));
        if meta.is_dir() {
            modes(&entry.path(), out);
        }
    }
}

#[test]
fn the_data_directory_and_everything_in_it_are_private() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("rss", &server.url("/rss2.xml"), &[]), true);
    home.run(&[
        "subscribers",
        "add",
        "ann@example.gov",
        "--query",
        "oversight",
    ]);
    home.run(&["poll"]);
    home.run(&["digest", "send", "--force"]);

    let data = home.data_dir();
    let mut all = vec![(
        data.display().to_string(),
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        true,
    )];
    modes(&data, &mut all);
    let files = all.iter().filter(|(_, _, dir)| !dir).count();
    assert!(
        files >= 3,
        "a store, an index and a message at least: {all:?}"
    );
    let outbox = all.iter().any(|(p, _, dir)| !dir && p.contains("/outbox/"));
    assert!(outbox, "the digest went to the outbox: {all:?}");
    for (path, mode, dir) in &all {
        let want = if *dir { 0o700 } else { 0o600 };
        assert_eq!(*mode & 0o077, 0, "{path} is {mode:o}, want {want:o}");
    }
}

#[test]
fn a_data_directory_others_can_enter_is_reported_not_changed() {
    let server = FeedServer::start();
    let home = Home::new(&feed_entry("rss", &server.url("/rss2.xml"), &[]), true);
    let data = home.data_dir();
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = home.cmd().arg("poll").output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("open to other users") && stderr.contains("755"),
        "{stderr}"
    );
    let mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755, "the operator's choice is kept");
}
