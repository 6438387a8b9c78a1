//! The SMTP transport against a real SMTP server on 127.0.0.1 (tests/common/smtp.rs): what
//! arrives, how refusals and outages are classified, and that retries deliver exactly once.

mod common;

use std::num::NonZeroU32;
use std::path::Path;
use std::time::Duration;

use common::smtp::{Refuse, SmtpServer, free_port};
use govwatch::config::Settings;
use govwatch::mail::{Mailer, OutgoingMessage, RetryPolicy, SendError};
use mail_parser::{MessageParser, MimeHeaders};
use pretty_assertions::assert_eq;

fn mailer(port: u16) -> Mailer {
    let text = format!(
        r#"
[mail]
transport = "smtp"
from = "govwatch <digest@watch.example.org>"
list_id = "ai-policy.watch.example.org"
list_unsubscribe = "https://watch.example.org/unsubscribe?list=ai"
[mail.smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
timeout = "10s"
"#
    );
    let settings =
        Settings::from_toml_with_env(&text, Path::new("/tmp/govwatch.toml"), &|_| None).unwrap();
    Mailer::from_settings(&settings).unwrap()
}

fn digest(subject: &str) -> OutgoingMessage {
    OutgoingMessage::new(
        "Ada Reader <ada@example.com>".parse().unwrap(),
        subject,
        "contracts (2)\n- Agency awards AI task order\n",
        "<h2>contracts (2)</h2><ul><li><a href=\"https://example.gov/a\">Agency awards AI task order</a></li></ul>",
    )
}

fn fast(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: NonZeroU32::new(attempts).unwrap(),
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
    }
}

#[tokio::test]
async fn a_digest_arrives_with_both_parts_and_the_list_headers() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port());
    let subject = "govwatch: 3 new items — Überprüfung (contracts 2, hearings 1)";
    let receipt = mailer.send(&digest(subject)).await.unwrap();
    assert!(receipt.server_reply.starts_with("250"), "{receipt:?}");

    let received = server.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.from, "digest@watch.example.org");
    assert_eq!(got.to, ["ada@example.com"]);

    let raw = String::from_utf8_lossy(&got.data);
    // The UTF-8 subject travels RFC 2047-encoded, and decodes back to what was sent.
    let subject_line = raw
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("a Subject header");
    assert!(subject_line.contains("=?utf-8?"), "{subject_line}");
    let parsed = MessageParser::default().parse(&got.data).unwrap();
    assert_eq!(parsed.subject(), Some(subject));
    assert_eq!(
        parsed.message_id(),
        Some(receipt.message_id.trim_matches(['<', '>']))
    );
    assert!(receipt.message_id.ends_with("@watch.example.org>"));
    assert_eq!(
        parsed.header_raw("List-Id").map(str::trim),
        Some("<ai-policy.watch.example.org>")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe").map(str::trim),
        Some("<https://watch.example.org/unsubscribe?list=ai>")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    let date = parsed.date().expect("a Date header").to_timestamp();
    let now = chrono::Utc::now().timestamp();
    assert!((now - date).abs() < 3600, "Date {date} vs now {now}");

    let ct = parsed.root_part().content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    assert!(
        parsed
            .body_text(0)
            .unwrap()
            .contains("- Agency awards AI task order")
    );
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("<a href=\"https://example.gov/a\">")
    );
}

#[tokio::test]
async fn a_hostile_subject_or_name_adds_no_header_and_no_recipient() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port());
    let mut msg = digest("New award\r\nBcc: victim@example.net\r\nX-Evil: 1");
    msg.to = lettre::message::Mailbox::new(
        Some("Ada\r\nCc: other@example.net".into()),
        "ada@example.com".parse().unwrap(),
    );
    mailer.send(&msg).await.unwrap();

    let received = server.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["ada@example.com"]);
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(parsed.bcc().is_none() && parsed.cc().is_none());
    assert!(parsed.header_raw("X-Evil").is_none());
    assert_eq!(
        parsed.subject(),
        Some("New award Bcc: victim@example.net X-Evil: 1")
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("ada@example.com")
    );
}

