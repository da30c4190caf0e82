//! A round's results per file: what the submitted sheets of each sampled file add up to under
//! the round's combining rule, or what 合议 decided. Documents, findings, summaries and the
//! next round's risk weighting all read results from here, so a file's final score is worked
//! out in one place, by the same engine the score form uses.

use crate::domain::CaseType;
use crate::domain::ids::{CaseFileId, PersonId, RoundId, UnitId};
use crate::domain::objection;
use crate::domain::rubric::{Points, Rubric};
use crate::domain::scoring::SheetAnswers;
use crate::domain::scoring::combine::ReviewMark;
pub use crate::domain::scoring::final_result::{
    FinalFigure, FinalResult, Outcome, ReconciliationRecord, combine_rule,
};
use crate::domain::scoring::final_result::{
    adjust_reconciled, light_mark, objected_outcome, reconciled, settle,
};
use crate::domain::scoring::reconciliation::SubmittedReview;
use crate::domain::scoring::sheet::SheetStatus;
use crate::domain::scoring::{ScoreResult, score};
use crate::storage::assignments::{self, Version};
use crate::storage::rounds::{self, Round};
use crate::storage::schema::{reconciliations, score_sheets};
use crate::storage::sheets::{self, StoredSheet};
use crate::storage::{DbConn, Error, Result, TextId, objections, parse_id, rubrics};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Every sampled file of a round with its result so far.
pub struct RoundResults {
    pub round: Round,
    /// The published assignment: files, reviewers' names, teams.
    pub version: Version,
    pub rubrics: BTreeMap<CaseType, Rubric>,
    /// In the assignment's file order.
    pub files: Vec<FileResult>,
}

/// One sampled file.
pub struct FileResult {
    pub file: CaseFileId,
    pub unit: UnitId,
    pub case_type: CaseType,
    /// The reviewers the published assignment names for the file.
    pub reviewers: Vec<PersonId>,
    /// Submitted (or reconciled) sheets with the engine's result, in reviewer order.
    pub sheets: Vec<ScoredSheet>,
    pub outcome: Outcome,
}

/// A submitted sheet and its score.
pub struct ScoredSheet {
    pub stored: StoredSheet,
    pub result: ScoreResult,
}

impl FileResult {
    pub fn final_result(&self) -> Option<&FinalResult> {
        match &self.outcome {
            Outcome::Final(result) => Some(result),
            _ => None,
        }
    }
}

impl RoundResults {
    /// Files with a final result.
    pub fn finished(&self) -> impl Iterator<Item = (&FileResult, &FinalResult)> {
        self.files
            .iter()
            .filter_map(|file| file.final_result().map(|result| (file, result)))
    }

    pub fn rubric(&self, case_type: CaseType) -> Option<&Rubric> {
        self.rubrics.get(&case_type)
    }
}

/// A stored 合议 decision, as the results read it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = reconciliations)]
struct DecisionRow {
    case_file_id: TextId<CaseFileId>,
    final_total_tenths: Option<i32>,
    final_grade: String,
    vetoed: bool,
    reason: String,
    participants_json: String,
    decided_by: String,
    decided_at: NaiveDateTime,
}

impl DecisionRow {
    /// The decision's result under the file's rubric.
    fn result(self, rubric: &Rubric) -> Result<FinalResult> {
        let participants: Vec<String> =
            serde_json::from_str(&self.participants_json).map_err(corrupt)?;
        let record = ReconciliationRecord {
            reason: self.reason,
            participants,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
        };
        reconciled(
            rubric,
            self.final_total_tenths.map(Points::from_tenths),
            &self.final_grade,
            self.vetoed,
            record,
        )
        .map_err(corrupt)
    }
}

