//! THE route table: every route with its method, path, handler, who may call it and how much
//! it may send (`web::body`: reading routes nothing, anonymous posts the least, uploads what
//! `.body(..)` names). The access rule and the body limit are applied by
//! `auth::AccessControl` around each resource, so a route cannot be registered without them,
//! and the route × role tests walk this same table.

use crate::domain::people::Role;
use crate::web::auth::{Access, AccessControl};
use crate::web::body::{self, BodyLimit};
use crate::web::handlers::{
    account, admin_users, assets, audit, documents, health, home, imports, login, notifications,
    objections, offline, people, reconcile, rectification, rounds, rubrics, sampling, sheet_review,
    sheets, summary, teams, units, verify,
};
use crate::web::round_guard::RoundGuard;
use actix_web::http::Method;
use actix_web::web;

/// One route: the handler is a function building the actix route, so the table stays data.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// How much a request may send (`body::default_for` unless set with [`RouteSpec::body`]).
    pub body: BodyLimit,
    pub build: fn() -> actix_web::Route,
}

impl RouteSpec {
    /// This route's body limit, for routes that take uploads.
    pub fn body(self, body: BodyLimit) -> Self {
        RouteSpec { body, ..self }
    }
}

macro_rules! route {
    ($method:ident, $path:expr, $handler:path, $access:expr) => {
        RouteSpec {
            method: Method::$method,
            path: $path,
            access: $access,
            body: body::default_for(&Method::$method, $access),
            build: || web::method(Method::$method).to($handler),
        }
    };
}

const ADMIN: Access = Access::Roles(&[Role::BureauAdmin]);
const REVIEWER: Access = Access::Roles(&[Role::Reviewer]);
/// Administrators and leadership: everything read-only across all units.
const ADMIN_LEADER: Access = Access::Roles(&[Role::BureauAdmin, Role::Leader]);
/// Calibration: administrators (every team) and team leaders (their team, checked per round).
const ADMIN_REVIEWER: Access = Access::Roles(&[Role::BureauAdmin, Role::Reviewer]);
/// Unit pages: center managers see only their own unit (enforced by `UnitScope`).
const UNIT_READERS: Access = Access::Roles(&[Role::BureauAdmin, Role::Leader, Role::CenterManager]);
/// Administrators, and reviewers where they lead a team of the round (checked per file).
const ADMIN_OR_REVIEWER: Access = Access::Roles(&[Role::BureauAdmin, Role::Reviewer]);
const MANAGER: Access = Access::Roles(&[Role::CenterManager]);
/// Who moves notices and findings: the bureau and the unit; the state machine decides which
/// role may take which action.
const RECTIFIERS: Access = Access::Roles(&[Role::BureauAdmin, Role::CenterManager]);

/// The score form: only the reviewer a file is assigned to (checked per file); the same on
/// the server and on the offline laptop.
fn score_form_routes() -> Vec<RouteSpec> {
    vec![
        route!(
            GET,
            "/rounds/{id}/files/{file}/sheet",
            sheets::show,
            REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/files/{file}/sheet",
            sheets::save,
            REVIEWER
        ),
        route!(
            POST,
            "/api/rounds/{id}/files/{file}/sheet/preview",
            sheets::preview,
            REVIEWER
        ),
        route!(
            POST,
            "/api/rounds/{id}/files/{file}/sheet/draft",
            sheets::autosave,
            REVIEWER
        ),
    ]
}

