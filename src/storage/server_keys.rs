//! Keys only the server holds, one per purpose, shared by every server process on the same
//! database: made from the operating system's random source at first use and stored in
//! `server_keys`. They sign offline review packets and derive documents' verification codes;
//! they never appear in a page, an export, a packet or the audit log.

use crate::storage::schema::server_keys;
use crate::storage::{DbConn, Error, Result};
use diesel::prelude::*;

/// What a key is for; each purpose has its own key, so one use can never forge another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Signatures of offline review packets and their result packets.
    OfflinePackets,
    /// Verification codes (核验码) printed on issued documents.
    DocumentCodes,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::OfflinePackets => "offline-packets",
            Purpose::DocumentCodes => "document-codes",
        }
    }
}

/// The key for `purpose`, created on first use. Two servers racing to create it both end with
/// the one that was stored first (insert-or-ignore, then read back).
pub fn key(conn: &mut DbConn, purpose: Purpose, now: chrono::NaiveDateTime) -> Result<[u8; 32]> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|error| Error::Corrupt(error.to_string()))?;
    // diesel's MultiConnection cannot express ON CONFLICT, so the statement is built once
    // per concrete connection (as for document numbers).
    macro_rules! insert_or_ignore {
        ($conn:expr) => {
            diesel::insert_into(server_keys::table)
                .values((
                    server_keys::purpose.eq(purpose.as_str()),
                    server_keys::key_hex.eq(hex::encode(fresh)),
                    server_keys::created_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute($conn)
        };
    }
    match conn {
        DbConn::Pg(pg) => insert_or_ignore!(pg),
        DbConn::Sqlite(sqlite) => insert_or_ignore!(sqlite),
    }?;
    let stored: String = server_keys::table
        .find(purpose.as_str())
        .select(server_keys::key_hex)
        .first(conn)?;
    let bytes = hex::decode(&stored)
        .map_err(|_| Error::Corrupt(format!("server key {} is not hex", purpose.as_str())))?;
    bytes
        .try_into()
        .map_err(|_| Error::Corrupt(format!("server key {} is not 32 bytes", purpose.as_str())))
}
