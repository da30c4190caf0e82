//! What the command line tells the operator: its own help line, the server's start-up and the
//! errors an operator can act on (database, address, fonts, rubric folder, lock files).

use std::fmt::Display;

/// `pingcha --help`: the one-line description.
pub const ABOUT: &str = "评查 Pingcha：法律援助案卷交叉评查系统";
/// `pingcha --help`: the long description.
pub const LONG_ABOUT: &str = "评查 Pingcha：法律援助案卷交叉评查系统。\n\
    数据库默认为当前目录下的 SQLite 文件 pingcha.sqlite3；\
    以 postgres:// 开头的地址使用 PostgreSQL。";

/// Start-up: the database schema was brought up to date (the count follows in the log line).
pub const MIGRATIONS_APPLIED: &str = "数据库结构已更新";

/// A failed command, with its chain of causes: one line on standard error.
pub fn failed(causes: &[String]) -> String {
    format!("错误：{}", causes.join("："))
}

pub const NO_POOLED_CONNECTION: &str = "无法从连接池获取数据库连接";

pub fn cannot_connect(url: impl Display, cause: &str) -> String {
    format!("无法连接数据库 {url}（{cause}）")
}

pub fn unsupported_url(url: impl Display) -> String {
    format!("不支持的数据库地址 {url}：请使用 SQLite 文件路径或 postgres:// 开头的地址")
}

/// `pingcha migrate` with nothing to do.
pub fn up_to_date(url: impl Display) -> String {
    format!("数据库 {url} 已是最新，无需迁移。")
}

/// `pingcha migrate`: the heading of the list of applied migrations.
pub fn migrations_applied(url: impl Display, count: usize) -> String {
    format!("已在 {url} 应用 {count} 个迁移：")
}

/// The demo data set loaded (`pingcha demo`, `serve --demo`).
pub fn demo_loaded(units: impl Display, people: impl Display, law_firms: impl Display) -> String {
    format!("已装入演示数据：{units} 个单位，{people} 名评查员，{law_firms} 家律师事务所。")
}

/// The demo's logins for every reviewer and center manager, and how they are named.
pub fn demo_logins_loaded(created: impl Display) -> String {
    format!(
        "已为每位评查员和每个法律援助中心开设演示账户 {created} 个：评查员按评查员库顺序为 reviewer-01、reviewer-02……，中心负责人为 manager-单位代码（如 manager-yc）。"
    )
}

/// The demo's earlier quarters loaded.
pub fn demo_history_loaded(
    rounds: impl Display,
    sheets: impl Display,
    notices: impl Display,
) -> String {
    format!("已装入此前两个季度的评查：{rounds} 轮，{sheets} 份评分表，{notices} 份整改通知书。")
}

pub fn cannot_listen(address: &str) -> String {
    format!("无法监听地址 {address}")
}

pub fn started(address: impl Display, url: impl Display) -> String {
    format!("评查 Pingcha 已启动：http://{address}/  （数据库 {url}）")
}

pub fn rubric_folder_missing(folder: impl Display) -> String {
    format!("提示：评分标准目录 {folder} 不存在，仅使用数据库中已保存的评分标准。")
}

pub fn rubric_folder_invalid(folder: impl Display, errors: usize) -> String {
    format!("评分标准目录 {folder} 中有 {errors} 处错误，服务未启动")
}

/// The host named in a serving lock file when the system gives no name.
pub const THIS_HOST: &str = "本机";

/// A serving lock file (`<database>.serving-<pid>`) that could not be `doing`.
pub fn lock_file(doing: LockStep, path: impl Display) -> String {
    let verb = match doing {
        LockStep::Create => "创建",
        LockStep::Lock => "锁定",
        LockStep::Write => "写入",
        LockStep::Check => "检查",
    };
    format!("无法{verb}服务锁文件 {path}")
}

/// What was being done to a serving lock file.
#[derive(Debug, Clone, Copy)]
pub enum LockStep {
    Create,
    Lock,
    Write,
    Check,
}

pub fn no_such_face(file: &str, wanted: &str, faces: &str) -> String {
    format!("字体文件 {file} 中没有名为“{wanted}”的字形（该文件的字形：{faces}）")
}

pub fn no_simplified_chinese_face(file: &str, faces: &str) -> String {
    format!(
        "字体文件 {file} 是字体集合，其中找不到简体中文字形；请在文件名后用 #字形名 或 #序号 指明（该文件的字形：{faces}）"
    )
}

pub fn font_unreadable(file: impl Display) -> String {
    format!("无法读取字体文件 {file}")
}

pub fn font_unusable(file: impl Display) -> String {
    format!("字体文件 {file} 无法使用")
}

pub const FONTS_UNUSABLE: &str = "字体文件无法使用";

/// A `--trusted-proxies` entry that is neither an address nor a range.
pub fn not_an_address_range(text: &str) -> String {
    format!("“{text}”不是 IP 地址或网段（例如 10.0.0.5 或 10.0.0.0/8）")
}
