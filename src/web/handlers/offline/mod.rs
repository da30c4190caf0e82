//! Offline review packets on the web. On the server: the 离线评查 page (download a packet,
//! upload a result) and its API twins. On the laptop (`pingcha offline open`): sign-in by the
//! one-time address, the work list built from the packet, and the result export; the score
//! form itself is the server's own (`handlers::sheets`).

use crate::web::OfflineMode;
use crate::web::render::NavLink;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value;

mod laptop;
mod server;

pub use laptop::{export, home, login_hint, signin, work};
pub use server::{MAX_RESULT_BYTES, api_download, api_upload, download, index, upload};

/// A UTC time as the bureau reads it (Beijing time), to the minute.
pub fn local_time(at: NaiveDateTime) -> String {
    crate::domain::local_time::minutes(at)
}

/// The offline banner: whose packet, valid until when.
#[derive(Serialize)]
struct Banner<'a> {
    expires_at: &'a str,
    reviewer: &'a str,
}

/// The offline server's pages: the banner, and navigation limited to what exists offline.
pub fn adapt_page(context: &mut Value, mode: &OfflineMode, path: &str) {
    if let Value::Object(map) = context {
        let banner = Banner {
            expires_at: &mode.expires_at,
            reviewer: &mode.reviewer,
        };
        map.insert(
            "offline".into(),
            serde_json::to_value(banner).unwrap_or_default(),
        );
        if map.get("user").is_some_and(|user| !user.is_null()) {
            let nav = vec![NavLink {
                href: "/my/work".into(),
                label: "我的评查工作",
                active: path.starts_with("/my/work"),
                badge: 0,
            }];
            map.insert("nav".into(), serde_json::to_value(nav).unwrap_or_default());
        }
    }
}
