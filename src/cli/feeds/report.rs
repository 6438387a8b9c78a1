//! `govwatch feeds report [--send] [--json]`: assesses every configured feed now (recording
//! changes of state, as the daemon does every few minutes) and prints the operator digest
//! that is due; `--send` mails it to `[operators] emails` and starts the next window.

use anyhow::Context;
use chrono::Utc;

use crate::config::Settings;
use crate::mail::Mailer;
use crate::operators;
use crate::store::Store;

pub fn run(settings: &Settings, send: bool, json: bool) -> anyhow::Result<()> {
    if send && settings.operators.emails.is_empty() {
        return Err(super::super::UsageError {
            message: "--send: no addresses in [operators] emails".to_string(),
        }
        .into());
    }
    let mut store = Store::open(&settings.data_dir)?;
    let configured = crate::feeds::load_dir(&settings.feeds_dir)?;
    let ids: Vec<&str> = configured.iter().map(|f| f.id.as_str()).collect();
    let now = Utc::now();
    let statuses = store.update_source_health(now, Some(&ids))?;
    let report = operators::report(&store, &statuses, now)?;
    if json {
        super::super::print_json_line(&report)?;
    } else if report.changes.is_empty() {
        println!("No feed changed state since the last operator digest.");
    } else {
        let (subject, text, _) = operators::render(&report);
        println!("Subject: {subject}\n\n{text}");
    }
    if send {
        let runtime = super::super::runtime()?;
        // The SMTP pool lives on the runtime: built, used and dropped inside its context.
        let _entered = runtime.enter();
        let mailer = Mailer::from_settings(settings).context("cannot set up mail delivery")?;
        let sent = runtime.block_on(operators::send(
            &mut store,
            &mailer,
            &settings.operators,
            &report,
        ))?;
        eprintln!("operator digest sent to {sent} address(es)");
    }
    Ok(())
}
