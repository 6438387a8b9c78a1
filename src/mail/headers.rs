//! The mailing-list headers lettre does not have: `List-Id` (RFC 2919), `List-Unsubscribe`
//! (RFC 2369) and `List-Unsubscribe-Post` (RFC 8058). Their values come from validated
//! config ([`crate::config::MailConfig`]), and still go through lettre's encoder
//! ([`HeaderValue::new`]), never the pre-encoded path.

use lettre::message::header::{Header, HeaderName, HeaderValue};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The value inside a header's `<…>`.
fn unbracket(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

/// `List-Id: <list-label.domain>`.
#[derive(Debug, Clone)]
pub(super) struct ListId(String);

impl ListId {
    pub(super) fn new(id: &str) -> ListId {
        ListId(id.to_string())
    }
}

impl Header for ListId {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Id")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(ListId(unbracket(s)))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe: <mailto:…>` or `<https://…>`.
#[derive(Debug, Clone)]
pub(super) struct ListUnsubscribeHeader(String);

impl ListUnsubscribeHeader {
    pub(super) fn new(uri: &str) -> ListUnsubscribeHeader {
        ListUnsubscribeHeader(uri.to_string())
    }
}

impl Header for ListUnsubscribeHeader {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        Ok(ListUnsubscribeHeader(unbracket(s)))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, only next to an https URL.
#[derive(Debug, Clone)]
pub(super) struct ListUnsubscribePost;

const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, BoxError> {
        if s.trim() == ONE_CLICK {
            Ok(ListUnsubscribePost)
        } else {
            Err(format!("unexpected List-Unsubscribe-Post value {s:?}").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_string())
    }
}
