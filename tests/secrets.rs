//! Secrets stay secret: the SMTP password and the credentials and keys in feed URLs never
//! appear in anything govwatch prints, logs or serves, on success or on failure, even with
//! debug logging on. (`feeds export` is the exception, on purpose: see below.)

mod common;

use std::time::Duration;

use common::daemon::Daemon;
use common::smtp::{SmtpServer, free_port};
use common::{FeedServer, Home, feed_entry};

const SMTP_PASSWORD: &str = "smtp-pw-Q7xk2";
const FEED_KEY: &str = "feedkey-Q7xk2";
const URL_PASSWORD: &str = "urlpw-Q7xk2";
const TOKEN: &str = "token-Q7xk2";
/// Common to all four, so that a leak of any part of any secret is found.
const MARK: &str = "Q7xk2";

fn output(home: &Home, args: &[&str]) -> String {
    let out = home
        .cmd()
        .args(args)
        .env("GOVWATCH_SMTP_PASSWORD", SMTP_PASSWORD)
        .env("GOVWATCH_LOG", "debug,tantivy=info")
        .output()
        .unwrap();
    format!(
        "$ govwatch {}\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn no_secret_reaches_output_logs_or_the_listener() {
    let server = FeedServer::start();
    let smtp = SmtpServer::start();
    let good = format!("{}?api_key={FEED_KEY}", server.url("/rss2.xml"));
    let bad = server
        .url("/missing.xml")
        .replace("http://", &format!("http://ops:{URL_PASSWORD}@"))
        + &format!("?token={TOKEN}");
    let feeds = feed_entry("good", &good, &[]) + &feed_entry("bad", &bad, &[]);
    let home = Home::new(&feeds, true);
    // The test server offers no AUTH, so a digest with credentials fails: the failure path
    // is the one most likely to quote what it was given.
    home.use_smtp(smtp.port(), "");
    home.append_config("username = \"govwatch\"\n");
    let port = free_port();
    home.append_config(&format!(
        "\n[poll]\njitter = \"0s\"\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n\n[daemon]\nshutdown_timeout = \"5s\"\n"
    ));
    home.cmd()
        .args([
            "subscribers",
            "add",
            "ann@example.gov",
            "--query",
            "oversight",
        ])
        .env("GOVWATCH_SMTP_PASSWORD", SMTP_PASSWORD)
        .assert()
        .success();

    let mut seen = String::new();
    let mut daemon = Daemon::start(
        &home,
        port,
        &[
            ("GOVWATCH_SMTP_PASSWORD", SMTP_PASSWORD),
            ("GOVWATCH_LOG", "debug,tantivy=info"),
        ],
    );
    daemon.wait_for_note("READY=1", Duration::from_secs(30));
    // Never polled, so both feeds are due at once.
    daemon.wait_until("both feeds to be polled", Duration::from_secs(30), || {
        let log = daemon.log();
        log.contains("feed=good") && log.contains("feed=bad")
    });
    for path in ["/healthz", "/metrics"] {
        let (code, body) = daemon.get(path).expect("the listener answers");
        seen.push_str(&format!("GET {path} {code}\n{body}"));
    }
    daemon.stop();
    let log = daemon.log();
    assert!(log.contains("missing.xml"), "the daemon polled:\n{log}");
    seen.push_str(&log);

    for args in [
        &["poll"][..],
        &["poll", "--json"],
        &["digest", "send", "--force"],
        &["status"],
        &["status", "--json"],
        &["feeds", "list"],
        &["feeds", "list", "--json"],
        &["feeds", "check"],
        &["feeds", "check", "--json"],
    ] {
        seen.push_str(&output(&home, args));
    }
    assert!(
        seen.contains("missing.xml") && seen.contains("REDACTED"),
        "the failing feed was reported, masked:\n{seen}"
    );
    assert!(
        seen.contains("?token=REDACTED: HTTP status 404"),
        "the message around a masked URL is kept:\n{seen}"
    );
    // The one exception: an export exists to carry the feeds, keys and all, to another reader.
    let export = output(&home, &["feeds", "export"]);
    assert!(
        export.contains(FEED_KEY) && export.contains(URL_PASSWORD),
        "{export}"
    );

    let leaks: Vec<&str> = seen.lines().filter(|l| l.contains(MARK)).collect();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
