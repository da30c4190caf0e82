//! The append-only audit log: who did what, when, with the state before and after. Entries
//! are written in the same transaction as the change they describe; the database refuses
//! updates and deletes of this table (triggers in the migrations).

use crate::domain::ids::UserId;
use crate::storage::schema::audit_log;
use crate::storage::{DbConn, Result};
use chrono::NaiveDateTime;
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
}

pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    change: Change<'_>,
    at: NaiveDateTime,
) -> Result<()> {
    let entry = NewEntry {
        at,
        actor_user_id: actor.user_id.map(|id| id.to_string()),
        actor_login: &actor.login,
        action: change.action,
        entity_type: change.entity_type,
        entity_id: change.entity_id,
        before_json: change.before.map(|value| value.to_string()),
        after_json: change.after.map(|value| value.to_string()),
        client_ip: actor.client_ip.as_deref(),
    };
    diesel::insert_into(audit_log::table)
        .values(&entry)
        .execute(conn)?;
    Ok(())
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
