//! What the web frame itself says, whatever the page: the navigation bar, refused bodies and
//! uploads, a record that already exists.

/// A record the database already holds (`storage::Error::Duplicate`).
pub fn duplicate(what: &str) -> String {
    format!("记录已存在：{what}")
}

/// A multipart upload that could not be parsed (the parser's English reason goes to the
/// log, not to the reader).
pub const UPLOAD_UNREADABLE: &str =
    "上传内容无法读取（上传中断或格式不对），请重新选择文件后上传。";

/// An error status the app answered without a message of its own: a method the address
/// does not take (405).
pub const METHOD_NOT_ALLOWED: &str = "此地址不接受这种请求方式（例如直接打开了只能由按钮提交的地址）。请返回上一页，用页面上的按钮操作。";

/// Any other refused request the app answered without a message of its own.
pub const REQUEST_REFUSED: &str = "请求未被接受，请返回上一页重试。";

/// What was wrong with a form, JSON body or query string, in Chinese, from the parser's
/// (English) description, which never reaches the reader.
pub fn input_problem(parser_says: &str) -> String {
    let lower = parser_says.to_ascii_lowercase();
    if let Some(rest) = parser_says.split("missing field `").nth(1) {
        let field = rest.split('`').next().unwrap_or_default();
        return match super::audit::field_label(field) {
            "其他" => "缺少必填的一栏。".to_string(),
            label => format!("缺少“{label}”一栏。"),
        };
    }
    if lower.contains("unknown variant") || lower.contains("unknown field") {
        return "有一栏的值不是可选的值之一。".to_string();
    }
    if lower.contains("utf-8") || lower.contains("utf8") {
        return "内容不是 UTF-8 编码的文字。".to_string();
    }
    if lower.contains("content type") || lower.contains("content-type") {
        return "提交的格式不对：须为表单或 JSON。".to_string();
    }
    if lower.contains("invalid digit")
        || lower.contains("invalid type")
        || lower.contains("invalid value")
        || lower.contains("number")
        || lower.contains("parse")
    {
        return "有一栏的值格式不对（例如数字栏填了文字）。".to_string();
    }
    if lower.contains("json") || lower.contains("eof") || lower.contains("expected") {
        return "JSON 格式有误。".to_string();
    }
    "请检查后重新提交。".to_string()
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
