//! Import operations shared by the command line and the pages: read a file (XLSX or CSV, by
//! content), validate every row, resolve units, then preview or commit in one transaction.
//! A file with any problem changes nothing; the same file twice changes nothing.

use crate::domain::UnitScope;
use crate::domain::ids::UnitId;
use crate::domain::masking::{mask_id_no, mask_name, mask_phone};
use crate::domain::people::Unit;
use crate::domain::registry::{CaseRecord, PersonRecord, UnitRecord};
use crate::import::{self, CaseBatch, ImportError};
use crate::storage::audit::{self, Actor, Change};
use crate::storage::cases::{self, ImportCounts, ResolvedCase};
use crate::storage::{self, DbConn, people, transaction, units};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::mpsc;

/// What kind of list a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 案件台账
    Cases,
    /// 评查员库
    People,
    /// 单位名单
    Units,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Cases => "cases",
            Kind::People => "people",
            Kind::Units => "units",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Cases => "案件台账",
            Kind::People => "评查员名单",
            Kind::Units => "单位名单",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Kind::Cases, Kind::People, Kind::Units]
            .into_iter()
            .find(|kind| kind.code() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// Why an import was refused. `Invalid` carries every problem as a sentence naming the row
/// and column; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Unreadable(String),
    #[error("“{file}”有 {} 处问题，未导入任何数据", .problems.len())]
    Invalid { file: String, problems: Vec<String> },
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

impl From<ImportError> for Failure {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Invalid { file, report } => Failure::Invalid {
                file,
                problems: report.problems.iter().map(ToString::to_string).collect(),
            },
            other => Failure::Unreadable(other.to_string()),
        }
    }
}

impl From<diesel::result::Error> for Failure {
    fn from(error: diesel::result::Error) -> Self {
        Failure::Storage(error.into())
    }
}

/// Finds the unit a registry names: by code, by full name, or by a unique name prefix
/// (registries often write 兴庆区 for 兴庆区法律援助中心).
pub fn resolve_unit<'a>(all: &'a [Unit], text: &str) -> Option<&'a Unit> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(unit) = all
        .iter()
        .find(|unit| unit.code == text || unit.name == text)
    {
        return Some(unit);
    }
    let mut prefixed = all.iter().filter(|unit| unit.name.starts_with(text));
    match (prefixed.next(), prefixed.next()) {
        (Some(unit), None) => Some(unit),
        _ => None,
    }
}

/// A validated case registry, ready to preview or commit.
pub struct PreparedCases {
    pub records: Vec<CaseRecord>,
    pub unit_ids: Vec<UnitId>,
}

impl PreparedCases {
    pub fn resolved(&self) -> Vec<ResolvedCase<'_>> {
        self.records
            .iter()
            .zip(&self.unit_ids)
            .map(|(record, unit_id)| ResolvedCase {
                unit_id: *unit_id,
                record,
            })
            .collect()
    }

    /// How many cases close outside a period (imported, but not candidates of that round).
    pub fn outside(&self, start: NaiveDate, end: NaiveDate) -> usize {
        self.records
            .iter()
            .filter(|record| record.closed_at < start || record.closed_at > end)
            .count()
    }
}

/// Reads and validates a case registry; every row's unit must be known (or `default_unit`
/// fills it, for a unit's own registry without a unit column).
pub fn prepare_cases(
    conn: &mut DbConn,
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&Unit>,
) -> Result<PreparedCases, Failure> {
    let all = units::list(conn, UnitScope::All)?;
    let default_name = default_unit.map(|unit| unit.name.as_str());
    let mut prepared = PreparedCases {
        records: Vec::new(),
        unit_ids: Vec::new(),
    };
    import::stream_cases(
        file_name,
        bytes,
        default_name,
        |text: &str| resolve_unit(&all, text).map(|unit| unit.id),
        &mut |batch| {
            for (unit_id, record) in batch.records {
                prepared.unit_ids.push(unit_id);
                prepared.records.push(record);
            }
            ControlFlow::Continue(())
        },
    )?;
    Ok(prepared)
}

/// Batches the reader may run ahead of the writer: enough to keep both busy, few enough that
/// memory stays flat (each batch is at most [`import::CHUNK_ROWS`] records).
const QUEUED_BATCHES: usize = 4;

