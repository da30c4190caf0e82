//! Throttled attempts (sign-ins, 核验码 look-ups), kept in the database so that throttling
//! holds across several servers. Counting is atomic: [`reserve`] counts the recent failures
//! and records the attempt as failed in one transaction that serialises with every other
//! attempt on the same login or address (PostgreSQL: advisory locks on both keys; SQLite:
//! `BEGIN IMMEDIATE`), so parallel guesses are counted before any of them is checked. An
//! attempt that turns out right is cleared with [`clear`].

use crate::domain::throttle::{self, Failures, Kind};
use crate::storage::schema::throttle_attempts;
use crate::storage::{DbConn, Result, new_id, transaction};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

/// One attempt let through, recorded as failed until [`clear`]ed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt(String);

/// Records an attempt of `kind` for `login` (empty for look-ups) from `client_ip` if the
/// throttling rule lets it through; `None` when it is refused (nothing is recorded then).
pub fn reserve(
    conn: &mut DbConn,
    kind: Kind,
    login: &str,
    client_ip: &str,
    now: NaiveDateTime,
) -> Result<Option<Attempt>> {
    transaction(conn, |conn| {
        lock(conn, kind, login, client_ip)?;
        let failures = recent_failures(conn, kind, login, client_ip, now)?;
        if !throttle::allows(kind, failures) {
            return Ok(None);
        }
        let id = new_id().to_string();
        diesel::insert_into(throttle_attempts::table)
            .values((
                throttle_attempts::id.eq(&id),
                throttle_attempts::kind.eq(kind.code()),
                throttle_attempts::login.eq(login),
                throttle_attempts::client_ip.eq(client_ip),
                throttle_attempts::failed.eq(true),
                throttle_attempts::attempted_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some(Attempt(id)))
    })
}

/// The attempt succeeded: it no longer counts as a failure.
pub fn clear(conn: &mut DbConn, attempt: &Attempt) -> Result<()> {
    diesel::update(throttle_attempts::table.find(&attempt.0))
        .set(throttle_attempts::failed.eq(false))
        .execute(conn)?;
    Ok(())
}

/// Failures within the window before `now`, counted for this login and address.
pub fn recent_failures(
    conn: &mut DbConn,
    kind: Kind,
    login: &str,
    client_ip: &str,
    now: NaiveDateTime,
) -> Result<Failures> {
    let since = now - Duration::minutes(throttle::WINDOW_MINUTES);
    let failed = throttle_attempts::table
        .filter(throttle_attempts::kind.eq(kind.code()))
        .filter(throttle_attempts::failed.eq(true))
        .filter(throttle_attempts::attempted_at.gt(since));
    let address = failed
        .filter(throttle_attempts::client_ip.eq(client_ip))
        .count()
        .get_result(conn)?;
    let (login, login_and_address) = if kind == Kind::SignIn {
        (
            failed
                .filter(throttle_attempts::login.eq(login))
                .count()
                .get_result(conn)?,
            failed
                .filter(throttle_attempts::login.eq(login))
                .filter(throttle_attempts::client_ip.eq(client_ip))
                .count()
                .get_result(conn)?,
        )
    } else {
        (0, 0)
    };
    Ok(Failures {
        login_and_address,
        address,
        login,
    })
}

/// PostgreSQL: takes the transaction's advisory locks on the attempt's address and login (in
/// one order, so two attempts cannot wait on each other). SQLite's write transaction already
/// admits one writer at a time.
fn lock(conn: &mut DbConn, kind: Kind, login: &str, client_ip: &str) -> Result<()> {
    if let DbConn::Pg(_) = conn {
        let mut keys = vec![lock_key(kind, "address", client_ip)];
        if kind == Kind::SignIn {
            keys.push(lock_key(kind, "login", login));
        }
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(key)
                .execute(conn)?;
        }
    }
    Ok(())
}

fn lock_key(kind: Kind, what: &str, value: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("throttle|{}|{what}|{value}", kind.code()).as_bytes());
    let mut bytes = [0u8; 8];
    for (slot, byte) in bytes.iter_mut().zip(digest.iter()) {
        *slot = *byte;
    }
    i64::from_be_bytes(bytes)
}

/// Forgets attempts older than `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(throttle_attempts::table.filter(throttle_attempts::attempted_at.lt(before)))
            .execute(conn)?,
    )
}
