//! The append-only audit log: who did what, when, with the state before and after. Entries
//! are written in the same transaction as the change they describe; the database refuses
//! updates and deletes of this table (triggers in the migrations), except the one-time
//! setting of an entry's place in the chain.
//!
//! The log is also a hash chain: each entry has a gapless sequence number `seq`, the hash of
//! the entry before it (`prev_hash`) and its own hash (`entry_hash`, SHA-256 over a canonical
//! serialisation of its fields and `prev_hash`). Sealing (giving entries their place) is
//! serialised across transactions and server processes (a transaction-scoped advisory lock
//! on PostgreSQL; SQLite has one writer at a time), so the chain never forks. On SQLite an
//! entry is sealed in its own transaction; on PostgreSQL after it commits (see [`append`]
//! and [`Sealer`]). [`verify`] walks the chain and names the first entry that does not match.
//! Someone with write access to the database could still rewrite the whole tail
//! consistently; the head hash that `pingcha audit verify` prints lets an operator note it
//! elsewhere and notice that too.

use crate::domain::ids::UserId;
use crate::storage::attest;
use crate::storage::schema::audit_log;
use crate::storage::{DbConn, Result, transaction};
use chrono::{NaiveDateTime, SubsecRound};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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

impl<'a> Change<'a> {
    /// A change to one entity, named by its type and id; snapshots are added with
    /// [`Change::before`] and [`Change::after`].
    pub fn of(action: &'a str, entity_type: &'a str, entity_id: impl ToString) -> Self {
        Change {
            entity_id: Some(entity_id.to_string()),
            ..Change::whole(action, entity_type)
        }
    }

    /// A change to no single entity (an import, a setting, the database itself).
    pub fn whole(action: &'a str, entity_type: &'a str) -> Self {
        Change {
            action,
            entity_type,
            entity_id: None,
            before: None,
            after: None,
        }
    }

    /// The entity as it was before the change.
    pub fn before(self, snapshot: impl Into<Option<serde_json::Value>>) -> Self {
        Change {
            before: snapshot.into(),
            ..self
        }
    }

    /// The entity as the change leaves it.
    pub fn after(self, snapshot: impl Into<Option<serde_json::Value>>) -> Self {
        Change {
            after: snapshot.into(),
            ..self
        }
    }

    /// Records the change by `actor` at `at`, inside the caller's transaction (see [`record`]).
    pub fn record(self, conn: &mut DbConn, actor: &Actor, at: NaiveDateTime) -> Result<()> {
        record(conn, actor, self, at)
    }
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

/// The [`Hashed`] view of a stored or a prepared entry (the two carry the same fields).
macro_rules! hashed_fields {
    ($entry:expr, $seq:expr) => {
        Hashed {
            seq: $seq,
            at: $entry.at,
            actor_user_id: $entry.actor_user_id.as_deref(),
            actor_login: &$entry.actor_login,
            action: &$entry.action,
            entity_type: &$entry.entity_type,
            entity_id: $entry.entity_id.as_deref(),
            before_json: $entry.before_json.as_deref(),
            after_json: $entry.after_json.as_deref(),
            client_ip: $entry.client_ip.as_deref(),
        }
    };
}

impl Entry {
    /// The hash this entry's fields and `prev_hash` give (None for an entry not yet sealed).
    pub fn computed_hash(&self) -> Option<String> {
        let seq = self.seq?;
        Some(self.hashed(seq).hash(self.prev_hash.as_deref()?))
    }

    fn hashed(&self, seq: i64) -> Hashed<'_> {
        hashed_fields!(self, seq)
    }
}

/// Takes the chain lock for the rest of the (outermost) transaction. PostgreSQL: an advisory
/// lock, so concurrent transactions and other server processes seal one after another.
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

/// How many entries one sealing pass reads and seals at a time.
const SEAL_BATCH: i64 = 500;

