//! Two finished quarters before the demo round, so a newcomer's leadership pages, trends,
//! rankings, typical problems and rectification lists have something to show: 2025年第一季度
//! (closed, every notice of a unit with a manager's login verified and closed — with
//! [`super::logins`] loaded first, every unit) and 2025年第二季度 (in 反馈整改, notices issued 23
//! days before the day the demo is loaded: due within a week, one center's three days overdue;
//! 兴庆区 has reported). Each round goes through the same storage
//! calls as the pages — registry, frozen sample, solved and published teams, score sheets
//! scored by the engine, findings, numbered notices — with invented but deterministic scores:
//! units differ in quality, one improves and one slips between the quarters.

use super::{Lcg, quarter_records};
use crate::domain::CaseType;
use crate::domain::UnitScope;
use crate::domain::assignment::solve;
use crate::domain::ids::UnitId;
use crate::domain::people::{Account, Role};
use crate::domain::rectification::{Action, RectificationState};
use crate::domain::round::{CombineSetting, RoundSettings, RoundStatus};
use crate::domain::rubric::{DeductionRule, Method, Points};
use crate::domain::scoring::findings_library::suggestions;
use crate::domain::scoring::sheet::{SheetAction, SheetActor};
use crate::domain::scoring::{ItemAnswer, Mark, SheetAnswers, VetoAnswer, score};
use crate::storage::audit::Actor;
use crate::storage::rectification::{self, Caller};
use crate::storage::{
    self, DbConn, assignments, cases, rounds, rubrics, sampling, sheets, transaction, units, users,
};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// (round name, quarter, first case number per center, final status)
const QUARTERS: [(&str, u32, i32, RoundStatus); 2] = [
    ("2025年第一季度案卷评查", 1, 500, RoundStatus::Closed),
    ("2025年第二季度案卷评查", 2, 700, RoundStatus::Feedback),
];

/// How many items a unit's files typically lose, per quarter (index 0: Q1, 1: Q2); units not
/// listed lose 3. 兴庆区 improves after its Q1 notice, 金凤区 slips.
const QUALITY: [(&str, [usize; 2]); 5] = [
    ("YC", [2, 2]),
    ("XQ", [7, 4]),
    ("JF", [4, 8]),
    ("YN", [5, 5]),
    ("LW", [2, 3]),
];

/// What the history added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct History {
    pub rounds: usize,
    pub sheets: usize,
    pub notices: usize,
}

fn corrupt(error: impl std::fmt::Debug) -> storage::Error {
    storage::Error::Corrupt(format!("{error:?}"))
}

/// Adds the two earlier quarters to a database holding the demo data (after [`super::load`]),
/// in one transaction. Does nothing without the shipped deduction rubrics.
pub fn load(conn: &mut DbConn) -> storage::Result<History> {
    transaction(conn, |conn| {
        let mut history = History::default();
        let Some(chosen) = super::demo_rubrics(conn)? else {
            return Ok(history);
        };
        let centers: Vec<(String, UnitId)> = units::list(conn, UnitScope::All)?
            .into_iter()
            .filter(|unit| super::CENTERS.iter().any(|(code, _, _)| *code == unit.code))
            .map(|unit| (unit.code, unit.id))
            .collect();
        // The registries are of 2025: the year's case targets, as in the annual plan.
        let actor = Actor {
            user_id: None,
            login: "demo".to_string(),
            client_ip: None,
        };
        for (code, unit) in &centers {
            if let Some((_, _, target)) = super::CENTERS.iter().find(|(known, _, _)| known == code)
            {
                units::set_target(conn, &actor, *unit, 2025, *target, storage::now())?;
            }
        }
        for (index, (name, quarter, first_number, status)) in QUARTERS.iter().enumerate() {
            let mut random = Lcg(20_250_000 + u64::from(*quarter));
            let added = quarter_round(
                conn,
                &centers,
                &mut random,
                &chosen,
                RoundPlan {
                    name,
                    quarter: *quarter,
                    first_number: *first_number,
                    status: *status,
                    quality_index: index,
                },
            )?;
            history.rounds += 1;
            history.sheets += added.sheets;
            history.notices += added.notices;
        }
        Ok(history)
    })
}

struct RoundPlan<'a> {
    name: &'a str,
    quarter: u32,
    first_number: i32,
    status: RoundStatus,
    quality_index: usize,
}

