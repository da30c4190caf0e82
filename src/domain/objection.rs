//! Objections (异议/申辩) to a deduction or a 一票否决 on a unit's own file, and the
//! borderline second review: the per-round settings, the objection window counted in working
//! days, who may file and who may decide, the states 待处理 → 维持 / 变更 / 撤销, what a decided
//! objection does to a reviewer's score, and which totals lie near a grade boundary.

use crate::domain::ids::UnitId;
use crate::domain::rubric::{DeductionScheme, Points, Rubric};
use crate::domain::scoring::{ExplanationLine, ScoreResult};
use crate::domain::text_limits::{TextError, TextField};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::Serialize;
use std::str::FromStr;

/// Working days a unit has to object, counted from the round's move to 反馈整改.
pub const DEFAULT_OBJECTION_DAYS: u32 = 5;
/// How near a grade boundary a total must lie to be sent to a second reviewer.
pub const DEFAULT_BORDERLINE_POINTS: Points = Points::whole(3);

/// A round's objection and borderline settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ObjectionSettings {
    /// Working days (Saturdays and Sundays are not counted).
    pub objection_days: u32,
    /// Whether files near a grade boundary, and failed files, get a second reviewer.
    pub borderline_review: bool,
    pub borderline_points: Points,
}

impl Default for ObjectionSettings {
    fn default() -> Self {
        ObjectionSettings {
            objection_days: DEFAULT_OBJECTION_DAYS,
            borderline_review: false,
            borderline_points: DEFAULT_BORDERLINE_POINTS,
        }
    }
}

/// A mistake in the settings, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ObjectionSettingsError {
    #[error("异议期限须为 1 至 60 个工作日")]
    Days,
    #[error("临界分差须为 0 至 20 分")]
    Borderline,
}

impl ObjectionSettings {
    pub fn check(&self) -> Result<(), ObjectionSettingsError> {
        if !(1..=60).contains(&self.objection_days) {
            return Err(ObjectionSettingsError::Days);
        }
        if self.borderline_points < Points::ZERO || self.borderline_points > Points::whole(20) {
            return Err(ObjectionSettingsError::Borderline);
        }
        Ok(())
    }
}

/// Saturday and Sunday are not working days. Public holidays are not known here.
pub fn is_working_day(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The `days`-th working day after `start` (the start day itself is not counted): 5 working
/// days from a Monday end on the next Monday, from a Friday on the next Friday. `None` only
/// past chrono's last date.
pub fn add_working_days(start: NaiveDate, days: u32) -> Option<NaiveDate> {
    let mut date = start;
    let mut left = days;
    while left > 0 {
        date = date.checked_add_days(Days::new(1))?;
        if is_working_day(date) {
            left -= 1;
        }
    }
    Some(date)
}

/// Working days after `today` up to and including `due`: 0 on the due day, negative days
/// (calendar) once it has passed.
pub fn working_days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    if today > due {
        return -due.signed_duration_since(today).num_days().abs();
    }
    let mut count = 0;
    let mut date = today;
    while date < due {
        let Some(next) = date.succ_opt() else { break };
        date = next;
        if is_working_day(date) {
            count += 1;
        }
    }
    count
}

/// What an objection is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Points taken off an item.
    Deduction,
    /// A 一票否决.
    Veto,
}

impl TargetKind {
    pub fn code(self) -> &'static str {
        match self {
            TargetKind::Deduction => "deduction",
            TargetKind::Veto => "veto",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TargetKind::Deduction => "扣分",
            TargetKind::Veto => "一票否决",
        }
    }
}

impl FromStr for TargetKind {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "deduction" => Ok(TargetKind::Deduction),
            "veto" => Ok(TargetKind::Veto),
            other => Err(format!("未知的异议对象：{other}")),
        }
    }
}

/// Where an objection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionState {
    /// 待处理
    Pending,
    /// 维持: the deduction stands.
    Upheld,
    /// 变更: the deduction is lowered to new points.
    Changed,
    /// 撤销: the deduction (or veto) is removed.
    Withdrawn,
}

impl ObjectionState {
    pub const ALL: [ObjectionState; 4] = [
        ObjectionState::Pending,
        ObjectionState::Upheld,
        ObjectionState::Changed,
        ObjectionState::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ObjectionState::Pending => "pending",
            ObjectionState::Upheld => "upheld",
            ObjectionState::Changed => "changed",
            ObjectionState::Withdrawn => "withdrawn",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ObjectionState::Pending => "待处理",
            ObjectionState::Upheld => "维持",
            ObjectionState::Changed => "变更",
            ObjectionState::Withdrawn => "撤销",
        }
    }

    pub fn is_open(self) -> bool {
        self == ObjectionState::Pending
    }
}

