//! Cross-check team assignments per round: the problem built from the round's frozen sample
//! and the reviewer pool, and every version of the assignment (draft → published, the previous
//! published one superseded, any version restorable).

use crate::domain::UnitScope;
use crate::domain::assignment::{
    Assignment, AssignmentConfig, DoubleReview, InspectedUnit, PastRound, PastVisit, Problem,
    Quality, Reviewer, SampledFile, apply_double_review, quality,
};
use crate::domain::ids::{LawFirmId, RoundId};
use crate::storage::audit::{Actor, Change};
use crate::storage::cases::{self, CaseFilter};
use crate::storage::rounds::Round;
use crate::storage::schema::{assignment_versions, law_firms};
use crate::storage::{DbConn, Error, Result, new_id, people, rounds, sampling, transaction, units};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// What the administrator chooses when generating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub team_min: u32,
    pub team_max: u32,
    /// Files each reviewer may take in this round.
    pub capacity: u32,
    pub double_review: DoubleReview,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            team_min: 3,
            team_max: 4,
            capacity: 12,
            double_review: DoubleReview::Share { per_mille: 200 },
            seed: 0,
        }
    }
}

fn corrupt(error: serde_json::Error) -> Error {
    Error::Corrupt(error.to_string())
}

/// The problem for a round: the frozen sample's files, the active pool, and the units each
/// reviewer's team visited in earlier published rounds (newest first).
pub fn build_problem(conn: &mut DbConn, round: &Round, options: Options) -> Result<Problem> {
    let frozen = sampling::frozen(conn, round.id)?.ok_or(Error::NotFound)?;
    let ids = frozen.picks.iter().map(|(id, _, _)| *id).collect();
    let records = cases::records(
        conn,
        UnitScope::All,
        &CaseFilter {
            ids: Some(ids),
            ..Default::default()
        },
    )?;
    let all_units = units::list(conn, UnitScope::All)?;
    let firms: BTreeMap<String, String> = law_firms::table
        .select((law_firms::name, law_firms::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut files = Vec::with_capacity(records.len());
    let mut inspected: BTreeMap<String, InspectedUnit> = BTreeMap::new();
    for (id, record) in records {
        let unit = all_units
            .iter()
            .find(|unit| unit.code == record.unit)
            .ok_or_else(|| Error::Corrupt(format!("unit {}", record.unit)))?;
        inspected
            .entry(unit.code.clone())
            .or_insert_with(|| InspectedUnit {
                id: unit.id,
                name: unit.name.clone(),
            });
        let handling_firm = firms
            .get(record.firm.trim())
            .map(|firm| firm.parse::<LawFirmId>())
            .transpose()
            .map_err(|_| Error::Corrupt("law firm id".into()))?;
        files.push(SampledFile {
            id,
            unit: unit.id,
            case_type: record.case_type,
            case_number: record.case_no,
            handler_name: record.handler,
            handling_firm,
            reviewers_needed: 1,
        });
    }
    apply_double_review(&mut files, options.double_review);
    let reviewers = people::list(conn, UnitScope::All)?
        .into_iter()
        .filter(|view| view.person.active)
        .map(|view| Reviewer {
            id: view.person.id,
            name: view.person.name,
            unit: view.person.unit_id,
            law_firm: view.person.law_firm_id,
            expertise: view.person.expertise,
            years_of_practice: view.person.years_of_practice,
            may_lead: view.person.may_lead,
            capacity: options.capacity,
            available: true,
        })
        .collect();
    let history = history(conn, round)?;
    Ok(Problem {
        reviewers,
        units: inspected.into_values().collect(),
        files,
        conflicts: Vec::new(),
        objections: Vec::new(),
        history,
        config: AssignmentConfig {
            team_size: crate::domain::assignment::TeamSize {
                min: options.team_min,
                max: options.team_max,
            },
            seed: options.seed,
            ..AssignmentConfig::default()
        },
    })
}

/// Earlier rounds' published teams: who visited which unit.
fn history(conn: &mut DbConn, round: &Round) -> Result<Vec<PastRound>> {
    let mut past = Vec::new();
    for earlier in rounds::list(conn)? {
        if earlier.id == round.id || earlier.settings.period_end >= round.settings.period_start {
            continue;
        }
        if let Some(version) = published(conn, earlier.id)? {
            let visits = version
                .assignment
                .teams
                .iter()
                .flat_map(|team| {
                    team.members.iter().flat_map(move |member| {
                        team.units.iter().map(move |unit| PastVisit {
                            reviewer: *member,
                            unit: *unit,
                        })
                    })
                })
                .collect();
            past.push(PastRound {
                label: earlier.settings.name.clone(),
                visits,
            });
        }
    }
    Ok(past)
}

/// A stored version. The problem and the assignment are shared, read-only: a version's content
/// never changes once stored (only its status does), so the parsed copies are kept by version
/// id (see [`parsed`]) and every reader of the same version gets the same ones.
#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub round_id: RoundId,
    pub version: i32,
    pub status: String,
    pub problem: Arc<Problem>,
    pub assignment: Arc<Assignment>,
    pub quality: Quality,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub published_at: Option<NaiveDateTime>,
}

/// A stored version with its problem and assignment.
#[derive(Queryable, Selectable)]
#[diesel(table_name = assignment_versions)]
struct VersionRow {
    #[diesel(embed)]
    head: Head,
    problem_json: String,
    assignment_json: String,
}

/// How many versions' parsed content [`parsed`] keeps: the published version of every round
/// a summary or a busy review day reads, with room for drafts being compared.
const PARSED_VERSIONS_KEPT: usize = 64;

type ParsedVersion = (Arc<Problem>, Arc<Assignment>);

/// The parsed problem and assignment of version `id`, from the process's cache or from
/// `json` (problem, assignment) when it is not there yet. A large round's problem is megabytes
/// of JSON, and the score form, the results and every summary read the published version:
/// parsing it once per version instead of once per request is what keeps them fast. Keyed by
/// the version's id, which is never reused and whose content never changes, the cache cannot
/// go stale, whichever server or command wrote the version.
fn parsed(id: &str, json: impl FnOnce() -> Result<(String, String)>) -> Result<ParsedVersion> {
    static PARSED: std::sync::OnceLock<Mutex<HashMap<String, ParsedVersion>>> =
        std::sync::OnceLock::new();
    let cache = PARSED.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|cache| cache.get(id).cloned()) {
        return Ok(hit);
    }
    let (problem, assignment) = json()?;
    let value: ParsedVersion = (
        Arc::new(serde_json::from_str(&problem).map_err(corrupt)?),
        Arc::new(serde_json::from_str(&assignment).map_err(corrupt)?),
    );
    if let Ok(mut cache) = cache.lock() {
        if cache.len() >= PARSED_VERSIONS_KEPT {
            cache.clear();
        }
        cache.insert(id.to_string(), value.clone());
    }
    Ok(value)
}

