//! After submission: where each file of a round stands (one review, two that agree, two that
//! disagree, or decided by 合议), whose 合议 it is, and the leader's approval of the team's
//! results, re-checked inside the transaction that records it.

use crate::domain::assignment::{Placement, Team};
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::people::Role;
use crate::domain::rubric::{Points, Rubric};
use crate::domain::scoring::reconciliation::DisagreementEntry;
use crate::domain::scoring::{ScoreResult, score};
use crate::storage::assignments::Version;
use crate::storage::audit::Actor;
use crate::storage::reconciliations::{self, StoredReconciliation, TeamApproval};
use crate::storage::results::{self, FileResult, Outcome, RoundResults};
use crate::storage::rounds::{self, Round};
use crate::storage::sheets::{self, StoredSheet};
use crate::storage::{self, DbConn, rubrics};
use chrono::NaiveDateTime;
use std::collections::BTreeMap;

/// Why a 合议 or an approval was refused; the sentences are in
/// [`crate::app::messages::scoring`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// The caller does not lead the team of the file (or any team).
    #[error("forbidden")]
    Forbidden,
    /// The team has no files to approve.
    #[error("the team has no files")]
    NoFiles,
    /// Files of the team without a final result, by case number.
    #[error("files without a final result")]
    OpenFiles(Vec<String>),
    /// The file's result is already final.
    #[error("the result is already final")]
    AlreadyFinal(How),
    /// A reviewer of the file has not submitted.
    #[error("not every review is submitted")]
    NotSubmitted,
    /// The file has no sheet at all.
    #[error("the file has no sheets")]
    NoSheets,
    /// A reviewer of the file has no sheet.
    #[error("a sheet of the file is missing")]
    MissingSheet,
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

/// How a file's final result came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    Reconciled,
    Single,
    Agreed,
}

/// Where one file stands after review.
#[derive(Debug, Clone)]
pub enum Standing {
    /// Not every assigned reviewer has submitted yet.
    Pending { submitted: usize, needed: usize },
    /// The file's result: one review, agreeing reviews combined, or 合议.
    Final {
        total: Option<Points>,
        grade: String,
        how: How,
    },
    /// The reviews disagree beyond the round's rule: the file waits for 合议.
    Disagreement(DisagreementEntry),
}

impl Standing {
    /// A file's result from `storage::results` (the one place results are computed).
    fn of(file: &FileResult) -> Standing {
        match &file.outcome {
            Outcome::InProgress {
                submitted,
                expected,
            } => Standing::Pending {
                submitted: *submitted,
                needed: *expected,
            },
            Outcome::Disagreement(entry) => Standing::Disagreement(entry.clone()),
            Outcome::Final(result) => Standing::Final {
                total: result.total,
                grade: result.grade.name.clone(),
                how: if result.reconciliation.is_some() {
                    How::Reconciled
                } else if file.sheets.len() == 1 {
                    How::Single
                } else {
                    How::Agreed
                },
            },
        }
    }

    pub fn is_final(&self) -> bool {
        matches!(self, Standing::Final { .. })
    }
}

/// Everything about a round's review work, loaded once per request.
pub struct ReviewData {
    pub round: Round,
    pub version: Version,
    pub sheets: Vec<StoredSheet>,
    pub reconciliations: Vec<StoredReconciliation>,
    pub approvals: Vec<TeamApproval>,
    rubrics: BTreeMap<String, Rubric>,
    standings: BTreeMap<CaseFileId, Standing>,
}

impl ReviewData {
    pub fn load(conn: &mut DbConn, round: Round) -> Result<ReviewData, Error> {
        let loaded = results::load(conn, round.id)?.ok_or(Error::NotFound)?;
        let standings = loaded
            .files
            .iter()
            .map(|file| (file.file, Standing::of(file)))
            .collect();
        let RoundResults { round, version, .. } = loaded;
        let files: Vec<CaseFileId> = version
            .assignment
            .placements
            .iter()
            .map(|placement| placement.file)
            .collect();
        let sheets = sheets::for_files(conn, round.id, &files)?;
        let mut rubrics = BTreeMap::new();
        for sheet in &sheets {
            if !rubrics.contains_key(&sheet.rubric_hash) {
                let rubric = rubrics::load(conn, &sheet.rubric_hash)?;
                rubrics.insert(sheet.rubric_hash.clone(), rubric);
            }
        }
        let reconciliations = reconciliations::for_round(conn, round.id)?;
        let approvals = reconciliations::approvals(conn, round.id)?;
        Ok(ReviewData {
            round,
            version,
            sheets,
            reconciliations,
            approvals,
            rubrics,
            standings,
        })
    }

    pub fn sheet(&self, file: CaseFileId, reviewer: PersonId) -> Option<&StoredSheet> {
        self.sheets
            .iter()
            .find(|sheet| sheet.case_file_id == file && sheet.reviewer_id == reviewer)
    }

    /// Whether `viewer` may see the other reviewers' sheets of `file` (see
    /// [`crate::domain::scoring::actions::sees_co_reviews`]).
    pub fn sees_co_reviews(&self, viewer: Option<PersonId>, file: CaseFileId) -> bool {
        let Some(viewer) = viewer else {
            return true;
        };
        let reviews = self
            .version
            .assignment
            .placement(file)
            .is_some_and(|placement| placement.reviewers.contains(&viewer));
        crate::domain::scoring::actions::sees_co_reviews(
            reviews,
            self.sheet(file, viewer)
                .map(|sheet| sheet.sheet.state.status()),
        )
    }