/// Seals every entry not yet in the chain (seq still empty), in id order, after the current
/// head; called under the chain lock. Returns how many were sealed.
fn seal_locked(conn: &mut DbConn) -> Result<usize> {
    let mut sealed = 0;
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.is_null())
            .order(audit_log::id.asc())
            .limit(SEAL_BATCH)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(sealed);
        }
        let (mut seq, mut prev) = head(conn)?;
        let mut links = Vec::with_capacity(batch.len());
        for entry in &batch {
            seq += 1;
            let hash = entry.hashed(seq).hash(&prev);
            links.push(Link {
                id: entry.id,
                seq,
                prev_hash: std::mem::replace(&mut prev, hash.clone()),
                entry_hash: hash,
            });
        }
        store_links(conn, &links)?;
        if let Some(last) = links.last() {
            statements::MoveHead {
                seq: last.seq,
                entry_hash: &last.entry_hash,
            }
            .execute(conn)?;
        }
        sealed += links.len();
        if (batch.len() as i64) < SEAL_BATCH {
            return Ok(sealed);
        }
    }
}

/// An entry's place in the chain, worked out and about to be stored.
struct Link {
    id: i64,
    seq: i64,
    prev_hash: String,
    entry_hash: String,
}

/// Stores the links of a batch: on PostgreSQL in one statement (a burst of submissions is
/// sealed in a few round trips, not one per entry), on SQLite one entry at a time (it seals
/// inside each writing transaction, one or two entries). Fails, and so rolls the sealing
/// back, unless every entry was still unsealed.
fn store_links(conn: &mut DbConn, links: &[Link]) -> Result<()> {
    let updated = match conn {
        DbConn::Pg(pg) => {
            use diesel::sql_types::{Array, BigInt, Text};
            diesel::sql_query(
                "UPDATE audit_log AS a SET seq = v.seq, prev_hash = v.prev_hash, \
                 entry_hash = v.entry_hash \
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) \
                 AS v(id, seq, prev_hash, entry_hash) \
                 WHERE a.id = v.id AND a.seq IS NULL",
            )
            .bind::<Array<BigInt>, _>(links.iter().map(|link| link.id).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(links.iter().map(|link| link.seq).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(
                links
                    .iter()
                    .map(|link| link.prev_hash.as_str())
                    .collect::<Vec<_>>(),
            )
            .bind::<Array<Text>, _>(
                links
                    .iter()
                    .map(|link| link.entry_hash.as_str())
                    .collect::<Vec<_>>(),
            )
            .execute(pg)?
        }
        DbConn::Sqlite(_) => {
            let mut updated = 0;
            for link in links {
                updated += statements::SealEntry {
                    id: link.id,
                    seq: link.seq,
                    prev_hash: &link.prev_hash,
                    entry_hash: &link.entry_hash,
                }
                .execute(conn)?;
            }
            updated
        }
    };
    if updated != links.len() {
        return Err(crate::storage::Error::Corrupt(format!(
            "sealing {} audit entries changed {updated}: an entry was sealed meanwhile",
            links.len()
        )));
    }
    Ok(())
}

/// Seals every entry waiting for its place in the chain, in one transaction: entries
/// written before the chain existed (after migrating), entries of PostgreSQL transactions
/// whose sealing was cut short (a lost connection), and anything written around the
/// application. Returns how many were sealed.
pub fn seal_existing(conn: &mut DbConn) -> Result<usize> {
    transaction(conn, |conn| {
        lock_chain(conn)?;
        seal_locked(conn)
    })
}

/// The server's sealer for PostgreSQL: a thread that seals, in one transaction, every entry
/// committed since it last ran. Requests wake it after committing (see
/// [`crate::storage::deferring_seals`]) instead of sealing themselves, and it gathers the
/// commits of the next [`SEALER_GATHERS`] before it runs, so a burst of submissions is
/// sealed in a few transactions and no request waits for a second flush to disk. Dropping the sealer lets the run under way finish, starts no other and waits for
/// the thread to end (a process must not exit while one of its threads is in the middle of
/// a TLS exchange). Entries left unsealed (a lost connection, a wake-up that came during the
/// shutdown) stay in the log and are sealed by the next run, `pingcha audit verify` or a
/// server start.
#[derive(Debug)]
pub struct Sealer {
    waker: SealerWaker,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// How long the sealer waits, once woken, for the commits that follow before it seals.
const SEALER_GATHERS: std::time::Duration = std::time::Duration::from_millis(20);

/// Wakes a [`Sealer`]; cheap to clone into database work.
#[derive(Debug, Clone)]
pub struct SealerWaker(std::sync::mpsc::Sender<()>);

impl SealerWaker {
    /// Asks for a sealing run soon; never blocks.
    pub fn wake(&self) {
        // Fails only once the sealer has stopped; the entries then wait for the next sealing.
        let _ = self.0.send(());
    }
}

impl Sealer {
    /// Starts the sealing thread; it uses one connection of `pool` while it works.
    pub fn start(pool: crate::storage::Pool) -> std::io::Result<Sealer> {
        let (wake, woken) = std::sync::mpsc::channel::<()>();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("audit-sealer".into())
            .spawn(move || {
                let stopped = || stopping.load(std::sync::atomic::Ordering::Acquire);
                while woken.recv().is_ok() {
                    // Every wake-up that comes in the next few milliseconds is covered by
                    // this run: a burst of submissions is sealed in a few transactions, not
                    // in one per commit (each its own flush to disk).
                    let deadline = std::time::Instant::now() + SEALER_GATHERS;
                    loop {
                        if stopped() {
                            return;
                        }
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        match woken.recv_timeout(left) {
                            Ok(()) if !left.is_zero() => {}
                            _ => break,
                        }
                    }
                    if stopped() {
                        return;
                    }
                    let sealed = crate::storage::checkout(&pool).and_then(|mut conn| {
                        let sealed = seal_existing(&mut conn)?;
                        crate::storage::record_good_use(&mut conn);
                        Ok(sealed)
                    });
                    if let Err(error) = sealed {
                        tracing::warn!(%error, "audit entries left to the next sealing");
                    }
                }
            })?;
        Ok(Sealer {
            waker: SealerWaker(wake),
            stop,
            thread: Some(thread),
        })
    }

    pub fn waker(&self) -> SealerWaker {
        self.waker.clone()
    }
}

impl Drop for Sealer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Release);
        // Wakes the thread if it is waiting, so that it sees the stop and ends.
        self.waker.wake();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("the audit sealer ended with a panic");
        }
    }
}

