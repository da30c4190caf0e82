//! The typed views the rectification pages and API answers render. Field names are the
//! templates' and the API's; each view is built from storage's records in one place.

use crate::domain::ids::{CaseFileId, FindingId, NoticeId, RoundId, UnitId};
use crate::domain::rectification::{DeadlineAlert, RectificationState, deadline_alert};
use crate::storage::rectification::{
    EvidenceMeta, FindingObjection, HistoryLine, Notice, StoredFinding,
};
use crate::storage::rounds::Round;
use chrono::NaiveDate;
use serde::Serialize;

/// A deadline's alert: 已逾期 / 即将到期, or nothing.
#[derive(Debug, Serialize)]
pub struct AlertView {
    overdue: bool,
    text: Option<String>,
}

impl AlertView {
    fn new(state: RectificationState, deadline: Option<NaiveDate>, today: NaiveDate) -> Self {
        let alert = deadline.and_then(|deadline| deadline_alert(state, deadline, today));
        AlertView {
            overdue: matches!(alert, Some(DeadlineAlert::Overdue(_))),
            text: alert.map(DeadlineAlert::describe),
        }
    }
}

/// A finding's alert on its notice's page. Overdue has one definition everywhere: the
/// notice's counted deadline ([`Notice::counted_deadline`]: not running while an objection to
/// any of its findings is open, moved on by the longest one once decided) against the
/// finding's own state; a finding withdrawn by objection has none.
#[derive(Debug, Serialize)]
pub struct FindingAlertView {
    #[serde(flatten)]
    alert: AlertView,
    deadline: Option<NaiveDate>,
    paused: bool,
}

impl FindingAlertView {
    fn new(stored: &StoredFinding, notice: &Notice, today: NaiveDate) -> Self {
        let withdrawn = stored.withdrawn();
        let deadline = notice.counted_deadline.filter(|_| !withdrawn);
        FindingAlertView {
            alert: AlertView::new(stored.state, deadline, today),
            deadline,
            paused: !withdrawn
                && notice.deadline.is_some()
                && notice.counted_deadline.is_none()
                && stored.state.deadline_runs(),
        }
    }
}

/// A notice as lists, pages and the API show it.
#[derive(Debug, Serialize)]
pub struct NoticeView<'a> {
    id: NoticeId,
    round_id: RoundId,
    round_name: &'a str,
    unit_id: UnitId,
    unit_name: &'a str,
    state: &'static str,
    state_label: &'static str,
    doc_number: Option<&'a str>,
    issued_on: Option<NaiveDate>,
    deadline: Option<NaiveDate>,
    days: i32,
    report: &'a str,
    follow_up_round_id: Option<RoundId>,
    follow_up_note: Option<&'a str>,
    alert: AlertView,
    is_draft: bool,
}

impl<'a> NoticeView<'a> {
    pub fn new(notice: &'a Notice, today: NaiveDate) -> Self {
        NoticeView {
            id: notice.id,
            round_id: notice.round_id,
            round_name: &notice.round_name,
            unit_id: notice.unit_id,
            unit_name: &notice.unit_name,
            state: notice.state.code(),
            state_label: notice.state.notice_label(),
            doc_number: notice.doc_number.as_deref(),
            issued_on: notice.issued_on,
            deadline: notice.deadline,
            days: notice.days,
            report: &notice.report,
            follow_up_round_id: notice.follow_up_round_id,
            follow_up_note: notice.follow_up_note.as_deref(),
            alert: AlertView::new(notice.state, notice.counted_deadline, today),
            is_draft: notice.state == RectificationState::Draft,
        }
    }

    pub fn list(notices: &'a [Notice], today: NaiveDate) -> Vec<Self> {
        notices
            .iter()
            .map(|notice| NoticeView::new(notice, today))
            .collect()
    }
}

