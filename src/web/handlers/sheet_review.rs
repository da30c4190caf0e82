//! The team leader's view of the team's sheets (组长), returning a submitted sheet to its
//! reviewer with a comment, and the administrator's reopening of a locked sheet with a
//! recorded reason. Both go through the sheet's state machine and version check.

use crate::app::messages::scoring as messages;
use crate::app::reconciliation::ReviewData;
use crate::domain::ids::{CaseFileId, PersonId, RoundId};
use crate::domain::people::Role;
use crate::domain::scoring::actions::review_actions;
use crate::domain::scoring::sheet::{SheetAction, SheetActor, SheetError};
use crate::storage::rounds::RoundView;
use crate::storage::sheets::{self, SaveError};
use crate::storage::{self, assignments};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::reconcile::{page_of, sheet_state, sheet_total};
use crate::web::handlers::rounds::{load_round, parse_round_id};
use crate::web::handlers::see_other;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// One review of the team's files.
#[derive(Serialize)]
struct TeamRow {
    file: String,
    case_number: String,
    reviewer: String,
    reviewer_name: String,
    state: &'static str,
    /// The leader may return it (a button from the domain's actions).
    submitted: bool,
    version: i64,
    total: Option<String>,
    grade: Option<String>,
}

#[derive(Serialize)]
struct TeamTable {
    team: u32,
    rows: Vec<TeamRow>,
}

#[derive(Serialize)]
struct TeamView {
    round: RoundView,
    team: TeamTable,
}

/// GET /rounds/{id}/team: every sheet of the files of the team the caller leads.
pub async fn team(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    let person = user.account.person_id.ok_or(WebError::Forbidden)?;
    let round = load_round(&state, round_id).await?;
    let status = round.status;
    let table = state
        .db(move |conn| {
            let version = assignments::published(conn, round_id)?.ok_or(WebError::NotFound)?;
            let assignment = &version.assignment;
            let team = assignment
                .teams
                .iter()
                .find(|team| team.leader == person)
                .ok_or(WebError::Forbidden)?;
            let problem = &version.problem;
            let placements: Vec<_> = assignment
                .placements
                .iter()
                .filter(|placement| assignment.leads_file(person, placement.file))
                .collect();
            let files: Vec<CaseFileId> =
                placements.iter().map(|placement| placement.file).collect();
            let stored = sheets::for_files(conn, round_id, &files)?;
            let mut rows = Vec::new();
            for placement in placements {
                // A leader who reviews the file too sees the others' scores only after
                // submitting their own.
                let own = stored
                    .iter()
                    .find(|sheet| {
                        sheet.case_file_id == placement.file && sheet.reviewer_id == person
                    })
                    .map(|sheet| sheet.sheet.state.status());
                let sees = crate::domain::scoring::actions::sees_co_reviews(
                    placement.reviewers.contains(&person),
                    own,
                );
                for reviewer in &placement.reviewers {
                    let shown = sees || *reviewer == person;
                    let sheet = stored.iter().find(|sheet| {
                        sheet.case_file_id == placement.file && sheet.reviewer_id == *reviewer
                    });
                    let actions =
                        review_actions(status, sheet.map(|sheet| sheet.sheet.state.status()));
                    rows.push(TeamRow {
                        file: placement.file.to_string(),
                        case_number: problem.case_number(placement.file).to_string(),
                        reviewer: reviewer.to_string(),
                        reviewer_name: problem.reviewer_name(*reviewer).to_string(),
                        state: sheet_state(sheet),
                        submitted: actions.send_back,
                        version: sheet.map_or(0, |sheet| sheet.sheet.version),
                        total: sheet_total(sheet.filter(|_| shown)),
                        grade: sheet
                            .filter(|_| shown)
                            .and_then(|sheet| sheet.grade.clone()),
                    });
                }
            }
            Ok(TeamTable {
                team: team.number,
                rows,
            })
        })
        .await?;
    let view = TeamView {
        round: RoundView::from(&round),
        team: table,
    };
    page_of(&request, "sheets/team", "本组评查进度", &user, &view)
}

