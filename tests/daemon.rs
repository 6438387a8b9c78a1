//! `govwatch run` end to end: the real binary as a subprocess, feeds from a local HTTP server,
//! digests to a real SMTP server on 127.0.0.1, health and metrics over HTTP, systemd's notify
//! protocol on a socket of the test's own, and signals.

mod common;

use std::time::Duration;

use common::daemon::{Daemon, metric};
use common::smtp::{SmtpServer, free_port};
use common::{FeedServer, Home, feed_entry, rss};
use mail_parser::MessageParser;
use serde_json::Value;

const CONTRACT: &str = "Army awards $45 million contract to Acme for AI logistics";
const SECS: fn(u64) -> Duration = Duration::from_secs;

/// A home whose daemon polls `feeds`, mails through `smtp_port` and listens on `port`.
fn daemon_home(feeds: &str, smtp_port: u16, port: u16) -> Home {
    let home = Home::new(feeds, true);
    home.use_smtp(smtp_port, "");
    home.append_config(&format!(
        "\n[poll]\ninterval = \"1h\"\njitter = \"0s\"\n\n[index]\ncommit_interval = \"1s\"\n\n\
         [server]\nlisten = \"127.0.0.1:{port}\"\n\n[daemon]\nshutdown_timeout = \"5s\"\n"
    ));
    home
}

fn publish_wire(server: &FeedServer) {
    server.state.set_dynamic(
        "wire.xml",
        rss(
            "Defense Wire",
            &[
                (
                    "w1",
                    CONTRACT,
                    "The Army awarded a $45 million contract for predictive maintenance models.",
                ),
                (
                    "w2",
                    "Navy issues task order to Globex for machine learning",
                    "A task order under the IDIQ contract vehicle.",
                ),
                ("w3", "Weather outlook for the weekend", "Sunny."),
            ],
        ),
    );
}

fn status(home: &Home) -> Value {
    home.json_lines(&["status", "--json"]).remove(0)
}

fn subscribe_every_second(home: &Home, email: &str) {
    home.run(&[
        "subscribers",
        "add",
        email,
        "--topic",
        "contracts",
        "--schedule",
        "* * * * * *",
    ]);
}

#[test]
fn the_daemon_polls_indexes_mails_what_is_due_reports_health_and_stops_cleanly() {
    let server = FeedServer::start();
    publish_wire(&server);
    let smtp = SmtpServer::start();
    let port = free_port();
    let home = daemon_home(
        &feed_entry("wire", &server.url("/dynamic/wire.xml"), &[]),
        smtp.port(),
        port,
    );
    subscribe_every_second(&home, "ann@example.gov");

    let mut daemon = Daemon::start(&home, port, &[]);
    daemon.wait_for_note("READY=1", SECS(30));
    let (code, body) = daemon
        .get("/healthz")
        .expect("the listener answers once READY");
    assert_eq!(code, 200, "{body}");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["scheduler"], "running");
    assert_eq!(health["store"], "ok");

    // The digest that comes due is sent, with the contract items and not the weather.
    daemon.wait_until("a digest to arrive", SECS(30), || {
        !smtp.received().is_empty()
    });
    let mail = smtp.received().remove(0);
    assert_eq!(mail.to, ["ann@example.gov"]);
    let message = MessageParser::default().parse(&mail.data).unwrap();
    let subject = message.subject().unwrap().to_string();
    assert!(
        subject.starts_with("govwatch: 2 new items (contracts 2)"),
        "{subject}"
    );
    let text = message.body_text(0).unwrap().to_string();
    assert!(text.contains(CONTRACT), "{text}");
    assert!(!text.contains("Weather"), "{text}");

    // Search and status work beside the running daemon; the index commits on its cadence.
    daemon.wait_until("the index to commit", SECS(20), || {
        home.json_lines(&["search", "contract", "--json"]).len() == 2
    });
    let s = status(&home);
    assert_eq!(s["items"], 3);
    assert_eq!(s["index_lag"], 0);
    assert_eq!(s["next_polls"][0]["feed"], "wire");
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(s["next_polls"][0]["at"].clone()).unwrap();
    assert!(
        next > chrono::Utc::now() + chrono::TimeDelta::minutes(50),
        "{next}"
    );

    let (code, metrics) = daemon.get("/metrics").unwrap();
    assert_eq!(code, 200);
    assert_eq!(metric(&metrics, "govwatch_feeds"), 1.0);
    assert_eq!(
        metric(&metrics, "govwatch_polls_total{outcome=\"fetched\"}"),
        1.0
    );
    assert_eq!(
        metric(&metrics, "govwatch_items_stored_total{change=\"new\"}"),
        3.0
    );
    assert_eq!(metric(&metrics, "govwatch_documents_indexed_total"), 3.0);
    assert_eq!(
        metric(&metrics, "govwatch_digests_total{outcome=\"sent\"}"),
        1.0
    );
    assert_eq!(
        metric(&metrics, "govwatch_poll_duration_seconds_count"),
        1.0
    );
    assert!(metric(&metrics, "govwatch_last_successful_poll_timestamp_seconds") > 1.7e9);

    // Nothing new: no second mail, however often the schedule fires.
    std::thread::sleep(SECS(3));
    assert_eq!(smtp.received().len(), 1);

    let exit = daemon.stop();
    assert!(exit.success(), "exit {exit:?}; log:\n{}", daemon.log());
    daemon.wait_for_note("STOPPING=1", SECS(5));
    let log = daemon.log();
    assert!(
        log.contains("poll feed=wire outcome=\"fetched\" status=200 new=3"),
        "{log}"
    );
    assert!(
        log.contains("digest sent to=ann@example.gov items=2"),
        "{log}"
    );
    let s = status(&home);
    assert_eq!(
        (s["indexed_docs"].clone(), s["index_lag"].clone()),
        (3.into(), 0.into())
    );
    // One feed poll: the stored schedule, not the restart, decides the next.
    assert_eq!(server.state.requests_to("/dynamic/wire.xml").len(), 1);
    let mut again = Daemon::start(&home, port, &[]);
    again.wait_for_note("READY=1", SECS(30));
    std::thread::sleep(SECS(2));
    assert!(again.stop().success());
    assert_eq!(
        server.state.requests_to("/dynamic/wire.xml").len(),
        1,
        "a restart does not re-poll a feed that is not due"
    );
}

