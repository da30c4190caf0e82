//! The reviewer pool (评查员库) and the law firms people belong to.

use crate::domain::ids::{LawFirmId, PersonId, UnitId};
use crate::domain::people::Person;
use crate::domain::{CaseType, UnitScope};
use crate::storage::audit::{Actor, Change};
use crate::storage::schema::{law_firms, people, person_expertise, units};
use crate::storage::{DbConn, Error, Result, duplicate_as, new_id, parse_id, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Finds a law firm by its exact name, creating it when new.
pub fn law_firm_by_name(conn: &mut DbConn, name: &str, now: NaiveDateTime) -> Result<LawFirmId> {
    transaction(conn, |conn| {
        let existing: Option<String> = law_firms::table
            .filter(law_firms::name.eq(name))
            .select(law_firms::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            return parse_id(&id);
        }
        let id = LawFirmId(new_id());
        diesel::insert_into(law_firms::table)
            .values((
                law_firms::id.eq(id.to_string()),
                law_firms::name.eq(name),
                law_firms::created_at.eq(now),
            ))
            .execute(conn)
            .map_err(duplicate_as("law firm"))?;
        Ok(id)
    })
}

/// A person to add to the pool.
#[derive(Debug, Clone, Serialize)]
pub struct NewPerson {
    pub name: String,
    pub unit_id: UnitId,
    pub law_firm_id: Option<LawFirmId>,
    pub expertise: BTreeSet<CaseType>,
    pub years_of_practice: u32,
    pub may_lead: bool,
    pub phone: Option<String>,
}

pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    person: &NewPerson,
    now: NaiveDateTime,
) -> Result<PersonId> {
    transaction(conn, |conn| {
        let id = PersonId(new_id());
        let years = i32::try_from(person.years_of_practice)
            .map_err(|_| Error::Corrupt("years of practice".into()))?;
        diesel::insert_into(people::table)
            .values((
                people::id.eq(id.to_string()),
                people::name.eq(&person.name),
                people::unit_id.eq(person.unit_id.to_string()),
                people::law_firm_id.eq(person.law_firm_id.map(|firm| firm.to_string())),
                people::years_of_practice.eq(years),
                people::may_lead.eq(person.may_lead),
                people::phone.eq(&person.phone),
                people::active.eq(true),
                people::created_at.eq(now),
            ))
            .execute(conn)?;
        for case_type in &person.expertise {
            diesel::insert_into(person_expertise::table)
                .values((
                    person_expertise::person_id.eq(id.to_string()),
                    person_expertise::case_type.eq(case_type.code()),
                ))
                .execute(conn)?;
        }
        let mut snapshot = serde_json::to_value(person).unwrap_or_default();
        if let Some(object) = snapshot.as_object_mut() {
            // Phone numbers are personal data: the audit log records that one was set, not it.
            object.insert(
                "phone".into(),
                serde_json::json!(person.phone.as_ref().map(|_| "***")),
            );
        }
        Change::of("person.create", "person", id)
            .after(snapshot)
            .record(conn, actor, now)?;
        Ok(id)
    })
}

/// A pool member with the names the pages show.
#[derive(Debug, Clone, Serialize)]
pub struct PersonView {
    #[serde(flatten)]
    pub person: Person,
    pub unit_name: String,
    pub law_firm_name: Option<String>,
    pub expertise_labels: Vec<&'static str>,
}

/// A pool member's own columns, as lists read them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = people)]
struct PersonRow {
    id: String,
    name: String,
    unit_id: String,
    law_firm_id: Option<String>,
    years_of_practice: i32,
    may_lead: bool,
    active: bool,
}

impl PersonRow {
    /// The domain person, with the expertise read separately.
    fn into_person(self, expertise: BTreeSet<CaseType>) -> Result<Person> {
        Ok(Person {
            id: parse_id(&self.id)?,
            name: self.name,
            unit_id: parse_id(&self.unit_id)?,
            law_firm_id: self.law_firm_id.as_deref().map(parse_id).transpose()?,
            expertise,
            years_of_practice: u32::try_from(self.years_of_practice).unwrap_or(0),
            may_lead: self.may_lead,
            active: self.active,
        })
    }
}

/// The pool members of the units the scope allows, ordered by unit then name.
pub fn list(conn: &mut DbConn, scope: UnitScope) -> Result<Vec<PersonView>> {
    let mut query = people::table
        .inner_join(units::table)
        .left_join(law_firms::table)
        .select((
            PersonRow::as_select(),
            units::name,
            law_firms::name.nullable(),
        ))
        .into_boxed();
    if let UnitScope::Unit(own) = scope {
        query = query.filter(people::unit_id.eq(own.to_string()));
    }
    let rows: Vec<(PersonRow, String, Option<String>)> = query
        .order((units::code.asc(), people::name.asc()))
        .load(conn)?;
    let mut expertise: BTreeMap<String, BTreeSet<CaseType>> = BTreeMap::new();
    for (person_id, case_type) in person_expertise::table.load::<(String, String)>(conn)? {
        let case_type: CaseType = case_type
            .parse()
            .map_err(|_| Error::Corrupt(format!("case type {case_type}")))?;
        expertise.entry(person_id).or_default().insert(case_type);
    }
    rows.into_iter()
        .map(|(row, unit_name, law_firm_name)| {
            let expertise = expertise.remove(&row.id).unwrap_or_default();
            Ok(PersonView {
                expertise_labels: expertise
                    .iter()
                    .map(|case_type| case_type.label())
                    .collect(),
                person: row.into_person(expertise)?,
                unit_name,
                law_firm_name,
            })
        })
        .collect()
}

/// The pool members of the unit with this code who carry this name (for the command line,
/// where an administrator names a person as 姓名@单位代码).
pub fn find_by_name(conn: &mut DbConn, name: &str, unit_code: &str) -> Result<Vec<PersonId>> {
    let ids: Vec<String> = people::table
        .inner_join(units::table)
        .filter(people::name.eq(name.trim()))
        .filter(units::code.eq(unit_code.trim()))
        .select(people::id)
        .order(people::id.asc())
        .load(conn)?;
    ids.iter().map(|id| parse_id(id)).collect()
}

/// The unit of a pool member, or `NotFound`.
pub fn unit_of(conn: &mut DbConn, id: PersonId) -> Result<UnitId> {
    let unit: String = people::table
        .filter(people::id.eq(id.to_string()))
        .select(people::unit_id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    parse_id(&unit)
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(people::table.count().get_result(conn)?)
}

pub fn count_law_firms(conn: &mut DbConn) -> Result<i64> {
    Ok(law_firms::table.count().get_result(conn)?)
}