display_by_label!(ObjectionState);

impl FromStr for ObjectionState {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ObjectionState::ALL
            .into_iter()
            .find(|state| state.code() == text || state.label() == text)
            .ok_or_else(|| format!("未知的异议状态：{text}"))
    }
}

/// What the caller knows when a unit files an objection.
#[derive(Debug, Clone, Copy)]
pub struct Filing<'a> {
    /// The filing center manager's unit; `None` for any other role.
    pub caller_unit: Option<UnitId>,
    pub file_unit: UnitId,
    /// Whether the round is in 反馈整改.
    pub in_feedback: bool,
    /// The last day of the window (see [`add_working_days`]).
    pub due: Option<NaiveDate>,
    pub today: NaiveDate,
    /// `None` when the finding is not a reviewer's deduction or veto (e.g. added by hand).
    pub target: Option<TargetKind>,
    /// Whether the file's sheets carrying the item are submitted (or final).
    pub on_submitted_sheet: bool,
    /// The item's existing objection, if any.
    pub existing: Option<ObjectionState>,
    pub reason: &'a str,
}

/// Why an objection cannot be filed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilingError {
    #[error("只有被检查单位的中心负责人可以提出异议")]
    NotAManager,
    #[error("只能对本单位的案卷提出异议")]
    OtherUnit,
    #[error("本轮尚未进入“反馈整改”，不能提出异议")]
    NotInFeedback,
    #[error("异议期限已过：应在 {due} 之前（含当日）提出")]
    Late { due: NaiveDate },
    #[error("只能对评查员的扣分或一票否决项提出异议")]
    NotADeduction,
    #[error("该项目所在的评分表尚未提交，不能提出异议")]
    NotSubmitted,
    #[error("该项目已有待处理的异议")]
    AlreadyOpen,
    #[error("该项目的异议已裁决（{0}），不能再次提出")]
    AlreadyDecided(ObjectionState),
    #[error("请填写异议理由")]
    ReasonRequired,
    #[error("{0}")]
    Text(TextError),
}

/// The filing rules: a center manager, own unit only, in 反馈整改 and within the window, on a
/// reviewer's deduction or veto of a submitted sheet, one objection per item, with a reason.
pub fn check_filing(filing: &Filing<'_>) -> Result<TargetKind, FilingError> {
    let unit = filing.caller_unit.ok_or(FilingError::NotAManager)?;
    if unit != filing.file_unit {
        return Err(FilingError::OtherUnit);
    }
    if !filing.in_feedback {
        return Err(FilingError::NotInFeedback);
    }
    let due = filing.due.ok_or(FilingError::NotInFeedback)?;
    if filing.today > due {
        return Err(FilingError::Late { due });
    }
    let target = filing.target.ok_or(FilingError::NotADeduction)?;
    if !filing.on_submitted_sheet {
        return Err(FilingError::NotSubmitted);
    }
    match filing.existing {
        Some(ObjectionState::Pending) => return Err(FilingError::AlreadyOpen),
        Some(decided) => return Err(FilingError::AlreadyDecided(decided)),
        None => {}
    }
    if filing.reason.trim().is_empty() {
        return Err(FilingError::ReasonRequired);
    }
    TextField::ObjectionReason
        .check(filing.reason)
        .map_err(FilingError::Text)?;
    Ok(target)
}

/// Who may decide an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider {
    pub is_admin: bool,
    /// Leads the file's team (`Assignment::leads_file`).
    pub is_team_leader: bool,
    /// Sits on the panel named for the round.
    pub on_named_panel: bool,
}

/// With a panel named for the round only its members decide; otherwise the team leader of
/// the file's team and the administrators.
pub fn may_decide(decider: Decider, round_has_named_panel: bool) -> bool {
    if round_has_named_panel {
        decider.on_named_panel
    } else {
        decider.is_admin || decider.is_team_leader
    }
}

/// The role in which an account decided an objection, as the inspected unit of a blind
/// round reads it: roles, never people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeciderRole {
    Admin,
    NamedPanel,
    TeamLeader,
    /// The account no longer exists.
    Unknown,
}

