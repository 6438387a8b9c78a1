//! Unit tests of message building, header safety, the file and sendmail transports and the
//! retry arithmetic. The SMTP transport is tested against a real server in `tests/mail.rs`.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use mail_parser::{MessageParser, MimeHeaders};

use super::*;
use crate::config::{SendmailConfig, TransportConfig};

fn config() -> MailConfig {
    MailConfig {
        from: "Gov Watch <digest@news.example.org>".parse().unwrap(),
        list_id: "ai.news.example.org".into(),
        list_unsubscribe: Some(ListUnsubscribe::parse("mailto:leave@news.example.org").unwrap()),
        ..MailConfig::default()
    }
}

fn message(subject: &str) -> OutgoingMessage {
    OutgoingMessage::new(
        "Ada Reader <ada@example.com>".parse().unwrap(),
        subject,
        "Plain text body.\n",
        "<p>HTML body.</p>",
    )
}

/// The header block of a formatted message, unfolded, one header a line.
fn header_lines(raw: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(raw);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    let mut lines: Vec<String> = Vec::new();
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = lines.last_mut() {
                last.push_str(line);
            }
        } else {
            lines.push(line.to_string());
        }
    }
    lines
}

fn header_names(raw: &[u8]) -> Vec<String> {
    header_lines(raw)
        .iter()
        .map(|l| l.split(':').next().unwrap_or("").to_ascii_lowercase())
        .collect()
}

#[test]
fn a_message_has_both_parts_and_the_list_headers() {
    let mut msg = message("govwatch: 7 new items (contracts 4, hearings 3)");
    msg.date = Some(UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    let (built, id) = msg.build(&config()).unwrap();
    let raw = built.formatted();
    let parsed = MessageParser::default().parse(&raw).unwrap();

    assert!(
        id.starts_with('<') && id.ends_with("@news.example.org>"),
        "{id}"
    );
    assert_eq!(parsed.message_id(), Some(id.trim_matches(['<', '>'])));
    assert_eq!(
        parsed.subject(),
        Some("govwatch: 7 new items (contracts 4, hearings 3)")
    );
    assert_eq!(parsed.date().unwrap().to_timestamp(), 1_790_000_000);
    assert_eq!(
        parsed.header_raw("List-Id").map(str::trim),
        Some("<ai.news.example.org>")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe").map(str::trim),
        Some("<mailto:leave@news.example.org>")
    );
    // One-click POST is only for https URLs.
    assert_eq!(parsed.header_raw("List-Unsubscribe-Post"), None);

    let ct = parsed.root_part().content_type().unwrap();
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(parsed.body_text(0).unwrap().trim(), "Plain text body.");
    assert_eq!(parsed.body_html(0).unwrap().trim(), "<p>HTML body.</p>");
    assert_eq!(parsed.attachment_count(), 0);
    let to = parsed.to().unwrap().first().unwrap();
    assert_eq!(to.address(), Some("ada@example.com"));
    assert_eq!(to.name(), Some("Ada Reader"));
}

#[test]
fn an_https_unsubscribe_gets_one_click_post_and_overrides_the_config() {
    let mut msg = message("s");
    msg.list_unsubscribe =
        Some(ListUnsubscribe::parse("https://news.example.org/u/ada?t=abc").unwrap());
    let (built, _) = msg.build(&config()).unwrap();
    let parsed = MessageParser::default()
        .parse(&built.formatted())
        .unwrap()
        .into_owned();
    assert_eq!(
        parsed.header_raw("List-Unsubscribe").map(str::trim),
        Some("<https://news.example.org/u/ada?t=abc>")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );

    // No unsubscribe configured and none given: no header at all.
    let cfg = MailConfig {
        list_unsubscribe: None,
        ..config()
    };
    let (built, _) = message("s").build(&cfg).unwrap();
    let names = header_names(&built.formatted());
    assert!(
        !names.iter().any(|n| n.starts_with("list-unsubscribe")),
        "{names:?}"
    );
    assert!(names.contains(&"list-id".to_string()));
}

#[test]
fn a_recorded_message_id_is_reused_and_a_bad_one_refused() {
    let mut msg = message("s");
    msg.message_id = Some("<abc.123@news.example.org>".into());
    let (built, id) = msg.build(&config()).unwrap();
    assert_eq!(id, "<abc.123@news.example.org>");
    let parsed = MessageParser::default()
        .parse(&built.formatted())
        .unwrap()
        .into_owned();
    assert_eq!(parsed.message_id(), Some("abc.123@news.example.org"));

    for bad in ["abc@x", "<abc>", "<a b@x>", "<a@x>\r\nBcc: e@x.org", "<@x>"] {
        msg.message_id = Some(bad.into());
        assert!(
            matches!(msg.build(&config()), Err(MailError::MessageId { .. })),
            "{bad:?}"
        );
    }
    // Two fresh ids differ.
    let from = config().from;
    assert_ne!(new_message_id(&from), new_message_id(&from));
}

#[test]
fn hostile_subjects_and_names_cannot_add_headers() {
    let hostile = [
        "Hi\r\nBcc: victim@example.net",
        "Hi\nBcc: victim@example.net",
        "Hi\rBcc: victim@example.net",
        "Hi\r\n\r\n<html>body injection",
        "Hi\u{2028}Bcc: victim@example.net",
        "Hi\u{0085}Bcc: victim@example.net",
        "=?utf-8?q?x?=\r\nBcc: victim@example.net",
        "Ünïcödé\r\nX-Injected: 1 \u{202E}reversed\u{0007}bell",
    ];
    for subject in hostile {
        let mut msg = message(subject);
        msg.to = Mailbox::new(
            Some(format!(
                "Evil\r\nBcc: victim@example.net\r\nX-Name: {subject}"
            )),
            "ada@example.com".parse().unwrap(),
        );
        let (built, _) = msg.build(&config()).unwrap();
        let raw = built.formatted();
        let names = header_names(&raw);
        for forbidden in ["bcc", "x-injected", "x-name"] {
            assert!(
                !names.contains(&forbidden.to_string()),
                "{subject:?}: {names:?}"
            );
        }
        // Exactly one of each header we set.
        for one in ["subject", "to", "from", "message-id", "date", "list-id"] {
            assert_eq!(
                names.iter().filter(|n| *n == one).count(),
                1,
                "{subject:?}: {names:?}"
            );
        }
        let parsed = MessageParser::default().parse(&raw).unwrap();
        let got = parsed.subject().unwrap();
        assert!(
            !got.contains(['\r', '\n', '\u{2028}', '\u{0085}', '\u{202E}', '\u{7}']),
            "{got:?}"
        );
        assert!(
            got.starts_with("Hi") || got.starts_with("= ?utf-8") || got.starts_with("Ünïcödé"),
            "{got:?}"
        );
        assert!(parsed.bcc().is_none());
        assert_eq!(parsed.body_text(0).unwrap().trim(), "Plain text body.");
        let to = parsed.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("ada@example.com"));
        assert!(!to.name().unwrap_or("").contains(['\r', '\n']));
    }
}

