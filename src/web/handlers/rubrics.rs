//! Rubric pages for every role (sections, items, points, veto items, bands, version), and the
//! administrator's upload of a new version, validated exactly as `pingcha rubric check` does.

use crate::app::messages;
use crate::domain::rubric::{DeductionRule, Method, Rubric, parse_rubric};
use crate::storage::{self, rubrics};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, refused_if, see_other};
use crate::web::upload;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// The largest rubric file accepted (real ones are ~20 KB).
pub const MAX_RUBRIC_BYTES: usize = 512 * 1024;

fn rule_label(rule: DeductionRule, max: impl std::fmt::Display) -> String {
    match rule {
        DeductionRule::Fixed { points } => format!("固定扣 {points} 分"),
        DeductionRule::PerOccurrence { points, cap } => {
            format!("每处扣 {points} 分，最多扣 {cap} 分")
        }
        DeductionRule::Free => format!("酌情扣分，最多 {max} 分"),
    }
}

/// Everything the rubric page shows, as plain data.
pub fn rubric_view(rubric: &Rubric) -> Value {
    let case_types: Vec<&str> = rubric
        .case_types()
        .iter()
        .map(|case_type| case_type.label())
        .collect();
    let vetoes: Vec<Value> = rubric
        .vetoes()
        .iter()
        .map(|veto| json!({ "code": veto.code, "text": veto.text, "guidance": veto.guidance }))
        .collect();
    let mut view = json!({
        "id": rubric.id(),
        "title": rubric.title(),
        "version": rubric.version(),
        "hash": rubric.content_hash(),
        "file_name": rubric.file_name(),
        "case_types": case_types,
        "sub_types": rubric.sub_types(),
        "vetoes": vetoes,
        "deduction": Value::Null,
        "indicator": Value::Null,
    });
    match rubric.method() {
        Method::Deduction(scheme) => {
            let sections: Vec<Value> = scheme
                .sections
                .iter()
                .map(|section| {
                    let items: Vec<Value> = section
                        .items
                        .iter()
                        .map(|item| {
                            json!({
                                "code": item.code, "text": item.text, "guidance": item.guidance,
                                "max": item.max.to_string(),
                                "rule": rule_label(item.deduction, item.max),
                                "not_applicable": item.not_applicable.label(),
                            })
                        })
                        .collect();
                    json!({ "code": section.code, "title": section.title, "max": section.max.to_string(), "items": items })
                })
                .collect();
            let bands: Vec<Value> = scheme
                .bands
                .iter()
                .map(|band| json!({ "name": band.grade.name, "min": band.min.to_string(), "max": band.max.to_string() }))
                .collect();
            view["method_label"] = json!("百分制扣分");
            view["deduction"] = json!({ "sections": sections, "bands": bands });
        }
        Method::Indicator(scheme) => {
            let indicators: Vec<Value> = scheme
                .indicators
                .iter()
                .map(|indicator| {
                    json!({
                        "code": indicator.code, "title": indicator.title, "guidance": indicator.guidance,
                        "key": indicator.key, "may_be_not_applicable": indicator.may_be_not_applicable,
                    })
                })
                .collect();
            let grades: Vec<&str> = scheme
                .grades
                .iter()
                .map(|grade| grade.name.as_str())
                .collect();
            let rules: Vec<&str> = scheme.rules.iter().map(|rule| rule.text.as_str()).collect();
            view["method_label"] = json!("单项指标等级制");
            view["indicator"] = json!({ "scale": scheme.scale, "indicators": indicators, "grades": grades, "rules": rules });
        }
    }
    view
}

