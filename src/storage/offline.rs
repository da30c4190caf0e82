//! Offline review packets in the database: issuing a signed packet (server), applying a
//! result all-or-nothing (server), and the laptop's local database made from one packet
//! (`pingcha offline open`) with the result it exports. The packet format and every check
//! that needs no key live in `domain::offline`.

use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::masking::mask_name;
use crate::domain::offline::{
    self as packets, FileRefusal, Packet, PacketError, PacketFile, PacketReviewer, PacketRound,
    PacketRubric, Payload, ResultSheet, SheetRefusal,
};
use crate::domain::people::Role;
use crate::domain::rubric::parse_rubric;
use crate::domain::scoring::score;
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetState, SheetStatus};
use crate::security;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::schema::{
    case_files, offline_packets, people, review_rounds, round_rubrics, score_sheets, units,
};
use crate::storage::server_keys::{self, Purpose};
use crate::storage::sheets::{self, SaveError};
use crate::storage::{
    DbConn, Error, Result, assignments, cases, new_id, parse_id, rounds, rubrics, transaction,
    users,
};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// The login of the one account of an offline laptop's database.
pub const LOCAL_LOGIN: &str = "offline";

/// Who asks for a packet, for whom, and for how long.
#[derive(Debug, Clone)]
pub struct IssueRequest {
    pub round: RoundId,
    /// Whose sheets the packet carries.
    pub reviewer: PersonId,
    /// Who downloads it: the reviewer, or the leader of the team of every file the reviewer
    /// is placed on (`domain::offline::may_handle_packet`).
    pub requester: PersonId,
    pub valid_for: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("no published assignment")]
    NoAssignment,
    #[error("requester is neither the reviewer nor the leader of their files")]
    NotPermitted,
    #[error("no open sheets")]
    NothingOpen,
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<diesel::result::Error> for IssueError {
    fn from(error: diesel::result::Error) -> Self {
        IssueError::Storage(error.into())
    }
}

