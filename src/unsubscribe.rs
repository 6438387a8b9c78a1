//! One-click unsubscribe links (RFC 8058): each digest carries a link that names exactly one
//! subscription and that only this installation can make.
//!
//! A token is `base64url(payload || tag)`: the payload is a version byte, the subscription's
//! id and the link's expiry (Unix seconds), both big-endian; the tag is the first 16 bytes of
//! HMAC-SHA256 over the payload under a 32-byte key kept in the data directory
//! (`unsubscribe.key`, created 0600 on first use). Subscription ids are never reused
//! (AUTOINCREMENT), so a token cannot come to name somebody else; changing the id or the
//! expiry breaks the tag. The address is not in the link, so a forwarded or logged URL does
//! not disclose it. Deleting the key file revokes every link sent so far.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use url::Url;

/// The key's file name in the data directory.
pub const KEY_FILE: &str = "unsubscribe.key";
/// How long a link works: long enough for a digest found in an archive a year on.
pub const LINK_LIFETIME: TimeDelta = TimeDelta::days(400);
/// The path, under `[server] public_url`, where links point.
pub const PATH: &str = "unsubscribe";

const KEY_BYTES: usize = 32;
const VERSION: u8 = 1;
const PAYLOAD_BYTES: usize = 1 + 8 + 8;
const TAG_BYTES: usize = 16;
/// Longest token text accepted before decoding (the real ones are 44 characters).
const MAX_TOKEN_CHARS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read the unsubscribe key {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot create the unsubscribe key {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error(
        "the unsubscribe key {path} holds {len} bytes, not {KEY_BYTES}; delete it to make a new \
         one (links already sent stop working)"
    )]
    Length { path: PathBuf, len: usize },
    #[error("no random bytes for the unsubscribe key: {0}")]
    Random(String),
}

/// Why a token was refused: the page says which, without saying more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this unsubscribe link is not valid (it may have been cut short or changed)")]
    Invalid,
    #[error("this unsubscribe link has expired")]
    Expired,
}

/// What a valid token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    pub subscription_id: i64,
    pub expires: DateTime<Utc>,
}

/// The signing key. `Debug` never shows it.
#[derive(Clone)]
pub struct Key([u8; KEY_BYTES]);

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(…)")
    }
}

impl Key {
    /// The key in `data_dir`, made (random, 0600) when there is none yet. Two processes
    /// starting at once agree on one key: the file is created exclusively, and the loser
    /// reads the winner's.
    pub fn load_or_create(data_dir: &Path) -> Result<Key, KeyError> {
        let path = data_dir.join(KEY_FILE);
        match Key::read(&path) {
            Err(KeyError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|e| KeyError::Random(e.to_string()))?;
        let created = {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            options.open(&path)
        };
        match created {
            Ok(mut file) => {
                let written = file.write_all(&key).and_then(|()| file.sync_all());
                if let Err(source) = written {
                    // A short key file would be refused at every later start: remove it.
                    let _ = std::fs::remove_file(&path);
                    return Err(KeyError::Create { path, source });
                }
                Ok(Key(key))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Key::read(&path),
            Err(source) => Err(KeyError::Create { path, source }),
        }
    }

    fn read(path: &Path) -> Result<Key, KeyError> {
        let read_err = |source| KeyError::Read {
            path: path.to_owned(),
            source,
        };
        let mut bytes = Vec::with_capacity(KEY_BYTES);
        std::fs::File::open(path)
            .and_then(|f| f.take(KEY_BYTES as u64 + 1).read_to_end(&mut bytes))
            .map_err(read_err)?;
        let key: [u8; KEY_BYTES] = bytes.as_slice().try_into().map_err(|_| KeyError::Length {
            path: path.to_owned(),
            len: bytes.len(),
        })?;
        Ok(Key(key))
    }

    /// A token for `subscription_id` that works until `expires`.
    pub fn sign(&self, subscription_id: i64, expires: DateTime<Utc>) -> String {
        let mut bytes = Vec::with_capacity(PAYLOAD_BYTES + TAG_BYTES);
        bytes.push(VERSION);
        bytes.extend_from_slice(&subscription_id.to_be_bytes());
        bytes.extend_from_slice(&expires.timestamp().to_be_bytes());
        let tag = self.mac(&bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG_BYTES]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// What `token` names, if this key made it and it has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claim, TokenError> {
        if token.len() > MAX_TOKEN_CHARS {
            return Err(TokenError::Invalid);
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| TokenError::Invalid)?;
        if bytes.len() != PAYLOAD_BYTES + TAG_BYTES || bytes[0] != VERSION {
            return Err(TokenError::Invalid);
        }
        let (payload, tag) = bytes.split_at(PAYLOAD_BYTES);
        // Constant-time comparison of the truncated tag.
        self.mac(payload)
            .verify_truncated_left(tag)
            .map_err(|_| TokenError::Invalid)?;
        let field = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&payload[at..at + 8]);
            i64::from_be_bytes(b)
        };
        let expires = DateTime::from_timestamp(field(9), 0).ok_or(TokenError::Invalid)?;
        if expires <= now {
            return Err(TokenError::Expired);
        }
        Ok(Claim {
            subscription_id: field(1),
            expires,
        })
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length; this one is always 32 bytes.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key");
        mac.update(payload);
        mac
    }
}

