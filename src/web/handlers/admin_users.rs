//! The administrator's account pages: list, create, enable/disable, reset a password.

use crate::app::accounts::{self, NewAccount, UnitRef};
use crate::app::messages;
use crate::domain::UnitScope;
use crate::domain::ids::UserId;
use crate::domain::people::Role;
use crate::storage::{self, people, units, users};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, refused_if, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code {
        Some("created") => Some(messages::USER_CREATED),
        Some("updated") => Some(messages::USER_UPDATED),
        _ => None,
    }
}

async fn list_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    notice: Option<&str>,
    error: Option<String>,
    form: Option<&UserForm>,
) -> WebResult<HttpResponse> {
    let (accounts, all_units, pool) = state
        .db(|conn| {
            Ok((
                users::list(conn)?,
                units::list(conn, UnitScope::All)?,
                people::list(conn, UnitScope::All)?,
            ))
        })
        .await?;
    // Pool members without an account yet, for linking a new reviewer account.
    let linked: Vec<_> = accounts
        .iter()
        .filter_map(|view| view.account.person_id)
        .collect();
    let people: Vec<_> = pool
        .iter()
        .filter(|view| view.person.active && !linked.contains(&view.person.id))
        .map(|view| json!({ "id": view.person.id, "name": view.person.name, "unit_name": view.unit_name }))
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|role| json!({ "code": role.code(), "label": role.label() }))
        .collect();
    let failed = error.is_some();
    let response = page(
        request,
        "admin/users",
        "账户管理",
        Some(user),
        json!({
            "accounts": accounts,
            "units": all_units,
            "people": people,
            "roles": roles,
            "notice": notice,
            "error": error,
            "form": form.map(|form| json!({
                "login": form.login, "display_name": form.display_name,
                "role": form.role, "unit_id": form.unit_id, "person_id": form.person_id,
            })),
        }),
    )?;
    Ok(refused_if(failed, response))
}

pub async fn list(
    Ctx(request, state, user): Ctx,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    list_page(
        &request,
        &state,
        &user,
        notice_text(query.notice.as_deref()),
        None,
        None,
    )
    .await
}

#[derive(Deserialize, Clone)]
pub struct UserForm {
    login: String,
    display_name: String,
    role: String,
    #[serde(default)]
    unit_id: Option<String>,
    /// The pool member a reviewer account scores as.
    #[serde(default)]
    person_id: Option<String>,
    password: String,
}

impl UserForm {
    fn to_request(&self) -> Result<NewAccount, String> {
        let role: Role = self
            .role
            .parse()
            .map_err(|_| messages::UNKNOWN_ROLE.to_string())?;
        let unit = match self.unit_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(UnitRef::Id(
                raw.parse()
                    .map_err(|_| messages::UNKNOWN_UNIT.to_string())?,
            )),
        };
        let person = match self.person_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(
                raw.parse()
                    .map_err(|_| messages::UNKNOWN_PERSON.to_string())?,
            ),
        };
        Ok(NewAccount {
            login: self.login.clone(),
            display_name: self.display_name.clone(),
            role,
            unit,
            person,
            password: self.password.clone(),
        })
    }
}

/// The user's mistake in words, or the unexpected failure as a `WebError`.
fn account_failure(error: accounts::Error) -> Result<String, WebError> {
    match error {
        accounts::Error::Invalid(error) => Ok(messages::account_error(&error)),
        accounts::Error::UnknownUnit(_) => Ok(messages::UNKNOWN_UNIT.to_string()),
        accounts::Error::UnknownPerson(_) => Ok(messages::UNKNOWN_PERSON.to_string()),
        accounts::Error::PersonNotReviewer => Ok(messages::PERSON_NOT_REVIEWER.to_string()),
        accounts::Error::LoginTaken(_) => Ok(messages::LOGIN_TAKEN.to_string()),
        accounts::Error::Security(error) => Err(error.into()),
        accounts::Error::Storage(error) => Err(error.into()),
    }
}

async fn create_account(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    form: &UserForm,
) -> WebResult<Result<crate::domain::people::Account, String>> {
    let new_account = match form.to_request() {
        Ok(new_account) => new_account,
        Err(message) => return Ok(Err(message)),
    };
    let actor = user.actor(request);
    state
        .db(
            move |conn| match accounts::create(conn, &actor, &new_account) {
                Ok(account) => Ok(Ok(account)),
                Err(error) => account_failure(error).map(Err),
            },
        )
        .await
}

pub async fn create(
    Ctx(request, state, user): Ctx,
    form: web::Form<UserForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    match create_account(&request, &state, &user, &form).await? {
        Ok(_) => Ok(see_other("/admin/users?notice=created")),
        Err(message) => list_page(&request, &state, &user, None, Some(message), Some(&form)).await,
    }
}

pub async fn api_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let accounts = state.db(|conn| Ok(users::list(conn)?)).await?;
    Ok(HttpResponse::Ok().json(json!({ "accounts": accounts })))
}

pub async fn api_create(
    Ctx(request, state, user): Ctx,
    body: web::Json<UserForm>,
) -> Result<HttpResponse, ApiError> {
    match create_account(&request, &state, &user, &body).await? {
        Ok(account) => Ok(HttpResponse::Created().json(json!({ "account": account }))),
        Err(message) => Err(WebError::BadRequest(message).into()),
    }
}

fn parse_user_id(raw: &str) -> WebResult<UserId> {
    raw.parse().map_err(|_| WebError::NotFound)
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<ActiveForm>,
) -> WebResult<HttpResponse> {
    let id = parse_user_id(&id)?;
    if id == user.account.id {
        return Err(WebError::BadRequest("不能停用自己的账户。".into()));
    }
    let active = form.active == "true";
    let actor = user.actor(&request);
    state
        .run(move |conn| users::set_active(conn, &actor, id, active, storage::now()))
        .await?;
    Ok(see_other("/admin/users?notice=updated"))
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset_password(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    form: web::Form<ResetForm>,
) -> WebResult<HttpResponse> {
    let id = parse_user_id(&id)?;
    let actor = user.actor(&request);
    let password = form.into_inner().password;
    let outcome = state
        .db(
            move |conn| match accounts::set_password(conn, &actor, id, &password) {
                Ok(()) => Ok(None),
                Err(error) => account_failure(error).map(Some),
            },
        )
        .await?;
    match outcome {
        None => Ok(see_other("/admin/users?notice=updated")),
        Some(message) => list_page(&request, &state, &user, None, Some(message), None).await,
    }
}