#[test]
fn sighup_and_edited_feed_lists_reload_and_a_broken_list_is_refused() {
    let server = FeedServer::start();
    publish_wire(&server);
    let port = free_port();
    let home = daemon_home(
        &feed_entry("wire", &server.url("/dynamic/wire.xml"), &[]),
        free_port(),
        port,
    );
    let mut daemon = Daemon::start_with(&home, port, &[], &["--log-format", "json"]);
    daemon.wait_for_note("READY=1", SECS(30));
    daemon.wait_until("the first poll", SECS(20), || {
        !server.state.requests_to("/dynamic/wire.xml").is_empty()
    });

    // A broken list is reported and the running feeds are kept.
    std::fs::write(home.path().join("feeds/broken.toml"), "[[feed]\nid = ").unwrap();
    daemon.signal("HUP");
    daemon.wait_until("the reload to be refused", SECS(20), || {
        daemon.log().contains("the feed lists do not load")
    });
    assert!(daemon.notes.iter().all(|n| !n.contains("STOPPING")));
    assert_eq!(daemon.get("/healthz").unwrap().0, 200);
    std::fs::remove_file(home.path().join("feeds/broken.toml")).unwrap();

    // A new list is picked up: its feed is polled, and its Cache-Control max-age (2 h, more
    // than the 1 h interval) sets the next poll.
    std::fs::write(
        home.path().join("feeds/more.toml"),
        feed_entry("atom", &server.url("/fresh.xml"), &[]),
    )
    .unwrap();
    daemon.signal("HUP");
    daemon.wait_until("the new feed to be polled", SECS(20), || {
        !server.state.requests_to("/fresh.xml").is_empty()
    });
    daemon.wait_until("its next poll to be planned", SECS(10), || {
        let s = status(&home);
        let polls = s["next_polls"].as_array().unwrap().clone();
        polls.iter().any(|p| {
            p["feed"] == "atom"
                && p["at"].as_str().is_some_and(|at| {
                    let at: chrono::DateTime<chrono::Utc> = at.parse().unwrap();
                    let wait = at - chrono::Utc::now();
                    wait > chrono::TimeDelta::minutes(115)
                        && wait <= chrono::TimeDelta::minutes(120)
                })
        })
    });
    daemon.wait_until("the metrics to count it", SECS(10), || {
        let (_, m) = daemon.get("/metrics").unwrap();
        metric(&m, "govwatch_feeds") == 2.0
    });
    assert!(daemon.stop().success());
    // --log-format json: one object per line, with the fields scripts filter on.
    let lines: Vec<Value> = daemon
        .log()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let poll = lines
        .iter()
        .find(|l| l["fields"]["message"] == "poll" && l["fields"]["feed"] == "atom")
        .expect("a poll line for the new feed");
    assert_eq!(poll["level"], "INFO");
    assert_eq!(poll["fields"]["outcome"], "fetched");
    assert!(lines.iter().any(|l| l["fields"]["message"] == "reloaded"));
    assert!(lines.iter().any(|l| {
        l["level"] == "ERROR"
            && l["fields"]["error"]
                .as_str()
                .is_some_and(|e| e.contains("broken.toml"))
    }));
}