/// Makes the links digests carry: `[server] public_url` + `/unsubscribe?t=TOKEN`.
#[derive(Debug, Clone)]
pub struct Links {
    key: Key,
    base: Url,
}

impl Links {
    /// The links `settings` ask for: `None` without `[server] public_url`. Makes the key on
    /// first use.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Option<Links>, KeyError> {
        let Some(base) = &settings.server.public_url else {
            return Ok(None);
        };
        let key = Key::load_or_create(&settings.data_dir)?;
        Ok(Some(Links::new(key, base)))
    }

    pub fn new(key: Key, public_url: &Url) -> Links {
        let mut base = public_url.clone();
        // A base without a trailing slash would lose its last segment in a join.
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Links { key, base }
    }

    /// The one-click link for `subscription_id`, valid for [`LINK_LIFETIME`] from `now`.
    pub fn link(&self, subscription_id: i64, now: DateTime<Utc>) -> String {
        let mut url = self.base.join(PATH).unwrap_or_else(|_| self.base.clone());
        let token = self.key.sign(subscription_id, now + LINK_LIFETIME);
        url.query_pairs_mut().clear().append_pair("t", &token);
        url.to_string()
    }

    pub fn key(&self) -> &Key {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("valid date")
    }

    #[test]
    fn a_token_names_its_subscription_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::load_or_create(dir.path()).unwrap();
        let now = at("2026-11-26T00:00:00Z");
        let token = key.sign(42, now + TimeDelta::days(1));
        assert_eq!(token.len(), 44);
        let claim = key.verify(&token, now).unwrap();
        assert_eq!(claim.subscription_id, 42);
        assert_eq!(
            key.verify(&token, now + TimeDelta::days(1)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn changed_cut_or_foreign_tokens_are_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::load_or_create(dir.path()).unwrap();
        let now = at("2026-11-26T00:00:00Z");
        let token = key.sign(42, now + TimeDelta::days(1));
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();

        // Another subscription's id under the same tag.
        bytes[8] ^= 1;
        let other = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(key.verify(&other, now), Err(TokenError::Invalid));
        bytes[8] ^= 1;
        // A later expiry.
        bytes[16] ^= 0x40;
        let later = URL_SAFE_NO_PAD.encode(&bytes);
        assert_eq!(key.verify(&later, now), Err(TokenError::Invalid));

        for bad in [
            "",
            "abc",
            &token[..token.len() - 1],
            &"A".repeat(500),
            "!!!!",
        ] {
            assert_eq!(key.verify(bad, now), Err(TokenError::Invalid), "{bad:?}");
        }
        let elsewhere = tempfile::tempdir().unwrap();
        let foreign = Key::load_or_create(elsewhere.path()).unwrap();
        assert_eq!(foreign.verify(&token, now), Err(TokenError::Invalid));
    }

    #[test]
    fn the_key_is_made_once_private_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Key::load_or_create(dir.path()).unwrap();
        let again = Key::load_or_create(dir.path()).unwrap();
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(format!("{first:?}"), "Key(…)");

        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        let err = Key::load_or_create(dir.path()).unwrap_err();
        assert!(matches!(err, KeyError::Length { len: 5, .. }), "{err}");
    }

    #[test]
    fn links_join_the_public_url_with_or_without_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let key = Key::load_or_create(dir.path()).unwrap();
        let now = at("2026-11-26T00:00:00Z");
        for (base, prefix) in [
            (
                "https://news.example.org",
                "https://news.example.org/unsubscribe?t=",
            ),
            (
                "https://example.org/govwatch",
                "https://example.org/govwatch/unsubscribe?t=",
            ),
            (
                "https://example.org/govwatch/",
                "https://example.org/govwatch/unsubscribe?t=",
            ),
        ] {
            let links = Links::new(key.clone(), &base.parse().unwrap());
            let link = links.link(7, now);
            assert!(link.starts_with(prefix), "{link}");
            let token = link.rsplit_once("t=").unwrap().1;
            assert_eq!(key.verify(token, now).unwrap().subscription_id, 7);
        }
    }
}
