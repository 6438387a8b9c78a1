//! Source health end to end: feeds that publish on their usual cadence are `ok`, one whose
//! newest item is long overdue is `silent`, one that keeps failing is `failing`, an HTML source
//! whose selectors stopped matching is `broken`; `feeds list` shows it, `feeds report --send`
//! mails operators the changes once, and the daemon does the same on `[operators] schedule`
//! and exposes the counts in /metrics.

mod common;

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use common::daemon::{Daemon, metric};
use common::smtp::{SmtpServer, free_port};
use common::{FeedServer, Home, feed_entry};
use mail_parser::MessageParser;

/// An RSS feed with one item a day (at noon UTC, every day of the week), the newest `age` ago.
fn daily(title: &str, days: i64, age: TimeDelta) -> Vec<u8> {
    let newest = Utc::now() - age;
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://example.gov/</link><description>d</description>"
    );
    for n in 0..days {
        let at = (newest - TimeDelta::days(n)).to_rfc2822();
        s.push_str(&format!(
            "<item><guid>{title}-{n}</guid><title>{title} notice {n}</title>\
             <link>https://example.gov/{title}/{n}</link><pubDate>{at}</pubDate></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn html_feed(id: &str, url: &str) -> String {
    format!(
        "[[feed]]\nid = {id:?}\nurl = {url:?}\nkind = \"html\"\n\n[feed.select]\n\
         item = \"div.element\"\ntitle = \".element-title\"\nlink = \"a\"\n\n"
    )
}

fn feeds(server: &FeedServer) -> String {
    server
        .state
        .set_dynamic("steady.xml", daily("steady", 20, TimeDelta::hours(3)));
    server
        .state
        .set_dynamic("quiet.xml", daily("quiet", 20, TimeDelta::days(12)));
    feed_entry("steady", &server.url("/dynamic/steady.xml"), &[])
        + &feed_entry("quiet", &server.url("/dynamic/quiet.xml"), &[])
        + &feed_entry("gone", &server.url("/gone.xml"), &[])
        + &html_feed("page", &server.url("/hearings-redesigned"))
}

/// (feed, health) from `feeds list --json`, by feed id.
fn states(home: &Home) -> Vec<(String, String)> {
    let mut states: Vec<(String, String)> = home
        .json_lines(&["feeds", "list", "--json"])
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().to_string(),
                f["health"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    states.sort();
    states
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn feeds_list_shows_health_and_operators_hear_of_each_change_once() {
    let server = FeedServer::start();
    let smtp = SmtpServer::start();
    let home = Home::new(&feeds(&server), true);
    home.use_smtp(smtp.port(), "");
    home.append_config("\n[operators]\nemails = [\"ops@example.gov\", \"lead@example.gov\"]\n");

    home.run(&["poll"]);
    assert_eq!(
        states(&home),
        pairs(&[
            ("gone", "ok"),
            ("page", "broken"),
            ("quiet", "silent"),
            ("steady", "ok")
        ]),
        "one failure is not yet failing; a page that changed is broken at once"
    );
    for _ in 0..2 {
        home.run(&["poll"]);
    }
    let list = home.run(&["feeds", "list"]);
    assert!(list.contains("STATE"), "{list}");
    let gone = list.lines().find(|l| l.starts_with("gone")).unwrap();
    assert!(gone.contains("failing"), "{list}");
    let quiet = home
        .json_lines(&["feeds", "list", "--json"])
        .into_iter()
        .find(|f| f["id"] == "quiet")
        .unwrap();
    assert_eq!(quiet["cadence_secs"], 86_400, "{quiet}");
    let status = home.json_lines(&["status", "--json"]);
    assert_eq!(
        status[0]["sources"],
        serde_json::json!({"ok": 1, "silent": 1, "failing": 1, "broken": 1})
    );

    let out = home.run(&["feeds", "report", "--send"]);
    assert!(
        out.contains("Subject: govwatch: 3 feeds changed state (1 broken, 1 failing, 1 silent)"),
        "{out}"
    );
    let received = smtp.received();
    assert_eq!(received.len(), 2, "one mail per operator");
    let msg = MessageParser::default().parse(&received[0].data).unwrap();
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("gone (gone)  ok → failing"), "{text}");
    assert!(
        text.contains("last error: http://127.0.0.1") && text.contains("HTTP status 404"),
        "{text}"
    );
    assert!(text.contains("page (page)  ok → broken"), "{text}");
    assert!(
        text.contains("div.element"),
        "the broken selector is named: {text}"
    );
    assert!(
        text.contains("quiet (quiet)  ok → silent") && text.contains("usually every 1d"),
        "{text}"
    );
    assert!(
        !text.contains("steady"),
        "unchanged feeds are not listed: {text}"
    );

    // Reported once: the next report has nothing new to say, and sends nothing.
    let again = home.run(&["feeds", "report", "--send"]);
    assert!(again.contains("No feed changed state"), "{again}");
    assert_eq!(smtp.received().len(), 2);

    // The silent feed publishes again (new items, the newest an hour old): the recovery is the
    // next report's news.
    server
        .state
        .set_dynamic("quiet.xml", daily("quiet-again", 5, TimeDelta::hours(1)));
    home.run(&["poll"]);
    let json = home.json_lines(&["feeds", "report", "--json"]);
    let changes = json[0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{json:?}");
    assert_eq!(changes[0]["feed_id"], "quiet");
    assert_eq!(changes[0]["states"], serde_json::json!(["silent", "ok"]));
}

#[test]
fn the_daemon_checks_sources_and_mails_operators_on_schedule() {
    let server = FeedServer::start();
    let smtp = SmtpServer::start();
    let home = Home::new(&feeds(&server), true);
    home.use_smtp(smtp.port(), "");
    let port = free_port();
    home.append_config(&format!(
        "\n[operators]\nemails = [\"ops@example.gov\"]\nschedule = \"*/2 * * * * *\"\n\
         check_interval = \"1s\"\n\n[poll]\njitter = \"0s\"\n\n\
         [server]\nlisten = \"127.0.0.1:{port}\"\n\n[daemon]\nshutdown_timeout = \"5s\"\n"
    ));
    let mut daemon = Daemon::start(&home, port, &[]);
    daemon.wait_for_note("READY=1", Duration::from_secs(30));
    daemon.wait_until("an operator digest", Duration::from_secs(30), || {
        !smtp.received().is_empty()
    });
    let received = smtp.received();
    let msg = MessageParser::default().parse(&received[0].data).unwrap();
    let text = msg.body_text(0).unwrap().into_owned();
    assert!(
        text.contains("ok → broken") && text.contains("ok → silent"),
        "{text}"
    );
    let (_, metrics) = daemon.get("/metrics").unwrap();
    assert_eq!(
        metric(&metrics, "govwatch_sources{state=\"broken\"}"),
        1.0,
        "{metrics}"
    );
    assert_eq!(metric(&metrics, "govwatch_sources{state=\"silent\"}"), 1.0);
    assert!(daemon.log().contains("source state changed"));
    daemon.stop();
}
