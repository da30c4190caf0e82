//! Messages on the review side (消息): files assigned, a 合议 waiting (to the team leader), a
//! sheet returned (to its reviewer), a review deadline near (≤ 3 days) or passed. Each event
//! is stored once per person under a key (`storage::notifications::notify_once`): the sweep
//! runs when a version is published and when a reviewer opens the home or messages page (a
//! deadline comes near with the clock, not with an action), and storing again is a no-op.
//! A borderline second review is told when it is made (`storage::borderline`).

use crate::app::messages::scoring as messages;
use crate::app::reconciliation::{Error, ReviewData, Standing};
use crate::domain::ids::{PersonId, RoundId};
use crate::domain::round::RoundStatus;
use crate::domain::scoring::sheet::{SheetState, SheetStatus};
use crate::storage::notifications::{self, Kind};
use crate::storage::{DbConn, rounds};
use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeMap;

/// Days before the review deadline from which reviewers with open files are reminded.
pub const DEADLINE_NEAR_DAYS: i64 = 3;

/// Stores the messages every round under review (or being teamed with a published version)
/// calls for; returns how many were new.
pub fn sweep(conn: &mut DbConn, today: NaiveDate, now: NaiveDateTime) -> Result<usize, Error> {
    let mut stored = 0;
    for round in rounds::list(conn)? {
        if matches!(round.status, RoundStatus::Teaming | RoundStatus::Reviewing) {
            stored += sweep_round(conn, round.id, today, now)?;
        }
    }
    Ok(stored)
}

/// Stores the messages one round calls for; returns how many were new.
pub fn sweep_round(
    conn: &mut DbConn,
    round_id: RoundId,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<usize, Error> {
    let data = match crate::app::reconciliation::review_data(conn, round_id) {
        Ok(data) => data,
        // No published assignment yet: nothing to tell.
        Err(Error::NotFound) => return Ok(0),
        Err(error) => return Err(error),
    };
    let mut stored = 0;
    for message in round_messages(&data, today) {
        let users = notifications::users_of_people(conn, &[message.person])?;
        stored += notifications::notify_once(
            conn,
            &users,
            message.kind,
            &message.link,
            &message.key,
            &message.text,
            now,
        )?;
    }
    Ok(stored)
}

/// One message for one person.
struct Message {
    person: PersonId,
    kind: Kind,
    link: String,
    key: String,
    text: String,
}

fn round_messages(data: &ReviewData, today: NaiveDate) -> Vec<Message> {
    let round = data.round.id;
    let name = &data.round.settings.name;
    let assignment = &data.version.assignment;
    let mut files_of: BTreeMap<PersonId, usize> = BTreeMap::new();
    let mut open_of: BTreeMap<PersonId, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for placement in &assignment.placements {
        let case_number = data.case_number(placement.file);
        for reviewer in &placement.reviewers {
            *files_of.entry(*reviewer).or_default() += 1;
            let sheet = data.sheet(placement.file, *reviewer);
            let done = sheet.is_some_and(|sheet| {
                matches!(
                    sheet.sheet.state.status(),
                    SheetStatus::Submitted | SheetStatus::Reconciled
                )
            });
            if !done {
                *open_of.entry(*reviewer).or_default() += 1;
            }
            if let Some(sheet) = sheet
                && let SheetState::Returned { comment } = &sheet.sheet.state
            {
                out.push(Message {
                    person: *reviewer,
                    kind: Kind::SheetReturned,
                    link: format!("/rounds/{round}/files/{}/sheet", placement.file),
                    key: format!("returned:{}:{}", sheet.id, sheet.sheet.version),
                    text: messages::sheet_returned_message(&case_number, comment),
                });
            }
        }
        if let Standing::Disagreement(_) = data.standing(placement)
            && let Some(leader) = assignment.leader_of_file(placement.file)
        {
            out.push(Message {
                person: leader,
                kind: Kind::ReconcileWaiting,
                link: format!("/rounds/{round}/files/{}/reconcile", placement.file),
                key: format!("reconcile:{round}:{}", placement.file),
                text: messages::reconcile_waiting_message(&case_number),
            });
        }
    }
    for (person, files) in &files_of {
        out.push(Message {
            person: *person,
            kind: Kind::FilesAssigned,
            link: "/my/work".to_string(),
            key: format!("assigned:{round}:{person}"),
            text: messages::files_assigned_message(name, *files),
        });
    }
    let deadline = data.round.settings.review_deadline;
    if let (RoundStatus::Reviewing, Some(deadline)) = (data.round.status, deadline) {
        let days = (deadline - today).num_days();
        for (person, open) in open_of.iter().filter(|(_, open)| **open > 0) {
            let (key, text) = if days < 0 {
                (
                    format!("deadline_passed:{round}:{person}"),
                    messages::review_deadline_passed_message(name, deadline, -days, *open),
                )
            } else if days <= DEADLINE_NEAR_DAYS {
                (
                    format!("deadline_near:{round}:{person}"),
                    messages::review_deadline_near_message(name, deadline, days, *open),
                )
            } else {
                continue;
            };
            out.push(Message {
                person: *person,
                kind: Kind::ReviewDeadline,
                link: "/my/work".to_string(),
                key,
                text,
            });
        }
    }
    out
}