pub fn table() -> Vec<RouteSpec> {
    let mut table = vec![
        // Public: sign-in, health, static files.
        route!(GET, "/login", login::form, Access::Public),
        route!(POST, "/login", login::submit, Access::Public),
        route!(GET, "/healthz", health::check, Access::Public),
        route!(GET, "/assets/{name}", assets::file, Access::Public),
        // Anyone holding a document checks its 核验码 (rate-limited like sign-in).
        route!(GET, "/verify", verify::form, Access::Public),
        route!(POST, "/verify", verify::check, Access::Public).body(body::VERIFY),
        // Every signed-in account.
        route!(GET, "/", home::dashboard, Access::AnyUser),
        route!(POST, "/logout", login::logout, Access::AnyUser),
        route!(
            GET,
            "/account/password",
            account::password_form,
            Access::AnyUser
        ),
        route!(
            POST,
            "/account/password",
            account::change_password,
            Access::AnyUser
        ),
        route!(GET, "/api/me", account::me, Access::AnyUser),
        // Units and the reviewer pool.
        route!(GET, "/units", units::list, UNIT_READERS),
        route!(GET, "/units/{id}", units::show, UNIT_READERS),
        route!(GET, "/api/units", units::api_list, UNIT_READERS),
        route!(GET, "/api/units/{id}", units::api_show, UNIT_READERS),
        route!(GET, "/people", people::list, ADMIN_LEADER),
        route!(GET, "/api/people", people::api_list, ADMIN_LEADER),
        // Rubrics (评分标准): everyone reads them; the administrator uploads new versions.
        route!(GET, "/rubrics", rubrics::list, Access::AnyUser),
        route!(POST, "/rubrics", rubrics::upload, ADMIN).body(body::RUBRIC),
        route!(GET, "/rubrics/{hash}", rubrics::show, Access::AnyUser),
        route!(GET, "/api/rubrics", rubrics::api_list, Access::AnyUser),
        route!(
            GET,
            "/api/rubrics/{hash}",
            rubrics::api_show,
            Access::AnyUser
        ),
        // Review rounds: the administrator runs them, leadership reads them.
        route!(GET, "/rounds", rounds::list, ADMIN_LEADER),
        route!(POST, "/rounds", rounds::create, ADMIN),
        route!(GET, "/rounds/{id}", rounds::show, ADMIN_LEADER),
        route!(POST, "/rounds/{id}/status", rounds::set_status, ADMIN),
        route!(POST, "/rounds/{id}/plan", sampling::save_plan, ADMIN),
        route!(GET, "/rounds/{id}/sample", sampling::show, ADMIN_LEADER),
        route!(POST, "/rounds/{id}/sample/freeze", sampling::freeze, ADMIN),
        route!(
            GET,
            "/rounds/{id}/sample/units/{unit}",
            sampling::unit_list,
            UNIT_READERS
        ),
        route!(GET, "/api/rounds", rounds::api_list, ADMIN_LEADER),
        route!(POST, "/api/rounds", rounds::api_create, ADMIN),
        route!(GET, "/api/rounds/{id}", rounds::api_show, ADMIN_LEADER),
        route!(
            POST,
            "/api/rounds/{id}/status",
            rounds::api_set_status,
            ADMIN
        ),
        route!(
            GET,
            "/api/rounds/{id}/plan",
            sampling::api_plan,
            ADMIN_LEADER
        ),
        route!(
            POST,
            "/api/rounds/{id}/plan",
            sampling::api_save_plan,
            ADMIN
        ),
        route!(
            GET,
            "/api/rounds/{id}/sample",
            sampling::api_show,
            ADMIN_LEADER
        ),
        route!(
            POST,
            "/api/rounds/{id}/sample/freeze",
            sampling::api_freeze,
            ADMIN
        ),
        // Cross-check teams: generated, explained, adjusted and published by the administrator.
        route!(GET, "/rounds/{id}/teams", teams::show, ADMIN_LEADER),
        route!(POST, "/rounds/{id}/teams/generate", teams::generate, ADMIN),
        route!(
            POST,
            "/rounds/{id}/teams/{version}/publish",
            teams::publish,
            ADMIN
        ),
        route!(
            POST,
            "/rounds/{id}/teams/{version}/change",
            teams::change,
            ADMIN
        ),
        route!(
            GET,
            "/rounds/{id}/teams/export",
            teams::export,
            ADMIN_LEADER
        ),
        route!(GET, "/api/rounds/{id}/teams", teams::api_show, ADMIN_LEADER),
        route!(GET, "/my/work", teams::mine, REVIEWER),
        // Score sheets (see `score_form_routes`), then the team leader's review.
        route!(GET, "/rounds/{id}/team", sheet_review::team, REVIEWER),
        route!(
            POST,
            "/rounds/{id}/files/{file}/sheets/{reviewer}/return",
            sheet_review::send_back,
            REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/files/{file}/sheets/{reviewer}/reopen",
            sheet_review::reopen,
            ADMIN
        ),
        route!(
            GET,
            "/rounds/{id}/progress",
            sheet_review::progress,
            ADMIN_LEADER
        ),
        // The round's documents (PDF): center managers get their own unit's, after feedback.
        route!(
            GET,
            "/rounds/{id}/documents",
            documents::index,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/sheets.pdf",
            documents::round_sheets,
            ADMIN_LEADER
        ),
        route!(
            GET,
            "/rounds/{id}/units/{unit}/sheets.pdf",
            documents::unit_sheets,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/units/{unit}/feedback.pdf",
            documents::unit_feedback,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/files/{file}/sheets.pdf",
            documents::file_sheets,
            UNIT_READERS
        ),
        // Double review: the leader's 合议 queue, the 合议 form, approval of the team's
        // results (team leader checked per round); reassignment by the administrator.
        route!(
            GET,
            "/rounds/{id}/reconciliations",
            reconcile::queue,
            REVIEWER
        ),
        route!(
            GET,
            "/rounds/{id}/files/{file}/reconcile",
            reconcile::form,
            REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/files/{file}/reconcile",
            reconcile::decide,
            REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/team/approve",
            reconcile::approve,
            REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/files/{file}/reassign",
            reconcile::reassign,
            ADMIN
        ),
        route!(
            GET,
            "/rounds/{id}/calibration",
            reconcile::calibration,
            ADMIN_REVIEWER
        ),
        // A unit's results once approved; reviewer names hidden from units in blind rounds.
        route!(
            GET,
            "/rounds/{id}/units/{unit}/results",
            reconcile::unit_results,
            UNIT_READERS
        ),
        // Leadership summaries (汇总分析): center managers see their own unit, others anonymised.
        route!(GET, "/summary", summary::trend_page, UNIT_READERS),
        route!(GET, "/summary.xlsx", summary::trend_xlsx, UNIT_READERS),
        route!(GET, "/api/summary", summary::api_trend, UNIT_READERS),
        route!(
            GET,
            "/rounds/{id}/summary",
            summary::round_page,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/summary.xlsx",
            summary::round_xlsx,
            UNIT_READERS
        ),
        route!(
            GET,
            "/api/rounds/{id}/summary",
            summary::api_round,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/report.pdf",
            summary::report_pdf,
            ADMIN_LEADER
        ),
        // Imports of registries, reviewer pools and unit lists: upload, preview, commit.
        route!(POST, "/imports", imports::upload, ADMIN).body(body::IMPORT),
        route!(GET, "/imports/{id}", imports::preview, ADMIN),
        route!(POST, "/imports/{id}/commit", imports::commit, ADMIN),
        route!(POST, "/imports/{id}/discard", imports::discard, ADMIN),
        route!(POST, "/api/imports", imports::api_upload, ADMIN).body(body::IMPORT),
        route!(POST, "/api/imports/{id}/commit", imports::api_commit, ADMIN),
        // The bureau administrator's pages.
        route!(GET, "/admin/users", admin_users::list, ADMIN),
        route!(POST, "/admin/users", admin_users::create, ADMIN),
        route!(
            POST,
            "/admin/users/{id}/active",
            admin_users::set_active,
            ADMIN
        ),
        route!(
            POST,
            "/admin/users/{id}/password",
            admin_users::reset_password,
            ADMIN
        ),
        route!(GET, "/api/users", admin_users::api_list, ADMIN),
        route!(POST, "/api/users", admin_users::api_create, ADMIN),
        route!(GET, "/admin/audit", audit::list, ADMIN),
        // Findings and rectification (整改): the bureau drafts, issues and verifies; the unit's
        // manager answers (own unit only, checked per notice, finding and file).
        route!(GET, "/notices", rectification::overview, UNIT_READERS),
        route!(
            GET,
            "/api/notices",
            rectification::api_overview,
            UNIT_READERS
        ),
        route!(
            GET,
            "/rounds/{id}/rectification",
            rectification::round_findings,
            ADMIN_LEADER
        ),
        route!(
            GET,
            "/api/rounds/{id}/findings",
            rectification::api_round_findings,
            ADMIN_LEADER
        ),
        route!(
            POST,
            "/rounds/{id}/findings/generate",
            rectification::generate_findings,
            ADMIN
        ),
        route!(
            POST,
            "/api/rounds/{id}/findings/generate",
            rectification::api_generate_findings,
            ADMIN
        ),
        route!(
            GET,
            "/rounds/{id}/findings/new",
            rectification::new_finding,
            ADMIN_OR_REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/findings",
            rectification::add_finding,
            ADMIN_OR_REVIEWER
        ),
        route!(
            POST,
            "/rounds/{id}/notices/draft",
            rectification::draft_notices,
            ADMIN
        ),
        route!(
            POST,
            "/api/rounds/{id}/notices/draft",
            rectification::api_draft_notices,
            ADMIN
        ),
        route!(
            GET,
            "/notices/{notice}",
            rectification::show_notice,
            UNIT_READERS
        ),
        route!(
            GET,
            "/api/notices/{notice}",
            rectification::api_show_notice,
            UNIT_READERS
        ),
        route!(
            GET,
            "/notices/{notice}/pdf",
            rectification::notice_pdf,
            UNIT_READERS
        ),
        route!(
            POST,
            "/notices/{notice}/select",
            rectification::select,
            ADMIN
        ),
        route!(POST, "/notices/{notice}/issue", rectification::issue, ADMIN),
        route!(
            POST,
            "/notices/{notice}/report",
            rectification::submit_report,
            MANAGER
        ),
        route!(
            POST,
            "/notices/{notice}/send-back",
            rectification::send_back_notice,
            ADMIN
        ),
        route!(
            POST,
            "/notices/{notice}/close",
            rectification::close_notice,
            ADMIN
        ),
        route!(
            POST,
            "/notices/{notice}/follow-up",
            rectification::follow_up,
            ADMIN
        ),
        route!(
            POST,
            "/api/notices/{notice}/transition",
            rectification::api_notice_transition,
            RECTIFIERS
        ),
        route!(
            GET,
            "/findings/{finding}",
            rectification::show_finding,
            UNIT_READERS
        ),
        route!(
            GET,
            "/api/findings/{finding}",
            rectification::api_show_finding,
            UNIT_READERS
        ),
        route!(
            POST,
            "/findings/{finding}/measures",
            rectification::save_measures,
            MANAGER
        ),
        route!(
            POST,
            "/findings/{finding}/evidence",
            rectification::upload_evidence,
            MANAGER
        )
        .body(body::EVIDENCE),
        route!(
            POST,
            "/api/findings/{finding}/evidence",
            rectification::api_upload_evidence,
            MANAGER
        )
        .body(body::EVIDENCE),
        route!(
            POST,
            "/findings/{finding}/submit",
            rectification::submit_finding,
            MANAGER
        ),
        route!(
            POST,
            "/findings/{finding}/verify",
            rectification::verify_finding,
            ADMIN
        ),
        route!(
            POST,
            "/findings/{finding}/send-back",
            rectification::send_back_finding,
            ADMIN
        ),
        route!(
            POST,
            "/api/findings/{finding}/transition",
            rectification::api_finding_transition,
            RECTIFIERS
        ),
        route!(
            GET,
            "/evidence/{evidence}",
            rectification::download_evidence,
            UNIT_READERS
        ),
        route!(GET, "/admin/bureau", rectification::settings_form, ADMIN),
        route!(POST, "/admin/bureau", rectification::save_settings, ADMIN),
        // Offline review packets: reviewers download their own, team leaders a member's;
        // results come back through the upload (checked per packet and sheet).
        route!(GET, "/offline", offline::index, REVIEWER),
        route!(POST, "/offline/packets", offline::download, REVIEWER),
        route!(
            POST,
            "/api/offline/packets",
            offline::api_download,
            REVIEWER
        ),
        route!(POST, "/offline/results", offline::upload, REVIEWER).body(body::OFFLINE_RESULT),
        route!(POST, "/api/offline/results", offline::api_upload, REVIEWER)
            .body(body::OFFLINE_RESULT),
        // In-app notifications of the signed-in account.
        // Objections (异议): the unit files (own unit only, checked in storage), the panel
        // decides (checked per objection), everyone else reads what their role allows.
        route!(GET, "/objections", objections::list, Access::AnyUser),
        route!(POST, "/objections", objections::create, MANAGER).body(body::EVIDENCE),
        route!(
            GET,
            "/api/objections",
            objections::api_list,
            Access::AnyUser
        ),
        route!(POST, "/api/objections", objections::api_create, MANAGER),
        route!(
            GET,
            "/objections/{objection}",
            objections::show,
            Access::AnyUser
        ),
        route!(
            GET,
            "/api/objections/{objection}",
            objections::api_show,
            Access::AnyUser
        ),
        route!(
            POST,
            "/objections/{objection}/decide",
            objections::decide,
            ADMIN_OR_REVIEWER
        ),
        route!(
            POST,
            "/api/objections/{objection}/decide",
            objections::api_decide,
            ADMIN_OR_REVIEWER
        ),
        route!(
            GET,
            "/objections/{objection}/evidence",
            objections::evidence_file,
            Access::AnyUser
        ),
        route!(
            POST,
            "/rounds/{id}/objection-settings",
            objections::save_settings,
            ADMIN
        ),
        route!(GET, "/notifications", notifications::list, Access::AnyUser),
        route!(
            POST,
            "/notifications/read",
            notifications::mark_read,
            Access::AnyUser
        ),
        route!(
            GET,
            "/api/notifications",
            notifications::api_list,
            Access::AnyUser
        ),
    ];
    // First: reviewers' score form is what the server answers most in a round, and routes
    // are tried in order.
    let mut all = score_form_routes();
    all.append(&mut table);
    all
}