#[derive(Deserialize)]
pub struct NoteForm {
    version: i64,
    #[serde(default)]
    text: String,
}

fn parse_target(path: &(String, String, String)) -> WebResult<(RoundId, CaseFileId, PersonId)> {
    Ok((
        parse_round_id(&path.0)?,
        path.1.parse().map_err(|_| WebError::NotFound)?,
        path.2.parse().map_err(|_| WebError::NotFound)?,
    ))
}

/// Applies a leader's return or an administrator's reopening.
async fn act(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    target: (RoundId, CaseFileId, PersonId),
    form: NoteForm,
    returning: bool,
) -> WebResult<HttpResponse> {
    let (round_id, file, reviewer) = target;
    let caller = user.account.person_id;
    let role = user.account.role;
    let actor = user.actor(request);
    state
        .db(move |conn| {
            let stored = sheets::find(conn, round_id, file, reviewer)?.ok_or(WebError::NotFound)?;
            // The one definition of the file's leader: the published assignment's.
            let is_team_leader = match (returning, caller) {
                (true, Some(caller)) => assignments::published(conn, round_id)?
                    .is_some_and(|version| version.assignment.leads_file(caller, file)),
                _ => false,
            };
            if returning && !is_team_leader {
                return Err(WebError::Forbidden);
            }
            let sheet_actor = SheetActor {
                role,
                is_assigned_reviewer: false,
                is_team_leader,
            };
            let action = if returning {
                SheetAction::Return {
                    comment: &form.text,
                }
            } else {
                SheetAction::Reopen { reason: &form.text }
            };
            let update = stored
                .sheet
                .apply(form.version, action, sheet_actor)
                .map_err(|error| match error {
                    SheetError::NotPermitted { .. } => WebError::Forbidden,
                    SheetError::CommentRequired
                    | SheetError::ReasonRequired
                    | SheetError::Text(_) => WebError::BadRequest(error.to_string()),
                    other => WebError::Conflict(other.to_string()),
                })?;
            match sheets::save(conn, &actor, &stored, &update, None, storage::now()) {
                Ok(()) => Ok(()),
                Err(SaveError::Stale { stored: current }) => Err(WebError::Conflict(
                    SheetError::StaleVersion {
                        stored: current,
                        presented: form.version,
                    }
                    .to_string(),
                )),
                Err(SaveError::Refused(refusal)) => Err(WebError::Conflict(refusal.to_string())),
                Err(SaveError::Storage(error)) => Err(error.into()),
            }
        })
        .await?;
    let back = if role == Role::BureauAdmin {
        format!("/rounds/{round_id}")
    } else {
        format!("/rounds/{round_id}/team")
    };
    Ok(see_other(&back))
}

/// POST /rounds/{id}/files/{file}/sheets/{reviewer}/return (组长, with a comment).
pub async fn send_back(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String, String)>,
    form: web::Form<NoteForm>,
) -> WebResult<HttpResponse> {
    let target = parse_target(&path)?;
    act(&request, &state, &user, target, form.into_inner(), true).await
}

/// POST /rounds/{id}/files/{file}/sheets/{reviewer}/reopen (管理员, with a reason).
pub async fn reopen(
    Ctx(request, state, user): Ctx,
    path: web::Path<(String, String, String)>,
    form: web::Form<NoteForm>,
) -> WebResult<HttpResponse> {
    let target = parse_target(&path)?;
    act(&request, &state, &user, target, form.into_inner(), false).await
}

/// Counts of one group's review work.
#[derive(Default, Serialize)]
struct Tally {
    assigned: usize,
    not_started: usize,
    drafting: usize,
    submitted: usize,
}

impl Tally {
    fn add(&mut self, status: Option<crate::domain::scoring::sheet::SheetStatus>) {
        use crate::domain::scoring::sheet::SheetStatus;
        self.assigned += 1;
        match status {
            None => self.not_started += 1,
            Some(SheetStatus::Submitted | SheetStatus::Reconciled) => self.submitted += 1,
            Some(SheetStatus::Draft | SheetStatus::Returned | SheetStatus::Reopened) => {
                self.drafting += 1
            }
        }
    }
}