/// The round's stored 合议 decisions by file.
fn decided_by_file(
    conn: &mut DbConn,
    round_id: RoundId,
) -> Result<BTreeMap<CaseFileId, DecisionRow>> {
    let rows: Vec<DecisionRow> = reconciliations::table
        .filter(reconciliations::round_id.eq(round_id.to_string()))
        .select(DecisionRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.case_file_id.0, row))
        .collect())
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// The sampled files by id, once: a quarter's round has thousands of files, and looking each
/// up in the problem's list is quadratic.
fn sampled_by_id(
    version: &Version,
) -> std::collections::HashMap<CaseFileId, &crate::domain::assignment::SampledFile> {
    version
        .problem
        .files
        .iter()
        .map(|file| (file.id, file))
        .collect()
}

/// The round's rubrics by case type.
fn rubrics_by_type(conn: &mut DbConn, round: &Round) -> Result<BTreeMap<CaseType, Rubric>> {
    let mut rubrics_by_type = BTreeMap::new();
    for (case_type, hash) in &round.settings.rubrics {
        rubrics_by_type.insert(*case_type, rubrics::load(conn, hash)?);
    }
    Ok(rubrics_by_type)
}

/// The results of a round; `None` while it has no published assignment.
pub fn load(conn: &mut DbConn, round_id: RoundId) -> Result<Option<RoundResults>> {
    let round = rounds::find(conn, round_id)?;
    let Some(version) = assignments::published(conn, round_id)? else {
        return Ok(None);
    };
    let rubrics_by_type = rubrics_by_type(conn, &round)?;
    let mut sheets_by_file: BTreeMap<CaseFileId, Vec<StoredSheet>> = BTreeMap::new();
    for sheet in sheets::for_round(conn, round_id)? {
        if matches!(
            sheet.sheet.state.status(),
            SheetStatus::Submitted | SheetStatus::Reconciled
        ) {
            sheets_by_file
                .entry(sheet.case_file_id)
                .or_default()
                .push(sheet);
        }
    }
    let mut decided = decided_by_file(conn, round_id)?;
    let rule = combine_rule(round.settings.combine);
    let adjustments = objections::adjustments(conn, round_id)?;
    let mut files = Vec::with_capacity(version.assignment.placements.len());
    let sampled_by_id = sampled_by_id(&version);
    for placement in &version.assignment.placements {
        let sampled = sampled_by_id
            .get(&placement.file)
            .copied()
            .ok_or_else(|| corrupt(format!("file {} not in the problem", placement.file)))?;
        // A file of a case type the round has no rubric for cannot be scored at all; the
        // sampling plan normally keeps such files out.
        let Some(rubric) = rubrics_by_type.get(&sampled.case_type) else {
            tracing::warn!(file = %placement.file, "sampled file without a rubric for its case type");
            continue;
        };
        let mut scored = Vec::new();
        let mut stored_sheets = sheets_by_file.remove(&placement.file).unwrap_or_default();
        stored_sheets.sort_by_key(|sheet| sheet.reviewer_id);
        for stored in stored_sheets {
            let result = score(rubric, &stored.sheet.answers).map_err(|error| {
                corrupt(format!(
                    "submitted sheet {} does not score: {error:?}",
                    stored.id
                ))
            })?;
            scored.push(ScoredSheet { stored, result });
        }
        let adjusting = adjustments
            .get(&placement.file)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let outcome = match decided.remove(&placement.file) {
            Some(row) => Outcome::Final(adjust_reconciled(rubric, row.result(rubric)?, adjusting)),
            None => {
                let reviews: Vec<SubmittedReview> = scored
                    .iter()
                    .map(|sheet| SubmittedReview {
                        reviewer_id: sheet.stored.reviewer_id,
                        result: sheet.result.clone(),
                    })
                    .collect();
                objected_outcome(
                    rubric,
                    rule,
                    placement.file,
                    placement.reviewers.len(),
                    reviews,
                    adjusting,
                )
                .map_err(corrupt)?
            }
        };
        // The sheets as the panel's decisions leave them, so documents show the new figures.
        for sheet in &mut scored {
            if !adjusting.is_empty() {
                sheet.result = objection::adjust(rubric, &sheet.result, adjusting);
            }
        }
        files.push(FileResult {
            file: placement.file,
            unit: sampled.unit,
            case_type: sampled.case_type,
            reviewers: placement.reviewers.clone(),
            sheets: scored,
            outcome,
        });
    }
    Ok(Some(RoundResults {
        round,
        version,
        rubrics: rubrics_by_type,
        files,
    }))
}