/// An entry ready to append, its snapshots already serialised: a caller that writes under
/// a lock prepares the entry before taking it.
#[derive(Debug, Clone)]
pub struct Prepared {
    at: NaiveDateTime,
    actor_user_id: Option<String>,
    actor_login: String,
    action: String,
    entity_type: String,
    entity_id: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    client_ip: Option<String>,
}

impl Prepared {
    pub fn new(actor: &Actor, change: Change<'_>, at: NaiveDateTime) -> Prepared {
        Prepared {
            at: at.trunc_subsecs(6),
            actor_user_id: actor.user_id.map(|id| id.to_string()),
            actor_login: actor.login.clone(),
            action: change.action.to_string(),
            entity_type: change.entity_type.to_string(),
            entity_id: change.entity_id,
            before_json: change.before.map(|value| value.to_string()),
            after_json: change.after.map(|value| value.to_string()),
            client_ip: actor.client_ip.clone(),
        }
    }

    fn hashed(&self, seq: i64) -> Hashed<'_> {
        hashed_fields!(self, seq)
    }
}

/// Appends one entry, inside the caller's transaction (or its own).
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    change: Change<'_>,
    at: NaiveDateTime,
) -> Result<()> {
    append(conn, &Prepared::new(actor, change, at))
}

/// Appends a prepared entry, inside the caller's transaction (or its own).
///
/// SQLite has one writer at a time, so the entry is sealed at once, at the head of the chain.
/// PostgreSQL writes concurrently: the entry is written unsealed, and sealed right after its
/// transaction commits (`storage::transaction` calls [`seal_pending`]), together with any
/// other entries waiting then. Sealing inside the transaction would hold the chain's lock
/// through the commit's flush to disk, so that every writer of every server waited for the
/// flush of the one before it.
pub fn append(conn: &mut DbConn, entry: &Prepared) -> Result<()> {
    match conn {
        DbConn::Sqlite(_) => crate::storage::within_transaction(conn, |conn| {
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
            let entry_hash = entry.hashed(seq).hash(&prev_hash);
            statements::InsertEntry {
                entry,
                seq: Some(seq),
                prev_hash: Some(&prev_hash),
                entry_hash: Some(&entry_hash),
            }
            .get_result::<i64>(conn)?;
            statements::MoveHead {
                seq,
                entry_hash: &entry_hash,
            }
            .execute(conn)?;
            Ok(())
        }),
        DbConn::Pg(_) => {
            let id: i64 = statements::InsertEntry {
                entry,
                seq: None,
                prev_hash: None,
                entry_hash: None,
            }
            .get_result(conn)?;
            crate::storage::seal_after_commit(conn, id);
            Ok(())
        }
    }
}

