//! Findings (问题): the problems a review found, each tied to a case file, a rubric item, the
//! unit, the handling lawyer and the law firm. Grouped per unit, per lawyer and per rubric item,
//! ranked into typical problems for bulletins, and selected for a unit's rectification notice.

use crate::domain::CaseType;
use crate::domain::ids::{CaseFileId, FindingId, RoundId, UnitId};
use crate::domain::rubric::{GradeLevel, Points};
use crate::domain::scoring::{ExplanationLine, ScoreResult};
use crate::domain::text_limits::{TextError, TextField, check_all};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// Where a finding came from. Deductions and vetoes come from score sheets; the others are
/// written by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingSource {
    /// 扣分: a deduction with its reason on a score sheet.
    Deduction,
    /// 一票否决: a veto item found in the file.
    Veto,
    /// 组长补充: added by the team leader (组长) of the round.
    AddedByTeamLeader,
    /// 管理员补充: added by the bureau administrator.
    AddedByAdmin,
}

impl FindingSource {
    pub const ALL: [FindingSource; 4] = [
        FindingSource::Deduction,
        FindingSource::Veto,
        FindingSource::AddedByTeamLeader,
        FindingSource::AddedByAdmin,
    ];

    /// The stable identifier stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            FindingSource::Deduction => "deduction",
            FindingSource::Veto => "veto",
            FindingSource::AddedByTeamLeader => "added_by_team_leader",
            FindingSource::AddedByAdmin => "added_by_admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FindingSource::Deduction => "扣分",
            FindingSource::Veto => "一票否决",
            FindingSource::AddedByTeamLeader => "组长补充",
            FindingSource::AddedByAdmin => "管理员补充",
        }
    }
}

display_by_label!(FindingSource);

impl FromStr for FindingSource {
    type Err = String;

    /// Accepts the stored code or the Chinese label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        FindingSource::ALL
            .into_iter()
            .find(|source| source.code() == text || source.label() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// How grave a finding is. Ordered mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般问题
    Minor,
    /// 严重问题
    Serious,
}

impl Severity {
    pub const ALL: [Severity; 2] = [Severity::Minor, Severity::Serious];

    pub fn code(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::Serious => "serious",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "一般问题",
            Severity::Serious => "严重问题",
        }
    }

    /// A veto fails the whole file, so it starts serious; everything else starts minor and
    /// the person recording it may raise it.
    pub fn default_for(source: FindingSource) -> Severity {
        match source {
            FindingSource::Veto => Severity::Serious,
            FindingSource::Deduction
            | FindingSource::AddedByTeamLeader
            | FindingSource::AddedByAdmin => Severity::Minor,
        }
    }
}

display_by_label!(Severity);

impl FromStr for Severity {
    type Err = String;

    /// Accepts the stored code or the Chinese label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        Severity::ALL
            .into_iter()
            .find(|severity| severity.code() == text || severity.label() == text)
            .ok_or_else(|| text.to_string())
    }
}

/// A finding (问题). Names of the lawyer and firm are copied in when the finding is made, so
/// a later change in the registry does not rewrite what the review found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: FindingId,
    pub round_id: RoundId,
    pub case_file_id: CaseFileId,
    /// The unit whose file it is (the unit that must fix it).
    pub unit_id: UnitId,
    /// The rubric item's code; hand-added findings choose an item too, so every finding can
    /// be counted under one.
    pub item_code: String,
    pub item_text: String,
    /// 承办人
    pub handler_name: String,
    /// 承办机构; `None` when the centre's own staff handled the case.
    pub law_firm_name: Option<String>,
    /// Zero for a veto or a finding added without a deduction.
    pub points_deducted: Points,
    pub reason: String,
    /// 页码, as the reviewer wrote it ("12", "12–14").
    pub page_ref: Option<String>,
    pub source: FindingSource,
    pub severity: Severity,
}

/// Why a finding cannot be recorded as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingError {
    #[error("问题须写明理由")]
    EmptyReason,
    #[error("问题须对应评分标准中的项目")]
    EmptyItem,
    #[error("承办人姓名不能为空")]
    EmptyHandler,
    #[error("扣分不能为负数：{0}")]
    NegativePoints(Points),
    #[error("{0}")]
    Text(TextError),
}