fn to_version(row: VersionRow) -> Result<Version> {
    let VersionRow {
        head,
        problem_json,
        assignment_json,
    } = row;
    let content = parsed(&head.id, || Ok((problem_json, assignment_json)))?;
    head.into_version(content)
}

/// A version's small columns: everything but its problem and assignment.
#[derive(Queryable, Selectable)]
#[diesel(table_name = assignment_versions)]
struct Head {
    id: String,
    round_id: String,
    version: i32,
    status: String,
    quality_json: String,
    note: Option<String>,
    created_at: NaiveDateTime,
    created_by: String,
    published_at: Option<NaiveDateTime>,
}

impl Head {
    /// The version, with its parsed problem and assignment.
    fn into_version(self, (problem, assignment): ParsedVersion) -> Result<Version> {
        Ok(Version {
            id: self.id,
            round_id: crate::storage::parse_id(&self.round_id)?,
            version: self.version,
            status: self.status,
            problem,
            assignment,
            quality: serde_json::from_str(&self.quality_json).map_err(corrupt)?,
            note: self.note,
            created_at: self.created_at,
            created_by: self.created_by,
            published_at: self.published_at,
        })
    }
}

/// All versions of a round, newest first.
pub fn versions(conn: &mut DbConn, round: RoundId) -> Result<Vec<Version>> {
    let rows: Vec<VersionRow> = assignment_versions::table
        .filter(assignment_versions::round_id.eq(round.to_string()))
        .select(VersionRow::as_select())
        .order(assignment_versions::version.desc())
        .load(conn)?;
    rows.into_iter().map(to_version).collect()
}

pub fn version(conn: &mut DbConn, round: RoundId, number: i32) -> Result<Version> {
    let row: VersionRow = assignment_versions::table
        .filter(assignment_versions::round_id.eq(round.to_string()))
        .filter(assignment_versions::version.eq(number))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    to_version(row)
}

/// The published version in force, if any. Reads the version's small columns; its problem and
/// assignment come parsed from the cache once the version has been read (see [`parsed`]).
pub fn published(conn: &mut DbConn, round: RoundId) -> Result<Option<Version>> {
    let head: Option<Head> = assignment_versions::table
        .filter(assignment_versions::round_id.eq(round.to_string()))
        .filter(assignment_versions::status.eq("published"))
        .select(Head::as_select())
        .first(conn)
        .optional()?;
    let Some(head) = head else {
        return Ok(None);
    };
    let content = stored_content(conn, &head.id)?;
    head.into_version(content).map(Some)
}

