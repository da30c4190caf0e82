//! Property and example tests of the assignment: hard rules always hold, infeasible rounds are
//! named, a seed fixes the result, and manual changes are re-checked.

use super::random::SplitMix64;
use super::team_cost::{Evaluator, PoolBound, Scratch};
use super::*;
use crate::domain::CaseType;
use crate::domain::ids::{LawFirmId, PersonId, UnitId};
use proptest::prelude::*;
use std::collections::BTreeSet;
use uuid::Uuid;

const NAMES: &[&str] = &[
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨勇", "赵磊", "黄敏",
];

/// A small random round; may well be infeasible, which is part of what is tested.
fn small_instance(seed: u64, reviewers: usize, units: usize, files: usize) -> Problem {
    let mut rng = SplitMix64::new(seed);
    let uuid = |tag: u64, i: usize| Uuid::from_u64_pair(tag, i as u64);
    let units: Vec<InspectedUnit> = (0..units)
        .map(|i| InspectedUnit {
            id: UnitId(uuid(1, i)),
            name: format!("{}号法律援助中心", i + 1),
        })
        .collect();
    let firms: Vec<LawFirmId> = (0..3).map(|i| LawFirmId(uuid(2, i))).collect();
    let reviewers: Vec<Reviewer> = (0..reviewers)
        .map(|i| {
            let mut expertise = BTreeSet::new();
            for case_type in CaseType::ALL {
                if rng.below(2) == 0 {
                    expertise.insert(case_type);
                }
            }
            Reviewer {
                id: PersonId(uuid(3, i)),
                name: NAMES[rng.below(NAMES.len())].to_string(),
                unit: if rng.below(4) == 0 {
                    UnitId(uuid(9, 0))
                } else {
                    units[rng.below(units.len())].id
                },
                law_firm: (rng.below(2) == 0).then(|| firms[rng.below(firms.len())]),
                expertise,
                years_of_practice: rng.below(20) as u32,
                may_lead: rng.below(2) == 0,
                capacity: 2 + rng.below(9) as u32,
                available: rng.below(10) != 0,
            }
        })
        .collect();
    let files: Vec<SampledFile> = (0..files)
        .map(|i| SampledFile {
            id: CaseFileId(uuid(4, i)),
            unit: units[rng.below(units.len())].id,
            case_type: CaseType::ALL[rng.below(3)],
            case_number: format!("援〔2025〕{}号", i + 1),
            handler_name: format!(" {} ", NAMES[rng.below(NAMES.len())]),
            handling_firm: (rng.below(2) == 0).then(|| firms[rng.below(firms.len())]),
            reviewers_needed: [1, 1, 1, 2, 2, 3][rng.below(6)],
        })
        .collect();
    let mut conflicts = Vec::new();
    let mut objections = Vec::new();
    for reviewer in &reviewers {
        match rng.below(8) {
            0 => conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::Unit(units[rng.below(units.len())].id),
            }),
            1 => conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::LawFirm(firms[rng.below(firms.len())]),
            }),
            2 if !files.is_empty() => conflicts.push(Conflict {
                reviewer: reviewer.id,
                with: ConflictWith::CaseFile(files[rng.below(files.len())].id),
            }),
            3 => objections.push(Objection {
                unit: units[rng.below(units.len())].id,
                reviewer: reviewer.id,
            }),
            _ => {}
        }
    }
    let history = vec![PastRound {
        label: "上季度".to_string(),
        visits: units
            .iter()
            .map(|u| PastVisit {
                reviewer: reviewers[rng.below(reviewers.len())].id,
                unit: u.id,
            })
            .collect(),
    }];
    let min = 2 + rng.below(2) as u32;
    Problem {
        reviewers,
        units,
        files,
        conflicts,
        objections,
        history,
        config: AssignmentConfig {
            team_size: TeamSize { min, max: min + 1 },
            effort: SearchEffort {
                steps_per_item: 60,
                max_steps: 2_000,
            },
            seed,
            ..AssignmentConfig::default()
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_returned_assignment_keeps_every_hard_rule(
        seed: u64, reviewers in 6usize..18, units in 1usize..6, files in 0usize..40,
    ) {
        let problem = small_instance(seed, reviewers, units, files);
        match solve(&problem) {
            Ok(assignment) => {
                let breaches = check_assignment(&problem, &assignment);
                prop_assert!(breaches.is_empty(), "{breaches:?}");
                prop_assert_eq!(assignment.placements.len(), problem.files.len());
                let figures = quality(&problem, &assignment);
                prop_assert_eq!(figures.hard_rule_breaches, 0);
            }
            Err(infeasible) => {
                prop_assert!(!infeasible.reasons.is_empty());
                prop_assert!(infeasible.reasons.iter().all(|r| !r.message.is_empty()));
            }
        }
    }

    #[test]
    fn the_same_input_and_seed_give_the_same_assignment(
        seed: u64, reviewers in 6usize..18, units in 1usize..6, files in 0usize..40,
    ) {
        let problem = small_instance(seed, reviewers, units, files);
        prop_assert_eq!(solve(&problem), solve(&problem.clone()));
    }

    #[test]
    fn the_fast_eligibility_test_agrees_with_the_rule(
        seed: u64, reviewers in 1usize..18, units in 1usize..6, files in 1usize..40,
    ) {
        let problem = small_instance(seed, reviewers, units, files);
        let evaluator = Evaluator::new(&problem);
        let index = RecusalIndex::new(&problem);
        for (r, reviewer) in problem.reviewers.iter().enumerate() {
            for (f, file) in problem.files.iter().enumerate() {
                let rule = index.file_recusal(reviewer, file).is_none();
                prop_assert_eq!(evaluator.eligible(r, f), rule);
                prop_assert_eq!(evaluator.check_eligible(r, f), rule);
            }
        }
    }

    #[test]
    fn team_bounds_never_exceed_the_exact_price_and_agree_by_mask(
        seed: u64, reviewers in 6usize..18, units in 1usize..6, files in 0usize..40,
        picks in proptest::collection::vec(0usize..1000, 2..9), mask in 0u32..256,
    ) {
        let problem = small_instance(seed, reviewers, units, files);
        let evaluator = Evaluator::new(&problem);
        let mut pool: Vec<usize> = picks.iter().map(|p| p % problem.reviewers.len()).collect();
        pool.sort_unstable();
        pool.dedup();
        let sides = [vec![0], (1..problem.units.len()).collect::<Vec<_>>()];
        let bounds = PoolBound::new(&evaluator, &pool, [&sides[0], &sides[1]]);
        let everyone = (1u32 << pool.len()) - 1;
        let mut scratch = Scratch::default();
        for (side, taken) in [(0, mask & everyone), (1, everyone & !mask)] {
            let members: Vec<usize> = pool
                .iter()
                .enumerate()
                .filter(|(p, _)| taken & (1 << p) != 0)
                .map(|(_, &m)| m)
                .collect();
            let bound = evaluator.team_bound(&members, &sides[side]);
            // The mask bound leaves the size rule to the caller.
            let size = problem.config.team_size;
            let fits = (size.min as usize..=size.max as usize).contains(&members.len());
            if fits {
                prop_assert_eq!(bounds.bound(&evaluator, side, taken), bound);
            }
            let exact = evaluator.team_cost(&members, &sides[side], &mut scratch, None);
            prop_assert!(bound <= exact.total(), "{bound} > {exact:?}");
        }
    }

    #[test]
    fn manual_changes_are_accepted_only_when_every_rule_still_holds(
        seed: u64, reviewers in 8usize..18, units in 2usize..5, files in 1usize..30,
        picks in proptest::collection::vec((0usize..1000, 0usize..1000, 0usize..4), 1..8),
    ) {
        let problem = small_instance(seed, reviewers, units, files);
        let Ok(mut assignment) = solve(&problem) else { return Ok(()); };
        for (a, b, kind) in picks {
            let someone = |i: usize| problem.reviewers[i % problem.reviewers.len()].id;
            let change = match kind {
                0 => {
                    let placement = &assignment.placements[a % assignment.placements.len()];
                    Change::MoveFile {
                        file: placement.file,
                        from: placement.reviewers[0],
                        to: someone(b),
                    }
                }
                1 => Change::SwapReviewers { first: someone(a), second: someone(b) },
                2 => Change::ReplaceMember { out: someone(a), replacement: someone(b) },
                _ => Change::SetLeader {
                    team: 1 + (a % assignment.teams.len()) as u32,
                    leader: someone(b),
                },
            };
            match check_change(&problem, &assignment, change) {
                Ok(next) => {
                    let breaches = check_assignment(&problem, &next);
                    prop_assert!(breaches.is_empty(), "{change:?} accepted with {breaches:?}");
                    assignment = next;
                }
                Err(breaches) => {
                    prop_assert!(!breaches.is_empty());
                    prop_assert!(breaches.iter().all(|b| !b.message.is_empty()));
                    // Applied anyway (an override), the result really breaks a rule, unless the
                    // change could not be carried out at all.
                    if let Ok(forced) = apply_change(&problem, &assignment, change) {
                        prop_assert!(!check_assignment(&problem, &forced).is_empty());
                    }
                }
            }
        }
    }
}

fn city() -> Problem {
    synthetic_instance(Scale::City, 7)
}

#[test]
fn the_city_round_solves_cleanly_and_the_objective_is_recomputed_the_same() {
    let problem = city();
    let assignment = solve(&problem).expect("city round is feasible");
    assert!(check_assignment(&problem, &assignment).is_empty());
    let figures = quality(&problem, &assignment);
    assert_eq!(figures.hard_rule_breaches, 0);
    assert_eq!(assignment.teams.len(), 12);
    assert!(figures.max_load >= figures.min_load);
    assert_eq!(figures.objective, figures.parts.total);
    let different_seed = Problem {
        config: AssignmentConfig {
            seed: 8,
            ..problem.config.clone()
        },
        ..problem.clone()
    };
    assert!(solve(&different_seed).is_ok());
}

#[test]
fn too_few_leaders_is_named_with_the_numbers() {
    let mut problem = city();
    for reviewer in problem.reviewers.iter_mut().skip(10) {
        reviewer.may_lead = false;
    }
    let leaders = problem.reviewers.iter().filter(|r| r.may_lead).count();
    let error = solve(&problem).unwrap_err();
    let reason = error
        .reasons
        .iter()
        .find(|r| r.rule == Some(Rule::Leader))
        .expect("leader shortfall named");
    assert_eq!(
        reason.message,
        format!("可任组长的评查员 {leaders} 人，需要 12 个组")
    );
    assert_eq!(
        (reason.needed, reason.available),
        (Some(12), Some(leaders as u64))
    );
}

#[test]
fn short_capacity_is_named_with_demand_and_capacity() {
    let mut problem = city();
    for reviewer in &mut problem.reviewers {
        reviewer.capacity = 5;
    }
    let error = solve(&problem).unwrap_err();
    let demand: u64 = problem
        .files
        .iter()
        .map(|f| u64::from(f.reviewers_needed))
        .sum();
    assert!(error.reasons.iter().any(|r| {
        r.message
            .starts_with(&format!("总评查容量不足：需要 {demand} 人次，容量 200（"))
    }));
}

#[test]
fn a_unit_whose_possible_reviewers_are_all_conflicted_is_named() {
    let mut problem = city();
    let unit = problem.units[0].clone();
    // Everyone but one reviewer declares a conflict with the unit; one file needs two.
    let keep = problem
        .reviewers
        .iter()
        .position(|r| r.unit != unit.id)
        .unwrap();
    let declared: Vec<Conflict> = problem
        .reviewers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != keep)
        .map(|(_, r)| Conflict {
            reviewer: r.id,
            with: ConflictWith::Unit(unit.id),
        })
        .collect();
    problem.conflicts.extend(declared);
    let file = problem
        .files
        .iter_mut()
        .find(|f| f.unit == unit.id)
        .unwrap();
    file.reviewers_needed = 2;
    file.case_type = CaseType::Criminal;
    let error = solve(&problem).unwrap_err();
    let reason = error
        .reasons
        .iter()
        .find(|r| r.unit == Some(unit.id) && r.rule == Some(Rule::FileCoverage))
        .expect("unit named");
    assert_eq!(
        reason.message,
        format!(
            "{}：可评查刑事案卷且无回避冲突的评查员不足，需要 2 人，仅有 1 人",
            unit.name
        )
    );
}

