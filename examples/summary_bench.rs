//! Issue 10 benchmark: leadership summaries over a large database. `generate` fills a
//! database (SQLite file or PostgreSQL) with the demo units and people plus ROUNDS closed
//! rounds of FILES sampled files each, every file scored by two reviewers on ITEMS rubric
//! items (8 × 6,250 × 2 × 10 = 1,000,000 scored items by default); `time` then times the raw
//! SQL aggregation queries alone next to the round summary and the trend view as the pages
//! build them. Data is generated here, never committed. See benches/summary.sh.
//!
//! cargo run --release --example summary_bench -- generate DATABASE_URL [FILES] [ROUNDS] [ITEMS]
//! cargo run --release --example summary_bench -- time DATABASE_URL [RUNS]

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Nullable, Text};
use pingcha::domain::CaseType;
use pingcha::domain::UnitScope;
use pingcha::domain::assignment::{
    Assignment, AssignmentConfig, InspectedUnit, Placement, Problem, Reviewer, SampledFile,
};
use pingcha::domain::ids::{CaseFileId, PersonId, UnitId};
use pingcha::domain::round::{CombineSetting, RoundSettings, RoundStatus};
use pingcha::domain::rubric::{DeductionRule, Method, Points};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers, score};
use pingcha::storage::{self, DbConn, audit::Actor};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;
/// A sheet's id, file, reviewer, total and grade.
type LightRow = (String, String, String, Option<i32>, Option<String>);

fn open(url: &str) -> Result<storage::Pool, BoxError> {
    Ok(storage::connect(&storage::DatabaseUrl::parse(url)?)?)
}

/// A small deterministic generator (the data must be the same on both backends).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// One answer pattern with its engine result, reused across sheets.
struct Pattern {
    answers_json: String,
    total_tenths: Option<i32>,
    grade: String,
}

