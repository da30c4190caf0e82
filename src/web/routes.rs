//! THE route table: every route with its method, path, handler, who may call it, how much
//! it may send (`web::body`: reading routes nothing, anonymous posts the least, uploads what
//! `.body(..)` names) and what it writes of a round (`web::round_guard`: a `post!` cannot be
//! declared without it). Each resource is wrapped in its access rule and body limit
//! (`auth::access_control`) and its round-state rule (`round_guard::guard`), so a route cannot
//! be registered without them, and the route × role and route × round-state tests walk this
//! same table. One route per line: the table is read as a table.

use crate::domain::people::Role;
use crate::domain::round_actions::RoundAction::{self, *};
use crate::web::auth::{self, Access};
use crate::web::body::{self, BodyLimit};
use crate::web::handlers::{
    account, admin_users, assets, audit, case_viewer, documents, ecf, health, home, imports, login,
    notifications, objections, offline, people, reconcile, rectification, rounds, rubrics,
    sampling, sheet_review, sheets, summary, teams, units, verify,
};
use crate::web::round_guard::{self, Locate, RouteWrite, RouteWrite::*};
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::web;
use std::rc::Rc;

/// One route: the handler is a function building the actix route, so the table stays data.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// How much a request may send (`body::default_for` unless set with [`RouteSpec::body`]).
    pub body: BodyLimit,
    /// What the route does to a round's data: `NotRoundData` for every `get!`; each `post!`
    /// says it (checked at the door by `round_guard` when the round is found from the path).
    pub writes: RouteWrite,
    pub build: fn() -> actix_web::Route,
}

impl RouteSpec {
    /// This route's body limit, for routes that take uploads.
    pub fn body(self, body: BodyLimit) -> Self {
        RouteSpec { body, ..self }
    }
}

macro_rules! route {
    ($method:ident, $path:expr, $handler:path, $access:expr, $writes:expr) => {
        RouteSpec {
            method: Method::$method,
            path: $path,
            access: $access,
            body: body::default_for(&Method::$method, $access),
            writes: $writes,
            build: || web::method(Method::$method).to($handler),
        }
    };
}

/// A reading route: writes nothing.
macro_rules! get {
    ($path:expr, $handler:path, $access:expr) => {
        route!(GET, $path, $handler, $access, NotRoundData)
    };
}

/// A writing route, with what it writes.
macro_rules! post {
    ($path:expr, $handler:path, $access:expr, $writes:expr) => {
        route!(POST, $path, $handler, $access, $writes)
    };
}

/// Writes nothing of any round (sign-in, accounts, rubrics, a new round, settings …).
const NO_ROUND: RouteWrite = NotRoundData;

/// `action` on the round `{id}` of `/rounds/{id}/…`.
const fn of_round(action: RoundAction) -> RouteWrite {
    Path(action, Locate::Round)
}

/// `action` on the round of the notice `{notice}`.
const fn of_notice(action: RoundAction) -> RouteWrite {
    Path(action, Locate::Notice)
}

/// `action` on the round of the finding `{finding}`.
const fn of_finding(action: RoundAction) -> RouteWrite {
    Path(action, Locate::Finding)
}

/// `action` on the round of the objection `{objection}`.
const fn of_objection(action: RoundAction) -> RouteWrite {
    Path(action, Locate::Objection)
}

/// `action` on the round of the pending import `{id}`, when it names one.
const fn of_import(action: RoundAction) -> RouteWrite {
    Path(action, Locate::Import)
}

/// `action` on the round named in the body: checked by the handler and inside the write.
const fn named_in_body(action: RoundAction) -> RouteWrite {
    Body(action)
}

const ADMIN: Access = Access::Roles(&[Role::BureauAdmin]);
const REVIEWER: Access = Access::Roles(&[Role::Reviewer]);
/// Administrators and leadership: everything read-only across all units.
const ADMIN_LEADER: Access = Access::Roles(&[Role::BureauAdmin, Role::Leader]);
/// Calibration: administrators and leadership (every team) and team leaders (their team,
/// checked per round).
const ADMIN_LEADER_REVIEWER: Access =
    Access::Roles(&[Role::BureauAdmin, Role::Leader, Role::Reviewer]);
