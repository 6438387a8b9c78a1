//! What govwatch writes is its own: the store holds subscribers' addresses and the outbox
//! whole messages, so no other local user may read them.
//!
//! The binary sets its umask to 0077 before anything is created (as the systemd unit's
//! `UMask=` does), so every directory it makes is 0700 and every file 0600: the data
//! directory, the SQLite files, the index, the outbox and its messages. The data
//! directory is also created 0700 explicitly, for embedders that keep their own umask, and a
//! data directory that others can already enter is reported, not silently changed: an
//! operator may have shared it on purpose.

use std::io;
use std::path::Path;

/// The mode bits no one but the owner may have.
const OTHERS: u32 = 0o077;

/// Makes files and directories this process creates from now on private to its user.
pub fn restrict_umask() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(OTHERS as libc::mode_t);
    }
}

/// Creates `dir` (and missing parents) private to this user; an existing directory is left
/// as it is. Returns the mode of an existing directory that others may enter or read, so the
/// caller can warn.
pub fn create_private_dir(dir: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.is_dir()
        {
            let mode = meta.permissions().mode() & 0o777;
            return Ok((mode & OTHERS != 0).then_some(mode));
        }
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        Ok(None)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)?;
        Ok(None)
    }
}