/// The parsed problem and assignment of the stored version `id` (see [`parsed`]).
fn stored_content(conn: &mut DbConn, id: &str) -> Result<ParsedVersion> {
    parsed(id, || {
        Ok(assignment_versions::table
            .filter(assignment_versions::id.eq(id))
            .select((
                assignment_versions::problem_json,
                assignment_versions::assignment_json,
            ))
            .first(conn)?)
    })
}

/// Only the assignment of the published version (no problem, no figures): what the score form
/// checks on every request.
pub fn published_assignment(conn: &mut DbConn, round: RoundId) -> Result<Option<Arc<Assignment>>> {
    let id: Option<String> = assignment_versions::table
        .filter(assignment_versions::round_id.eq(round.to_string()))
        .filter(assignment_versions::status.eq("published"))
        .select(assignment_versions::id)
        .first(conn)
        .optional()?;
    assignment_of_version(conn, id.as_deref())
}

/// The assignment of a version whose id was read already (`rounds::for_review` reads the
/// published one's with the round); parsed once per version and then shared.
pub fn assignment_of_version(
    conn: &mut DbConn,
    id: Option<&str>,
) -> Result<Option<Arc<Assignment>>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let (_, assignment) = stored_content(conn, id)?;
    Ok(Some(assignment))
}

/// Stores an assignment as the round's next draft version.
pub fn store_draft(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    problem: &Problem,
    assignment: &Assignment,
    note: Option<&str>,
    now: NaiveDateTime,
) -> Result<i32> {
    let figures = quality(problem, assignment);
    transaction(conn, |conn| {
        crate::storage::rounds::require(
            conn,
            round,
            crate::domain::round_actions::RoundAction::ChangeTeams,
        )?;
        let latest: Option<i32> = assignment_versions::table
            .filter(assignment_versions::round_id.eq(round.to_string()))
            .select(diesel::dsl::max(assignment_versions::version))
            .first(conn)?;
        let number = latest.unwrap_or(0) + 1;
        diesel::insert_into(assignment_versions::table)
            .values((
                assignment_versions::id.eq(new_id().to_string()),
                assignment_versions::round_id.eq(round.to_string()),
                assignment_versions::version.eq(number),
                assignment_versions::status.eq("draft"),
                assignment_versions::seed.eq(assignment.seed.to_string()),
                assignment_versions::problem_json
                    .eq(serde_json::to_string(problem).map_err(corrupt)?),
                assignment_versions::assignment_json
                    .eq(serde_json::to_string(assignment).map_err(corrupt)?),
                assignment_versions::quality_json
                    .eq(serde_json::to_string(&figures).map_err(corrupt)?),
                assignment_versions::note.eq(note),
                assignment_versions::created_at.eq(now),
                assignment_versions::created_by.eq(&actor.login),
            ))
            .execute(conn)?;
        Change::of("assignment.draft", "round", round).after(serde_json::json!({ "version": number, "seed": assignment.seed.to_string(), "note": note,
                    "breaches": figures.hard_rule_breaches, "objective": figures.objective }),).record(conn, actor, now)?;
        Ok(number)
    })
}

/// Publishes a version: it takes effect, the previously published one is superseded. A
/// superseded or draft version can be published again (the way back).
pub fn publish(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    number: i32,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        crate::storage::rounds::require(
            conn,
            round,
            crate::domain::round_actions::RoundAction::ChangeTeams,
        )?;
        let target = version(conn, round, number)?;
        let previous = published(conn, round)?;
        diesel::update(
            assignment_versions::table
                .filter(assignment_versions::round_id.eq(round.to_string()))
                .filter(assignment_versions::status.eq("published")),
        )
        .set(assignment_versions::status.eq("superseded"))
        .execute(conn)?;
        diesel::update(assignment_versions::table.filter(assignment_versions::id.eq(&target.id)))
            .set((
                assignment_versions::status.eq("published"),
                assignment_versions::published_at.eq(now),
                assignment_versions::published_by.eq(&actor.login),
            ))
            .execute(conn)?;
        Change::of("assignment.publish", "round", round)
            .before(previous.map(|version| serde_json::json!({ "version": version.version })))
            .after(serde_json::json!({ "version": number }))
            .record(conn, actor, now)
    })
}

/// Records an administrator's override of a hard rule, with the reason, in the audit log.
pub fn record_override(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    reason: &str,
    breaches: &[String],
    now: NaiveDateTime,
) -> Result<()> {
    Change::of("assignment.override", "round", round)
        .after(serde_json::json!({ "reason": reason, "breaches": breaches }))
        .record(conn, actor, now)
}