#[test]
fn too_few_criminal_experts_is_named() {
    let mut problem = city();
    for reviewer in &mut problem.reviewers {
        reviewer.expertise.remove(&CaseType::Criminal);
    }
    let error = solve(&problem).unwrap_err();
    assert!(
        error
            .reasons
            .iter()
            .any(|r| r.rule == Some(Rule::CriminalExpert)),
        "{error}"
    );
}

#[test]
fn a_move_to_a_reviewer_of_the_files_own_unit_is_refused_and_named() {
    let problem = city();
    let assignment = solve(&problem).unwrap();
    let placement = &assignment.placements[0];
    let file = problem.file(placement.file).unwrap();
    let insider = problem
        .reviewers
        .iter()
        .find(|r| r.unit == file.unit)
        .expect("someone from the unit");
    let change = Change::MoveFile {
        file: file.id,
        from: placement.reviewers[0],
        to: insider.id,
    };
    let breaches = check_change(&problem, &assignment, change).unwrap_err();
    let own = breaches
        .iter()
        .find(|b| b.rule == Rule::OwnUnit)
        .expect("own-unit breach");
    assert_eq!(own.file, Some(file.id));
    assert!(own.message.contains(&insider.name));
    assert!(own.message.contains(&file.case_number));
}

#[test]
fn a_legal_move_inside_a_team_is_accepted_and_the_diff_lists_it() {
    let problem = city();
    let assignment = solve(&problem).unwrap();
    let index = RecusalIndex::new(&problem);
    // Find a file and a team mate who may take it over.
    let found = assignment.placements.iter().find_map(|placement| {
        let file = problem.file(placement.file)?;
        let team = assignment.team_of_unit(file.unit)?;
        let from = placement.reviewers[0];
        let to = team.members.iter().copied().find(|m| {
            let reviewer = problem.reviewer(*m).unwrap();
            !placement.reviewers.contains(m)
                && index.file_recusal(reviewer, file).is_none()
                && assignment.load_of(*m) < reviewer.capacity
                && placement
                    .reviewers
                    .iter()
                    .filter(|r| **r != from)
                    .all(|r| problem.reviewer(*r).unwrap().unit != reviewer.unit)
        })?;
        Some((file.id, from, to))
    });
    let (file, from, to) = found.expect("a legal move exists");
    let next = check_change(&problem, &assignment, Change::MoveFile { file, from, to }).unwrap();
    let changes = diff(&assignment, &next);
    assert!(changes.teams.is_empty());
    assert_eq!(changes.files.len(), 1);
    assert_eq!(changes.files[0].file, file);
    assert!(changes.files[0].after.contains(&to));
    let lines = changes.lines(&problem);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains(problem.reviewer_name(to)));
    assert!(diff(&next, &next).is_empty());
}

