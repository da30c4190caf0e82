//! The one catalogue of what a user reads: every Chinese sentence the pages, the API and the
//! command line write, in one place, so wording stays consistent and reviewable by the
//! bureau. Code elsewhere names a message here; it does not spell it out. A family of use
//! cases keeps its messages in a submodule of its own (`messages::<family>`); `frame` holds
//! what the web frame says whatever the page, `cli` what the command line tells the operator.

pub mod audit;
pub mod case_viewer;
pub mod cli;
pub mod confirm;
pub mod ecf;
pub mod frame;
pub mod home;

pub mod rectification;

pub mod scoring;

pub mod objections;

pub mod rounds;
pub mod sampling;
pub mod teams;

pub const NOT_FOUND: &str = "您要找的页面或记录不存在，可能已被删除或地址有误。";
pub const FORBIDDEN: &str = "您的账户无权访问此页面或记录。如需权限，请联系本局管理员。";
pub const UNAUTHENTICATED: &str = "请先登录。";
pub const CSRF: &str = "表单已过期或来源无法验证，请返回上一页刷新后重新提交。";
pub const THROTTLED: &str = "登录失败次数过多，请15分钟后再试。";
pub const UNAVAILABLE: &str = "数据库暂时无法连接，请稍后重试。如持续出现，请联系本局管理员。";
pub const INTERNAL: &str = "系统内部错误，已记录。请将下方的请求编号告知管理员。";
pub const BAD_INPUT: &str = "提交的内容不完整或格式有误：";
pub const BODY_UNREADABLE: &str = "提交的内容未能完整收到，请重新提交。";
pub const BAD_LOGIN: &str = "用户名或密码错误。";
pub const LOGIN_REQUIRED_FIELDS: &str = "请输入用户名和密码。";
pub const PASSWORD_CHANGED: &str = "密码已修改，请使用新密码重新登录。";
pub const PASSWORD_MISMATCH: &str = "两次输入的新密码不一致。";
pub const CURRENT_PASSWORD_WRONG: &str = "当前密码不正确。";
pub const USER_CREATED: &str = "账户已创建。";
pub const USER_UPDATED: &str = "账户已更新。";
pub const LOGIN_TAKEN: &str = "该用户名已被使用，请换一个。";
pub const UNKNOWN_UNIT: &str = "所选单位不存在。";
pub const UNKNOWN_ROLE: &str = "所选角色不存在。";
pub const NOTICE_CLOSED: &str = "整改通知书已办结。";
pub const CONCURRENT_DUPLICATE: &str =
    "同一记录刚刚已由其他操作保存，本次提交未保存。请刷新页面查看已保存的内容。";
pub const CONCURRENT_CHANGE: &str = "数据刚刚被其他操作修改，本次提交未保存。请刷新页面后重试。";
pub const UNKNOWN_PERSON: &str = "所选评查员不在评查员库中。";
pub const PERSON_NOT_REVIEWER: &str = "只有评查员账户可以关联评查员库中的人员。";

/// The sentence for a rejected new account, naming the field at fault.
pub fn account_error(error: &crate::domain::people::AccountError) -> String {
    use crate::domain::people::AccountError;
    match error {
        AccountError::BadLogin => "用户名须为3至32位字母、数字或“._-”。".to_string(),
        AccountError::EmptyName => "姓名不能为空。".to_string(),
        AccountError::MissingUnit => "中心负责人账户必须指定所属单位。".to_string(),
        AccountError::WeakPassword(min) => format!("密码至少需要{min}个字符。"),
        AccountError::Text(error) => format!("{error}。"),
    }
}

/// The page titles of the error pages.
pub fn status_title(status: u16) -> &'static str {
    match status {
        400 => "请求有误",
        401 => "需要登录",
        403 => "无权访问",
        404 => "未找到",
        409 => "数据冲突",
        413 => "文件过大",
        429 => "请稍后再试",
        503 => "服务暂不可用",
        _ => "系统错误",
    }
}

