//! Imports through the pages and the API: upload (checked by content) → validation report or
//! preview → commit. Nothing is written until the administrator confirms, and then all rows
//! or none.

use crate::app::imports::{self, Failure, Kind};
use crate::app::messages;
use crate::domain::UnitScope;
use crate::domain::ids::{ImportId, RoundId, UnitId};
use crate::storage::cases::{self as case_store, ImportCounts};
use crate::storage::{self, pending, rounds, units};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, see_other};
use crate::web::upload;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Datelike;
use serde_json::{Value, json};

/// The largest registry accepted: a 200,000-row XLSX is about 21 MB.
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// What the upload form says besides the file.
struct Target {
    kind: Kind,
    round_id: Option<RoundId>,
    default_unit_id: Option<UnitId>,
}

fn target(form: &upload::Form) -> WebResult<Target> {
    let kind: Kind = form
        .text("kind")
        .unwrap_or("cases")
        .parse()
        .map_err(|kind| WebError::BadRequest(format!("未知的导入类型：{kind}")))?;
    let round_id = match form
        .text("round_id")
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        Some(text) => Some(text.parse().map_err(|_| WebError::NotFound)?),
        None => None,
    };
    let default_unit_id = match form
        .text("default_unit")
        .map(str::trim)
        .filter(|text| !text.is_empty())
    {
        Some(text) => Some(
            text.parse()
                .map_err(|_| WebError::BadRequest(messages::UNKNOWN_UNIT.to_string()))?,
        ),
        None => None,
    };
    if kind == Kind::Cases && round_id.is_none() {
        return Err(WebError::BadRequest(
            "导入案件台账时须指定评查轮次。".into(),
        ));
    }
    Ok(Target {
        kind,
        round_id,
        default_unit_id,
    })
}

/// Counts and sample rows of a file, validated against the current database.
struct Checked {
    counts: ImportCounts,
    rows: Value,
    outside_period: usize,
    total: usize,
}

impl Checked {
    /// A file whose every record is new (people and unit lists), previewed by `rows`.
    fn all_new(rows: Vec<Value>, total: usize) -> Checked {
        Checked {
            counts: ImportCounts {
                new: total,
                ..ImportCounts::default()
            },
            rows: Value::Array(rows),
            outside_period: 0,
            total,
        }
    }
}

fn check(
    conn: &mut storage::DbConn,
    target: &Target,
    file_name: &str,
    bytes: &[u8],
) -> Result<Checked, Failure> {
    match target.kind {
        Kind::Cases => {
            let default_unit = match target.default_unit_id {
                Some(id) => Some(units::find(conn, UnitScope::All, id)?),
                None => None,
            };
            let prepared = imports::prepare_cases(conn, file_name, bytes, default_unit.as_ref())?;
            let counts = case_store::preview(conn, &prepared.resolved())?;
            let outside_period = match target.round_id {
                Some(round) => {
                    let round = rounds::find(conn, round)?;
                    prepared.outside(round.settings.period_start, round.settings.period_end)
                }
                None => 0,
            };
            Ok(Checked {
                counts,
                rows: json!(imports::preview_rows(&prepared, 50)),
                outside_period,
                total: prepared.records.len(),
            })
        }
        Kind::People => {
            let records = imports::prepare_people(conn, file_name, bytes)?;
            let rows: Vec<Value> = records
                .iter()
                .take(50)
                .map(|(record, _)| {
                    let expertise: Vec<&str> = record.expertise.iter().map(|case_type| case_type.label()).collect();
                    json!({ "name": record.name, "unit": record.unit, "law_firm": record.law_firm,
                            "expertise": expertise, "years": record.years_of_practice, "may_lead": record.may_lead })
                })
                .collect();
            Ok(Checked::all_new(rows, records.len()))
        }
        Kind::Units => {
            let table = crate::import::read_table(file_name, bytes)?;
            let records =
                crate::import::units::parse_units(&table).map_err(|report| Failure::Invalid {
                    file: file_name.to_string(),
                    problems: report.problems.iter().map(ToString::to_string).collect(),
                })?;
            let rows: Vec<Value> = records
                .iter()
                .take(50)
                .map(|record| json!({ "code": record.code, "name": record.name, "kind": record.kind.label(),
                                       "parent_code": record.parent_code, "annual_target": record.annual_target, "year": record.year }))
                .collect();
            Ok(Checked::all_new(rows, records.len()))
        }
    }
}