/// A finding as lists, pages and the API show it.
#[derive(Debug, Serialize)]
pub struct FindingView<'a> {
    id: FindingId,
    round_id: RoundId,
    case_file_id: CaseFileId,
    case_no: &'a str,
    unit_id: UnitId,
    unit_name: &'a str,
    item_code: &'a str,
    item_text: &'a str,
    handler_name: &'a str,
    law_firm_name: Option<&'a str>,
    points_deducted: String,
    reason: &'a str,
    page_ref: Option<&'a str>,
    source: &'static str,
    source_label: &'static str,
    severity: &'static str,
    severity_label: &'static str,
    state: &'static str,
    state_label: &'static str,
    /// Withdrawn by objection (撤销): closed, nothing to rectify.
    withdrawn: bool,
    measures: &'a str,
    notice_id: Option<NoticeId>,
    reasons: Option<&'a str>,
    objection: Option<&'a FindingObjection>,
}

impl<'a> FindingView<'a> {
    pub fn new(stored: &'a StoredFinding) -> Self {
        let finding = &stored.finding;
        FindingView {
            id: finding.id,
            round_id: finding.round_id,
            case_file_id: finding.case_file_id,
            case_no: &stored.case_no,
            unit_id: finding.unit_id,
            unit_name: &stored.unit_name,
            item_code: &finding.item_code,
            item_text: &finding.item_text,
            handler_name: &finding.handler_name,
            law_firm_name: finding.law_firm_name.as_deref(),
            points_deducted: finding.points_deducted.to_string(),
            reason: &finding.reason,
            page_ref: finding.page_ref.as_deref(),
            source: finding.source.code(),
            source_label: finding.source.label(),
            severity: finding.severity.code(),
            severity_label: finding.severity.label(),
            state: stored.state.code(),
            state_label: if stored.withdrawn() {
                crate::app::messages::rectification::WITHDRAWN_LABEL
            } else {
                stored.state.label()
            },
            withdrawn: stored.withdrawn(),
            measures: &stored.measures,
            notice_id: stored.notice_id,
            reasons: stored.reasons.as_deref(),
            objection: stored.objection.as_ref(),
        }
    }

    pub fn list(findings: &'a [StoredFinding]) -> Vec<Self> {
        findings.iter().map(FindingView::new).collect()
    }
}

/// A finding on its notice's page: with its evidence and its own deadline alert.
#[derive(Debug, Serialize)]
pub struct NoticeFindingView<'a> {
    #[serde(flatten)]
    finding: FindingView<'a>,
    evidence: Vec<&'a EvidenceMeta>,
    alert: FindingAlertView,
}

/// A notice with its findings and history (the API's answer, the page's core).
#[derive(Debug, Serialize)]
pub struct NoticeDetail<'a> {
    notice: NoticeView<'a>,
    finding_count: usize,
    findings: Vec<NoticeFindingView<'a>>,
    history: &'a [HistoryLine],
}

impl<'a> NoticeDetail<'a> {
    pub fn new(
        notice: &'a Notice,
        findings: &'a [StoredFinding],
        evidence: &'a [EvidenceMeta],
        history: &'a [HistoryLine],
        today: NaiveDate,
    ) -> Self {
        let findings: Vec<NoticeFindingView<'a>> = findings
            .iter()
            .map(|stored| NoticeFindingView {
                finding: FindingView::new(stored),
                evidence: evidence
                    .iter()
                    .filter(|file| file.finding_id == stored.finding.id)
                    .collect(),
                alert: FindingAlertView::new(stored, notice, today),
            })
            .collect();
        NoticeDetail {
            notice: NoticeView::new(notice, today),
            finding_count: findings
                .iter()
                .filter(|finding| !finding.finding.withdrawn)
                .count(),
            findings,
            history,
        }
    }
}

/// A finding with its notice, evidence and history (the API's answer, the page's core).
#[derive(Debug, Serialize)]
pub struct FindingDetail<'a> {
    pub finding: FindingView<'a>,
    pub notice: Option<NoticeView<'a>>,
    pub evidence: &'a [EvidenceMeta],
    pub history: &'a [HistoryLine],
}

/// A round as a link or a choice: id and name.
#[derive(Debug, Serialize)]
pub struct RoundLink<'a> {
    id: RoundId,
    name: &'a str,
}

impl<'a> RoundLink<'a> {
    pub fn list(rounds: &'a [Round]) -> Vec<Self> {
        rounds
            .iter()
            .map(|round| RoundLink {
                id: round.id,
                name: &round.settings.name,
            })
            .collect()
    }
}