fn date(month: u32, day: u32) -> storage::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(2025, month, day).ok_or(storage::Error::NotFound)
}

/// The last day of the quarter's last month.
fn quarter_end(quarter: u32) -> storage::Result<NaiveDate> {
    let next = if quarter == 4 {
        NaiveDate::from_ymd_opt(2026, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(2025, 3 * quarter + 1, 1)
    };
    next.and_then(|first| first.pred_opt())
        .ok_or(storage::Error::NotFound)
}

fn quarter_round(
    conn: &mut DbConn,
    centers: &[(String, UnitId)],
    random: &mut Lcg,
    chosen: &BTreeMap<CaseType, String>,
    plan: RoundPlan<'_>,
) -> storage::Result<History> {
    let actor = Actor {
        user_id: None,
        login: "demo".to_string(),
        client_ip: None,
    };
    let now = storage::now();
    let refused = |error: rounds::AdvanceError| match error {
        rounds::AdvanceError::Storage(error) => error,
        rounds::AdvanceError::Refused(reason) => corrupt(reason),
    };
    // The quarter's registry.
    let records = quarter_records(centers, random, plan.quarter, plan.first_number)?;
    let resolved: Vec<cases::ResolvedCase<'_>> = records
        .iter()
        .map(|record| {
            centers
                .iter()
                .find(|(code, _)| *code == record.unit)
                .map(|(_, unit_id)| cases::ResolvedCase {
                    unit_id: *unit_id,
                    record,
                })
        })
        .collect::<Option<_>>()
        .ok_or(storage::Error::NotFound)?;
    cases::commit(
        conn,
        &actor,
        &format!("{}台账.xlsx", plan.name),
        &resolved,
        now,
        &mut |_| {},
    )?;
    // The round, its frozen sample and its published teams.
    let first_month = 3 * plan.quarter - 2;
    let settings = RoundSettings {
        name: plan.name.to_string(),
        period_start: date(first_month, 1)?,
        period_end: quarter_end(plan.quarter)?,
        rubrics: chosen.clone(),
        combine: CombineSetting::Escalate {
            max_gap: Points::whole(10),
        },
        review_deadline: Some(date(first_month + 3, 25)?),
        rectification_days: 30,
        blind: false,
    };
    let round = rounds::create(conn, &actor, &settings, now)?;
    let round =
        rounds::advance(conn, &actor, round.id, RoundStatus::Sampling, now).map_err(refused)?;
    sampling::save_plan(conn, &actor, round.id, &sampling::default_plan(), now)?;
    sampling::freeze(
        conn,
        &actor,
        &round,
        2025_0000 + u64::from(plan.quarter),
        now,
    )
    .map_err(corrupt)?;
    let round =
        rounds::advance(conn, &actor, round.id, RoundStatus::Teaming, now).map_err(refused)?;
    let options = assignments::Options {
        seed: u64::from(plan.quarter),
        ..Default::default()
    };
    let problem = assignments::build_problem(conn, &round, options)?;
    let assignment = solve(&problem).map_err(corrupt)?;
    let number =
        assignments::store_draft(conn, &actor, round.id, &problem, &assignment, None, now)?;
    assignments::publish(conn, &actor, round.id, number, now)?;
    rounds::advance(conn, &actor, round.id, RoundStatus::Reviewing, now).map_err(refused)?;
    // Every reviewer scores every file given to them.
    let mut added = History::default();
    let mut loaded = BTreeMap::new();
    for (case_type, hash) in chosen {
        loaded.insert(*case_type, (hash.clone(), rubrics::load(conn, hash)?));
    }
    let unit_code = |unit: UnitId| {
        centers
            .iter()
            .find(|(_, id)| *id == unit)
            .map_or("", |(code, _)| code.as_str())
    };
    for placement in &assignment.placements {
        let Some(file) = problem.file(placement.file) else {
            continue;
        };
        let Some((hash, rubric)) = loaded.get(&file.case_type) else {
            continue;
        };
        let Method::Deduction(scheme) = rubric.method() else {
            continue;
        };
        let fixed: Vec<_> = scheme
            .items()
            .filter(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
            .collect();
        let typical = QUALITY
            .iter()
            .find(|(code, _)| *code == unit_code(file.unit))
            .map_or(3, |(_, per_quarter)| per_quarter[plan.quality_index]);
        let lost = (typical + random.below(4))
            .saturating_sub(1)
            .min(fixed.len());
        // Distinct items, the same for every reviewer of the file.
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < lost {
            let index = random.below(fixed.len());
            if !picked.contains(&index) {
                picked.push(index);
            }
        }
        let vetoed = random.below(10) == 0;
        // A second reviewer now and then sees one fault more (a small disagreement that
        // calibration shows, well inside the round's 10-point gap).
        let extra = fixed
            .iter()
            .enumerate()
            .find(|(index, _)| !picked.contains(index))
            .map(|(index, _)| index)
            .filter(|_| random.below(3) == 0);
        for (position, reviewer) in placement.reviewers.iter().enumerate() {
            let mut items: Vec<ItemAnswer> = picked
                .iter()
                .chain(extra.iter().filter(|_| position == 1))
                .filter_map(|index| fixed.get(*index))
                .map(|item| {
                    let offered = suggestions(rubric.id(), &item.code);
                    let reason = offered
                        .get(random.below(offered.len().max(1)))
                        .map_or("卷内未见相关材料", |text| *text);
                    ItemAnswer {
                        code: item.code.clone(),
                        mark: Mark::Applied,
                        reason: reason.to_string(),
                        pages: {
                            let from = u32::try_from(2 + random.below(30)).unwrap_or(2);
                            let to = from + u32::try_from(random.below(3)).unwrap_or(0);
                            crate::domain::citation::PageRange::new(from, to)
                                .map(|range| {
                                    crate::domain::citation::Citation::from_ranges([range])
                                })
                                .unwrap_or_default()
                        },
                    }
                })
                .collect();
            items.sort_by(|left, right| left.code.cmp(&right.code));
            let vetoes = match (vetoed, rubric.vetoes().first()) {
                (true, Some(veto)) => vec![VetoAnswer {
                    code: veto.code.clone(),
                    reason: "卷内结案材料系事后补签".to_string(),
                    pages: crate::domain::citation::Citation::page(1),
                }],
                _ => Vec::new(),
            };
            let answers = SheetAnswers {
                items,
                vetoes,
                ..Default::default()
            };
            let stored =
                sheets::find_or_create(conn, round.id, placement.file, *reviewer, hash, now)?;
            let update = stored
                .sheet
                .apply(
                    stored.sheet.version,
                    SheetAction::Submit {
                        rubric,
                        answers: &answers,
                    },
                    SheetActor {
                        role: Role::Reviewer,
                        is_assigned_reviewer: true,
                        is_team_leader: false,
                    },
                )
                .map_err(corrupt)?;
            let result = score(rubric, &answers).map_err(corrupt)?;
            sheets::save(conn, &actor, &stored, &update, Some(&result), now).map_err(corrupt)?;
            added.sheets += 1;
        }
    }
    // 反馈整改: findings from the sheets, one numbered notice per unit with findings.
    let round =
        rounds::advance(conn, &actor, round.id, RoundStatus::Feedback, now).map_err(refused)?;
    rectification::draft_notices(conn, &actor, &round, now)?;
    let admin = account(conn, "admin")?;
    let bureau = Caller {
        actor: actor_of(&admin),
        scope: UnitScope::All,
        account: admin,
    };
    // Q1's notices went out long ago; Q2's relative to the day the demo is loaded: 23 days ago
    // with 30 days to answer (due within a week), and one center's with 20 (three days overdue).
    let finished = plan.status == RoundStatus::Closed;
    let today = storage::today();
    let issued_on = if finished {
        round.settings.period_end + chrono::Duration::days(40)
    } else {
        today - chrono::Duration::days(23)
    };
    // The notices that have findings on them (a unit whose findings are all minor gets none:
    // its draft stays empty).
    let mut with_findings = Vec::new();
    for notice in rectification::notices(conn, UnitScope::All, Some(round.id))? {
        let on_notice = rectification::list_findings(
            conn,
            UnitScope::All,
            rectification::FindingFilter {
                notice: Some(notice.id),
                ..Default::default()
            },
        )?;
        if !on_notice.is_empty() {
            with_findings.push(notice);
        }
    }
    // The slow unit: the first center on notice whose manager has no demo login of its own
    // (兴庆区 and 金凤区 answer below), 贺兰县 when it is on notice.
    let answering = [
        units::find_by_code(conn, "XQ")?.map(|unit| unit.id),
        units::find_by_code(conn, "JF")?.map(|unit| unit.id),
    ];
    let hl = units::find_by_code(conn, "HL")?.map(|unit| unit.id);
    let slow_unit = with_findings
        .iter()
        .find(|notice| Some(notice.unit_id) == hl)
        .or_else(|| {
            with_findings
                .iter()
                .find(|notice| !answering.contains(&Some(notice.unit_id)))
        })
        .map(|notice| notice.unit_id);
    let mut issued = Vec::new();
    for notice in with_findings {
        let days = if !finished && Some(notice.unit_id) == slow_unit {
            20
        } else {
            30
        };
        rectification::issue(conn, &bureau, notice.id, days, issued_on, now).map_err(corrupt)?;
        added.notices += 1;
        issued.push(notice);
    }
    let notices = issued;
    // The units answer: in Q1 every unit with a manager's login fixes every finding, and the
    // bureau verifies them and closes the notice; in Q2 兴庆区 has handed in its report and
    // 金凤区, when it has a notice, is still working.
    let managers = users::list(conn)?;
    for notice in &notices {
        let login = managers
            .iter()
            .filter(|view| view.account.role == Role::CenterManager)
            .filter(|view| view.account.unit_id == Some(notice.unit_id))
            .map(|view| view.account.login.clone())
            .min_by_key(|login| {
                (
                    !matches!(login.as_str(), "manager" | "manager2"),
                    login.clone(),
                )
            });
        let Some(login) = login else {
            continue;
        };
        if !finished && !matches!(login.as_str(), "manager" | "manager2") {
            continue;
        }
        let manager = account(conn, &login)?;
        let Some(unit) = manager.unit_id else {
            continue;
        };
        let unit_caller = Caller {
            actor: actor_of(&manager),
            scope: UnitScope::Unit(unit),
            account: manager,
        };
        if !finished && login == "manager2" {
            answer_findings(conn, &unit_caller, notice.id, false, now)?;
            continue;
        }
        answer_findings(conn, &unit_caller, notice.id, true, now)?;
        rectification::act_on_notice(
            conn,
            &unit_caller,
            notice.id,
            &Action::Submit,
            Some("已逐项落实整改措施，补齐卷内材料，并组织承办律师专题学习评查标准。"),
            now,
        )
        .map_err(corrupt)?;
        if finished {
            for finding in findings_of(conn, notice.id)? {
                rectification::act_on_finding(
                    conn,
                    &bureau,
                    finding,
                    &Action::Verify { comment: None },
                    now,
                )
                .map_err(corrupt)?;
            }
            rectification::act_on_notice(conn, &bureau, notice.id, &Action::Close, None, now)
                .map_err(corrupt)?;
        }
    }
    if plan.status == RoundStatus::Closed {
        rounds::advance(conn, &actor, round.id, RoundStatus::Closed, now).map_err(refused)?;
    }
    Ok(added)
}

/// The unit writes measures for every finding of its notice and, when `submit`, hands each in.
fn answer_findings(
    conn: &mut DbConn,
    caller: &Caller,
    notice: crate::domain::ids::NoticeId,
    submit: bool,
    now: chrono::NaiveDateTime,
) -> storage::Result<()> {
    for finding in findings_of(conn, notice)? {
        rectification::save_measures(
            conn,
            caller,
            finding,
            "已补齐相关材料并归档，承办律师已书面说明情况。",
            now,
        )
        .map_err(corrupt)?;
        if submit {
            rectification::act_on_finding(conn, caller, finding, &Action::Submit, now)
                .map_err(corrupt)?;
        }
    }
    Ok(())
}

fn findings_of(
    conn: &mut DbConn,
    notice: crate::domain::ids::NoticeId,
) -> storage::Result<Vec<crate::domain::ids::FindingId>> {
    Ok(rectification::list_findings(
        conn,
        UnitScope::All,
        rectification::FindingFilter {
            notice: Some(notice),
            ..Default::default()
        },
    )?
    .into_iter()
    .filter(|stored| stored.state != RectificationState::Draft)
    .map(|stored| stored.finding.id)
    .collect())
}

fn account(conn: &mut DbConn, login: &str) -> storage::Result<Account> {
    users::find_by_login(conn, login)?
        .map(|(account, _)| account)
        .ok_or(storage::Error::NotFound)
}

fn actor_of(account: &Account) -> Actor {
    Actor {
        user_id: Some(account.id),
        login: account.login.clone(),
        client_ip: None,
    }
}
