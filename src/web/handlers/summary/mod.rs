//! Leadership summaries (汇总分析): a round at a glance with filters and drill-down, the
//! trend over the last rounds, their XLSX exports and JSON twins. Leadership and
//! administrators see every unit; a center manager the same views limited to their own unit,
//! other units anonymised in the ranking (the storage layer does the limiting).

use crate::app::summaries;
use crate::domain::CaseType;
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::summary::{percent_text, points_text};
use crate::export::summary as tables;
use crate::storage;
use crate::storage::summary::{Filter, RoundSummary, TrendSummary};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::download::attachment;
use crate::web::error::{ApiError, WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::rounds::parse_round_id;
use crate::web::handlers::{page, view_data};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::export::XLSX;
use charts::{BarChart, LineChart, NumberedTable, bar_chart, line_chart, views};

mod charts;

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
            summaries::round(conn, scope, round, filter, storage::today())?
                .ok_or(WebError::NotFound)
        })
        .await
}

async fn load_trend(state: &AppState, user: &CurrentUser) -> WebResult<TrendSummary> {
    let scope = user.scope()?;
    // The rounds are worked out side by side, each on a connection of its own.
    let pool = state.pool.clone();
    Ok(web::block(move || summaries::trend(&pool, scope, TREND_ROUNDS)).await??)
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

/// A choice of a filter (unit, round) or the round shown.
#[derive(Serialize)]
struct Choice {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Serialize)]
struct CaseTypeChoice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

/// The filter as the page shows it back.
#[derive(Serialize)]
struct ShownFilter {
    unit: String,
    unit_name: Option<String>,
    case_type: &'static str,
}

/// The key figures above the charts.
#[derive(Serialize)]
struct KeyFigures {
    sampled: usize,
    files: usize,
    excellent_good: String,
    pass: String,
    mean: String,
    max: String,
    min: String,
}

/// Something shown by id and name (the round, a unit to drill into).
#[derive(Serialize)]
struct Named {
    id: String,
    name: String,
}

/// A file of the drill-down.
#[derive(Serialize)]
struct FileRow {
    id: String,
    case_no: String,
    case_type: String,
    handler: String,
    firm: String,
    total: String,
    grade: String,
}

/// How reviewers' totals compare (评查员校准), in counts.
#[derive(Serialize)]
struct CalibrationView {
    harsh: usize,
    lenient: usize,
    normal: usize,
    too_few: usize,
    reviewers: usize,
    #[serde(flatten)]
    notes: crate::app::calibration::OverviewNotes,
}

/// The round at a glance.
#[derive(Serialize)]
struct RoundPage {
    round: Named,
    previous_round: Option<String>,
    filter: ShownFilter,
    units: Vec<Choice>,
    case_types: Vec<CaseTypeChoice>,
    rounds: Vec<Choice>,
    key: KeyFigures,
    drill_units: Vec<Named>,
    files: Vec<FileRow>,
    ranking_chart: BarChart,
    grade_chart: BarChart,
    tables: Vec<NumberedTable>,
    export: String,
    is_manager: bool,
    calibration: Option<CalibrationView>,
    calibration_link: bool,
}

/// A round of the trend.
#[derive(Serialize)]
struct TrendRound {
    id: String,
    name: String,
    files: usize,
    mean: String,
    pass: String,
}

/// The trend over the last rounds.
#[derive(Serialize)]
struct TrendPage {
    rounds: Vec<TrendRound>,
    has_rounds: bool,
    mean_chart: LineChart,
    pass_chart: LineChart,
    tables: Vec<NumberedTable>,
}

