//! `govwatch poll [--feed ID]... [--json]`: fetch feeds once, store, index, report per feed.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Settings;
use crate::fetch::Fetcher;
use crate::index::Index;
use crate::poll::{FeedReport, Outcome, PollError};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Poll only this feed (repeatable).
    #[arg(long = "feed", value_name = "ID")]
    feeds: Vec<String>,
    /// Print one JSON object per feed instead of aligned lines.
    #[arg(long)]
    json: bool,
}

pub fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    let feeds = crate::feeds::load_dir(&settings.feeds_dir)?;
    let selected = match crate::poll::select(&feeds, &args.feeds) {
        Ok(s) => s,
        Err(e @ PollError::UnknownFeed(_)) => {
            return Err(super::UsageError {
                message: e.to_string(),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    let mut store = Store::open(&settings.data_dir)?;
    let mut index = Index::open_writable(&settings.index_dir())?;
    crate::pipeline::reconcile(&store, &mut index)?;
    if crate::pipeline::topics_stale(&mut store, &settings.topics)? {
        eprintln!(
            "govwatch: note: the topics changed since the stored items were tagged; new items get \
             the new topics, and `govwatch reindex` re-tags the others"
        );
    }
    store.sync_feeds(&feeds)?;
    let fetcher = Arc::new(Fetcher::new(&settings.fetch).context("cannot build the HTTP client")?);
    let runtime = super::runtime()?;

    let bar = progress_bar(selected.len() as u64);
    let width = selected.iter().map(|f| f.id.len()).max().unwrap_or(0);
    let json = args.json;
    let report = crate::poll::poll(
        runtime.handle(),
        fetcher,
        &mut store,
        &mut index,
        &settings.topics,
        &settings.extractor,
        &settings.poll,
        &selected,
        |feed| {
            bar.suspend(|| print_feed(feed, width, json));
            bar.inc(1);
        },
    )?;
    bar.finish_and_clear();

    let (mut ok, mut unchanged, mut deferred, mut failed, mut new, mut updated) =
        (0, 0, 0, 0, 0, 0);
    for f in &report.feeds {
        match f.outcome {
            Outcome::Fetched { .. } => ok += 1,
            Outcome::NotModified { .. } => unchanged += 1,
            Outcome::Deferred { .. } => deferred += 1,
            Outcome::Failed { .. } => failed += 1,
        }
        new += f.new;
        updated += f.updated;
    }
    eprintln!(
        "polled {} feeds: {ok} fetched, {unchanged} not modified, {deferred} deferred, {failed} failed; {new} new, {updated} updated, {} indexed",
        report.feeds.len(),
        report.indexed
    );
    Ok(())
}

fn progress_bar(len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    // The template is a constant known to be valid; fall back to the default style otherwise.
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} feeds {elapsed}") {
        bar.set_style(style);
    }
    bar
}

fn print_feed(feed: &FeedReport, width: usize, json: bool) {
    if json {
        // FeedReport holds only strings, numbers and dates: it always serializes.
        if let Ok(line) = serde_json::to_string(feed) {
            println!("{line}");
        }
        return;
    }
    let outcome = match &feed.outcome {
        Outcome::Fetched { status } | Outcome::NotModified { status } => status.to_string(),
        Outcome::Deferred { until } => format!("deferred until {}", until.to_rfc3339()),
        Outcome::Failed {
            status: Some(s),
            kind,
        } => format!("{s} {kind}"),
        Outcome::Failed { status: None, kind } => kind.clone(),
    };
    let mut line = format!(
        "{:width$}  {:<16}  new {:<5} updated {:<5}",
        feed.feed, outcome, feed.new, feed.updated
    );
    if let Some(error) = &feed.error {
        line.push_str("  error: ");
        line.push_str(error);
    } else if !feed.problems.is_empty() {
        line.push_str("  repaired: ");
        line.push_str(&feed.problems.join("; "));
    }
    println!("{}", line.trim_end());
}
