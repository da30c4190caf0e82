//! The round-state rule (`domain::round_actions`) at the door: every writing route says which
//! action on which round it is, and a request whose round's status does not allow it is
//! answered 409 with the rule's message before its form is read. This is for the user (a
//! clear answer, whatever was posted); the guarantee is the check each storage write makes
//! inside its own transaction, which also covers the CLI, the score-form combiner and a
//! round closed while the request ran.

use crate::domain::round_actions::{self, RoundAction};
use crate::storage::rounds::{self, RoundOf};
use crate::web::AppState;
use crate::web::error::WebError;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::{ResponseError, web};
use std::future::{Future, Ready, ready};
use std::pin::Pin;
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

/// How each writing route of `routes::table()` touches a round; `None` for a route not
/// classified yet (the route × round-state test fails on it).
pub fn classify(method: &Method, path: &str) -> Option<RouteWrite> {
    use Locate::*;
    use RoundAction::*;
    use RouteWrite::*;
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Some(NotRoundData);
    }
    Some(match path {
        "/login"
        | "/verify"
        | "/logout"
        | "/account/password"
        | "/rubrics"
        | "/rounds"
        | "/api/rounds"
        | "/admin/users"
        | "/admin/users/{id}/active"
        | "/admin/users/{id}/password"
        | "/api/users"
        | "/admin/bureau"
        | "/notifications/read"
        | "/imports/{id}/discard" => NotRoundData,
        "/api/rounds/{id}/files/{file}/sheet/preview" => NoWrite,
        "/rounds/{id}/files/{file}/sheet" | "/api/rounds/{id}/files/{file}/sheet/draft" => {
            ScoreForm(ScoreSheet)
        }
        "/rounds/{id}/status" | "/api/rounds/{id}/status" => Path(Advance, Round),
        "/rounds/{id}/plan" | "/api/rounds/{id}/plan" => Path(EditSamplingPlan, Round),
        "/rounds/{id}/sample/freeze" | "/api/rounds/{id}/sample/freeze" => {
            Path(FreezeSample, Round)
        }
        "/rounds/{id}/teams/generate"
        | "/rounds/{id}/teams/{version}/publish"
        | "/rounds/{id}/teams/{version}/change"
        | "/rounds/{id}/files/{file}/reassign" => Path(ChangeTeams, Round),
        "/rounds/{id}/files/{file}/sheets/{reviewer}/return" => Path(ReturnSheet, Round),
        "/rounds/{id}/files/{file}/sheets/{reviewer}/reopen" => Path(ReopenSheet, Round),
        "/rounds/{id}/files/{file}/reconcile" | "/rounds/{id}/team/approve" => {
            Path(Reconcile, Round)
        }
        "/rounds/{id}/findings/generate" | "/api/rounds/{id}/findings/generate" => {
            Path(GenerateFindings, Round)
        }
        "/rounds/{id}/findings" => Path(AddFinding, Round),
        "/rounds/{id}/notices/draft" | "/api/rounds/{id}/notices/draft" => {
            Path(DraftNotices, Round)
        }
        "/rounds/{id}/objection-settings" => Path(EditSettings, Round),
        "/notices/{notice}/select" => Path(DraftNotices, Notice),
        "/notices/{notice}/issue" => Path(IssueNotice, Notice),
        "/notices/{notice}/report"
        | "/notices/{notice}/send-back"
        | "/notices/{notice}/close"
        | "/notices/{notice}/follow-up"
        | "/api/notices/{notice}/transition" => Path(Rectify, Notice),
        "/findings/{finding}/measures"
        | "/findings/{finding}/evidence"
        | "/api/findings/{finding}/evidence"
        | "/findings/{finding}/submit"
        | "/findings/{finding}/verify"
        | "/findings/{finding}/send-back"
        | "/api/findings/{finding}/transition" => Path(Rectify, Finding),
        "/objections/{objection}/decide" | "/api/objections/{objection}/decide" => {
            Path(DecideObjection, Objection)
        }
        "/objections" | "/api/objections" => Body(FileObjection),
        "/offline/packets" | "/api/offline/packets" => Body(OfflinePacket),
        "/offline/results" | "/api/offline/results" => Body(ScoreSheet),
        "/imports" | "/api/imports" => Body(ImportRegistry),
        "/imports/{id}/commit" | "/api/imports/{id}/commit" => Path(ImportRegistry, Import),
        _ => return None,
    })
}

/// The middleware: `routes.rs` wraps it around each resource, inside the access rules.
pub struct RoundGuard {
    rules: Rc<Vec<(Method, RoundAction, Locate)>>,
}

impl RoundGuard {
    /// The guard of one path: the methods whose round is found from the path.
    pub fn for_path(methods: &[Method], path: &str) -> Self {
        let rules = methods
            .iter()
            .filter_map(|method| match classify(method, path) {
                Some(RouteWrite::Path(action, locate)) => Some((method.clone(), action, locate)),
                _ => None,
            })
            .collect();
        RoundGuard {
            rules: Rc::new(rules),
        }
    }
}

impl<S, B> Transform<S, ServiceRequest> for RoundGuard
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RoundGuardService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RoundGuardService {
            service: Rc::new(service),
            rules: Rc::clone(&self.rules),
        }))
    }
}

pub struct RoundGuardService<S> {
    service: Rc<S>,
    rules: Rc<Vec<(Method, RoundAction, Locate)>>,
}

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for RoundGuardService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let rule = self
            .rules
            .iter()
            .find(|(method, _, _)| method == request.method())
            .map(|(_, action, locate)| (*action, *locate));
        let target = rule.and_then(|(action, locate)| {
            let key = match locate {
                Locate::Round | Locate::Import => "id",
                Locate::Notice => "notice",
                Locate::Finding => "finding",
                Locate::Objection => "objection",
            };
            request
                .match_info()
                .get(key)
                .map(|id| (action, locate, id.to_string()))
        });
        let state = request.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            if let (Some((action, locate, id)), Some(state)) = (target, state)
                && let Err(error) = check(&state, action, locate, id).await
            {
                let response = if request.path().starts_with("/api/") {
                    error.json_response()
                } else {
                    error.error_response()
                };
                return Ok(request.into_response(response).map_into_right_body());
            }
            service
                .call(request)
                .await
                .map(ServiceResponse::map_into_left_body)
        })
    }
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
