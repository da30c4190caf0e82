//! Seeded synthetic rounds at three scales for the benchmark, the example report and the
//! property tests; nothing here is committed data, only a recipe.

use super::model::{
    AssignmentConfig, CaseFileId, Conflict, ConflictWith, DoubleReview, InspectedUnit, Objection,
    PastRound, PastVisit, Problem, Reviewer, SampledFile, TeamSize, apply_double_review,
};
use super::random::SplitMix64;
use crate::domain::CaseType;
use crate::domain::ids::{LawFirmId, PersonId, UnitId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The scales of issue 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 40 reviewers, 12 teams, 12 units, 300 files (Mianyang 2023 in size).
    City,
    /// 1,000 reviewers, 150 units, 5,000 files.
    Province,
    /// 5,000 reviewers, 3,000 units, 50,000 files.
    Nation,
}

/// Size of a generated round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    pub reviewers: usize,
    pub units: usize,
    pub files: usize,
    pub team_count: Option<u32>,
    pub capacity: (u32, u32),
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::City, Scale::Province, Scale::Nation];

    pub fn code(self) -> &'static str {
        match self {
            Scale::City => "city",
            Scale::Province => "province",
            Scale::Nation => "nation",
        }
    }

    pub fn shape(self) -> Shape {
        match self {
            Scale::City => Shape {
                reviewers: 40,
                units: 12,
                files: 300,
                team_count: Some(12),
                capacity: (9, 15),
            },
            Scale::Province => Shape {
                reviewers: 1_000,
                units: 150,
                files: 5_000,
                team_count: None,
                capacity: (8, 16),
            },
            Scale::Nation => Shape {
                reviewers: 5_000,
                units: 3_000,
                files: 50_000,
                team_count: None,
                capacity: (10, 20),
            },
        }
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗",
];
const GIVEN: &[&str] = &[
    "建华", "秀英", "志强", "丽娟", "海燕", "国庆", "晓明", "玉兰", "文博", "子涵", "雅静", "浩然",
    "思远", "春梅", "永刚", "立新", "红霞", "德明", "佳怡", "宇轩", "俊杰", "桂芳", "振华", "欣怡",
];
const PLACES: &[&str] = &[
    "兴庆区",
    "金凤区",
    "西夏区",
    "永宁县",
    "贺兰县",
    "灵武市",
    "涪城区",
    "游仙区",
    "安州区",
    "江油市",
    "三台县",
    "盐亭县",
];

fn id(tag: u64, counter: usize) -> Uuid {
    Uuid::from_u64_pair(tag, counter as u64)
}

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> Option<&'a T> {
    items.get(rng.below(items.len()))
}

fn chance(rng: &mut SplitMix64, per_mille: usize) -> bool {
    rng.below(1000) < per_mille
}

fn person_name(rng: &mut SplitMix64) -> String {
    let surname = pick(rng, SURNAMES).copied().unwrap_or("王");
    let given = pick(rng, GIVEN).copied().unwrap_or("明");
    format!("{surname}{given}")
}