#[test]
fn header_text_is_cleaned_and_capped() {
    assert_eq!(sanitize_header_text("  a\r\n\tb  c ", 50), "a b c");
    assert_eq!(sanitize_header_text("a\u{0}b\u{7f}c", 50), "a b c");
    assert_eq!(sanitize_header_text("x\u{200B}y\u{FEFF}", 50), "xy");
    assert_eq!(sanitize_header_text("\r\n", 50), "");
    assert_eq!(
        sanitize_header_text("=?utf-8?b?QmNjOg==?=", 50),
        "= ?utf-8?b?QmNjOg== ?="
    );
    assert_eq!(sanitize_header_text("abcdef", 6), "abcdef");
    assert_eq!(sanitize_header_text("abcdefg", 6), "abcde…");
    assert_eq!(sanitize_header_text("abcd efg", 6), "abcd…");
    let long = "é".repeat(1000);
    let capped = sanitize_header_text(&long, MAX_SUBJECT_CHARS);
    assert_eq!(capped.chars().count(), MAX_SUBJECT_CHARS);
    assert!(capped.ends_with('…'));

    let (built, _) = message(&"Contract award ".repeat(100))
        .build(&config())
        .unwrap();
    let parsed = MessageParser::default()
        .parse(&built.formatted())
        .unwrap()
        .into_owned();
    assert_eq!(parsed.subject().unwrap().chars().count(), MAX_SUBJECT_CHARS);
}

#[test]
fn retry_delays_double_up_to_the_cap() {
    let policy = RetryPolicy {
        max_attempts: std::num::NonZeroU32::new(10).unwrap(),
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(700),
    };
    let delays: Vec<u128> = (1..=6).map(|a| policy.delay_after(a).as_millis()).collect();
    assert_eq!(delays, [100, 200, 400, 700, 700, 700]);
    assert_eq!(policy.delay_after(u32::MAX), Duration::from_millis(700));
}

