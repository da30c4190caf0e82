//! The reviewer pool (评查员库): who may be placed on cross-check teams.

use crate::storage::people;
use crate::storage::people::PersonView;
use crate::web::error::{ApiError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::page;
use actix_web::{HttpResponse, web};
use serde::Serialize;

/// The pool page.
#[derive(Serialize)]
struct PoolView<'a> {
    people: &'a [PersonView],
    count: usize,
    leaders: usize,
    can_import: bool,
    notice: Option<&'static str>,
}

/// GET /api/people.
#[derive(Serialize)]
struct PoolAnswer {
    people: Vec<PersonView>,
}

#[derive(serde::Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn list(
    Ctx(request, state, user): Ctx,
    query: web::Query<NoticeQuery>,
) -> WebResult<HttpResponse> {
    let scope = user.scope()?;
    let members = state.run(move |conn| people::list(conn, scope)).await?;
    let leaders = members
        .iter()
        .filter(|member| member.person.may_lead)
        .count();
    page(
        &request,
        "people/list",
        "评查员库",
        Some(&user),
        crate::web::handlers::view_data(&PoolView {
            people: &members,
            count: members.len(),
            leaders,
            can_import: user.account.role == crate::domain::people::Role::BureauAdmin,
            notice: (query.notice.as_deref() == Some("imported"))
                .then_some(crate::app::messages::IMPORT_DONE),
        })?,
    )
}

pub async fn api_list(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    let scope = user.scope()?;
    let members = state.run(move |conn| people::list(conn, scope)).await?;
    Ok(HttpResponse::Ok().json(PoolAnswer { people: members }))
}
