//! `[mail]` in `govwatch.toml`: how digests leave the machine. Raw serde structs (unknown keys
//! rejected) are validated here into [`MailConfig`], which [`crate::mail::Mailer`] is built
//! from. The SMTP password is never read from the config file: it comes from the environment
//! (`GOVWATCH_SMTP_PASSWORD`) or from `mail.smtp.password_file`, and is held in a [`Secret`]
//! whose `Debug` prints `***`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::message::Mailbox;
use serde::Deserialize;

use super::{ConfigError, parse_duration};

/// The sender used by the file transport when `mail.from` is not set.
pub const DEFAULT_FROM: &str = "govwatch@localhost";
/// `List-Id` (RFC 2919) when `mail.list_id` is not set.
pub const DEFAULT_LIST_ID: &str = "govwatch.localhost";
pub const DEFAULT_SENDMAIL_COMMAND: &str = "/usr/sbin/sendmail";
/// How long one SMTP attempt (connect through the server's reply to the message) may take
/// before it counts as a transient failure.
pub const DEFAULT_SMTP_TIMEOUT: Duration = Duration::from_secs(60);
/// The file transport's directory inside the data dir.
pub const OUTBOX_SUBDIR: &str = "outbox";
/// The environment variable that holds the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "GOVWATCH_SMTP_PASSWORD";
/// Header values longer than this are refused: a line must stay under SMTP's 998 octets.
const MAX_HEADER_VALUE: usize = 900;

/// A secret (the SMTP password). `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself, for the one place that must hand it to the SMTP client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Validated `[mail]` settings.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: TransportConfig,
    pub from: Mailbox,
    /// The list identifier (`list-label.domain`), sent as `List-Id: <list_id>`.
    pub list_id: String,
    pub list_unsubscribe: Option<ListUnsubscribe>,
    /// Send a digest even when nothing is new.
    pub send_empty: bool,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: TransportConfig::File,
            // A constant that parses (tested).
            from: DEFAULT_FROM
                .parse()
                .expect("DEFAULT_FROM is a valid mailbox"),
            list_id: DEFAULT_LIST_ID.to_string(),
            list_unsubscribe: None,
            send_empty: false,
        }
    }
}

/// Which transport sends the mail (`mail.transport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// `.eml` files under `<data_dir>/outbox/` (the default).
    File,
    Smtp(SmtpConfig),
    Sendmail(SendmailConfig),
}

impl TransportConfig {
    pub fn name(&self) -> &'static str {
        match self {
            TransportConfig::File => "file",
            TransportConfig::Smtp(_) => "smtp",
            TransportConfig::Sendmail(_) => "sendmail",
        }
    }
}

/// `[mail.smtp]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    /// Present exactly when `username` is: from the environment or `password_file`.
    pub password: Option<Secret>,
    /// The bound on one whole attempt (see [`DEFAULT_SMTP_TIMEOUT`]).
    pub timeout: Duration,
}

/// `mail.smtp.tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required, not opportunistic). Port 587.
    StartTls,
    /// TLS from the first byte (SMTPS). Port 465.
    Tls,
    /// No encryption at all: only for a relay on the same host or in tests. Port 25.
    None,
}

impl SmtpTls {
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// `[mail.sendmail]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendmailConfig {
    /// The program, run without a shell as `command -i -f FROM -- TO`.
    pub command: PathBuf,
}

/// Where a reader unsubscribes (`List-Unsubscribe`, RFC 2369; one-click per RFC 8058 for URLs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListUnsubscribe {
    /// A `mailto:` URI (kept in its serialized, percent-encoded form).
    Mailto(String),
    /// An `https:` URL; it also gets `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    Https(String),
}

