//! Rectification (整改) use cases: findings generated or added by hand, notices drafted,
//! issued (numbered, made and stored in one step, see [`crate::app::issuing::issue_notice`]),
//! worked on by the unit (measures, evidence, report) and checked by the bureau (verify, send
//! back, close), 回头看, the notice PDF as issued, and the bureau's settings. Each takes the
//! connection, the caller and the clock and writes in one transaction; the state machine's
//! checks run inside it (storage guards every move by the stored state). The pages and
//! `pingcha pdf notice` call these.

use crate::app::document_data::DataError;
use crate::app::issuing::{self, IssueError, Issuer, NoticeIssueError};
use crate::app::messages::rectification as text;
use crate::documents::{Document, Fonts};
use crate::domain::UnitScope;
use crate::domain::doc_number::DocNumberFormat;
use crate::domain::evidence::EvidenceKind;
use crate::domain::ids::{FindingId, NoticeId, RoundId};
use crate::domain::people::{Account, Role};
use crate::domain::rectification::{Action, RectificationState, is_overdue};
use crate::domain::round::RoundStatus;
use crate::domain::round_actions::{self, RoundAction, RoundStateError};
use crate::domain::text_limits::{TextField, check_all};
use crate::storage::audit::Actor;
use crate::storage::rectification::{
    self, ActError, AddFindingError, BureauSettings, Caller, EvidenceMeta, FindingFilter,
    HistoryLine, ManualFinding, Notice, SampledFile, StoredFinding,
};
use crate::storage::rounds::{self, Round};
use crate::storage::{self, DbConn};
use chrono::{NaiveDate, NaiveDateTime};

