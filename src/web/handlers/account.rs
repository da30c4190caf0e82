//! The signed-in user's own account: who am I (JSON), and changing one's password.

use crate::app::messages;
use crate::domain::people::check_password;
use crate::security;
use crate::storage::{self, users};
use crate::web::auth::{CurrentUser, SESSION_COOKIE, removal_cookie};
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, see_other};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

/// GET /api/me: who is signed in, and the token their posts must carry.
#[derive(serde::Serialize)]
struct Me<'a> {
    account: &'a crate::domain::people::Account,
    role_label: &'static str,
    csrf_token: &'a str,
}

/// The password form, with the refusal of the last attempt if there was one.
#[derive(serde::Serialize)]
struct PasswordView<'a> {
    error: Option<&'a str>,
}

pub async fn me(user: CurrentUser) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Me {
        account: &user.account,
        role_label: user.account.role.label(),
        csrf_token: &user.csrf_token,
    }))
}

fn password_page(
    request: &HttpRequest,
    user: &CurrentUser,
    error: Option<&str>,
) -> WebResult<HttpResponse> {
    let mut response = page(
        request,
        "account/password",
        "修改密码",
        Some(user),
        crate::web::handlers::view_data(&PasswordView { error })?,
    )?;
    if error.is_some() {
        *response.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    }
    Ok(response)
}

pub async fn password_form(request: HttpRequest, user: CurrentUser) -> WebResult<HttpResponse> {
    password_page(&request, &user, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    Ctx(request, state, user): Ctx,
    form: web::Form<PasswordForm>,
) -> WebResult<HttpResponse> {
    let form = form.into_inner();
    if form.new != form.repeat {
        return password_page(&request, &user, Some(messages::PASSWORD_MISMATCH));
    }
    if let Err(error) = check_password(&form.new) {
        return password_page(&request, &user, Some(&messages::account_error(&error)));
    }
    let actor = user.actor(&request);
    let login = user.account.login.clone();
    let id = user.account.id;
    let changed = state
        .db(move |conn| {
            let Some((_, hash)) = users::find_by_login(conn, &login)? else {
                return Err(WebError::NotFound);
            };
            if !security::verify_password(&form.current, &hash) {
                return Ok(false);
            }
            let new_hash = security::hash_password(&form.new)?;
            users::set_password(conn, &actor, id, &new_hash, storage::now())?;
            Ok(true)
        })
        .await?;
    if !changed {
        return password_page(&request, &user, Some(messages::CURRENT_PASSWORD_WRONG));
    }
    // Every session of the account ended with the change, this one included.
    let mut response = see_other("/login?changed=1");
    response
        .add_cookie(&removal_cookie(SESSION_COOKIE, state.config.secure_cookies))
        .map_err(WebError::internal)?;
    Ok(response)
}