#[test]
fn every_placement_and_team_is_explained() {
    let problem = city();
    let assignment = solve(&problem).unwrap();
    let explanation = explain(&problem, &assignment);
    let reviews: usize = assignment
        .placements
        .iter()
        .map(|p| p.reviewers.len())
        .sum();
    assert_eq!(explanation.placements.len(), reviews);
    for placement in &explanation.placements {
        assert!(placement.reasons.iter().any(|r| r == "非本单位"));
        assert!(placement.reasons.iter().any(|r| r.starts_with("负荷 ")));
    }
    assert_eq!(explanation.teams.len(), assignment.teams.len());
    for team in &explanation.teams {
        assert!(
            team.summary
                .starts_with(&format!("第{}组：组长", team.number))
        );
        assert!(team.members.iter().any(|m| m.text.contains("组长")));
    }
}

#[test]
fn double_review_share_doubles_that_share_and_never_lowers_a_major_case() {
    let mut problem = small_instance(3, 10, 3, 40);
    for file in &mut problem.files {
        file.reviewers_needed = 1;
    }
    problem.files[5].reviewers_needed = 3;
    apply_double_review(&mut problem.files, DoubleReview::Share { per_mille: 250 });
    let doubled = problem
        .files
        .iter()
        .filter(|f| f.reviewers_needed == 2)
        .count();
    assert_eq!(problem.files[5].reviewers_needed, 3);
    assert!((9..=10).contains(&doubled), "{doubled}");
    apply_double_review(
        &mut problem.files,
        DoubleReview::AllOfType {
            case_type: CaseType::Criminal,
        },
    );
    assert!(
        problem
            .files
            .iter()
            .filter(|f| f.case_type == CaseType::Criminal)
            .all(|f| f.reviewers_needed >= 2)
    );
}