impl Finding {
    /// Checks what a person typed for a hand-added finding; those from score sheets were
    /// checked when the sheet was.
    pub fn check(&self) -> Result<(), FindingError> {
        if self.item_code.trim().is_empty() {
            return Err(FindingError::EmptyItem);
        }
        if self.reason.trim().is_empty() {
            return Err(FindingError::EmptyReason);
        }
        if self.handler_name.trim().is_empty() {
            return Err(FindingError::EmptyHandler);
        }
        if self.points_deducted < Points::ZERO {
            return Err(FindingError::NegativePoints(self.points_deducted));
        }
        check_all([
            (TextField::RubricCode, self.item_code.as_str()),
            (TextField::RubricItemText, self.item_text.as_str()),
            (TextField::Handler, self.handler_name.as_str()),
            (
                TextField::Firm,
                self.law_firm_name.as_deref().unwrap_or_default(),
            ),
            (TextField::FindingReason, self.reason.as_str()),
            (
                TextField::PageRef,
                self.page_ref.as_deref().unwrap_or_default(),
            ),
        ])
        .map_err(FindingError::Text)
    }

    /// The person whose work the finding is about.
    pub fn handler(&self) -> HandlerKey {
        HandlerKey {
            handler_name: self.handler_name.clone(),
            law_firm_name: self.law_firm_name.clone(),
        }
    }
}

/// A handling lawyer as the findings know them: by name within a firm, because the registry
/// gives no other identity and two lawyers of one name in different firms are two people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HandlerKey {
    pub handler_name: String,
    pub law_firm_name: Option<String>,
}

fn group_by<K: Ord>(
    findings: &[Finding],
    key: impl Fn(&Finding) -> K,
) -> BTreeMap<K, Vec<&Finding>> {
    let mut groups: BTreeMap<K, Vec<&Finding>> = BTreeMap::new();
    for finding in findings {
        groups.entry(key(finding)).or_default().push(finding);
    }
    groups
}

/// Findings per unit, for each unit's problem list (一县一张问题清单); input order kept
/// within a group.
pub fn by_unit(findings: &[Finding]) -> BTreeMap<UnitId, Vec<&Finding>> {
    group_by(findings, |finding| finding.unit_id)
}

/// Findings per handling lawyer, for one-to-one feedback.
pub fn by_handler(findings: &[Finding]) -> BTreeMap<HandlerKey, Vec<&Finding>> {
    group_by(findings, Finding::handler)
}

/// Findings per rubric item code.
pub fn by_item(findings: &[Finding]) -> BTreeMap<String, Vec<&Finding>> {
    group_by(findings, |finding| finding.item_code.clone())
}

/// A problem found again and again (典型问题), as a bulletin reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypicalProblem {
    /// The case type whose rubric the item belongs to: the criminal rubric's B1 and the civil
    /// rubric's B1 are two problems. `None` for files whose case type is not known.
    pub case_type: Option<CaseType>,
    pub item_code: String,
    pub item_text: String,
    /// How many findings name this item.
    pub count: usize,
    /// How many distinct case files they were found in.
    pub file_count: usize,
    pub points_deducted: Points,
    /// The units where it occurs.
    pub units: BTreeSet<UnitId>,
}

/// The `top_n` most frequent problems, keyed by (case type, item) with each file's case type
/// from `case_types`: by number of findings, most first; ties go to the smaller case type and
/// item code so the same findings always give the same list.
pub fn typical_problems(
    findings: &[Finding],
    case_types: &BTreeMap<CaseFileId, CaseType>,
    top_n: usize,
) -> Vec<TypicalProblem> {
    let mut problems: Vec<TypicalProblem> = group_by(findings, |finding| {
        (
            case_types.get(&finding.case_file_id).copied(),
            finding.item_code.clone(),
        )
    })
    .into_iter()
    .map(|((case_type, item_code), group)| {
        // The item text should be the same on every finding; take the smallest so a
        // stray edit cannot make the output depend on input order.
        let item_text = group
            .iter()
            .map(|finding| finding.item_text.as_str())
            .min()
            .unwrap_or_default()
            .to_string();
        let files: BTreeSet<CaseFileId> =
            group.iter().map(|finding| finding.case_file_id).collect();
        TypicalProblem {
            case_type,
            item_code,
            item_text,
            count: group.len(),
            file_count: files.len(),
            points_deducted: group.iter().map(|finding| finding.points_deducted).sum(),
            units: group.iter().map(|finding| finding.unit_id).collect(),
        }
    })
    .collect();
    problems.sort_by(|left, right| {
        right
            .count
            .cmp(&left.count)
            .then_with(|| left.case_type.cmp(&right.case_type))
            .then_with(|| left.item_code.cmp(&right.item_code))
    });
    problems.truncate(top_n);
    problems
}

