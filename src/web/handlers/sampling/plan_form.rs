//! The sampling plan form: what it shows of a plan, and the plan it makes of what was typed.

use crate::domain::CaseType;
use crate::domain::registry::normalize_case_no;
use crate::domain::sampling::{
    CaseKey, RiskWeighting, Rounding, SamplingPlan, Strategy, StratumRule,
};
use crate::domain::text_limits::{TextField, check_all};
use crate::storage::sampling;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The plan as the form shows it: percentages and plain numbers.
#[derive(Serialize)]
pub struct PlanFormView {
    strategy: &'static str,
    is_rate: bool,
    is_quota: bool,
    is_census: bool,
    rate_percent: String,
    min: u32,
    max: String,
    quota_criminal: u32,
    quota_civil: u32,
    quota_administrative: u32,
    exclude_terminated: bool,
    exclude_guilty_plea: bool,
    exclude_reviewed: bool,
    exclude_reviewed_count: usize,
    by_sub_type: bool,
    by_archive_month: bool,
    designated: String,
    risk_multipliers: BTreeMap<String, u32>,
    risk_weighting: bool,
    risk_gain: u32,
    risk_cap: u32,
}

impl From<&SamplingPlan> for PlanFormView {
    fn from(plan: &SamplingPlan) -> Self {
        let (strategy, rate_percent, min, max, quotas) = match &plan.strategy {
            Strategy::Rate { default, .. } => (
                "rate",
                format!("{}", f64::from(default.rate_bp) / 100.0),
                default.min,
                default.max.map(|max| max.to_string()).unwrap_or_default(),
                BTreeMap::new(),
            ),
            Strategy::Quota { per_case_type } => (
                "quota",
                "10".into(),
                1,
                String::new(),
                per_case_type.clone(),
            ),
            Strategy::Census => ("census", "10".into(), 1, String::new(), BTreeMap::new()),
        };
        let weighting = plan.risk_weighting.unwrap_or(RiskWeighting::DEFAULT);
        let quota = |case_type: CaseType| quotas.get(&case_type).copied().unwrap_or(0);
        let designated: Vec<String> = plan
            .designated
            .iter()
            .map(|key| format!("{} {}", key.unit, key.case_no))
            .collect();
        PlanFormView {
            strategy,
            is_rate: strategy == "rate",
            is_quota: strategy == "quota",
            is_census: strategy == "census",
            rate_percent,
            min,
            max,
            quota_criminal: quota(CaseType::Criminal),
            quota_civil: quota(CaseType::Civil),
            quota_administrative: quota(CaseType::Administrative),
            exclude_terminated: plan.exclusions.terminated,
            exclude_guilty_plea: plan.exclusions.guilty_plea,
            exclude_reviewed: !plan.exclusions.reviewed_before.is_empty(),
            exclude_reviewed_count: plan.exclusions.reviewed_before.len(),
            by_sub_type: plan.strata.by_sub_type,
            by_archive_month: plan.strata.by_archive_month,
            designated: designated.join("\n"),
            risk_multipliers: plan.risk_multipliers.clone(),
            risk_weighting: !plan.risk_multipliers.is_empty(),
            risk_gain: weighting.gain_pct,
            risk_cap: weighting.cap_pct,
        }
    }
}

/// The plan form. Checkboxes are absent when unticked.
#[derive(Debug, Deserialize)]
pub struct PlanForm {
    strategy: String,
    #[serde(default)]
    rate_percent: Option<String>,
    #[serde(default)]
    min: Option<String>,
    #[serde(default)]
    max: Option<String>,
    #[serde(default)]
    quota_criminal: Option<String>,
    #[serde(default)]
    quota_civil: Option<String>,
    #[serde(default)]
    quota_administrative: Option<String>,
    #[serde(default)]
    exclude_terminated: Option<String>,
    #[serde(default)]
    exclude_guilty_plea: Option<String>,
    #[serde(default)]
    exclude_reviewed: Option<String>,
    #[serde(default)]
    by_sub_type: Option<String>,
    #[serde(default)]
    by_archive_month: Option<String>,
    #[serde(default)]
    designated: Option<String>,
    #[serde(default)]
    risk_weighting: Option<String>,
    #[serde(default)]
    risk_gain: Option<String>,
    #[serde(default)]
    risk_cap: Option<String>,
}

fn number(label: &str, text: Option<&str>, default: u32) -> Result<u32, String> {
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| format!("“{label}”须为非负整数：{text}")),
    }
}

