//! In-app notifications: events stored for each user they concern (a notice issued to their
//! unit, an item sent back, a report submitted). Approaching and passed deadlines are not
//! stored: they are computed from the notices whenever the list is read.

use crate::domain::UnitScope;
use crate::domain::ids::{NoticeId, ObjectionId, UnitId, UserId};
use crate::domain::people::{Account, Role};
use crate::domain::rectification::{DeadlineAlert, deadline_alert};
use crate::storage::rectification::{self, Notice};
use crate::storage::schema::{notifications, users};
use crate::storage::{DbConn, Result, new_id, parse_id};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

/// What happened; the stored code of a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NoticeIssued,
    SentBack,
    ReportSubmitted,
    ObjectionFiled,
    ObjectionDecided,
    /// A notice's deadline passed with work still in the unit's hands (stored once per notice).
    Overdue,
    /// A reviewer's files in a published assignment.
    FilesAssigned,
    /// A file of the team waits for 合议 (to the team leader).
    ReconcileWaiting,
    /// A sheet sent back to its reviewer.
    SheetReturned,
    /// A borderline file added to a reviewer.
    SecondReview,
    /// A borderline file nobody could take (to the administrators).
    SecondReviewUnassigned,
    /// The round's review deadline is near or passed.
    ReviewDeadline,
    /// Sampled files still without an electronic case file (电子卷宗).
    CaseFilesMissing,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::NoticeIssued => "notice_issued",
            Kind::SentBack => "sent_back",
            Kind::ReportSubmitted => "report_submitted",
            Kind::ObjectionFiled => "objection_filed",
            Kind::ObjectionDecided => "objection_decided",
            Kind::Overdue => "overdue",
            Kind::FilesAssigned => "files_assigned",
            Kind::ReconcileWaiting => "reconcile_waiting",
            Kind::SheetReturned => "sheet_returned",
            Kind::SecondReview => "second_review",
            Kind::SecondReviewUnassigned => "second_review_unassigned",
            Kind::ReviewDeadline => "review_deadline",
            Kind::CaseFilesMissing => "case_files_missing",
        }
    }
}

/// Who is told: the center managers of a unit, every administrator, or named accounts.
#[derive(Debug, Clone, Copy)]
pub enum Audience<'a> {
    Unit(UnitId),
    Admins,
    Users(&'a [UserId]),
}

/// What a notification opens.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Notice(NoticeId),
    Objection(ObjectionId),
    /// Nothing to open (the message says it all).
    Nothing,
}

/// Stores one notification per active account of the audience.
pub fn notify(
    conn: &mut DbConn,
    audience: Audience<'_>,
    kind: Kind,
    notice: NoticeId,
    message: &str,
    now: NaiveDateTime,
) -> Result<()> {
    notify_about(conn, audience, kind, Target::Notice(notice), message, now)
}

