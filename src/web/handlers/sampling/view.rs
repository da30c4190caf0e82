//! What the sample page and the sample API show: the strata with their picks and case
//! details, and a unit's list line with personal data masked.

use crate::domain::ids::CaseFileId;
use crate::domain::masking::{mask_id_no, mask_name, mask_phone};
use crate::domain::people::Unit;
use crate::domain::registry::CaseRecord;
use crate::domain::sampling::{Sample, SampleProof, StratumSample};
use crate::export::sample_list::SampleListRow;
use crate::storage::cases::CaseView;
use crate::storage::rounds::RoundView;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct PickView<'a> {
    case: &'a CaseView,
    designated: bool,
}

#[derive(Serialize)]
pub struct StratumView<'a> {
    key: String,
    population: usize,
    excluded: crate::domain::sampling::ExcludedCounts,
    target: usize,
    reason: String,
    picks: Vec<PickView<'a>>,
}

/// The strata and picks with case details.
#[derive(Serialize)]
pub struct SampleView<'a> {
    strata: Vec<StratumView<'a>>,
    selected: usize,
    unmatched_designated: Vec<String>,
    proof: &'a SampleProof,
}

/// The sample as the API answers it: also whether it is frozen, and its seed.
#[derive(Serialize)]
pub struct ApiSample<'a> {
    #[serde(flatten)]
    pub sample: SampleView<'a>,
    pub frozen: bool,
    pub seed: String,
}

/// A unit and how many of its files were picked, with the link to its list (`href`, absent
/// for a code no unit has any more).
#[derive(Serialize)]
pub struct UnitCount {
    code: String,
    name: String,
    count: usize,
    href: Option<String>,
}

/// The sample page.
#[derive(Serialize)]
pub struct SamplePage<'a> {
    pub round: RoundView,
    pub sample: SampleView<'a>,
    pub seed: String,
    pub is_frozen: bool,
    pub units: Vec<UnitCount>,
    pub can_freeze: bool,
    /// The confirmation box of 确定抽查清单.
    pub confirm: crate::web::confirm::ConfirmView,
}

/// The stratum's title: unit, case type, and the finer strata when the plan has them.
fn stratum_title(stratum: &StratumSample<CaseFileId>, unit_name: &str) -> String {
    let mut title = format!("{unit_name} · {}", stratum.key.case_type.label());
    if let Some(sub_type) = &stratum.key.sub_type {
        title.push_str(&format!(" · {sub_type}"));
    }
    if let Some(month) = stratum.key.archive_month {
        title.push_str(&format!(" · {month}归档"));
    }
    title
}

pub fn sample_view<'a>(
    sample: &'a Sample<CaseFileId>,
    details: &'a [CaseView],
    all_units: &[Unit],
) -> SampleView<'a> {
    let unit_name = |code: &str| {
        all_units
            .iter()
            .find(|unit| unit.code == code)
            .map_or_else(|| code.to_string(), |unit| unit.name.clone())
    };
    let by_id: BTreeMap<&str, &CaseView> = details
        .iter()
        .map(|case| (case.id.as_str(), case))
        .collect();
    let strata = sample
        .strata
        .iter()
        .map(|stratum| StratumView {
            key: stratum_title(stratum, &unit_name(&stratum.key.unit)),
            population: stratum.population,
            excluded: stratum.excluded,
            target: stratum.target,
            reason: stratum.reason.to_string(),
            picks: stratum
                .selected
                .iter()
                .filter_map(|pick| {
                    by_id
                        .get(pick.id.to_string().as_str())
                        .map(|case| PickView {
                            case,
                            designated: pick.designated,
                        })
                })
                .collect(),
        })
        .collect();
    SampleView {
        strata,
        selected: sample.selected_count(),
        unmatched_designated: sample
            .unmatched_designated
            .iter()
            .map(|key| format!("{} {}", key.unit, key.case_no))
            .collect(),
        proof: &sample.proof,
    }
}

/// The units with picked files and how many, in code order, each linking its 抽查案卷清单.
pub fn unit_counts(
    round: &RoundView,
    sample: &Sample<CaseFileId>,
    all_units: &[Unit],
) -> Vec<UnitCount> {
    let mut seen = BTreeMap::new();
    for stratum in &sample.strata {
        if !stratum.selected.is_empty() {
            *seen.entry(stratum.key.unit.clone()).or_insert(0usize) += stratum.selected.len();
        }
    }
    seen.into_iter()
        .map(|(code, count)| {
            let unit = all_units.iter().find(|unit| unit.code == code);
            UnitCount {
                name: unit.map_or_else(|| code.clone(), |unit| unit.name.clone()),
                href: unit.map(|unit| format!("/rounds/{}/sample/units/{}", round.id, unit.id)),
                code,
                count,
            }
        })
        .collect()
}

/// One line of a unit's list: personal data masked as on every page.
pub fn sample_list_row(record: &CaseRecord, designated: bool) -> SampleListRow {
    SampleListRow {
        case_no: record.case_no.clone(),
        case_type: record.case_type,
        sub_type: record.sub_type.clone(),
        cause: record.cause.clone(),
        recipient: mask_name(&record.recipient, false),
        recipient_id_no: record.recipient_id_no.as_deref().map(mask_id_no),
        recipient_phone: record.recipient_phone.as_deref().map(mask_phone),
        handler: record.handler.clone(),
        firm: record.firm.clone(),
        closed_at: record.closed_at,
        archived_at: record.archived_at,
        designated,
    }
}
