//! `govwatch digest preview|send|log`: what a subscriber would get now, sending what is due,
//! and the ledger of what was sent to whom (the audit trail).

use crate::unsubscribe::Links;
use anyhow::Context;
use chrono::{SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::digest::deliver::{self, Delivery};
use crate::mail::Mailer;
use crate::store::{DigestRecord, Store};
use crate::subscriptions::{Subscription, email_key};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the digest EMAIL would get now, without sending it or advancing anything.
    Preview {
        email: String,
        /// Also write the HTML part to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<std::path::PathBuf>,
        /// Run the subscription over history instead of its next window: items first stored
        /// since WHEN (a date, a timestamp or an age like 30d). A dry run: nothing is sent.
        #[arg(long, value_name = "WHEN")]
        since: Option<String>,
    },
    /// Send the digests that are due (all subscribers', or one's).
    Send {
        /// Only this subscriber.
        #[arg(long = "to", value_name = "EMAIL")]
        to: Option<String>,
        /// Ignore the schedule (and pending retry times).
        #[arg(long)]
        force: bool,
        /// One JSON object per subscriber.
        #[arg(long)]
        json: bool,
    },
    /// What was sent to whom, when, which items, and the server's reply; newest first.
    Log {
        #[arg(long = "to", value_name = "EMAIL")]
        to: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Preview { email, html, since } => {
            preview(settings, &email, html.as_deref(), since.as_deref())
        }
        Command::Send { to, force, json } => send(settings, to.as_deref(), force, json),
        Command::Log { to, limit, json } => log(settings, to.as_deref(), limit, json),
    }
}

fn find(store: &Store, email: &str) -> anyhow::Result<Subscription> {
    store.subscription(email)?.ok_or_else(|| {
        super::UsageError {
            message: format!("no subscription for {email} (see `govwatch subscribers list`)"),
        }
        .into()
    })
}

fn preview(
    settings: &Settings,
    email: &str,
    html: Option<&std::path::Path>,
    since: Option<&str>,
) -> anyhow::Result<()> {
    let store = Store::open_read_only(&settings.data_dir)?;
    let mut sub = find(&store, email)?;
    if let Some(since) = since {
        let start = super::dates::parse_when(since, super::dates::DayEnd::Start, Utc::now())
            .map_err(|message| super::UsageError {
                message: format!("--since: {message}"),
            })?;
        // The window starts where a delivered digest would have ended: at `start`.
        sub.last_window_end = Some(start);
    }
    let links = Links::from_settings(settings)?;
    let unsubscribe = deliver::Unsubscribe {
        links: links.as_ref(),
        fixed: settings.mail.list_unsubscribe.as_ref(),
    };
    let digest = deliver::preview(&store, &settings.topics, &sub, unsubscribe, Utc::now())?;
    println!("Subject: {}\n", digest.subject);
    print!("{}", digest.text);
    if let Some(path) = html {
        std::fs::write(path, &digest.html)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("HTML part written to {}", path.display());
    }
    Ok(())
}

#[derive(Serialize)]
struct SendLine<'a> {
    email: &'a str,
    #[serde(flatten)]
    delivery: &'a Delivery,
}

fn send(settings: &Settings, to: Option<&str>, force: bool, json: bool) -> anyhow::Result<()> {
    let mut store = Store::open(&settings.data_dir)?;
    let subs = match to {
        Some(email) => vec![find(&store, email)?],
        None => store.subscriptions()?,
    };
    let runtime = super::runtime()?;
    // The SMTP connection pool lives on the runtime: the mailer is built, used and dropped
    // (it is declared after the guard) inside the runtime's context.
    let _entered = runtime.enter();
    let mailer = Mailer::from_settings(settings).context("cannot set up mail delivery")?;
    let links = Links::from_settings(settings)?;
    let results = runtime.block_on(deliver::deliver_due(
        &mut store,
        &settings.topics,
        &mailer,
        &subs,
        links.as_ref(),
        force,
        Utc::now(),
        &mut |_, _| std::ops::ControlFlow::Continue(()),
    ))?;
    for (email, delivery) in &results {
        if json {
            super::print_json_line(&SendLine { email, delivery })?;
            continue;
        }
        let what = match delivery {
            Delivery::Sent {
                items,
                message_id,
                reply,
                ..
            } => {
                format!("sent {items} items {message_id} ({reply})")
            }
            Delivery::NothingNew => "nothing new".to_string(),
            Delivery::NotDue { next: Some(t) } => {
                format!(
                    "not due until {}",
                    t.to_rfc3339_opts(SecondsFormat::Secs, true)
                )
            }
            Delivery::NotDue { next: None } => "not due".to_string(),
            Delivery::Paused => "paused".to_string(),
            Delivery::Busy => "skipped: another govwatch process is sending it".to_string(),
            Delivery::Queued {
                reason, retry_at, ..
            } => format!(
                "queued, retry after {}: {reason}",
                retry_at.to_rfc3339_opts(SecondsFormat::Secs, true)
            ),
            Delivery::Failed { reason, .. } => format!("failed: {reason}"),
        };
        println!("{email}  {what}");
    }
    Ok(())
}

fn log(settings: &Settings, to: Option<&str>, limit: usize, json: bool) -> anyhow::Result<()> {
    if !settings.data_dir.join(crate::store::DATABASE_FILE).exists() {
        return Ok(());
    }
    let store = Store::open_read_only(&settings.data_dir)?;
    let key = to.map(email_key);
    let records: Vec<DigestRecord> = store.digest_log(key.as_deref(), limit)?;
    for r in &records {
        if json {
            super::print_json_line(r)?;
            continue;
        }
        let when = r
            .sent_at
            .unwrap_or(r.created_at)
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        let status = match r.status {
            crate::store::DigestStatus::Pending => "pending",
            crate::store::DigestStatus::Sent => "sent",
            crate::store::DigestStatus::Failed => "failed",
        };
        println!(
            "{when}  {status:<7}  {}  {} items  {}  {}",
            r.recipient,
            r.item_ids.len(),
            r.message_id,
            r.reply.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