/// The user's mistake as (title, problems), or the unexpected failure.
fn failure(error: Failure) -> Result<(String, Vec<String>), WebError> {
    match error {
        Failure::Unreadable(message) => Ok((message, Vec::new())),
        Failure::Invalid { file, problems } => Ok((
            format!("“{file}”有 {} 处问题，未导入任何数据。", problems.len()),
            problems,
        )),
        Failure::Storage(error) => Err(error.into()),
    }
}

async fn receive(
    state: &AppState,
    user: &CurrentUser,
    payload: crate::web::upload::Parts,
) -> WebResult<Result<(ImportId, Target), (String, Vec<String>, Target)>> {
    let too_large = format!("导入文件不能超过 {} MB。", MAX_IMPORT_BYTES / 1024 / 1024);
    let form = upload::read(payload, MAX_IMPORT_BYTES, &too_large).await?;
    let target = target(&form)?;
    let Some(file) = form.file("file") else {
        return Ok(Err((
            messages::IMPORT_FILE_MISSING.to_string(),
            Vec::new(),
            target,
        )));
    };
    if let Some(round) = target.round_id {
        let round = state.run(move |conn| rounds::find(conn, round)).await?;
        crate::domain::round_actions::check(
            round.status,
            crate::domain::round_actions::RoundAction::ImportRegistry,
        )
        .map_err(|refusal| WebError::Conflict(refusal.to_string()))?;
    }
    let file_name = file.file_name.clone();
    let bytes = file.bytes.clone();
    let login = user.account.login.clone();
    let kind = target.kind;
    let round_id = target.round_id;
    let default_unit_id = target.default_unit_id;
    let outcome = state
        .db(move |conn| {
            let probe = Target {
                kind,
                round_id,
                default_unit_id,
            };
            match check(conn, &probe, &file_name, &bytes) {
                Ok(_) => {
                    let id = pending::create(
                        conn,
                        kind.code(),
                        round_id,
                        default_unit_id,
                        &file_name,
                        &bytes,
                        &login,
                        storage::now(),
                    )?;
                    Ok(Ok(id))
                }
                Err(error) => failure(error).map(Err),
            }
        })
        .await?;
    Ok(match outcome {
        Ok(id) => Ok((id, target)),
        Err((title, problems)) => Err((title, problems, target)),
    })
}

fn back_link(target_round: Option<RoundId>, kind: Kind) -> String {
    match (target_round, kind) {
        (Some(round), _) => format!("/rounds/{round}"),
        (None, Kind::People) => "/people".to_string(),
        (None, _) => "/units".to_string(),
    }
}

/// POST /imports (multipart; the CSRF token first).
pub async fn upload(
    Ctx(request, state, user): Ctx,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    match receive(&state, &user, payload).await? {
        Ok((id, _)) => Ok(see_other(&format!("/imports/{id}"))),
        Err((title, problems, target)) => {
            let mut response = page(
                &request,
                "imports/report",
                "导入未通过校验",
                Some(&user),
                json!({ "title": title, "problems": problems, "back": back_link(target.round_id, target.kind) }),
            )?;
            *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
            Ok(response)
        }
    }
}

fn parse_import_id(raw: &str) -> WebResult<ImportId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

async fn load_checked(
    state: &AppState,
    id: ImportId,
) -> WebResult<(
    pending::Pending,
    Target,
    Result<Checked, (String, Vec<String>)>,
)> {
    state
        .db(move |conn| {
            let pending = pending::find(conn, id)?;
            let kind: Kind = pending.kind.parse().map_err(|_| WebError::NotFound)?;
            let target = Target {
                kind,
                round_id: pending.round_id,
                default_unit_id: pending.default_unit_id,
            };
            let checked = match check(conn, &target, &pending.file_name, &pending.content) {
                Ok(checked) => Ok(checked),
                Err(error) => Err(failure(error)?),
            };
            Ok((pending, target, checked))
        })
        .await
}