/// Unit pages: center managers see only their own unit (enforced by `UnitScope`).
const UNIT_READERS: Access = Access::Roles(&[Role::BureauAdmin, Role::Leader, Role::CenterManager]);
/// Administrators, and reviewers where they lead a team of the round (checked per file).
const ADMIN_OR_REVIEWER: Access = Access::Roles(&[Role::BureauAdmin, Role::Reviewer]);
const MANAGER: Access = Access::Roles(&[Role::CenterManager]);
/// The electronic case file (电子卷宗): its reviewers and team leader, the unit's manager (own
/// unit), the administrator and leadership (checked per file in `app::ecf`).
const ECF_READERS: Access = Access::Roles(&[
    Role::BureauAdmin,
    Role::Leader,
    Role::CenterManager,
    Role::Reviewer,
]);
/// Who adds to and corrects an electronic case file: the administrator and the unit's
/// manager (own unit, checked per file).
const ECF_EDITORS: Access = Access::Roles(&[Role::BureauAdmin, Role::CenterManager]);
/// Who moves notices and findings: the bureau and the unit; the state machine decides which
/// role may take which action.
const RECTIFIERS: Access = Access::Roles(&[Role::BureauAdmin, Role::CenterManager]);

/// The score form: only the reviewer a file is assigned to (checked per file); the same on
/// the server and on the offline laptop.
#[rustfmt::skip]
fn score_form_routes() -> Vec<RouteSpec> {
    vec![
        get!("/rounds/{id}/files/{file}/sheet", sheets::show, REVIEWER),
        post!("/rounds/{id}/files/{file}/sheet", sheets::save, REVIEWER, ScoreForm(ScoreSheet)),
        post!("/api/rounds/{id}/files/{file}/sheet/preview", sheets::preview, REVIEWER, NoWrite),
        post!("/api/rounds/{id}/files/{file}/sheet/draft", sheets::autosave, REVIEWER, ScoreForm(ScoreSheet)),
    ]
}

