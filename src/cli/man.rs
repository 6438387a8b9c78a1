//! `govwatch man [--dir DIR]`: manual pages in roff, generated from the clap definitions (the
//! same text as `--help`). Without `--dir`, `govwatch.1` goes to stdout (`govwatch man | man
//! -l -`); with it, `govwatch.1` and one page per subcommand (`govwatch-feeds-add.1`, …) are
//! written there, which is what the Debian package ships.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::CommandFactory;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write govwatch.1 and a page for every subcommand into DIR (created if missing) instead
    /// of govwatch.1 to stdout.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The command tree the pages describe. `help` is clap's own subcommand: its text is in
/// every page already, so it gets no page or SUBCOMMANDS entry of its own.
fn command() -> clap::Command {
    super::Cli::command().disable_help_subcommand(true)
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command(), dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut page)
                .context("cannot render the manual page")?;
            std::io::stdout()
                .lock()
                .write_all(&page)
                .context("cannot write the manual page to stdout")
        }
    }
}