fn patterns(
    conn: &mut DbConn,
    hash: &str,
    items: usize,
    random: &mut Lcg,
) -> Result<Vec<Pattern>, BoxError> {
    let rubric = storage::rubrics::load(conn, hash)?;
    let Method::Deduction(scheme) = rubric.method() else {
        return Err("deduction rubric expected".into());
    };
    let all: Vec<_> = scheme.items().collect();
    let fixed: Vec<_> = all
        .iter()
        .filter(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
        .collect();
    // Fixed-deduction items first, so every answered item may carry a fault.
    let mut ordered: Vec<_> = fixed.iter().map(|item| **item).collect();
    ordered.extend(
        all.iter()
            .filter(|item| !matches!(item.deduction, DeductionRule::Fixed { .. })),
    );
    let mut out = Vec::new();
    for pattern in 0..48u64 {
        // From careful files to sloppy ones; one pattern in twelve carries a 一票否决.
        let chance = 1 + pattern % 6;
        let mut answers = SheetAnswers::default();
        for item in ordered.iter().take(items) {
            let fault =
                matches!(item.deduction, DeductionRule::Fixed { .. }) && random.below(8) < chance;
            answers.items.push(ItemAnswer {
                code: item.code.clone(),
                mark: if fault {
                    Mark::Applied
                } else {
                    Mark::NoDeduction
                },
                reason: if fault {
                    "卷内未见相关材料".into()
                } else {
                    String::new()
                },
                pages: if fault {
                    pingcha::domain::citation::Citation::page(3)
                } else {
                    Default::default()
                },
            });
        }
        if pattern % 12 == 11
            && let Some(veto) = rubric.vetoes().first()
        {
            answers.vetoes.push(pingcha::domain::scoring::VetoAnswer {
                code: veto.code.clone(),
                reason: "伪造受援人签名".into(),
                pages: pingcha::domain::citation::Citation::page(1),
            });
        }
        let Ok(result) = score(&rubric, &answers) else {
            continue;
        };
        out.push(Pattern {
            answers_json: serde_json::to_string(&answers)?,
            total_tenths: result.total.map(Points::tenths),
            grade: result.grade.name.clone(),
        });
    }
    if out.is_empty() {
        return Err("no answer pattern scores".into());
    }
    Ok(out)
}

fn generate(url: &str, files: usize, rounds: usize, items: usize) -> Result<(), BoxError> {
    use diesel::prelude::*;
    use storage::schema::{people, units};
    let pool = open(url)?;
    let mut conn = pool.get()?;
    storage::migrate::run_pending(&mut conn)?;
    pingcha::demo::load_without_round(&mut conn)?;
    pingcha::app::rubrics::install_dir(&mut conn, std::path::Path::new("scoring-rubrics"))
        .map_err(|error| format!("{error:?}"))?;
    let actor = Actor::cli();
    let now = storage::now();
    let mut chosen = BTreeMap::new();
    for snapshot in storage::rubrics::list(&mut conn)? {
        for code in snapshot.case_types.split(',') {
            if let Ok(case_type) = code.parse::<CaseType>()
                && snapshot.method == "deduction"
            {
                chosen
                    .entry(case_type)
                    .or_insert(snapshot.content_hash.clone());
            }
        }
    }
    let mut random = Lcg(20251125);
    let mut pattern_sets = BTreeMap::new();
    for (case_type, hash) in &chosen {
        pattern_sets.insert(*case_type, patterns(&mut conn, hash, items, &mut random)?);
    }
    let centers: Vec<(String, String)> = units::table
        .filter(units::kind.eq("aid_center"))
        .order(units::code.asc())
        .select((units::id, units::name))
        .load(&mut *conn)?;
    let pool_people: Vec<(String, String, String)> = people::table
        .order(people::name.asc())
        .select((people::id, people::name, people::unit_id))
        .load(&mut *conn)?;
    let reviewers: Vec<Reviewer> = pool_people
        .iter()
        .map(|(id, name, unit)| -> Result<Reviewer, BoxError> {
            Ok(Reviewer {
                id: id.parse()?,
                name: name.clone(),
                unit: unit.parse()?,
                law_firm: None,
                expertise: CaseType::ALL.into_iter().collect(),
                years_of_practice: 5,
                may_lead: true,
                capacity: 100_000,
                available: true,
            })
        })
        .collect::<Result<_, _>>()?;
    let case_types: Vec<CaseType> = chosen.keys().copied().collect();
    let firms = [
        "宁夏正义律师事务所",
        "银川明德律师事务所",
        "兴庆法援律师事务所",
        "西夏公信律师事务所",
    ];
    let started = Instant::now();
    for round_index in 0..rounds {
        let year = 2024 + i32::try_from(round_index / 4)?;
        let quarter = u32::try_from(round_index % 4)?;
        let start = chrono::NaiveDate::from_ymd_opt(year, quarter * 3 + 1, 1).ok_or("date")?;
        let end = chrono::NaiveDate::from_ymd_opt(year, quarter * 3 + 3, 28).ok_or("date")?;
        let settings = RoundSettings {
            name: format!("{year}年第{}季度评查", quarter + 1),
            period_start: start,
            period_end: end,
            rubrics: chosen.clone(),
            combine: CombineSetting::Escalate {
                max_gap: Points::whole(10),
            },
            review_deadline: None,
            rectification_days: 30,
            blind: false,
        };
        let round = storage::rounds::create(&mut conn, &actor, &settings, now)?;
        let mut sampled = Vec::with_capacity(files);
        let mut placements = Vec::with_capacity(files);
        let mut case_rows = Vec::with_capacity(files);
        let mut sheet_rows = Vec::with_capacity(files * 2);
        for index in 0..files {
            let (unit_id, _) = &centers[index % centers.len()];
            let unit: UnitId = unit_id.parse()?;
            let case_type = case_types[index % case_types.len()];
            let id = CaseFileId::from_uuid(storage::new_id());
            let case_no = format!("({year})银法援{}字第{:05}号", round_index + 1, index + 1);
            let handler = format!("承办人{:03}", random.below(400));
            let firm = firms[usize::try_from(random.below(4))?];
            case_rows.push(format!(
                "({}, {}, {}, '受援人', {}, {}, {}, '劳动争议', {}, FALSE, FALSE, FALSE, {}, {})",
                quote(&id.to_string()),
                quote(unit_id),
                quote(&case_no),
                quote(&handler),
                quote(firm),
                quote(case_type.code()),
                quote(&end.to_string()),
                quote(&now.format("%Y-%m-%d %H:%M:%S").to_string()),
                quote(&now.format("%Y-%m-%d %H:%M:%S").to_string()),
            ));
            // Two reviewers from other units.
            let mut chosen_reviewers: Vec<PersonId> = Vec::new();
            while chosen_reviewers.len() < 2 {
                let reviewer = &reviewers[usize::try_from(random.below(reviewers.len() as u64))?];
                if reviewer.unit != unit && !chosen_reviewers.contains(&reviewer.id) {
                    chosen_reviewers.push(reviewer.id);
                }
            }
            let set = &pattern_sets[&case_type];
            let first = usize::try_from(random.below(set.len() as u64))?;
            // One file in twenty: the second reviewer scores differently.
            let second = if random.below(20) == 0 {
                usize::try_from(random.below(set.len() as u64))?
            } else {
                first
            };
            for (reviewer, pattern) in chosen_reviewers.iter().zip([first, second]) {
                let pattern = &set[pattern];
                sheet_rows.push(format!(
                    "({}, {}, {}, {}, {}, 'submitted', 2, {}, {}, {}, {}, {}, {})",
                    quote(&storage::new_id().to_string()),
                    quote(&round.id.to_string()),
                    quote(&id.to_string()),
                    quote(&reviewer.to_string()),
                    quote(&chosen[&case_type]),
                    quote(&pattern.answers_json),
                    pattern
                        .total_tenths
                        .map_or("NULL".to_string(), |total| total.to_string()),
                    quote(&pattern.grade),
                    quote(&now.format("%Y-%m-%d %H:%M:%S").to_string()),
                    quote(&now.format("%Y-%m-%d %H:%M:%S").to_string()),
                    quote(&now.format("%Y-%m-%d %H:%M:%S").to_string()),
                ));
            }
            sampled.push(SampledFile {
                id,
                unit,
                case_type,
                case_number: case_no,
                handler_name: handler,
                handling_firm: None,
                reviewers_needed: 2,
            });
            placements.push(Placement {
                file: id,
                reviewers: chosen_reviewers,
            });
        }
        let problem = Problem {
            reviewers: reviewers.clone(),
            units: centers
                .iter()
                .map(|(id, name)| -> Result<InspectedUnit, BoxError> {
                    Ok(InspectedUnit {
                        id: id.parse()?,
                        name: name.clone(),
                    })
                })
                .collect::<Result<_, _>>()?,
            files: sampled,
            conflicts: Vec::new(),
            objections: Vec::new(),
            history: Vec::new(),
            config: AssignmentConfig::default(),
        };
        let assignment = Assignment {
            seed: 1,
            teams: Vec::new(),
            placements,
        };
        let quality = pingcha::domain::assignment::quality(&problem, &assignment);
        storage::transaction(&mut conn, |conn| {
            for chunk in case_rows.chunks(500) {
                diesel::sql_query(format!(
                    "INSERT INTO case_files (id, unit_id, case_no, recipient, handler, firm, \
                     case_type, cause, closed_at, terminated, guilty_plea, notified_defense, \
                     created_at, updated_at) VALUES {}",
                    chunk.join(", ")
                ))
                .execute(conn)?;
            }
            for chunk in sheet_rows.chunks(500) {
                diesel::sql_query(format!(
                    "INSERT INTO score_sheets (id, round_id, case_file_id, reviewer_id, \
                     rubric_hash, state, version, answers_json, total_tenths, grade, \
                     submitted_at, created_at, updated_at) VALUES {}",
                    chunk.join(", ")
                ))
                .execute(conn)?;
            }
            let stamp = quote(&now.format("%Y-%m-%d %H:%M:%S").to_string());
            diesel::sql_query(format!(
                "INSERT INTO assignment_versions (id, round_id, version, status, seed, \
                 problem_json, assignment_json, quality_json, created_at, created_by, \
                 published_at, published_by) VALUES ({}, {}, 1, 'published', '1', {}, {}, {}, \
                 {stamp}, 'bench', {stamp}, 'bench')",
                quote(&storage::new_id().to_string()),
                quote(&round.id.to_string()),
                quote(
                    &serde_json::to_string(&problem)
                        .map_err(|e| storage::Error::Corrupt(e.to_string()))?
                ),
                quote(
                    &serde_json::to_string(&assignment)
                        .map_err(|e| storage::Error::Corrupt(e.to_string()))?
                ),
                quote(
                    &serde_json::to_string(&quality)
                        .map_err(|e| storage::Error::Corrupt(e.to_string()))?
                ),
            ))
            .execute(conn)?;
            diesel::sql_query(format!(
                "UPDATE review_rounds SET status = {} WHERE id = {}",
                quote(RoundStatus::Closed.code()),
                quote(&round.id.to_string())
            ))
            .execute(conn)?;
            Ok::<_, storage::Error>(())
        })?;
        println!(
            "round {} of {rounds}: {files} files, {} sheets, {} scored items ({:.1?})",
            round_index + 1,
            sheet_rows.len(),
            sheet_rows.len() * items,
            started.elapsed()
        );
    }
    Ok(())
}

#[derive(diesel::QueryableByName, Debug)]
#[allow(dead_code)] // read only to be sure the rows are materialised
struct AggregateRow {
    #[diesel(sql_type = Text)]
    round_id: String,
    #[diesel(sql_type = Text)]
    unit_id: String,
    #[diesel(sql_type = BigInt)]
    sheets: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    sum_tenths: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    min_tenths: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    max_tenths: Option<i64>,
    #[diesel(sql_type = BigInt)]
    failing: i64,
}

/// The raw aggregation a pure-SQL summary would run: per round and unit, the sheets' count,
/// sum, min, max and failing count (one query for one round, one for all rounds).
fn raw_queries(conn: &mut DbConn, round: Option<&str>) -> Result<usize, BoxError> {
    let filter = round.map_or(String::new(), |round| {
        format!("AND s.round_id = {}", quote(round))
    });
    let sql = format!(
        "SELECT s.round_id AS round_id, c.unit_id AS unit_id, COUNT(*) AS sheets, \
         CAST(SUM(s.total_tenths) AS BIGINT) AS sum_tenths, \
         CAST(MIN(s.total_tenths) AS BIGINT) AS min_tenths, \
         CAST(MAX(s.total_tenths) AS BIGINT) AS max_tenths, \
         CAST(SUM(CASE WHEN s.grade = '不合格' THEN 1 ELSE 0 END) AS BIGINT) AS failing \
         FROM score_sheets s JOIN case_files c ON c.id = s.case_file_id \
         WHERE s.state IN ('submitted', 'reconciled') {filter} \
         GROUP BY s.round_id, c.unit_id"
    );
    let rows: Vec<AggregateRow> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.len())
}

