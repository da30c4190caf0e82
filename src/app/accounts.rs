//! Account operations shared by the command line and the administrator's pages, so both
//! apply the same rules: check the request, hash the password, store, audit — in that order.

use crate::domain::ids::{PersonId, UnitId, UserId};
use crate::domain::people::{Account, AccountError, Role, check_new_account, check_password};
use crate::security;
use crate::storage::audit::Actor;
use crate::storage::{self, DbConn, people, units, users};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Invalid(#[from] AccountError),
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("unknown pool member {0}")]
    UnknownPerson(String),
    #[error("only a reviewer account is linked to a pool member")]
    PersonNotReviewer,
    #[error("login {0} is taken")]
    LoginTaken(String),
    #[error(transparent)]
    Security(#[from] security::Error),
    #[error(transparent)]
    Storage(storage::Error),
}

impl From<storage::Error> for Error {
    fn from(error: storage::Error) -> Self {
        match error {
            storage::Error::Duplicate(login) => Error::LoginTaken(login),
            other => Error::Storage(other),
        }
    }
}

/// The unit of a new account, by id (pages) or by code (command line).
#[derive(Debug, Clone)]
pub enum UnitRef {
    Id(UnitId),
    Code(String),
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<UnitRef>,
    /// The pool member (评查员库) a reviewer account scores as; the account then belongs to
    /// that person's unit.
    pub person: Option<PersonId>,
    pub password: String,
}

pub fn create(conn: &mut DbConn, actor: &Actor, request: &NewAccount) -> Result<Account, Error> {
    let person_unit = match request.person {
        None => None,
        Some(_) if request.role != crate::domain::people::Role::Reviewer => {
            return Err(Error::PersonNotReviewer);
        }
        Some(person) => Some(people::unit_of(conn, person).map_err(|error| match error {
            storage::Error::NotFound => Error::UnknownPerson(person.to_string()),
            other => Error::Storage(other),
        })?),
    };
    // A reviewer belongs to the unit of their pool entry, whatever else was chosen.
    let unit_id = match &request.unit {
        _ if person_unit.is_some() => person_unit,
        None => None,
        Some(UnitRef::Id(id)) => Some(
            units::find(conn, crate::domain::UnitScope::All, *id)
                .map_err(|_| Error::UnknownUnit(id.to_string()))?
                .id,
        ),
        Some(UnitRef::Code(code)) => Some(
            units::find_by_code(conn, code)?
                .ok_or_else(|| Error::UnknownUnit(code.clone()))?
                .id,
        ),
    };
    let login = request.login.trim();
    check_new_account(
        login,
        &request.display_name,
        request.role,
        unit_id,
        &request.password,
    )?;
    let password_hash = security::hash_password(&request.password)?;
    let account = users::create(
        conn,
        actor,
        &users::NewUser {
            login: login.to_string(),
            display_name: request.display_name.trim().to_string(),
            role: request.role,
            unit_id,
            person_id: request.person,
            password_hash,
        },
        storage::now(),
    )?;
    Ok(account)
}

/// Sets a new password (checked for length); ends the account's sessions.
pub fn set_password(
    conn: &mut DbConn,
    actor: &Actor,
    id: UserId,
    password: &str,
) -> Result<(), Error> {
    check_password(password)?;
    let hash = security::hash_password(password)?;
    users::set_password(conn, actor, id, &hash, storage::now())?;
    Ok(())
}