/// A feasible round of the given scale; the same scale and seed give the same round.
pub fn synthetic_instance(scale: Scale, seed: u64) -> Problem {
    let shape = scale.shape();
    let mut rng = SplitMix64::new(seed ^ 0x5EED_0FC0_FFEE);
    let units: Vec<InspectedUnit> = (0..shape.units)
        .map(|i| {
            let place = PLACES.get(i % PLACES.len()).copied().unwrap_or("某县");
            let round = i / PLACES.len();
            let name = if round == 0 {
                format!("{place}法律援助中心")
            } else {
                format!("{place}第{}法律援助工作站", round + 1)
            };
            InspectedUnit {
                id: UnitId(id(1, i)),
                name,
            }
        })
        .collect();
    // Reviewers from units that are not inspected (bar associations, other regions).
    let outside: Vec<UnitId> = (0..shape.units.div_ceil(4).max(2))
        .map(|i| UnitId(id(2, i)))
        .collect();
    let firms: Vec<LawFirmId> = (0..shape.reviewers.div_ceil(3))
        .map(|i| LawFirmId(id(3, i)))
        .collect();

    let mut reviewers: Vec<Reviewer> = (0..shape.reviewers)
        .map(|i| {
            let unit = if chance(&mut rng, 700) {
                pick(&mut rng, &units).map(|u| u.id)
            } else {
                pick(&mut rng, &outside).copied()
            }
            .unwrap_or(UnitId(id(2, 0)));
            let law_firm = if chance(&mut rng, 700) {
                pick(&mut rng, &firms).copied()
            } else {
                None
            };
            let mut expertise = BTreeSet::new();
            for (case_type, per_mille) in [
                (CaseType::Criminal, 550),
                (CaseType::Civil, 650),
                (CaseType::Administrative, 200),
            ] {
                if chance(&mut rng, per_mille) {
                    expertise.insert(case_type);
                }
            }
            if expertise.is_empty() {
                expertise.insert(CaseType::Civil);
            }
            let (low, high) = shape.capacity;
            Reviewer {
                id: PersonId(id(4, i)),
                name: person_name(&mut rng),
                unit,
                law_firm,
                expertise,
                years_of_practice: 3 + u32::try_from(rng.below(28)).unwrap_or(0),
                may_lead: chance(&mut rng, 350),
                capacity: low + u32::try_from(rng.below((high - low + 1) as usize)).unwrap_or(0),
                available: scale == Scale::City || chance(&mut rng, 970),
            }
        })
        .collect();
    ensure_leaders_and_experts(&mut reviewers, &shape);

    // Files: units of uneven size (0.7–1.3 of the mean), types roughly as in practice.
    let weights: Vec<usize> = (0..shape.units).map(|_| 70 + rng.below(61)).collect();
    let weight_sum: usize = weights.iter().sum::<usize>().max(1);
    let mut files = Vec::with_capacity(shape.files);
    let mut cumulative = 0usize;
    for (position, unit) in units.iter().enumerate() {
        let before = shape.files * cumulative / weight_sum;
        cumulative += weights.get(position).copied().unwrap_or(100);
        let count = shape.files * cumulative / weight_sum - before;
        for serial in 0..count {
            let roll = rng.below(100);
            let case_type = if roll < 50 {
                CaseType::Criminal
            } else if roll < 92 {
                CaseType::Civil
            } else {
                CaseType::Administrative
            };
            // Some handlers sit in the reviewer pool, so own-case recusal is exercised.
            let handler_name = if chance(&mut rng, 100) {
                pick(&mut rng, &reviewers).map_or_else(String::new, |r| r.name.clone())
            } else {
                person_name(&mut rng)
            };
            let handling_firm = if chance(&mut rng, 800) {
                pick(&mut rng, &firms).copied()
            } else {
                None
            };
            let index = files.len();
            files.push(SampledFile {
                id: CaseFileId(id(5, index)),
                unit: unit.id,
                case_type,
                case_number: format!(
                    "{}援〔2025〕{}号",
                    unit.name.chars().next().unwrap_or('某'),
                    serial + 1
                ),
                handler_name,
                handling_firm,
                reviewers_needed: if chance(&mut rng, 10) { 3 } else { 1 },
            });
        }
    }
    apply_double_review(&mut files, DoubleReview::Share { per_mille: 150 });

    let mut conflicts = Vec::new();
    for reviewer in &reviewers {
        if chance(&mut rng, 20)
            && let Some(unit) = pick(&mut rng, &units)
        {
            conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::Unit(unit.id),
            });
        }
        if chance(&mut rng, 10)
            && let Some(firm) = pick(&mut rng, &firms)
        {
            conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::LawFirm(*firm),
            });
        }
        if chance(&mut rng, 10)
            && let Some(file) = pick(&mut rng, &files)
        {
            conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::CaseFile(file.id),
            });
        }
    }
    let objections: Vec<Objection> = (0..shape.units.div_ceil(10))
        .filter_map(|_| {
            let unit = pick(&mut rng, &units)?.id;
            let reviewer = pick(&mut rng, &reviewers)?.id;
            Some(Objection { unit, reviewer })
        })
        .collect();
    let history: Vec<PastRound> = ["2025年第二季度", "2025年第一季度"]
        .iter()
        .map(|label| PastRound {
            label: (*label).to_string(),
            visits: units
                .iter()
                .flat_map(|unit| {
                    (0..3)
                        .filter_map(|_| {
                            Some(PastVisit {
                                reviewer: pick(&mut rng, &reviewers)?.id,
                                unit: unit.id,
                            })
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        })
        .collect();

    Problem {
        reviewers,
        units,
        files,
        conflicts,
        objections,
        history,
        config: AssignmentConfig {
            team_size: TeamSize { min: 3, max: 4 },
            team_count: shape.team_count,
            seed,
            ..AssignmentConfig::default()
        },
    }
}

/// Makes enough available reviewers leaders and criminal experts for the teams the round needs
/// (the most senior first), so every generated round is feasible.
fn ensure_leaders_and_experts(reviewers: &mut [Reviewer], shape: &Shape) {
    let available = reviewers.iter().filter(|r| r.available).count();
    let teams = shape
        .team_count
        .map_or_else(|| shape.units.min(available / 3), |t| t as usize);
    let wanted = teams + teams / 5;
    let mut by_seniority: Vec<usize> = (0..reviewers.len()).collect();
    by_seniority
        .sort_by_key(|&i| std::cmp::Reverse(reviewers.get(i).map_or(0, |r| r.years_of_practice)));
    promote(
        reviewers,
        &by_seniority,
        wanted,
        |r| r.may_lead,
        |r| {
            r.may_lead = true;
        },
    );
    promote(
        reviewers,
        &by_seniority,
        wanted,
        |r| r.expertise.contains(&CaseType::Criminal),
        |r| {
            r.expertise.insert(CaseType::Criminal);
        },
    );
}

fn promote(
    reviewers: &mut [Reviewer],
    order: &[usize],
    target: usize,
    has: fn(&Reviewer) -> bool,
    grant: fn(&mut Reviewer),
) {
    let mut count = reviewers.iter().filter(|r| r.available && has(r)).count();
    for &i in order {
        if count >= target {
            break;
        }
        if let Some(reviewer) = reviewers.get_mut(i)
            && reviewer.available
            && !has(reviewer)
        {
            grant(reviewer);
            count += 1;
        }
    }
}
