//! The audit log for administrators, as a clerk reads it: newest first, 50 a page, filtered
//! by who, action, round and a date range (Beijing dates); times in Beijing time, actions
//! and objects in Chinese, names instead of ids, details as 「字段：值」 lines
//! (`app::audit::readable_page`).

use crate::app::audit::{self, PAGE_SIZE, ReadableEntry};
use crate::app::messages::audit as text;
use crate::domain::local_time::day_start_utc;
use crate::storage::audit::Filter;
use crate::web::error::WebResult;
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, view_data};
use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct AuditQuery {
    action: Option<String>,
    entity_type: Option<String>,
    actor: Option<String>,
    round: Option<String>,
    /// Beijing dates, inclusive: `2025-10-01`.
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
    /// Walk the hash chain and show the outcome above the entries.
    verify: Option<String>,
}

/// The filter as the page shows it back (and carries into the paging links).
#[derive(Serialize, Default)]
struct ShownFilter {
    action: String,
    entity_type: String,
    actor: String,
    round: String,
    from: String,
    to: String,
}

/// The outcome of walking the chain, above the entries.
#[derive(Serialize)]
struct ChainView {
    ok: bool,
    message: String,
}

/// A choice of a filter's select.
#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<ReadableEntry>,
    filter: ShownFilter,
    chain: Option<ChainView>,
    actions: Vec<Choice>,
    actors: Vec<Choice>,
    rounds: Vec<Choice>,
    total: i64,
    page_number: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_string())
        .filter(|value| !value.is_empty())
}

fn date(field: &str, text: Option<&String>) -> Result<Option<NaiveDate>, String> {
    match text {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| text::bad_date(field, text)),
    }
}

/// The query string of the filter with another page number.
fn page_link(shown: &ShownFilter, page: i64) -> String {
    let pairs = [
        ("actor", &shown.actor),
        ("action", &shown.action),
        ("entity_type", &shown.entity_type),
        ("round", &shown.round),
        ("from", &shown.from),
        ("to", &shown.to),
    ];
    let mut query = form_urlencoded_pairs(&pairs);
    query.push_str(&format!("page={page}"));
    format!("/admin/audit?{query}")
}

fn form_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            format!(
                "{key}={}&",
                serde_urlencoded::to_string([("v", value.as_str())])
                    .unwrap_or_default()
                    .trim_start_matches("v=")
            )
        })
        .collect()
}

pub async fn list(
    Ctx(request, state, user): Ctx,
    query: web::Query<AuditQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let shown = ShownFilter {
        action: non_empty(query.action.clone()).unwrap_or_default(),
        entity_type: non_empty(query.entity_type.clone()).unwrap_or_default(),
        actor: non_empty(query.actor.clone()).unwrap_or_default(),
        round: non_empty(query.round.clone()).unwrap_or_default(),
        from: non_empty(query.from.clone()).unwrap_or_default(),
        to: non_empty(query.to.clone()).unwrap_or_default(),
    };
    let from = non_empty(query.from);
    let to = non_empty(query.to);
    let dates = date(text::FROM, from.as_ref())
        .and_then(|from| date(text::TO, to.as_ref()).map(|to| (from, to)));
    let (error, (from, to)) = match dates {
        Ok(dates) => (None, dates),
        Err(message) => (Some(message), (None, None)),
    };
    let filter = Filter {
        action: non_empty(query.action),
        entity_type: non_empty(query.entity_type),
        actor_login: non_empty(query.actor),
        mentions: non_empty(query.round),
        since: from.map(day_start_utc),
        before: to.and_then(|to| to.succ_opt()).map(day_start_utc),
    };
    let page_number = query.page.unwrap_or(1).max(1);
    let verify = query.verify.is_some();
    let (readable, chain, rounds) = state
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
            let rounds = crate::storage::rounds::list(conn)?
                .into_iter()
                .map(|round| (round.id.to_string(), round.settings.name))
                .collect::<Vec<_>>();
            Ok((
                audit::readable_page(conn, &filter, page_number)?,
                chain,
                rounds,
            ))
        })
        .await?;
    let pages = ((readable.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let choice = |value: String, label: String, chosen: &str| Choice {
        selected: value == chosen,
        value,
        label,
    };
    let data = AuditPage {
        actions: readable
            .actions
            .into_iter()
            .map(|(code, label)| choice(code, label.to_string(), &shown.action))
            .collect(),
        actors: readable
            .actors
            .into_iter()
            .map(|(login, name)| choice(login, name, &shown.actor))
            .collect(),
        rounds: rounds
            .into_iter()
            .map(|(id, name)| choice(id, name, &shown.round))
            .collect(),
        entries: readable.entries,
        total: readable.total,
        page_number,
        pages,
        previous: (page_number > 1).then(|| page_link(&shown, page_number - 1)),
        next: (page_number < pages).then(|| page_link(&shown, page_number + 1)),
        filter: shown,
        chain,
        error,
    };
    let failed = data.error.is_some();
    let response = page(
        &request,
        "admin/audit",
        text::TITLE,
        Some(&user),
        view_data(&data)?,
    )?;
    Ok(super::refused_if(failed, response))
}