impl DeciderRole {
    pub fn label(self) -> &'static str {
        match self {
            DeciderRole::Admin => "司法局管理员",
            DeciderRole::NamedPanel => "异议复核小组成员",
            DeciderRole::TeamLeader => "评查组组长",
            DeciderRole::Unknown => "异议裁决人",
        }
    }
}

/// What the caller may do on an objection's page; the page's buttons are drawn from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ObjectionActions {
    /// Decide (维持 / 变更 / 撤销).
    pub decide: bool,
}

/// The actions an objection in `state` allows a caller who `may_decide` it (see
/// [`may_decide`]), in a round of `round` status: deciding needs a pending objection and a
/// round that still takes decisions.
pub fn allowed_actions(
    state: ObjectionState,
    may_decide: bool,
    round: crate::domain::round::RoundStatus,
) -> ObjectionActions {
    use crate::domain::round_actions::{RoundAction, check};
    ObjectionActions {
        decide: may_decide && state.is_open() && check(round, RoundAction::DecideObjection).is_ok(),
    }
}

/// The panel's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Uphold,
    Change { new_points: Points },
    Withdraw,
}

impl Decision {
    pub fn state(&self) -> ObjectionState {
        match self {
            Decision::Uphold => ObjectionState::Upheld,
            Decision::Change { .. } => ObjectionState::Changed,
            Decision::Withdraw => ObjectionState::Withdrawn,
        }
    }

    /// The deduction after the decision (a withdrawn one is 0); `None` when it stands.
    pub fn new_points(&self) -> Option<Points> {
        match self {
            Decision::Uphold => None,
            Decision::Change { new_points } => Some(*new_points),
            Decision::Withdraw => Some(Points::ZERO),
        }
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("您不是该异议的处理人（组长、管理员或本轮指定的异议处理小组成员）")]
    NotOnPanel,
    #[error("该异议已裁决（{0}）")]
    AlreadyDecided(ObjectionState),
    #[error("请填写裁决理由")]
    ReasonRequired,
    #[error("一票否决只能维持或撤销，不能变更分值")]
    VetoHasNoPoints,
    #[error("变更后的扣分须低于原扣分 {old} 分且不小于 0（撤销请选择“撤销”）")]
    PointsOutOfRange { old: Points },
    #[error("{0}")]
    Text(TextError),
}

/// Checks a decision on an objection in `state` about a `target` whose deduction was `old`.
pub fn check_decision(
    state: ObjectionState,
    target: TargetKind,
    old: Points,
    decision: &Decision,
    reason: &str,
) -> Result<ObjectionState, DecisionError> {
    if !state.is_open() {
        return Err(DecisionError::AlreadyDecided(state));
    }
    if reason.trim().is_empty() {
        return Err(DecisionError::ReasonRequired);
    }
    TextField::DecisionReason
        .check(reason)
        .map_err(DecisionError::Text)?;
    if let Decision::Change { new_points } = decision {
        if target == TargetKind::Veto {
            return Err(DecisionError::VetoHasNoPoints);
        }
        if *new_points < Points::ZERO || *new_points >= old {
            return Err(DecisionError::PointsOutOfRange { old });
        }
    }
    Ok(decision.state())
}

/// A decided objection as it bears on every reviewer's sheet of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjustment {
    pub target: TargetKind,
    pub code: String,
    /// The deduction the objection was about (as the finding recorded it).
    pub old_points: Points,
    /// The most the item may now take off (0 when withdrawn); ignored for a veto.
    pub new_points: Points,
}