/// Commits a case registry in one transaction, reading and writing at once: a reader thread
/// reads and validates the file in chunks and hands the valid records over while this thread
/// writes them. Any problem anywhere in the file (a bad row, an unknown unit, a case number
/// twice) rolls the whole transaction back and is reported with every other problem, exactly as
/// [`prepare_cases`] reports them; a file that was valid at preview but no longer (a unit
/// removed since) is refused the same way. `progress` hears (records written, records expected)
/// — the second an estimate until the end.
pub fn commit_cases(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    default_unit: Option<&Unit>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportCounts, Failure> {
    let all = units::list(conn, UnitScope::All)?;
    let all = all.as_slice();
    let default_name = default_unit.map(|unit| unit.name.as_str());
    let now = storage::now();
    transaction(conn, |conn| {
        std::thread::scope(|scope| {
            let (sender, receiver) = mpsc::sync_channel::<CaseBatch<UnitId>>(QUEUED_BATCHES);
            let reader = std::thread::Builder::new()
                .name("pingcha-import-read".to_string())
                .spawn_scoped(scope, move || {
                    import::stream_cases(
                        file_name,
                        bytes,
                        default_name,
                        |text: &str| resolve_unit(all, text).map(|unit| unit.id),
                        &mut |batch| match sender.send(batch) {
                            Ok(()) => ControlFlow::Continue(()),
                            // The writer failed and stopped listening.
                            Err(_) => ControlFlow::Break(()),
                        },
                    )
                })
                .map_err(|error| Failure::Unreadable(format!("无法启动导入线程：{error}")))?;
            // Returning early (a database error) drops the receiver, which stops the reader.
            let mut writer = cases::Writer::new(actor, now);
            for batch in receiver.iter() {
                let resolved: Vec<ResolvedCase<'_>> = batch
                    .records
                    .iter()
                    .map(|(unit_id, record)| ResolvedCase {
                        unit_id: *unit_id,
                        record,
                    })
                    .collect();
                writer.write(conn, &resolved)?;
                let done = writer.written();
                progress(done, batch.rows_expected.max(done));
            }
            let read = match reader.join() {
                Ok(read) => read,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            read?;
            let done = writer.written();
            let counts = writer.finish(conn, file_name)?;
            progress(done, done);
            Ok(counts)
        })
    })
}

/// The first rows of a prepared registry for the preview page, personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    pub unit: String,
    pub case_no: String,
    pub recipient: String,
    pub recipient_id_no: Option<String>,
    pub recipient_phone: Option<String>,
    pub handler: String,
    pub firm: String,
    pub case_type: &'static str,
    pub sub_type: Option<String>,
    pub cause: String,
    pub closed_at: NaiveDate,
    pub archived_at: Option<NaiveDate>,
}

pub fn preview_rows(prepared: &PreparedCases, limit: usize) -> Vec<PreviewRow> {
    prepared
        .records
        .iter()
        .take(limit)
        .map(|record| PreviewRow {
            unit: record.unit.clone(),
            case_no: record.case_no.clone(),
            recipient: mask_name(&record.recipient, false).to_string(),
            recipient_id_no: record
                .recipient_id_no
                .as_deref()
                .map(|id| mask_id_no(id).to_string()),
            recipient_phone: record
                .recipient_phone
                .as_deref()
                .map(|phone| mask_phone(phone).to_string()),
            handler: record.handler.clone(),
            firm: record.firm.clone(),
            case_type: record.case_type.label(),
            sub_type: record.sub_type.clone(),
            cause: record.cause.clone(),
            closed_at: record.closed_at,
            archived_at: record.archived_at,
        })
        .collect()
}

/// Reads and validates a reviewer pool; every person's unit must be known.
pub fn prepare_people(
    conn: &mut DbConn,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<(PersonRecord, UnitId)>, Failure> {
    let table = import::read_table(file_name, bytes)?;
    let records = import::people::parse_people(&table).map_err(|report| Failure::Invalid {
        file: file_name.to_string(),
        problems: report.problems.iter().map(ToString::to_string).collect(),
    })?;
    let all = units::list(conn, UnitScope::All)?;
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(records.len());
    for record in records {
        match resolve_unit(&all, &record.unit) {
            Some(unit) => {
                let id = unit.id;
                resolved.push((record, id));
            }
            None => problems.push(format!(
                "评查员“{}”：单位“{}”不在系统的单位名单中，请核对名称或代码，或先导入单位名单",
                record.name, record.unit
            )),
        }
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(Failure::Invalid {
            file: file_name.to_string(),
            problems,
        })
    }
}

/// Adds the pool members not already present (same name in the same unit), in one transaction.
pub fn commit_people(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
) -> Result<ImportCounts, Failure> {
    let records = prepare_people(conn, file_name, bytes)?;
    let now = storage::now();
    transaction(conn, |conn| {
        let existing: BTreeSet<(String, String)> = people::list(conn, UnitScope::All)?
            .into_iter()
            .map(|view| (view.person.unit_id.to_string(), view.person.name))
            .collect();
        let mut counts = ImportCounts::default();
        for (record, unit_id) in &records {
            if existing.contains(&(unit_id.to_string(), record.name.clone())) {
                counts.unchanged += 1;
                continue;
            }
            let law_firm_id = match &record.law_firm {
                Some(firm) if !firm.trim().is_empty() => {
                    Some(people::law_firm_by_name(conn, firm.trim(), now)?)
                }
                _ => None,
            };
            people::create(
                conn,
                actor,
                &people::NewPerson {
                    name: record.name.clone(),
                    unit_id: *unit_id,
                    law_firm_id,
                    expertise: record.expertise.clone(),
                    years_of_practice: record.years_of_practice.unwrap_or(0),
                    may_lead: record.may_lead,
                    phone: record.phone.clone(),
                },
                now,
            )?;
            counts.new += 1;
        }
        audit::record(
            conn,
            actor,
            import_change("people.import", file_name, counts),
            now,
        )?;
        Ok(counts)
    })
}

fn import_change<'a>(action: &'a str, file_name: &str, counts: ImportCounts) -> Change<'a> {
    Change {
        action,
        entity_type: "import",
        entity_id: None,
        before: None,
        after: Some(serde_json::json!({ "file": file_name, "counts": counts })),
    }
}