/// Seals entry `id` and every other entry waiting for its place in the chain, after the
/// PostgreSQL transaction that wrote `id` has committed. Sealers queue on the chain's lock;
/// one that finds its entry sealed already (by the sealer before it, which sealed all it could
/// see) just lets go, so under load one flush to disk seals a whole group of submissions.
/// A failure here loses nothing: the entries stay in the log, unsealed, and the next sealing
/// (any later write's, `pingcha audit verify`, a server start) seals them.
pub(crate) fn seal_pending(conn: &mut DbConn, id: i64) {
    let sealed = transaction(conn, |conn| {
        lock_chain(conn)?;
        let seq: Option<Option<i64>> = audit_log::table
            .find(id)
            .select(audit_log::seq)
            .first(conn)
            .optional()?;
        if let Some(Some(_)) = seq {
            return Ok(0);
        }
        seal_locked(conn)
    });
    if let Err(error) = sealed {
        tracing::warn!(%error, "audit entries left to the next sealing");
    }
}

/// The two statements every audited write runs, as fixed SQL that the connection's statement
/// cache keeps prepared (diesel re-prepares its own INSERT and UPDATE builders on every run).
mod statements {
    use super::Prepared;
    use crate::storage::DbBackend as MultiBackend;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
    use diesel::{QueryResult, RunQueryDsl};

    pub(super) struct InsertEntry<'a> {
        pub entry: &'a Prepared,
        pub seq: Option<i64>,
        pub prev_hash: Option<&'a str>,
        pub entry_hash: Option<&'a str>,
    }

    impl QueryId for InsertEntry<'_> {
        type QueryId = InsertEntry<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<MultiBackend> for InsertEntry<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
            let entry = self.entry;
            out.push_sql(
                "INSERT INTO audit_log (at, actor_user_id, actor_login, action, entity_type, \
                 entity_id, before_json, after_json, client_ip, seq, prev_hash, entry_hash) \
                 VALUES (",
            );
            out.push_bind_param::<Timestamp, _>(&entry.at)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&entry.actor_user_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&entry.actor_login)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&entry.action)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&entry.entity_type)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&entry.entity_id)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&entry.before_json)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&entry.after_json)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&entry.client_ip)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<BigInt>, _>(&self.seq)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&self.prev_hash)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&self.entry_hash)?;
            out.push_sql(") RETURNING id");
            Ok(())
        }
    }

    impl diesel::query_builder::Query for InsertEntry<'_> {
        type SqlType = BigInt;
    }

    impl<Conn> RunQueryDsl<Conn> for InsertEntry<'_> {}

    pub(super) struct SealEntry<'a> {
        pub id: i64,
        pub seq: i64,
        pub prev_hash: &'a str,
        pub entry_hash: &'a str,
    }

    impl QueryId for SealEntry<'_> {
        type QueryId = SealEntry<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<MultiBackend> for SealEntry<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
            out.push_sql("UPDATE audit_log SET seq = ");
            out.push_bind_param::<BigInt, _>(&self.seq)?;
            out.push_sql(", prev_hash = ");
            out.push_bind_param::<Text, _>(self.prev_hash)?;
            out.push_sql(", entry_hash = ");
            out.push_bind_param::<Text, _>(self.entry_hash)?;
            out.push_sql(" WHERE id = ");
            out.push_bind_param::<BigInt, _>(&self.id)?;
            out.push_sql(" AND seq IS NULL");
            Ok(())
        }
    }

    impl<Conn> RunQueryDsl<Conn> for SealEntry<'_> {}

    /// Moves the recorded head of the chain (`audit_head`) forward to a newly sealed entry;
    /// never back.
    pub(super) struct MoveHead<'a> {
        pub seq: i64,
        pub entry_hash: &'a str,
    }

    impl QueryId for MoveHead<'_> {
        type QueryId = MoveHead<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<MultiBackend> for MoveHead<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
            out.push_sql("UPDATE audit_head SET seq = ");
            out.push_bind_param::<BigInt, _>(&self.seq)?;
            out.push_sql(", entry_hash = ");
            out.push_bind_param::<Text, _>(self.entry_hash)?;
            out.push_sql(" WHERE id = 1 AND seq < ");
            out.push_bind_param::<BigInt, _>(&self.seq)?;
            Ok(())
        }
    }

    impl<Conn> RunQueryDsl<Conn> for MoveHead<'_> {}
}