#[tokio::test]
async fn the_file_transport_writes_a_whole_eml_into_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::new(&config(), &outbox).unwrap();
    let receipt = mailer.send(&message("Ünïcödé digest")).await.unwrap();

    let emls: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(emls.len(), 1, "{emls:?}");
    assert_eq!(
        receipt.server_reply,
        format!("written to {}", emls[0].display())
    );
    // Nothing is left half-written in the staging directory.
    assert_eq!(std::fs::read_dir(outbox.join(".tmp")).unwrap().count(), 0);

    let raw = std::fs::read(&emls[0]).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("Ünïcödé digest"));
    assert_eq!(
        parsed.message_id(),
        Some(receipt.message_id.trim_matches(['<', '>']))
    );
    assert_eq!(parsed.body_html(0).unwrap().trim(), "<p>HTML body.</p>");
}

#[tokio::test]
async fn an_unwritable_outbox_is_a_transient_failure() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    let mailer = Mailer::new(&config(), &outbox).unwrap();
    // The staging directory vanishes (say, a cleanup job): the write fails, the digest waits.
    std::fs::remove_dir_all(&outbox).unwrap();
    let err = mailer.send(&message("s")).await.unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(err.reason().contains("outbox"), "{err}");
}

/// Writes an executable stand-in for sendmail that records its arguments and stdin, then
/// exits with `code` (printing `say` on stderr).
#[cfg(unix)]
fn fake_sendmail(dir: &Path, code: i32, say: &str) -> SendmailConfig {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("sendmail");
    let body = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{d}/args'\ncat > '{d}/stdin'\necho '{say}' >&2\nexit {code}\n",
        d = dir.display()
    );
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    SendmailConfig { command: script }
}

#[cfg(unix)]
fn sendmail_mailer(cfg: SendmailConfig) -> Mailer {
    let mail = MailConfig {
        transport: TransportConfig::Sendmail(cfg),
        ..config()
    };
    Mailer::new(&mail, Path::new("/nonexistent-outbox-unused")).unwrap()
}

#[cfg(unix)]
#[tokio::test]
async fn sendmail_gets_the_envelope_and_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = sendmail_mailer(fake_sendmail(dir.path(), 0, ""));
    let receipt = mailer.send(&message("via sendmail")).await.unwrap();
    assert!(
        receipt.server_reply.starts_with("accepted by "),
        "{receipt:?}"
    );
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "-i",
            "-f",
            "digest@news.example.org",
            "--",
            "ada@example.com"
        ]
    );
    let raw = std::fs::read(dir.path().join("stdin")).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some("via sendmail"));
    assert_eq!(
        parsed.message_id(),
        Some(receipt.message_id.trim_matches(['<', '>']))
    );
}

#[cfg(unix)]
#[tokio::test]
async fn sendmail_exit_codes_are_classified() {
    for (code, transient) in [(75, true), (69, true), (1, true), (67, false), (65, false)] {
        let dir = tempfile::tempdir().unwrap();
        let mailer = sendmail_mailer(fake_sendmail(dir.path(), code, "no such user here"));
        let err = mailer.send(&message("s")).await.unwrap_err();
        assert_eq!(err.is_transient(), transient, "exit {code}: {err}");
        assert!(
            err.reason().contains(&format!("exited with {code}")),
            "{err}"
        );
        assert!(err.reason().contains("no such user here"), "{err}");
    }
    // A missing program is the operator's to fix; the digest stays queued meanwhile.
    let mailer = sendmail_mailer(SendmailConfig {
        command: "/nonexistent/sendmail".into(),
    });
    let err = mailer.send(&message("s")).await.unwrap_err();
    assert!(
        err.is_transient() && err.reason().contains("cannot run"),
        "{err}"
    );
}

#[test]
fn an_smtp_mailer_outside_a_runtime_is_an_error_not_a_panic() {
    let mail = MailConfig {
        transport: TransportConfig::Smtp(crate::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            tls: crate::config::SmtpTls::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(1),
        }),
        ..config()
    };
    let err = Mailer::new(&mail, Path::new("/unused")).unwrap_err();
    assert!(err.to_string().contains("Tokio runtime"), "{err}");
}

#[tokio::test]
async fn the_mailer_never_prints_the_password() {
    let mail = MailConfig {
        transport: TransportConfig::Smtp(crate::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: 2525,
            tls: crate::config::SmtpTls::None,
            username: Some("u".into()),
            password: Some(crate::config::Secret::new("hunter2".into())),
            timeout: Duration::from_secs(1),
        }),
        ..config()
    };
    let mailer = Mailer::new(&mail, Path::new("/unused")).unwrap();
    let debug = format!("{mailer:?} {:?}", mailer.config());
    assert!(!debug.contains("hunter2"), "{debug}");
}
