//! Records a round starts from: one unit's closed cases (案件台账), the reviewer pool and the unit
//! list, as they come out of an import and before storage gives them ids.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::CaseType;

/// One row of a unit's closed-case registry (案件台账).
///
/// Cases are keyed by `(unit, case_no)`: importing the same registry twice must change nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// The assigning unit (所属中心) as the registry names it: a name or a code.
    pub unit: String,
    /// 案号, normalised by [`normalize_case_no`].
    pub case_no: String,
    /// 受援人. Personal data: mask before showing.
    pub recipient: String,
    /// 身份证号. Personal data: mask before showing.
    pub recipient_id_no: Option<String>,
    /// 联系电话. Personal data: mask before showing.
    pub recipient_phone: Option<String>,
    /// 承办人.
    pub handler: String,
    /// 承办机构 (律师事务所, 基层法律服务所 or the centre itself).
    pub firm: String,
    pub case_type: CaseType,
    /// 案件子类 / 援助形式 as written (刑事辩护, 民事诉讼代理, 劳动仲裁 …).
    pub sub_type: Option<String>,
    /// 案由 (the charge for criminal cases).
    pub cause: String,
    pub applied_at: Option<NaiveDate>,
    pub assigned_at: Option<NaiveDate>,
    /// 结案日期: a registry lists closed cases only, so it is always known.
    pub closed_at: NaiveDate,
    pub archived_at: Option<NaiveDate>,
    /// 终止: the aid was terminated before the case ended.
    pub terminated: bool,
    /// 认罪认罚.
    pub guilty_plea: bool,
    /// 通知辩护: defence notified by the police, procuratorate or court rather than applied for.
    pub notified_defense: bool,
}

/// One person of the reviewer pool (评估专家库).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub name: String,
    /// The unit the person belongs to; regional recusal compares it with the file's unit.
    pub unit: String,
    pub law_firm: Option<String>,
    /// Case types the person is fit to review; empty means "not stated".
    pub expertise: BTreeSet<CaseType>,
    pub years_of_practice: Option<u32>,
    /// May act as team leader (组长).
    pub may_lead: bool,
    pub phone: Option<String>,
    pub id_no: Option<String>,
}

pub use crate::domain::people::UnitKind;

/// One unit of the city's hierarchy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
    /// 年度办案任务 (annual case target).
    pub annual_target: Option<u32>,
    /// The year of the target, when the file names it.
    pub year: Option<i32>,
}

/// The form a case number is stored and compared in: whitespace removed and full-width ASCII
/// (（２０２３）) folded to half-width, so the same file typed two ways is one case.
pub fn normalize_case_no(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_fold_full_width_and_spaces() {
        assert_eq!(
            normalize_case_no(" （２０２３）法援 12号 "),
            "(2023)法援12号"
        );
        assert_eq!(normalize_case_no("〔2023〕3号"), "〔2023〕3号");
    }

    #[test]
    fn unit_kinds_are_read_from_labels_and_names() {
        assert_eq!(
            UnitKind::recognise("兴庆区法律援助中心"),
            Some(UnitKind::AidCenter)
        );
        assert_eq!(
            UnitKind::recognise("贺兰县司法局"),
            Some(UnitKind::JusticeBureau)
        );
        assert_eq!(
            UnitKind::recognise("丰谷司法所"),
            Some(UnitKind::JusticeOffice)
        );
        assert_eq!(UnitKind::recognise("律师事务所"), None);
    }
}