    pub fn rubric_of(&self, sheet: &StoredSheet) -> Option<&Rubric> {
        self.rubrics.get(&sheet.rubric_hash)
    }

    /// The rubric the file's sheets were scored with.
    pub fn rubric_of_file(&self, placement: &Placement) -> Option<&Rubric> {
        placement
            .reviewers
            .iter()
            .find_map(|reviewer| self.sheet(placement.file, *reviewer))
            .and_then(|sheet| self.rubric_of(sheet))
    }

    /// The engine's result for a submitted (or reconciled) sheet.
    pub fn result_of(&self, sheet: &StoredSheet) -> Option<ScoreResult> {
        let rubric = self.rubric_of(sheet)?;
        score(rubric, &sheet.sheet.answers).ok()
    }

    pub fn reconciliation(&self, file: CaseFileId) -> Option<&StoredReconciliation> {
        self.reconciliations
            .iter()
            .find(|decision| decision.case_file_id == file)
    }

    pub fn team(&self, number: u32) -> Option<&Team> {
        self.version
            .assignment
            .teams
            .iter()
            .find(|team| team.number == number)
    }

    /// The files the team reviews: those whose team ([`crate::domain::assignment::Assignment::team_of_file`]) it is.
    pub fn team_placements(&self, team: u32) -> Vec<&Placement> {
        let assignment = &self.version.assignment;
        assignment
            .placements
            .iter()
            .filter(|placement| {
                assignment
                    .team_of_file(placement.file)
                    .is_some_and(|owner| owner.number == team)
            })
            .collect()
    }

    pub fn is_approved(&self, team: u32) -> bool {
        self.approval(team).is_some()
    }

    pub fn approval(&self, team: u32) -> Option<&TeamApproval> {
        self.approvals
            .iter()
            .find(|approval| approval.team_number == team)
    }

    /// Where a file stands, as `storage::results` worked it out.
    pub fn standing(&self, placement: &Placement) -> Standing {
        self.standings
            .get(&placement.file)
            .cloned()
            .unwrap_or(Standing::Pending {
                submitted: 0,
                needed: placement.reviewers.len(),
            })
    }

    pub fn reviewer_name(&self, person: PersonId) -> String {
        self.version.problem.reviewer_name(person).to_string()
    }

    pub fn case_number(&self, file: CaseFileId) -> String {
        self.version.problem.case_number(file).to_string()
    }

    /// The team the caller leads in this round.
    pub fn led_team(&self, person: Option<PersonId>, role: Role) -> Result<u32, Error> {
        let person = person.ok_or(Error::Forbidden)?;
        if role != Role::Reviewer {
            return Err(Error::Forbidden);
        }
        self.version
            .assignment
            .teams
            .iter()
            .find(|team| team.leader == person)
            .map(|team| team.number)
            .ok_or(Error::Forbidden)
    }

    /// The file's placement and team, checked: the caller leads the file's team.
    pub fn led_placement(
        &self,
        person: Option<PersonId>,
        role: Role,
        file: CaseFileId,
    ) -> Result<(u32, &Placement), Error> {
        self.led_team(person, role)?;
        let assignment = &self.version.assignment;
        let person = person.ok_or(Error::Forbidden)?;
        if !assignment.leads_file(person, file) {
            return Err(Error::Forbidden);
        }
        let team = assignment.team_of_file(file).ok_or(Error::Forbidden)?;
        let placement = assignment.placement(file).ok_or(Error::Forbidden)?;
        Ok((team.number, placement))
    }

    /// The case numbers of the team's files without a final result; refused when the team
    /// has no files.
    pub fn open_files(&self, team: u32) -> Result<(Vec<String>, u32), Error> {
        let placements = self.team_placements(team);
        if placements.is_empty() {
            return Err(Error::NoFiles);
        }
        let open = placements
            .iter()
            .filter(|placement| !self.standing(placement).is_final())
            .map(|placement| self.case_number(placement.file))
            .collect();
        Ok((open, u32::try_from(placements.len()).unwrap_or(u32::MAX)))
    }
}

/// Loads a round's review work.
pub fn review_data(conn: &mut DbConn, round_id: RoundId) -> Result<ReviewData, Error> {
    let round = rounds::find(conn, round_id)?;
    ReviewData::load(conn, round)
}

/// The leader approves the team's results (组长审核确认): in one transaction, every file of
/// the team the caller leads is checked to have a final result, and the approval recorded.
pub fn approve_team(
    conn: &mut DbConn,
    actor: &Actor,
    person: Option<PersonId>,
    role: Role,
    round_id: RoundId,
    now: NaiveDateTime,
) -> Result<(), Error> {
    storage::transaction(conn, |conn| {
        let data = review_data(conn, round_id)?;
        let team = data.led_team(person, role)?;
        let (open, files) = data.open_files(team)?;
        if !open.is_empty() {
            return Err(Error::OpenFiles(open));
        }
        reconciliations::approve(conn, actor, round_id, team, files, now)?;
        Ok(())
    })
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        Error::Storage(error.into())
    }
}
