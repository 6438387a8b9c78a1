//! Digests end to end: feeds polled from a local HTTP server, a subscriber, and the real
//! binary sending over SMTP to a real SMTP server on 127.0.0.1; what arrives is parsed as MIME.

mod common;

use common::smtp::{Refuse, SmtpServer, free_port};
use common::{FeedServer, Home, feed_entry, rss};
use mail_parser::{MessageParser, MimeHeaders};
use pretty_assertions::assert_eq;
use serde_json::Value;

const CONTRACT: &str = "Army awards $45 million contract to Acme for AI logistics";
const HEARING: &str = "Senate Armed Services Committee hearing on autonomous weapons";

fn home_with_smtp(server: &FeedServer, port: u16) -> Home {
    let feeds = feed_entry("wire", &server.url("/dynamic/wire.xml"), &[])
        + &feed_entry("mirror", &server.url("/dynamic/mirror.xml"), &[]);
    let home = Home::new(&feeds, true);
    home.use_smtp(
        port,
        "list_id = \"digests.example.org\"\nlist_unsubscribe = \"mailto:unsubscribe@example.org\"\n",
    );
    home
}

fn publish(server: &FeedServer) {
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
                    HEARING,
                    "The committee hearing heard testimony from the Pentagon's AI chief.",
                ),
                (
                    "w3",
                    "Agency launches AI chatbot <script>alert(1)</script>",
                    "&lt;img src=x onerror=alert(2)&gt; The award of a task order followed.",
                ),
                ("w4", "Weather outlook for the weekend", "Sunny."),
            ],
        ),
    );
    // The same contract story from another feed, at the same link.
    let mut mirror = String::from_utf8(rss(
        "Mirror",
        &[("m1", CONTRACT, "Reposted: the Army awarded a contract.")],
    ))
    .unwrap();
    mirror = mirror.replace(
        "https://example.gov/items/m1",
        "https://example.gov/items/w1",
    );
    server.state.set_dynamic("mirror.xml", mirror.into_bytes());
}

/// A home mailing through 127.0.0.1:`port` where ann follows contracts, with the news
/// published and polled.
fn ann_follows_contracts_with_news(feeds: &FeedServer, port: u16) -> Home {
    let home = home_with_smtp(feeds, port);
    home.run(&[
        "subscribers",
        "add",
        "ann@example.gov",
        "--topic",
        "contracts",
    ]);
    publish(feeds);
    home.run(&["poll"]);
    home
}

fn send(home: &Home) -> Vec<Value> {
    home.json_lines(&["digest", "send", "--force", "--json"])
}

#[test]
fn a_subscriber_gets_one_well_made_digest_and_nothing_twice() {
    let feeds = FeedServer::start();
    let smtp = SmtpServer::start();
    let home = home_with_smtp(&feeds, smtp.port());
    home.run(&[
        "subscribers",
        "add",
        "ann@example.gov",
        "--name",
        "Ann",
        "--topic",
        "contracts",
        "--topic",
        "hearings",
    ]);
    home.run(&["subscribers", "add", "bob@example.gov", "--topic", "budget"]);
    publish(&feeds);
    home.run(&["poll"]);

    // Preview sends nothing and advances nothing.
    let preview = home.run(&["digest", "preview", "ann@example.gov"]);
    assert!(preview.contains(CONTRACT), "{preview}");
    assert!(smtp.received().is_empty());

    let lines = send(&home);
    let ann = lines
        .iter()
        .find(|l| l["email"] == "ann@example.gov")
        .unwrap();
    assert_eq!(ann["outcome"], "sent", "{lines:?}");
    let bob = lines
        .iter()
        .find(|l| l["email"] == "bob@example.gov")
        .unwrap();
    assert_eq!(
        bob["outcome"], "nothing-new",
        "no email when nothing matched: {bob}"
    );
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ann@example.gov"]);

    // Once delivered, the next window is empty; `--since` runs the subscription over history
    // instead (a dry run: still one mail received).
    let next = home.run(&["digest", "preview", "ann@example.gov"]);
    assert!(next.contains("Nothing new"), "{next}");
    let history = home.run(&["digest", "preview", "ann@example.gov", "--since", "30d"]);
    assert!(history.contains(CONTRACT), "{history}");
    assert_eq!(smtp.received().len(), 1);
    let bad = home
        .cmd()
        .args(["digest", "preview", "ann@example.gov", "--since", "lately"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));

    let msg = MessageParser::default().parse(&received[0].data).unwrap();
    let subject = msg.subject().unwrap();
    assert!(subject.starts_with("govwatch: "), "{subject}");
    assert!(
        subject.contains("contracts") && subject.contains("hearings"),
        "{subject}"
    );
    assert_eq!(
        msg.message_id().map(|m| format!("<{m}>")),
        ann["message_id"].as_str().map(str::to_string)
    );
    assert_eq!(
        msg.header_raw("List-Id").map(str::trim),
        Some("<digests.example.org>")
    );
    assert!(
        msg.header_raw("List-Unsubscribe")
            .unwrap()
            .contains("mailto:unsubscribe@example.org")
    );
    assert_eq!(
        msg.content_type().map(|c| c.subtype()),
        Some(Some("alternative"))
    );
    let text = msg.body_text(0).unwrap();
    let html = msg.body_html(0).unwrap();
    // The contract story appears once, with the mirror folded in.
    assert_eq!(text.matches(CONTRACT).count(), 1, "{text}");
    assert!(text.contains("Also reported by Mirror"), "{text}");
    assert!(text.contains(HEARING), "{text}");
    assert!(
        !text.contains("Weather outlook"),
        "off-topic items stay out"
    );
    assert!(html.contains("Hello Ann,"));
    assert!(
        html.contains("<strong>"),
        "matched words are highlighted: {html}"
    );
    for bad in ["<script", "<img", "onerror=alert"] {
        assert!(!html.contains(bad), "{bad} reached the HTML");
    }

    // Nothing new: no second email, and the ledger shows the one digest.
    let again = send(&home);
    assert!(
        again.iter().all(|l| l["outcome"] == "nothing-new"),
        "{again:?}"
    );
    assert_eq!(smtp.received().len(), 1);
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["recipient"], "ann@example.gov");
    assert_eq!(log[0]["status"], "sent");
    assert!(
        log[0]["reply"].as_str().unwrap().starts_with("250"),
        "{}",
        log[0]
    );
    assert!(log[0]["item_ids"].as_array().unwrap().len() >= 3);

    // A paused subscription is reported as such, not silently skipped.
    home.run(&["subscribers", "pause", "bob@example.gov"]);
    let paused = send(&home);
    let bob = paused
        .iter()
        .find(|l| l["email"] == "bob@example.gov")
        .unwrap();
    assert_eq!(bob["outcome"], "paused", "{paused:?}");
}