/// The head of the chain as last recorded in `audit_head` (seq, hash): the anchor an issued
/// document keeps. (0, GENESIS) before anything was sealed.
pub fn recorded_head(conn: &mut DbConn) -> Result<(i64, String)> {
    use crate::storage::schema::audit_head;
    Ok(audit_head::table
        .find(1)
        .select((audit_head::seq, audit_head::entry_hash))
        .first::<(i64, String)>(conn)
        .optional()?
        .unwrap_or((0, GENESIS.to_string())))
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
    Ok(walk(conn, progress, &BTreeSet::new())?.map(|walked| walked.intact))
}

/// What a walk of an intact chain gathered besides the count: the hashes of the entries at
/// the sequence numbers asked for, and the digest each row's last entry recorded.
struct Walked {
    intact: Intact,
    last_seq: i64,
    hashes: BTreeMap<i64, String>,
    recorded: BTreeMap<(attest::Kind, String), String>,
}

fn walk(
    conn: &mut DbConn,
    progress: &mut dyn FnMut(u64),
    wanted: &BTreeSet<i64>,
) -> Result<std::result::Result<Walked, Broken>> {
    let broken = |entry: &Entry, fault: Fault, expected_seq: Option<i64>| Broken {
        id: entry.id,
        seq: entry.seq,
        at: entry.at,
        action: entry.action.clone(),
        fault,
        expected_seq,
    };
    // Entries still waiting for their place are sealed first, as the next write would seal
    // them: on PostgreSQL an entry is sealed just after its transaction commits.
    seal_existing(conn)?;
    let (mut expected_seq, mut expected_prev) = (1_i64, GENESIS.to_string());
    let mut checked = 0_u64;
    let mut hashes = BTreeMap::new();
    let mut recorded = BTreeMap::new();
    loop {
        let batch: Vec<Entry> = audit_log::table
            .filter(audit_log::seq.ge(expected_seq))
            .order(audit_log::seq.asc())
            .limit(1000)
            .load(conn)?;
        if batch.is_empty() {
            return Ok(Ok(Walked {
                intact: Intact {
                    entries: checked,
                    head_hash: expected_prev,
                },
                last_seq: expected_seq - 1,
                hashes,
                recorded,
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
            for (kind, id, digest) in attest::recorded(
                &entry.entity_type,
                entry.entity_id.as_deref(),
                entry.after_json.as_deref(),
            ) {
                recorded.insert((kind, id), digest);
            }
            if wanted.contains(&seq) {
                hashes.insert(seq, recomputed.clone());
            }
            expected_seq = seq + 1;
            expected_prev = recomputed;
            checked += 1;
            progress(checked);
        }
    }
}

/// Something `verify_all` found besides a broken link.
#[derive(Debug, Clone, Serialize)]
pub enum Problem {
    /// A recorded head of the chain lies beyond the chain's last entry: entries at its end
    /// were deleted. `source`: the head record, or the issued document that kept it.
    TailCut {
        source: AnchorSource,
        recorded_seq: i64,
        last_seq: i64,
    },
    /// A recorded head names an entry whose hash is not the one recorded: the log was
    /// rewritten from there on.
    AnchorDiffers { source: AnchorSource, seq: i64 },
    /// The head record (`audit_head`) is gone.
    HeadMissing,
    /// A stored row whose content is not what its last audit entry recorded.
    Row(attest::Mismatch),
    /// An issued document whose stored bytes no longer give the SHA-256 it was issued with.
    DocumentBytes { code: String },
}

/// Where a recorded head of the chain is kept.
#[derive(Debug, Clone, Serialize)]
pub enum AnchorSource {
    /// `audit_head`, moved forward by every sealing.
    Head,
    /// The issued document with this code (the head when it was issued).
    Document(String),
    /// The head the operator noted elsewhere and gave to `pingcha audit verify --head`.
    Given,
}

/// The outcome of [`verify_all`]: the chain walk, then (on an intact chain) everything
/// compared against it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub chain: std::result::Result<Intact, Broken>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.chain.is_ok() && self.problems.is_empty()
    }
}

/// Walks the chain ([`verify`]) and, when it is intact, also checks that it was not cut
/// short (its end is at or beyond every recorded head: the `audit_head` row, each issued
/// document's anchor, and `given`, a head noted outside the database), that every stored
/// score sheet, finding and notice still has the content its last audit entry recorded, and
/// that every issued document's stored bytes still give its SHA-256.
pub fn verify_all(
    conn: &mut DbConn,
    progress: &mut dyn FnMut(u64),
    given: Option<(i64, String)>,
) -> Result<Report> {
    let mut anchors: Vec<(AnchorSource, i64, String)> = Vec::new();
    let head_row: Option<(i64, String)> = {
        use crate::storage::schema::audit_head;
        audit_head::table
            .find(1)
            .select((audit_head::seq, audit_head::entry_hash))
            .first(conn)
            .optional()?
    };
    let documents = crate::storage::issued::anchors(conn)?;
    let mut problems = Vec::new();
    match head_row {
        Some((seq, hash)) => anchors.push((AnchorSource::Head, seq, hash)),
        None => problems.push(Problem::HeadMissing),
    }
    for document in &documents {
        if let (Some(seq), Some(hash)) = (document.chain_seq, &document.chain_hash) {
            anchors.push((
                AnchorSource::Document(document.code.clone()),
                seq,
                hash.clone(),
            ));
        }
        if document
            .content_sha256
            .as_ref()
            .is_some_and(|actual| *actual != document.sha256)
        {
            problems.push(Problem::DocumentBytes {
                code: document.code.clone(),
            });
        }
    }
    if let Some((seq, hash)) = given {
        anchors.push((AnchorSource::Given, seq, hash));
    }
    let wanted: BTreeSet<i64> = anchors.iter().map(|(_, seq, _)| *seq).collect();
    let walked = match walk(conn, progress, &wanted)? {
        Ok(walked) => walked,
        Err(broken) => {
            return Ok(Report {
                chain: Err(broken),
                problems,
            });
        }
    };
    // The furthest anchor beyond the end names the cut; anchors inside the chain must match.
    let mut cut: Option<&(AnchorSource, i64, String)> = None;
    for anchor in &anchors {
        let (source, seq, hash) = anchor;
        if *seq > walked.last_seq {
            if cut.is_none_or(|furthest| furthest.1 < *seq) {
                cut = Some(anchor);
            }
        } else if *seq > 0 && walked.hashes.get(seq) != Some(hash) {
            problems.push(Problem::AnchorDiffers {
                source: source.clone(),
                seq: *seq,
            });
        }
    }
    if let Some((source, seq, _)) = cut {
        problems.insert(
            0,
            Problem::TailCut {
                source: source.clone(),
                recorded_seq: *seq,
                last_seq: walked.last_seq,
            },
        );
    }
    problems.extend(
        attest::compare(conn, &walked.recorded)?
            .into_iter()
            .map(Problem::Row),
    );
    Ok(Report {
        chain: Ok(walked.intact),
        problems,
    })
}

/// Filters for the audit page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub actor_login: Option<String>,
    /// Entries that name this id (a round's): as their object or anywhere in their details.
    pub mentions: Option<String>,
    /// Entries at or after this moment (UTC).
    pub since: Option<NaiveDateTime>,
    /// Entries before this moment (UTC).
    pub before: Option<NaiveDateTime>,
}