#[test]
fn a_crash_mid_poll_or_mid_send_loses_and_doubles_nothing() {
    let server = FeedServer::start();
    publish_wire(&server);
    let smtp = SmtpServer::start();
    let port = free_port();
    let home = daemon_home(
        &(feed_entry("wire", &server.url("/dynamic/wire.xml"), &[])
            + &feed_entry("slow", &server.url("/slow.xml"), &[])),
        smtp.port(),
        port,
    );

    // Subscribed before anything is stored, paused while the daemon crashes below (resuming
    // loses nothing: the window starts where the last delivered one ended).
    subscribe_every_second(&home, "ann@example.gov");
    home.run(&["subscribers", "pause", "ann@example.gov"]);

    // Killed after the store committed a poll and before the index did.
    let mut crashed = Daemon::start(
        &home,
        port,
        &[("GOVWATCH_FAILPOINT", "before-index-commit")],
    );
    let exit = crashed.wait(SECS(30));
    assert!(!exit.success(), "the failpoint aborts");
    assert!(
        crashed
            .log()
            .contains("failpoint before-index-commit reached")
    );
    let s = status(&home);
    assert_eq!(
        (s["items"].clone(), s["indexed_docs"].clone()),
        (3.into(), 0.into())
    );

    // Killed with SIGKILL while a slow feed is in flight.
    let mut killed = Daemon::start(&home, port, &[]);
    killed.wait_for_note("READY=1", SECS(30));
    killed.wait_until("the slow feed to be in flight", SECS(20), || {
        !server.state.requests_to("/slow.xml").is_empty()
    });
    killed.signal("KILL");
    killed.wait(SECS(10));

    // The next start catches the index up: each item exactly once.
    home.run(&["subscribers", "resume", "ann@example.gov"]);
    let mut daemon = Daemon::start(
        &home,
        port,
        &[("GOVWATCH_FAILPOINT", "after-send-before-ledger")],
    );
    // It dies right after the SMTP server accepted the digest, before the ledger knew.
    let exit = daemon.wait(SECS(40));
    assert!(!exit.success(), "{}", daemon.log());
    assert_eq!(smtp.received().len(), 1);

    // Restarted, it sends the pending digest again with the same Message-ID (a duplicate
    // receivers can recognise), records it sent, and sends nothing more.
    let mut daemon = Daemon::start(&home, port, &[]);
    daemon.wait_until("the pending digest to be resent", SECS(30), || {
        smtp.received().len() == 2
    });
    std::thread::sleep(SECS(3));
    assert!(daemon.stop().success(), "{}", daemon.log());
    let received = smtp.received();
    assert_eq!(received.len(), 2);
    let ids: Vec<String> = received
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(&m.data)
                .unwrap()
                .message_id()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log.len(), 1, "one digest in the ledger: {log:?}");
    assert_eq!(log[0]["status"], "sent");
    let s = status(&home);
    assert_eq!(
        (s["items"].clone(), s["indexed_docs"].clone()),
        (3.into(), 3.into())
    );
    assert_eq!(s["index_lag"], 0, "{s}");
    assert_eq!(home.json_lines(&["search", "contract", "--json"]).len(), 2);
    assert_eq!(
        server.state.requests_to("/dynamic/wire.xml").len(),
        1,
        "stored, never refetched"
    );
}

#[test]
fn sigterm_lets_the_poll_in_flight_finish_and_health_says_stopping_meanwhile() {
    let server = FeedServer::start();
    let port = free_port();
    // The home's fetch timeout is 2 s: the slow feed's poll ends (as a timeout) within the
    // 5 s shutdown bound.
    let home = daemon_home(
        &feed_entry("slow", &server.url("/slow.xml"), &[]),
        free_port(),
        port,
    );
    let mut daemon = Daemon::start(&home, port, &[]);
    daemon.wait_for_note("READY=1", SECS(30));
    daemon.wait_until("the slow poll to start", SECS(20), || {
        !server.state.requests_to("/slow.xml").is_empty()
    });
    daemon.signal("TERM");
    daemon.wait_for_note("STOPPING=1", SECS(5));
    let (code, body) = daemon
        .get("/healthz")
        .expect("still listening while it drains");
    assert_eq!(code, 503, "{body}");
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["scheduler"], "stopping");
    let exit = daemon.wait(SECS(30));
    assert!(exit.success(), "{exit:?}: {}", daemon.log());
    // The poll in flight finished and was recorded before the exit.
    let s = status(&home);
    assert_eq!(s["failing"][0]["feed"], "slow", "{s}");
    assert_eq!(s["failing"][0]["kind"], "timeout", "{s}");
    // Failed once: the next try waits two periods (back-off), not one.
    let next: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(s["next_polls"][0]["at"].clone()).unwrap();
    assert!(
        next > chrono::Utc::now() + chrono::TimeDelta::minutes(115),
        "{next}"
    );
}
