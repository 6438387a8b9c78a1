//! Sending digests through the ledger, in the one order that never loses a digest:
//! record it (pending, with its Message-ID and bodies) → hand it to the mail transport →
//! mark it sent, which advances the subscription's window in the same transaction.
//!
//! A transient failure (connection refused, 4xx) leaves it pending with a retry time; a
//! permanent one (5xx) marks it failed with the server's reply, and its items go into the next
//! digest. If the process dies after the server accepted a message but before the ledger says
//! so, the digest is still pending and the next run sends it again, with the same Message-ID:
//! this design errs towards a possible duplicate (which receivers can recognise by its
//! Message-ID) and never towards a lost digest.

use std::ops::ControlFlow;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use serde::Serialize;

use super::render::{ClosingItem, DigestInput, DigestItem, RenderedDigest, render};
use super::select::{SelectError, Selector, select};
use crate::mail::{
    ListUnsubscribe, Mailer, OutgoingMessage, RetryPolicy, SendError, new_message_id,
};
use crate::store::{DigestRecord, NewDigest, Store, StoreError};
use crate::subscriptions::Subscription;
use crate::topics::Topics;
use crate::unsubscribe::Links;

/// The first wait before a digest that failed transiently is tried again; it doubles with
/// each failed attempt, up to `MAX_RETRY_WAIT`.
const FIRST_RETRY_WAIT: chrono::Duration = chrono::Duration::minutes(5);
const MAX_RETRY_WAIT: chrono::Duration = chrono::Duration::hours(6);

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliverError {
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("subscription {email}: {message}")]
    Address { email: String, message: String },
}

/// What happened to one subscription's digest.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Delivery {
    /// Accepted by the server (or written to the outbox).
    Sent {
        digest_id: i64,
        items: usize,
        message_id: String,
        reply: String,
    },
    /// Nothing new, no mail (the window advanced).
    NothingNew,
    /// Not due yet, or an earlier digest still waits for its retry time.
    NotDue { next: Option<DateTime<Utc>> },
    /// The subscription is paused (`subscribers resume` starts it again; nothing is lost).
    Paused,
    /// Another govwatch process (the daemon, or `digest send` beside it) is delivering this
    /// window; nothing was recorded or sent here.
    Busy,
    /// Failed for now; stays queued.
    Queued {
        digest_id: i64,
        reason: String,
        retry_at: DateTime<Utc>,
    },
    /// Refused for good; recorded with the server's reply.
    Failed { digest_id: i64, reason: String },
}

/// A subscription and when its digest is next due.
pub type DueAt = (Subscription, Option<DateTime<Utc>>);

/// When each active (not paused) subscription's digest is next due: a pending digest's retry
/// time (`now` when it has none), else the schedule's next time after the last delivered
/// window; `None` when the schedule never fires again. The one rule the daemon and
/// `govwatch status` share.
pub fn due_times(store: &Store, now: DateTime<Utc>) -> Result<Vec<DueAt>, StoreError> {
    let retries: std::collections::HashMap<i64, Option<DateTime<Utc>>> =
        store.pending_retries()?.into_iter().collect();
    Ok(store
        .subscriptions()?
        .into_iter()
        .filter(|s| !s.paused)
        .map(|s| {
            let due = match retries.get(&s.id) {
                Some(retry) => Some(retry.unwrap_or(now)),
                None => s.next_due(),
            };
            (s, due)
        })
        .collect())
}

/// A digest as it would be sent now, without recording or sending anything.
pub fn preview(
    store: &Store,
    topics: &Topics,
    sub: &Subscription,
    unsubscribe: Unsubscribe<'_>,
    now: DateTime<Utc>,
) -> Result<RenderedDigest, DeliverError> {
    let unsubscribe = unsubscribe.for_subscription(sub.id, now);
    let selection = select(store, topics, std::slice::from_ref(sub), now)?
        .pop()
        .ok_or_else(|| DeliverError::Address {
            email: sub.email.clone(),
            message: "no selection was made".to_string(),
        })?;
    let mut items = selection.items;
    let closing_soon = context(store, sub, &mut items, selection.window_start, now)?;
    Ok(render(&DigestInput {
        subscriber_name: sub.name.as_deref(),
        window_start: Some(selection.window_start),
        window_end: selection.window_end,
        topic_order: &sub.topics,
        items,
        counted: selection.counted,
        unsubscribe: unsubscribe.as_ref().map(ListUnsubscribe::uri),
        closing_soon,
    }))
}

