//! Sampling tests: determinism, the plan's guarantees (proptest), inclusion frequencies over
//! many seeds, and golden values that pin the generator and the algorithm.

use super::Strategy;
use super::*;
use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest};
use proptest::strategy::Strategy as _;

fn candidate(id: u32, unit: &str, case_type: CaseType) -> Candidate<u32> {
    Candidate {
        id,
        unit: unit.to_string(),
        case_no: format!("法援{id:05}号"),
        case_type,
        sub_type: None,
        archive_month: None,
        terminated: false,
        guilty_plea: false,
    }
}

fn rate_plan(rate_bp: u32, min: u32, max: Option<u32>) -> SamplingPlan {
    SamplingPlan {
        strata: Stratification::default(),
        strategy: Strategy::Rate {
            default: StratumRule { rate_bp, min, max },
            by_case_type: BTreeMap::new(),
            rounding: Rounding::Up,
        },
        exclusions: Exclusions::default(),
        designated: BTreeSet::new(),
        risk_multipliers: BTreeMap::new(),
        risk_weighting: None,
    }
}

fn key(unit: &str, id: u32) -> CaseKey {
    CaseKey {
        unit: unit.to_string(),
        case_no: format!("法援{id:05}号"),
    }
}

fn ids(sample: &Sample<u32>) -> Vec<u32> {
    let mut ids: Vec<u32> = sample.selected_ids().copied().collect();
    ids.sort_unstable();
    ids
}

#[test]
fn chacha8_output_is_pinned() {
    let mut rng = ChaCha8Rng::from_seed([7; 32]);
    assert_eq!(rng.next_u64(), 0x391e_bc3f_59cb_d0e4);
    let stratum = StratumRef {
        unit: "兴庆区",
        case_type: CaseType::Criminal,
        sub_type: None,
        archive_month: None,
    };
    let mut rng = ChaCha8Rng::from_seed(stratum.stream_seed(42));
    let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(first, GOLDEN_STREAM);
}

const GOLDEN_STREAM: [u64; 3] = [
    13_656_854_368_861_874_296,
    14_687_491_653_694_911_645,
    274_640_460_798_833_291,
];

#[test]
fn a_fixed_draw_is_pinned() {
    let candidates: Vec<Candidate<u32>> = (0..40)
        .map(|id| candidate(id, if id % 2 == 0 { "甲" } else { "乙" }, CaseType::Civil))
        .collect();
    let sample = draw(&rate_plan(1000, 1, None), &candidates, 20250701).unwrap();
    assert_eq!(ids(&sample), GOLDEN_DRAW);
    assert_eq!(sample.proof.selection_sha256, GOLDEN_SELECTION);
}

const GOLDEN_DRAW: [u32; 4] = [2, 5, 28, 29];
const GOLDEN_SELECTION: &str = "7c97b7e0cd8cb6220a10e07f8fd90918ba0b1f246c6688b1dd23e7e72eee3e55";

#[test]
fn targets_follow_rate_rounding_min_max_and_designated() {
    let candidates: Vec<Candidate<u32>> = (0..45)
        .map(|id| candidate(id, "甲", CaseType::Civil))
        .collect();
    let target = |plan: &SamplingPlan| draw(plan, &candidates, 1).unwrap().strata[0].target;
    assert_eq!(target(&rate_plan(1000, 0, None)), 5); // 4.5 up
    let mut plan = rate_plan(1000, 0, None);
    if let Strategy::Rate { rounding, .. } = &mut plan.strategy {
        *rounding = Rounding::Down;
    }
    assert_eq!(target(&plan), 4);
    assert_eq!(target(&rate_plan(1000, 8, None)), 8);
    assert_eq!(target(&rate_plan(5000, 0, Some(10))), 10);
    assert_eq!(target(&rate_plan(1000, 100, None)), 45);
    let mut plan = rate_plan(1000, 0, Some(2));
    plan.designated = (0..3).map(|id| key("甲", id)).collect();
    let sample = draw(&plan, &candidates, 1).unwrap();
    let stratum = &sample.strata[0];
    assert_eq!(stratum.target, 3);
    assert!(stratum.reason.raised_to_designated);
    assert_eq!(ids(&sample), vec![0, 1, 2]);
    assert_eq!(
        stratum.reason.to_string(),
        "45 × 10% = 4.5，向上取整为 5；不超过最高数 2，取 2；含指定案号 3 件，目标提高到 3"
    );
    let mut plan = rate_plan(1000, 0, None);
    plan.risk_multipliers.insert("甲".to_string(), 150);
    assert_eq!(target(&plan), 7); // 45 × 10% × 1.5 = 6.75 up
}