#[test]
fn names_match_across_blanks() {
    assert!(same_person_name("张 三", " 张三"));
    assert!(!same_person_name("张三", "张三丰"));
}

#[test]
fn a_files_leader_follows_its_placement_not_the_units_coverage() {
    let person = |i: u64| PersonId(Uuid::from_u64_pair(3, i));
    let file = |i: u64| CaseFileId(Uuid::from_u64_pair(4, i));
    let unit = UnitId(Uuid::from_u64_pair(1, 0));
    let team = |number: u32, members: [u64; 3], units: Vec<UnitId>| Team {
        number,
        leader: person(members[0]),
        members: members.iter().map(|&i| person(i)).collect(),
        units,
    };
    let assignment = Assignment {
        seed: 1,
        // Team 1 covers the unit, but an administrator placed file 2 with team 2's people.
        teams: vec![team(1, [1, 2, 3], vec![unit]), team(2, [4, 5, 6], vec![])],
        placements: vec![
            Placement {
                file: file(1),
                reviewers: vec![person(2), person(3)],
            },
            Placement {
                file: file(2),
                reviewers: vec![person(5), person(6)],
            },
            Placement {
                file: file(3),
                reviewers: vec![person(6), person(2)],
            },
        ],
    };
    assert_eq!(assignment.leader_of_file(file(1)), Some(person(1)));
    assert_eq!(assignment.leader_of_file(file(2)), Some(person(4)));
    // Reviewers of two teams: the first reviewer's team.
    assert_eq!(assignment.leader_of_file(file(3)), Some(person(4)));
    assert!(assignment.leads_file(person(4), file(2)));
    assert!(!assignment.leads_file(person(1), file(2)));
    assert_eq!(assignment.leader_of_file(file(9)), None);
}
