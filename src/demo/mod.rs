//! The demo data set: modelled on the seven legal-aid units of Yinchuan's annual plan (annual
//! case targets 280/270/160/240/150/200/200), with about sixty invented reviewers from those
//! units and a dozen invented law firms, and one demo login per role. Deterministic: the same
//! data every time, so screenshots and walkthroughs match.

use crate::domain::CaseType;
use crate::domain::ids::UnitId;
use crate::domain::people::{Role, UnitKind};
use crate::security;
use crate::storage::audit::Actor;
use crate::storage::{self, DbConn, people, transaction, units, users};
use std::collections::BTreeSet;

pub mod ecf;
pub mod history;
pub mod logins;

pub const DEMO_PASSWORD: &str = "pingcha-demo";

/// (login, what it is) — printed by `pingcha demo` and `serve --demo`.
pub const DEMO_LOGINS: [(&str, &str); 6] = [
    ("admin", "管理员（银川市司法局）"),
    ("leader", "领导（银川市司法局）"),
    ("manager", "中心负责人（兴庆区法律援助中心）"),
    ("manager2", "中心负责人（金凤区法律援助中心）"),
    ("reviewer", "评查员（西夏区法律援助中心）"),
    ("reviewer2", "评查员（灵武市法律援助中心）"),
];

/// (code, name, annual case target)
const CENTERS: [(&str, &str, i32); 7] = [
    ("YC", "银川市法律援助中心", 280),
    ("XQ", "兴庆区法律援助中心", 270),
    ("JF", "金凤区法律援助中心", 160),
    ("XX", "西夏区法律援助中心", 240),
    ("YN", "永宁县法律援助中心", 150),
    ("HL", "贺兰县法律援助中心", 200),
    ("LW", "灵武市法律援助中心", 200),
];

/// (code, name, parent center code)
const OFFICES: [(&str, &str, &str); 3] = [
    ("YN-YH", "永宁县杨和司法所", "YN"),
    ("HL-XG", "贺兰县习岗司法所", "HL"),
    ("LW-CT", "灵武市城区司法所", "LW"),
];

const LAW_FIRMS: [&str; 12] = [
    "宁夏明德律师事务所",
    "宁夏正衡律师事务所",
    "宁夏塞上律师事务所",
    "宁夏贺兰山律师事务所",
    "宁夏凤城律师事务所",
    "宁夏金汇律师事务所",
    "宁夏西夏律师事务所",
    "宁夏黄河律师事务所",
    "宁夏灵州律师事务所",
    "宁夏永信律师事务所",
    "宁夏合正律师事务所",
    "兴庆区新华法律服务所",
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "马", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
    "林", "何", "郭", "罗", "纳", "丁", "欧阳", "司马",
];
const GIVEN: [&str; 30] = [
    "玥", "喆", "堃", "昇", "晓东", "建华", "丽娟", "志强", "海燕", "文博", "静怡", "子涵", "国庆",
    "秀兰", "明轩", "婷婷", "俊杰", "佳琪", "伟", "敏", "磊", "芳", "鹏飞", "晨曦", "雅琴", "宏伟",
    "瑞", "梓萱", "永红", "天佑",
];

/// Causes (案由) typical of each case type, for invented registries.
const CAUSES: [(CaseType, &[&str]); 3] = [
    (
        CaseType::Criminal,
        &[
            "盗窃罪",
            "故意伤害罪",
            "诈骗罪",
            "危险驾驶罪",
            "帮助信息网络犯罪活动罪",
            "寻衅滋事罪",
        ],
    ),
    (
        CaseType::Civil,
        &[
            "劳动争议",
            "追索劳动报酬",
            "机动车交通事故责任纠纷",
            "离婚纠纷",
            "抚养费纠纷",
            "民间借贷纠纷",
        ],
    ),
    (
        CaseType::Administrative,
        &["工伤认定", "行政处罚", "社会保险待遇", "政府信息公开"],
    ),
];