#[test]
fn quota_census_and_exclusions() {
    let mut candidates: Vec<Candidate<u32>> = (0..30)
        .map(|id| {
            let case_type = if id < 20 {
                CaseType::Civil
            } else {
                CaseType::Criminal
            };
            candidate(id, "甲", case_type)
        })
        .collect();
    for candidate in candidates.iter_mut().take(5) {
        candidate.terminated = true;
    }
    candidates[20].guilty_plea = true;
    let mut plan = rate_plan(0, 0, None);
    plan.strategy = Strategy::Quota {
        per_case_type: BTreeMap::from([(CaseType::Civil, 2), (CaseType::Criminal, 1)]),
    };
    plan.exclusions = Exclusions {
        terminated: true,
        guilty_plea: true,
        reviewed_before: BTreeSet::from([key("甲", 6)]),
    };
    plan.designated = BTreeSet::from([key("甲", 0), key("丙", 99)]);
    let sample = draw(&plan, &candidates, 9).unwrap();
    let civil = sample
        .strata
        .iter()
        .find(|s| s.key.case_type == CaseType::Civil)
        .unwrap();
    assert_eq!(civil.excluded.terminated, 4); // id 0 is designated, so drawn anyway
    assert_eq!(civil.excluded.reviewed_before, 1);
    assert_eq!(civil.population, 15);
    assert_eq!(civil.selected.len(), 2);
    assert!(
        civil
            .selected
            .iter()
            .any(|pick| pick.id == 0 && pick.designated)
    );
    assert!(
        civil
            .selected
            .iter()
            .all(|pick| pick.id == 0 || pick.id > 6)
    );
    let criminal = sample
        .strata
        .iter()
        .find(|s| s.key.case_type == CaseType::Criminal)
        .unwrap();
    assert_eq!(criminal.excluded.guilty_plea, 1);
    assert_eq!(criminal.selected.len(), 1);
    assert_eq!(sample.unmatched_designated, vec![key("丙", 99)]);

    plan.strategy = Strategy::Census;
    let sample = draw(&plan, &candidates, 9).unwrap();
    assert_eq!(sample.selected_count(), 15 + 9);
}

#[test]
fn verify_detects_hand_picked_files_and_bad_input() {
    let candidates: Vec<Candidate<u32>> = (0..100)
        .map(|id| candidate(id, "甲", CaseType::Civil))
        .collect();
    let plan = rate_plan(1000, 0, None);
    let sample = draw(&plan, &candidates, 5).unwrap();
    let stored = ids(&sample);
    assert!(matches!(
        verify(&plan, &candidates, 5, &stored).unwrap(),
        VerifyOutcome::Matches { .. }
    ));
    let mut swapped = stored.clone();
    let outsider = (0..100).find(|id| !stored.contains(id)).unwrap();
    swapped[0] = outsider;
    let VerifyOutcome::Differs {
        missing,
        unexpected,
        ..
    } = verify(&plan, &candidates, 5, &swapped).unwrap()
    else {
        panic!("a swapped file must be caught");
    };
    assert_eq!(missing, vec![stored[0]]);
    assert_eq!(unexpected, vec![outsider]);
    assert!(matches!(
        verify(&plan, &candidates, 6, &stored).unwrap(),
        VerifyOutcome::Differs { .. }
    ));

    let mut duplicated = candidates.clone();
    duplicated.push(candidate(3, "甲", CaseType::Civil));
    assert!(matches!(
        draw(&plan, &duplicated, 5),
        Err(SamplingError::DuplicateCase { .. })
    ));
    assert!(matches!(
        draw(&rate_plan(10_001, 0, None), &candidates, 5),
        Err(SamplingError::RateAboveFull { .. })
    ));
    assert!(matches!(
        draw(&rate_plan(100, 5, Some(4)), &candidates, 5),
        Err(SamplingError::MinAboveMax { .. })
    ));
}