/// Why a finding is on a notice by default; shown next to it so the administrator knows
/// what they are changing when they untick it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectionReason {
    /// 案卷评为不合格
    FileFailed,
    /// 一票否决
    Veto,
    /// 管理员选定
    SelectedByAdmin,
}

impl SelectionReason {
    pub fn label(self) -> &'static str {
        match self {
            SelectionReason::FileFailed => "案卷评为不合格",
            SelectionReason::Veto => "一票否决",
            SelectionReason::SelectedByAdmin => "管理员选定",
        }
    }
}

/// A finding chosen for a notice, with every reason that chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Selected<'a> {
    pub finding: &'a Finding,
    pub reasons: BTreeSet<SelectionReason>,
}

/// The findings a unit's notice carries by default (issue 8): every finding of a file graded
/// below 合格, every veto, and the findings the administrator selected. Only `unit`'s
/// findings are considered; input order is kept. A file missing from `file_grades` has no
/// final grade yet and is not selected for its grade.
pub fn notice_selection<'a>(
    findings: &'a [Finding],
    unit: UnitId,
    file_grades: &BTreeMap<CaseFileId, GradeLevel>,
    selected_by_admin: &BTreeSet<FindingId>,
) -> Vec<Selected<'a>> {
    findings
        .iter()
        .filter(|finding| finding.unit_id == unit)
        .filter_map(|finding| {
            let mut reasons = BTreeSet::new();
            if file_grades.get(&finding.case_file_id) == Some(&GradeLevel::Fail) {
                reasons.insert(SelectionReason::FileFailed);
            }
            if finding.source == FindingSource::Veto {
                reasons.insert(SelectionReason::Veto);
            }
            if selected_by_admin.contains(&finding.id) {
                reasons.insert(SelectionReason::SelectedByAdmin);
            }
            (!reasons.is_empty()).then_some(Selected { finding, reasons })
        })
        .collect()
}

/// A finding read off the submitted sheets of one file, before it is stored. Two reviewers
/// who deduct on the same item give one finding: the larger deduction, every distinct reason
/// and page, so the unit fixes one problem once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DerivedFinding {
    /// `item:C2` or `veto:V1`: with the file, what makes generating again idempotent.
    pub origin: String,
    pub item_code: String,
    pub item_text: String,
    pub points_deducted: Points,
    pub reason: String,
    pub page_ref: Option<String>,
    pub source: FindingSource,
}

