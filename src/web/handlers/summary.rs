//! Leadership summaries (汇总分析): a round at a glance with filters and drill-down, the
//! trend over the last rounds, their XLSX exports and JSON twins. Leadership and
//! administrators see every unit; a center manager the same views limited to their own unit,
//! other units anonymised in the ranking (the storage layer does the limiting).

use crate::domain::CaseType;
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::summary::{TrendLine, percent_text, points_text};
use crate::export::summary::{self as tables, Table};
use crate::storage::summary::{self, Filter, RoundSummary, TrendSummary};
use crate::storage::{self, units};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::download::attachment;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::page;
use crate::web::handlers::rounds::parse_round_id;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::export::XLSX;
/// Rounds on the trend view.
const TREND_ROUNDS: usize = 8;

#[derive(Debug, Default, Deserialize)]
pub struct SummaryQuery {
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    case_type: Option<String>,
}

fn filter_of(query: &SummaryQuery) -> WebResult<Filter> {
    let unit = match query.unit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<UnitId>()
                .map_err(|_| WebError::BadRequest("筛选条件“单位”无效".into()))?,
        ),
    };
    let case_type = match query.case_type.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(
            raw.parse::<CaseType>()
                .map_err(|_| WebError::BadRequest("筛选条件“案件类型”无效".into()))?,
        ),
    };
    Ok(Filter { unit, case_type })
}

async fn load_round(
    state: &AppState,
    user: &CurrentUser,
    round: RoundId,
    filter: Filter,
) -> WebResult<RoundSummary> {
    let scope = user.scope()?;
    state
        .db(move |conn| {
            summary::round_summary(conn, round, scope, filter, storage::today())?
                .ok_or(WebError::NotFound)
        })
        .await
}

async fn load_trend(state: &AppState, user: &CurrentUser) -> WebResult<TrendSummary> {
    let scope = user.scope()?;
    // The rounds are worked out side by side, each on a connection of its own.
    let pool = state.pool.clone();
    Ok(web::block(move || summary::trend_summary_in(&pool, scope, TREND_ROUNDS)).await??)
}

const CHART_WIDTH: f64 = 640.0;
const COLORS: [&str; 8] = [
    "#1f4e9c", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#16a085", "#7f8c8d", "#2c3e50",
];

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A horizontal bar chart: one bar per (label, value, shown value) against `max`.
fn bar_chart(title: &str, bars: &[(String, f64, String, bool)], max: f64) -> Value {
    let left = 170.0;
    let span = CHART_WIDTH - left - 70.0;
    let rows: Vec<Value> = bars
        .iter()
        .enumerate()
        .map(|(index, (label, value, text, own))| {
            let y = 10.0 + index as f64 * 26.0;
            let width = if max > 0.0 {
                (value / max * span).max(0.0)
            } else {
                0.0
            };
            json!({
                "label": label,
                "text": text,
                "own": own,
                "y": y,
                "text_y": y + 14.0,
                "x": left,
                "width": round1(width),
                "value_x": round1(left + width + 6.0),
            })
        })
        .collect();
    json!({
        "title": title,
        "width": CHART_WIDTH,
        "height": 20.0 + bars.len() as f64 * 26.0,
        "label_x": left - 8.0,
        "bars": rows,
    })
}

/// A line chart of one value per round and unit; `pick` gives the value in percent or points.
fn line_chart(
    title: &str,
    rounds: &[String],
    lines: &[TrendLine],
    pick: &dyn Fn(&crate::domain::summary::TrendPoint) -> Option<f64>,
    unit: &str,
) -> Value {
    let (left, right, top, bottom, height) = (50.0, 170.0, 15.0, 40.0, 280.0);
    // Room for the round names under the first and last points.
    let inset = 55.0;
    let plot_width = CHART_WIDTH - left - right - 2.0 * inset;
    let plot_height = height - top - bottom;
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|line| line.points.iter().flatten().filter_map(pick))
        .collect();
    let low = values.iter().copied().fold(100.0_f64, f64::min).min(100.0);
    // Four steps of whole multiples of 5 from a round floor below the lowest value.
    let low = (((low - 5.0) / 20.0).floor() * 20.0).clamp(0.0, 80.0);
    let high = 100.0;
    let x_of = |index: usize| {
        if rounds.len() <= 1 {
            left + inset + plot_width / 2.0
        } else {
            left + inset + plot_width * index as f64 / (rounds.len() - 1) as f64
        }
    };
    let y_of = |value: f64| top + plot_height * (high - value) / (high - low).max(1.0);
    let ticks: Vec<Value> = (0..=4)
        .map(|step| {
            let value = low + (high - low) * f64::from(step) / 4.0;
            json!({ "y": round1(y_of(value)), "text_y": round1(y_of(value) + 4.0), "label": format!("{value:.0}") })
        })
        .collect();
    let xlabels: Vec<Value> = rounds
        .iter()
        .enumerate()
        // Staggered in two rows so long round names do not run into each other.
        .map(|(index, name)| {
            json!({
                "x": round1(x_of(index)),
                "y": height - bottom + 16.0 + if index % 2 == 1 { 14.0 } else { 0.0 },
                "label": name,
            })
        })
        .collect();
    let series: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let color = COLORS[index % COLORS.len()];
            let dots: Vec<(f64, f64, String)> = line
                .points
                .iter()
                .enumerate()
                .filter_map(|(round, point)| {
                    let point = point.as_ref()?;
                    let value = pick(point)?;
                    Some((
                        round1(x_of(round)),
                        round1(y_of(value)),
                        format!("{} {}：{value:.1}{unit}", line.name, point.round),
                    ))
                })
                .collect();
            let points: Vec<String> = dots.iter().map(|(x, y, _)| format!("{x},{y}")).collect();
            json!({
                "name": line.name,
                "color": color,
                "points": points.join(" "),
                "dots": dots.iter().map(|(x, y, title)| json!({"x": x, "y": y, "title": title})).collect::<Vec<_>>(),
                "legend_x": CHART_WIDTH - right + 15.0,
                "legend_y": top + 10.0 + index as f64 * 18.0,
                "legend_text_x": CHART_WIDTH - right + 35.0,
                "legend_text_y": top + 14.0 + index as f64 * 18.0,
            })
        })
        .collect();
    json!({
        "title": title,
        "width": CHART_WIDTH,
        "height": height,
        "left": left,
        "right_edge": CHART_WIDTH - right,
        "axis_y": height - bottom,
        "ticks": ticks,
        "xlabels": xlabels,
        "series": series,
    })
}

