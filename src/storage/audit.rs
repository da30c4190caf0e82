//! The append-only audit log: who did what, when, with the state before and after. Entries
//! are written in the same transaction as the change they describe; the database refuses
//! updates and deletes of this table (triggers in the migrations).
//!
//! The log is also a hash chain: each entry has a gapless sequence number `seq`, the hash of
//! the entry before it (`prev_hash`) and its own hash (`entry_hash`, SHA-256 over a canonical
//! serialisation of its fields and `prev_hash`). Appends are serialised across transactions
//! and server processes (a transaction-scoped advisory lock on PostgreSQL; SQLite has one
//! writer at a time), so the chain never forks. [`verify`] walks it and names the first
//! entry that does not match. Someone with write access to the database could still rewrite
//! the whole tail consistently; the head hash that `pingcha audit verify` prints lets an
//! operator note it elsewhere and notice that too.

use crate::domain::ids::UserId;
use crate::storage::schema::audit_log;
use crate::storage::{DbConn, Result, transaction};
use chrono::{NaiveDateTime, SubsecRound};
use diesel::prelude::*;
use serde::Serialize;

/// Who performed an action: a signed-in user, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<UserId>,
    pub login: String,
    pub client_ip: Option<String>,
}

impl Actor {
    /// The operator at the command line (`pingcha user add`, `pingcha demo` …).
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            login: "cli".to_string(),
            client_ip: None,
        }
    }
}

/// One change to record. `before`/`after` are JSON snapshots of the entity; secrets such as
/// password hashes must never be put in them.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry<'a> {
    at: NaiveDateTime,
    actor_user_id: Option<String>,
    actor_login: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    client_ip: Option<&'a str>,
    seq: i64,
    prev_hash: String,
    entry_hash: String,
}

/// A stored entry, as the audit page shows it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_login: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub client_ip: Option<String>,
    pub seq: Option<i64>,
    pub prev_hash: Option<String>,
    pub entry_hash: Option<String>,
}

/// `prev_hash` of the first entry of the chain.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The advisory-lock key that serialises appends on PostgreSQL ("pingchaA" as a number).
const CHAIN_LOCK: i64 = 0x7069_6e67_6368_6141;

/// The fields an entry's hash covers, in a fixed order.
struct Hashed<'a> {
    seq: i64,
    at: NaiveDateTime,
    actor_user_id: Option<&'a str>,
    actor_login: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: Option<&'a str>,
    before_json: Option<&'a str>,
    after_json: Option<&'a str>,
    client_ip: Option<&'a str>,
}

impl Hashed<'_> {
    /// SHA-256 (hex) of the canonical serialisation: a JSON array of the fields as stored
    /// (the time as text to the microsecond, the precision both backends keep) and `prev_hash`.
    fn hash(&self, prev_hash: &str) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at
                .trunc_subsecs(6)
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string(),
            self.actor_user_id,
            self.actor_login,
            self.action,
            self.entity_type,
            self.entity_id,
            self.before_json,
            self.after_json,
            self.client_ip,
            prev_hash,
        ]);
        crate::security::sha256_hex(canonical.to_string().as_bytes())
    }
}

impl Entry {
    /// The hash this entry's fields and `prev_hash` give (None for an entry not yet sealed).
    pub fn computed_hash(&self) -> Option<String> {
        let seq = self.seq?;
        Some(self.hashed(seq).hash(self.prev_hash.as_deref()?))
    }

    fn hashed(&self, seq: i64) -> Hashed<'_> {
        Hashed {
            seq,
            at: self.at,
            actor_user_id: self.actor_user_id.as_deref(),
            actor_login: &self.actor_login,
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: self.entity_id.as_deref(),
            before_json: self.before_json.as_deref(),
            after_json: self.after_json.as_deref(),
            client_ip: self.client_ip.as_deref(),
        }
    }
}

/// Takes the chain lock for the rest of the (outermost) transaction. PostgreSQL: an advisory
/// lock, so concurrent transactions and other server processes append one after another.
/// SQLite: `storage::transaction` already began with `BEGIN IMMEDIATE` (one writer).
fn lock_chain(conn: &mut DbConn) -> Result<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(CHAIN_LOCK)
            .execute(conn)?;
    }
    Ok(())
}

/// The last link of the chain: (seq, entry_hash), or (0, GENESIS) when it is empty.
fn head(conn: &mut DbConn) -> Result<(i64, String)> {
    let last: Option<(Option<i64>, Option<String>)> = audit_log::table
        .filter(audit_log::seq.is_not_null())
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::entry_hash))
        .first(conn)
        .optional()?;
    Ok(match last {
        Some((Some(seq), Some(hash))) => (seq, hash),
        Some((Some(seq), None)) => (seq, String::new()),
        _ => (0, GENESIS.to_string()),
    })
}

/// Seals entries written before the chain existed (seq still empty), in id order, after the
/// current head. Called under the chain lock by every append (a no-op once done) and after
/// migrations; returns how many were sealed.
fn seal_locked(conn: &mut DbConn) -> Result<usize> {
    let mut sealed = 0;
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.is_null())
            .order(audit_log::id.asc())
            .limit(500)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(sealed);
        }
        let (mut seq, mut prev) = head(conn)?;
        for entry in &batch {
            seq += 1;
            let hash = entry.hashed(seq).hash(&prev);
            diesel::update(audit_log::table.find(entry.id))
                .set((
                    audit_log::seq.eq(seq),
                    audit_log::prev_hash.eq(&prev),
                    audit_log::entry_hash.eq(&hash),
                ))
                .execute(conn)?;
            prev = hash;
            sealed += 1;
        }
    }
}

