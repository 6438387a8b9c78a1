//! [`Mailer`]: the transports behind one `send`, the classification of failures into
//! transient and permanent, and the retry loop with exponential backoff.

use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::sendmail;
use super::{MailConfig, MailError, OutgoingMessage};
use crate::config::{SendmailConfig, SmtpConfig, SmtpTls, TransportConfig};

/// Where a finished `.eml` is first written, inside the outbox; it is renamed into the
/// outbox only when complete, so a reader of `outbox/*.eml` never sees half a message.
const OUTBOX_TMP: &str = ".tmp";

/// The server (or the outbox) accepted the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReceipt {
    /// As in the header: `<…@…>`.
    pub message_id: String,
    /// The server's reply (`250 …`), or what the file/sendmail transport did.
    pub server_reply: String,
}

/// Why a message was not accepted, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// Connection refused, timeouts, TLS trouble, 4xx replies, a full disk: the message stays
    /// queued and is tried again.
    #[error("temporary failure: {reason}")]
    Transient { reason: String },
    /// A 5xx reply (with its code) or a message that cannot be built: retrying would fail
    /// the same way.
    #[error("permanent failure{}: {reason}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Permanent { reason: String, code: Option<u16> },
}

impl SendError {
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient { .. })
    }

    pub fn reason(&self) -> &str {
        match self {
            SendError::Transient { reason } | SendError::Permanent { reason, .. } => reason,
        }
    }

    /// Classifies an SMTP error with lettre's own API: a 5xx reply is permanent; everything
    /// else (4xx, connection, network, TLS, timeouts) is transient, so that a doubtful case
    /// delays a digest rather than dropping it.
    fn from_smtp(err: &lettre::transport::smtp::Error) -> SendError {
        if err.is_permanent() {
            SendError::Permanent {
                reason: error_chain(err),
                code: err.status().and_then(|c| c.to_string().parse().ok()),
            }
        } else {
            SendError::Transient {
                reason: error_chain(err),
            }
        }
    }
}

/// An error and its sources, `a: b: c`, without repeating a source already in the text.
pub(super) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

/// How often, and how patiently, [`Mailer::send_with_retry`] tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: NonZeroU32,
    /// The wait after the first failure; it doubles after each further one.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            // A literal, non-zero.
            max_attempts: NonZeroU32::new(4).expect("non-zero"),
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): `base * 2^(attempt-1)`,
    /// capped at `max_delay`.
    pub fn delay_after(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// What the retry loop tells its observer after each failed attempt.
#[derive(Debug)]
pub struct FailedAttempt<'a> {
    /// 1-based.
    pub attempt: u32,
    pub error: &'a SendError,
    /// The wait before the next attempt; `None` when this was the last one.
    pub retry_in: Option<Duration>,
}

enum Transport {
    /// Swapped for a fresh one (a new pool) after an attempt times out, so a connection
    /// wedged mid-transaction is never handed out again.
    Smtp {
        config: SmtpConfig,
        current: std::sync::Mutex<std::sync::Arc<AsyncSmtpTransport<Tokio1Executor>>>,
    },
    File {
        outbox: PathBuf,
        tmp: AsyncFileTransport<Tokio1Executor>,
    },
    Sendmail(SendmailConfig),
}

/// Sends [`OutgoingMessage`]s through the configured transport. Cheap to share (`&self`);
/// the SMTP transport keeps a connection pool.
pub struct Mailer {
    config: MailConfig,
    transport: Transport,
}