async fn list_data(state: &AppState) -> WebResult<Vec<Value>> {
    let snapshots = state.db(|conn| Ok(rubrics::list(conn)?)).await?;
    let mut seen = std::collections::BTreeSet::new();
    Ok(snapshots
        .into_iter()
        .map(|snapshot| {
            let current = seen.insert(snapshot.rubric_id.clone());
            let case_types: Vec<&str> = snapshot
                .case_types
                .split(',')
                .filter_map(|code| code.parse::<crate::domain::CaseType>().ok())
                .map(|case_type| case_type.label())
                .collect();
            json!({
                "hash": snapshot.content_hash,
                "short_hash": snapshot.content_hash.chars().take(12).collect::<String>(),
                "rubric_id": snapshot.rubric_id,
                "title": snapshot.title,
                "version": snapshot.version,
                "method_label": if snapshot.method == "indicator" { "单项指标等级制" } else { "百分制扣分" },
                "case_types": case_types,
                "file_name": snapshot.file_name,
                "origin_label": if snapshot.origin == "upload" { "网页上传" } else { "标准文件" },
                "created_at": crate::domain::local_time::minutes(snapshot.created_at),
                "created_by": snapshot.created_by,
                "current": current,
            })
        })
        .collect())
}

async fn list_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    errors: Option<Vec<String>>,
) -> WebResult<HttpResponse> {
    let rubrics = list_data(state).await?;
    let failed = errors.is_some();
    let response = page(
        request,
        "rubrics/list",
        "评分标准",
        Some(user),
        json!({
            "rubrics": rubrics,
            "can_upload": user.account.role == crate::domain::people::Role::BureauAdmin,
            "errors": errors,
            "max_kb": MAX_RUBRIC_BYTES / 1024,
        }),
    )?;
    Ok(refused_if(failed, response))
}

pub async fn list(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    list_page(&request, &state, &user, None).await
}

pub async fn api_list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(json!({ "rubrics": list_data(&state).await? })))
}

async fn load(state: &AppState, hash: String) -> WebResult<Rubric> {
    if hash.len() != 64 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    state.run(move |conn| rubrics::load(conn, &hash)).await
}

pub async fn show(
    Ctx(request, state, user): Ctx,
    hash: web::Path<String>,
) -> WebResult<HttpResponse> {
    let rubric = load(&state, hash.into_inner()).await?;
    let title = rubric.title().to_string();
    page(
        &request,
        "rubrics/show",
        &title,
        Some(&user),
        json!({ "rubric": rubric_view(&rubric) }),
    )
}

pub async fn api_show(
    state: web::Data<AppState>,
    hash: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rubric = load(&state, hash.into_inner()).await?;
    Ok(HttpResponse::Ok().json(rubric_view(&rubric)))
}

/// POST /rubrics (multipart, the CSRF token first): validate and store a new version.
pub async fn upload(
    Ctx(request, state, user): Ctx,
    payload: crate::web::upload::Parts,
) -> WebResult<HttpResponse> {
    let too_large = format!("评分标准文件不能超过 {} KB。", MAX_RUBRIC_BYTES / 1024);
    let form = upload::read(payload, MAX_RUBRIC_BYTES, &too_large).await?;
    let Some(file) = form.file("file") else {
        return list_page(
            &request,
            &state,
            &user,
            Some(vec![messages::RUBRIC_FILE_MISSING.to_string()]),
        )
        .await;
    };
    let Ok(text) = std::str::from_utf8(&file.bytes) else {
        let message = format!("{}：{}", file.file_name, messages::RUBRIC_NOT_TEXT);
        return list_page(&request, &state, &user, Some(vec![message])).await;
    };
    let rubric = match parse_rubric(&file.file_name, text) {
        Ok(rubric) => rubric,
        Err(errors) => {
            let lines = errors.0.iter().map(ToString::to_string).collect();
            return list_page(&request, &state, &user, Some(lines)).await;
        }
    };
    let hash = rubric.content_hash();
    let actor = user.actor(&request);
    state
        .run(move |conn| {
            rubrics::store(
                conn,
                &actor,
                &rubric,
                rubrics::Origin::Upload,
                storage::now(),
            )
        })
        .await?;
    Ok(see_other(&format!("/rubrics/{hash}")))
}
