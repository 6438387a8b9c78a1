//! `govwatch run [--log-format auto|text|json]`: the daemon (see `crate::daemon`).

use crate::config::Settings;
use crate::daemon::{self, Origin};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Log lines as `text`, as `json` (one object per line), or `auto`: coloured text on a
    /// terminal, plain text for journald and files.
    #[arg(long, value_enum, default_value_t = LogFormat::Auto)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Auto,
    Text,
    Json,
}

pub fn run(settings: Settings, origin: Origin) -> anyhow::Result<()> {
    daemon::run(settings, origin)?;
    Ok(())
}
