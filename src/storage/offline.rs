//! Offline review packets in the database: the packet records the server keeps (issuing and
//! applying are use cases in `app::offline`), and the laptop's local database made from one
//! packet (`pingcha offline open`) with the result it exports. The packet format and every check
//! that needs no key live in `domain::offline`.

use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::offline::{self as packets, Packet, PacketFile, Payload, ResultSheet};
use crate::domain::people::Role;
use crate::domain::rubric::parse_rubric;
use crate::domain::scoring::sheet::SheetStatus;
use crate::security;
use crate::storage::audit::Actor;
use crate::storage::schema::{
    case_files, offline_packets, people, review_rounds, round_rubrics, score_sheets, units,
};
use crate::storage::{DbConn, Error, Result, parse_id, rubrics, sheets, transaction, users};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// The login of the one account of an offline laptop's database.
pub const LOCAL_LOGIN: &str = "offline";

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

#[allow(clippy::too_many_arguments)]
pub fn insert_row(
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

/// The stored packet's digest and when its result was applied, if it was issued here.
pub fn packet_record(
    conn: &mut DbConn,
    packet_id: &str,
) -> Result<Option<(String, Option<NaiveDateTime>)>> {
    Ok(offline_packets::table
        .find(packet_id)
        .select((offline_packets::packet_sha256, offline_packets::applied_at))
        .first(conn)
        .optional()?)
}

/// Marks the packet's result applied.
pub fn mark_applied(
    conn: &mut DbConn,
    packet_id: &str,
    applied_by: &str,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(offline_packets::table.find(packet_id))
        .set((
            offline_packets::applied_at.eq(Some(now)),
            offline_packets::applied_by.eq(Some(applied_by)),
        ))
        .execute(conn)?;
    Ok(())
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
