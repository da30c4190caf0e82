//! What the electronic case file viewer's page says (the viewer's own labels are in
//! `templates/assets/viewer.js`).

/// The viewer page's title and heading.
pub const HEADING: &str = "电子卷宗";