#[test]
fn risk_multiplier_formula() {
    assert_eq!(risk_multiplier(0, 0, 100, 200), 100);
    assert_eq!(risk_multiplier(2, 10, 100, 200), 120);
    assert_eq!(risk_multiplier(1, 3, 100, 200), 133);
    assert_eq!(risk_multiplier(9, 10, 200, 250), 250);
}

#[test]
fn stratification_by_sub_type_and_month_splits_strata() {
    let mut candidates: Vec<Candidate<u32>> = (0..12)
        .map(|id| candidate(id, "甲", CaseType::Civil))
        .collect();
    for (index, candidate) in candidates.iter_mut().enumerate() {
        candidate.sub_type = Some(
            if index % 2 == 0 {
                "劳动仲裁"
            } else {
                "诉讼代理"
            }
            .to_string(),
        );
        candidate.archive_month = Some(YearMonth {
            year: 2025,
            month: 1 + (index % 3) as u32,
        });
    }
    let mut plan = rate_plan(1000, 1, None);
    plan.strata = Stratification {
        by_sub_type: true,
        by_archive_month: false,
    };
    assert_eq!(draw(&plan, &candidates, 1).unwrap().strata.len(), 2);
    plan.strata = Stratification {
        by_sub_type: true,
        by_archive_month: true,
    };
    let sample = draw(&plan, &candidates, 1).unwrap();
    assert_eq!(sample.strata.len(), 6);
    assert_eq!(
        sample.strata[0].key.to_string(),
        "甲 · 民事 · 劳动仲裁 · 2025-01"
    );
}

/// Every non-designated eligible file of a stratum is drawn with probability k / m. Over 2,000
/// seeds each file's count is Binomial(2000, k/m); allow 5 standard deviations (the chance
/// that any of the 200 files strays that far by luck is below 1e-4).
#[test]
fn inclusion_frequencies_match_the_plan() {
    let mut candidates: Vec<Candidate<u32>> = Vec::new();
    for id in 0..200 {
        let (unit, case_type) = match id % 4 {
            0 => ("甲", CaseType::Civil),
            1 => ("甲", CaseType::Criminal),
            2 => ("乙", CaseType::Civil),
            _ => ("乙", CaseType::Administrative),
        };
        candidates.push(candidate(id, unit, case_type));
    }
    let mut plan = rate_plan(1000, 0, None);
    if let Strategy::Rate { by_case_type, .. } = &mut plan.strategy {
        by_case_type.insert(
            CaseType::Criminal,
            StratumRule {
                rate_bp: 3000,
                min: 0,
                max: None,
            },
        );
    }
    plan.designated = BTreeSet::from([key("甲", 0)]);
    let seeds = 2000u32;
    let mut counts = vec![0u32; 200];
    for seed in 0..seeds {
        for id in draw(&plan, &candidates, u64::from(seed))
            .unwrap()
            .selected_ids()
        {
            counts[*id as usize] += 1;
        }
    }
    assert_eq!(counts[0], seeds);
    for (id, count) in counts.iter().enumerate().skip(1) {
        // 50 files per stratum: civil 10 % → 5 drawn (甲 civil: 1 designated + 4 of 49),
        // criminal 30 % → 15.
        let probability = match id % 4 {
            0 => 4.0 / 49.0,
            1 => 15.0 / 50.0,
            _ => 5.0 / 50.0,
        };
        let mean = f64::from(seeds) * probability;
        let sd = (f64::from(seeds) * probability * (1.0 - probability)).sqrt();
        assert!(
            (f64::from(*count) - mean).abs() <= 5.0 * sd,
            "file {id}: {count} draws, expected {mean:.0} ± {sd:.1}"
        );
    }
    let total: u32 = counts.iter().sum();
    assert_eq!(total, seeds * (5 + 15 + 5 + 5));
}

