//! Sign-in attempts, kept in the database so that throttling holds across several servers.

use crate::storage::schema::login_attempts;
use crate::storage::{DbConn, Result, new_id};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn record(
    conn: &mut DbConn,
    login: &str,
    client_ip: &str,
    succeeded: bool,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::id.eq(new_id().to_string()),
            login_attempts::login.eq(login),
            login_attempts::client_ip.eq(client_ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::attempted_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed attempts since `since`, counted for the login and for the client address.
pub fn recent_failures(
    conn: &mut DbConn,
    login: &str,
    client_ip: &str,
    since: NaiveDateTime,
) -> Result<(i64, i64)> {
    let failed = login_attempts::table
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since));
    let by_login = failed
        .filter(login_attempts::login.eq(login))
        .count()
        .get_result(conn)?;
    let by_ip = failed
        .filter(login_attempts::client_ip.eq(client_ip))
        .count()
        .get_result(conn)?;
    Ok((by_login, by_ip))
}

/// Forgets attempts older than `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(login_attempts::table.filter(login_attempts::attempted_at.lt(before)))
            .execute(conn)?,
    )
}