#[rustfmt::skip]
pub fn table() -> Vec<RouteSpec> {
    let mut table = vec![
        // Public: sign-in, health, static files.
        get!("/login", login::form, Access::Public),
        post!("/login", login::submit, Access::Public, NO_ROUND),
        get!("/healthz", health::check, Access::Public),
        get!("/assets/{name}", assets::file, Access::Public),
        get!("/assets/pdfjs/{name}", case_viewer::pdfjs, Access::Public),
        // Anyone holding a document checks its 核验码 (rate-limited like sign-in).
        get!("/verify", verify::form, Access::Public),
        post!("/verify", verify::check, Access::Public, NO_ROUND).body(body::VERIFY),
        // Every signed-in account.
        get!("/", home::dashboard, Access::AnyUser),
        post!("/logout", login::logout, Access::AnyUser, NO_ROUND),
        get!("/account/password", account::password_form, Access::AnyUser),
        post!("/account/password", account::change_password, Access::AnyUser, NO_ROUND),
        get!("/api/me", account::me, Access::AnyUser),
        // Units and the reviewer pool.
        get!("/units", units::list, UNIT_READERS),
        get!("/units/{id}", units::show, UNIT_READERS),
        get!("/api/units", units::api_list, UNIT_READERS),
        get!("/api/units/{id}", units::api_show, UNIT_READERS),
        get!("/people", people::list, ADMIN_LEADER),
        get!("/api/people", people::api_list, ADMIN_LEADER),
        // Rubrics (评分标准): everyone reads them; the administrator uploads new versions.
        get!("/rubrics", rubrics::list, Access::AnyUser),
        post!("/rubrics", rubrics::upload, ADMIN, NO_ROUND).body(body::RUBRIC),
        get!("/rubrics/{hash}", rubrics::show, Access::AnyUser),
        get!("/api/rubrics", rubrics::api_list, Access::AnyUser),
        get!("/api/rubrics/{hash}", rubrics::api_show, Access::AnyUser),
        // Review rounds: the administrator runs them, leadership reads them.
        get!("/rounds", rounds::list, ADMIN_LEADER),
        post!("/rounds", rounds::create, ADMIN, NO_ROUND),
        get!("/rounds/{id}", rounds::show, ADMIN_LEADER),
        post!("/rounds/{id}/status", rounds::set_status, ADMIN, of_round(Advance)),
        post!("/rounds/{id}/plan", sampling::save_plan, ADMIN, of_round(EditSamplingPlan)),
        get!("/rounds/{id}/sample", sampling::show, ADMIN_LEADER),
        post!("/rounds/{id}/sample/freeze", sampling::freeze, ADMIN, of_round(FreezeSample)),
        get!("/rounds/{id}/sample/units/{unit}", sampling::unit_list, UNIT_READERS),
        get!("/api/rounds", rounds::api_list, ADMIN_LEADER),
        post!("/api/rounds", rounds::api_create, ADMIN, NO_ROUND),
        get!("/api/rounds/{id}", rounds::api_show, ADMIN_LEADER),
        post!("/api/rounds/{id}/status", rounds::api_set_status, ADMIN, of_round(Advance)),
        get!("/api/rounds/{id}/plan", sampling::api_plan, ADMIN_LEADER),
        post!("/api/rounds/{id}/plan", sampling::api_save_plan, ADMIN, of_round(EditSamplingPlan)),
        get!("/api/rounds/{id}/sample", sampling::api_show, ADMIN_LEADER),
        post!("/api/rounds/{id}/sample/freeze", sampling::api_freeze, ADMIN, of_round(FreezeSample)),
        // Cross-check teams: generated, explained, adjusted and published by the administrator.
        get!("/rounds/{id}/teams", teams::show, ADMIN_LEADER),
        post!("/rounds/{id}/teams/generate", teams::generate, ADMIN, of_round(ChangeTeams)),
        post!("/rounds/{id}/teams/{version}/publish", teams::publish, ADMIN, of_round(ChangeTeams)),
        post!("/rounds/{id}/teams/{version}/change", teams::change, ADMIN, of_round(ChangeTeams)),
        get!("/rounds/{id}/teams/export", teams::export, ADMIN_LEADER),
        get!("/api/rounds/{id}/teams", teams::api_show, ADMIN_LEADER),
        get!("/my/work", teams::mine, REVIEWER),
        // Score sheets (see `score_form_routes`), then the team leader's review.
        get!("/rounds/{id}/team", sheet_review::team, REVIEWER),
        post!("/rounds/{id}/files/{file}/sheets/{reviewer}/return", sheet_review::send_back, REVIEWER, of_round(ReturnSheet)),
        post!("/rounds/{id}/files/{file}/sheets/{reviewer}/reopen", sheet_review::reopen, ADMIN, of_round(ReopenSheet)),
        get!("/rounds/{id}/progress", sheet_review::progress, ADMIN_LEADER),
        // The round's documents (PDF): center managers get their own unit's, after feedback.
        get!("/rounds/{id}/documents", documents::index, UNIT_READERS),
        get!("/rounds/{id}/sheets.pdf", documents::round_sheets, ADMIN_LEADER),
        get!("/rounds/{id}/units/{unit}/sheets.pdf", documents::unit_sheets, UNIT_READERS),
        get!("/rounds/{id}/units/{unit}/feedback.pdf", documents::unit_feedback, UNIT_READERS),
        get!("/rounds/{id}/files/{file}/sheets.pdf", documents::file_sheets, UNIT_READERS),
        // Double review: the leader's 合议 queue, the 合议 form, approval of the team's
        // results (team leader checked per round); reassignment by the administrator.
        get!("/rounds/{id}/reconciliations", reconcile::queue, REVIEWER),
        get!("/rounds/{id}/files/{file}/reconcile", reconcile::form, REVIEWER),
        post!("/rounds/{id}/files/{file}/reconcile", reconcile::decide, REVIEWER, of_round(Reconcile)),
        post!("/rounds/{id}/team/approve", reconcile::approve, REVIEWER, of_round(Reconcile)),
        post!("/rounds/{id}/files/{file}/reassign", reconcile::reassign, ADMIN, of_round(ChangeTeams)),
        get!("/rounds/{id}/calibration", reconcile::calibration, ADMIN_LEADER_REVIEWER),
        // A unit's results once approved; reviewer names hidden from units in blind rounds.
        get!("/rounds/{id}/units/{unit}/results", reconcile::unit_results, UNIT_READERS),
        // Leadership summaries (汇总分析): center managers see their own unit, others anonymised.
        get!("/summary", summary::trend_page, UNIT_READERS),
        get!("/summary.xlsx", summary::trend_xlsx, UNIT_READERS),
        get!("/api/summary", summary::api_trend, UNIT_READERS),
        get!("/rounds/{id}/summary", summary::round_page, UNIT_READERS),
        get!("/rounds/{id}/summary.xlsx", summary::round_xlsx, UNIT_READERS),
        get!("/api/rounds/{id}/summary", summary::api_round, UNIT_READERS),
        get!("/rounds/{id}/report.pdf", summary::report_pdf, ADMIN_LEADER),
        // Imports of registries, reviewer pools and unit lists: upload, preview, commit.
        post!("/imports", imports::upload, ADMIN, named_in_body(ImportRegistry)).body(body::IMPORT),
        get!("/imports/{id}", imports::preview, ADMIN),
        post!("/imports/{id}/commit", imports::commit, ADMIN, of_import(ImportRegistry)),
        post!("/imports/{id}/discard", imports::discard, ADMIN, NO_ROUND),
        post!("/api/imports", imports::api_upload, ADMIN, named_in_body(ImportRegistry)).body(body::IMPORT),
        post!("/api/imports/{id}/commit", imports::api_commit, ADMIN, of_import(ImportRegistry)),
        // The bureau administrator's pages.
        get!("/admin/users", admin_users::list, ADMIN),
        post!("/admin/users", admin_users::create, ADMIN, NO_ROUND),
        post!("/admin/users/{id}/active", admin_users::set_active, ADMIN, NO_ROUND),
        post!("/admin/users/{id}/password", admin_users::reset_password, ADMIN, NO_ROUND),
        get!("/api/users", admin_users::api_list, ADMIN),
        post!("/api/users", admin_users::api_create, ADMIN, NO_ROUND),
        get!("/admin/audit", audit::list, ADMIN),
        // Findings and rectification (整改): the bureau drafts, issues and verifies; the unit's
        // manager answers (own unit only, checked per notice, finding and file).
        get!("/notices", rectification::overview, UNIT_READERS),
        get!("/api/notices", rectification::api_overview, UNIT_READERS),
        get!("/rounds/{id}/rectification", rectification::round_findings, ADMIN_LEADER),
        get!("/api/rounds/{id}/findings", rectification::api_round_findings, ADMIN_LEADER),
        post!("/rounds/{id}/findings/generate", rectification::generate_findings, ADMIN, of_round(GenerateFindings)),
        post!("/api/rounds/{id}/findings/generate", rectification::api_generate_findings, ADMIN, of_round(GenerateFindings)),
        get!("/rounds/{id}/findings/new", rectification::new_finding, ADMIN_OR_REVIEWER),
        post!("/rounds/{id}/findings", rectification::add_finding, ADMIN_OR_REVIEWER, of_round(AddFinding)),
        post!("/rounds/{id}/notices/draft", rectification::draft_notices, ADMIN, of_round(DraftNotices)),
        post!("/api/rounds/{id}/notices/draft", rectification::api_draft_notices, ADMIN, of_round(DraftNotices)),
        get!("/notices/{notice}", rectification::show_notice, UNIT_READERS),
        get!("/api/notices/{notice}", rectification::api_show_notice, UNIT_READERS),
        get!("/notices/{notice}/pdf", rectification::notice_pdf, UNIT_READERS),
        post!("/notices/{notice}/select", rectification::select, ADMIN, of_notice(DraftNotices)),
        post!("/notices/{notice}/issue", rectification::issue, ADMIN, of_notice(IssueNotice)),
        post!("/notices/{notice}/correct", rectification::correct, ADMIN, of_notice(IssueNotice)),
        post!("/notices/{notice}/report", rectification::submit_report, MANAGER, of_notice(Rectify)),
        post!("/notices/{notice}/send-back", rectification::send_back_notice, ADMIN, of_notice(Rectify)),
        post!("/notices/{notice}/close", rectification::close_notice, ADMIN, of_notice(Rectify)),
        post!("/notices/{notice}/follow-up", rectification::follow_up, ADMIN, of_notice(Rectify)),
        post!("/api/notices/{notice}/transition", rectification::api_notice_transition, RECTIFIERS, of_notice(Rectify)),
        get!("/findings/{finding}", rectification::show_finding, UNIT_READERS),
        get!("/api/findings/{finding}", rectification::api_show_finding, UNIT_READERS),
        post!("/findings/{finding}/measures", rectification::save_measures, MANAGER, of_finding(Rectify)),
        post!("/findings/{finding}/evidence", rectification::upload_evidence, MANAGER, of_finding(Rectify)).body(body::EVIDENCE),
        post!("/api/findings/{finding}/evidence", rectification::api_upload_evidence, MANAGER, of_finding(Rectify)).body(body::EVIDENCE),
        post!("/findings/{finding}/submit", rectification::submit_finding, MANAGER, of_finding(Rectify)),
        post!("/findings/{finding}/verify", rectification::verify_finding, ADMIN, of_finding(Rectify)),
        post!("/findings/{finding}/send-back", rectification::send_back_finding, ADMIN, of_finding(Rectify)),
        post!("/api/findings/{finding}/transition", rectification::api_finding_transition, RECTIFIERS, of_finding(Rectify)),
        get!("/evidence/{evidence}", rectification::download_evidence, UNIT_READERS),
        get!("/admin/bureau", rectification::settings_form, ADMIN),
        post!("/admin/bureau", rectification::save_settings, ADMIN, NO_ROUND),
        // Offline review packets: reviewers download their own, team leaders a member's;
        // results come back through the upload (checked per packet and sheet).
        get!("/offline", offline::index, REVIEWER),
        post!("/offline/packets", offline::download, REVIEWER, named_in_body(OfflinePacket)),
        post!("/api/offline/packets", offline::api_download, REVIEWER, named_in_body(OfflinePacket)),
        post!("/offline/results", offline::upload, REVIEWER, named_in_body(ScoreSheet)).body(body::OFFLINE_RESULT),
        post!("/api/offline/results", offline::api_upload, REVIEWER, named_in_body(ScoreSheet)).body(body::OFFLINE_RESULT),
        // In-app notifications of the signed-in account.
        // Objections (异议): the unit files (own unit only, checked in storage), the panel
        // decides (checked per objection), everyone else reads what their role allows.
        get!("/objections", objections::list, Access::AnyUser),
        post!("/objections", objections::create, MANAGER, named_in_body(FileObjection)).body(body::EVIDENCE),
        get!("/api/objections", objections::api_list, Access::AnyUser),
        post!("/api/objections", objections::api_create, MANAGER, named_in_body(FileObjection)),
        get!("/objections/{objection}", objections::show, Access::AnyUser),
        get!("/api/objections/{objection}", objections::api_show, Access::AnyUser),
        post!("/objections/{objection}/decide", objections::decide, ADMIN_OR_REVIEWER, of_objection(DecideObjection)),
        post!("/api/objections/{objection}/decide", objections::api_decide, ADMIN_OR_REVIEWER, of_objection(DecideObjection)),
        get!("/objections/{objection}/evidence", objections::evidence_file, Access::AnyUser),
        post!("/rounds/{id}/objection-settings", objections::save_settings, ADMIN, of_round(EditSettings)),
        get!("/notifications", notifications::list, Access::AnyUser),
        // The electronic case file (电子卷宗): read by the file's reviewers, team leader, unit
        // manager, administrator and leadership; added to by the administrator and the unit's
        // manager (checked per file). It belongs to the registry case, not to a round's data.
        get!("/api/rounds/{id}/files/{file}/case-file", ecf::api_manifest, ECF_READERS),
        get!("/case-files/documents/{doc}/content", ecf::content, ECF_READERS),
        get!("/rounds/{id}/files/{file}/case-file", ecf::show, ECF_READERS),
        get!("/rounds/{id}/files/{file}/case-file/view", case_viewer::page, ECF_READERS),
        post!("/rounds/{id}/files/{file}/case-file/documents", ecf::upload, ECF_EDITORS, NO_ROUND).body(body::ECF_DOCUMENT),
        post!("/rounds/{id}/files/{file}/case-file/documents/{doc}/remove", ecf::remove_document, ECF_EDITORS, NO_ROUND),
        post!("/rounds/{id}/files/{file}/case-file/catalogue", ecf::save_catalogue, ECF_EDITORS, NO_ROUND),
        post!("/rounds/{id}/files/{file}/case-file/catalogue/upload", ecf::upload_catalogue, ECF_EDITORS, NO_ROUND).body(body::EVIDENCE),
        get!("/rounds/{id}/case-files", ecf::overview, UNIT_READERS),
        post!("/rounds/{id}/case-files/bulk", ecf::bulk, ECF_EDITORS, NO_ROUND).body(body::ECF_BULK),
        post!("/rounds/{id}/case-files/remind", ecf::remind, ADMIN, NO_ROUND),
        post!("/notifications/read", notifications::mark_read, Access::AnyUser, NO_ROUND),
        get!("/api/notifications", notifications::api_list, Access::AnyUser),
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
#[rustfmt::skip]
pub fn offline_table() -> Vec<RouteSpec> {
    let mut table = vec![
        get!("/login", offline::login_hint, Access::Public),
        get!("/offline/signin/{token}", offline::signin, Access::Public),
        get!("/healthz", health::check, Access::Public),
        get!("/assets/{name}", assets::file, Access::Public),
        get!("/assets/pdfjs/{name}", case_viewer::pdfjs, Access::Public),
        get!("/", offline::home, Access::AnyUser),
        post!("/logout", login::logout, Access::AnyUser, NO_ROUND),
        get!("/api/me", account::me, Access::AnyUser),
        get!("/my/work", offline::work, REVIEWER),
        get!("/rubrics/{hash}", rubrics::show, Access::AnyUser),
        get!("/offline/result", offline::export, REVIEWER),
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
    let access: Rc<[auth::Rule]> = specs
        .iter()
        .map(|spec| (spec.method.clone(), spec.access, spec.body))
        .collect();
    let writes: Vec<_> = specs
        .iter()
        .map(|spec| (spec.method.clone(), spec.writes))
        .collect();
    let round_rules = round_guard::rules(&writes);
    let mut resource = web::resource(pattern);
    for spec in &specs {
        resource = resource.route((spec.build)());
    }
    // The access rules run first (outermost), then the round-state rule.
    resource
        .wrap(from_fn(move |request, next| {
            round_guard::guard(Rc::clone(&round_rules), request, next)
        }))
        .wrap(from_fn(move |request, next| {
            auth::access_control(Rc::clone(&access), request, next)
        }))
}