pub const RUBRIC_FILE_MISSING: &str = "请选择要上传的评分标准文件（.toml）。";
pub const RUBRIC_NOT_TEXT: &str = "文件不是 UTF-8 编码的文本，无法作为评分标准读取。";
pub const ROUND_NAME_TAKEN: &str = "已有同名的评查轮次，请换一个名称。";
pub const ROUND_RUBRIC_MISMATCH: &str = "所选评分标准不存在或不适用于该案件类别。";
pub const ROUND_ADVANCED: &str = "评查轮次已进入下一阶段。";
pub const IMPORT_DONE: &str = "导入完成。";
pub const PLAN_SAVED: &str = "抽样方案已保存。";
pub const SAMPLE_FROZEN: &str = "抽查清单已确定，随机种子与候选清单已保存，可随时复核。";
pub const IMPORT_FILE_MISSING: &str = "请选择要导入的文件（XLSX 或 CSV）。";

// Offline review packets (离线评查包).
pub const OFFLINE_NO_ASSIGNMENT: &str = "本轮次尚未发布分组，不能下载离线包。";
pub const OFFLINE_NOT_PERMITTED: &str = "只能下载本人的离线包；组长可以下载本组成员的离线包。";
pub const OFFLINE_NOTHING_OPEN: &str =
    "没有可离线评查的案卷：所选评查员在本轮次的评分表都已提交或已锁定。";
pub const OFFLINE_NO_FILE: &str = "请选择要上传的结果包文件（.pcres）。";
pub const OFFLINE_TOO_LARGE: &str = "结果包过大（上限 16 MB）。";
pub const OFFLINE_NOT_TEXT: &str = "结果包不是 UTF-8 文本文件。";
pub const OFFLINE_LOGIN_HINT: &str = "离线评查模式：请使用启动 pingcha offline open 时终端上显示的一次性登录地址登录。该地址用过一次即失效；重新启动即可得到新的地址。";
pub const OFFLINE_REFUSED: &str = "结果包未导入，所有评分表均未改动：";

/// A result packet applied on the server.
pub fn offline_applied(files: usize) -> String {
    format!("结果包已导入：{files} 份评分表已更新。")
}
// Objections (异议/申辩)
pub const OBJECTION_NO_TARGET: &str = "请选择要提出异议的扣分或一票否决项目。";
pub const OBJECTION_NO_DECISION: &str = "请选择裁决结果：维持、变更或撤销。";
pub const OBJECTION_BAD_POINTS: &str = "变更后的扣分须为不超过一位小数的分值，收到：";
pub const OBJECTION_UNKNOWN_PANEL_LOGIN: &str = "异议处理小组中的账户不存在：";
pub const OBJECTION_SETTINGS_SAVED: &str = "异议与临界复评设置已保存。";

/// The result of walking the audit chain (`pingcha audit verify`, the audit page).
pub fn audit_chain(
    outcome: &Result<crate::storage::audit::Intact, crate::storage::audit::Broken>,
) -> String {
    use crate::storage::audit::Fault;
    match outcome {
        Ok(intact) => format!(
            "审计日志完整：共 {} 条记录，逐条核对无误。最新一条（链头）的哈希 {}",
            intact.entries, intact.head_hash
        ),
        Err(broken) => {
            let why = match broken.fault {
                Fault::Altered => "该条记录的内容与其哈希不符，已被改动".to_string(),
                Fault::MissingPredecessor => format!(
                    "其前面缺少记录（应为第 {} 条，实为第 {} 条），前面的记录已被删除",
                    broken.expected_seq.unwrap_or_default(),
                    broken.seq.unwrap_or_default()
                ),
                Fault::BrokenLink => {
                    "该条记录所存的前一条哈希与前一条记录不符，前一条记录已被替换".to_string()
                }
            };
            format!(
                "审计日志校验未通过：第一条不符的记录为 #{}（{}，{}）：{}。",
                broken.id,
                crate::domain::local_time::seconds(broken.at),
                broken.action,
                why
            )
        }
    }
}

