//! `govwatch subscribers add|list|remove|pause|resume|log`: manage who gets which digest.
//! Validation lives in [`crate::subscriptions`]; this file maps its refusals to exit code 2
//! and prints. `list` opens the store read-only, so it works while the daemon runs.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::config::Settings;
use crate::store::{Store, StoreError};
use crate::subscriptions::{NewSubscription, Subscription, SubscriptionInput, parse_email};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Subscribe an address to topics and/or a query.
    Add {
        /// The subscriber's address: a bare address such as ann@agency.gov.
        email: String,
        /// The subscriber's name, used in greetings.
        #[arg(long)]
        name: Option<String>,
        /// A topic to follow (repeat for several).
        #[arg(long = "topic", value_name = "TOPIC")]
        topics: Vec<String>,
        /// The subscriber's own query, in `govwatch search` syntax.
        #[arg(long)]
        query: Option<String>,
        /// hourly, daily (07:00), weekly (Monday 07:00), a crontab expression
        /// ("0 7 * * 1-5") or a 6/7-field one with seconds first. Default: daily.
        #[arg(long)]
        schedule: Option<String>,
        /// IANA time zone the schedule is read in, such as America/New_York. Default: UTC.
        #[arg(long, value_name = "ZONE")]
        tz: Option<String>,
    },
    /// Every subscription, with when its next digest is due.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Delete a subscription.
    Remove { email: String },
    /// Stop sending digests to an address, keeping its subscription and window.
    Pause { email: String },
    /// Start sending digests again; nothing that arrived while paused is lost.
    Resume { email: String },
    /// Who unsubscribed, when and how (`one-click`, `page`, `cli`), newest first.
    Log {
        /// Only this address's departures.
        #[arg(long = "email", value_name = "EMAIL")]
        email: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

/// One subscription as `subscribers list --json` prints it; field names are an interface.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    subscription: &'a Subscription,
    /// When the next digest is scheduled; null if the schedule never fires again.
    next_due: Option<String>,
}

pub fn run(settings: &Settings, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Add {
            email,
            name,
            topics,
            query,
            schedule,
            tz,
        } => add(
            settings,
            SubscriptionInput {
                email,
                name,
                topics,
                query,
                schedule,
                tz,
            },
        ),
        Command::List { json } => list(settings, json),
        Command::Remove { email } => remove(settings, &email),
        Command::Pause { email } => set_paused(settings, &email, true),
        Command::Resume { email } => set_paused(settings, &email, false),
        Command::Log { email, limit, json } => log(settings, email.as_deref(), limit, json),
    }
}

fn log(settings: &Settings, email: Option<&str>, limit: usize, json: bool) -> anyhow::Result<()> {
    let departures = match super::status::open_store(settings)? {
        Some(store) => store.unsubscribe_log(email, limit)?,
        None => Vec::new(),
    };
    for d in &departures {
        if json {
            super::print_json_line(d)?;
        } else {
            println!(
                "{}  {:<9}  {}",
                d.at.to_rfc3339_opts(SecondsFormat::Secs, true),
                d.via,
                d.email
            );
        }
    }
    Ok(())
}

fn usage(message: impl ToString) -> anyhow::Error {
    super::UsageError {
        message: message.to_string(),
    }
    .into()
}

fn add(settings: &Settings, input: SubscriptionInput) -> anyhow::Result<()> {
    let known: Vec<&str> = settings.topics.iter().map(|t| t.name.as_str()).collect();
    let new = NewSubscription::parse(&input, &known).map_err(usage)?;
    let mut store = Store::open(&settings.data_dir)?;
    let added = match store.add_subscription(&new) {
        Ok(s) => s,
        Err(e @ StoreError::DuplicateSubscription { .. }) => return Err(usage(e)),
        Err(e) => return Err(e.into()),
    };
    println!(
        "subscribed {}: {}; {} ({}); next digest {}",
        added.email,
        matches(&added),
        added.schedule,
        added.tz.name(),
        when(added.next_due()).unwrap_or_else(|| "never".to_owned()),
    );
    Ok(())
}

fn list(settings: &Settings, json: bool) -> anyhow::Result<()> {
    let subscriptions = match super::status::open_store(settings)? {
        Some(store) => store.subscriptions()?,
        None => Vec::new(),
    };
    if json {
        for s in &subscriptions {
            super::print_json_line(&Row {
                subscription: s,
                next_due: when(s.next_due()),
            })?;
        }
        return Ok(());
    }
    if subscriptions.is_empty() {
        println!("no subscribers (add one with `govwatch subscribers add EMAIL --topic TOPIC`)");
        return Ok(());
    }
    let width = subscriptions
        .iter()
        .map(|s| s.email.chars().count())
        .max()
        .unwrap_or(0);
    for s in &subscriptions {
        let next = if s.paused {
            "paused".to_owned()
        } else {
            format!(
                "next {}",
                when(s.next_due()).unwrap_or_else(|| "never".to_owned())
            )
        };
        println!(
            "{:<width$}  {:<12}  {:<20}  {}  {}",
            s.email,
            s.schedule.to_string(),
            s.tz.name(),
            next,
            matches(s),
        );
    }
    Ok(())
}

fn remove(settings: &Settings, email: &str) -> anyhow::Result<()> {
    let address = parse_email(email).map_err(usage)?;
    let mut store = Store::open(&settings.data_dir)?;
    let email = stored_email(&store, &address)?;
    if !store.remove_subscription(&email)? {
        return Err(usage(format!("{address} is not subscribed")));
    }
    println!("removed {email}");
    Ok(())
}

fn set_paused(settings: &Settings, email: &str, paused: bool) -> anyhow::Result<()> {
    let address = parse_email(email).map_err(usage)?;
    let mut store = Store::open(&settings.data_dir)?;
    let email = stored_email(&store, &address)?;
    if !store.set_paused(&email, paused)? {
        return Err(usage(format!("{address} is not subscribed")));
    }
    println!("{} {email}", if paused { "paused" } else { "resumed" });
    Ok(())
}

/// The address as it was subscribed (the lookup ignores case, the output should not).
fn stored_email(store: &Store, address: &lettre::Address) -> anyhow::Result<String> {
    match store.subscription(address.as_ref())? {
        Some(s) => Ok(s.email),
        None => Err(usage(format!("{address} is not subscribed"))),
    }
}

/// What a subscription follows, for humans: `topics contracts, hearings; query "…"`.
fn matches(s: &Subscription) -> String {
    let mut parts = Vec::new();
    if !s.topics.is_empty() {
        parts.push(format!("topics {}", s.topics.join(", ")));
    }
    if let Some(query) = &s.query {
        parts.push(format!("query {query:?}"));
    }
    parts.join("; ")
}

fn when(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}