/// Adds the units not already present (by code), parents first, and sets annual targets.
pub fn commit_units(
    conn: &mut DbConn,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    year: i32,
) -> Result<ImportCounts, Failure> {
    let table = import::read_table(file_name, bytes)?;
    let records: Vec<UnitRecord> =
        import::units::parse_units(&table).map_err(|report| Failure::Invalid {
            file: file_name.to_string(),
            problems: report.problems.iter().map(ToString::to_string).collect(),
        })?;
    let now = storage::now();
    transaction(conn, |conn| {
        let mut counts = ImportCounts::default();
        let mut pending: Vec<&UnitRecord> = records.iter().collect();
        let mut problems = Vec::new();
        // Parents may come after their children in the file: create in passes.
        while !pending.is_empty() {
            let before = pending.len();
            let mut waiting = Vec::new();
            for record in pending {
                if units::find_by_code(conn, &record.code)?.is_some() {
                    counts.unchanged += 1;
                    continue;
                }
                let parent_id = match &record.parent_code {
                    None => None,
                    Some(code) => match units::find_by_code(conn, code)? {
                        Some(parent) => Some(parent.id),
                        None => {
                            waiting.push(record);
                            continue;
                        }
                    },
                };
                let unit = units::create(
                    conn,
                    actor,
                    &units::NewUnit {
                        code: record.code.clone(),
                        name: record.name.clone(),
                        kind: record.kind,
                        parent_id,
                    },
                    now,
                )?;
                if let Some(target) = record.annual_target {
                    units::set_target(
                        conn,
                        actor,
                        unit.id,
                        record.year.unwrap_or(year),
                        i32::try_from(target).unwrap_or(i32::MAX),
                        now,
                    )?;
                }
                counts.new += 1;
            }
            if waiting.len() == before {
                for record in &waiting {
                    problems.push(format!(
                        "单位“{}”：上级单位代码“{}”既不在文件中也不在系统中",
                        record.name,
                        record.parent_code.as_deref().unwrap_or_default()
                    ));
                }
                break;
            }
            pending = waiting;
        }
        if !problems.is_empty() {
            return Err(Failure::Invalid {
                file: file_name.to_string(),
                problems,
            });
        }
        audit::record(
            conn,
            actor,
            import_change("units.import", file_name, counts),
            now,
        )?;
        Ok(counts)
    })
}