/// The whole audit check (`pingcha audit verify`, the audit page): the chain, then what was
/// compared against it, one line per problem.
pub fn audit_report(report: &crate::storage::audit::Report) -> String {
    use crate::storage::attest::Kind;
    use crate::storage::audit::{AnchorSource, Problem};
    let mut lines = vec![audit_chain(&report.chain)];
    let source = |source: &AnchorSource| match source {
        AnchorSource::Head => "链头记录（audit_head）".to_string(),
        AnchorSource::Document(code) => format!("核验码为 {code} 的文书签发时"),
        AnchorSource::Given => "您提供的链头（--head）".to_string(),
    };
    for problem in &report.problems {
        lines.push(match problem {
            Problem::TailCut {
                source: from,
                recorded_seq,
                last_seq,
            } => format!(
                "审计日志末尾被截断：{}记录的链头为第 {recorded_seq} 条，而日志现存最后一条为第 {last_seq} 条，第 {} 条起的记录已被删除。",
                source(from),
                last_seq + 1
            ),
            Problem::AnchorDiffers { source: from, seq } => format!(
                "审计日志已被改写：{}记录的第 {seq} 条记录的哈希与日志中该条不符。",
                source(from)
            ),
            Problem::HeadMissing => {
                "链头记录（audit_head）缺失：无法确认日志末尾是否被截断。".to_string()
            }
            Problem::Row(row) => {
                let what = match row.kind {
                    Kind::ScoreSheet => "评分表",
                    Kind::Finding => "问题",
                    Kind::Notice => "整改通知书",
                };
                if row.recorded {
                    format!(
                        "{what} {} 的内容与其最后一条审计记录所记的摘要不符：已在系统之外被改动。",
                        row.id
                    )
                } else {
                    format!(
                        "{what} {} 没有任何审计记录记载其内容：是在系统之外写入的。",
                        row.id
                    )
                }
            }
            Problem::DocumentBytes { code } => format!(
                "核验码为 {code} 的文书所存文件与签发时的 SHA-256 不符：已被改动。"
            ),
        });
    }
    if report.chain.is_ok() && !report.problems.is_empty() {
        lines.push(format!("共发现 {} 处问题。", report.problems.len()));
    }
    lines.join("\n")
}

pub const VERIFY_BAD_CODE: &str =
    "核验码格式不正确：核验码为12位字母和数字，形如 ABCD-EFGH-JKMN，请核对后重新输入。";
pub const VERIFY_UNKNOWN: &str = "未找到此核验码：本系统没有签发过带有该核验码的文书。该文书可能不是本系统出具，或核验码有误，请谨慎对待。";
pub const VERIFY_THROTTLED: &str = "核验失败次数过多，请15分钟后再试。";
pub const VERIFY_FILE_MATCHES: &str = "上传的文件与签发的文书完全一致（SHA-256 相同），未被改动。";
pub const VERIFY_FILE_DIFFERS: &str =
    "上传的文件与签发的文书不一致（SHA-256 不同）：文件已被改动，或并非此核验码对应的文书。";
pub const VERIFY_BAD_HASH: &str = "SHA-256 格式不正确：应为64位十六进制字符。";
pub const VERIFY_TOO_LARGE: &str = "上传的文件过大（上限 16 MB）：较大的文书请改为填写其 SHA-256。";

/// The Chinese name of an issued document's kind.
pub fn document_kind(kind: &str) -> &'static str {
    match kind {
        "score_sheets" => "评查评分表",
        "feedback" => "评查情况反馈",
        "notice" => "整改通知书",
        "leadership_report" => "评查情况通报",
        _ => "文书",
    }
}

/// A request body over its route's limit (`web::body`); nothing was saved.
pub fn body_too_large(limit: &str) -> String {
    format!("提交的内容过大（此处上限 {limit}），未作任何更改。请缩短内容或减小文件后重新提交。")
}

/// A multipart form with more parts than its route allows; nothing was saved.
pub fn body_too_many_parts(limit: usize) -> String {
    format!("提交的表单项过多（此处最多 {limit} 项），未作任何更改。")
}