const SUB_TYPES: [(CaseType, &[&str]); 3] = [
    (CaseType::Criminal, &["刑事辩护", "刑事辩护", "刑事代理"]),
    (
        CaseType::Civil,
        &["民事诉讼代理", "劳动仲裁代理", "非诉讼代理"],
    ),
    (CaseType::Administrative, &["行政诉讼代理"]),
];

pub const DEMO_ROUND: &str = "2025年第三季度案卷评查";

/// What `load` created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub units: usize,
    pub people: usize,
    pub law_firms: usize,
}

/// True when no unit and no account exists yet.
pub fn is_empty(conn: &mut DbConn) -> storage::Result<bool> {
    Ok(units::count(conn)? == 0 && users::count(conn)? == 0)
}

/// A small deterministic generator (64-bit LCG), enough to vary invented data.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, bound: usize) -> usize {
        usize::try_from(self.next()).unwrap_or(0) % bound.max(1)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }
}

/// Loads the demo data in one transaction, all of it or none: units, people, accounts and,
/// when the shipped rubrics are installed, a quarter's registry with a round in 抽样.
pub fn load(conn: &mut DbConn) -> storage::Result<Summary> {
    load_with(conn, true)
}

/// The demo units, people and accounts only: tests start from this and build their own rounds.
pub fn load_without_round(conn: &mut DbConn) -> storage::Result<Summary> {
    load_with(conn, false)
}

fn load_with(conn: &mut DbConn, with_round: bool) -> storage::Result<Summary> {
    let now = storage::now();
    let year = chrono::Datelike::year(&now.date());
    let actor = Actor {
        user_id: None,
        login: "demo".to_string(),
        client_ip: None,
    };
    transaction(conn, |conn| {
        let bureau = units::create(
            conn,
            &actor,
            &units::NewUnit {
                code: "YC-SFJ".into(),
                name: "银川市司法局".into(),
                kind: UnitKind::JusticeBureau,
                parent_id: None,
            },
            now,
        )?;
        let mut centers: Vec<(String, UnitId)> = Vec::new();
        for (code, name, target) in CENTERS {
            let unit = units::create(
                conn,
                &actor,
                &units::NewUnit {
                    code: code.into(),
                    name: name.into(),
                    kind: UnitKind::AidCenter,
                    parent_id: Some(bureau.id),
                },
                now,
            )?;
            units::set_target(conn, &actor, unit.id, year, target, now)?;
            centers.push((code.to_string(), unit.id));
        }
        let center_id = |code: &str| {
            centers
                .iter()
                .find(|(candidate, _)| candidate == code)
                .map(|(_, id)| *id)
                .ok_or(storage::Error::NotFound)
        };
        for (code, name, parent) in OFFICES {
            units::create(
                conn,
                &actor,
                &units::NewUnit {
                    code: code.into(),
                    name: name.into(),
                    kind: UnitKind::JusticeOffice,
                    parent_id: Some(center_id(parent)?),
                },
                now,
            )?;
        }
        let mut firm_ids = Vec::new();
        for firm in LAW_FIRMS {
            firm_ids.push(people::law_firm_by_name(conn, firm, now)?);
        }

        let mut random = Lcg(20_250_901);
        let mut person_ids = Vec::new();
        let mut used_names = BTreeSet::new();
        // 8 reviewers per center and 4 from the bureau: 60 in all.
        let mut placements: Vec<UnitId> = Vec::new();
        for (_, id) in &centers {
            placements.extend(std::iter::repeat_n(*id, 8));
        }
        placements.extend(std::iter::repeat_n(bureau.id, 4));
        for (index, unit_id) in placements.into_iter().enumerate() {
            let name = loop {
                let candidate = format!("{}{}", random.pick(&SURNAMES), random.pick(&GIVEN));
                if used_names.insert(candidate.clone()) {
                    break candidate;
                }
            };
            let is_bureau_staff = unit_id == bureau.id;
            let years = u32::try_from(2 + random.below(24)).unwrap_or(2);
            let mut expertise = BTreeSet::new();
            expertise.insert(CaseType::ALL[index % 3]);
            if random.below(3) == 0 {
                expertise.insert(CaseType::ALL[(index + 1) % 3]);
            }
            let law_firm_id = if is_bureau_staff || random.below(5) == 0 {
                None
            } else {
                firm_ids.get(random.below(firm_ids.len())).copied()
            };
            let id = people::create(
                conn,
                &actor,
                &people::NewPerson {
                    name,
                    unit_id,
                    law_firm_id,
                    expertise,
                    years_of_practice: years,
                    may_lead: is_bureau_staff || years >= 12,
                    phone: Some(format!("139{:08}", random.next() % 100_000_000)),
                },
                now,
            )?;
            person_ids.push(id);
        }

        let password_hash = security::hash_password(DEMO_PASSWORD)
            .map_err(|error| storage::Error::Corrupt(error.to_string()))?;
        let reviewer_xx = person_ids.get(3 * 8).copied();
        let reviewer_lw = person_ids.get(6 * 8 + 1).copied();
        let accounts = [
            ("admin", "赵管理", Role::BureauAdmin, None, None),
            ("leader", "马局长", Role::Leader, None, None),
            (
                "manager",
                "兴庆区中心负责人",
                Role::CenterManager,
                Some(center_id("XQ")?),
                None,
            ),
            (
                "manager2",
                "金凤区中心负责人",
                Role::CenterManager,
                Some(center_id("JF")?),
                None,
            ),
            (
                "reviewer",
                "西夏区评查员",
                Role::Reviewer,
                Some(center_id("XX")?),
                reviewer_xx,
            ),
            (
                "reviewer2",
                "灵武市评查员",
                Role::Reviewer,
                Some(center_id("LW")?),
                reviewer_lw,
            ),
        ];
        for (login, display_name, role, unit_id, person_id) in accounts {
            users::create(
                conn,
                &actor,
                &users::NewUser {
                    login: login.into(),
                    display_name: display_name.into(),
                    role,
                    unit_id,
                    person_id,
                    password_hash: password_hash.clone(),
                },
                now,
            )?;
        }
        if with_round {
            load_round(conn, &actor, &centers, &mut random, now)?;
        }
        Ok(Summary {
            units: 1 + CENTERS.len() + OFFICES.len(),
            people: person_ids.len(),
            law_firms: firm_ids.len(),
        })
    })
}