#[test]
fn smtp_down_queues_the_digest_and_it_is_delivered_exactly_once_when_back() {
    let feeds = FeedServer::start();
    let port = free_port();
    let home = ann_follows_contracts_with_news(&feeds, port);

    let down = send(&home);
    assert_eq!(down[0]["outcome"], "queued", "{down:?}");
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log[0]["status"], "pending");
    let message_id = log[0]["message_id"].as_str().unwrap().to_string();

    let smtp = SmtpServer::start_on(port);
    let up = send(&home);
    assert_eq!(up[0]["outcome"], "sent", "{up:?}");
    assert_eq!(
        up[0]["message_id"],
        message_id.as_str(),
        "the same digest, not a new one"
    );
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(send(&home)[0]["outcome"], "nothing-new");
    assert_eq!(smtp.received().len(), 1, "delivered exactly once");
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "sent");
    assert_eq!(log[0]["attempts"], 2);
}

#[test]
fn a_permanent_refusal_is_recorded_and_the_items_wait_for_the_next_digest() {
    let feeds = FeedServer::start();
    let smtp = SmtpServer::start();
    smtp.refuse(Refuse::AtRcpt(550, "5.1.1 no such user".to_string()));
    let home = home_with_smtp(&feeds, smtp.port());
    home.run(&[
        "subscribers",
        "add",
        "gone@example.gov",
        "--topic",
        "contracts",
    ]);
    publish(&feeds);
    home.run(&["poll"]);

    let failed = send(&home);
    assert_eq!(failed[0]["outcome"], "failed", "{failed:?}");
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("550"),
        "{failed:?}"
    );
    let log = home.json_lines(&["digest", "log", "--to", "gone@example.gov", "--json"]);
    assert_eq!(log[0]["status"], "failed");
    assert!(log[0]["reply"].as_str().unwrap().contains("no such user"));

    // The window did not advance: once the address works, the items arrive.
    smtp.refuse(Refuse::Never);
    let retried = send(&home);
    assert_eq!(retried[0]["outcome"], "sent", "{retried:?}");
    assert_eq!(smtp.received().len(), 1);
    let text = MessageParser::default()
        .parse(&smtp.received()[0].data)
        .unwrap()
        .body_text(0)
        .unwrap()
        .to_string();
    assert!(text.contains(CONTRACT), "{text}");
}