/// GET /rounds/{id}/summary: the round at a glance.
pub async fn round_page(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let filter = filter_of(&query)?;
    let scope = user.scope()?;
    let summaries::RoundPage {
        summary: data,
        units: visible_units,
        rounds,
    } = state
        .db(move |conn| {
            summaries::round_page(conn, scope, round_id, filter, storage::today())?
                .ok_or(WebError::NotFound)
        })
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
    let body = RoundPage {
        round: Named {
            id: round_id.to_string(),
            name: data.round_name.clone(),
        },
        previous_round: data.previous_round.clone(),
        filter: ShownFilter {
            unit: filter.unit.map(|unit| unit.to_string()).unwrap_or_default(),
            unit_name,
            case_type: filter
                .case_type
                .map(|case_type| case_type.code())
                .unwrap_or_default(),
        },
        units: visible_units
            .iter()
            .map(|unit| Choice {
                id: unit.id.to_string(),
                name: unit.name.clone(),
                selected: filter.unit == Some(unit.id),
            })
            .collect(),
        case_types: CaseType::ALL
            .iter()
            .map(|case_type| CaseTypeChoice {
                code: case_type.code(),
                label: case_type.label(),
                selected: filter.case_type == Some(*case_type),
            })
            .collect(),
        rounds: rounds
            .iter()
            .rev()
            .map(|round| Choice {
                id: round.id.to_string(),
                name: round.settings.name.clone(),
                selected: round.id == round_id,
            })
            .collect(),
        key: KeyFigures {
            sampled: data.sampled,
            files: overall.files,
            excellent_good: percent_text(overall.excellent_good_permille),
            pass: percent_text(overall.pass_permille),
            mean: points_text(overall.mean_tenths),
            max: points_text(overall.max_tenths),
            min: points_text(overall.min_tenths),
        },
        drill_units: data
            .by_unit
            .iter()
            .map(|group| Named {
                id: group.key.clone(),
                name: group.label.clone(),
            })
            .collect(),
        files: data
            .files
            .iter()
            .map(|file| FileRow {
                id: file.file.clone(),
                case_no: file.case_no.clone(),
                case_type: file.case_type.clone(),
                handler: file.handler.clone(),
                firm: file.firm.clone(),
                total: points_text(file.total_tenths),
                grade: file.grade.clone(),
            })
            .collect(),
        ranking_chart: bar_chart("各单位平均分", &ranking_bars, 100.0),
        grade_chart: bar_chart("等次分布（案卷数）", &grade_bars, most),
        tables: views(&all_tables[..all_tables.len() - 1]),
        export: format!("/rounds/{round_id}/summary.xlsx{}", query_string(&filter)),
        is_manager: matches!(scope, crate::domain::UnitScope::Unit(_)),
        calibration: data
            .calibration
            .as_ref()
            .map(|calibration| CalibrationView {
                harsh: calibration.harsh,
                lenient: calibration.lenient,
                normal: calibration.normal,
                too_few: calibration.too_few,
                reviewers: calibration.reviewers.len(),
                notes: crate::app::calibration::overview_notes(calibration),
            }),
        calibration_link: data.calibration.is_some(),
    };
    page(
        &request,
        "summary/round",
        &format!("{} 汇总分析", data.round_name),
        Some(&user),
        view_data(&body)?,
    )
}

/// GET /rounds/{id}/summary.xlsx: every table of the page, one worksheet each.
pub async fn round_xlsx(
    Ctx(_, state, user): Ctx,
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
    Ctx(_, state, user): Ctx,
    id: web::Path<String>,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    let round_id = parse_round_id(&id)?;
    let filter = filter_of(&query)?;
    let data = load_round(&state, &user, round_id, filter).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// GET /summary: the trend over the last rounds.
pub async fn trend_page(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let data = load_trend(&state, &user).await?;
    let names: Vec<String> = data.rounds.iter().map(|round| round.name.clone()).collect();
    let all_tables = tables::trend_tables(&data);
    let body = TrendPage {
        rounds: data
            .rounds
            .iter()
            .rev()
            .map(|round| TrendRound {
                id: round.id.to_string(),
                name: round.name.clone(),
                files: round.overall.files,
                mean: points_text(round.overall.mean_tenths),
                pass: percent_text(round.overall.pass_permille),
            })
            .collect(),
        has_rounds: !data.rounds.is_empty(),
        mean_chart: line_chart(
            "各单位平均分走势",
            &names,
            &data.lines,
            &|point| point.mean_tenths.map(|tenths| f64::from(tenths) / 10.0),
            "分",
        ),
        pass_chart: line_chart(
            "各单位合格率走势（%）",
            &names,
            &data.lines,
            &|point| Some(f64::from(point.pass_permille) / 10.0),
            "%",
        ),
        tables: views(&all_tables),
    };
    page(
        &request,
        "summary/trend",
        "汇总分析",
        Some(&user),
        view_data(&body)?,
    )
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
pub async fn api_trend(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    let data = load_trend(&state, &user).await?;
    Ok(HttpResponse::Ok().json(data))
}

/// GET /rounds/{id}/report.pdf: the round's 评查情况通报 for leadership, from the summary's
/// figures (every unit named: administrators and leadership only).
pub async fn report_pdf(
    Ctx(request, state, user): Ctx,
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