/// How a digest's reader unsubscribes: a signed link of their own (`[server] public_url`),
/// else the one `mail.list_unsubscribe` address or URL for everybody, else no way shown.
#[derive(Debug, Clone, Copy)]
pub struct Unsubscribe<'a> {
    pub links: Option<&'a Links>,
    pub fixed: Option<&'a ListUnsubscribe>,
}

impl Unsubscribe<'_> {
    /// For the List-Unsubscribe header and the footer alike.
    pub fn for_subscription(&self, id: i64, now: DateTime<Utc>) -> Option<ListUnsubscribe> {
        match self.links {
            // One-click: the mail provider POSTs to it (RFC 8058).
            Some(links) => Some(ListUnsubscribe::Https(links.link(id, now))),
            None => self.fixed.cloned(),
        }
    }
}

/// Delivers what is due for each of `subs` (everything, with `force`): first any digest
/// still pending from an earlier run (same Message-ID, same content), then a new one.
/// `on_each` sees each outcome as it happens (for logs and metrics); when it breaks, the run
/// stops there (what was sent is recorded; the rest waits for the next run).
#[allow(clippy::too_many_arguments)] // the run's inputs, each from a different owner
pub async fn deliver_due(
    store: &mut Store,
    topics: &Topics,
    mailer: &Mailer,
    subs: &[Subscription],
    links: Option<&Links>,
    force: bool,
    now: DateTime<Utc>,
    on_each: &mut dyn FnMut(&str, &Delivery) -> ControlFlow<()>,
) -> Result<Vec<(String, Delivery)>, DeliverError> {
    let unsubscribe = Unsubscribe {
        links,
        fixed: mailer.config().list_unsubscribe.as_ref(),
    };
    let mut out = Vec::with_capacity(subs.len());
    let mut fresh = Vec::new();
    for sub in subs {
        let delivery = if sub.paused {
            Delivery::Paused
        } else if let Some(pending) = store.pending_digest(sub.id)? {
            let due = force || pending.next_attempt_at.is_none_or(|t| t <= now);
            if due {
                send(store, mailer, unsubscribe, sub, &pending, now).await?
            } else {
                Delivery::NotDue {
                    next: pending.next_attempt_at,
                }
            }
        } else if force || sub.is_due(now) {
            fresh.push(sub.clone());
            continue;
        } else {
            Delivery::NotDue {
                next: sub.next_due(),
            }
        };
        if emit(&mut out, on_each, &sub.email, delivery).is_break() {
            return Ok(out);
        }
    }
    let mut selector = Selector::new(store, topics, &fresh, now)?;
    for sub in &fresh {
        let selection = selector.select(sub)?;
        if let Some(error) = &selection.query_error {
            tracing::warn!(email = %sub.email, %error, "subscription query skipped");
        }
        let mut items = selection.items;
        let closing_soon = context(store, sub, &mut items, selection.window_start, now)?;
        let unsubscribe_here = unsubscribe.for_subscription(sub.id, now);
        let digest = render(&DigestInput {
            subscriber_name: sub.name.as_deref(),
            window_start: Some(selection.window_start),
            window_end: selection.window_end,
            topic_order: &sub.topics,
            items,
            counted: selection.counted,
            unsubscribe: unsubscribe_here.as_ref().map(ListUnsubscribe::uri),
            closing_soon,
        });
        if digest.item_ids.is_empty() && !mailer.config().send_empty {
            store.set_last_window_end(sub.id, selection.window_end)?;
            if emit(&mut out, on_each, &sub.email, Delivery::NothingNew).is_break() {
                return Ok(out);
            }
            continue;
        }
        let message_id = new_message_id(&mailer.config().from);
        let recorded = store.record_digest(&NewDigest {
            subscription_id: sub.id,
            recipient: &sub.email,
            window_start: Some(selection.window_start),
            window_end: selection.window_end,
            item_ids: &digest.item_ids,
            subject: &digest.subject,
            message_id: &message_id,
            text_body: &digest.text,
            html_body: &digest.html,
        })?;
        let Some(record) = recorded else {
            if emit(&mut out, on_each, &sub.email, Delivery::Busy).is_break() {
                return Ok(out);
            }
            continue;
        };
        let delivery = send(store, mailer, unsubscribe, sub, &record, now).await?;
        if emit(&mut out, on_each, &sub.email, delivery).is_break() {
            return Ok(out);
        }
    }
    Ok(out)
}

