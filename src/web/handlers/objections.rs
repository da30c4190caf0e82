//! Objections (异议/申辩) pages and API. A center manager objects to a deduction or veto of
//! their own unit's files within the round's window and follows the decisions; the panel (the
//! team leader of the file's team and the administrators, or the panel named for the round)
//! decides 维持 / 变更 / 撤销 with a reason; administrators and leadership see every objection
//! with its state and age. The round page sets the window, the panel and the borderline
//! second review.

use crate::app::messages;
use crate::app::objections::{
    self as app, Caller, DecideError, FileError, ObjectableRound, ShowError,
};
use crate::domain::evidence::{self, EvidenceKind};
use crate::domain::ids::{FindingId, ObjectionId, RoundId};
use crate::domain::objection::{
    self, Decision, DecisionError, FilingError, ObjectionActions, ObjectionSettings,
    ObjectionSettingsError,
};
use crate::domain::people::Role;
use crate::domain::rubric::Points;
use crate::storage;
use crate::storage::objections::{self as store, StoredObjection};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, see_other, view_data};
use crate::web::upload;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn parse_objection(raw: &str) -> WebResult<ObjectionId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

impl From<FileError> for WebError {
    fn from(error: FileError) -> Self {
        match error {
            FileError::Refused(FilingError::OtherUnit | FilingError::NotAManager) => {
                WebError::Forbidden
            }
            FileError::Refused(error @ FilingError::ReasonRequired) => {
                WebError::BadRequest(error.to_string())
            }
            FileError::Refused(error) => WebError::Conflict(error.to_string()),
            FileError::Storage(error) => error.into(),
        }
    }
}

impl From<ShowError> for WebError {
    fn from(error: ShowError) -> Self {
        match error {
            ShowError::NotOnPanel => WebError::Forbidden,
            ShowError::Storage(error) => error.into(),
        }
    }
}

impl From<DecideError> for WebError {
    fn from(error: DecideError) -> Self {
        match error {
            DecideError::Refused(DecisionError::NotOnPanel) => WebError::Forbidden,
            DecideError::Refused(error @ DecisionError::AlreadyDecided(_)) => {
                WebError::Conflict(error.to_string())
            }
            DecideError::Refused(error) => WebError::BadRequest(error.to_string()),
            DecideError::Storage(error) => error.into(),
        }
    }
}

/// The objections list, as the page and the API show it.
#[derive(Serialize)]
struct ListView {
    objections: Vec<StoredObjection>,
    objectable: Vec<ObjectableRound>,
}

async fn list_view(state: &AppState, user: &CurrentUser) -> WebResult<ListView> {
    let scope = user.scope()?;
    let account = user.account.clone();
    state
        .db(move |conn| {
            let today = storage::today();
            Ok(ListView {
                objections: app::visible(conn, &account, scope, today)?,
                objectable: app::objectable(conn, &account, today)?,
            })
        })
        .await
}

fn query_notice(request: &HttpRequest) -> Option<&'static str> {
    let query = request.query_string();
    if query.contains("notice=filed") {
        Some(messages::objections::FILED)
    } else if query.contains("notice=decided") {
        Some(messages::objections::DECIDED)
    } else {
        None
    }
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    list: ListView,
    is_manager: bool,
    is_admin: bool,
    is_reviewer: bool,
    max_mb: usize,
    notice_message: Option<&'static str>,
}

pub async fn list(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let role = user.account.role;
    let view = ListPage {
        list: list_view(&state, &user).await?,
        is_manager: role == Role::CenterManager,
        is_admin: role == Role::BureauAdmin,
        is_reviewer: role == Role::Reviewer,
        max_mb: evidence::MAX_EVIDENCE_BYTES / 1024 / 1024,
        notice_message: query_notice(&request),
    };
    page(
        &request,
        "objections/list",
        "异议处理",
        Some(&user),
        view_data(&view)?,
    )
}

pub async fn api_list(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(list_view(&state, &user).await?))
}

struct FilingInput {
    finding: FindingId,
    reason: String,
    evidence: Option<(String, EvidenceKind, Vec<u8>)>,
}