fn filtered<'a>(filter: &Filter) -> audit_log::BoxedQuery<'a, crate::storage::DbBackend> {
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
    if let Some(id) = &filter.mentions {
        let pattern = format!("%{}%", id.replace(['%', '_', '\\'], ""));
        query = query.filter(
            audit_log::entity_id
                .eq(id.clone())
                .or(audit_log::before_json.like(pattern.clone()))
                .or(audit_log::after_json.like(pattern)),
        );
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_log::at.ge(since));
    }
    if let Some(before) = filter.before {
        query = query.filter(audit_log::at.lt(before));
    }
    query
}

/// The newest entries first.
pub fn list(conn: &mut DbConn, filter: &Filter, limit: i64) -> Result<Vec<Entry>> {
    page(conn, filter, limit, 0)
}

/// One page of entries, newest first: `limit` entries after skipping `offset`.
pub fn page(conn: &mut DbConn, filter: &Filter, limit: i64, offset: i64) -> Result<Vec<Entry>> {
    Ok(filtered(filter)
        .order(audit_log::id.desc())
        .limit(limit)
        .offset(offset)
        .load::<Entry>(conn)?)
}

/// How many entries the filter keeps.
pub fn count_filtered(conn: &mut DbConn, filter: &Filter) -> Result<i64> {
    Ok(filtered(filter).count().get_result(conn)?)
}

