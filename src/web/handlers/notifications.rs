//! In-app notifications (消息): stored events and the deadline reminders computed when the
//! list is read, for the signed-in account only.

use crate::domain::rectification::DeadlineAlert;
use crate::storage::{self, notifications};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{ApiError, WebResult};
use crate::web::handlers::Ctx;
use crate::web::handlers::{page, see_other, view_data};
use actix_web::{HttpResponse, web};
use serde::Serialize;

/// A deadline reminder, computed when the list is read.
#[derive(Serialize)]
struct Reminder {
    notice_id: crate::domain::ids::NoticeId,
    doc_number: Option<String>,
    unit_name: String,
    deadline: Option<chrono::NaiveDate>,
    overdue: bool,
    alert: DeadlineAlert,
    text: String,
}

/// The notifications page and its API twin.
#[derive(Serialize)]
struct NotificationsView {
    reminders: Vec<Reminder>,
    events: Vec<notifications::Stored>,
    unread: usize,
}

async fn data(state: &AppState, user: &CurrentUser) -> WebResult<NotificationsView> {
    let account = user.account.clone();
    state
        .db(move |conn| {
            crate::app::rectification::record_overdue(conn, storage::today(), storage::now())?;
            if account.role == crate::domain::people::Role::Reviewer {
                crate::app::review_messages::sweep(conn, storage::today(), storage::now())?;
            }
            let reminders = notifications::deadline_reminders(conn, &account, storage::today())?
                .into_iter()
                .map(|(notice, alert)| Reminder {
                    notice_id: notice.id,
                    doc_number: notice.doc_number,
                    unit_name: notice.unit_name,
                    deadline: notice.deadline,
                    overdue: matches!(alert, DeadlineAlert::Overdue(_)),
                    text: alert.describe(),
                    alert,
                })
                .collect();
            let events = notifications::for_user(conn, account.id, 200)?;
            let unread = events.iter().filter(|event| !event.read).count();
            Ok(NotificationsView {
                reminders,
                events,
                unread,
            })
        })
        .await
}

pub async fn list(Ctx(request, state, user): Ctx) -> WebResult<HttpResponse> {
    let data = data(&state, &user).await?;
    page(
        &request,
        "notifications/list",
        "消息",
        Some(&user),
        view_data(&data)?,
    )
}

pub async fn api_list(Ctx(_, state, user): Ctx) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(data(&state, &user).await?))
}

/// Marks every stored notification read; reminders stay until the deadline is dealt with.
pub async fn mark_read(state: web::Data<AppState>, user: CurrentUser) -> WebResult<HttpResponse> {
    let account = user.account.id;
    state
        .run(move |conn| notifications::mark_all_read(conn, account, storage::now()))
        .await?;
    Ok(see_other("/notifications"))
}
