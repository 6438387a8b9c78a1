//! Clock jumps against the running daemon: its wall clock (and nothing else: the monotonic
//! clock its timers use stays true, as under an NTP step) is moved with libfaketime while it
//! runs. Back two days: feeds keep being polled on their period instead of waiting two days
//! for plans made under the old clock. Forward three days: one round of the overdue polls and
//! one digest, not a storm. Needs Debian's `faketime` (`.ci/run` installs it when it can);
//! without it the test says SKIPPED.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::daemon::Daemon;
use common::smtp::{SmtpServer, free_port};
use common::{FeedServer, Home, rss};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

fn polls(server: &FeedServer) -> usize {
    server.state.requests_to("/dynamic/wire.xml").len()
}

/// Waits until `check` holds, for at most `within`.
fn eventually(what: &str, within: Duration, mut check: impl FnMut() -> bool) {
    let until = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_daemon_rides_out_clock_jumps_both_ways() {
    if !Path::new(LIBFAKETIME).exists() {
        eprintln!("SKIPPED: no libfaketime ({LIBFAKETIME}); the clock-jump test did not run");
        return;
    }
    let server = FeedServer::start();
    server.state.set_dynamic(
        "wire.xml",
        rss(
            "Wire",
            &[("w1", "Oversight hearing on AI", "The committee.")],
        ),
    );
    let smtp = SmtpServer::start();
    let feeds = format!(
        "[[feed]]\nid = \"wire\"\nurl = {:?}\ninterval = \"2s\"\n",
        server.url("/dynamic/wire.xml")
    );
    let home = Home::new(&feeds, true);
    home.use_smtp(smtp.port(), "");
    let port = free_port();
    home.append_config(&format!(
        "\n[poll]\njitter = \"0s\"\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n\n\
         [daemon]\nshutdown_timeout = \"5s\"\n"
    ));
    home.run(&[
        "subscribers",
        "add",
        "ann@example.gov",
        "--query",
        "oversight",
    ]);
    let offset = home.path().join("faketime");
    std::fs::write(&offset, "+0\n").unwrap();
    let offset_text = offset.display().to_string();
    let mut daemon = Daemon::start(
        &home,
        port,
        &[
            ("LD_PRELOAD", LIBFAKETIME),
            ("FAKETIME_TIMESTAMP_FILE", &offset_text),
            ("FAKETIME_NO_CACHE", "1"),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ],
    );
    daemon.wait_for_note("READY=1", Duration::from_secs(30));
    eventually(
        "two polls on the 2 s period",
        Duration::from_secs(20),
        || polls(&server) >= 2,
    );
    assert!(
        smtp.received().is_empty(),
        "the daily digest is not due yet"
    );

    // Back two days: the next poll was planned two days "ahead" of the new clock.
    std::fs::write(&offset, "-2d\n").unwrap();
    let before = polls(&server);
    eventually(
        "polls to go on after the clock went back",
        Duration::from_secs(45),
        || polls(&server) >= before + 3,
    );
    assert!(daemon.log().contains("clock"), "the jump is logged");

    // Forward three days from the true time: everything is overdue at once.
    std::fs::write(&offset, "+3d\n").unwrap();
    eventually("the digest that came due", Duration::from_secs(45), || {
        !smtp.received().is_empty()
    });
    let before = polls(&server);
    std::thread::sleep(Duration::from_secs(6));
    let during = polls(&server) - before;
    assert!(
        (2..=4).contains(&during),
        "{during} polls in 6 s: back on the 2 s period, not a storm"
    );
    assert_eq!(
        smtp.received().len(),
        1,
        "three days overdue is one digest, not three"
    );
    daemon.stop();
}
