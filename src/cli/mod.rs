//! The command line: clap definitions and dispatch. Each command is a verb in its own file;
//! human output by default, `--json` for scripts. Errors print their whole chain.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Overrides, Settings};

mod completions;
mod dates;
mod digest;
mod eval;
mod feeds;
mod man;
mod parse;
mod poll;
mod reindex;
mod run;
mod search;
mod status;
mod subscribers;
mod topics;

/// Exit codes scripts can rely on.
pub const EXIT_OK: u8 = 0;
/// The command could not run (bad config, unusable data dir, store or index failure).
pub const EXIT_FAILURE: u8 = 1;
/// Bad usage: invalid arguments or an invalid search query.
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "govwatch",
    version,
    about = "Watch public feeds for government-AI policy events, index them, search them"
)]
pub struct Cli {
    /// Config file (TOML). Without one, defaults apply.
    #[arg(long, global = true, env = "GOVWATCH_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (SQLite store and search index); overrides the config file.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Directory of feed lists (*.toml); overrides the config file.
    #[arg(long, global = true, value_name = "DIR")]
    feeds_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: poll feeds on their schedules, send digests on theirs, serve
    /// /healthz and /metrics. Stops on SIGTERM/SIGINT; reloads on SIGHUP or when the config or
    /// feed lists change.
    Run(run::Args),
    /// Fetch all (or the named) feeds once, store and index new items.
    Poll(poll::Args),
    /// Search the index.
    Search(search::Args),
    /// Run one document (file or URL) through decode/parse/normalize and print what it yields.
    Parse(parse::Args),
    /// Feed lists and feed health.
    Feeds {
        #[command(subcommand)]
        command: feeds::Command,
    },
    /// Counts and the time of the last poll.
    Status(status::Args),
    /// Rebuild the search index from the store.
    Reindex,
    /// Precision, recall and F1 of topics, document kinds and extraction, and cluster
    /// purity, on a labelled set (tests/eval/items.toml).
    Eval(eval::Args),
    /// Digest subscribers: add, list, remove, pause, resume.
    Subscribers {
        #[command(subcommand)]
        command: subscribers::Command,
    },
    /// Topic digests: preview, send what is due, and the delivery log.
    Digest {
        #[command(subcommand)]
        command: digest::Command,
    },
    /// Topics items are tagged with at ingest.
    Topics {
        #[command(subcommand)]
        command: topics::Command,
    },
    /// Print the shell completion script for bash, zsh or fish.
    Completions(completions::Args),
    /// Print the manual page (roff), or write one per subcommand into a directory.
    Man(man::Args),
}

/// A failure that maps to a specific exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    pub message: String,
}

pub fn main() -> ExitCode {
    crate::heap::limit_arenas();
    crate::perms::restrict_umask();
    crate::parse::quiet_contained_panics();
    let cli = Cli::parse();
    match &cli.command {
        // The daemon logs what it does; a command's output is its result, so it logs only
        // warnings.
        Command::Run(args) => init_tracing(args.log_format, "info"),
        _ => init_tracing(run::LogFormat::Auto, "warn"),
    }
    match run(cli) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(err) => {
            eprintln!("govwatch: error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            let usage = err.downcast_ref::<UsageError>().is_some()
                || matches!(
                    err.downcast_ref::<crate::index::IndexError>(),
                    Some(crate::index::IndexError::Query { .. })
                );
            ExitCode::from(if usage { EXIT_USAGE } else { EXIT_FAILURE })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let overrides = Overrides {
        data_dir: cli.data_dir,
        feeds_dir: cli.feeds_dir,
    };
    let load = || Settings::load(cli.config.as_deref(), &overrides);
    match cli.command {
        Command::Run(_) => {
            let settings = load()?;
            run::run(
                settings,
                crate::daemon::Origin {
                    config: cli.config,
                    overrides,
                },
            )
        }
        Command::Poll(args) => poll::run(&load()?, args),
        Command::Search(args) => search::run(&load()?, args),
        Command::Parse(args) => parse::run(&load()?, args),
        Command::Feeds { command } => feeds::run(&load()?, command),
        Command::Status(args) => status::run(&load()?, args),
        Command::Reindex => reindex::run(&load()?),
        Command::Eval(args) => eval::run(&load()?, args),
        Command::Subscribers { command } => subscribers::run(&load()?, command),
        Command::Topics { command } => topics::run(&load()?, command),
        Command::Digest { command } => digest::run(&load()?, command),
        // Generated from the command-line definitions alone: no config is loaded, so a broken
        // or absent config file cannot stop them (packaging runs them on a build machine).
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    }
}

/// Logs go to stderr, filtered by `GOVWATCH_LOG` (e.g. `debug`, `govwatch=trace`), else at
/// `default_level`. Under journald (`JOURNAL_STREAM` set) lines carry no timestamp or colour:
/// the journal adds its own.
fn init_tracing(format: run::LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GOVWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let tty = std::io::stderr().is_terminal();
    let journald = std::env::var_os("JOURNAL_STREAM").is_some();
    match format {
        run::LogFormat::Json => builder.json().init(),
        run::LogFormat::Auto if journald && !tty => builder.with_ansi(false).without_time().init(),
        run::LogFormat::Auto | run::LogFormat::Text => builder.with_ansi(tty).init(),
    }
}

/// Builds the runtime the network commands use.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Prints one JSON value per line.
fn print_json_line<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string(value)?);
    Ok(())
}