#[tokio::test]
async fn a_5xx_is_permanent_keeps_the_reply_and_is_not_retried() {
    let server = SmtpServer::start();
    server.refuse(Refuse::AtData(
        554,
        "5.7.1 Message rejected as spam by policy".into(),
    ));
    let mailer = mailer(server.port());
    let mut failures = Vec::new();
    let err = mailer
        .send_with_retry_observed(&digest("s"), fast(5), |f| {
            failures.push((f.attempt, f.retry_in))
        })
        .await
        .unwrap_err();
    match &err {
        SendError::Permanent { reason, code } => {
            assert_eq!(*code, Some(554));
            assert!(
                reason.contains("Message rejected as spam by policy"),
                "{reason}"
            );
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    assert_eq!(failures, [(1, None)]);
    assert!(server.received().is_empty());

    // Refused at RCPT time: the same classification.
    server.refuse(Refuse::AtRcpt(550, "5.1.1 No such user here".into()));
    let err = mailer.send(&digest("s")).await.unwrap_err();
    assert!(
        matches!(&err, SendError::Permanent { code: Some(550), reason } if reason.contains("No such user here")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_4xx_is_transient_and_a_retry_delivers_once_it_clears() {
    let server = SmtpServer::start();
    server.refuse(Refuse::AtRcpt(
        451,
        "4.3.0 Mailbox temporarily unavailable, try later".into(),
    ));
    let mailer = mailer(server.port());
    let err = mailer.send(&digest("s")).await.unwrap_err();
    assert!(
        matches!(&err, SendError::Transient { reason } if reason.contains("try later") && reason.contains("451")),
        "{err:?}"
    );
    server.refuse(Refuse::AtData(
        452,
        "4.3.1 Insufficient system storage".into(),
    ));
    let err = mailer.send(&digest("s")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(server.received().is_empty());

    // The server recovers after the first failed attempt.
    let mut attempts = Vec::new();
    let receipt = mailer
        .send_with_retry_observed(&digest("retried"), fast(5), |f| {
            attempts.push(f.attempt);
            assert!(f.error.is_transient());
            assert!(f.retry_in.is_some());
            server.refuse(Refuse::Never);
        })
        .await
        .unwrap();
    assert_eq!(attempts, [1]);
    let received = server.received();
    assert_eq!(received.len(), 1);
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(parsed.subject(), Some("retried"));
    assert_eq!(
        parsed.message_id(),
        Some(receipt.message_id.trim_matches(['<', '>']))
    );
}

#[tokio::test]
async fn smtp_down_is_transient_and_the_message_goes_once_the_server_is_up() {
    let port = free_port();
    let mailer = mailer(port);
    let err = mailer.send(&digest("s")).await.unwrap_err();
    assert!(
        matches!(&err, SendError::Transient { reason } if reason.to_lowercase().contains("connection")),
        "{err:?}"
    );

    // Nothing listens for the first attempt; the observer starts the server before the next.
    let mut server = None;
    let mut failures = Vec::new();
    let receipt = mailer
        .send_with_retry_observed(&digest("after the outage"), fast(4), |f| {
            failures.push((f.attempt, f.error.is_transient()));
            if server.is_none() {
                server = Some(SmtpServer::start_on(port));
            }
        })
        .await
        .unwrap();
    assert_eq!(failures, [(1, true)]);
    let server = server.expect("started after the first failure");
    let received = server.received();
    assert_eq!(received.len(), 1, "delivered exactly once");
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(parsed.subject(), Some("after the outage"));
    assert_eq!(
        parsed.message_id(),
        Some(receipt.message_id.trim_matches(['<', '>']))
    );
}

#[tokio::test]
async fn retries_stop_after_max_attempts_with_the_last_transient_error() {
    let mailer = mailer(free_port());
    let mut failures = Vec::new();
    let err = mailer
        .send_with_retry_observed(&digest("s"), fast(3), |f| {
            failures.push((f.attempt, f.retry_in))
        })
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(
        failures,
        [
            (1, Some(Duration::from_millis(1))),
            (2, Some(Duration::from_millis(2))),
            (3, None)
        ]
    );
}

#[tokio::test]
async fn one_mailer_sends_several_messages_over_the_pool() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port());
    let mut ids = Vec::new();
    for i in 0..3 {
        let r = mailer
            .send_with_retry(&digest(&format!("digest {i}")), fast(2))
            .await
            .unwrap();
        ids.push(r.message_id);
    }
    let received = server.received();
    let subjects: Vec<String> = received
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(&m.data)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(subjects, ["digest 0", "digest 1", "digest 2"]);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each message has its own Message-ID");
    assert!(server.sessions() >= 1);
}

#[tokio::test]
async fn a_server_that_stops_answering_is_a_transient_timeout_not_a_hang() {
    let server = SmtpServer::start();
    server.refuse(Refuse::AtDataEndThenHang(451, "4.3.0 try again".into()));
    let text = format!(
        "[mail]\ntransport = \"smtp\"\nfrom = \"d@watch.example.org\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ntimeout = \"2s\"\n",
        server.port()
    );
    let settings =
        Settings::from_toml_with_env(&text, Path::new("/tmp/govwatch.toml"), &|_| None).unwrap();
    let mailer = Mailer::from_settings(&settings).unwrap();
    // The 451 arrives, then lettre's QUIT gets no answer: the attempt must still end.
    let err = mailer.send(&digest("s")).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert!(err.reason().contains("within 2s"), "{err:?}");
    // The wedged connection is not reused: the next attempt opens a new session and delivers.
    server.refuse(Refuse::Never);
    let sessions = server.sessions();
    mailer.send(&digest("after the stall")).await.unwrap();
    assert_eq!(server.sessions(), sessions + 1);
    assert_eq!(server.received().len(), 1);
}
