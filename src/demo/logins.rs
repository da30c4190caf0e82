//! Logins for everyone the demo quarter needs: every reviewer of the pool (`reviewer-01`,
//! `reviewer-02`, … in the pool's order, the two named demo reviewers keeping `reviewer` and
//! `reviewer2`) and a center manager for every center (`manager-yc`, `manager-xx`, …; 兴庆区
//! and 金凤区 keep `manager` and `manager2`). All with the demo password. Loaded by `pingcha
//! demo` and `serve --demo` with the earlier quarters, so every unit can answer its notices.

use super::DEMO_PASSWORD;
use crate::domain::UnitScope;
use crate::domain::people::{Role, UnitKind};
use crate::security;
use crate::storage::audit::Actor;
use crate::storage::{self, DbConn, people, transaction, units, users};
use std::collections::BTreeSet;

/// The login of the `index`th pool member (from 0) without a named demo login.
pub fn reviewer_login(index: usize) -> String {
    format!("reviewer-{:02}", index + 1)
}

/// The login of a center's manager when the center has no named demo login.
pub fn manager_login(unit_code: &str) -> String {
    format!("manager-{}", unit_code.to_lowercase())
}

/// Creates the missing logins; returns how many.
pub fn load(conn: &mut DbConn) -> storage::Result<usize> {
    let actor = Actor {
        user_id: None,
        login: "demo".to_string(),
        client_ip: None,
    };
    let now = storage::now();
    let password_hash = security::hash_password(DEMO_PASSWORD)
        .map_err(|error| storage::Error::Corrupt(error.to_string()))?;
    transaction(conn, |conn| {
        let accounts = users::list(conn)?;
        let with_login: BTreeSet<_> = accounts
            .iter()
            .filter_map(|view| view.account.person_id)
            .collect();
        let managed: BTreeSet<_> = accounts
            .iter()
            .filter(|view| view.account.role == Role::CenterManager)
            .filter_map(|view| view.account.unit_id)
            .collect();
        let mut created = 0;
        let mut create = |conn: &mut DbConn, user: users::NewUser| -> storage::Result<()> {
            users::create(conn, &actor, &user, now)?;
            created += 1;
            Ok(())
        };
        for unit in units::list(conn, UnitScope::All)? {
            if unit.kind != UnitKind::AidCenter || managed.contains(&unit.id) {
                continue;
            }
            create(
                conn,
                users::NewUser {
                    login: manager_login(&unit.code),
                    display_name: format!("{}负责人", unit.name),
                    role: Role::CenterManager,
                    unit_id: Some(unit.id),
                    person_id: None,
                    password_hash: password_hash.clone(),
                },
            )?;
        }
        let mut index = 0;
        for view in people::list(conn, UnitScope::All)? {
            let person = view.person;
            if with_login.contains(&person.id) {
                continue;
            }
            create(
                conn,
                users::NewUser {
                    login: reviewer_login(index),
                    display_name: person.name.clone(),
                    role: Role::Reviewer,
                    unit_id: Some(person.unit_id),
                    person_id: Some(person.id),
                    password_hash: password_hash.clone(),
                },
            )?;
            index += 1;
        }
        Ok(created)
    })
}
