//! `govwatch completions bash|zsh|fish`: the shell completion script, generated from the same
//! clap definitions that parse the command line, so it cannot fall behind them. The Debian
//! package ships the output of this command (packaging/build-deb.sh).

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;
use clap_complete::Shell;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: CompletionShell,
}

/// The shells the package ships completions for (a subset of what clap_complete knows: each
/// one here is syntax-checked by tests/packaging.rs).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

impl From<CompletionShell> for Shell {
    fn from(shell: CompletionShell) -> Shell {
        match shell {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
        }
    }
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let mut script = Vec::new();
    let mut command = super::Cli::command();
    clap_complete::generate(
        Shell::from(args.shell),
        &mut command,
        "govwatch",
        &mut script,
    );
    // Written in one piece so that a closed pipe (`| head`) is an error value, not a panic
    // inside the generator.
    std::io::stdout()
        .lock()
        .write_all(&script)
        .context("cannot write the completion script to stdout")
}