async fn file_objection(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    input: FilingInput,
) -> WebResult<ObjectionId> {
    let actor = user.actor(request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            let evidence = input
                .evidence
                .as_ref()
                .map(|(name, kind, bytes)| app::Evidence {
                    file_name: name,
                    kind: *kind,
                    bytes,
                });
            Ok(app::file(
                conn,
                &Caller {
                    actor: &actor,
                    account: &account,
                },
                input.finding,
                &input.reason,
                evidence,
                storage::today(),
                storage::now(),
            )?)
        })
        .await
}

fn finding_of(raw: Option<&str>) -> WebResult<FindingId> {
    raw.and_then(|raw| raw.trim().parse().ok())
        .ok_or_else(|| WebError::BadRequest(messages::OBJECTION_NO_TARGET.to_string()))
}

/// The manager's form: the finding, a reason and optional evidence (multipart).
pub async fn create(
    Ctx(request, state, user): Ctx,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let too_large =
        messages::objections::evidence_too_large(evidence::MAX_EVIDENCE_BYTES / 1024 / 1024);
    let form = upload::read(payload, evidence::MAX_EVIDENCE_BYTES, &too_large).await?;
    let finding = finding_of(form.text("finding"))?;
    let evidence = match form.file("file") {
        Some(file) => {
            let kind = evidence::check(&file.file_name, &file.bytes)
                .map_err(|error| WebError::BadRequest(error.to_string()))?;
            Some((file.file_name.clone(), kind, file.bytes.clone()))
        }
        None => None,
    };
    let input = FilingInput {
        finding,
        reason: form.text("reason").unwrap_or_default().to_string(),
        evidence,
    };
    let id = file_objection(&state, &request, &user, input).await?;
    Ok(see_other(&format!("/objections/{id}?notice=filed")))
}

#[derive(Debug, Deserialize)]
pub struct FileRequest {
    finding: String,
    reason: String,
}

pub async fn api_create(
    Ctx(request, state, user): Ctx,
    body: web::Json<FileRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let input = FilingInput {
        finding: finding_of(Some(&body.finding))?,
        reason: body.reason,
        evidence: None,
    };
    let id = file_objection(&state, &request, &user, input).await?;
    #[derive(Serialize)]
    struct Created {
        id: ObjectionId,
    }
    Ok(HttpResponse::Created().json(Created { id }))
}

/// One objection for the account, with the actions it allows them; 403 for a manager of
/// another unit and a reviewer who is not on its panel.
async fn one(
    state: &AppState,
    user: &CurrentUser,
    id: ObjectionId,
) -> WebResult<(StoredObjection, ObjectionActions)> {
    let scope = user.scope()?;
    let account = user.account.clone();
    state
        .run(move |conn| app::one(conn, &account, scope, id, storage::today()))
        .await
}

/// One objection as the page and the API show it; the decision form is drawn from the
/// domain's allowed actions.
#[derive(Serialize)]
struct ShowView {
    objection: StoredObjection,
    can_decide: bool,
}

#[derive(Serialize)]
struct ShowPage {
    #[serde(flatten)]
    show: ShowView,
    is_veto: bool,
    notice_message: Option<&'static str>,
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_objection(&id)?;
    let (objection, actions) = one(&state, &user, id).await?;
    let view = ShowPage {
        is_veto: objection.target == objection::TargetKind::Veto,
        show: ShowView {
            objection,
            can_decide: actions.decide,
        },
        notice_message: query_notice(&request),
    };
    page(
        &request,
        "objections/show",
        "异议",
        Some(&user),
        view_data(&view)?,
    )
}

pub async fn api_show(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_objection(&id)?;
    let (objection, actions) = one(&state, &user, id).await?;
    Ok(HttpResponse::Ok().json(ShowView {
        objection,
        can_decide: actions.decide,
    }))
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    /// 维持 upheld / 变更 changed / 撤销 withdrawn (codes or labels).
    decision: Option<String>,
    new_points: Option<String>,
    reason: Option<String>,
}

fn decision_of(form: &DecideForm) -> WebResult<Decision> {
    let text = form.decision.as_deref().unwrap_or_default().trim();
    match text {
        "upheld" | "维持" => Ok(Decision::Uphold),
        "withdrawn" | "撤销" => Ok(Decision::Withdraw),
        "changed" | "变更" => {
            let raw = form.new_points.as_deref().unwrap_or_default().trim();
            let new_points = raw
                .parse::<f64>()
                .ok()
                .and_then(Points::from_decimal)
                .ok_or_else(|| {
                    WebError::BadRequest(format!("{}“{raw}”", messages::OBJECTION_BAD_POINTS))
                })?;
            Ok(Decision::Change { new_points })
        }
        _ => Err(WebError::BadRequest(
            messages::OBJECTION_NO_DECISION.to_string(),
        )),
    }
}

