//! The audit log (审计日志): listing it for administrators, and verifying it — the hash
//! chain, its recorded heads, and every stored row it covers (`storage::attest`). The page
//! and `pingcha audit verify` both call [`verify`], so they report the same outcome.

use crate::storage::audit::{self, Entry, Filter, Report};
use crate::storage::{DbConn, Result};

/// Entries newest first, filtered, at most `limit`.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    audit::list(conn, filter, limit)
}

/// How many entries a verification walks (for a progress bar).
pub fn count(conn: &mut DbConn) -> Result<u64> {
    audit::count(conn)
}

/// Walks the chain and compares what it records with the stored rows; `progress` hears the
/// number of entries walked so far; `given` is a head (sequence, hash) kept elsewhere that
/// the chain must still contain.
pub fn verify(
    conn: &mut DbConn,
    progress: &mut dyn FnMut(u64),
    given: Option<(i64, String)>,
) -> Result<Report> {
    audit::verify_all(conn, progress, given)
}
