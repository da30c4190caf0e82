//! Units (司法局, 法律援助中心, 司法所) and their annual case targets.

use crate::domain::UnitScope;
use crate::domain::ids::UnitId;
use crate::domain::people::{Unit, UnitKind};
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{unit_targets, units};
use crate::storage::{DbConn, Error, Result, duplicate_as, new_id, parse_id, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

#[derive(Queryable)]
struct UnitRow {
    id: String,
    code: String,
    name: String,
    kind: String,
    parent_id: Option<String>,
    _created_at: NaiveDateTime,
}

impl TryFrom<UnitRow> for Unit {
    type Error = Error;
    fn try_from(row: UnitRow) -> Result<Unit> {
        Ok(Unit {
            id: parse_id(&row.id)?,
            code: row.code,
            name: row.name,
            kind: row
                .kind
                .parse()
                .map_err(|kind| Error::Corrupt(format!("unit kind {kind}")))?,
            parent_id: row.parent_id.as_deref().map(parse_id).transpose()?,
        })
    }
}

/// A unit to create.
#[derive(Debug, Clone, Serialize)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<UnitId>,
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    unit: &NewUnit,
    now: NaiveDateTime,
) -> Result<Unit> {
    transaction(conn, |conn| {
        let id = UnitId(new_id());
        diesel::insert_into(units::table)
            .values((
                units::id.eq(id.to_string()),
                units::code.eq(&unit.code),
                units::name.eq(&unit.name),
                units::kind.eq(unit.kind.code()),
                units::parent_id.eq(unit.parent_id.map(|parent| parent.to_string())),
                units::created_at.eq(now),
            ))
            .execute(conn)
            .map_err(duplicate_as("unit"))?;
        let created = Unit {
            id,
            code: unit.code.clone(),
            name: unit.name.clone(),
            kind: unit.kind,
            parent_id: unit.parent_id,
        };
        Change::of("unit.create", "unit", id)
            .after(serde_json::to_value(&created).ok())
            .record(conn, actor, now)?;
        Ok(created)
    })
}

/// Every unit the scope allows, in code order.
pub fn list(conn: &mut DbConn, scope: UnitScope) -> Result<Vec<Unit>> {
    let mut query = units::table.into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query.filter(units::id.eq(own.to_string()));
    }
    query
        .order(units::code.asc())
        .load::<UnitRow>(conn)?
        .into_iter()
        .map(Unit::try_from)
        .collect()
}

/// One unit; `OutOfScope` when it exists but the caller may not see it.
pub fn find(conn: &mut DbConn, scope: UnitScope, id: UnitId) -> Result<Unit> {
    let row = units::table
        .filter(units::id.eq(id.to_string()))
        .first::<UnitRow>(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    let unit = Unit::try_from(row)?;
    if scope.allows(unit.id) {
        Ok(unit)
    } else {
        Err(Error::OutOfScope)
    }
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> Result<Option<Unit>> {
    units::table
        .filter(units::code.eq(code))
        .first::<UnitRow>(conn)
        .optional()?
        .map(Unit::try_from)
        .transpose()
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(units::table.count().get_result(conn)?)
}

/// Sets a unit's annual case target (办案任务), replacing any earlier figure for that year.
pub fn set_target(
    conn: &mut DbConn,
    actor: &Actor,
    unit: UnitId,
    year: i32,
    case_target: i32,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let key = || {
            unit_targets::table
                .filter(unit_targets::unit_id.eq(unit.to_string()))
                .filter(unit_targets::year.eq(year))
        };
        let before: Option<i32> = key()
            .select(unit_targets::case_target)
            .first(conn)
            .optional()?;
        diesel::delete(key()).execute(conn)?;
        diesel::insert_into(unit_targets::table)
            .values((
                unit_targets::unit_id.eq(unit.to_string()),
                unit_targets::year.eq(year),
                unit_targets::case_target.eq(case_target),
            ))
            .execute(conn)?;
        Change::of("unit.target", "unit", unit)
            .before(before.map(|target| serde_json::json!({ "year": year, "case_target": target })))
            .after(serde_json::json!({ "year": year, "case_target": case_target }))
            .record(conn, actor, now)
    })
}

/// The target for one unit and year, if set.
pub fn target(conn: &mut DbConn, scope: UnitScope, unit: UnitId, year: i32) -> Result<Option<i32>> {
    if !scope.allows(unit) {
        return Err(Error::OutOfScope);
    }
    Ok(unit_targets::table
        .filter(unit_targets::unit_id.eq(unit.to_string()))
        .filter(unit_targets::year.eq(year))
        .select(unit_targets::case_target)
        .first(conn)
        .optional()?)
}
