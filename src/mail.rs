//! Delivery, the last stage of the pipeline (`digest` ─► **mail**): turns a rendered digest
//! ([`OutgoingMessage`]) into a MIME message with the list headers, and hands it to one of
//! lettre's transports (SMTP, sendmail, or a file outbox) through [`Mailer`].
//!
//! What this module promises the ledger: every send ends in a [`SendReceipt`] (the server
//! accepted it, with its reply) or a [`SendError`] that says whether trying again can help
//! ([`SendError::Transient`]: connection refused, timeouts, 4xx) or not
//! ([`SendError::Permanent`]: 5xx, with the server's reply). Nothing taken from a feed can
//! add a header: the subject and the display name are cleaned of line breaks and control
//! characters before lettre encodes them.

mod headers;
mod send;
mod sendmail;

use std::time::SystemTime;

use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

pub use crate::config::{ListUnsubscribe, MailConfig};
pub use send::{FailedAttempt, Mailer, RetryPolicy, SendError, SendReceipt};

/// Subjects longer than this (in characters) are cut, with an ellipsis.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Display names longer than this (in characters) are cut.
pub const MAX_NAME_CHARS: usize = 100;

/// Errors while building a message or setting up a transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MailError {
    #[error("cannot build the message to {to}: {source}")]
    Build {
        to: String,
        source: lettre::error::Error,
    },
    #[error("message id {id:?} is not of the form <left@right>")]
    MessageId { id: String },
    #[error("cannot set up the {transport} mail transport: {reason}")]
    Transport {
        transport: &'static str,
        reason: String,
    },
    #[error("cannot create the mail outbox {path}: {source}")]
    Outbox {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// One email to one recipient, as the digest renders it. Text fields may carry anything a
/// feed said; [`OutgoingMessage::build`] makes them safe for headers.
#[derive(Debug, Clone)]
pub struct OutgoingMessage {
    pub to: Mailbox,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// Overrides `mail.list_unsubscribe` (e.g. a per-subscriber URL).
    pub list_unsubscribe: Option<ListUnsubscribe>,
    /// Reuse a Message-ID recorded earlier (a resend after a crash keeps the same id, so
    /// receivers can tell it is the same message). `None` generates a new one.
    pub message_id: Option<String>,
    /// The Date header; `None` means now.
    pub date: Option<SystemTime>,
}

impl OutgoingMessage {
    pub fn new(
        to: Mailbox,
        subject: impl Into<String>,
        text_body: impl Into<String>,
        html_body: impl Into<String>,
    ) -> OutgoingMessage {
        OutgoingMessage {
            to,
            subject: subject.into(),
            text_body: text_body.into(),
            html_body: html_body.into(),
            list_unsubscribe: None,
            message_id: None,
            date: None,
        }
    }

    /// Builds the MIME message: multipart/alternative (text, then HTML) with Message-ID,
    /// Date, List-Id, List-Unsubscribe (and List-Unsubscribe-Post for an https URL).
    /// Returns the message and its Message-ID as it appears in the header (`<…@…>`).
    pub fn build(&self, cfg: &MailConfig) -> Result<(Message, String), MailError> {
        let message_id = match &self.message_id {
            Some(id) => {
                let id = id.trim();
                if !is_message_id(id) {
                    return Err(MailError::MessageId { id: id.to_string() });
                }
                id.to_string()
            }
            None => new_message_id(&cfg.from),
        };
        let to = Mailbox::new(
            self.to
                .name
                .as_deref()
                .map(|n| sanitize_header_text(n, MAX_NAME_CHARS))
                .filter(|n| !n.is_empty()),
            self.to.email.clone(),
        );
        let mut builder = Message::builder()
            .from(cfg.from.clone())
            .to(to)
            .subject(sanitize_header_text(&self.subject, MAX_SUBJECT_CHARS))
            .message_id(Some(message_id.clone()))
            .date(self.date.unwrap_or_else(SystemTime::now))
            .header(headers::ListId::new(&cfg.list_id));
        if let Some(unsub) = self
            .list_unsubscribe
            .as_ref()
            .or(cfg.list_unsubscribe.as_ref())
        {
            builder = builder.header(headers::ListUnsubscribeHeader::new(unsub.uri()));
            if unsub.is_one_click() {
                builder = builder.header(headers::ListUnsubscribePost);
            }
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(
                self.text_body.clone(),
                self.html_body.clone(),
            ))
            .map_err(|source| MailError::Build {
                to: self.to.email.to_string(),
                source,
            })?;
        Ok((message, message_id))
    }
}

/// A new Message-ID, `<random-uuid@domain-of-from>`.
pub fn new_message_id(from: &Mailbox) -> String {
    format!(
        "<{}@{}>",
        uuid::Uuid::new_v4().simple(),
        from.email.domain()
    )
}

/// `<left@right>` in printable ASCII without spaces or further brackets.
fn is_message_id(id: &str) -> bool {
    let Some(inner) = id.strip_prefix('<').and_then(|s| s.strip_suffix('>')) else {
        return false;
    };
    let Some((left, right)) = inner.split_once('@') else {
        return false;
    };
    id.len() <= 250
        && !left.is_empty()
        && !right.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>'))
}

/// Makes feed text safe for a header: line breaks and tabs become spaces, other control and
/// format characters (C0, C1, bidi overrides, zero-width) go, runs of whitespace collapse,
/// `=?` (the start of an RFC 2047 encoded word) is broken up, and the result is cut to
/// `max_chars` characters with an ellipsis.
pub fn sanitize_header_text(text: &str, max_chars: usize) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        let word: String = word.chars().filter(|c| !is_format_char(*c)).collect();
        if word.is_empty() {
            continue;
        }
        if !cleaned.is_empty() {
            cleaned.push(' ');
        }
        cleaned.push_str(&word);
    }
    // Plain ASCII passes lettre's encoder unchanged, so a literal `=?charset?b?…?=` from a
    // feed would be decoded by the reader's client into text we never checked. Break it.
    if cleaned.contains("=?") {
        cleaned = cleaned.replace("=?", "= ?");
    }
    if cleaned.chars().count() <= max_chars {
        return cleaned;
    }
    let cut: String = cleaned.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Unicode "Cf" characters that matter in headers: bidi controls, zero-width characters,
/// the BOM, and the line/paragraph separators some clients treat as breaks.
fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

#[cfg(test)]
mod tests;
