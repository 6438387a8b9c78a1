//! `[operators]`: who hears about feeds that changed state (src/sources.rs), and when.

use std::time::Duration;

use chrono_tz::Tz;
use lettre::Address;
use serde::Deserialize;

use super::ConfigError;
use crate::schedule::{self, DEFAULT_TZ, Schedule};

/// The operator digest: one mail per address listing the feeds that went silent, started
/// failing, broke or recovered since the last one. No addresses: no digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorsConfig {
    pub emails: Vec<Address>,
    pub schedule: Schedule,
    pub tz: Tz,
    /// How often the daemon assesses every feed's health (whether or not anyone is mailed).
    pub check_interval: Duration,
}

pub const DEFAULT_CHECK_INTERVAL: Duration = Duration::from_secs(5 * 60);

impl Default for OperatorsConfig {
    fn default() -> Self {
        OperatorsConfig {
            emails: Vec::new(),
            schedule: Schedule::Daily,
            tz: DEFAULT_TZ,
            check_interval: DEFAULT_CHECK_INTERVAL,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOperators {
    #[serde(default)]
    emails: Vec<String>,
    schedule: Option<String>,
    tz: Option<String>,
    check_interval: Option<String>,
}

pub(super) fn operators(
    raw: RawOperators,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<OperatorsConfig, ConfigError> {
    let mut out = OperatorsConfig::default();
    for (n, text) in raw.emails.iter().enumerate() {
        let address = crate::subscriptions::parse_email(text)
            .map_err(|e| invalid(&format!("operators.emails[{n}]"), e.to_string()))?;
        if !out.emails.contains(&address) {
            out.emails.push(address);
        }
    }
    if let Some(text) = raw.schedule {
        out.schedule =
            Schedule::parse(&text).map_err(|e| invalid("operators.schedule", e.to_string()))?;
    }
    if let Some(text) = raw.tz {
        out.tz = schedule::parse_tz(&text).map_err(|e| invalid("operators.tz", e.to_string()))?;
    }
    if let Some(text) = raw.check_interval {
        out.check_interval =
            super::parse_duration(&text).map_err(|m| invalid("operators.check_interval", m))?;
    }
    Ok(out)
}