/// Why a rectification use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused by the state machine or the notice's rules.
    #[error(transparent)]
    Act(#[from] ActError),
    /// A hand-added finding refused.
    #[error(transparent)]
    AddFinding(#[from] AddFindingError),
    /// A notice not issued (nothing was numbered).
    #[error(transparent)]
    Issue(#[from] NoticeIssueError),
    /// The notice's PDF could not be made.
    #[error(transparent)]
    Document(#[from] IssueError),
    /// The notice's data could not be read into its document.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A write the round's status does not allow.
    #[error(transparent)]
    Round(#[from] RoundStateError),
    /// The caller may not reach this.
    #[error("forbidden")]
    Forbidden,
    /// The caller's input, refused in the user's words.
    #[error("{0}")]
    Invalid(String),
    /// A draft has no PDF.
    #[error("{}", text::NOT_ISSUED)]
    NotIssued,
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        Error::Storage(error.into())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

// ---------------------------------------------------------------------------------------
// Overdue notifications

/// Stores the overdue notification (to the unit's managers and the administrators) of every
/// notice that is overdue by the one rule ([`Notice::counted_deadline`] and
/// [`is_overdue`]) and was not told yet: once per notice, whoever reads first. Returns how
/// many were stored.
pub fn record_overdue(conn: &mut DbConn, today: NaiveDate, now: NaiveDateTime) -> Result<usize> {
    use crate::storage::notifications::{self, Audience, Kind};
    let overdue: Vec<Notice> = rectification::notices(conn, UnitScope::All, None)?
        .into_iter()
        .filter(|notice| {
            notice
                .counted_deadline
                .is_some_and(|deadline| is_overdue(notice.state, deadline, today))
        })
        .collect();
    if overdue.is_empty() {
        return Ok(0);
    }
    storage::transaction(conn, |conn| {
        let told = notifications::notices_told_overdue(conn)?;
        let mut stored = 0;
        for notice in overdue
            .iter()
            .filter(|notice| !told.contains(&notice.id.to_string()))
        {
            let Some(deadline) = notice.counted_deadline else {
                continue;
            };
            let message = text::overdue(
                notice.doc_number.as_deref().unwrap_or_default(),
                &notice.unit_name,
                deadline,
            );
            for audience in [Audience::Unit(notice.unit_id), Audience::Admins] {
                notifications::notify(conn, audience, Kind::Overdue, notice.id, &message, now)?;
            }
            stored += 1;
        }
        Ok(stored)
    })
}

// ---------------------------------------------------------------------------------------
// Reading

/// The notices the scope allows: overdue first, then the nearest deadline, then drafts; and
/// for the bureau and leadership the rounds that have reached review.
pub struct Overview {
    pub notices: Vec<Notice>,
    pub rounds: Vec<Round>,
}

pub fn overview(
    conn: &mut DbConn,
    scope: UnitScope,
    role: Role,
    today: NaiveDate,
) -> Result<Overview> {
    let mut notices = rectification::notices(conn, scope, None)?;
    notices.sort_by_key(|notice| {
        let overdue = notice
            .counted_deadline
            .is_some_and(|deadline| is_overdue(notice.state, deadline, today));
        (
            !overdue,
            notice.deadline.is_none(),
            notice.deadline,
            notice.unit_name.clone(),
        )
    });
    let rounds = if role == Role::CenterManager {
        Vec::new()
    } else {
        rounds::list(conn)?
            .into_iter()
            .filter(|round| round.status >= RoundStatus::Reviewing)
            .collect()
    };
    Ok(Overview { notices, rounds })
}

/// A round's findings and notices, for the bureau and leadership.
pub struct RoundFindings {
    pub round: Round,
    pub findings: Vec<StoredFinding>,
    pub notices: Vec<Notice>,
    /// Each finding's file's case type (typical problems are counted per case type).
    pub case_types:
        std::collections::BTreeMap<crate::domain::ids::CaseFileId, crate::domain::CaseType>,
}

pub fn round_findings(conn: &mut DbConn, round_id: RoundId) -> Result<RoundFindings> {
    let round = rounds::find(conn, round_id)?;
    let findings = rectification::list_findings(
        conn,
        UnitScope::All,
        FindingFilter {
            round: Some(round_id),
            ..Default::default()
        },
    )?;
    let notices = rectification::notices(conn, UnitScope::All, Some(round_id))?;
    let files: Vec<_> = findings
        .iter()
        .map(|stored| stored.finding.case_file_id)
        .collect();
    let case_types = crate::storage::cases::case_types_of(conn, &files)?;
    Ok(RoundFindings {
        round,
        findings,
        notices,
        case_types,
    })
}

/// One notice with what its page shows.
pub struct NoticePage {
    pub notice: Notice,
    pub round_status: RoundStatus,
    pub findings: Vec<StoredFinding>,
    /// The unit's other findings of the round, which the administrator may add to a draft.
    pub others: Vec<StoredFinding>,
    pub history: Vec<HistoryLine>,
    pub evidence: Vec<EvidenceMeta>,
    /// Rounds after this one, where the administrator may schedule 回头看.
    pub later_rounds: Vec<Round>,
}

pub fn notice_page(
    conn: &mut DbConn,
    scope: UnitScope,
    role: Role,
    id: NoticeId,
) -> Result<NoticePage> {
    let admin = role == Role::BureauAdmin;
    let notice = rectification::notice(conn, scope, id)?;
    let by_notice = FindingFilter {
        notice: Some(id),
        include_withdrawn: true,
        ..Default::default()
    };
    let findings = rectification::list_findings(conn, scope, by_notice)?;
    let others = if admin && notice.state == RectificationState::Draft {
        let of_unit = FindingFilter {
            round: Some(notice.round_id),
            unit: Some(notice.unit_id),
            ..Default::default()
        };
        rectification::list_findings(conn, scope, of_unit)?
            .into_iter()
            .filter(|stored| stored.notice_id.is_none())
            .collect()
    } else {
        Vec::new()
    };
    let history = rectification::history(conn, id)?;
    let evidence = rectification::evidence_for_notice(conn, id)?;
    let this_round = rounds::find(conn, notice.round_id)?;
    let later_rounds = if admin {
        rounds::list(conn)?
            .into_iter()
            .filter(|round| round.settings.period_start > this_round.settings.period_end)
            .collect()
    } else {
        Vec::new()
    };
    Ok(NoticePage {
        notice,
        round_status: this_round.status,
        findings,
        others,
        history,
        evidence,
        later_rounds,
    })
}

/// One finding with its notice, evidence and history.
pub struct FindingPage {
    pub stored: StoredFinding,
    pub notice: Option<Notice>,
    pub round_status: RoundStatus,
    pub evidence: Vec<EvidenceMeta>,
    pub history: Vec<HistoryLine>,
}

pub fn finding_page(conn: &mut DbConn, scope: UnitScope, id: FindingId) -> Result<FindingPage> {
    let stored = rectification::finding(conn, scope, id)?;
    // A center manager sees a finding only once it is on an issued notice.
    let notice = match stored.notice_id {
        Some(notice) => Some(rectification::notice(conn, scope, notice)?),
        None if matches!(scope, UnitScope::Unit(_)) => return Err(Error::Forbidden),
        None => None,
    };
    let (evidence, history) = match &notice {
        Some(notice) => {
            let evidence = rectification::evidence_for_notice(conn, notice.id)?
                .into_iter()
                .filter(|file| file.finding_id == id)
                .collect();
            let own = id.to_string();
            let history = rectification::history(conn, notice.id)?
                .into_iter()
                .filter(|line| line.finding_id.as_deref() == Some(own.as_str()))
                .collect();
            (evidence, history)
        }
        None => (Vec::new(), Vec::new()),
    };
    let round_status = rounds::find(conn, stored.finding.round_id)?.status;
    Ok(FindingPage {
        stored,
        notice,
        round_status,
        evidence,
        history,
    })
}

/// The files the caller may add findings to: every sampled file for an administrator; for a
/// reviewer, the files whose team they lead in the published assignment
/// (`Assignment::leads_file`), and `Forbidden` when they lead no team of the round.
pub fn files_for_findings(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
) -> Result<Vec<SampledFile>> {
    let sampled = rectification::sampled_files(conn, round)?;
    if account.role == Role::BureauAdmin {
        return Ok(sampled);
    }
    let person = account.person_id.ok_or(Error::Forbidden)?;
    let published = storage::assignments::published(conn, round)?.ok_or(Error::Forbidden)?;
    let assignment = &published.assignment;
    if !assignment.teams.iter().any(|team| team.leader == person) {
        return Err(Error::Forbidden);
    }
    Ok(sampled
        .into_iter()
        .filter(|file| assignment.leads_file(person, file.id))
        .collect())
}

/// The bureau's settings as saved (the seeded ones until saved).
pub fn settings(conn: &mut DbConn) -> Result<BureauSettings> {
    Ok(rectification::settings(conn)?)
}

/// One notice, if the scope reaches it.
pub fn notice(conn: &mut DbConn, scope: UnitScope, id: NoticeId) -> Result<Notice> {
    Ok(rectification::notice(conn, scope, id)?)
}

/// A notice by its id or its document number (e.g. 银司法评〔2025〕3号), for the command line.
pub fn find_notice(conn: &mut DbConn, id_or_number: &str) -> Result<Notice> {
    let text = id_or_number.trim();
    let id = match text.parse::<NoticeId>() {
        Ok(id) => id,
        Err(_) => rectification::notice_by_number(conn, text)?
            .ok_or_else(|| Error::Invalid(text::unknown_notice(text)))?,
    };
    Ok(rectification::notice(conn, UnitScope::All, id)?)
}

// ---------------------------------------------------------------------------------------
// Writing

fn round_allows(conn: &mut DbConn, round: RoundId, action: RoundAction) -> Result<Round> {
    let round = rounds::find(conn, round)?;
    round_actions::check(round.status, action)?;
    Ok(round)
}

/// Turns the round's submitted sheets into findings (again: only what is new).
pub fn generate_findings(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    now: NaiveDateTime,
) -> Result<usize> {
    storage::transaction(conn, |conn| {
        round_allows(conn, round, RoundAction::GenerateFindings)?;
        Ok(rectification::generate_findings(conn, actor, round, now)?)
    })
}

/// Drafts a notice for every unit with findings; returns how many were created.
pub fn draft_notices(
    conn: &mut DbConn,
    actor: &Actor,
    round: RoundId,
    now: NaiveDateTime,
) -> Result<usize> {
    storage::transaction(conn, |conn| {
        let round = round_allows(conn, round, RoundAction::DraftNotices)?;
        Ok(rectification::draft_notices(conn, actor, &round, now)?)
    })
}

/// Adds a finding of the caller's own to a file they may reach (see [`files_for_findings`]).
pub fn add_finding(
    conn: &mut DbConn,
    actor: &Actor,
    account: &Account,
    input: &ManualFinding,
    now: NaiveDateTime,
) -> Result<FindingId> {
    storage::transaction(conn, |conn| {
        let allowed = files_for_findings(conn, account, input.round)?;
        if !allowed.iter().any(|file| file.id == input.case_file) {
            return Err(Error::Forbidden);
        }
        Ok(rectification::add_finding(conn, actor, input, now)?)
    })
}

/// Adds a finding of the notice's unit to a draft, or takes it off.
pub fn set_selected(
    conn: &mut DbConn,
    actor: &Actor,
    notice: NoticeId,
    finding: FindingId,
    selected: bool,
    now: NaiveDateTime,
) -> Result<()> {
    Ok(rectification::set_selected(
        conn, actor, notice, finding, selected, now,
    )?)
}

/// 下发 with `days` to rectify: numbered, made and stored in one transaction
/// ([`issuing::issue_notice`]).
#[allow(clippy::too_many_arguments)]
pub fn issue(
    conn: &mut DbConn,
    caller: &Caller,
    id: NoticeId,
    days: u32,
    today: NaiveDate,
    now: NaiveDateTime,
    fonts: &Fonts,
    issuer: Issuer,
) -> Result<Notice> {
    if !crate::domain::rectification::days_allowed(days) {
        return Err(Error::Invalid(text::DAYS_OUT_OF_RANGE.to_string()));
    }
    let issuer = issuing::issuer_name(conn, issuer)?;
    let (notice, _) = issuing::issue_notice(conn, caller, id, days, today, now, fonts, &issuer)?;
    Ok(notice)
}

/// 更正 of an issued notice: a new number, date and 核验码; the old version stays stored and
/// is marked as superseded ([`issuing::correct_notice`]).
pub fn correct(
    conn: &mut DbConn,
    caller: &Caller,
    id: NoticeId,
    today: NaiveDate,
    now: NaiveDateTime,
    fonts: &Fonts,
    issuer: Issuer,
) -> Result<Notice> {
    let issuer = issuing::issuer_name(conn, issuer)?;
    let (notice, _) = issuing::correct_notice(conn, caller, id, today, now, fonts, &issuer)?;
    Ok(notice)
}

/// The unit records its measures for a finding (starting the work when it waits).
pub fn save_measures(
    conn: &mut DbConn,
    caller: &Caller,
    id: FindingId,
    measures: &str,
    now: NaiveDateTime,
) -> Result<()> {
    if measures.trim().is_empty() {
        return Err(Error::Invalid(text::MEASURES_EMPTY.to_string()));
    }
    Ok(rectification::save_measures(
        conn, caller, id, measures, now,
    )?)
}

/// An action on one finding; returns its new state and its notice.
pub fn act_on_finding(
    conn: &mut DbConn,
    caller: &Caller,
    id: FindingId,
    action: &Action,
    now: NaiveDateTime,
) -> Result<(RectificationState, Option<NoticeId>)> {
    storage::transaction(conn, |conn| {
        let to = rectification::act_on_finding(conn, caller, id, action, now)?;
        let notice = rectification::finding(conn, caller.scope, id)?.notice_id;
        Ok((to, notice))
    })
}

/// An action on a notice (the report travels with a submit); returns its new state.
pub fn act_on_notice(
    conn: &mut DbConn,
    caller: &Caller,
    id: NoticeId,
    action: &Action,
    report: Option<&str>,
    now: NaiveDateTime,
) -> Result<RectificationState> {
    Ok(rectification::act_on_notice(
        conn, caller, id, action, report, now,
    )?)
}

/// 回头看 in a later round.
pub fn schedule_follow_up(
    conn: &mut DbConn,
    actor: &Actor,
    id: NoticeId,
    round: RoundId,
    note: &str,
    now: NaiveDateTime,
) -> Result<()> {
    Ok(rectification::schedule_follow_up(
        conn, actor, id, round, note, now,
    )?)
}

/// Stores a checked evidence file for a finding the unit works on; returns its id.
pub fn add_evidence(
    conn: &mut DbConn,
    caller: &Caller,
    id: FindingId,
    file_name: &str,
    kind: EvidenceKind,
    bytes: &[u8],
    now: NaiveDateTime,
) -> Result<String> {
    Ok(rectification::add_evidence(
        conn, caller, id, file_name, kind, bytes, now,
    )?)
}

/// An evidence file with its bytes and kind, if the scope reaches it.
pub fn evidence(
    conn: &mut DbConn,
    scope: UnitScope,
    id: &str,
) -> Result<(EvidenceMeta, EvidenceKind, Vec<u8>)> {
    let (meta, bytes) = rectification::evidence(conn, scope, id)?;
    let kind = EvidenceKind::from_content_type(&meta.content_type).ok_or_else(|| {
        Error::Storage(storage::Error::Corrupt(
            "stored evidence of unknown type".to_string(),
        ))
    })?;
    Ok((meta, kind, bytes))
}

/// The notice as the unit received it: the exact PDF stored when it was issued, never laid
/// out again from data that may have changed since. A notice numbered by a version that did
/// not keep the PDF (or the demo's history) gets it made once now, stored, and served as
/// stored from then on. Returns the bytes and the document number. The page's download and
/// `pingcha pdf notice` both come here, so they give the same bytes.
pub fn notice_pdf(
    conn: &mut DbConn,
    scope: UnitScope,
    id: NoticeId,
    actor: &Actor,
    issuer: Issuer,
    fonts: &Fonts,
    now: NaiveDateTime,
) -> Result<(Vec<u8>, String)> {
    storage::transaction(conn, |conn| {
        let notice = rectification::notice(conn, scope, id)?;
        let Some(number) = notice.doc_number.clone() else {
            return Err(Error::NotIssued);
        };
        let stored = match rectification::issued_code(conn, id)? {
            Some(code) => storage::issued::content(conn, &code)?,
            None => None,
        };
        if let Some(bytes) = stored {
            return Ok((bytes, number));
        }
        let view = crate::app::document_data::notice(conn, &notice)?;
        let issuer = issuing::issuer_name(conn, issuer)?;
        let issued = issuing::issue(
            conn,
            Document::Notice(&view),
            &issuing::notice_subject(id),
            fonts,
            actor,
            &issuer,
            &mut |_, _| {},
        )?;
        rectification::set_issued_code(conn, actor, id, &issued.record.code, now)?;
        Ok((issued.bytes, number))
    })
}

/// The settings form as typed.
pub struct SettingsInput<'a> {
    pub bureau_name: &'a str,
    pub doc_prefix: &'a str,
    pub contact: Option<&'a str>,
}

/// Saves the bureau's settings: a name, a valid document-number prefix, texts within limits.
pub fn save_settings(
    conn: &mut DbConn,
    actor: &Actor,
    input: &SettingsInput<'_>,
    now: NaiveDateTime,
) -> Result<()> {
    let bureau_name = input.bureau_name.trim().to_string();
    if bureau_name.is_empty() {
        return Err(Error::Invalid(text::BUREAU_NAME_EMPTY.to_string()));
    }
    let format = DocNumberFormat::new(input.doc_prefix)
        .map_err(|error| Error::Invalid(error.to_string()))?;
    let settings = BureauSettings {
        bureau_name,
        doc_prefix: format.prefix().to_string(),
        contact: input.contact.unwrap_or_default().trim().to_string(),
    };
    check_all([
        (TextField::BureauName, settings.bureau_name.as_str()),
        (TextField::DocPrefix, settings.doc_prefix.as_str()),
        (TextField::BureauContact, settings.contact.as_str()),
    ])
    .map_err(|error| Error::Invalid(error.to_string()))?;
    Ok(rectification::save_settings(conn, actor, &settings, now)?)
}
