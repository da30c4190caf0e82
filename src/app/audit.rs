//! The audit log (审计日志): listing it for administrators, and verifying it — the hash
//! chain, its recorded heads, and every stored row it covers (`storage::attest`). The page
//! and `pingcha audit verify` both call [`verify`], so they report the same outcome.

use crate::app::messages::audit as messages;
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

/// Entries per page of the audit page.
pub const PAGE_SIZE: i64 = 50;

/// One entry as a clerk reads it: Beijing time, Chinese action and object, names instead of
/// ids, and the details as 「字段：值」 lines.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadableEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub object: String,
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub client_ip: Option<String>,
}

/// One page of the log, readable, with the number of entries the filter keeps.
pub struct ReadablePage {
    pub entries: Vec<ReadableEntry>,
    pub total: i64,
    /// Actions and logins that occur in the log (codes with their labels; logins with names).
    pub actions: Vec<(String, &'static str)>,
    pub actors: Vec<(String, String)>,
}

/// The page `page` (from 1) of the entries the filter keeps.
pub fn readable_page(conn: &mut DbConn, filter: &Filter, page: i64) -> Result<ReadablePage> {
    let total = audit::count_filtered(conn, filter)?;
    let offset = (page.max(1) - 1) * PAGE_SIZE;
    let entries = audit::page(conn, filter, PAGE_SIZE, offset)?;
    let mut ids: Vec<String> = Vec::new();
    for entry in &entries {
        ids.extend(entry.actor_user_id.clone());
        ids.extend(entry.entity_id.clone());
        for json in [&entry.before_json, &entry.after_json]
            .into_iter()
            .flatten()
        {
            if let Ok(value) = serde_json::from_str::<serde_json::Value>(json) {
                collect_ids(&value, &mut ids);
            }
        }
    }
    ids.sort();
    ids.dedup();
    let names = audit::names_of(conn, &ids)?;
    let (known_actions, logins) = audit::known_actions_and_actors(conn)?;
    let readable = entries
        .iter()
        .map(|entry| readable(entry, &names))
        .collect();
    let accounts = crate::storage::users::list(conn)?;
    let actors = logins
        .into_iter()
        .map(|login| {
            let name = accounts
                .iter()
                .find(|view| view.account.login == login)
                .map_or_else(
                    || login.clone(),
                    |view| format!("{}（{}）", view.account.display_name, login),
                );
            (login, name)
        })
        .collect();
    Ok(ReadablePage {
        entries: readable,
        total,
        actions: known_actions
            .into_iter()
            .map(|code| {
                let label = messages::action_label(&code);
                (code, label)
            })
            .collect(),
        actors,
    })
}

type Names = std::collections::HashMap<String, (audit::Named, String)>;

/// Every string in a JSON value that looks like an id (a UUID).
fn collect_ids(value: &serde_json::Value, ids: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) if looks_like_id(text) => ids.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_ids(item, ids)),
        serde_json::Value::Object(map) => map.values().for_each(|item| collect_ids(item, ids)),
        _ => {}
    }
}

fn looks_like_id(text: &str) -> bool {
    text.len() == 36 && text.chars().filter(|c| *c == '-').count() == 4
}

/// A name for an id, with what it is; an unknown id stays as it is (it names a record that
/// was deleted, or one the log does not resolve).
fn name_of(id: &str, names: &Names) -> String {
    match names.get(id) {
        Some((kind, name)) => messages::named(*kind, name),
        None => id.to_string(),
    }
}

fn readable(entry: &Entry, names: &Names) -> ReadableEntry {
    let actor = entry
        .actor_user_id
        .as_deref()
        .and_then(|id| names.get(id))
        .map_or_else(
            || entry.actor_login.clone(),
            |(_, name)| format!("{name}（{}）", entry.actor_login),
        );
    let object = match &entry.entity_id {
        Some(id) => format!(
            "{}：{}",
            messages::entity_label(&entry.entity_type),
            name_of(id, names)
        ),
        None => messages::entity_label(&entry.entity_type).to_string(),
    };
    let lines = |json: &Option<String>| -> Vec<String> {
        let Some(json) = json else {
            return Vec::new();
        };
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Object(map)) => map
                .iter()
                .map(|(key, value)| {
                    format!(
                        "{}：{}",
                        messages::field_label(key),
                        value_text(value, names)
                    )
                })
                .collect(),
            Ok(other) => vec![value_text(&other, names)],
            Err(_) => vec![json.clone()],
        }
    };
    ReadableEntry {
        id: entry.id,
        at: crate::domain::local_time::seconds(entry.at),
        actor,
        action: messages::action_label(&entry.action),
        object,
        before: lines(&entry.before_json),
        after: lines(&entry.after_json),
        client_ip: entry.client_ip.clone(),
    }
}

/// A detail's value as read: names for ids, 是/否, Chinese for known codes, nested objects
/// as 「字段：值」 joined by 「；」.
fn value_text(value: &serde_json::Value, names: &Names) -> String {
    use serde_json::Value;
    match value {
        Value::Null => messages::NONE.to_string(),
        Value::Bool(true) => messages::YES.to_string(),
        Value::Bool(false) => messages::NO.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) if looks_like_id(text) => name_of(text, names),
        Value::String(text) => {
            messages::value_label(text).map_or_else(|| text.clone(), str::to_string)
        }
        Value::Array(items) => items
            .iter()
            .map(|item| value_text(item, names))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| {
                format!(
                    "{}：{}",
                    messages::field_label(key),
                    value_text(value, names)
                )
            })
            .collect::<Vec<_>>()
            .join("；"),
    }
}