/// A quarter's closed cases for every center (a quarter of its annual target) and a round in
/// 抽样 over them, when the shipped rubrics are installed; otherwise nothing.
fn load_round(
    conn: &mut DbConn,
    actor: &Actor,
    centers: &[(String, UnitId)],
    random: &mut Lcg,
    now: chrono::NaiveDateTime,
) -> storage::Result<()> {
    use crate::domain::round::{CombineSetting, RoundSettings, RoundStatus};
    use crate::domain::rubric::Points;
    use crate::storage::{cases, rounds};
    let Some(chosen) = demo_rubrics(conn)? else {
        return Ok(());
    };
    let date = |month: u32, day: u32| {
        chrono::NaiveDate::from_ymd_opt(2025, month, day).ok_or(storage::Error::NotFound)
    };
    let records = quarter_records(centers, random, 3, 0)?;
    let resolved: Vec<cases::ResolvedCase<'_>> = records
        .iter()
        .map(|record| {
            let unit_id = centers
                .iter()
                .find(|(code, _)| *code == record.unit)
                .map(|(_, id)| *id);
            unit_id.map(|unit_id| cases::ResolvedCase { unit_id, record })
        })
        .collect::<Option<_>>()
        .ok_or(storage::Error::NotFound)?;
    cases::commit(conn, actor, "演示台账.xlsx", &resolved, now, &mut |_| {})?;
    ecf::attach_quarter(conn, actor, date(7, 1)?, date(9, 30)?, now)?;
    let settings = RoundSettings {
        name: DEMO_ROUND.to_string(),
        period_start: date(7, 1)?,
        period_end: date(9, 30)?,
        rubrics: chosen,
        combine: CombineSetting::Escalate {
            max_gap: Points::whole(10),
        },
        review_deadline: Some(date(10, 31)?),
        rectification_days: 30,
        blind: false,
    };
    let round = rounds::create(conn, actor, &settings, now)?;
    rounds::advance(conn, actor, round.id, RoundStatus::Sampling, now).map_err(
        |error| match error {
            rounds::AdvanceError::Storage(error) => error,
            rounds::AdvanceError::Refused(reason) => storage::Error::Corrupt(reason.to_string()),
        },
    )?;
    Ok(())
}