/// The local server of `pingcha offline open`: only the reviewer's work list and score form
/// (the same handlers and templates as on the server), sign-in by the one-time address, and
/// the result export. Every other route of the server does not exist here (404).
pub fn offline_table() -> Vec<RouteSpec> {
    let mut table = vec![
        route!(GET, "/login", offline::login_hint, Access::Public),
        route!(
            GET,
            "/offline/signin/{token}",
            offline::signin,
            Access::Public
        ),
        route!(GET, "/healthz", health::check, Access::Public),
        route!(GET, "/assets/{name}", assets::file, Access::Public),
        route!(GET, "/", offline::home, Access::AnyUser),
        route!(POST, "/logout", login::logout, Access::AnyUser),
        route!(GET, "/api/me", account::me, Access::AnyUser),
        route!(GET, "/my/work", offline::work, REVIEWER),
        route!(GET, "/rubrics/{hash}", rubrics::show, Access::AnyUser),
        route!(GET, "/offline/result", offline::export, REVIEWER),
    ];
    // First: reviewers' score form is what the server answers most in a round, and routes
    // are tried in order.
    let mut all = score_form_routes();
    all.append(&mut table);
    all
}

/// Registers the server's route table.
pub fn configure(config: &mut web::ServiceConfig) {
    configure_table(config, table());
}

