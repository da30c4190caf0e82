//! Which `pingcha serve` processes have an SQLite database open. Each server holds, for as
//! long as it runs, an exclusive OS file lock on its own marker file beside the database
//! (`<database>.serving-<pid>`, holding its pid and host). The operating system lets the
//! lock go when the process ends in any way (even `kill -9`), so a marker whose lock can be
//! taken is left over from a server that is gone. `pingcha restore` refuses while any marker
//! is locked, naming the process: replacing the file under a running server loses every
//! write the server makes afterwards.

use crate::app::messages::cli::{self as messages, LockStep};
use anyhow::Context;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The marker's name prefix for the database at `database`.
fn prefix(database: &Path) -> String {
    let name = database
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{name}.serving-")
}

fn folder(database: &Path) -> PathBuf {
    match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| messages::THIS_HOST.to_string())
}

/// The lock a running server holds; dropping it (the server stopping) removes the marker.
#[derive(Debug)]
pub struct ServingLock {
    file: Option<File>,
    path: PathBuf,
}

impl Drop for ServingLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file.take());
    }
}

/// Takes this process's serving lock for the SQLite database at `database`.
pub fn hold(database: &Path) -> anyhow::Result<ServingLock> {
    let path = folder(database).join(format!("{}{}", prefix(database), std::process::id()));
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .with_context(|| messages::lock_file(LockStep::Create, path.display()))?;
    file.try_lock()
        .with_context(|| messages::lock_file(LockStep::Lock, path.display()))?;
    writeln!(file, "pid={}\nhost={}", std::process::id(), host())
        .with_context(|| messages::lock_file(LockStep::Write, path.display()))?;
    Ok(ServingLock {
        file: Some(file),
        path,
    })
}

/// A server that has the database open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: String,
    pub host: String,
    pub marker: PathBuf,
}

/// The servers that hold the database at `database` open now. Markers left by servers that
/// are gone are removed on the way.
pub fn holders(database: &Path) -> anyhow::Result<Vec<Holder>> {
    let prefix = prefix(database);
    let folder = folder(database);
    let Ok(entries) = std::fs::read_dir(&folder) else {
        return Ok(Vec::new());
    };
    let mut holders = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(&prefix) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
            continue;
        };
        match file.try_lock() {
            Ok(()) => {
                // Its server is gone; the lock is released when `file` closes.
                let _ = std::fs::remove_file(&path);
            }
            Err(TryLockError::WouldBlock) => {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let field = |key: &str| {
                    text.lines()
                        .find_map(|line| line.strip_prefix(key))
                        .map(str::to_string)
                };
                holders.push(Holder {
                    pid: field("pid=").unwrap_or_else(|| name[prefix.len()..].to_string()),
                    host: field("host=").unwrap_or_else(host),
                    marker: path,
                });
            }
            Err(TryLockError::Error(error)) => {
                return Err(error)
                    .with_context(|| messages::lock_file(LockStep::Check, path.display()));
            }
        }
    }
    holders.sort_by(|a, b| a.pid.cmp(&b.pid));
    Ok(holders)
}