/// The process dies after the server accepted a digest and before the ledger recorded it.
/// The digest is not lost: it is still pending and goes out again with the same Message-ID.
/// This is the way the design errs (a possible duplicate, recognisable by its Message-ID,
/// rather than a lost digest).
#[test]
fn a_crash_between_send_and_ledger_resends_the_same_message_never_loses_it() {
    let feeds = FeedServer::start();
    let smtp = SmtpServer::start();
    let home = ann_follows_contracts_with_news(&feeds, smtp.port());

    let out = home
        .cmd()
        .args(["digest", "send", "--force"])
        .env("GOVWATCH_FAILPOINT", "after-send-before-ledger")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failpoint kills the process");
    assert_eq!(smtp.received().len(), 1, "the server had accepted it");
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log[0]["status"], "pending");

    let again = send(&home);
    assert_eq!(again[0]["outcome"], "sent", "{again:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 2);
    let id = |n: usize| {
        MessageParser::default()
            .parse(&received[n].data)
            .unwrap()
            .message_id()
            .map(str::to_string)
    };
    assert_eq!(id(0), id(1), "the resend is the same message");
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "sent");
    assert_eq!(send(&home)[0]["outcome"], "nothing-new");
    assert_eq!(smtp.received().len(), 2, "and never again");
}

/// A deadline within the week is listed under "Closing soon", and a later item of the same
/// solicitation is marked as an update to the one the subscriber already received.
#[test]
fn deadlines_close_soon_and_updates_name_the_item_they_follow() {
    let feeds = FeedServer::start();
    let smtp = SmtpServer::start();
    let home = Home::new(
        &feed_entry("sam", &feeds.url("/dynamic/sam.xml"), &[]),
        true,
    );
    home.use_smtp(smtp.port(), "");
    home.run(&[
        "subscribers",
        "add",
        "cy@example.gov",
        "--topic",
        "procurement",
        "--topic",
        "contracts",
    ]);
    let soon = (chrono::Utc::now() + chrono::TimeDelta::days(4)).format("%B %-d, %Y");
    let rfp = "Request for proposals: AI-enabled logistics analytics";
    let first = (
        "s1",
        rfp,
        format!(
            "The Army Contracting Command issued solicitation W911QX-25-R-0042. Proposals are due \
             by 5:00 p.m. ET on {soon}."
        ),
    );
    feeds.state.set_dynamic(
        "sam.xml",
        rss("SAM", &[(first.0, first.1, first.2.as_str())]),
    );
    home.run(&["poll"]);
    send(&home);
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    let msg = MessageParser::default().parse(&received[0].data).unwrap();
    let text = msg.body_text(0).unwrap();
    assert!(text.contains("== Closing soon =="), "{text}");
    assert_eq!(
        text.matches(rfp).count(),
        2,
        "listed as closing and as new: {text}"
    );
    assert!(text.contains("Deadline: "), "{text}");

    let award = "Army awards $12 million AI logistics analytics contract";
    feeds.state.set_dynamic(
        "sam.xml",
        rss(
            "SAM",
            &[
                (first.0, first.1, first.2.as_str()),
                (
                    "s2",
                    award,
                    "The award under solicitation W911QX-25-R-0042 went to Acme Analytics.",
                ),
            ],
        ),
    );
    home.run(&["poll"]);
    send(&home);
    let received = smtp.received();
    assert_eq!(received.len(), 2);
    let msg = MessageParser::default().parse(&received[1].data).unwrap();
    let text = msg.body_text(0).unwrap();
    assert!(text.contains(award), "{text}");
    assert!(text.contains(&format!("Update to: {rfp}")), "{text}");
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("Update to: "), "{html}");
}

/// An SMTP server that answers up to DATA, takes the message's first bytes, then drops the
/// connection. Returns its port and how many messages it cut off.
fn drop_mid_data() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cut = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = cut.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let _ = stream.write_all(b"220 dropper ESMTP\r\n");
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                let reply: &[u8] = match verb.as_str() {
                    "EHLO" | "HELO" => b"250 dropper\r\n",
                    "DATA" => b"354 go ahead\r\n",
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                let _ = stream.write_all(reply);
                if verb == "DATA" {
                    let mut some = [0u8; 64];
                    let _ = reader.read(&mut some);
                    counted.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    break;
                }
            }
        }
    });
    (port, cut)
}

#[test]
fn a_connection_dropped_mid_data_leaves_the_digest_due_and_it_goes_once_later() {
    let feeds = FeedServer::start();
    let (dropper, cut) = drop_mid_data();
    let home = ann_follows_contracts_with_news(&feeds, dropper);

    let out = home
        .cmd()
        .args(["digest", "send", "--force", "--json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        cut.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "{stdout}"
    );
    assert!(!stdout.contains("\"sent\""), "{stdout}");
    let log = home.json_lines(&["digest", "log", "--json"]);
    assert_ne!(log[0]["status"], "sent", "{log:?}");

    // The same config with a server that works: the digest goes out once, whole.
    let smtp = SmtpServer::start();
    let config = home.path().join("govwatch.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        &format!("port = {dropper}"),
        &format!("port = {}", smtp.port()),
    );
    std::fs::write(&config, text).unwrap();
    let again = send(&home);
    assert_eq!(again[0]["outcome"], "sent", "{again:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 1);
    let message = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(message.body_text(0).unwrap().contains(CONTRACT));
    assert_eq!(send(&home)[0]["outcome"], "nothing-new");
    assert_eq!(smtp.received().len(), 1, "and never again");
}