/// A reviewer's score with the decided objections applied: an item's deduction is lowered to
/// at most the decided points (a reviewer who took off less keeps their figure), a withdrawn
/// veto no longer fails the file, and the total and grade are worked out again by the rubric's
/// bands exactly as the engine does (rescaled when items were not applicable). Indicator
/// rubrics have no points: only a withdrawn veto changes anything there.
pub fn adjust(rubric: &Rubric, result: &ScoreResult, adjustments: &[Adjustment]) -> ScoreResult {
    let mut adjusted = result.clone();
    for adjustment in adjustments {
        match adjustment.target {
            TargetKind::Veto => {
                adjusted.vetoes.retain(|veto| veto.code != adjustment.code);
                adjusted.explanation.lines.retain(
                    |line| !matches!(line, ExplanationLine::Veto { code, .. } if *code == adjustment.code),
                );
            }
            TargetKind::Deduction => {
                let crate::domain::rubric::Method::Deduction(scheme) = rubric.method() else {
                    continue;
                };
                lower_item(scheme, &mut adjusted, adjustment);
            }
        }
    }
    if let crate::domain::rubric::Method::Deduction(scheme) = rubric.method() {
        let possible: Points = adjusted.sections.iter().map(|s| s.applicable_max).sum();
        let earned: Points = adjusted.sections.iter().map(|s| s.earned).sum();
        let total = if possible == Points::HUNDRED || possible <= Points::ZERO {
            earned
        } else {
            Points::HUNDRED.ratio_of(earned, possible).unwrap_or(earned)
        };
        if !adjusted.sections.is_empty() {
            adjusted.total = Some(total);
        }
        if adjusted.vetoes.is_empty()
            && let Some(total) = adjusted.total
        {
            adjusted.grade = scheme.band_for(total).grade.clone();
        }
    } else if adjusted.vetoes.is_empty() && !result.vetoes.is_empty() {
        // The reviewer's own overall grade stands once the veto is gone.
        adjusted.grade = result.grade.clone();
    }
    adjusted
}

fn lower_item(scheme: &DeductionScheme, result: &mut ScoreResult, adjustment: &Adjustment) {
    let Some(section_code) = scheme
        .sections
        .iter()
        .find(|section| {
            section
                .items
                .iter()
                .any(|item| item.code == adjustment.code)
        })
        .map(|section| section.code.clone())
    else {
        return;
    };
    let mut given_back = Points::ZERO;
    for line in &mut result.explanation.lines {
        if let ExplanationLine::Deduction { item, points, .. } = line
            && *item == adjustment.code
            && *points > adjustment.new_points
        {
            given_back = given_back + (*points - adjustment.new_points.max(Points::ZERO));
            *points = adjustment.new_points.max(Points::ZERO);
        }
    }
    if let Some(section) = result
        .sections
        .iter_mut()
        .find(|section| section.code == section_code)
    {
        section.earned = (section.earned + given_back).min(section.applicable_max);
    }
}

