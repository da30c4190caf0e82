//! What the sampling pages tell the user.

use crate::storage::sampling::SampleError;

pub const TITLE: &str = "抽查案卷清单";
pub const ALREADY_FROZEN: &str = "本轮抽查清单已确定，不能重新抽取";
pub const NO_CANDIDATES: &str = "本轮期间内没有可抽查的案件，请先导入案件台账";

/// The sentence for a draw or freeze that was refused (not for a storage failure).
pub fn refusal(error: &SampleError) -> String {
    match error {
        SampleError::Plan(error) => error.to_string(),
        SampleError::AlreadyFrozen => ALREADY_FROZEN.to_string(),
        SampleError::NoCandidates => NO_CANDIDATES.to_string(),
        SampleError::Storage(error) => error.to_string(),
    }
}

pub fn bad_seed(text: &str) -> String {
    super::teams::bad_seed(text)
}

/// A unit's list file name.
pub fn unit_list_file_name(round: &str, unit: &str) -> String {
    format!("{round}-{unit}-抽查案卷清单.xlsx")
}