/// GET /imports/{id}: the preview of an upload awaiting confirmation.
pub async fn preview(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_import_id(&id)?;
    let (pending, target, checked) = load_checked(&state, id).await?;
    let checked = checked.map_err(|(title, _)| WebError::Conflict(title))?;
    page(
        &request,
        "imports/preview",
        "导入预览",
        Some(&user),
        json!({
            "id": id.to_string(),
            "kind": target.kind.code(),
            "kind_label": target.kind.label(),
            "is_cases": target.kind == Kind::Cases,
            "is_people": target.kind == Kind::People,
            "is_units": target.kind == Kind::Units,
            "file_name": pending.file_name,
            "file_sha256": pending.file_sha256,
            "counts": checked.counts,
            "total": checked.total,
            "outside_period": checked.outside_period,
            "rows": checked.rows,
            "shown": checked.total.min(50),
            "back": back_link(target.round_id, target.kind),
        }),
    )
}

async fn commit_pending(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    id: ImportId,
) -> WebResult<(Target, ImportCounts)> {
    let actor = user.actor(request);
    state
        .db(move |conn| {
            let pending = pending::find(conn, id)?;
            let kind: Kind = pending.kind.parse().map_err(|_| WebError::NotFound)?;
            let target = Target {
                kind,
                round_id: pending.round_id,
                default_unit_id: pending.default_unit_id,
            };
            let result = match kind {
                Kind::Cases => {
                    let default_unit = match pending.default_unit_id {
                        Some(unit) => Some(units::find(conn, UnitScope::All, unit)?),
                        None => None,
                    };
                    imports::commit_cases(
                        conn,
                        &actor,
                        &pending.file_name,
                        &pending.content,
                        default_unit.as_ref(),
                        &mut |_, _| {},
                    )
                }
                Kind::People => {
                    imports::commit_people(conn, &actor, &pending.file_name, &pending.content)
                }
                Kind::Units => imports::commit_units(
                    conn,
                    &actor,
                    &pending.file_name,
                    &pending.content,
                    storage::now().year(),
                ),
            };
            let counts = match result {
                Ok(counts) => counts,
                Err(error) => return Err(WebError::Conflict(failure(error)?.0)),
            };
            pending::delete(conn, id)?;
            Ok((target, counts))
        })
        .await
}

/// POST /imports/{id}/commit
pub async fn commit(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_import_id(&id)?;
    let (target, _) = commit_pending(&request, &state, &user, id).await?;
    let back = back_link(target.round_id, target.kind);
    let separator = if back.contains('?') { '&' } else { '?' };
    Ok(see_other(&format!("{back}{separator}notice=imported")))
}

/// POST /imports/{id}/discard
pub async fn discard(state: web::Data<AppState>, id: web::Path<String>) -> WebResult<HttpResponse> {
    let id = parse_import_id(&id)?;
    let pending = state.run(move |conn| pending::find(conn, id)).await?;
    let kind: Kind = pending.kind.parse().map_err(|_| WebError::NotFound)?;
    state.run(move |conn| pending::delete(conn, id)).await?;
    Ok(see_other(&back_link(pending.round_id, kind)))
}

/// POST /api/imports: validate and keep an upload; answers with the preview or the problems.
pub async fn api_upload(
    Ctx(_, state, user): Ctx,
    payload: crate::web::upload::Parts,
) -> Result<HttpResponse, ApiError> {
    match receive(&state, &user, payload).await? {
        Ok((id, _)) => {
            let (pending, target, checked) = load_checked(&state, id).await?;
            let checked = checked.map_err(|(title, _)| WebError::Conflict(title))?;
            Ok(HttpResponse::Ok().json(json!({
                "import_id": id.to_string(), "kind": target.kind.code(), "file_name": pending.file_name,
                "counts": checked.counts, "total": checked.total, "outside_period": checked.outside_period,
                "rows": checked.rows,
            })))
        }
        Err((title, problems, _)) => Ok(HttpResponse::BadRequest().json(json!({
            "error": "invalid_file", "message": title, "problems": problems,
        }))),
    }
}

/// POST /api/imports/{id}/commit
pub async fn api_commit(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_import_id(&id)?;
    let (target, counts) = commit_pending(&request, &state, &user, id).await?;
    Ok(HttpResponse::Ok().json(json!({ "kind": target.kind.code(), "counts": counts })))
}