/// Why a file goes to a second reviewer, if it does: a failing grade, or a total within
/// `margin` of a band's lower bound (other than 0).
pub fn borderline_reason(
    scheme: &DeductionScheme,
    total: Points,
    fails: bool,
    margin: Points,
) -> Option<String> {
    if fails {
        return Some("初评结果为不合格".to_string());
    }
    scheme
        .bands
        .iter()
        .filter(|band| band.min > Points::ZERO)
        .map(|band| band.min)
        .find(|boundary| {
            let gap = if total >= *boundary {
                total - *boundary
            } else {
                *boundary - total
            };
            gap <= margin
        })
        .map(|boundary| format!("初评总分 {total} 分，距等次分界 {boundary} 分不超过 {margin} 分"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deciding_needs_a_pending_objection_a_decider_and_the_feedback_stage() {
        use crate::domain::round::RoundStatus;
        let decide = |state, may, round| {
            allowed_actions(state, may, round) == ObjectionActions { decide: true }
        };
        assert!(decide(ObjectionState::Pending, true, RoundStatus::Feedback));
        assert!(!decide(
            ObjectionState::Pending,
            false,
            RoundStatus::Feedback
        ));
        assert!(!decide(
            ObjectionState::Withdrawn,
            true,
            RoundStatus::Feedback
        ));
        assert!(!decide(ObjectionState::Pending, true, RoundStatus::Closed));
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2025-01-06 is a Monday.
        assert_eq!(
            add_working_days(date("2025-01-06"), 5),
            Some(date("2025-01-13"))
        );
        // From a Friday: Mon..Fri of the next week.
        assert_eq!(
            add_working_days(date("2025-01-10"), 5),
            Some(date("2025-01-17"))
        );
        // From a Saturday: the weekend does not count.
        assert_eq!(
            add_working_days(date("2025-01-11"), 1),
            Some(date("2025-01-13"))
        );
        assert_eq!(
            add_working_days(date("2025-01-11"), 0),
            Some(date("2025-01-11"))
        );
        assert_eq!(working_days_left(date("2025-01-13"), date("2025-01-10")), 1);
        assert_eq!(working_days_left(date("2025-01-13"), date("2025-01-13")), 0);
        assert_eq!(
            working_days_left(date("2025-01-13"), date("2025-01-15")),
            -2
        );
    }

    proptest! {
        #[test]
        fn the_due_day_is_a_working_day_and_exactly_n_working_days_later(
            offset in 0u64..2000, days in 1u32..30,
        ) {
            let start = date("2020-01-01").checked_add_days(Days::new(offset)).unwrap();
            let due = add_working_days(start, days).unwrap();
            prop_assert!(is_working_day(due));
            prop_assert!(due > start);
            let mut count = 0;
            let mut d = start;
            while d < due {
                d = d.succ_opt().unwrap();
                if is_working_day(d) { count += 1; }
            }
            prop_assert_eq!(count, days);
            prop_assert_eq!(working_days_left(due, start), i64::from(days));
            // Never more than days + 2 weekends per week of calendar time.
            prop_assert!(due.signed_duration_since(start).num_days() <= i64::from(days) / 5 * 7 + 7);
        }

        #[test]
        fn filing_is_refused_after_the_due_date_with_the_date(
            late in 1u64..40, days in 1u32..20,
        ) {
            let unit = UnitId(uuid::Uuid::nil());
            let due = add_working_days(date("2025-03-03"), days).unwrap();
            let today = due.checked_add_days(Days::new(late)).unwrap();
            let filing = Filing {
                caller_unit: Some(unit), file_unit: unit, in_feedback: true, due: Some(due),
                today, target: Some(TargetKind::Deduction), on_submitted_sheet: true,
                existing: None, reason: "有会见笔录",
            };
            let error = check_filing(&filing).unwrap_err();
            prop_assert!(error.to_string().contains(&due.to_string()));
            prop_assert_eq!(check_filing(&Filing { today: due, ..filing }), Ok(TargetKind::Deduction));
        }

        #[test]
        fn a_change_only_lowers_and_never_below_zero(old in 1i32..300, new in -50i32..400) {
            let result = check_decision(
                ObjectionState::Pending, TargetKind::Deduction, Points::from_tenths(old),
                &Decision::Change { new_points: Points::from_tenths(new) }, "理由",
            );
            prop_assert_eq!(result.is_ok(), (0..old).contains(&new));
        }
    }

    #[test]
    fn filing_rules_name_the_fault() {
        let own = UnitId(uuid::Uuid::from_u128(1));
        let other = UnitId(uuid::Uuid::from_u128(2));
        let base = Filing {
            caller_unit: Some(own),
            file_unit: own,
            in_feedback: true,
            due: Some(date("2025-03-10")),
            today: date("2025-03-05"),
            target: Some(TargetKind::Veto),
            on_submitted_sheet: true,
            existing: None,
            reason: "理由",
        };
        assert_eq!(check_filing(&base), Ok(TargetKind::Veto));
        let cases = [
            (
                Filing {
                    caller_unit: None,
                    ..base
                },
                FilingError::NotAManager,
            ),
            (
                Filing {
                    file_unit: other,
                    ..base
                },
                FilingError::OtherUnit,
            ),
            (
                Filing {
                    in_feedback: false,
                    ..base
                },
                FilingError::NotInFeedback,
            ),
            (
                Filing {
                    target: None,
                    ..base
                },
                FilingError::NotADeduction,
            ),
            (
                Filing {
                    on_submitted_sheet: false,
                    ..base
                },
                FilingError::NotSubmitted,
            ),
            (
                Filing {
                    existing: Some(ObjectionState::Pending),
                    ..base
                },
                FilingError::AlreadyOpen,
            ),
            (
                Filing {
                    existing: Some(ObjectionState::Upheld),
                    ..base
                },
                FilingError::AlreadyDecided(ObjectionState::Upheld),
            ),
            (
                Filing {
                    reason: "  ",
                    ..base
                },
                FilingError::ReasonRequired,
            ),
        ];
        for (filing, expected) in cases {
            assert_eq!(check_filing(&filing), Err(expected));
        }
    }

    #[test]
    fn the_panel_decides() {
        let admin = Decider {
            is_admin: true,
            is_team_leader: false,
            on_named_panel: false,
        };
        let leader = Decider {
            is_admin: false,
            is_team_leader: true,
            on_named_panel: false,
        };
        let member = Decider {
            is_admin: false,
            is_team_leader: false,
            on_named_panel: true,
        };
        let nobody = Decider {
            is_admin: false,
            is_team_leader: false,
            on_named_panel: false,
        };
        assert!(may_decide(admin, false) && may_decide(leader, false));
        assert!(!may_decide(member, false) && !may_decide(nobody, false));
        assert!(may_decide(member, true));
        assert!(!may_decide(admin, true) && !may_decide(leader, true));
    }

    #[test]
    fn decisions_need_a_reason_and_a_pending_objection() {
        let old = Points::whole(3);
        let pending = ObjectionState::Pending;
        let deduction = TargetKind::Deduction;
        assert_eq!(
            check_decision(pending, deduction, old, &Decision::Uphold, " "),
            Err(DecisionError::ReasonRequired)
        );
        assert_eq!(
            check_decision(
                ObjectionState::Changed,
                deduction,
                old,
                &Decision::Withdraw,
                "x"
            ),
            Err(DecisionError::AlreadyDecided(ObjectionState::Changed))
        );
        assert_eq!(
            check_decision(
                pending,
                TargetKind::Veto,
                Points::ZERO,
                &Decision::Change {
                    new_points: Points::ZERO
                },
                "x"
            ),
            Err(DecisionError::VetoHasNoPoints)
        );
        assert_eq!(
            check_decision(
                pending,
                TargetKind::Veto,
                Points::ZERO,
                &Decision::Withdraw,
                "x"
            ),
            Ok(ObjectionState::Withdrawn)
        );
    }

    fn civil() -> Rubric {
        crate::domain::rubric::parse_rubric(
            "civil.toml",
            include_str!("../../scoring-rubrics/civil.toml"),
        )
        .unwrap()
    }

    fn scheme(rubric: &Rubric) -> &DeductionScheme {
        match rubric.method() {
            crate::domain::rubric::Method::Deduction(scheme) => scheme,
            _ => panic!("deduction rubric expected"),
        }
    }

    proptest! {
        /// Lowering one deduction gives back exactly the points lowered (on a 100-point
        /// sheet), re-grades by the bands, and never lowers the total; a withdrawn veto lets
        /// the band decide the grade.
        #[test]
        fn adjusting_matches_scoring_the_lowered_answers(pick in 0usize..100, new_tenths in 0i32..50, veto in any::<bool>()) {
            use crate::domain::rubric::DeductionRule;
            use crate::domain::scoring::{ItemAnswer, Mark, SheetAnswers, VetoAnswer, score};
            let rubric = civil();
            let free: Vec<_> = scheme(&rubric).items()
                .filter(|item| matches!(item.deduction, DeductionRule::Free))
                .collect();
            prop_assume!(!free.is_empty());
            let item = free[pick % free.len()];
            let old = item.max;
            let new = Points::from_tenths(new_tenths).min(old);
            let mut answers = SheetAnswers {
                items: vec![ItemAnswer { code: item.code.clone(), mark: Mark::Points(old), reason: "缺".into(), pages: crate::domain::citation::Citation::default() }],
                ..Default::default()
            };
            if veto {
                answers.vetoes.push(VetoAnswer { code: rubric.vetoes()[0].code.clone(), reason: "无".into(), pages: crate::domain::citation::Citation::default() });
            }
            let before = score(&rubric, &answers).unwrap();
            let mut adjustments = vec![Adjustment { target: TargetKind::Deduction, code: item.code.clone(), old_points: old, new_points: new }];
            if veto {
                adjustments.push(Adjustment { target: TargetKind::Veto, code: rubric.vetoes()[0].code.clone(), old_points: Points::ZERO, new_points: Points::ZERO });
            }
            let after = adjust(&rubric, &before, &adjustments);
            answers.items[0].mark = Mark::Points(new);
            answers.vetoes.clear();
            let expected = score(&rubric, &answers).unwrap();
            prop_assert_eq!(after.total, expected.total);
            prop_assert_eq!(&after.grade, &expected.grade);
            prop_assert!(after.vetoes.is_empty());
            prop_assert!(after.total >= before.total);
        }
    }

    #[test]
    fn borderline_means_near_a_band_boundary_or_failing() {
        let rubric = civil();
        let scheme = scheme(&rubric);
        let three = Points::whole(3);
        assert!(borderline_reason(scheme, Points::whole(88), false, three).is_some());
        assert!(borderline_reason(scheme, Points::whole(92), false, three).is_some());
        assert!(borderline_reason(scheme, Points::whole(62), false, three).is_some());
        assert!(borderline_reason(scheme, Points::whole(70), false, three).is_none());
        assert!(borderline_reason(scheme, Points::whole(97), false, three).is_none());
        assert!(borderline_reason(scheme, Points::whole(97), true, three).is_some());
        assert!(borderline_reason(scheme, Points::whole(40), false, three).is_none());
    }
}
