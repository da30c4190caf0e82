//! The audit log for administrators: newest first, filterable by action, type and actor.

use crate::storage::audit::{self, Filter};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::WebResult;
use crate::web::handlers::page;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    entity_type: Option<String>,
    actor: Option<String>,
    /// Walk the hash chain and show the outcome above the entries.
    verify: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AuditQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let filter = Filter {
        action: non_empty(query.action),
        entity_type: non_empty(query.entity_type),
        actor_login: non_empty(query.actor),
    };
    let shown = json!({
        "action": filter.action, "entity_type": filter.entity_type, "actor": filter.actor_login,
    });
    let verify = query.verify.is_some();
    let (entries, chain) = state
        .db(move |conn| {
            let chain = if verify {
                let report = audit::verify_all(conn, &mut |_| {}, None)?;
                Some(json!({
                    "ok": report.is_clean(),
                    "message": crate::app::messages::audit_report(&report),
                }))
            } else {
                None
            };
            Ok((audit::list(conn, &filter, 500)?, chain))
        })
        .await?;
    page(
        &request,
        "admin/audit",
        "审计日志",
        Some(&user),
        json!({ "entries": entries, "filter": shown, "chain": chain }),
    )
}
