//! GET /healthz: readiness, for load balancers and monitoring. Ready means the database
//! answers and is at exactly this binary's migrations; otherwise 503 (an empty, unmigrated
//! database, or one migrated by another version, would fail every page).

use crate::web::AppState;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde::Serialize;

/// The probe's answer.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    migrations: Option<&'static str>,
}

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let database = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(crate::web::error::WebError::internal)?;
            Ok(crate::storage::migrate::is_current(conn)?)
        })
        .await;
    match database {
        Ok(true) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: "reachable",
            migrations: Some("current"),
        }),
        Ok(false) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: "reachable",
            migrations: Some("not current"),
        }),
        Err(_) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: "unreachable",
            migrations: None,
        }),
    }
}
