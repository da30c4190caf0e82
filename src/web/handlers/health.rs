//! GET /healthz: is the database reachable? For load balancers and monitoring.

use crate::web::AppState;
use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;
use serde_json::json;

pub async fn check(state: web::Data<AppState>) -> HttpResponse {
    let database = state
        .db(|conn| {
            conn.batch_execute("SELECT 1")
                .map_err(crate::web::error::WebError::internal)
        })
        .await;
    match database {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "reachable" })),
        Err(_) => HttpResponse::ServiceUnavailable()
            .json(json!({ "status": "unavailable", "database": "unreachable" })),
    }
}