impl ListUnsubscribe {
    /// Parses and checks a `mailto:` address or an `https://` URL.
    pub fn parse(text: &str) -> Result<ListUnsubscribe, String> {
        let url = url::Url::parse(text.trim())
            .map_err(|e| format!("{text:?} is not a mailto: address or an https URL ({e})"))?;
        let serialized = url.as_str().to_string();
        // The value goes inside `<…>` in a header: printable ASCII with no brackets, commas
        // or spaces, and short enough for one header line.
        if serialized.len() > MAX_HEADER_VALUE
            || !serialized
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b','))
        {
            return Err(format!("{text:?} cannot be used in a header"));
        }
        match url.scheme() {
            "mailto" => {
                let addr = url.path();
                let decoded = percent_decode(addr);
                decoded.parse::<lettre::Address>().map_err(|e| {
                    format!("{text:?}: {decoded:?} is not a valid email address ({e})")
                })?;
                Ok(ListUnsubscribe::Mailto(serialized))
            }
            "https" => {
                if url.host_str().is_none_or(str::is_empty) {
                    return Err(format!("{text:?} has no host"));
                }
                Ok(ListUnsubscribe::Https(serialized))
            }
            "http" => Err(format!(
                "{text:?}: one-click unsubscribe (RFC 8058) needs an https URL"
            )),
            other => Err(format!(
                "{text:?}: scheme {other:?} is neither mailto: nor https:"
            )),
        }
    }

    /// The URI as it goes between the angle brackets of the header.
    pub fn uri(&self) -> &str {
        match self {
            ListUnsubscribe::Mailto(s) | ListUnsubscribe::Https(s) => s,
        }
    }

    /// Whether `List-Unsubscribe-Post` (one-click) applies.
    pub fn is_one_click(&self) -> bool {
        matches!(self, ListUnsubscribe::Https(_))
    }
}

/// Decodes `%XX` escapes (for checking a mailto: address); invalid escapes stay as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMail {
    transport: Option<String>,
    from: Option<String>,
    list_id: Option<String>,
    list_unsubscribe: Option<String>,
    send_empty: Option<bool>,
    smtp: Option<RawSmtp>,
    sendmail: Option<RawSendmail>,
    /// Accepted by the parser only to refuse it with a message that says where passwords go.
    password: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: Option<String>,
    port: Option<i64>,
    tls: Option<String>,
    username: Option<String>,
    password_file: Option<PathBuf>,
    timeout: Option<String>,
    /// See [`RawMail::password`].
    password: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSendmail {
    command: Option<PathBuf>,
}

fn password_in_file_message() -> String {
    format!(
        "passwords are never read from the config file; set the environment variable \
         {SMTP_PASSWORD_ENV} or mail.smtp.password_file"
    )
}

/// Validates `[mail]`. `base` anchors relative paths; `env` looks up environment variables
/// (injected so that tests do not depend on the process environment).
pub(super) fn validate(
    raw: RawMail,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<MailConfig, ConfigError> {
    if raw.password.is_some() {
        return Err(invalid("mail.password", password_in_file_message()));
    }
    let kind = raw.transport.as_deref().map(str::trim).unwrap_or("file");
    if !matches!(kind, "file" | "smtp" | "sendmail") {
        return Err(invalid(
            "mail.transport",
            format!("unknown transport {kind:?}; use \"file\", \"smtp\" or \"sendmail\""),
        ));
    }
    let mut cfg = MailConfig::default();
    match raw.from {
        Some(from) => {
            cfg.from = from.trim().parse::<Mailbox>().map_err(|e| {
                invalid(
                    "mail.from",
                    format!(
                        "{from:?} is not a mailbox such as \"govwatch <digest@example.org>\" ({e})"
                    ),
                )
            })?;
            if cfg
                .from
                .name
                .as_deref()
                .is_some_and(|n| n.chars().any(char::is_control))
            {
                return Err(invalid(
                    "mail.from",
                    "the name must not contain control characters".into(),
                ));
            }
        }
        None if kind != "file" => {
            return Err(invalid(
                "mail.from",
                format!("is required when mail.transport = {kind:?}"),
            ));
        }
        None => {}
    }
    if let Some(id) = raw.list_id {
        cfg.list_id = validate_list_id(&id).map_err(|m| invalid("mail.list_id", m))?;
    }
    if let Some(u) = raw.list_unsubscribe {
        cfg.list_unsubscribe =
            Some(ListUnsubscribe::parse(&u).map_err(|m| invalid("mail.list_unsubscribe", m))?);
    }
    if let Some(b) = raw.send_empty {
        cfg.send_empty = b;
    }
    // A section for another transport is still checked, so that a typo shows up before the
    // operator switches to it; only the chosen SMTP section reads its password.
    let smtp = match raw.smtp {
        Some(s) => Some(validate_smtp(s, base, kind == "smtp", env, invalid)?),
        None => None,
    };
    let sendmail = match raw.sendmail {
        Some(s) => Some(validate_sendmail(s, base, invalid)?),
        None => None,
    };
    cfg.transport = match kind {
        "smtp" => TransportConfig::Smtp(smtp.ok_or_else(|| {
            invalid(
                "mail.smtp.host",
                "is required when mail.transport = \"smtp\" (add a [mail.smtp] section)".into(),
            )
        })?),
        "sendmail" => TransportConfig::Sendmail(sendmail.unwrap_or_else(|| SendmailConfig {
            command: PathBuf::from(DEFAULT_SENDMAIL_COMMAND),
        })),
        _ => TransportConfig::File,
    };
    Ok(cfg)
}

fn validate_list_id(id: &str) -> Result<String, String> {
    let id = id.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id);
    // RFC 2919: a dot-atom with at least one dot (`list-label.domain`).
    let atom_ok = |a: &str| {
        !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b))
    };
    if id.len() > 255 || !id.contains('.') || !id.split('.').all(atom_ok) {
        return Err(format!(
            "{id:?} is not a list identifier such as \"govwatch.example.org\""
        ));
    }
    Ok(id.to_string())
}

