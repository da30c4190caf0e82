//! Offline review packets (离线评查包) on the server: issuing a signed packet of a reviewer's
//! open sheets, and applying a result all-or-nothing. Each is one transaction with its audit
//! entry. The packet format and every check that needs no key live in `domain::offline`; the
//! laptop's local database (`pingcha offline open`) in `storage::offline`.
//!
//! Who may have a reviewer's packet: the reviewer, or the leader of the team of every file it
//! carries (`domain::offline::may_handle_packet` over `Assignment::leads_file`).

use crate::domain::UnitScope;
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::masking::mask_name;
use crate::domain::offline::{
    self as packets, FileRefusal, PacketError, PacketFile, PacketReviewer, PacketRound,
    PacketRubric, Payload, ResultSheet, SheetRefusal,
};
use crate::domain::people::Role;
use crate::domain::scoring::score;
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetState, SheetStatus};
use crate::security;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::offline as store;
use crate::storage::server_keys::{self, Purpose};
use crate::storage::sheets::{self, SaveError};
use crate::storage::{
    DbConn, Error, Result, assignments, cases, new_id, parse_id, rounds, rubrics, transaction,
};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

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
        let unit_name = crate::storage::units::find(conn, UnitScope::All, reviewer.unit)?.name;
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
        store::insert_row(
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
        let row = store::packet_record(conn, &payload.packet_id)?;
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
        store::mark_applied(conn, &payload.packet_id, &actor.login, now)?;
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