/// Takes the demo round from 抽样 into 评查, as an administrator would: the sample drawn with
/// `plan` frozen, teams formed with `options` (team sizes, capacity, double review) and
/// published.
/// The demo `reviewer` login is then moved onto a civil file wherever the assignment rules
/// allow it (`check_change`), so that login has a score sheet to fill in. Returns the round
/// and that file.
pub fn start_review(
    conn: &mut DbConn,
    plan: &crate::domain::sampling::SamplingPlan,
    options: crate::storage::assignments::Options,
) -> storage::Result<(crate::domain::ids::RoundId, crate::domain::ids::CaseFileId)> {
    use crate::domain::assignment::{Change, check_change, solve};
    use crate::domain::round::RoundStatus;
    use crate::storage::{assignments, rounds, sampling};
    let now = storage::now();
    let actor = Actor {
        user_id: None,
        login: "demo".to_string(),
        client_ip: None,
    };
    let refused = |error: rounds::AdvanceError| match error {
        rounds::AdvanceError::Storage(error) => error,
        rounds::AdvanceError::Refused(reason) => storage::Error::Corrupt(reason.to_string()),
    };
    let round = rounds::find_by_id_or_name(conn, DEMO_ROUND)?;
    sampling::save_plan(conn, &actor, round.id, plan, now)?;
    sampling::freeze(conn, &actor, &round, 2025, now)
        .map_err(|error| storage::Error::Corrupt(format!("{error:?}")))?;
    let round =
        rounds::advance(conn, &actor, round.id, RoundStatus::Teaming, now).map_err(refused)?;
    let problem = assignments::build_problem(conn, &round, options)?;
    let mut assignment =
        solve(&problem).map_err(|error| storage::Error::Corrupt(format!("{error:?}")))?;
    let person = users::find_by_login(conn, "reviewer")?
        .and_then(|(user, _)| user.person_id)
        .ok_or(storage::Error::NotFound)?;
    let is_civil = |file| {
        problem
            .file(file)
            .is_some_and(|file| file.case_type == CaseType::Civil)
    };
    let mut chosen = assignment
        .placements
        .iter()
        .find(|placement| placement.reviewers.contains(&person) && is_civil(placement.file))
        .map(|placement| placement.file);
    if chosen.is_none() {
        for placement in &assignment.placements {
            let civil = is_civil(placement.file);
            let Some(from) = placement.reviewers.first().copied() else {
                continue;
            };
            if !civil {
                continue;
            }
            let change = Change::MoveFile {
                file: placement.file,
                from,
                to: person,
            };
            if let Ok(next) = check_change(&problem, &assignment, change) {
                chosen = Some(placement.file);
                assignment = next;
                break;
            }
        }
    }
    // Full to capacity, or in no team at all: the demo reviewer takes the place of a reviewer
    // of a civil file (teams, leadership and files), under the same hard rules.
    if chosen.is_none() {
        'search: for placement in &assignment.placements {
            if !is_civil(placement.file) {
                continue;
            }
            for other in &placement.reviewers {
                let changes = [
                    Change::ReplaceMember {
                        out: *other,
                        replacement: person,
                    },
                    Change::SwapReviewers {
                        first: person,
                        second: *other,
                    },
                ];
                for change in changes {
                    if let Ok(next) = check_change(&problem, &assignment, change) {
                        chosen = Some(placement.file);
                        assignment = next;
                        break 'search;
                    }
                }
            }
        }
    }
    let file = chosen.ok_or(storage::Error::NotFound)?;
    let number =
        assignments::store_draft(conn, &actor, round.id, &problem, &assignment, None, now)?;
    assignments::publish(conn, &actor, round.id, number, now)?;
    rounds::advance(conn, &actor, round.id, RoundStatus::Reviewing, now).map_err(refused)?;
    Ok((round.id, file))
}

