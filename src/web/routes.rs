//! THE route table: every route with its method, path, handler and who may call it. The
//! access rule is applied by `auth::AccessControl` around each resource, so a route cannot be
//! registered without one, and the route × role tests walk this same table.

use crate::domain::people::Role;
use crate::web::auth::{Access, AccessControl};
use crate::web::handlers::{
    account, admin_users, assets, audit, health, home, imports, login, people, reconcile, rounds,
    rubrics, sampling, sheet_review, sheets, teams, units,
};
use actix_web::http::Method;
use actix_web::web;

/// One route: the handler is a function building the actix route, so the table stays data.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub build: fn() -> actix_web::Route,
}

macro_rules! route {
    ($method:ident, $path:expr, $handler:path, $access:expr) => {
        RouteSpec {
            method: Method::$method,
            path: $path,
            access: $access,
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

pub fn table() -> Vec<RouteSpec> {
    vec![
        // Public: sign-in, health, static files.
        route!(GET, "/login", login::form, Access::Public),
        route!(POST, "/login", login::submit, Access::Public),
        route!(GET, "/healthz", health::check, Access::Public),
        route!(GET, "/assets/{name}", assets::file, Access::Public),
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
        route!(POST, "/rubrics", rubrics::upload, ADMIN),
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
        // Score sheets: only the reviewer a file is assigned to (checked per file).
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
        route!(
            POST,
            "/api/rounds/{id}/files/{file}/sheet/draft",
            sheets::autosave,
            REVIEWER
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
        // Imports of registries, reviewer pools and unit lists: upload, preview, commit.
        route!(POST, "/imports", imports::upload, ADMIN),
        route!(GET, "/imports/{id}", imports::preview, ADMIN),
        route!(POST, "/imports/{id}/commit", imports::commit, ADMIN),
        route!(POST, "/imports/{id}/discard", imports::discard, ADMIN),
        route!(POST, "/api/imports", imports::api_upload, ADMIN),
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
    ]
}

/// Registers the table: one resource per path, wrapped in its access rules.
pub fn configure(config: &mut web::ServiceConfig) {
    let table = table();
    let mut paths: Vec<&'static str> = Vec::new();
    for spec in &table {
        if !paths.contains(&spec.path) {
            paths.push(spec.path);
        }
    }
    for path in paths {
        let specs: Vec<&RouteSpec> = table.iter().filter(|spec| spec.path == path).collect();
        let rules = specs
            .iter()
            .map(|spec| (spec.method.clone(), spec.access))
            .collect();
        let mut resource = web::resource(path);
        for spec in &specs {
            resource = resource.route((spec.build)());
        }
        config.service(resource.wrap(AccessControl::new(rules)));
    }
}