/// The actions and the logins that occur in the log, for the page's choices.
pub fn known_actions_and_actors(conn: &mut DbConn) -> Result<(Vec<String>, Vec<String>)> {
    let actions = audit_log::table
        .select(audit_log::action)
        .distinct()
        .order(audit_log::action)
        .load::<String>(conn)?;
    let actors = audit_log::table
        .select(audit_log::actor_login)
        .distinct()
        .order(audit_log::actor_login)
        .load::<String>(conn)?;
    Ok((actions, actors))
}

/// What kind of record an id found in the log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Account,
    Unit,
    Round,
    Person,
    CaseFile,
    Notice,
}

/// The names behind the ids an audit page shows (accounts, units, rounds, reviewers, case
/// files by number, notices by document number); ids of nothing known are left out.
pub fn names_of(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<std::collections::HashMap<String, (Named, String)>> {
    use crate::storage::schema::{
        case_files, people, rectification_notices, review_rounds, units, users,
    };
    let mut found = std::collections::HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let ids = ids.to_vec();
    for (id, name) in users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
    {
        found.insert(id, (Named::Account, name));
    }
    for (id, name) in units::table
        .filter(units::id.eq_any(&ids))
        .select((units::id, units::name))
        .load::<(String, String)>(conn)?
    {
        found.insert(id, (Named::Unit, name));
    }
    for (id, name) in review_rounds::table
        .filter(review_rounds::id.eq_any(&ids))
        .select((review_rounds::id, review_rounds::name))
        .load::<(String, String)>(conn)?
    {
        found.insert(id, (Named::Round, name));
    }
    for (id, name) in people::table
        .filter(people::id.eq_any(&ids))
        .select((people::id, people::name))
        .load::<(String, String)>(conn)?
    {
        found.insert(id, (Named::Person, name));
    }
    for (id, name) in case_files::table
        .filter(case_files::id.eq_any(&ids))
        .select((case_files::id, case_files::case_no))
        .load::<(String, String)>(conn)?
    {
        found.insert(id, (Named::CaseFile, name));
    }
    for (id, number) in rectification_notices::table
        .filter(rectification_notices::id.eq_any(&ids))
        .select((rectification_notices::id, rectification_notices::doc_number))
        .load::<(String, Option<String>)>(conn)?
    {
        found.insert(id, (Named::Notice, number.unwrap_or_default()));
    }
    Ok(found)
}