/// An issued packet: the file's text and what it holds.
#[derive(Debug, Clone)]
pub struct Issued {
    pub packet_id: String,
    pub text: String,
    pub files: usize,
    pub expires_at: NaiveDateTime,
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// Signs a packet of the reviewer's open sheets (草稿, 退回, 重新开放) in the round, creating
/// the sheets not opened yet, and records it with its sheets and versions and in the audit log.
pub fn issue(
    conn: &mut DbConn,
    actor: &Actor,
    request: &IssueRequest,
    now: NaiveDateTime,
) -> std::result::Result<Issued, IssueError> {
    let round = rounds::find(conn, request.round)?;
    let version = assignments::published(conn, round.id)?.ok_or(IssueError::NoAssignment)?;
    let team = version
        .assignment
        .team_of_member(request.reviewer)
        .ok_or(IssueError::NotPermitted)?
        .clone();
    let placed: Vec<CaseFileId> = version
        .assignment
        .placements
        .iter()
        .filter(|placement| placement.reviewers.contains(&request.reviewer))
        .map(|placement| placement.file)
        .collect();
    if !packets::may_handle_packet(
        &version.assignment,
        request.requester,
        request.reviewer,
        &placed,
    ) {
        return Err(IssueError::NotPermitted);
    }
    let key = server_keys::key(conn, Purpose::OfflinePackets, now)?;
    let problem = &version.problem;
    let reviewer = problem
        .reviewer(request.reviewer)
        .ok_or(Error::NotFound)?
        .clone();
    transaction(conn, |conn| {
        rounds::require(
            conn,
            round.id,
            crate::domain::round_actions::RoundAction::OfflinePacket,
        )?;
        let mut files = Vec::new();
        let mut rubric_texts: BTreeMap<String, PacketRubric> = BTreeMap::new();
        for placement in &version.assignment.placements {
            if !placement.reviewers.contains(&request.reviewer) {
                continue;
            }
            let Some(sampled) = problem.file(placement.file) else {
                continue;
            };
            let filter = cases::CaseFilter {
                ids: Some(vec![placement.file]),
                ..Default::default()
            };
            let Some((_, record)) = cases::records(conn, UnitScope::All, &filter)?
                .into_iter()
                .next()
            else {
                continue;
            };
            let Some(hash) = round.settings.rubrics.get(&record.case_type) else {
                continue;
            };
            let sheet = sheets::find_or_create(
                conn,
                round.id,
                placement.file,
                request.reviewer,
                hash,
                now,
            )?;
            if !sheet.sheet.state.is_editable() {
                continue;
            }
            if !rubric_texts.contains_key(hash) {
                let rubric = rubrics::load(conn, hash)?;
                rubric_texts.insert(
                    hash.clone(),
                    PacketRubric {
                        content_hash: hash.clone(),
                        file_name: rubric.file_name().to_string(),
                        source: rubric.source().to_string(),
                    },
                );
            }
            let note = match &sheet.sheet.state {
                SheetState::Returned { comment } => Some(comment.clone()),
                SheetState::Reopened { reason } => Some(reason.clone()),
                _ => None,
            };
            files.push(PacketFile {
                sheet_id: sheet.id.clone(),
                file_id: placement.file.to_string(),
                case_no: record.case_no.clone(),
                unit_id: sampled.unit.to_string(),
                unit_name: problem.unit_name(sampled.unit).to_string(),
                case_type: record.case_type.code().to_string(),
                double_review: placement.reviewers.len() > 1,
                sub_type: record.sub_type.clone(),
                recipient: mask_name(&record.recipient, false).to_string(),
                handler: record.handler.clone(),
                firm: record.firm.clone(),
                cause: record.cause.clone(),
                assigned_at: record.assigned_at,
                closed_at: record.closed_at,
                archived_at: record.archived_at,
                rubric_hash: hash.clone(),
                state: sheet.sheet.state.status().code().to_string(),
                note,
                version: sheet.sheet.version,
                answers: sheet.sheet.answers.clone(),
            });
        }
        if files.is_empty() {
            return Err(IssueError::NothingOpen);
        }
        let unit_name: String = units::table
            .find(reviewer.unit.to_string())
            .select(units::name)
            .first(conn)?;
        let packet_id = new_id().to_string();
        let expires_at = now + request.valid_for;
        let payload = Payload {
            packet_id: packet_id.clone(),
            round: PacketRound {
                id: round.id.to_string(),
                name: round.settings.name.clone(),
                period_start: round.settings.period_start,
                period_end: round.settings.period_end,
                review_deadline: round.settings.review_deadline,
                team: i32::try_from(team.number).unwrap_or(0),
            },
            reviewer: PacketReviewer {
                person_id: reviewer.id.to_string(),
                name: reviewer.name.clone(),
                unit_id: reviewer.unit.to_string(),
                unit_name,
            },
            issued_by: actor.login.clone(),
            issued_at: now,
            expires_at,
            rubrics: rubric_texts.into_values().collect(),
            files,
        };
        let signature = security::hmac_sha256(&key, &packets::signing_bytes(&payload));
        let sheets: Vec<serde_json::Value> = payload
            .files
            .iter()
            .map(|file| serde_json::json!({ "sheet_id": file.sheet_id, "case_no": file.case_no, "version": file.version }))
            .collect();
        let count = payload.files.len();
        let text = packets::encode(payload, &signature);
        insert_row(
            conn,
            &packet_id,
            round.id,
            request.reviewer,
            &actor.login,
            now,
            expires_at,
            &sheets,
            &text,
        )?;
        audit::record(
            conn,
            actor,
            Change {
                action: "offline.packet.issue",
                entity_type: "offline_packet",
                entity_id: Some(packet_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "round_id": round.id.to_string(), "reviewer_id": request.reviewer.to_string(),
                    "expires_at": expires_at, "sheets": sheets,
                })),
            },
            now,
        )?;
        Ok(Issued {
            packet_id,
            text,
            files: count,
            expires_at,
        })
    })
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    conn: &mut DbConn,
    packet_id: &str,
    round: RoundId,
    reviewer: PersonId,
    issued_by: &str,
    issued_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    sheets: &[serde_json::Value],
    text: &str,
) -> Result<()> {
    diesel::insert_into(offline_packets::table)
        .values((
            offline_packets::id.eq(packet_id),
            offline_packets::round_id.eq(round.to_string()),
            offline_packets::reviewer_id.eq(reviewer.to_string()),
            offline_packets::issued_by.eq(issued_by),
            offline_packets::issued_at.eq(issued_at),
            offline_packets::expires_at.eq(expires_at),
            offline_packets::sheets_json.eq(serde_json::to_string(sheets).map_err(corrupt)?),
            offline_packets::packet_sha256.eq(security::sha256_hex(text.as_bytes())),
            offline_packets::packet_text.eq(text),
        ))
        .execute(conn)?;
    Ok(())
}