/// Every deduction and veto, with its reason, from the scored sheets of one file; in rubric
/// order of first appearance, deductions before vetoes.
pub fn derive_from_reviews(results: &[&ScoreResult]) -> Vec<DerivedFinding> {
    struct Gathered {
        finding: DerivedFinding,
        reasons: Vec<String>,
        pages: crate::domain::citation::Citation,
    }
    let mut gathered: Vec<Gathered> = Vec::new();
    for result in results {
        for line in &result.explanation.lines {
            let (origin, code, text, points, reason, page, source) = match line {
                ExplanationLine::Deduction {
                    item,
                    text,
                    points,
                    reason,
                    pages,
                    ..
                } => (
                    format!("item:{item}"),
                    item,
                    text,
                    *points,
                    reason,
                    pages,
                    FindingSource::Deduction,
                ),
                ExplanationLine::Veto {
                    code,
                    text,
                    reason,
                    pages,
                } => (
                    format!("veto:{code}"),
                    code,
                    text,
                    Points::ZERO,
                    reason,
                    pages,
                    FindingSource::Veto,
                ),
                _ => continue,
            };
            let position = match gathered
                .iter()
                .position(|entry| entry.finding.origin == origin)
            {
                Some(position) => position,
                None => {
                    gathered.push(Gathered {
                        finding: DerivedFinding {
                            origin,
                            item_code: code.clone(),
                            item_text: text.clone(),
                            points_deducted: Points::ZERO,
                            reason: String::new(),
                            page_ref: None,
                            source,
                        },
                        reasons: Vec::new(),
                        pages: crate::domain::citation::Citation::default(),
                    });
                    gathered.len() - 1
                }
            };
            let Some(entry) = gathered.get_mut(position) else {
                continue;
            };
            entry.finding.points_deducted = entry.finding.points_deducted.max(points);
            let reason = reason.trim();
            if !reason.is_empty() && !entry.reasons.iter().any(|known| known == reason) {
                entry.reasons.push(reason.to_string());
            }
            entry.pages = entry.pages.union(page);
        }
    }
    let mut derived: Vec<DerivedFinding> = gathered
        .into_iter()
        .map(|entry| DerivedFinding {
            reason: entry.reasons.join("；"),
            page_ref: (!entry.pages.is_empty()).then(|| entry.pages.pages_text()),
            ..entry.finding
        })
        .collect();
    derived.sort_by_key(|finding| finding.source == FindingSource::Veto);
    derived
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn unit(n: u128) -> UnitId {
        UnitId(Uuid::from_u128(n))
    }

    fn file(n: u128) -> CaseFileId {
        CaseFileId(Uuid::from_u128(100 + n))
    }

    fn finding(id: u128, unit_n: u128, file_n: u128, item: &str, source: FindingSource) -> Finding {
        Finding {
            id: FindingId(Uuid::from_u128(1000 + id)),
            round_id: RoundId(Uuid::from_u128(1)),
            case_file_id: file(file_n),
            unit_id: unit(unit_n),
            item_code: item.to_string(),
            item_text: format!("{item} 项目"),
            handler_name: "张律师".to_string(),
            law_firm_name: Some("宁夏某某律师事务所".to_string()),
            points_deducted: Points::whole(2),
            reason: "会见笔录未记录针对性问题".to_string(),
            page_ref: Some("12".to_string()),
            source,
            severity: Severity::default_for(source),
        }
    }

    use FindingSource::{AddedByAdmin, Deduction, Veto};

    #[test]
    fn typical_problems_rank_by_frequency_then_item_code() {
        let findings = vec![
            finding(1, 1, 1, "C1", Deduction),
            finding(2, 2, 2, "B2", Deduction),
            finding(3, 1, 3, "C1", Deduction),
            finding(4, 3, 4, "B2", Deduction),
            finding(5, 1, 1, "A1", Deduction),
            finding(6, 2, 2, "C1", Deduction),
        ];
        let none = BTreeMap::new();
        let ranked = typical_problems(&findings, &none, 10);
        let codes: Vec<_> = ranked
            .iter()
            .map(|problem| problem.item_code.as_str())
            .collect();
        assert_eq!(codes, ["C1", "B2", "A1"]);
        let top = &ranked[0];
        assert_eq!(top.count, 3);
        assert_eq!(top.file_count, 3);
        assert_eq!(top.points_deducted, Points::whole(6));
        assert_eq!(top.units, BTreeSet::from([unit(1), unit(2)]));
        assert_eq!(typical_problems(&findings, &none, 1).len(), 1);

        let mut reversed = findings.clone();
        reversed.reverse();
        assert_eq!(typical_problems(&reversed, &none, 10), ranked);

        // Files 1 and 3 are criminal, file 6 civil: C1 is two problems, criminal C1 first.
        let types = BTreeMap::from([
            (file(1), CaseType::Criminal),
            (file(3), CaseType::Criminal),
            (file(6), CaseType::Civil),
            (file(2), CaseType::Civil),
            (file(4), CaseType::Civil),
        ]);
        let by_type = typical_problems(&findings, &types, 10);
        let keys: Vec<_> = by_type
            .iter()
            .map(|problem| (problem.case_type, problem.item_code.as_str(), problem.count))
            .collect();
        assert_eq!(
            keys,
            [
                (Some(CaseType::Criminal), "C1", 2),
                (Some(CaseType::Civil), "B2", 2),
                (Some(CaseType::Criminal), "A1", 1),
                (Some(CaseType::Civil), "C1", 1),
            ]
        );
    }

    #[test]
    fn groups_per_unit_lawyer_and_item() {
        let mut other_firm = finding(3, 2, 3, "A1", Deduction);
        other_firm.law_firm_name = None;
        let findings = vec![
            finding(1, 1, 1, "A1", Deduction),
            finding(2, 1, 2, "B1", Veto),
            other_firm,
        ];
        let units = by_unit(&findings);
        assert_eq!(units.len(), 2);
        assert_eq!(units[&unit(1)].len(), 2);
        let handlers = by_handler(&findings);
        assert_eq!(handlers.len(), 2, "same name in two firms is two people");
        let items = by_item(&findings);
        assert_eq!(items["A1"].len(), 2);
    }

    #[test]
    fn notice_takes_failed_files_vetoes_and_admin_choices_of_its_unit() {
        let findings = vec![
            finding(1, 1, 1, "A1", Deduction),    // file 1 failed
            finding(2, 1, 2, "A2", Deduction),    // file 2 passed: not selected
            finding(3, 1, 2, "V1", Veto),         // veto
            finding(4, 1, 3, "A3", AddedByAdmin), // chosen by the administrator
            finding(5, 2, 5, "A1", Deduction),    // another unit's failed file
            finding(6, 1, 6, "A4", Deduction),    // file not graded yet
        ];
        let grades = BTreeMap::from([
            (file(1), GradeLevel::Fail),
            (file(2), GradeLevel::Pass),
            (file(3), GradeLevel::Good),
            (file(5), GradeLevel::Fail),
        ]);
        let chosen = BTreeSet::from([findings[3].id, findings[4].id]);
        let selection = notice_selection(&findings, unit(1), &grades, &chosen);
        let picked: Vec<_> = selection
            .iter()
            .map(|selected| (selected.finding.id, selected.reasons.clone()))
            .collect();
        assert_eq!(
            picked,
            vec![
                (
                    findings[0].id,
                    BTreeSet::from([SelectionReason::FileFailed])
                ),
                (findings[2].id, BTreeSet::from([SelectionReason::Veto])),
                (
                    findings[3].id,
                    BTreeSet::from([SelectionReason::SelectedByAdmin])
                ),
            ]
        );
    }

    #[test]
    fn a_veto_in_a_failed_file_gives_both_reasons() {
        let findings = vec![finding(1, 1, 1, "V1", Veto)];
        let grades = BTreeMap::from([(file(1), GradeLevel::Fail)]);
        let selection = notice_selection(&findings, unit(1), &grades, &BTreeSet::new());
        assert_eq!(
            selection[0].reasons,
            BTreeSet::from([SelectionReason::FileFailed, SelectionReason::Veto])
        );
    }

    #[test]
    fn hand_added_findings_are_checked() {
        let mut added = finding(1, 1, 1, "A1", AddedByAdmin);
        assert_eq!(added.check(), Ok(()));
        added.reason = "  ".to_string();
        assert_eq!(added.check(), Err(FindingError::EmptyReason));
        added.reason = "未告知受援人权利义务".to_string();
        added.points_deducted = Points::from_tenths(-5);
        assert_eq!(
            added.check(),
            Err(FindingError::NegativePoints(Points::from_tenths(-5)))
        );
        assert_eq!(
            FindingError::NegativePoints(Points::from_tenths(-5)).to_string(),
            "扣分不能为负数：-0.5"
        );
    }

    #[test]
    fn sources_and_severities_round_trip() {
        for source in FindingSource::ALL {
            assert_eq!(source.code().parse(), Ok(source));
            assert_eq!(source.label().parse(), Ok(source));
        }
        for severity in Severity::ALL {
            assert_eq!(severity.code().parse(), Ok(severity));
            assert_eq!(severity.label().parse(), Ok(severity));
        }
        assert_eq!(Severity::default_for(Veto), Severity::Serious);
    }
}