/// Seals the entries that predate the chain (see [`seal_locked`]), in one transaction.
pub fn seal_existing(conn: &mut DbConn) -> Result<usize> {
    transaction(conn, |conn| {
        lock_chain(conn)?;
        seal_locked(conn)
    })
}

/// Appends one entry at the head of the chain, inside the caller's transaction (or its own).
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    change: Change<'_>,
    at: NaiveDateTime,
) -> Result<()> {
    let at = at.trunc_subsecs(6);
    let actor_user_id = actor.user_id.map(|id| id.to_string());
    let before_json = change.before.map(|value| value.to_string());
    let after_json = change.after.map(|value| value.to_string());
    transaction(conn, |conn| {
        lock_chain(conn)?;
        let has_unsealed = audit_log::table
            .filter(audit_log::seq.is_null())
            .select(audit_log::id)
            .first::<i64>(conn)
            .optional()?
            .is_some();
        if has_unsealed {
            seal_locked(conn)?;
        }
        let (last_seq, prev_hash) = head(conn)?;
        let seq = last_seq + 1;
        let entry_hash = Hashed {
            seq,
            at,
            actor_user_id: actor_user_id.as_deref(),
            actor_login: &actor.login,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: change.entity_id.as_deref(),
            before_json: before_json.as_deref(),
            after_json: after_json.as_deref(),
            client_ip: actor.client_ip.as_deref(),
        }
        .hash(&prev_hash);
        let entry = NewEntry {
            at,
            actor_user_id: actor_user_id.clone(),
            actor_login: &actor.login,
            action: change.action,
            entity_type: change.entity_type,
            entity_id: change.entity_id.clone(),
            before_json: before_json.clone(),
            after_json: after_json.clone(),
            client_ip: actor.client_ip.as_deref(),
            seq,
            prev_hash,
            entry_hash,
        };
        diesel::insert_into(audit_log::table)
            .values(&entry)
            .execute(conn)?;
        Ok(())
    })
}

/// Why an entry breaks the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Fault {
    /// Its fields no longer give its stored hash: the entry was changed.
    Altered,
    /// Entries before it are missing (its sequence number skips): deleted.
    MissingPredecessor,
    /// Its `prev_hash` is not the hash of the entry before it: the one before was replaced.
    BrokenLink,
    /// It has no place in the chain (written around the application).
    Unsealed,
}

/// The first entry that does not match.
#[derive(Debug, Clone, Serialize)]
pub struct Broken {
    pub id: i64,
    pub seq: Option<i64>,
    pub at: NaiveDateTime,
    pub action: String,
    pub fault: Fault,
    /// For a gap: the sequence number that was expected instead.
    pub expected_seq: Option<i64>,
}

/// An intact chain: how many entries, and the hash of the last one.
#[derive(Debug, Clone, Serialize)]
pub struct Intact {
    pub entries: u64,
    pub head_hash: String,
}

/// The number of entries, for a progress bar.
pub fn count(conn: &mut DbConn) -> Result<u64> {
    let count: i64 = audit_log::table.count().get_result(conn)?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Walks the whole chain in order; `progress` gets the number of entries checked so far.
pub fn verify(
    conn: &mut DbConn,
    progress: &mut dyn FnMut(u64),
) -> Result<std::result::Result<Intact, Broken>> {
    let broken = |entry: &Entry, fault: Fault, expected_seq: Option<i64>| Broken {
        id: entry.id,
        seq: entry.seq,
        at: entry.at,
        action: entry.action.clone(),
        fault,
        expected_seq,
    };
    let unsealed: Option<Entry> = audit_log::table
        .filter(audit_log::seq.is_null())
        .order(audit_log::id.asc())
        .first(conn)
        .optional()?;
    if let Some(entry) = unsealed {
        return Ok(Err(broken(&entry, Fault::Unsealed, None)));
    }
    let (mut expected_seq, mut expected_prev) = (1_i64, GENESIS.to_string());
    let mut checked = 0_u64;
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(1000)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(Ok(Intact {
                entries: checked,
                head_hash: expected_prev,
            }));
        }
        for entry in &batch {
            let seq = entry.seq.unwrap_or_default();
            let prev = entry.prev_hash.as_deref().unwrap_or_default();
            let recomputed = entry.hashed(seq).hash(prev);
            if entry.entry_hash.as_deref() != Some(recomputed.as_str()) {
                return Ok(Err(broken(entry, Fault::Altered, None)));
            }
            if seq != expected_seq {
                return Ok(Err(broken(
                    entry,
                    Fault::MissingPredecessor,
                    Some(expected_seq),
                )));
            }
            if prev != expected_prev {
                return Ok(Err(broken(entry, Fault::BrokenLink, None)));
            }
            expected_seq = seq + 1;
            expected_prev = recomputed;
            checked += 1;
            progress(checked);
        }
    }
}

/// Filters for the audit page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub actor_login: Option<String>,
}

/// The newest entries first.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    let mut query = audit_log::table.into_boxed();
    if let Some(action) = &filter.action {
        query = query.filter(audit_log::action.eq(action.clone()));
    }
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(audit_log::entity_type.eq(entity_type.clone()));
    }
    if let Some(login) = &filter.actor_login {
        query = query.filter(audit_log::actor_login.eq(login.clone()));
    }
    Ok(query
        .order(audit_log::id.desc())
        .limit(limit)
        .load::<Entry>(conn)?)
}
