//! The round-state rule (`domain::round_actions`) at the door: every writing route says which
//! action on which round it is (the `writes` column of `routes::table()`), and a request whose round's status does not allow it is
//! answered 409 with the rule's message before its form is read. This is for the user (a
//! clear answer, whatever was posted); the guarantee is the check each storage write makes
//! inside its own transaction, which also covers the CLI, the score-form combiner and a
//! round closed while the request ran.

use crate::domain::round_actions::{self, RoundAction};
use crate::storage::rounds::{self, RoundOf};
use crate::web::AppState;
use crate::web::error::WebError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use std::rc::Rc;

/// Where a writing route's round is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locate {
    /// `{id}` of `/rounds/{id}/…`.
    Round,
    /// `{notice}`: the notice's round.
    Notice,
    /// `{finding}`: the finding's round.
    Finding,
    /// `{objection}`: the objection's round.
    Objection,
    /// `{id}` of `/imports/{id}/…`: the pending import's round, when it names one.
    Import,
}

/// What a non-GET route does to a round's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteWrite {
    /// Writes nothing of any round (sign-in, accounts, rubrics, a new round, the bureau's
    /// settings, notifications read, a pending upload discarded).
    NotRoundData,
    /// Computes an answer and stores nothing (the score form's running total).
    NoWrite,
    /// `action` on the round found from the path: checked here first.
    Path(RoundAction, Locate),
    /// `action` on the round named in the body (or a packet): checked by the handler and
    /// inside the write.
    Body(RoundAction),
    /// The score form: checked by the form combiner with the form's own reads (the round is
    /// read there anyway) and inside the write; not here, to spare the busiest route a query.
    ScoreForm(RoundAction),
}

/// How the route `method path` of `routes::table()` touches a round: the table's `writes`
/// column; `None` for a route that is not in the table.
pub fn classify(method: &Method, path: &str) -> Option<RouteWrite> {
    crate::web::routes::table()
        .into_iter()
        .find(|spec| spec.method == method && spec.path == path)
        .map(|spec| spec.writes)
}

/// One method's round rule on a resource: the action, and where its round is found.
pub type Rule = (Method, RoundAction, Locate);

/// The round rules of one resource (`routes.rs` gives each method its `writes` column): only
/// the methods whose round is found from the path are checked here.
pub fn rules(writes: &[(Method, RouteWrite)]) -> Rc<[Rule]> {
    writes
        .iter()
        .filter_map(|(method, write)| match write {
            RouteWrite::Path(action, locate) => Some((method.clone(), *action, *locate)),
            _ => None,
        })
        .collect()
}

/// The middleware (`actix_web::middleware::from_fn`) that `routes.rs` wraps around each
/// resource, inside the access rules: a writing request whose round's status does not allow
/// it is answered 409 before its handler runs.
pub async fn guard<B: MessageBody>(
    rules: Rc<[Rule]>,
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let target = rules
        .iter()
        .find(|(method, _, _)| method == request.method())
        .and_then(|(_, action, locate)| {
            let key = match locate {
                Locate::Round | Locate::Import => "id",
                Locate::Notice => "notice",
                Locate::Finding => "finding",
                Locate::Objection => "objection",
            };
            let id = request.match_info().get(key)?.to_string();
            Some((*action, *locate, id))
        });
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let refusal = match (target, state) {
        (Some((action, locate, id)), Some(state)) => check(&state, action, locate, id)
            .await
            .err()
            .map(|error| error.response_for(request.path())),
        _ => None,
    };
    crate::web::pass_unless(refusal, request, next).await
}

/// Refuses when the round of the record the path names does not allow `action`; a path
/// naming no record passes (the handler answers 404).
async fn check(
    state: &AppState,
    action: RoundAction,
    locate: Locate,
    id: String,
) -> Result<(), WebError> {
    let found = state
        .db(move |conn| {
            let of = match locate {
                Locate::Round => RoundOf::Round(&id),
                Locate::Notice => RoundOf::Notice(&id),
                Locate::Finding => RoundOf::Finding(&id),
                Locate::Objection => RoundOf::Objection(&id),
                Locate::Import => RoundOf::Import(&id),
            };
            Ok(rounds::status_of(conn, of)?)
        })
        .await?;
    match found {
        Some((_, status)) => round_actions::check(status, action)
            .map_err(|refusal| WebError::Conflict(refusal.to_string())),
        None => Ok(()),
    }
}