/// A sampled file's final result without its sheets: what summaries count.
pub struct FileFinal {
    pub file: CaseFileId,
    pub unit: UnitId,
    pub case_type: CaseType,
    /// `None` while reviews are missing or disagree.
    pub result: Option<FinalFigure>,
}

/// A sheet's file, reviewer, total and grade; the ids decoded straight from the driver's bytes
/// (a round's summary reads tens of thousands of them).
type LightSheet = (
    crate::storage::TextId<CaseFileId>,
    crate::storage::TextId<PersonId>,
    Option<i32>,
    Option<String>,
);

/// The final results of a round's files, as [`load`] works them out, without reading every
/// sheet's answers: a sheet's stored total and grade are what the engine gave at submission,
/// and they tell whether it carries a 一票否决 (see [`light_mark`]), which is all the
/// combining rule looks at. Sheets where only the answers can tell, sheets of indicator
/// rubrics and anything unexpected are scored from their answers exactly as [`load`] does;
/// files with decided objections or 合议 go through the same steps as in [`load`]. `None`
/// while the round has no published assignment.
pub fn finals(conn: &mut DbConn, round_id: RoundId) -> Result<Option<Vec<FileFinal>>> {
    let round = rounds::find(conn, round_id)?;
    let Some(version) = assignments::published(conn, round_id)? else {
        return Ok(None);
    };
    let rubrics_by_type = rubrics_by_type(conn, &round)?;
    let rows: Vec<LightSheet> = score_sheets::table
        .filter(score_sheets::round_id.eq(round_id.to_string()))
        .filter(score_sheets::state.eq_any([
            SheetStatus::Submitted.code(),
            SheetStatus::Reconciled.code(),
        ]))
        .select((
            score_sheets::case_file_id,
            score_sheets::reviewer_id,
            score_sheets::total_tenths,
            score_sheets::grade,
        ))
        .load(conn)?;
    let sampled_files = sampled_by_id(&version);
    let rubric_of = |file: &CaseFileId| {
        sampled_files
            .get(file)
            .and_then(|sampled| rubrics_by_type.get(&sampled.case_type))
    };
    // Files with decided objections are scored from their answers: the adjustment needs
    // each item's deduction.
    let adjustments = objections::adjustments(conn, round_id)?;
    // Marks where the columns say everything; the rest scored from the answers. The sheets
    // are sorted by file and reviewer, and each file finds its run of them by index.
    let mut sheets: Vec<(CaseFileId, PersonId, Option<ReviewMark<'_>>)> = rows
        .into_iter()
        .map(|(file, reviewer, total, grade)| {
            let file = file.0;
            let light = rubric_of(&file)
                .filter(|_| !adjustments.contains_key(&file))
                .and_then(|rubric| light_mark(rubric, total, grade.as_deref()));
            (file, reviewer.0, light)
        })
        .collect();
    sheets.sort_unstable_by_key(|(file, reviewer, _)| (*file, *reviewer));
    let to_score: HashSet<(CaseFileId, PersonId)> = sheets
        .iter()
        .filter(|(_, _, light)| light.is_none())
        .map(|(file, reviewer, _)| (*file, *reviewer))
        .collect();
    let mut by_file: std::collections::HashMap<CaseFileId, std::ops::Range<usize>> =
        std::collections::HashMap::with_capacity(sampled_files.len());
    for (index, (file, _, _)) in sheets.iter().enumerate() {
        by_file
            .entry(*file)
            .and_modify(|range| range.end = index + 1)
            .or_insert(index..index + 1);
    }
    let scored = score_from_answers(conn, round_id, &to_score, &rubric_of)?;
    let mut decided = decided_by_file(conn, round_id)?;
    let rule = combine_rule(round.settings.combine);
    let mut out = Vec::with_capacity(version.assignment.placements.len());
    for placement in &version.assignment.placements {
        let sampled = sampled_files
            .get(&placement.file)
            .ok_or_else(|| corrupt(format!("file {} not in the problem", placement.file)))?;
        let Some(rubric) = rubrics_by_type.get(&sampled.case_type) else {
            continue;
        };
        let adjusting = adjustments
            .get(&placement.file)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let result = match decided.remove(&placement.file) {
            Some(row) => Some(adjust_reconciled(rubric, row.result(rubric)?, adjusting).into()),
            None => {
                let sheets = by_file
                    .remove(&placement.file)
                    .map_or(&[][..], |range| &sheets[range]);
                let scored_result = |reviewer_id: PersonId| {
                    scored.get(&(placement.file, reviewer_id)).ok_or_else(|| {
                        corrupt(format!(
                            "the sheet of {reviewer_id} on {} not scored",
                            placement.file
                        ))
                    })
                };
                if adjusting.is_empty() {
                    let mut marks = Vec::with_capacity(sheets.len());
                    for (_, reviewer_id, light) in sheets {
                        marks.push(match light {
                            Some(mark) => *mark,
                            None => ReviewMark::from(scored_result(*reviewer_id)?),
                        });
                    }
                    settle(rubric, rule, placement.reviewers.len(), &marks).map_err(corrupt)?
                } else {
                    let mut reviews = Vec::with_capacity(sheets.len());
                    for (_, reviewer_id, _) in sheets {
                        reviews.push(SubmittedReview {
                            reviewer_id: *reviewer_id,
                            result: scored_result(*reviewer_id)?.clone(),
                        });
                    }
                    match objected_outcome(
                        rubric,
                        rule,
                        placement.file,
                        placement.reviewers.len(),
                        reviews,
                        adjusting,
                    )
                    .map_err(corrupt)?
                    {
                        Outcome::Final(result) => Some(result.into()),
                        _ => None,
                    }
                }
            }
        };
        out.push(FileFinal {
            file: placement.file,
            unit: sampled.unit,
            case_type: sampled.case_type,
            result,
        });
    }
    Ok(Some(out))
}

/// The sheets only their answers can tell, read by file (a sheet is one per file and
/// reviewer in a round) and scored by the engine.
fn score_from_answers<'r>(
    conn: &mut DbConn,
    round_id: RoundId,
    to_score: &HashSet<(CaseFileId, PersonId)>,
    rubric_of: &dyn Fn(&CaseFileId) -> Option<&'r Rubric>,
) -> Result<std::collections::HashMap<(CaseFileId, PersonId), ScoreResult>> {
    let mut scored = std::collections::HashMap::new();
    let files: BTreeSet<String> = to_score.iter().map(|(file, _)| file.to_string()).collect();
    let files: Vec<String> = files.into_iter().collect();
    for chunk in files.chunks(5000) {
        let answers: Vec<(String, String, String, String)> = score_sheets::table
            .filter(score_sheets::round_id.eq(round_id.to_string()))
            .filter(score_sheets::case_file_id.eq_any(chunk))
            .filter(score_sheets::state.eq_any([
                SheetStatus::Submitted.code(),
                SheetStatus::Reconciled.code(),
            ]))
            .select((
                score_sheets::id,
                score_sheets::case_file_id,
                score_sheets::reviewer_id,
                score_sheets::answers_json,
            ))
            .load(conn)?;
        for (id, file, reviewer, answers) in answers {
            let file: CaseFileId = parse_id(&file)?;
            let reviewer: PersonId = parse_id(&reviewer)?;
            if !to_score.contains(&(file, reviewer)) {
                continue;
            }
            let Some(rubric) = rubric_of(&file) else {
                continue;
            };
            let answers: SheetAnswers = serde_json::from_str(&answers).map_err(corrupt)?;
            let result = score(rubric, &answers).map_err(|error| {
                corrupt(format!("submitted sheet {id} does not score: {error:?}"))
            })?;
            scored.insert((file, reviewer), result);
        }
    }
    Ok(scored)
}
