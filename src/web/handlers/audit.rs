//! The audit log for administrators: newest first, filterable by action, type and actor.

use crate::app::audit;
use crate::storage::audit::{Entry, Filter};
use crate::web::error::WebResult;
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, view_data};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    entity_type: Option<String>,
    actor: Option<String>,
    /// Walk the hash chain and show the outcome above the entries.
    verify: Option<String>,
}

/// The filter as the page shows it back.
#[derive(Serialize)]
struct ShownFilter {
    action: Option<String>,
    entity_type: Option<String>,
    actor: Option<String>,
}

/// The outcome of walking the chain, above the entries.
#[derive(Serialize)]
struct ChainView {
    ok: bool,
    message: String,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<Entry>,
    filter: ShownFilter,
    chain: Option<ChainView>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

pub async fn list(
    Ctx(request, state, user): Ctx,
    query: web::Query<AuditQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let filter = Filter {
        action: non_empty(query.action),
        entity_type: non_empty(query.entity_type),
        actor_login: non_empty(query.actor),
    };
    let shown = ShownFilter {
        action: filter.action.clone(),
        entity_type: filter.entity_type.clone(),
        actor: filter.actor_login.clone(),
    };
    let verify = query.verify.is_some();
    let (entries, chain) = state
        .db(move |conn| {
            let chain = if verify {
                let report = audit::verify(conn, &mut |_| {}, None)?;
                Some(ChainView {
                    ok: report.is_clean(),
                    message: crate::app::messages::audit_report(&report),
                })
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
        view_data(&AuditPage {
            entries,
            filter: shown,
            chain,
        })?,
    )
}