fn views(tables: &[Table]) -> Vec<Value> {
    tables
        .iter()
        .enumerate()
        .map(|(index, table)| json!({ "index": index, "table": table.view() }))
        .collect()
}

fn query_string(filter: &Filter) -> String {
    let mut parts = Vec::new();
    if let Some(unit) = filter.unit {
        parts.push(format!("unit={unit}"));
    }
    if let Some(case_type) = filter.case_type {
        parts.push(format!("case_type={}", case_type.code()));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// GET /rounds/{id}/summary: the round at a glance.
pub async fn round_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let filter = filter_of(&query)?;
    let data = load_round(&state, &user, round_id, filter).await?;
    let scope = user.scope()?;
    let visible_units = state.db(move |conn| Ok(units::list(conn, scope)?)).await?;
    let rounds = state
        .db(move |conn| Ok(summary::summarised_rounds(conn, scope, 50)?))
        .await?;
    let all_tables = tables::round_tables(&data);
    let ranking_bars: Vec<(String, f64, String, bool)> = data
        .ranking
        .iter()
        .map(|row| {
            let mean = f64::from(row.stats.mean_tenths.unwrap_or(0)) / 10.0;
            (
                format!("{}. {}", row.rank, row.label),
                mean,
                points_text(row.stats.mean_tenths),
                row.own,
            )
        })
        .collect();
    let overall = &data.overall;
    let grade_bars: Vec<(String, f64, String, bool)> = [
        ("优秀", overall.excellent),
        ("良好", overall.good),
        ("合格", overall.pass),
        ("不合格", overall.fail),
    ]
    .iter()
    .map(|(label, count)| {
        (
            (*label).to_string(),
            *count as f64,
            count.to_string(),
            false,
        )
    })
    .collect();
    let most = [overall.excellent, overall.good, overall.pass, overall.fail]
        .into_iter()
        .max()
        .unwrap_or(0) as f64;
    let unit_name = filter.unit.and_then(|unit| {
        visible_units
            .iter()
            .find(|known| known.id == unit)
            .map(|known| known.name.clone())
    });
    let calibration_settings = crate::domain::scoring::calibration::CalibrationSettings::default();
    let body = json!({
        "round": { "id": round_id.to_string(), "name": data.round_name },
        "previous_round": data.previous_round,
        "filter": {
            "unit": filter.unit.map(|unit| unit.to_string()).unwrap_or_default(),
            "unit_name": unit_name,
            "case_type": filter.case_type.map(|case_type| case_type.code()).unwrap_or_default(),
        },
        "units": visible_units.iter().map(|unit| json!({
            "id": unit.id.to_string(),
            "name": unit.name,
            "selected": filter.unit == Some(unit.id),
        })).collect::<Vec<_>>(),
        "case_types": CaseType::ALL.iter().map(|case_type| json!({
            "code": case_type.code(),
            "label": case_type.label(),
            "selected": filter.case_type == Some(*case_type),
        })).collect::<Vec<_>>(),
        "rounds": rounds.iter().rev().map(|round| json!({
            "id": round.id.to_string(),
            "name": round.settings.name,
            "selected": round.id == round_id,
        })).collect::<Vec<_>>(),
        "key": {
            "sampled": data.sampled,
            "files": overall.files,
            "excellent_good": percent_text(overall.excellent_good_permille),
            "pass": percent_text(overall.pass_permille),
            "mean": points_text(overall.mean_tenths),
            "max": points_text(overall.max_tenths),
            "min": points_text(overall.min_tenths),
        },
        "drill_units": data.by_unit.iter().map(|group| json!({
            "id": group.key,
            "name": group.label,
        })).collect::<Vec<_>>(),
        "files": data.files.iter().map(|file| json!({
            "id": file.file,
            "case_no": file.case_no,
            "case_type": file.case_type,
            "handler": file.handler,
            "firm": file.firm,
            "total": points_text(file.total_tenths),
            "grade": file.grade,
        })).collect::<Vec<_>>(),
        "ranking_chart": bar_chart("各单位平均分", &ranking_bars, 100.0),
        "grade_chart": bar_chart("等次分布（案卷数）", &grade_bars, most),
        "tables": views(&all_tables[..all_tables.len() - 1]),
        "export": format!("/rounds/{round_id}/summary.xlsx{}", query_string(&filter)),
        "is_manager": matches!(scope, crate::domain::UnitScope::Unit(_)),
        "calibration": data.calibration.as_ref().map(|calibration| json!({
            "harsh": calibration.harsh,
            "lenient": calibration.lenient,
            "normal": calibration.normal,
            "too_few": calibration.too_few,
            "reviewers": calibration.reviewers.len(),
            "threshold": calibration_settings.threshold.to_string(),
            "min_files": calibration_settings.min_paired_files,
        })),
        "calibration_link": user.account.role == crate::domain::people::Role::BureauAdmin,
    });
    page(
        &request,
        "summary/round",
        &format!("{} 汇总分析", data.round_name),
        Some(&user),
        body,
    )
}

/// GET /rounds/{id}/summary.xlsx: every table of the page, one worksheet each.
pub async fn round_xlsx(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let filter = filter_of(&query)?;
    let data = load_round(&state, &user, round_id, filter).await?;
    let bytes = tables::workbook(&tables::round_tables(&data)).map_err(WebError::internal)?;
    Ok(attachment(
        XLSX,
        Some("round-summary.xlsx"),
        &format!("{} 汇总分析.xlsx", data.round_name),
        bytes,
    ))
}

/// GET /api/rounds/{id}/summary: the page's figures as JSON.
pub async fn api_round(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    let filter = filter_of(&query)?;
    let data = load_round(&state, &user, round_id, filter).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// GET /summary: the trend over the last rounds.
pub async fn trend_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> WebResult<HttpResponse> {
    let data = load_trend(&state, &user).await?;
    let names: Vec<String> = data.rounds.iter().map(|round| round.name.clone()).collect();
    let all_tables = tables::trend_tables(&data);
    let body = json!({
        "rounds": data.rounds.iter().rev().map(|round| json!({
            "id": round.id.to_string(),
            "name": round.name,
            "files": round.overall.files,
            "mean": points_text(round.overall.mean_tenths),
            "pass": percent_text(round.overall.pass_permille),
        })).collect::<Vec<_>>(),
        "has_rounds": !data.rounds.is_empty(),
        "mean_chart": line_chart("各单位平均分走势", &names, &data.lines,
            &|point| point.mean_tenths.map(|tenths| f64::from(tenths) / 10.0), "分"),
        "pass_chart": line_chart("各单位合格率走势（%）", &names, &data.lines,
            &|point| Some(f64::from(point.pass_permille) / 10.0), "%"),
        "tables": views(&all_tables),
    });
    page(&request, "summary/trend", "汇总分析", Some(&user), body)
}

/// GET /summary.xlsx
pub async fn trend_xlsx(state: web::Data<AppState>, user: CurrentUser) -> WebResult<HttpResponse> {
    let data = load_trend(&state, &user).await?;
    let bytes = tables::workbook(&tables::trend_tables(&data)).map_err(WebError::internal)?;
    Ok(attachment(
        XLSX,
        Some("summary-trend.xlsx"),
        "汇总分析 各轮走势.xlsx",
        bytes,
    ))
}

/// GET /api/summary
pub async fn api_trend(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    let data = load_trend(&state, &user).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// GET /rounds/{id}/report.pdf: the round's 评查情况通报 for leadership, from the summary's
/// figures (every unit named: administrators and leadership only).
pub async fn report_pdf(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let fonts = state.fonts()?;
    let actor = user.actor(&request);
    let (name, bytes) = state
        .db(move |conn| {
            let view =
                crate::app::document_data::leadership_report(conn, round_id, storage::today())
                    .map_err(|error| match error {
                        crate::app::document_data::DataError::Storage(error) => {
                            WebError::from(error)
                        }
                        other => WebError::BadRequest(other.to_string()),
                    })?;
            let bytes = crate::web::handlers::verify::issue_pdf(
                conn,
                &user,
                &actor,
                crate::documents::Document::LeadershipReport(&view),
                &crate::app::issuing::report_subject(round_id),
                &fonts,
            )?;
            Ok((view.round_name, bytes))
        })
        .await?;
    Ok(attachment(
        "application/pdf",
        Some("leadership-report.pdf"),
        &format!("{name} 评查情况通报.pdf"),
        bytes,
    ))
}
