//! Server-side sessions in the database, so that any server sharing the database honours a
//! session started on another. The cookie holds a random token; only its SHA-256 is stored.

use crate::domain::ids::UserId;
use crate::domain::people::Account;
use crate::storage::schema::sessions;
use crate::storage::{DbConn, Result, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A live session: the account and the CSRF token bound to it.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
}

pub fn create(
    conn: &mut DbConn,
    token_hash: &str,
    user: UserId,
    csrf_token: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(token_hash),
            sessions::user_id.eq(user.to_string()),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session for a token hash if it exists, has not expired and its account is active:
/// one query, as every request of a signed-in user asks it.
pub fn lookup(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> Result<Option<Session>> {
    let row: Option<(String, NaiveDateTime, users::UserRow)> = sessions::table
        .inner_join(crate::storage::schema::users::table)
        .filter(sessions::id.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .select((
            sessions::csrf_token,
            sessions::expires_at,
            crate::storage::schema::users::all_columns,
        ))
        .first(conn)
        .optional()?;
    let Some((csrf_token, expires_at, user)) = row else {
        return Ok(None);
    };
    let (account, _) = user.into_account()?;
    if !account.active {
        return Ok(None);
    }
    Ok(Some(Session {
        account,
        csrf_token,
        expires_at,
    }))
}

pub fn delete(conn: &mut DbConn, token_hash: &str) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::id.eq(token_hash))).execute(conn)?;
    Ok(())
}

pub fn delete_for_user(conn: &mut DbConn, user: UserId) -> Result<()> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user.to_string()))).execute(conn)?;
    Ok(())
}

/// Removes expired sessions; called at sign-in so the table cannot grow without bound.
pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?)
}