impl fmt::Debug for Mailer {
    // By hand: lettre's transports carry the credentials, which must never be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.config.transport.name())
            .field("from", &self.config.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport `config` names. `outbox_dir` (see
    /// [`crate::config::Settings::outbox_dir`]) is created for the file transport. The SMTP
    /// transport must be built inside a Tokio runtime (its pool starts a task).
    pub fn new(config: &MailConfig, outbox_dir: &Path) -> Result<Mailer, MailError> {
        let transport = match &config.transport {
            TransportConfig::File => {
                let tmp = outbox_dir.join(OUTBOX_TMP);
                std::fs::create_dir_all(&tmp).map_err(|source| MailError::Outbox {
                    path: tmp.clone(),
                    source,
                })?;
                Transport::File {
                    outbox: outbox_dir.to_path_buf(),
                    tmp: AsyncFileTransport::new(&tmp),
                }
            }
            TransportConfig::Smtp(smtp) => {
                // lettre's connection pool spawns its reaper task when the transport is built,
                // and panics outside a runtime: say so instead.
                if tokio::runtime::Handle::try_current().is_err() {
                    return Err(MailError::Transport {
                        transport: "smtp",
                        reason: "the mailer must be created inside a Tokio runtime".into(),
                    });
                }
                Transport::Smtp {
                    config: smtp.clone(),
                    current: std::sync::Mutex::new(std::sync::Arc::new(smtp_transport(smtp)?)),
                }
            }
            TransportConfig::Sendmail(s) => Transport::Sendmail(s.clone()),
        };
        Ok(Mailer {
            config: config.clone(),
            transport,
        })
    }

    /// A mailer for the settings' `[mail]` and data dir.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Mailer, MailError> {
        Mailer::new(&settings.mail, &settings.outbox_dir())
    }

    pub fn config(&self) -> &MailConfig {
        &self.config
    }

    /// Builds `msg` (see [`OutgoingMessage::build`]) and sends it once.
    pub async fn send(&self, msg: &OutgoingMessage) -> Result<SendReceipt, SendError> {
        let (message, id) = self.build(msg)?;
        self.send_built(&message, &id).await
    }

    /// Sends with [`RetryPolicy`]: transient failures are retried with exponential backoff,
    /// a permanent one ends at once. The message is built once, so every attempt carries the
    /// same Message-ID.
    pub async fn send_with_retry(
        &self,
        msg: &OutgoingMessage,
        policy: RetryPolicy,
    ) -> Result<SendReceipt, SendError> {
        self.send_with_retry_observed(msg, policy, |_| {}).await
    }

    /// [`Mailer::send_with_retry`], calling `on_failure` after each failed attempt (to log,
    /// record the attempt in the ledger, or — in tests — change the world before the next).
    pub async fn send_with_retry_observed(
        &self,
        msg: &OutgoingMessage,
        policy: RetryPolicy,
        mut on_failure: impl FnMut(&FailedAttempt<'_>),
    ) -> Result<SendReceipt, SendError> {
        let (message, id) = self.build(msg)?;
        let mut attempt = 1;
        loop {
            let error = match self.send_built(&message, &id).await {
                Ok(receipt) => return Ok(receipt),
                Err(e) => e,
            };
            let retry_in = (error.is_transient() && attempt < policy.max_attempts.get())
                .then(|| policy.delay_after(attempt));
            tracing::warn!(message_id = %id, attempt, error = %error, ?retry_in, "send failed");
            on_failure(&FailedAttempt {
                attempt,
                error: &error,
                retry_in,
            });
            match retry_in {
                Some(delay) => tokio::time::sleep(delay).await,
                None => return Err(error),
            }
            attempt += 1;
        }
    }

    fn build(&self, msg: &OutgoingMessage) -> Result<(Message, String), SendError> {
        // A message that cannot be built will not build on a retry either.
        msg.build(&self.config).map_err(|e| SendError::Permanent {
            reason: error_chain(&e),
            code: None,
        })
    }

    /// Sends a message built by [`OutgoingMessage::build`]; `message_id` goes into the receipt.
    pub async fn send_built(
        &self,
        message: &Message,
        message_id: &str,
    ) -> Result<SendReceipt, SendError> {
        let envelope = message.envelope();
        let bytes = message.formatted();
        let server_reply = match &self.transport {
            Transport::Smtp { config, current } => {
                // A poisoned lock only means another send panicked; the Arc inside is fine.
                let smtp = current.lock().unwrap_or_else(|p| p.into_inner()).clone();
                // lettre's timeout covers only the connect; a server that stops answering
                // mid-transaction would hang the send for ever. Bound the whole attempt.
                let attempt = tokio::time::timeout(config.timeout, smtp.send_raw(envelope, &bytes));
                let response = match attempt.await {
                    Ok(result) => result.map_err(|e| SendError::from_smtp(&e))?,
                    Err(_) => {
                        if let Ok(fresh) = smtp_transport(config) {
                            *current.lock().unwrap_or_else(|p| p.into_inner()) =
                                std::sync::Arc::new(fresh);
                        }
                        return Err(SendError::Transient {
                            reason: format!(
                                "no complete SMTP exchange with {}:{} within {:?}",
                                config.host, config.port, config.timeout
                            ),
                        });
                    }
                };
                let lines: Vec<&str> = response.message().collect();
                format!("{} {}", response.code(), lines.join(" "))
            }
            Transport::File { outbox, tmp } => write_outbox(outbox, tmp, envelope, &bytes).await?,
            Transport::Sendmail(cfg) => sendmail::send(cfg, envelope, bytes).await?,
        };
        tracing::info!(
            message_id,
            to = ?envelope.to(),
            transport = self.config.transport.name(),
            reply = %server_reply,
            "message accepted"
        );
        Ok(SendReceipt {
            message_id: message_id.to_string(),
            server_reply,
        })
    }
}

fn smtp_transport(cfg: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let setup = |e: lettre::transport::smtp::Error| MailError::Transport {
        transport: "smtp",
        reason: format!("{}: {}", cfg.host, error_chain(&e)),
    };
    let builder = match cfg.tls {
        SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        SmtpTls::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host).map_err(setup)?
        }
        SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host).map_err(setup)?,
    };
    let mut builder = builder.port(cfg.port).timeout(Some(cfg.timeout));
    if let (Some(user), Some(password)) = (&cfg.username, &cfg.password) {
        builder = builder.credentials(Credentials::new(
            user.clone(),
            password.expose().to_string(),
        ));
    }
    Ok(builder.build())
}

/// Writes through lettre's file transport into `outbox/.tmp/`, then renames into `outbox/`:
/// the rename is atomic on one filesystem, so `outbox/*.eml` only ever holds whole messages.
async fn write_outbox(
    outbox: &Path,
    tmp: &AsyncFileTransport<Tokio1Executor>,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<String, SendError> {
    let transient = |what: &str, e: &dyn std::error::Error| SendError::Transient {
        reason: format!("{what}: {}", error_chain(e)),
    };
    let id = tmp
        .send_raw(envelope, bytes)
        .await
        .map_err(|e| transient("cannot write to the outbox", &e))?;
    let name = format!("{id}.eml");
    let from = outbox.join(OUTBOX_TMP).join(&name);
    let to = outbox.join(&name);
    // lettre writes without fsync; the ledger will call this message sent, so make it durable
    // before it becomes visible.
    let synced = match tokio::fs::File::open(&from).await {
        Ok(file) => file.sync_all().await,
        Err(e) => Err(e),
    };
    if let Err(e) = synced {
        let _ = tokio::fs::remove_file(&from).await;
        return Err(transient(&format!("cannot sync {}", from.display()), &e));
    }
    tokio::fs::rename(&from, &to).await.map_err(|e| {
        transient(
            &format!("cannot move {} into the outbox", from.display()),
            &e,
        )
    })?;
    Ok(format!("written to {}", to.display()))
}
