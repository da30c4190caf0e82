//! What users read about objections (异议/申辩): notifications and the page's notices.

use crate::domain::objection::ObjectionState;
use crate::domain::rubric::Points;

/// The panel's notification of a new objection.
pub fn filed(unit_name: &str, case_no: &str, item_code: &str, item_text: &str) -> String {
    format!("{unit_name}对案卷{case_no}的“{item_code} {item_text}”提出异议，请处理")
}

/// The unit's notification of a decision.
pub fn decided(
    case_no: &str,
    item_code: &str,
    item_text: &str,
    state: ObjectionState,
    old_points: Points,
    new_points: Option<Points>,
) -> String {
    match new_points {
        Some(points) if state == ObjectionState::Changed => format!(
            "案卷{case_no}“{item_code} {item_text}”的异议已裁决：变更，扣分由 {old_points} 分改为 {points} 分"
        ),
        _ => format!(
            "案卷{case_no}“{item_code} {item_text}”的异议已裁决：{}",
            state.label()
        ),
    }
}

pub const FILED: &str = "异议已提交，等待处理。";
pub const DECIDED: &str = "裁决已保存，已通知被检查单位。";

/// An evidence file over the size limit.
pub fn evidence_too_large(max_mb: usize) -> String {
    format!("文件超过大小限制（最大 {max_mb} MB），未保存")
}