fn validate_smtp(
    raw: RawSmtp,
    base: &Path,
    read_password: bool,
    env: &dyn Fn(&str) -> Option<String>,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<SmtpConfig, ConfigError> {
    if raw.password.is_some() {
        return Err(invalid("mail.smtp.password", password_in_file_message()));
    }
    let host = raw
        .host
        .map(|h| h.trim().to_string())
        .ok_or_else(|| invalid("mail.smtp.host", "is required in [mail.smtp]".into()))?;
    if host.is_empty()
        || host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(invalid(
            "mail.smtp.host",
            format!("{host:?} is not a host name or address"),
        ));
    }
    let tls = match raw.tls.as_deref().map(str::trim) {
        None | Some("starttls") => SmtpTls::StartTls,
        Some("tls") => SmtpTls::Tls,
        Some("none") => SmtpTls::None,
        Some(other) => {
            return Err(invalid(
                "mail.smtp.tls",
                format!("unknown mode {other:?}; use \"starttls\", \"tls\" or \"none\""),
            ));
        }
    };
    let port = match raw.port {
        None => tls.default_port(),
        Some(p) => u16::try_from(p)
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| invalid("mail.smtp.port", format!("must be 1-65535, got {p}")))?,
    };
    let timeout = match raw.timeout {
        None => DEFAULT_SMTP_TIMEOUT,
        Some(t) => parse_duration(&t).map_err(|m| invalid("mail.smtp.timeout", m))?,
    };
    let username = match raw.username {
        Some(u) if u.is_empty() || u.chars().any(char::is_control) => {
            return Err(invalid(
                "mail.smtp.username",
                "must be non-empty printable text".into(),
            ));
        }
        other => other,
    };
    let password_file = raw
        .password_file
        .map(|p| if p.is_absolute() { p } else { base.join(p) });
    if password_file.is_some() && username.is_none() {
        return Err(invalid(
            "mail.smtp.password_file",
            "is set but mail.smtp.username is not".into(),
        ));
    }
    let mut password = None;
    if read_password && username.is_some() {
        // The environment wins over the file, as an override should.
        password = match (env(SMTP_PASSWORD_ENV), &password_file) {
            (Some(p), _) if !p.is_empty() => Some(Secret::new(p)),
            (_, Some(file)) => {
                Some(read_password_file(file).map_err(|m| invalid("mail.smtp.password_file", m))?)
            }
            _ => {
                return Err(invalid(
                    "mail.smtp.username",
                    format!(
                        "is set but there is no password: set {SMTP_PASSWORD_ENV} or \
                         mail.smtp.password_file"
                    ),
                ));
            }
        };
    }
    Ok(SmtpConfig {
        host,
        port,
        tls,
        username,
        password,
        timeout,
    })
}

/// Reads the password file: its first line, without the line ending. Warns (never fails)
/// when the file is readable by group or others, as miniflux does.
fn read_password_file(path: &Path) -> Result<Secret, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Some(warning) = std::fs::metadata(path)
            .ok()
            .and_then(|m| permission_warning(m.permissions().mode()))
        {
            tracing::warn!(path = %path.display(), "{warning}");
        }
    }
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(Secret::new(line.to_string()))
}