/// Registers a table: one resource per path, wrapped in its access rules. Paths that share a
/// static first segment (`/rounds/…`, `/api/…`) are registered inside one scope for it: actix
/// tries a request against each registered pattern in turn, and a dynamic pattern costs a
/// regular-expression match, so without scopes every score-form submission was tried against
/// a hundred other routes first (a tenth of the server's CPU under load). A scope's prefix
/// costs a string comparison. Order inside a scope is the table's.
pub fn configure_table(config: &mut web::ServiceConfig, table: Vec<RouteSpec>) {
    let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for spec in &table {
        let prefix = scope_prefix(spec.path);
        match groups.iter_mut().find(|(known, _)| *known == prefix) {
            Some((_, paths)) => {
                if !paths.contains(&spec.path) {
                    paths.push(spec.path);
                }
            }
            None => groups.push((prefix, vec![spec.path])),
        }
    }
    for (prefix, paths) in groups {
        if prefix.is_empty() || paths.len() == 1 {
            for path in paths {
                config.service(resource(&table, path, path));
            }
        } else {
            let mut scope = web::scope(prefix);
            for path in paths {
                scope = scope.service(resource(&table, path, &path[prefix.len()..]));
            }
            config.service(scope);
        }
    }
}

/// The static first segment a path is grouped under (`/rounds` for `/rounds` itself and for
/// `/rounds/{id}/…`), or "" when its first segment is dynamic or empty. A scope answers every
/// path under its prefix (a path it has no route for gets 404, it is not tried elsewhere), so
/// the segment's own page must be in the group too.
fn scope_prefix(path: &'static str) -> &'static str {
    let Some(rest) = path.strip_prefix('/') else {
        return "";
    };
    let end = rest.find('/').unwrap_or(rest.len());
    if end == 0 || rest[..end].contains('{') {
        ""
    } else {
        &path[..end + 1]
    }
}

/// The resource for `path` (registered as `pattern`, relative to its scope) with every method
/// the table gives it, wrapped in its access rules.
fn resource(
    table: &[RouteSpec],
    path: &str,
    pattern: &str,
) -> impl actix_web::dev::HttpServiceFactory + use<> {
    let specs: Vec<&RouteSpec> = table.iter().filter(|spec| spec.path == path).collect();
    let rules = specs
        .iter()
        .map(|spec| (spec.method.clone(), spec.access, spec.body))
        .collect();
    let methods: Vec<Method> = specs.iter().map(|spec| spec.method.clone()).collect();
    let mut resource = web::resource(pattern);
    for spec in &specs {
        resource = resource.route((spec.build)());
    }
    // The access rules run first (outermost), then the round-state rule.
    resource
        .wrap(RoundGuard::for_path(&methods, path))
        .wrap(AccessControl::new(rules))
}
