//! Leadership summaries through HTTP: the figures on the page and in the JSON twin equal
//! figures computed here straight from the stored sheets; a center manager never sees another
//! unit's name or files; the XLSX exports open and hold the same numbers.

use crate::helpers::{TestApp, spawn_app};
use crate::round_documents::{advance, publish, submit_sheet};
use awc::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::{DeductionRule, Method};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers};
use pingcha::storage::{self, assignments};
use serde_json::Value;
use std::collections::BTreeMap;

/// A round whose reviewers of file `i` take off the first `i % 4` fixed-deduction items, so
/// the reviews agree and totals differ; on every seventh file from the sixth all reviewers
/// find a 一票否决 (the file fails), and from the sixth every seventh file only its first
/// reviewer does (the reviews disagree: no final result until 合议).
pub fn agreed_round(app: &TestApp) -> String {
    scored_round_with(app, false)
}

/// As [`agreed_round`]; with `harsh_first`, each file's first reviewer also takes off the next
/// fixed item, so first reviewers sit below their co-reviewers.
pub fn scored_round_with(app: &TestApp, harsh_first: bool) -> String {
    let round = crate::teams::round_in_teaming(app);
    publish(app, &round);
    advance(app, &round, RoundStatus::Reviewing);
    let round_id = round.parse().unwrap();
    let mut conn = app.conn();
    let record = storage::rounds::find(&mut conn, round_id).unwrap();
    let version = assignments::published(&mut conn, round_id)
        .unwrap()
        .unwrap();
    for (index, placement) in version.assignment.placements.iter().enumerate() {
        let case_type = version.problem.file(placement.file).unwrap().case_type;
        let Some(hash) = record.settings.rubrics.get(&case_type).cloned() else {
            continue;
        };
        let rubric = storage::rubrics::load(&mut conn, &hash).unwrap();
        let Method::Deduction(scheme) = rubric.method() else {
            panic!("deduction rubric expected");
        };
        let items_for = |count: usize| -> Vec<ItemAnswer> {
            scheme
                .items()
                .filter(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
                .take(count)
                .map(|item| ItemAnswer {
                    code: item.code.clone(),
                    mark: Mark::Applied,
                    reason: "未见相关材料".into(),
                    pages: pingcha::domain::citation::Citation::page(3),
                })
                .collect()
        };
        let veto = || pingcha::domain::scoring::VetoAnswer {
            code: rubric.vetoes()[0].code.clone(),
            reason: "伪造签名".into(),
            pages: pingcha::domain::citation::Citation::page(1),
        };
        for (position, reviewer) in placement.reviewers.iter().enumerate() {
            let vetoed = match index % 7 {
                6 => true,
                5 => position == 0,
                _ => false,
            };
            let extra = usize::from(harsh_first && position == 0);
            let answers = SheetAnswers {
                items: items_for(index % 4 + extra),
                vetoes: if vetoed { vec![veto()] } else { Vec::new() },
                ..Default::default()
            };
            submit_sheet(
                &mut conn,
                round_id,
                placement.file,
                *reviewer,
                &hash,
                &rubric,
                &answers,
            );
        }
    }
    round
}

/// Per unit name: files, sum of totals in tenths, passing and excellent+good files, max and
/// min, straight from the score_sheets table.
#[derive(Debug, Default, Clone)]
struct Expected {
    files: usize,
    sum: i64,
    passing: usize,
    excellent_good: usize,
    max: i32,
    min: i32,
}

fn expected_by_unit(app: &TestApp, round: &str) -> BTreeMap<String, Expected> {
    use diesel::prelude::*;
    use pingcha::storage::schema::{case_files, score_sheets, units};
    let mut conn = app.conn();
    let rows: Vec<(String, String, Option<i32>, Option<String>)> = score_sheets::table
        .inner_join(case_files::table.on(case_files::id.eq(score_sheets::case_file_id)))
        .inner_join(units::table.on(units::id.eq(case_files::unit_id)))
        .filter(score_sheets::round_id.eq(round))
        .filter(score_sheets::state.eq("submitted"))
        .select((
            score_sheets::case_file_id,
            units::name,
            score_sheets::total_tenths,
            score_sheets::grade,
        ))
        .load(&mut *conn)
        .unwrap();
    // A file counts when all its sheets agree on total and grade (here reviews differ only
    // by a veto, which always needs 合议).
    let mut per_file: BTreeMap<String, Option<(String, i32, String)>> = BTreeMap::new();
    for (file, unit, total, grade) in rows {
        let entry = (unit, total.unwrap(), grade.unwrap());
        match per_file.get(&file) {
            Some(Some(previous)) if previous != &entry => {
                per_file.insert(file, None);
            }
            Some(_) => {}
            None => {
                per_file.insert(file, Some(entry));
            }
        }
    }
    let mut out: BTreeMap<String, Expected> = BTreeMap::new();
    for (unit, total, grade) in per_file.into_values().flatten() {
        let entry = out.entry(unit).or_insert(Expected {
            max: i32::MIN,
            min: i32::MAX,
            ..Default::default()
        });
        entry.files += 1;
        entry.sum += i64::from(total);
        entry.max = entry.max.max(total);
        entry.min = entry.min.min(total);
        // The shipped rubrics' bands: 优秀, 良好, 合格, 不合格.
        if grade != "不合格" {
            entry.passing += 1;
        }
        if grade == "优秀" || grade == "良好" {
            entry.excellent_good += 1;
        }
    }
    out
}

fn rate(part: usize, whole: usize) -> u64 {
    (part as f64 * 1000.0 / whole as f64).round() as u64
}

fn mean(expected: &Expected) -> u64 {
    (expected.sum as f64 / expected.files as f64).round() as u64
}

fn check_stats(stats: &Value, expected: &Expected, context: &str) {
    assert_eq!(stats["files"], expected.files as u64, "{context}");
    assert_eq!(stats["mean_tenths"], mean(expected), "{context}");
    assert_eq!(stats["max_tenths"], expected.max, "{context}");
    assert_eq!(stats["min_tenths"], expected.min, "{context}");
    assert_eq!(
        stats["pass_permille"],
        rate(expected.passing, expected.files),
        "{context}"
    );
    assert_eq!(
        stats["excellent_good_permille"],
        rate(expected.excellent_good, expected.files),
        "{context}"
    );
}

fn tenths_text(tenths: u64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

#[actix_rt::test]
async fn round_figures_equal_an_independent_count_of_the_stored_sheets() {
    let app = spawn_app().await;
    let round = agreed_round(&app);
    let expected = expected_by_unit(&app, &round);
    assert!(expected.len() >= 2, "the demo round covers several units");
    let mut total = Expected {
        max: i32::MIN,
        min: i32::MAX,
        ..Default::default()
    };
    for unit in expected.values() {
        total.files += unit.files;
        total.sum += unit.sum;
        total.passing += unit.passing;
        total.excellent_good += unit.excellent_good;
        total.max = total.max.max(unit.max);
        total.min = total.min.min(unit.min);
    }
    let mut leader = app.login_as("leader").await;
    let reply = leader.get(&format!("/api/rounds/{round}/summary")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json = reply.json();
    check_stats(&json["overall"], &total, "overall");
    let by_unit = json["by_unit"].as_array().unwrap();
    assert_eq!(by_unit.len(), expected.len());
    for group in by_unit {
        let name = group["label"].as_str().unwrap();
        check_stats(&group["stats"], &expected[name], name);
    }
    // Ranking: best mean first, names shown to leadership.
    let ranking = json["ranking"].as_array().unwrap();
    let means: Vec<u64> = ranking
        .iter()
        .map(|row| row["stats"]["mean_tenths"].as_u64().unwrap())
        .collect();
    assert!(means.windows(2).all(|pair| pair[0] >= pair[1]));
    assert!(
        ranking
            .iter()
            .all(|row| !row["label"].as_str().unwrap().starts_with("单位")
                || expected.contains_key(row["label"].as_str().unwrap()))
    );

    // The page prints the same figures.
    let page = leader.get(&format!("/rounds/{round}/summary")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg"));
    assert!(page.body.contains(&tenths_text(mean(&total))));
    for (name, unit) in &expected {
        assert!(page.body.contains(name.as_str()));
        assert!(page.body.contains(&format!(
            "<td class=\"num\">{}</td>",
            tenths_text(mean(unit))
        )));
    }

    // Drill-down to one unit: its files only, each linked to its sheets.
    let (name, unit_expected) = expected.iter().next().unwrap();
    let unit_id = by_unit
        .iter()
        .find(|group| group["label"] == name.as_str())
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = leader
        .get(&format!("/api/rounds/{round}/summary?unit={unit_id}"))
        .await;
    let json = reply.json();
    check_stats(&json["overall"], unit_expected, "drill-down");
    assert_eq!(json["files"].as_array().unwrap().len(), unit_expected.files);
    let page = leader
        .get(&format!("/rounds/{round}/summary?unit={unit_id}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("/sheets.pdf\">评分表（PDF）").count(),
        unit_expected.files
    );
    let bad = leader
        .get(&format!("/rounds/{round}/summary?unit=nonsense"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("单位"));

    // The trend view holds the round with the same overall figures.
    let trend = leader.get("/api/summary").await.json();
    let rounds = trend["rounds"].as_array().unwrap();
    let this = rounds
        .iter()
        .find(|entry| entry["id"] == round.as_str())
        .unwrap();
    check_stats(&this["overall"], &total, "trend");
    let page = leader.get("/summary").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<polyline"));
}

#[actix_rt::test]
async fn a_center_manager_never_sees_another_units_name_or_files() {
    let app = spawn_app().await;
    let round = agreed_round(&app);
    let mut manager = app.login_as("manager").await;
    // Before feedback the unit sees no scores at all.
    let reply = manager.get(&format!("/rounds/{round}/summary")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    advance(&app, &round, RoundStatus::Feedback);

    let own = app.unit_id("XQ");
    let (others, other_files): (Vec<String>, Vec<String>) = {
        use diesel::prelude::*;
        use pingcha::storage::schema::{case_files, units};
        let mut conn = app.conn();
        let names: Vec<String> = units::table
            .filter(units::id.ne(&own))
            .select(units::name)
            .load(&mut *conn)
            .unwrap();
        let own_name: String = units::table
            .filter(units::id.eq(&own))
            .select(units::name)
            .first(&mut *conn)
            .unwrap();
        let files: Vec<String> = case_files::table
            .filter(case_files::unit_id.ne(&own))
            .select(case_files::case_no)
            .load(&mut *conn)
            .unwrap();
        (
            names
                .into_iter()
                .filter(|name| !own_name.contains(name.as_str()))
                .collect(),
            files,
        )
    };
    assert!(!others.is_empty());
    let mut bodies = Vec::new();
    for path in [
        format!("/rounds/{round}/summary"),
        format!("/api/rounds/{round}/summary"),
        format!("/rounds/{round}/summary?unit={own}"),
        "/summary".to_string(),
        "/api/summary".to_string(),
    ] {
        let reply = manager.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        bodies.push((path, reply.body));
    }
    for path in [
        format!("/rounds/{round}/summary.xlsx"),
        "/summary.xlsx".to_string(),
    ] {
        let (status, bytes) = manager.get_bytes(&path).await;
        assert_eq!(status, StatusCode::OK);
        bodies.push((path, workbook_text(&bytes)));
    }
    for (path, body) in &bodies {
        for name in &others {
            assert!(!body.contains(name.as_str()), "{path} names {name}");
        }
        for case_no in &other_files {
            assert!(!body.contains(case_no.as_str()), "{path} shows {case_no}");
        }
    }
    // The other units are in the ranking, anonymised.
    let json: Value = serde_json::from_str(&bodies[1].1).unwrap();
    let ranking = json["ranking"].as_array().unwrap();
    assert!(ranking.len() >= 2);
    assert!(ranking.iter().any(|row| row["label"] == "单位A"));
    assert!(ranking.iter().filter(|row| row["own"] == true).count() == 1);
    assert!(
        ranking
            .iter()
            .filter(|row| row["own"] == false)
            .all(|row| row["unit"].is_null())
    );
    // Only the own unit's files are counted.
    assert!(
        json["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|file| file["unit"] == own.as_str())
    );
    // Another unit's drill-down is refused.
    let other = app.unit_id("JF");
    let reply = manager
        .get(&format!("/rounds/{round}/summary?unit={other}"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = manager
        .get(&format!("/api/rounds/{round}/summary?unit={other}"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

/// Every cell of every worksheet as text, for "never names" checks.
fn workbook_text(bytes: &[u8]) -> String {
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut text = String::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                text.push_str(&cell.to_string());
                text.push('\t');
            }
            text.push('\n');
        }
    }
    text
}

#[actix_rt::test]
async fn exports_open_and_hold_the_page_numbers() {
    let app = spawn_app().await;
    let round = agreed_round(&app);
    let mut admin = app.login_as("admin").await;
    let json = admin
        .get(&format!("/api/rounds/{round}/summary"))
        .await
        .json();
    let (status, bytes) = admin
        .get_bytes(&format!("/rounds/{round}/summary.xlsx"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = workbook.sheet_names();
    for expected in [
        "总体情况",
        "单位排名",
        "按单位",
        "按案件类型",
        "按承办机构",
        "按承办人",
        "典型问题",
        "整改进展",
        "办案任务完成情况",
        "案卷明细",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "sheet {expected}"
        );
    }
    let overall = workbook.worksheet_range("总体情况").unwrap();
    let header: Vec<String> = overall
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(header[0], "抽查案卷数");
    assert_eq!(header[8], "平均分");
    let row: Vec<&Data> = overall.rows().nth(1).unwrap().iter().collect();
    assert_eq!(
        row[1],
        &Data::Float(json["overall"]["files"].as_f64().unwrap())
    );
    assert_eq!(
        row[8],
        &Data::Float(json["overall"]["mean_tenths"].as_f64().unwrap() / 10.0)
    );
    assert_eq!(
        row[7],
        &Data::Float(json["overall"]["pass_permille"].as_f64().unwrap() / 10.0)
    );
    // By unit: each unit's mean, by name.
    let by_unit = workbook.worksheet_range("按单位").unwrap();
    let mut means = BTreeMap::new();
    for row in by_unit.rows().skip(1) {
        means.insert(row[0].to_string(), row[8].clone());
    }
    for group in json["by_unit"].as_array().unwrap() {
        assert_eq!(
            means[group["label"].as_str().unwrap()],
            Data::Float(group["stats"]["mean_tenths"].as_f64().unwrap() / 10.0)
        );
    }
    let files = workbook.worksheet_range("案卷明细").unwrap();
    assert_eq!(
        files.rows().count() - 1,
        json["files"].as_array().unwrap().len()
    );

    let trend = admin.get("/api/summary").await.json();
    let (status, bytes) = admin.get_bytes("/summary.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let rounds = workbook.worksheet_range("各轮总体情况").unwrap();
    assert_eq!(
        rounds.rows().count() - 1,
        trend["rounds"].as_array().unwrap().len()
    );
    let means = workbook.worksheet_range("平均分趋势").unwrap();
    assert_eq!(
        means.rows().count() - 1,
        trend["lines"].as_array().unwrap().len()
    );
}

/// The summaries read file results from the stored totals and grades; they must be the
/// results `storage::results::load` works out from the answers, file by file.
#[actix_rt::test]
async fn summary_file_results_equal_the_results_from_the_answers() {
    let vetoes_app = spawn_app().await;
    let split_app = spawn_app().await;
    for (app, with_vetoes) in [(&vetoes_app, true), (&split_app, false)] {
        let round = if with_vetoes {
            agreed_round(app)
        } else {
            // The first reviewer of each file deducts, the others do not.
            crate::round_documents::scored_round(app, false)
        };
        let round_id = round.parse().unwrap();
        let mut conn = app.conn();
        let full = storage::results::load(&mut conn, round_id)
            .unwrap()
            .unwrap();
        let light = storage::results::finals(&mut conn, round_id)
            .unwrap()
            .unwrap();
        assert_eq!(full.files.len(), light.len());
        let mut finals = 0;
        let mut vetoed = 0;
        for (full, light) in full.files.iter().zip(&light) {
            assert_eq!(full.file, light.file);
            assert_eq!(full.unit, light.unit);
            let expected = full
                .final_result()
                .map(|result| (result.total, result.grade.clone(), result.vetoed));
            let actual = light
                .result
                .as_ref()
                .map(|result| (result.total, result.grade.clone(), result.vetoed));
            assert_eq!(expected, actual, "file {}", full.file);
            finals += usize::from(actual.is_some());
            vetoed += usize::from(actual.is_some_and(|(_, _, vetoed)| vetoed));
        }
        assert!(finals > 0);
        if with_vetoes {
            assert!(vetoed > 0, "a vetoed file is final and failing");
            assert!(finals < light.len(), "differing vetoes wait for 合议");
        }
    }
}

#[actix_rt::test]
async fn the_leadership_report_pdf_carries_the_summary_figures() {
    let app = spawn_app().await;
    let round = agreed_round(&app);
    let mut leader = app.login_as("leader").await;
    let json = leader
        .get(&format!("/api/rounds/{round}/summary"))
        .await
        .json();
    let (status, bytes) = leader
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(bytes.starts_with(b"%PDF"));
    let text = crate::documents::compact_text(&bytes);
    for group in json["by_unit"].as_array().unwrap() {
        let name = group["label"].as_str().unwrap();
        assert!(text.contains(name), "report names {name}");
    }
    let first_file = json["files"][0]["case_no"].as_str().unwrap();
    assert!(
        text.contains(&first_file.replace(' ', "")),
        "attachment lists {first_file}"
    );
    let mut manager = app.login_as("manager").await;
    let (status, _) = manager
        .get_bytes(&format!("/rounds/{round}/report.pdf"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The calibration table on the summary: each reviewer's mean deviation from the co-reviewers
/// of the same files equals the one computed here from the stored totals, and the counts by
/// leaning add up the table (the leaning rule itself is tested in the domain); a center manager gets no calibration at all; the XLSX holds the table.
#[actix_rt::test]
async fn calibration_on_the_summary_equals_an_independent_count_of_the_stored_totals() {
    use diesel::prelude::*;
    use pingcha::storage::schema::{people, score_sheets};
    let app = spawn_app().await;
    let round = scored_round_with(&app, true);
    let rows: Vec<(String, String, Option<i32>)> = {
        let mut conn = app.conn();
        score_sheets::table
            .inner_join(people::table.on(people::id.eq(score_sheets::reviewer_id)))
            .filter(score_sheets::round_id.eq(&round))
            .filter(score_sheets::state.eq("submitted"))
            .select((
                score_sheets::case_file_id,
                people::name,
                score_sheets::total_tenths,
            ))
            .load(&mut *conn)
            .unwrap()
    };
    let mut by_file: BTreeMap<String, Vec<(String, f64)>> = BTreeMap::new();
    for (file, name, total) in rows {
        by_file
            .entry(file)
            .or_default()
            .push((name, f64::from(total.unwrap()) / 10.0));
    }
    let mut deviations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for sheets in by_file.values().filter(|sheets| sheets.len() > 1) {
        for (index, (name, total)) in sheets.iter().enumerate() {
            let others: Vec<f64> = sheets
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .map(|(_, (_, total))| *total)
                .collect();
            let mean = others.iter().sum::<f64>() / others.len() as f64;
            deviations
                .entry(name.clone())
                .or_default()
                .push(total - mean);
        }
    }
    assert!(
        !deviations.is_empty(),
        "the round has double-reviewed files"
    );

    let mut leader = app.login_as("leader").await;
    let reply = leader.get(&format!("/api/rounds/{round}/summary")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let summary = reply.json();
    let reviewers = summary["calibration"]["reviewers"].as_array().unwrap();
    for (name, own) in &deviations {
        let row = reviewers
            .iter()
            .find(|row| row["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} missing from the calibration table"));
        let expected = own.iter().sum::<f64>() / own.len() as f64;
        let shown = row["deviation_from_co_reviewers"].as_f64().unwrap();
        assert!(
            (shown - expected).abs() < 0.01,
            "{name}: page {shown}, stored sheets {expected}"
        );
        assert_eq!(row["paired_files"], own.len(), "{name}");
    }
    assert!(
        reviewers
            .iter()
            .any(|row| row["deviation_from_co_reviewers"].as_f64() < Some(0.0)),
        "the harsher first reviewers sit below their co-reviewers: {reviewers:?}"
    );
    let count = |leaning: &str| {
        reviewers
            .iter()
            .filter(|row| row["leaning"] == leaning)
            .count()
    };
    for (key, leaning) in [
        ("harsh", "偏严"),
        ("lenient", "偏松"),
        ("normal", "正常"),
        ("too_few", "样本不足"),
    ] {
        assert_eq!(summary["calibration"][key], count(leaning), "{leaning}");
    }
    let harsh = count("偏严");
    let page = leader.get(&format!("/rounds/{round}/summary")).await;
    assert!(page.body.contains("评查员校准概况"), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("偏严 <strong>{harsh}</strong> 人"))
    );
    let (status, bytes) = leader
        .get_bytes(&format!("/rounds/{round}/summary.xlsx"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut workbook = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = workbook.worksheet_range("评查员校准").unwrap();
    assert_eq!(sheet.height(), reviewers.len() + 1);

    advance(&app, &round, RoundStatus::Feedback);
    let mut manager = app.login_as("manager").await;
    let reply = manager.get(&format!("/api/rounds/{round}/summary")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.json()["calibration"].is_null());
    let page = manager.get(&format!("/rounds/{round}/summary")).await;
    assert!(!page.body.contains("评查员校准"));
}