/// A quarter's closed cases of 2025 for every center (a quarter of its annual target), numbered
/// from `first_number + 1` per center.
fn quarter_records(
    centers: &[(String, UnitId)],
    random: &mut Lcg,
    quarter: u32,
    first_number: i32,
) -> storage::Result<Vec<crate::domain::registry::CaseRecord>> {
    use crate::domain::registry::CaseRecord;
    let date = |month: u32, day: u32| {
        chrono::NaiveDate::from_ymd_opt(2025, month, day).ok_or(storage::Error::NotFound)
    };
    let first_month = 3 * quarter - 2;
    let mut records = Vec::new();
    for ((code, _), (_, _, target)) in centers.iter().zip(CENTERS) {
        for index in 0..(target / 4) {
            let case_type = match random.below(10) {
                0..=3 => CaseType::Criminal,
                4..=8 => CaseType::Civil,
                _ => CaseType::Administrative,
            };
            let causes = CAUSES
                .iter()
                .find(|(kind, _)| *kind == case_type)
                .map(|(_, causes)| *causes)
                .unwrap_or_default();
            let sub_types = SUB_TYPES
                .iter()
                .find(|(kind, _)| *kind == case_type)
                .map(|(_, subs)| *subs)
                .unwrap_or_default();
            let closed_month = first_month + u32::try_from(random.below(3)).unwrap_or(0);
            let closed_day = 1 + u32::try_from(random.below(28)).unwrap_or(0);
            let assigned = date(
                closed_month.saturating_sub(2).max(1),
                1 + u32::try_from(random.below(28)).unwrap_or(0),
            )?;
            let closed = date(closed_month, closed_day)?;
            let archived =
                closed + chrono::Duration::days(i64::try_from(5 + random.below(40)).unwrap_or(10));
            let prefix = match case_type {
                CaseType::Criminal => "刑援",
                CaseType::Civil => "民援",
                CaseType::Administrative => "行援",
            };
            records.push(CaseRecord {
                unit: code.clone(),
                case_no: format!(
                    "(2025)银{code}{prefix}字第{:03}号",
                    first_number + index + 1
                ),
                recipient: format!("{}{}", random.pick(&SURNAMES), random.pick(&GIVEN)),
                recipient_id_no: Some(format!(
                    "6401{:02}19{:02}{:02}{:02}{:03}{}",
                    10 + random.below(90),
                    60 + random.below(40),
                    1 + random.below(12),
                    1 + random.below(28),
                    random.below(1000),
                    random.below(10)
                )),
                recipient_phone: Some(format!(
                    "13{}{:08}",
                    random.below(10),
                    random.next() % 100_000_000
                )),
                handler: format!("{}{}", random.pick(&SURNAMES), random.pick(&GIVEN)),
                firm: random.pick(&LAW_FIRMS).to_string(),
                case_type,
                sub_type: Some(random.pick(sub_types).to_string()),
                cause: random.pick(causes).to_string(),
                applied_at: None,
                assigned_at: Some(assigned),
                closed_at: closed,
                archived_at: Some(archived),
                terminated: random.below(40) == 0,
                guilty_plea: case_type == CaseType::Criminal && random.below(3) == 0,
                notified_defense: case_type == CaseType::Criminal && random.below(2) == 0,
            });
        }
    }
    Ok(records)
}

/// The newest installed deduction rubric of each case type; `None` unless all three exist
/// (the shipped rubrics are installed).
fn demo_rubrics(
    conn: &mut DbConn,
) -> storage::Result<Option<std::collections::BTreeMap<CaseType, String>>> {
    let snapshots = crate::storage::rubrics::list(conn)?;
    let mut chosen = std::collections::BTreeMap::new();
    for case_type in CaseType::ALL {
        let current = snapshots.iter().find(|snapshot| {
            snapshot.method == "deduction"
                && snapshot
                    .case_types
                    .split(',')
                    .any(|code| code == case_type.code())
        });
        if let Some(snapshot) = current {
            chosen.insert(case_type, snapshot.content_hash.clone());
        }
    }
    Ok((chosen.len() == CaseType::ALL.len()).then_some(chosen))
}