/// The warning for a secret file with permission bits `mode`, if group or others may read
/// (or write) it.
fn permission_warning(mode: u32) -> Option<String> {
    (mode & 0o077 != 0).then(|| {
        format!(
            "the SMTP password file is readable by group or others (mode {:o}); chmod 600 it",
            mode & 0o777
        )
    })
}

fn validate_sendmail(
    raw: RawSendmail,
    base: &Path,
    invalid: &dyn Fn(&str, String) -> ConfigError,
) -> Result<SendmailConfig, ConfigError> {
    let command = match raw.command {
        None => PathBuf::from(DEFAULT_SENDMAIL_COMMAND),
        Some(c) if c.as_os_str().is_empty() => {
            return Err(invalid("mail.sendmail.command", "must not be empty".into()));
        }
        // A bare name is looked up on PATH; a relative path is anchored at the config file.
        Some(c) if c.components().count() > 1 && !c.is_absolute() => base.join(c),
        Some(c) => c,
    };
    Ok(SendmailConfig { command })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    const PATH: &str = "/etc/govwatch/govwatch.toml";

    fn load_env(text: &str, env: &[(&str, &str)]) -> Result<MailConfig, ConfigError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        Settings::from_toml_with_env(text, Path::new(PATH), &lookup).map(|s| s.mail)
    }

    fn load(text: &str) -> Result<MailConfig, ConfigError> {
        load_env(text, &[])
    }

    fn smtp(cfg: &MailConfig) -> &SmtpConfig {
        match &cfg.transport {
            TransportConfig::Smtp(s) => s,
            other => panic!("expected smtp, got {other:?}"),
        }
    }

    #[test]
    fn defaults_write_to_the_outbox() {
        let cfg = load("").unwrap();
        assert_eq!(cfg.transport, TransportConfig::File);
        assert_eq!(cfg.from.to_string(), DEFAULT_FROM);
        assert_eq!(cfg.list_id, DEFAULT_LIST_ID);
        assert_eq!(cfg.list_unsubscribe, None);
        assert!(!cfg.send_empty);
        let s =
            Settings::from_toml_with_env("data_dir = \"d\"", Path::new(PATH), &|_| None).unwrap();
        assert_eq!(s.outbox_dir(), PathBuf::from("/etc/govwatch/d/outbox"));
    }

    #[test]
    fn every_key_is_read() {
        let cfg = load_env(
            r#"
[mail]
transport = "smtp"
from = "Gov Watch <digest@example.org>"
list_id = "ai-digest.example.org"
list_unsubscribe = "https://example.org/unsub?list=ai"
send_empty = true
[mail.smtp]
host = "smtp.example.org"
port = 2525
tls = "tls"
username = "digest"
timeout = "5s"
[mail.sendmail]
command = "/usr/local/bin/sendmail"
"#,
            &[(SMTP_PASSWORD_ENV, "hunter2")],
        )
        .unwrap();
        assert_eq!(cfg.from.name.as_deref(), Some("Gov Watch"));
        assert_eq!(cfg.from.email.to_string(), "digest@example.org");
        assert_eq!(cfg.list_id, "ai-digest.example.org");
        assert_eq!(
            cfg.list_unsubscribe,
            Some(ListUnsubscribe::Https(
                "https://example.org/unsub?list=ai".into()
            ))
        );
        assert!(cfg.send_empty);
        let s = smtp(&cfg);
        assert_eq!(s.host, "smtp.example.org");
        assert_eq!(s.port, 2525);
        assert_eq!(s.tls, SmtpTls::Tls);
        assert_eq!(s.username.as_deref(), Some("digest"));
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("hunter2"));
        assert_eq!(s.timeout, Duration::from_secs(5));

        let cfg = load(
            "[mail]\ntransport = \"sendmail\"\nfrom = \"a@example.org\"\n[mail.sendmail]\ncommand = \"bin/sm\"\n",
        )
        .unwrap();
        assert_eq!(
            cfg.transport,
            TransportConfig::Sendmail(SendmailConfig {
                command: PathBuf::from("/etc/govwatch/bin/sm")
            })
        );
        let cfg = load("[mail]\ntransport = \"sendmail\"\nfrom = \"a@example.org\"\n").unwrap();
        assert_eq!(
            cfg.transport,
            TransportConfig::Sendmail(SendmailConfig {
                command: PathBuf::from(DEFAULT_SENDMAIL_COMMAND)
            })
        );
    }

    #[test]
    fn tls_modes_choose_the_default_port() {
        for (tls, mode, port) in [
            ("", SmtpTls::StartTls, 587),
            ("tls = \"starttls\"\n", SmtpTls::StartTls, 587),
            ("tls = \"tls\"\n", SmtpTls::Tls, 465),
            ("tls = \"none\"\n", SmtpTls::None, 25),
        ] {
            let cfg = load(&format!(
                "[mail]\ntransport = \"smtp\"\nfrom = \"a@example.org\"\n[mail.smtp]\nhost = \"mx\"\n{tls}"
            ))
            .unwrap();
            let s = smtp(&cfg);
            assert_eq!((s.tls, s.port), (mode, port), "{tls:?}");
            assert_eq!(s.username, None);
            assert_eq!(s.password, None);
            assert_eq!(s.timeout, DEFAULT_SMTP_TIMEOUT);
        }
    }

    #[test]
    fn mailto_unsubscribe_is_accepted() {
        let cfg =
            load("[mail]\nlist_unsubscribe = \"mailto:leave@example.org?subject=unsubscribe\"\n")
                .unwrap();
        let u = cfg.list_unsubscribe.unwrap();
        assert_eq!(u.uri(), "mailto:leave@example.org?subject=unsubscribe");
        assert!(!u.is_one_click());
    }

    #[test]
    fn a_password_in_the_config_file_is_refused() {
        for text in [
            "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n[mail.smtp]\nhost = \"mx\"\nusername = \"u\"\npassword = \"hunter2\"\n",
            "[mail]\npassword = \"hunter2\"\n",
        ] {
            let err = load_env(text, &[(SMTP_PASSWORD_ENV, "x")])
                .unwrap_err()
                .to_string();
            assert!(err.contains("password`"), "{err}");
            assert!(err.contains("never read from the config file"), "{err}");
            assert!(err.contains(SMTP_PASSWORD_ENV), "{err}");
            assert!(!err.contains("hunter2"), "{err}");
        }
    }

    #[test]
    fn password_from_the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "from-file\n").unwrap();
        let text = format!(
            "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n[mail.smtp]\nhost = \"mx\"\nusername = \"u\"\npassword_file = {:?}\n",
            file.display().to_string()
        );
        let cfg = load(&text).unwrap();
        assert_eq!(smtp(&cfg).password.as_ref().unwrap().expose(), "from-file");
        let cfg = load_env(&text, &[(SMTP_PASSWORD_ENV, "from-env")]).unwrap();
        assert_eq!(smtp(&cfg).password.as_ref().unwrap().expose(), "from-env");
        // Neither Debug of the password nor of the whole config shows it.
        let debug = format!("{cfg:?}");
        assert!(
            !debug.contains("from-env") && debug.contains("***"),
            "{debug}"
        );
        assert_eq!(format!("{}", Secret::new("s".into())), "***");
    }

    #[test]
    fn a_relative_password_file_is_anchored_at_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw"), "p\r\n").unwrap();
        let text = "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n[mail.smtp]\nhost = \"mx\"\nusername = \"u\"\npassword_file = \"pw\"\n";
        let s = Settings::from_toml_with_env(text, &dir.path().join("govwatch.toml"), &|_| None)
            .unwrap();
        assert_eq!(smtp(&s.mail).password.as_ref().unwrap().expose(), "p");
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let smtp = "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n[mail.smtp]\n";
        let cases: Vec<(String, &str)> = vec![
            (
                "[mail]\ntransport = \"pigeon\"\n".into(),
                "key `mail.transport`",
            ),
            (
                "[mail]\nfrom = \"not an address\"\n".into(),
                "key `mail.from`",
            ),
            (
                "[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"mx\"\n".into(),
                "key `mail.from`",
            ),
            (
                "[mail]\ntransport = \"sendmail\"\n".into(),
                "key `mail.from`",
            ),
            ("[mail]\nlist_id = \"nodot\"\n".into(), "key `mail.list_id`"),
            (
                "[mail]\nlist_id = \"a b.org\"\n".into(),
                "key `mail.list_id`",
            ),
            (
                "[mail]\nlist_unsubscribe = \"http://example.org/u\"\n".into(),
                "key `mail.list_unsubscribe`",
            ),
            (
                "[mail]\nlist_unsubscribe = \"ftp://example.org/u\"\n".into(),
                "key `mail.list_unsubscribe`",
            ),
            (
                "[mail]\nlist_unsubscribe = \"mailto:nobody\"\n".into(),
                "key `mail.list_unsubscribe`",
            ),
            (
                "[mail]\nlist_unsubscribe = \"leave@example.org\"\n".into(),
                "key `mail.list_unsubscribe`",
            ),
            ("[mail]\nsend_empty = \"yes\"\n".into(), "send_empty"),
            (
                "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n".into(),
                "key `mail.smtp.host`",
            ),
            (format!("{smtp}port = 25\n"), "key `mail.smtp.host`"),
            (
                format!("{smtp}host = \"mx example\"\n"),
                "key `mail.smtp.host`",
            ),
            (
                format!("{smtp}host = \"mx\"\nport = 0\n"),
                "key `mail.smtp.port`",
            ),
            (
                format!("{smtp}host = \"mx\"\nport = 70000\n"),
                "key `mail.smtp.port`",
            ),
            (
                format!("{smtp}host = \"mx\"\ntls = \"ssl\"\n"),
                "key `mail.smtp.tls`",
            ),
            (
                format!("{smtp}host = \"mx\"\ntimeout = \"soon\"\n"),
                "key `mail.smtp.timeout`",
            ),
            (
                format!("{smtp}host = \"mx\"\nusername = \"u\"\n"),
                "key `mail.smtp.username`",
            ),
            (
                format!("{smtp}host = \"mx\"\nusername = \"\"\n"),
                "key `mail.smtp.username`",
            ),
            (
                format!("{smtp}host = \"mx\"\npassword_file = \"/x\"\n"),
                "key `mail.smtp.password_file`",
            ),
            (
                format!(
                    "{smtp}host = \"mx\"\nusername = \"u\"\npassword_file = \"/nonexistent/pw\"\n"
                ),
                "key `mail.smtp.password_file`",
            ),
            (
                format!(
                    "{smtp}host = \"mx\"\nusername = \"u\"\npassword_file = {:?}\n",
                    empty.display().to_string()
                ),
                "key `mail.smtp.password_file`",
            ),
            (
                format!("{smtp}host = \"mx\"\nhelo = \"x\"\n"),
                "unknown field `helo`",
            ),
            (
                "[mail.sendmail]\ncommand = \"\"\n".into(),
                "key `mail.sendmail.command`",
            ),
            (
                "[mail.sendmail]\nargs = []\n".into(),
                "unknown field `args`",
            ),
            ("[mail]\nto = \"x\"\n".into(), "unknown field `to`"),
        ];
        for (text, want) in cases {
            let err = load(&text).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.starts_with(PATH), "{err}");
        }
    }

    #[test]
    fn an_unused_smtp_section_needs_no_password() {
        // Switching to the file transport while keeping [mail.smtp] must not demand a secret.
        let cfg =
            load("[mail]\ntransport = \"file\"\n[mail.smtp]\nhost = \"mx\"\nusername = \"u\"\n")
                .unwrap();
        assert_eq!(cfg.transport, TransportConfig::File);
    }

    #[test]
    fn group_or_other_access_to_the_password_file_is_warned_about() {
        for (mode, warns) in [
            (0o100644, true),
            (0o640, true),
            (0o604, true),
            (0o600, false),
            (0o400, false),
        ] {
            let w = permission_warning(mode);
            assert_eq!(w.is_some(), warns, "{mode:o}");
            if let Some(w) = w {
                assert!(w.contains(&format!("{:o}", mode & 0o777)), "{w}");
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_password_file_readable_by_others_still_loads() {
        // The check only warns (tracing); it must not fail the load.
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let text = format!(
            "[mail]\ntransport = \"smtp\"\nfrom = \"a@b.org\"\n[mail.smtp]\nhost = \"mx\"\nusername = \"u\"\npassword_file = {:?}\n",
            file.display().to_string()
        );
        let cfg = load(&text).unwrap();
        assert_eq!(smtp(&cfg).password.as_ref().unwrap().expose(), "s3cret");
    }
}