/// How far ahead the "closing soon" section looks, and how many items it lists at most.
const CLOSING_SOON_DAYS: i64 = 7;
const MAX_CLOSING_SOON: usize = 10;

/// What a digest says around its new items, from the subscriber's history: which items
/// update a thread the subscriber already received (marked in `items`), and the items of
/// the subscription's topics whose deadline falls in the next week.
pub fn context(
    store: &Store,
    sub: &Subscription,
    items: &mut [DigestItem],
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<ClosingItem>, DeliverError> {
    for item in items.iter_mut().filter(|i| i.in_thread) {
        if let Some(earlier) = store.thread_received(sub.id, &item.item_id, window_start)? {
            item.update_of = Some(earlier.title.into());
        }
    }
    let today = now.date_naive();
    let closing = store.closing_soon(
        &sub.topics,
        today,
        today + chrono::TimeDelta::days(CLOSING_SOON_DAYS),
        MAX_CLOSING_SOON,
    )?;
    Ok(closing
        .into_iter()
        .map(|c| ClosingItem {
            title: c.title,
            url: c.url,
            feed_title: c.feed_title,
            deadline: c.deadline,
        })
        .collect())
}

fn emit(
    out: &mut Vec<(String, Delivery)>,
    on_each: &mut dyn FnMut(&str, &Delivery) -> ControlFlow<()>,
    email: &str,
    delivery: Delivery,
) -> ControlFlow<()> {
    let flow = on_each(email, &delivery);
    out.push((email.to_owned(), delivery));
    flow
}

/// One attempt (with a few quick retries for a blip) at a recorded digest, and its outcome
/// written to the ledger.
async fn send(
    store: &mut Store,
    mailer: &Mailer,
    unsubscribe: Unsubscribe<'_>,
    sub: &Subscription,
    record: &DigestRecord,
    now: DateTime<Utc>,
) -> Result<Delivery, DeliverError> {
    let address = sub
        .email
        .parse()
        .map_err(|e: lettre::address::AddressError| DeliverError::Address {
            email: sub.email.clone(),
            message: e.to_string(),
        })?;
    let mut message = OutgoingMessage::new(
        Mailbox::new(sub.name.clone(), address),
        record.subject.clone(),
        record.text_body.clone(),
        record.html_body.clone(),
    );
    message.message_id = Some(record.message_id.clone());
    // A retry gets a fresh link: the one in the recorded body stays valid too.
    message.list_unsubscribe = unsubscribe.for_subscription(sub.id, now);
    let quick = RetryPolicy {
        // A literal, non-zero.
        max_attempts: std::num::NonZeroU32::new(2).expect("non-zero"),
        base_delay: std::time::Duration::from_secs(1),
        max_delay: std::time::Duration::from_secs(1),
    };
    match mailer.send_with_retry(&message, quick).await {
        Ok(receipt) => {
            crate::failpoint::hit("after-send-before-ledger");
            store.mark_digest_sent(record.id, &receipt.server_reply, Utc::now())?;
            Ok(Delivery::Sent {
                digest_id: record.id,
                items: record.item_ids.len(),
                message_id: receipt.message_id,
                reply: receipt.server_reply,
            })
        }
        Err(SendError::Transient { reason }) => {
            let retry_at = now + retry_wait(record.attempts);
            store.mark_digest_attempt_failed(record.id, &reason, Utc::now(), Some(retry_at))?;
            Ok(Delivery::Queued {
                digest_id: record.id,
                reason,
                retry_at,
            })
        }
        Err(e) => {
            let reason = e.to_string();
            store.mark_digest_attempt_failed(record.id, &reason, Utc::now(), None)?;
            Ok(Delivery::Failed {
                digest_id: record.id,
                reason,
            })
        }
    }
}

/// Backoff after `attempts` earlier failed attempts.
fn retry_wait(attempts: u32) -> chrono::Duration {
    let factor = 1i32 << attempts.min(10);
    (FIRST_RETRY_WAIT * factor).min(MAX_RETRY_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_waits_double_up_to_a_cap() {
        assert_eq!(retry_wait(0), chrono::Duration::minutes(5));
        assert_eq!(retry_wait(1), chrono::Duration::minutes(10));
        assert_eq!(retry_wait(3), chrono::Duration::minutes(40));
        assert_eq!(retry_wait(30), MAX_RETRY_WAIT);
    }
}