fn ticked(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1"))
}

impl PlanForm {
    /// Builds the plan, keeping what the form does not show (earlier-round exclusions, risk
    /// multipliers) from the current plan.
    pub fn plan(
        &self,
        current: &SamplingPlan,
        reviewed: BTreeSet<CaseKey>,
        previous: Option<&sampling::PreviousResults>,
    ) -> Result<SamplingPlan, String> {
        let strategy = match self.strategy.as_str() {
            "rate" => {
                let text = self.rate_percent.as_deref().unwrap_or("10").trim();
                let percent: f64 = text
                    .parse()
                    .map_err(|_| format!("“抽查比例”须为百分数：{text}"))?;
                if !(0.0..=100.0).contains(&percent) {
                    return Err(format!("“抽查比例”须在 0 到 100 之间：{text}"));
                }
                let rate_bp = (percent * 100.0).round() as u32;
                let max = match self.max.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(_) => Some(number("最多", self.max.as_deref(), 0)?),
                };
                Strategy::Rate {
                    default: StratumRule {
                        rate_bp,
                        min: number("最少", self.min.as_deref(), 0)?,
                        max,
                    },
                    by_case_type: BTreeMap::new(),
                    rounding: Rounding::Up,
                }
            }
            "quota" => Strategy::Quota {
                per_case_type: BTreeMap::from([
                    (
                        CaseType::Criminal,
                        number("刑事每单位", self.quota_criminal.as_deref(), 0)?,
                    ),
                    (
                        CaseType::Civil,
                        number("民事每单位", self.quota_civil.as_deref(), 0)?,
                    ),
                    (
                        CaseType::Administrative,
                        number("行政每单位", self.quota_administrative.as_deref(), 0)?,
                    ),
                ]),
            },
            "census" => Strategy::Census,
            other => return Err(format!("未知的抽样方式：{other}")),
        };
        let mut designated = BTreeSet::new();
        for (index, line) in self
            .designated
            .as_deref()
            .unwrap_or_default()
            .lines()
            .enumerate()
        {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let Some((unit, case_no)) = line.split_once(char::is_whitespace) else {
                return Err(format!(
                    "指定案号第{}行“{line}”应为“单位代码 案号”",
                    index + 1
                ));
            };
            check_all([(TextField::UnitCode, unit), (TextField::CaseNo, case_no)])
                .map_err(|error| format!("指定案号第{}行：{error}", index + 1))?;
            designated.insert(designated_key(unit, case_no));
        }
        let mut plan = current.clone();
        plan.strategy = strategy;
        plan.exclusions.terminated = ticked(&self.exclude_terminated);
        plan.exclusions.guilty_plea = ticked(&self.exclude_guilty_plea);
        plan.exclusions.reviewed_before = if ticked(&self.exclude_reviewed) {
            reviewed
        } else {
            BTreeSet::new()
        };
        plan.strata.by_sub_type = ticked(&self.by_sub_type);
        plan.strata.by_archive_month = ticked(&self.by_archive_month);
        plan.designated = designated;
        let stored = current.risk_weighting.unwrap_or(RiskWeighting::DEFAULT);
        plan.risk_weighting = None;
        plan.risk_multipliers = if ticked(&self.risk_weighting) {
            let gain = number("加权系数", self.risk_gain.as_deref(), stored.gain_pct)?;
            let cap = number("最高倍数", self.risk_cap.as_deref(), stored.cap_pct)?;
            if gain > 500 {
                return Err(format!("“加权系数”须在 0 到 500 之间：{gain}"));
            }
            if !(100..=500).contains(&cap) {
                return Err(format!("“最高倍数”须在 100 到 500 之间：{cap}"));
            }
            let previous = previous.ok_or_else(|| {
                "没有可用的上一轮评查结果，不能按上轮结果加权（请取消勾选）".to_string()
            })?;
            plan.risk_weighting = Some(RiskWeighting {
                gain_pct: gain,
                cap_pct: cap,
            });
            previous.multipliers(gain, cap)
        } else {
            BTreeMap::new()
        };
        Ok(plan)
    }
}

/// A designated case number (指定案号) as sampling matches it: unit code and normalised number.
pub fn designated_key(unit: &str, case_no: &str) -> CaseKey {
    CaseKey {
        unit: unit.trim().to_string(),
        case_no: normalize_case_no(case_no),
    }
}