/// Why a result was refused; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Packet(PacketError),
    #[error("{} file(s) refused", .0.len())]
    Files(Vec<FileRefusal>),
    #[error(transparent)]
    Storage(#[from] Error),
}

impl From<diesel::result::Error> for ApplyError {
    fn from(error: diesel::result::Error) -> Self {
        ApplyError::Storage(error.into())
    }
}

/// One sheet written from a result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AppliedFile {
    pub case_no: String,
    pub submitted: bool,
    pub total_tenths: Option<i32>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Applied {
    pub packet_id: String,
    pub reviewer: String,
    pub files: Vec<AppliedFile>,
}

/// Applies a result packet uploaded by `uploader`: the packet inside must carry the server's
/// signature, be one this server issued and not yet applied, not be expired, and belong to
/// the uploader or a member of the team they lead; every sheet must still be open and at the
/// packet's version. Then every sheet is saved or submitted through the same state machine,
/// engine and storage path as the score form, in one transaction; any refusal writes nothing.
pub fn apply_result(
    conn: &mut DbConn,
    actor: &Actor,
    uploader: PersonId,
    text: &str,
    now: NaiveDateTime,
    shown: &dyn Fn(NaiveDateTime) -> String,
) -> std::result::Result<Applied, ApplyError> {
    let (result, packet) = packets::decode_result(text).map_err(ApplyError::Packet)?;
    let key = server_keys::key(conn, Purpose::OfflinePackets, now)?;
    let payload = &packet.payload;
    if !security::hmac_sha256_verify(
        &key,
        &packets::signing_bytes(payload),
        &packets::signature_bytes(&packet),
    ) {
        return Err(ApplyError::Packet(PacketError::BadSignature));
    }
    let round: RoundId = parse_id(&payload.round.id)?;
    let reviewer: PersonId = parse_id(&payload.reviewer.person_id)?;
    transaction(conn, |conn| {
        crate::storage::rounds::require(
            conn,
            round,
            crate::domain::round_actions::RoundAction::ScoreSheet,
        )?;
        let row: Option<(String, Option<NaiveDateTime>)> = offline_packets::table
            .find(&payload.packet_id)
            .select((offline_packets::packet_sha256, offline_packets::applied_at))
            .first(conn)
            .optional()?;
        let Some((sha256, applied_at)) = row else {
            return Err(ApplyError::Packet(PacketError::Unknown));
        };
        if sha256 != security::sha256_hex(result.packet.as_bytes()) {
            return Err(ApplyError::Packet(PacketError::BadSignature));
        }
        if let Some(at) = applied_at {
            return Err(ApplyError::Packet(PacketError::AlreadyApplied(shown(at))));
        }
        packets::check_not_expired(payload, now, shown).map_err(ApplyError::Packet)?;
        if uploader != reviewer && !may_apply(conn, round, uploader, reviewer, payload)? {
            return Err(ApplyError::Packet(PacketError::WrongReviewer(
                payload.reviewer.name.clone(),
            )));
        }
        let mut refusals = Vec::new();
        let mut updates = Vec::new();
        for sheet in &result.sheets {
            match check_sheet(conn, payload, round, reviewer, sheet)? {
                Ok(update) => updates.push(update),
                Err(refusal) => refusals.push(refusal),
            }
        }
        if !refusals.is_empty() {
            return Err(ApplyError::Files(refusals));
        }
        let mut applied = Vec::new();
        for (case_no, stored, update, scored) in updates {
            match sheets::save(conn, actor, &stored, &update, scored.as_ref(), now) {
                Ok(()) => {}
                Err(SaveError::Stale { stored: server }) => {
                    return Err(ApplyError::Files(vec![FileRefusal {
                        case_no,
                        reason: SheetRefusal::Changed {
                            packet: stored.sheet.version,
                            server,
                        },
                    }]));
                }
                Err(SaveError::Refused(refusal)) => return Err(Error::RoundState(refusal).into()),
                Err(SaveError::Storage(error)) => return Err(error.into()),
            }
            let submitted = update.sheet.state.status() == SheetStatus::Submitted;
            applied.push(AppliedFile {
                case_no,
                submitted,
                total_tenths: scored
                    .as_ref()
                    .and_then(|scored| scored.total)
                    .map(|total| total.tenths()),
                grade: scored.map(|scored| scored.grade.name),
            });
        }
        diesel::update(offline_packets::table.find(&payload.packet_id))
            .set((
                offline_packets::applied_at.eq(Some(now)),
                offline_packets::applied_by.eq(Some(&actor.login)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            actor,
            Change {
                action: "offline.result.apply",
                entity_type: "offline_packet",
                entity_id: Some(payload.packet_id.clone()),
                before: None,
                after: Some(serde_json::json!({
                    "reviewer_id": reviewer.to_string(),
                    "exported_at": result.exported_at,
                    "sheets": applied,
                })),
            },
            now,
        )?;
        Ok(Applied {
            packet_id: payload.packet_id.clone(),
            reviewer: payload.reviewer.name.clone(),
            files: applied,
        })
    })
}

type CheckedSheet = (
    String,
    sheets::StoredSheet,
    crate::domain::scoring::sheet::SheetUpdate,
    Option<crate::domain::scoring::ScoreResult>,
);

/// One result sheet checked against the server: the update to write, or why not.
fn check_sheet(
    conn: &mut DbConn,
    payload: &Payload,
    round: RoundId,
    reviewer: PersonId,
    sheet: &ResultSheet,
) -> Result<std::result::Result<CheckedSheet, FileRefusal>> {
    let refuse = |reason| {
        Ok(Err(FileRefusal {
            case_no: sheet.case_no.clone(),
            reason,
        }))
    };
    let file = match packets::file_of(payload, sheet) {
        Ok(file) => file,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let case_no = file.case_no.clone();
    let refuse_file = |reason| {
        Ok(Err(FileRefusal {
            case_no: case_no.clone(),
            reason,
        }))
    };
    if sheet.base_version != file.version {
        return refuse_file(SheetRefusal::BaseVersionMismatch);
    }
    let file_id: CaseFileId = parse_id(&file.file_id)?;
    let Some(stored) = sheets::find(conn, round, file_id, reviewer)? else {
        return refuse(SheetRefusal::NotInPacket);
    };
    if stored.id != file.sheet_id {
        return refuse_file(SheetRefusal::NotInPacket);
    }
    if !stored.sheet.state.is_editable() {
        return refuse_file(SheetRefusal::NotOpen(stored.sheet.state.status().label()));
    }
    if stored.sheet.version != file.version {
        return refuse_file(SheetRefusal::Changed {
            packet: file.version,
            server: stored.sheet.version,
        });
    }
    let rubric = rubrics::load(conn, &stored.rubric_hash)?;
    let action = if sheet.submitted {
        SheetAction::Submit {
            rubric: &rubric,
            answers: &sheet.answers,
        }
    } else {
        SheetAction::SaveDraft {
            answers: &sheet.answers,
        }
    };
    // The work is the packet's reviewer's, done on their own sheet.
    let actor = SheetActor {
        role: Role::Reviewer,
        is_assigned_reviewer: true,
        is_team_leader: false,
    };
    let update = match stored.sheet.apply(stored.sheet.version, action, actor) {
        Ok(update) => update,
        Err(error) => return refuse_file(SheetRefusal::Rejected(error.to_string())),
    };
    let scored = if sheet.submitted {
        score(&rubric, &update.sheet.answers).ok()
    } else {
        None
    };
    Ok(Ok((file.case_no.clone(), stored, update, scored)))
}

/// Whether `uploader` may apply the result of `reviewer`'s packet: they lead the team of
/// every file it carries ([`packets::may_handle_packet`]).
fn may_apply(
    conn: &mut DbConn,
    round: RoundId,
    uploader: PersonId,
    reviewer: PersonId,
    payload: &Payload,
) -> Result<bool> {
    let Some(assignment) = assignments::published_assignment(conn, round)? else {
        return Ok(false);
    };
    let files = payload
        .files
        .iter()
        .map(|file| parse_id(&file.file_id))
        .collect::<Result<Vec<CaseFileId>>>()?;
    Ok(packets::may_handle_packet(
        &assignment,
        uploader,
        reviewer,
        &files,
    ))
}

/// The packet a local (offline) database was made from, with its text.
pub fn local_packet(conn: &mut DbConn) -> Result<Option<(String, Packet)>> {
    let text: Option<String> = offline_packets::table
        .select(offline_packets::packet_text)
        .first(conn)
        .optional()?;
    text.map(|text| {
        let packet = packets::decode(&text).map_err(corrupt)?;
        Ok((text, packet))
    })
    .transpose()
}

/// Makes an empty local database hold exactly one packet: its round, rubric snapshots, file
/// headers (already masked), the reviewer with one local account, and the sheets at their
/// versions. Opening the same packet again keeps what was scored; another packet is refused
/// (`Duplicate` naming the packet already there).
pub fn open_local(
    conn: &mut DbConn,
    text: &str,
    packet: &Packet,
    now: NaiveDateTime,
) -> Result<()> {
    if let Some((_, existing)) = local_packet(conn)? {
        if existing.payload.packet_id == packet.payload.packet_id {
            return Ok(());
        }
        return Err(Error::Duplicate(existing.payload.packet_id));
    }
    let payload = &packet.payload;
    let actor = Actor {
        user_id: None,
        login: LOCAL_LOGIN.into(),
        client_ip: None,
    };
    transaction(conn, |conn| {
        let mut unit_names: BTreeMap<&str, &str> = BTreeMap::new();
        unit_names.insert(&payload.reviewer.unit_id, &payload.reviewer.unit_name);
        for file in &payload.files {
            unit_names.insert(&file.unit_id, &file.unit_name);
        }
        for (id, name) in unit_names {
            diesel::insert_into(units::table)
                .values((
                    units::id.eq(id),
                    units::code.eq(id),
                    units::name.eq(name),
                    units::kind.eq("aid_center"),
                    units::created_at.eq(now),
                ))
                .execute(conn)?;
        }
        diesel::insert_into(review_rounds::table)
            .values((
                review_rounds::id.eq(&payload.round.id),
                review_rounds::name.eq(&payload.round.name),
                review_rounds::period_start.eq(payload.round.period_start),
                review_rounds::period_end.eq(payload.round.period_end),
                review_rounds::status.eq("reviewing"),
                review_rounds::combine_rule.eq("average"),
                review_rounds::escalate_gap_tenths.eq(0),
                review_rounds::review_deadline.eq(payload.round.review_deadline),
                review_rounds::rectification_days.eq(30),
                review_rounds::blind.eq(false),
                review_rounds::created_at.eq(now),
                review_rounds::created_by.eq(LOCAL_LOGIN),
                review_rounds::updated_at.eq(now),
            ))
            .execute(conn)?;
        for snapshot in &payload.rubrics {
            let rubric = parse_rubric(&snapshot.file_name, &snapshot.source).map_err(corrupt)?;
            if rubric.content_hash() != snapshot.content_hash {
                return Err(corrupt(format!("rubric {}", snapshot.file_name)));
            }
            rubrics::store(conn, &actor, &rubric, rubrics::Origin::File, now)?;
        }
        let mut round_rubric: BTreeMap<&str, &str> = BTreeMap::new();
        for file in &payload.files {
            round_rubric.insert(&file.case_type, &file.rubric_hash);
        }
        for (case_type, hash) in round_rubric {
            diesel::insert_into(round_rubrics::table)
                .values((
                    round_rubrics::round_id.eq(&payload.round.id),
                    round_rubrics::case_type.eq(case_type),
                    round_rubrics::content_hash.eq(hash),
                ))
                .execute(conn)?;
        }
        diesel::insert_into(people::table)
            .values((
                people::id.eq(&payload.reviewer.person_id),
                people::name.eq(&payload.reviewer.name),
                people::unit_id.eq(&payload.reviewer.unit_id),
                people::years_of_practice.eq(0),
                people::may_lead.eq(false),
                people::active.eq(true),
                people::created_at.eq(now),
            ))
            .execute(conn)?;
        for file in &payload.files {
            insert_local_file(conn, payload, file, now)?;
        }
        users::create(
            conn,
            &actor,
            &users::NewUser {
                login: LOCAL_LOGIN.into(),
                display_name: payload.reviewer.name.clone(),
                role: Role::Reviewer,
                unit_id: None,
                person_id: Some(parse_id(&payload.reviewer.person_id)?),
                password_hash: security::hash_password(&security::random_token().map_err(corrupt)?)
                    .map_err(corrupt)?,
            },
            now,
        )?;
        let sheets: Vec<serde_json::Value> = payload
            .files
            .iter()
            .map(|file| serde_json::json!({ "sheet_id": file.sheet_id, "case_no": file.case_no, "version": file.version }))
            .collect();
        insert_row(
            conn,
            &payload.packet_id,
            parse_id(&payload.round.id)?,
            parse_id(&payload.reviewer.person_id)?,
            &payload.issued_by,
            payload.issued_at,
            payload.expires_at,
            &sheets,
            text,
        )
    })
}

fn insert_local_file(
    conn: &mut DbConn,
    payload: &Payload,
    file: &PacketFile,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(case_files::table)
        .values((
            case_files::id.eq(&file.file_id),
            case_files::unit_id.eq(&file.unit_id),
            case_files::case_no.eq(&file.case_no),
            case_files::recipient.eq(&file.recipient),
            case_files::handler.eq(&file.handler),
            case_files::firm.eq(&file.firm),
            case_files::case_type.eq(&file.case_type),
            case_files::sub_type.eq(&file.sub_type),
            case_files::cause.eq(&file.cause),
            case_files::assigned_at.eq(file.assigned_at),
            case_files::closed_at.eq(file.closed_at),
            case_files::archived_at.eq(file.archived_at),
            case_files::terminated.eq(false),
            case_files::guilty_plea.eq(false),
            case_files::notified_defense.eq(false),
            case_files::created_at.eq(now),
            case_files::updated_at.eq(now),
        ))
        .execute(conn)?;
    let (comment, reason) = match file.state.as_str() {
        "returned" => (file.note.clone(), None),
        "reopened" => (None, file.note.clone()),
        _ => (None, None),
    };
    diesel::insert_into(score_sheets::table)
        .values((
            score_sheets::id.eq(&file.sheet_id),
            score_sheets::round_id.eq(&payload.round.id),
            score_sheets::case_file_id.eq(&file.file_id),
            score_sheets::reviewer_id.eq(&payload.reviewer.person_id),
            score_sheets::rubric_hash.eq(&file.rubric_hash),
            score_sheets::state.eq(&file.state),
            score_sheets::version.eq(file.version),
            score_sheets::answers_json.eq(serde_json::to_string(&file.answers).map_err(corrupt)?),
            score_sheets::leader_comment.eq(comment),
            score_sheets::reopen_reason.eq(reason),
            score_sheets::created_at.eq(now),
            score_sheets::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The result of a local database: its packet, and every sheet changed since the packet was
/// opened with its answers, base version and whether it was submitted.
pub fn export_result(conn: &mut DbConn, now: NaiveDateTime) -> Result<(String, usize)> {
    let (text, packet) = local_packet(conn)?.ok_or(Error::NotFound)?;
    let payload = &packet.payload;
    let round: RoundId = parse_id(&payload.round.id)?;
    let reviewer: PersonId = parse_id(&payload.reviewer.person_id)?;
    let mut changed = Vec::new();
    for file in &payload.files {
        let Some(local) = sheets::find(conn, round, parse_id(&file.file_id)?, reviewer)? else {
            continue;
        };
        if local.sheet.version == file.version {
            continue;
        }
        changed.push(ResultSheet {
            sheet_id: file.sheet_id.clone(),
            case_no: file.case_no.clone(),
            base_version: file.version,
            submitted: local.sheet.state.status() == SheetStatus::Submitted,
            answers: local.sheet.answers,
        });
    }
    let count = changed.len();
    Ok((packets::encode_result(&text, now, changed), count))
}

/// Whether the packet record exists for the reviewer's sheet ids (used by the local server to
/// limit the score form to the packet's files).
pub fn local_holds_file(conn: &mut DbConn, file: CaseFileId) -> Result<bool> {
    Ok(local_packet(conn)?.is_some_and(|(_, packet)| {
        packet
            .payload
            .files
            .iter()
            .any(|candidate| candidate.file_id == file.to_string())
    }))
}