async fn decide_for(
    state: &AppState,
    request: &HttpRequest,
    user: &CurrentUser,
    id: ObjectionId,
    form: &DecideForm,
) -> WebResult<StoredObjection> {
    let decision = decision_of(form)?;
    let reason = form.reason.clone().unwrap_or_default();
    let actor = user.actor(request);
    let account = user.account.clone();
    state
        .db(move |conn| {
            Ok(app::decide(
                conn,
                &Caller {
                    actor: &actor,
                    account: &account,
                },
                id,
                &decision,
                &reason,
                storage::today(),
                storage::now(),
            )?)
        })
        .await
}

pub async fn decide(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<DecideForm>,
) -> WebResult<HttpResponse> {
    let id = parse_objection(&id)?;
    decide_for(&state, &request, &user, id, &form).await?;
    Ok(see_other(&format!("/objections/{id}?notice=decided")))
}

pub async fn api_decide(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    body: web::Json<DecideForm>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_objection(&id)?;
    let decided = decide_for(&state, &request, &user, id, &body).await?;
    #[derive(Serialize)]
    struct Decided {
        objection: StoredObjection,
    }
    Ok(HttpResponse::Ok().json(Decided { objection: decided }))
}

/// The evidence attached to an objection: the unit, the panel, administrators, leadership.
pub async fn evidence_file(
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id = parse_objection(&id)?;
    one(&state, &user, id).await?;
    let scope = user.scope()?;
    let file = state
        .run(move |conn| store::evidence(conn, scope, id))
        .await?;
    let kind = EvidenceKind::from_content_type(&file.content_type)
        .ok_or_else(|| WebError::internal("stored evidence of unknown type"))?;
    Ok(crate::web::download::attachment(
        kind.content_type(),
        None,
        &file.name,
        file.bytes,
    ))
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    objection_days: Option<String>,
    borderline_review: Option<String>,
    borderline_points: Option<String>,
    /// Logins separated by commas, spaces or 、.
    panel: Option<String>,
}

/// The administrator saves a round's objection window, panel and borderline option.
pub async fn save_settings(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<SettingsForm>,
) -> WebResult<HttpResponse> {
    let round: RoundId = parse_round_id(&id)?;
    let days_text = form.objection_days.as_deref().unwrap_or("5").trim();
    let objection_days = days_text
        .parse::<u32>()
        .map_err(|_| WebError::BadRequest(ObjectionSettingsError::Days.to_string()))?;
    let points_text = form.borderline_points.as_deref().unwrap_or("3").trim();
    let borderline_points = points_text
        .parse::<f64>()
        .ok()
        .and_then(Points::from_decimal)
        .ok_or_else(|| WebError::BadRequest(ObjectionSettingsError::Borderline.to_string()))?;
    let settings = ObjectionSettings {
        objection_days,
        borderline_review: matches!(form.borderline_review.as_deref(), Some("on" | "1" | "true")),
        borderline_points,
    };
    settings
        .check()
        .map_err(|error| WebError::BadRequest(error.to_string()))?;
    let panel: Vec<String> = form
        .panel
        .as_deref()
        .unwrap_or_default()
        .split([',', '，', '、', ' ', '\n'])
        .map(str::trim)
        .filter(|login| !login.is_empty())
        .map(str::to_string)
        .collect();
    let actor = user.actor(&request);
    state
        .db(move |conn| {
            app::save_settings(conn, &actor, round, &settings, &panel, storage::now()).map_err(
                |error| match error {
                    app::SettingsError::UnknownLogin(login) => WebError::BadRequest(format!(
                        "{}“{login}”",
                        messages::OBJECTION_UNKNOWN_PANEL_LOGIN
                    )),
                    app::SettingsError::Storage(error) => error.into(),
                },
            )
        })
        .await?;
    Ok(see_other(&format!(
        "/rounds/{round}?notice=objection-settings"
    )))
}

/// The round page's view of the settings.
pub fn settings_json(conn: &mut storage::DbConn, round: RoundId) -> WebResult<Value> {
    view_data(&app::settings(conn, round)?)
}