fn arbitrary_candidates() -> impl proptest::strategy::Strategy<Value = Vec<Candidate<u32>>> {
    prop::collection::vec((0..4usize, 0..3usize, any::<bool>(), any::<bool>()), 0..120).prop_map(
        |rows| {
            rows.into_iter()
                .enumerate()
                .map(|(id, (unit, case_type, terminated, guilty_plea))| {
                    let mut candidate = candidate(
                        id as u32,
                        ["甲", "乙", "丙", "丁"][unit],
                        CaseType::ALL[case_type],
                    );
                    candidate.terminated = terminated;
                    candidate.guilty_plea = guilty_plea;
                    candidate
                })
                .collect()
        },
    )
}

proptest! {
    #[test]
    fn input_order_never_matters(
        candidates in arbitrary_candidates(),
        seed in any::<u64>(),
        rotation in any::<usize>(),
    ) {
        let plan = rate_plan(2500, 1, Some(6));
        let first = draw(&plan, &candidates, seed).unwrap();
        let mut reordered = candidates.clone();
        reordered.reverse();
        if !reordered.is_empty() {
            let len = reordered.len();
            reordered.rotate_left(rotation % len);
        }
        let second = draw(&plan, &reordered, seed).unwrap();
        prop_assert_eq!(&first, &second);
        prop_assert_eq!(draw(&plan, &candidates, seed).unwrap(), first);
    }

    #[test]
    fn plan_guarantees_hold(
        candidates in arbitrary_candidates(),
        seed in any::<u64>(),
        rate_bp in 0..=10_000u32,
        min in 0..5u32,
        extra in 0..10u32,
        designated_ids in prop::collection::btree_set(0..120u32, 0..6),
        exclude_terminated in any::<bool>(),
        exclude_plea in any::<bool>(),
    ) {
        let mut plan = rate_plan(rate_bp, min, Some(min + extra));
        plan.exclusions.terminated = exclude_terminated;
        plan.exclusions.guilty_plea = exclude_plea;
        plan.designated = designated_ids
            .iter()
            .filter_map(|id| candidates.get(*id as usize))
            .map(|candidate| CaseKey { unit: candidate.unit.clone(), case_no: candidate.case_no.clone() })
            .collect();
        let sample = draw(&plan, &candidates, seed).unwrap();
        let by_id = |id: u32| &candidates[id as usize];
        for stratum in &sample.strata {
            let designated = stratum.selected.iter().filter(|pick| pick.designated).count();
            prop_assert_eq!(designated, stratum.reason.designated);
            prop_assert_eq!(stratum.selected.len(), stratum.target);
            prop_assert!(stratum.target <= stratum.population);
            prop_assert!(stratum.target <= (min + extra) as usize || stratum.target == designated);
            prop_assert!(stratum.target >= (min as usize).min(stratum.population));
            for pick in &stratum.selected {
                let candidate = by_id(pick.id);
                prop_assert_eq!(&candidate.unit, &stratum.key.unit);
                prop_assert_eq!(candidate.case_type, stratum.key.case_type);
                if !pick.designated {
                    prop_assert!(!(exclude_terminated && candidate.terminated));
                    prop_assert!(!(exclude_plea && candidate.guilty_plea));
                }
            }
        }
        let selected: BTreeSet<u32> = sample.selected_ids().copied().collect();
        prop_assert_eq!(selected.len(), sample.selected_count());
        for key in &plan.designated {
            let found = candidates.iter().find(|c| c.unit == key.unit && c.case_no == key.case_no).unwrap();
            prop_assert!(selected.contains(&found.id));
        }
    }

    #[test]
    fn partial_shuffle_is_a_permutation(len in 0..200usize, count in 0..250usize, seed in any::<u64>()) {
        let mut items: Vec<usize> = (0..len).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        partial_shuffle(&mut items, count, &mut rng);
        items.sort_unstable();
        prop_assert_eq!(items, (0..len).collect::<Vec<_>>());
    }
}
