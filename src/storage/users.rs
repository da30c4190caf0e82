//! Login accounts. Password hashes never leave this module except to be verified, and never
//! reach the audit log.

use crate::domain::ids::{PersonId, UnitId, UserId};
use crate::domain::people::{Account, Role};
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{units, users};
use crate::storage::{DbConn, Error, Result, duplicate_as, new_id, parse_id, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Queryable)]
pub(crate) struct UserRow {
    id: String,
    login: String,
    display_name: String,
    password_hash: String,
    role: String,
    person_id: Option<String>,
    unit_id: Option<String>,
    active: bool,
    _created_at: NaiveDateTime,
    _updated_at: NaiveDateTime,
}

impl UserRow {
    pub(crate) fn into_account(self) -> Result<(Account, String)> {
        let role: Role = self
            .role
            .parse()
            .map_err(|_| Error::Corrupt(format!("role {}", self.role)))?;
        let account = Account {
            id: parse_id(&self.id)?,
            login: self.login,
            display_name: self.display_name,
            role,
            unit_id: self.unit_id.as_deref().map(parse_id).transpose()?,
            person_id: self.person_id.as_deref().map(parse_id).transpose()?,
            active: self.active,
        };
        Ok((account, self.password_hash))
    }
}

/// An account to create; the password arrives already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<UnitId>,
    pub person_id: Option<PersonId>,
    pub password_hash: String,
}

fn snapshot(account: &Account) -> serde_json::Value {
    serde_json::to_value(account).unwrap_or_default()
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    user: &NewUser,
    now: NaiveDateTime,
) -> Result<Account> {
    transaction(conn, |conn| {
        let id = UserId(new_id());
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id.to_string()),
                users::login.eq(&user.login),
                users::display_name.eq(&user.display_name),
                users::password_hash.eq(&user.password_hash),
                users::role.eq(user.role.code()),
                users::person_id.eq(user.person_id.map(|person| person.to_string())),
                users::unit_id.eq(user.unit_id.map(|unit| unit.to_string())),
                users::active.eq(true),
                users::created_at.eq(now),
                users::updated_at.eq(now),
            ))
            .execute(conn)
            .map_err(duplicate_as("login"))?;
        let account = Account {
            id,
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            unit_id: user.unit_id,
            person_id: user.person_id,
            active: true,
        };
        Change::of("user.create", "user", id)
            .after(snapshot(&account))
            .record(conn, actor, now)?;
        Ok(account)
    })
}

/// The account and its password hash, for signing in.
pub fn find_by_login(conn: &mut DbConn, login: &str) -> Result<Option<(Account, String)>> {
    users::table
        .filter(users::login.eq(login))
        .first::<UserRow>(conn)
        .optional()?
        .map(UserRow::into_account)
        .transpose()
}

pub fn find(conn: &mut DbConn, id: UserId) -> Result<Account> {
    users::table
        .filter(users::id.eq(id.to_string()))
        .first::<UserRow>(conn)
        .optional()?
        .ok_or(Error::NotFound)?
        .into_account()
        .map(|(account, _)| account)
}

/// Replaces the password and ends every session of the account, in one transaction.
pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    id: UserId,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let changed = diesel::update(users::table.filter(users::id.eq(id.to_string())))
            .set((
                users::password_hash.eq(password_hash),
                users::updated_at.eq(now),
            ))
            .execute(conn)?;
        if changed == 0 {
            return Err(Error::NotFound);
        }
        crate::storage::sessions::delete_for_user(conn, id)?;
        Change::of("user.password", "user", id).record(conn, actor, now)
    })
}

/// Enables or disables an account; disabling ends its sessions.
pub fn set_active(
    conn: &mut DbConn,
    actor: &Actor,
    id: UserId,
    active: bool,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let before = find(conn, id)?;
        diesel::update(users::table.filter(users::id.eq(id.to_string())))
            .set((users::active.eq(active), users::updated_at.eq(now)))
            .execute(conn)?;
        if !active {
            crate::storage::sessions::delete_for_user(conn, id)?;
        }
        let after = Account {
            active,
            ..before.clone()
        };
        Change::of(
            if active {
                "user.enable"
            } else {
                "user.disable"
            },
            "user",
            id,
        )
        .before(snapshot(&before))
        .after(snapshot(&after))
        .record(conn, actor, now)
    })
}

/// An account with its unit's name, for the administrator's list.
#[derive(Debug, Clone, Serialize)]
pub struct AccountView {
    #[serde(flatten)]
    pub account: Account,
    pub role_label: &'static str,
    pub unit_name: Option<String>,
}

pub fn list(conn: &mut DbConn) -> Result<Vec<AccountView>> {
    let rows: Vec<(UserRow, Option<String>)> = users::table
        .left_join(units::table)
        .select((users::all_columns, units::name.nullable()))
        .order(users::login.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|(row, unit_name)| {
            let (account, _) = row.into_account()?;
            Ok(AccountView {
                role_label: account.role.label(),
                account,
                unit_name,
            })
        })
        .collect()
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(users::table.count().get_result(conn)?)
}
