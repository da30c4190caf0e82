//! What the web frame itself says, whatever the page: the navigation bar, refused bodies and
//! uploads, a record that already exists.

/// A record the database already holds (`storage::Error::Duplicate`).
pub fn duplicate(what: &str) -> String {
    format!("记录已存在：{what}")
}

/// A multipart upload that could not be parsed.
pub fn upload_unreadable(error: impl std::fmt::Display) -> String {
    format!("上传内容无法读取：{error}")
}

/// A size under a kilobyte, as users read it ("512 字节").
pub fn bytes(count: usize) -> String {
    format!("{count} 字节")
}

/// The labels of the navigation bar (`web::render::navigation`).
pub mod nav {
    pub const HOME: &str = "首页";
    pub const ROUNDS: &str = "评查轮次";
    pub const UNITS: &str = "单位";
    pub const PEOPLE: &str = "评查员库";
    pub const USERS: &str = "账户管理";
    pub const AUDIT: &str = "审计日志";
    pub const NOTICES: &str = "整改";
    pub const OBJECTIONS: &str = "异议";
    pub const SUMMARY: &str = "汇总分析";
    /// A center manager's own unit.
    pub const OWN_UNIT: &str = "本单位";
    pub const OWN_NOTICES: &str = "整改通知";
    pub const OWN_OBJECTIONS: &str = "异议申辩";
    pub const MY_WORK: &str = "我的评查工作";
    pub const OFFLINE: &str = "离线评查";
    /// A reviewer's objections: those a panel they sit on decides.
    pub const OBJECTION_PANEL: &str = "异议处理";
    pub const RUBRICS: &str = "评分标准";
    pub const NOTIFICATIONS: &str = "消息";
}