#[derive(diesel::QueryableByName, Debug)]
#[allow(dead_code)] // read only to be sure the rows are materialised
struct GroupRow {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    a: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    b: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    c: Option<i64>,
}

/// Every figure the round summary page shows, the way a pure-SQL report would get it: one
/// aggregate per table of the page (by unit with grade counts, by case type, by law firm, by
/// handling lawyer, the previous round by unit for the ranking change, typical problems,
/// rectification by unit and state, the year's caseload and targets, reviewers' calibration)
/// and the file list behind the drill-down. No combining rule, no 合议: a lower bound on what
/// the page must do.
fn raw_round_queries(
    conn: &mut DbConn,
    round: &str,
    previous: Option<&str>,
    year: i32,
) -> Result<usize, BoxError> {
    let round = quote(round);
    let sheets = format!(
        "FROM score_sheets s JOIN case_files c ON c.id = s.case_file_id \
         WHERE s.state IN ('submitted', 'reconciled') AND s.round_id = {round}"
    );
    let stats = "COUNT(*) AS n, CAST(SUM(s.total_tenths) AS BIGINT) AS a, \
                 CAST(SUM(CASE WHEN s.grade = '不合格' THEN 1 ELSE 0 END) AS BIGINT) AS b, \
                 CAST(SUM(CASE WHEN s.grade IN ('优秀', '良好') THEN 1 ELSE 0 END) AS BIGINT) AS c";
    let mut queries = vec![
        format!("SELECT c.unit_id AS key, {stats} {sheets} GROUP BY c.unit_id"),
        format!(
            "SELECT s.grade AS key, COUNT(*) AS n, CAST(MIN(s.total_tenths) AS BIGINT) AS a, CAST(MAX(s.total_tenths) AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c {sheets} GROUP BY s.grade"
        ),
        format!("SELECT c.case_type AS key, {stats} {sheets} GROUP BY c.case_type"),
        format!("SELECT c.firm AS key, {stats} {sheets} GROUP BY c.firm"),
        format!(
            "SELECT c.handler || '|' || c.firm AS key, {stats} {sheets} GROUP BY c.handler, c.firm"
        ),
        format!("SELECT s.reviewer_id AS key, {stats} {sheets} GROUP BY s.reviewer_id"),
        format!(
            "SELECT s.case_file_id AS key, COUNT(*) AS n, CAST(SUM(s.total_tenths) AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c {sheets} GROUP BY s.case_file_id"
        ),
        format!(
            "SELECT item_code AS key, COUNT(*) AS n, COUNT(DISTINCT case_file_id) AS a, COUNT(DISTINCT unit_id) AS b, CAST(NULL AS BIGINT) AS c FROM findings WHERE round_id = {round} GROUP BY item_code"
        ),
        format!(
            "SELECT unit_id || '|' || state AS key, COUNT(*) AS n, CAST(NULL AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c FROM rectification_notices WHERE round_id = {round} GROUP BY unit_id, state"
        ),
        format!(
            "SELECT unit_id AS key, COUNT(*) AS n, CAST(NULL AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c FROM case_files WHERE closed_at BETWEEN '{year}-01-01' AND '{year}-12-31' GROUP BY unit_id"
        ),
        format!(
            "SELECT unit_id AS key, CAST(case_target AS BIGINT) AS n, CAST(NULL AS BIGINT) AS a, CAST(NULL AS BIGINT) AS b, CAST(NULL AS BIGINT) AS c FROM unit_targets WHERE year = {year}"
        ),
    ];
    if let Some(previous) = previous {
        let previous = quote(previous);
        queries.push(format!(
            "SELECT c.unit_id AS key, {stats} FROM score_sheets s JOIN case_files c ON c.id = s.case_file_id \
             WHERE s.state IN ('submitted', 'reconciled') AND s.round_id = {previous} GROUP BY c.unit_id"
        ));
    }
    let mut rows = 0;
    for sql in queries {
        rows += diesel::sql_query(sql).load::<GroupRow>(conn)?.len();
    }
    Ok(rows)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn time(url: &str, runs: usize) -> Result<(), BoxError> {
    let pool = open(url)?;
    let mut conn = pool.get()?;
    let rounds = storage::summary::summarised_rounds(&mut conn, UnitScope::All, 8)?;
    let latest = rounds.last().ok_or("no rounds")?.id;
    let sheets: i64 = {
        use diesel::prelude::*;
        storage::schema::score_sheets::table
            .count()
            .get_result(&mut *conn)?
    };
    println!("{} rounds, {sheets} sheets", rounds.len());
    let mut measure = |label: &str,
                       f: &mut dyn FnMut(&mut DbConn) -> Result<String, BoxError>|
     -> Result<Duration, BoxError> {
        let mut times = Vec::new();
        let mut note = String::new();
        for _ in 0..runs {
            let start = Instant::now();
            note = f(&mut conn)?;
            times.push(start.elapsed());
        }
        let value = median(times.clone());
        println!("{label:<44} median {value:>10.1?}  (runs {times:.1?}) {note}");
        Ok(value)
    };
    let latest_text = latest.to_string();
    let raw_round = measure("raw SQL aggregation, one round", &mut |conn| {
        Ok(format!("{} groups", raw_queries(conn, Some(&latest_text))?))
    })?;
    let previous_text = rounds
        .len()
        .checked_sub(2)
        .and_then(|index| rounds.get(index))
        .map(|round| round.id.to_string());
    let year = chrono::Datelike::year(&rounds.last().ok_or("no rounds")?.settings.period_end);
    let raw_page = measure("raw SQL, every figure of the round page", &mut |conn| {
        Ok(format!(
            "{} rows",
            raw_round_queries(conn, &latest_text, previous_text.as_deref(), year)?
        ))
    })?;
    let raw_all = measure("raw SQL aggregation, all rounds", &mut |conn| {
        Ok(format!("{} groups", raw_queries(conn, None)?))
    })?;
    measure("  of which: published assignment (JSON)", &mut |conn| {
        let version = storage::assignments::published(conn, latest)?.ok_or("none")?;
        Ok(format!(
            "{} placements",
            version.assignment.placements.len()
        ))
    })?;
    let hashes: Vec<String> = rounds
        .last()
        .ok_or("no rounds")?
        .settings
        .rubrics
        .values()
        .cloned()
        .collect();
    measure("  of which: rubric snapshots loaded", &mut |conn| {
        for hash in &hashes {
            storage::rubrics::load(conn, hash)?;
        }
        Ok(format!("{} rubrics", hashes.len()))
    })?;
    measure("  of which: sheets' totals and grades", &mut |conn| {
        use diesel::prelude::*;
        use storage::schema::score_sheets;
        let rows: Vec<LightRow> = score_sheets::table
            .filter(score_sheets::round_id.eq(latest_text.clone()))
            .select((
                score_sheets::id,
                score_sheets::case_file_id,
                score_sheets::reviewer_id,
                score_sheets::total_tenths,
                score_sheets::grade,
            ))
            .load(conn)?;
        Ok(format!("{} rows", rows.len()))
    })?;
    measure("  of which: results::finals, one round", &mut |conn| {
        let finals = storage::results::finals(conn, latest)?.ok_or("none")?;
        Ok(format!("{} files", finals.len()))
    })?;
    measure("  of which: file figures, one round", &mut |conn| {
        let figures = storage::summary::file_figures(conn, latest)?.ok_or("none")?;
        Ok(format!("{} files", figures.len()))
    })?;
    let results_only = measure("storage::results::load, one round", &mut |conn| {
        let results = storage::results::load(conn, latest)?.ok_or("no results")?;
        Ok(format!("{} files", results.files.len()))
    })?;
    let page = measure("round summary + tables (page data)", &mut |conn| {
        let summary = storage::summary::round_summary(
            conn,
            latest,
            UnitScope::All,
            storage::summary::Filter::default(),
            storage::today(),
        )?
        .ok_or("no summary")?;
        let tables = pingcha::export::summary::round_tables(&summary);
        Ok(format!(
            "{} files, mean {:?}, {} tables",
            summary.overall.files,
            summary.overall.mean_tenths,
            tables.len()
        ))
    })?;
    measure("trend view, rounds one after another", &mut |conn| {
        let trend = storage::summary::trend_summary(conn, UnitScope::All, 8)?;
        Ok(format!("{} rounds", trend.rounds.len()))
    })?;
    let trend = measure("trend view + tables (page data)", &mut |_| {
        let trend = storage::summary::trend_summary_in(&pool, UnitScope::All, 8)?;
        let tables = pingcha::export::summary::trend_tables(&trend);
        Ok(format!(
            "{} rounds, {} lines, {} tables",
            trend.rounds.len(),
            trend.lines.len(),
            tables.len()
        ))
    })?;
    println!(
        "ratios: round page / raw page queries {:.1}× (/ the one-round aggregate alone {:.1}×), trend / raw all-rounds {:.1}×, results::load / raw {:.1}×",
        page.as_secs_f64() / raw_page.as_secs_f64(),
        page.as_secs_f64() / raw_round.as_secs_f64(),
        trend.as_secs_f64() / raw_all.as_secs_f64(),
        results_only.as_secs_f64() / raw_round.as_secs_f64(),
    );
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .get(1)
        .ok_or("usage: summary_bench generate|time DATABASE_URL ...")?;
    match args[0].as_str() {
        "generate" => {
            let files = args.get(2).map_or(Ok(6250), |n| n.parse())?;
            let rounds = args.get(3).map_or(Ok(8), |n| n.parse())?;
            let items = args.get(4).map_or(Ok(10), |n| n.parse())?;
            generate(url, files, rounds, items)
        }
        "time" => time(url, args.get(2).map_or(Ok(3), |n| n.parse())?),
        other => Err(format!("unknown mode {other}").into()),
    }
}
