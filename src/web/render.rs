//! Handlebars, strict mode, templates compiled into the binary. Pages get a common `page`
//! object (title, the signed-in user, navigation for their role, CSRF token); `{{ }}` escapes
//! everything, and templates never use `{{{ }}}` for user data.

use crate::app::messages;
use crate::domain::people::{Account, Role};
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::LazyLock;

#[derive(RustEmbed)]
#[folder = "templates/"]
#[exclude = "assets/*"]
struct TemplateFiles;

#[derive(RustEmbed)]
#[folder = "templates/assets/"]
pub struct Assets;

static TEMPLATES: LazyLock<Result<Handlebars<'static>, String>> = LazyLock::new(load);

fn load() -> Result<Handlebars<'static>, String> {
    let mut registry = Handlebars::new();
    registry.set_strict_mode(true);
    registry.set_dev_mode(false);
    registry
        .register_embed_templates_with_extension::<TemplateFiles>(".hbs")
        .map_err(|error| error.to_string())?;
    Ok(registry)
}

/// Fails at start-up, not at the first request, when a template does not compile.
pub fn check() -> Result<(), String> {
    TEMPLATES.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Renders a template with `data`; errors name the template and the missing value.
pub fn render(name: &str, data: &Value) -> Result<String, String> {
    let registry = TEMPLATES.as_ref().map_err(Clone::clone)?;
    registry
        .render(name, data)
        .map_err(|error| error.to_string())
}

/// One link in the navigation bar.
#[derive(Debug, Clone, Serialize)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub active: bool,
    /// A count shown next to the label (unread notifications); 0 shows nothing.
    pub badge: i64,
}

/// The navigation a role sees; later capabilities add their entries here. `notifications`
/// is the number shown on the 消息 link.
pub fn navigation(account: &Account, current_path: &str, notifications: i64) -> Vec<NavLink> {
    use messages::frame::nav::*;
    let mut links: Vec<(String, &'static str)> = vec![("/".into(), HOME)];
    let mut add = |entries: &[(&str, &'static str)]| {
        links.extend(
            entries
                .iter()
                .map(|(href, label)| (href.to_string(), *label)),
        );
    };
    match account.role {
        Role::BureauAdmin | Role::Leader => {
            add(&[("/rounds", ROUNDS), ("/units", UNITS), ("/people", PEOPLE)]);
            if account.role == Role::BureauAdmin {
                add(&[("/admin/users", USERS), ("/admin/audit", AUDIT)]);
            }
            add(&[
                ("/notices", NOTICES),
                ("/objections", OBJECTIONS),
                ("/summary", SUMMARY),
            ]);
        }
        Role::CenterManager => {
            if let Some(unit) = account.unit_id {
                add(&[(&format!("/units/{unit}"), OWN_UNIT)]);
            }
            add(&[
                ("/notices", OWN_NOTICES),
                ("/objections", OWN_OBJECTIONS),
                ("/summary", SUMMARY),
            ]);
        }
        Role::Reviewer => {
            add(&[
                ("/my/work", MY_WORK),
                ("/offline", OFFLINE),
                ("/objections", OBJECTION_PANEL),
            ]);
        }
    }
    add(&[("/rubrics", RUBRICS), ("/notifications", NOTIFICATIONS)]);
    links
        .into_iter()
        .map(|(href, label)| NavLink {
            badge: if href == "/notifications" {
                notifications
            } else {
                0
            },
            active: if href == "/" {
                current_path == "/"
            } else if current_path.starts_with("/rounds/") && current_path.contains("/summary") {
                // A round's summary belongs to 汇总分析, not to the round pages.
                href == "/summary"
            } else {
                current_path.starts_with(&href)
            },
            href,
            label,
        })
        .collect()
}

/// The common part of every page.
pub fn page_context(
    title: &str,
    account: Option<&Account>,
    csrf: Option<&str>,
    path: &str,
    notifications: i64,
) -> Value {
    json!({
        "title": title,
        "user": account.map(|account| json!({
            "display_name": account.display_name,
            "login": account.login,
            "role": account.role.code(),
            "role_label": account.role.label(),
        })),
        "nav": account.map(|account| navigation(account, path, notifications)).unwrap_or_default(),
        "csrf": csrf,
        "flash": Value::Null,
        "offline": Value::Null,
    })
}

/// The friendly error page; falls back to plain text if even the template fails.
pub fn error_page(status: u16, message: &str, request_id: Option<&str>) -> String {
    error_page_for(status, message, request_id, None, None, "/")
}

/// The error page for a signed-in user: their navigation, no 「登录」, a way back (`back`, a
/// path of this site, else the home page).
pub fn error_page_for(
    status: u16,
    message: &str,
    request_id: Option<&str>,
    user: Option<(&Account, &str)>,
    back: Option<&str>,
    path: &str,
) -> String {
    let title = messages::status_title(status);
    let data = json!({
        "page": page_context(title, user.map(|(account, _)| account), user.map(|(_, csrf)| csrf), path, 0),
        "back": back,
        "status": status,
        "message": message,
        "request_id": request_id,
        // A form the server refused (bad input, a state that changed, too large): the page
        // says the typed text is kept, and assets/forms.js puts it back.
        "refused_form": matches!(status, 400 | 409 | 413),
    });
    render("errors/error", &data).unwrap_or_else(|_| format!("{status} {title}: {message}"))
}