/// GET /rounds/{id}/progress: the administrator's (and leadership's) view of the review work
/// by team, by inspected unit and by reviewer.
pub async fn progress(
    Ctx(request, state, user): Ctx,
    id: web::Path<String>,
) -> WebResult<HttpResponse> {
    let round_id = parse_round_id(&id)?;
    progress_page(&request, &state, &user, round_id, None).await
}

/// The progress page, with the refusal of a reassignment when there was one (the page comes
/// back with its message instead of a bare error page).
pub async fn progress_page(
    request: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    round_id: RoundId,
    error: Option<String>,
) -> WebResult<HttpResponse> {
    use std::collections::BTreeMap;
    let round = load_round(state, round_id).await?;
    let tables = state
        .db(move |conn| {
            let Some(version) = assignments::published(conn, round_id)? else {
                return Ok(None);
            };
            let problem = &version.problem;
            let files: Vec<CaseFileId> = version
                .assignment
                .placements
                .iter()
                .map(|placement| placement.file)
                .collect();
            let stored = sheets::for_files(conn, round_id, &files)?;
            let status_of = |file: CaseFileId, reviewer: PersonId| {
                stored
                    .iter()
                    .find(|sheet| sheet.case_file_id == file && sheet.reviewer_id == reviewer)
                    .map(|sheet| sheet.sheet.state.status())
            };
            let mut by_team: BTreeMap<u32, Tally> = BTreeMap::new();
            let mut by_unit: BTreeMap<String, Tally> = BTreeMap::new();
            let mut by_reviewer: BTreeMap<String, Tally> = BTreeMap::new();
            for placement in &version.assignment.placements {
                let unit = problem
                    .file(placement.file)
                    .map_or("", |file| problem.unit_name(file.unit))
                    .to_string();
                for reviewer in &placement.reviewers {
                    let status = status_of(placement.file, *reviewer);
                    if let Some(team) = version.assignment.team_of_member(*reviewer) {
                        by_team.entry(team.number).or_default().add(status);
                    }
                    by_unit.entry(unit.clone()).or_default().add(status);
                    by_reviewer
                        .entry(problem.reviewer_name(*reviewer).to_string())
                        .or_default()
                        .add(status);
                }
            }
            let rows = |map: BTreeMap<String, Tally>| -> Vec<TallyRow> {
                map.into_iter()
                    .map(|(name, tally)| TallyRow { name, tally })
                    .collect()
            };
            let teams = by_team
                .into_iter()
                .map(|(number, tally)| TallyRow {
                    name: messages::team_name(number),
                    tally,
                })
                .collect();
            Ok(Some(ProgressTables {
                teams,
                units: rows(by_unit),
                reviewers: rows(by_reviewer),
            }))
        })
        .await?;
    // The administrator also gets every review with the reassignment form.
    let reassign = if user.account.role == Role::BureauAdmin && tables.is_some() {
        let round = round.clone();
        Some(
            state
                .db(move |conn| {
                    let data = ReviewData::load(conn, round)?;
                    Ok(crate::web::handlers::reconcile::reassign_rows(&data))
                })
                .await?,
        )
    } else {
        None
    };
    let view = ProgressView {
        round: RoundView::from(&round),
        tables,
        reassign,
        error,
    };
    page_of(request, "sheets/progress", "评查进度", user, &view)
}

#[derive(Serialize)]
struct TallyRow {
    name: String,
    tally: Tally,
}

#[derive(Serialize)]
struct ProgressTables {
    teams: Vec<TallyRow>,
    units: Vec<TallyRow>,
    reviewers: Vec<TallyRow>,
}

#[derive(Serialize)]
struct ProgressView {
    round: RoundView,
    tables: Option<ProgressTables>,
    reassign: Option<crate::web::handlers::reconcile::ReassignView>,
    /// Why a reassignment was refused (nothing changed).
    error: Option<String>,
}