/// Stores one notification per active account of the audience, opening `target`.
pub fn notify_about(
    conn: &mut DbConn,
    audience: Audience<'_>,
    kind: Kind,
    target: Target,
    message: &str,
    now: NaiveDateTime,
) -> Result<()> {
    let recipients: Vec<String> = match audience {
        Audience::Unit(unit) => users::table
            .filter(users::role.eq(Role::CenterManager.code()))
            .filter(users::unit_id.eq(unit.to_string()))
            .filter(users::active.eq(true))
            .select(users::id)
            .load(conn)?,
        Audience::Admins => users::table
            .filter(users::role.eq(Role::BureauAdmin.code()))
            .filter(users::active.eq(true))
            .select(users::id)
            .load(conn)?,
        Audience::Users(ids) => users::table
            .filter(users::id.eq_any(ids.iter().map(ToString::to_string)))
            .filter(users::active.eq(true))
            .select(users::id)
            .load(conn)?,
    };
    let (notice, objection) = match target {
        Target::Notice(id) => (Some(id.to_string()), None),
        Target::Objection(id) => (None, Some(id.to_string())),
        Target::Nothing => (None, None),
    };
    for user in recipients {
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(new_id().to_string()),
                notifications::user_id.eq(user),
                notifications::kind.eq(kind.code()),
                notifications::notice_id.eq(&notice),
                notifications::objection_id.eq(&objection),
                notifications::message.eq(message),
                notifications::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a notification opening `link` for each active account among `users` that was not
/// told under `once_key` before: an event looked for on every page view is stored once.
pub fn notify_once(
    conn: &mut DbConn,
    users: &[UserId],
    kind: Kind,
    link: &str,
    once_key: &str,
    message: &str,
    now: NaiveDateTime,
) -> Result<usize> {
    let ids: Vec<String> = users.iter().map(ToString::to_string).collect();
    let active: Vec<String> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?;
    let told: Vec<String> = notifications::table
        .filter(notifications::user_id.eq_any(&active))
        .filter(notifications::once_key.eq(once_key))
        .select(notifications::user_id)
        .load(conn)?;
    let mut stored = 0;
    for user in active.into_iter().filter(|user| !told.contains(user)) {
        diesel::insert_into(notifications::table)
            .values((
                notifications::id.eq(new_id().to_string()),
                notifications::user_id.eq(user),
                notifications::kind.eq(kind.code()),
                notifications::message.eq(message),
                notifications::created_at.eq(now),
                notifications::link.eq(Some(link)),
                notifications::once_key.eq(Some(once_key)),
            ))
            .execute(conn)?;
        stored += 1;
    }
    Ok(stored)
}

/// The accounts of these people (a person without an account is left out).
pub fn users_of_people(
    conn: &mut DbConn,
    people: &[crate::domain::ids::PersonId],
) -> Result<Vec<UserId>> {
    let ids: Vec<String> = people.iter().map(ToString::to_string).collect();
    let found: Vec<String> = users::table
        .filter(users::person_id.eq_any(&ids))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?;
    found.iter().map(|id| parse_id(id)).collect()
}

/// The ids of the active administrators.
pub fn admin_ids(conn: &mut DbConn) -> Result<Vec<UserId>> {
    let ids: Vec<String> = users::table
        .filter(users::role.eq(Role::BureauAdmin.code()))
        .filter(users::active.eq(true))
        .select(users::id)
        .load(conn)?;
    ids.iter().map(|id| parse_id(id)).collect()
}

/// A stored notification as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Stored {
    pub id: String,
    pub kind: String,
    pub notice_id: Option<NoticeId>,
    pub objection_id: Option<ObjectionId>,
    /// The page the notification opens.
    pub link: String,
    pub message: String,
    pub created_at: NaiveDateTime,
    /// `created_at` to the minute, as the list shows it (UTC).
    pub created_text: String,
    pub read: bool,
}

/// The user's notifications, newest first.
pub fn for_user(conn: &mut DbConn, user: UserId, limit: i64) -> Result<Vec<Stored>> {
    let rows: Vec<NotificationRow> = notifications::table
        .filter(notifications::user_id.eq(user.to_string()))
        .order(notifications::created_at.desc())
        .select(NotificationRow::as_select())
        .limit(limit)
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let notice_id: Option<NoticeId> = row.notice_id.as_deref().map(parse_id).transpose()?;
            let objection_id: Option<ObjectionId> =
                row.objection_id.as_deref().map(parse_id).transpose()?;
            let link = match (notice_id, objection_id, row.link) {
                (_, Some(objection), _) => format!("/objections/{objection}"),
                (Some(notice), None, _) => format!("/notices/{notice}"),
                (None, None, Some(link)) => link,
                (None, None, None) => "/notifications".to_string(),
            };
            Ok(Stored {
                id: row.id,
                kind: row.kind,
                notice_id,
                objection_id,
                link,
                message: row.message,
                created_text: crate::domain::local_time::minutes(row.created_at),
                created_at: row.created_at,
                read: row.read_at.is_some(),
            })
        })
        .collect()
}

/// A notification as read back.
#[derive(Queryable, Selectable)]
#[diesel(table_name = notifications)]
struct NotificationRow {
    id: String,
    kind: String,
    notice_id: Option<String>,
    objection_id: Option<String>,
    message: String,
    created_at: NaiveDateTime,
    read_at: Option<NaiveDateTime>,
    link: Option<String>,
}

pub fn unread_count(conn: &mut DbConn, user: UserId) -> Result<i64> {
    Ok(notifications::table
        .filter(notifications::user_id.eq(user.to_string()))
        .filter(notifications::read_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Marks every notification of the user read.
pub fn mark_all_read(conn: &mut DbConn, user: UserId, now: NaiveDateTime) -> Result<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user.to_string()))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now))
    .execute(conn)?)
}

/// Deadline reminders for the account, computed now: a center manager hears of every
/// approaching or passed deadline of their unit, administrators and leadership of every
/// overdue notice; reviewers of none. Overdue first, then by deadline.
pub fn deadline_reminders(
    conn: &mut DbConn,
    account: &Account,
    today: NaiveDate,
) -> Result<Vec<(Notice, DeadlineAlert)>> {
    let scope = match account.role {
        Role::Reviewer => return Ok(Vec::new()),
        Role::CenterManager => match account.unit_id {
            Some(unit) => UnitScope::Unit(unit),
            None => return Ok(Vec::new()),
        },
        Role::BureauAdmin | Role::Leader => UnitScope::All,
    };
    let mut reminders: Vec<(Notice, DeadlineAlert)> = rectification::notices(conn, scope, None)?
        .into_iter()
        .filter_map(|notice| {
            let alert = deadline_alert(notice.state, notice.counted_deadline?, today)?;
            let wanted =
                account.role == Role::CenterManager || matches!(alert, DeadlineAlert::Overdue(_));
            wanted.then_some((notice, alert))
        })
        .collect();
    reminders.sort_by_key(|(notice, alert)| {
        (!matches!(alert, DeadlineAlert::Overdue(_)), notice.deadline)
    });
    Ok(reminders)
}

/// The notices that already have their overdue notification (one per notice, ever).
pub fn notices_told_overdue(conn: &mut DbConn) -> Result<std::collections::BTreeSet<String>> {
    Ok(notifications::table
        .filter(notifications::kind.eq(Kind::Overdue.code()))
        .filter(notifications::notice_id.is_not_null())
        .select(notifications::notice_id.assume_not_null())
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// The number on the 消息 link: unread events plus current deadline reminders.
pub fn badge_count(conn: &mut DbConn, account: &Account, today: NaiveDate) -> Result<i64> {
    let reminders = i64::try_from(deadline_reminders(conn, account, today)?.len()).unwrap_or(0);
    Ok(unread_count(conn, account.id)? + reminders)
}
