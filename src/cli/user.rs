//! `pingcha user add|passwd`: accounts from the command line. Passwords are read from a
//! prompt (or standard input when piped), never from argv, where other users could see them.

use crate::app::accounts::{self, NewAccount, UnitRef};
use crate::domain::ids::PersonId;
use crate::domain::people::Role;
use crate::storage::audit::Actor;
use crate::storage::{DatabaseUrl, people, users};
use anyhow::Context;
use std::io::{BufRead, IsTerminal};

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from a prompt or standard input.
    Add {
        #[arg(long)]
        login: String,
        /// Display name, e.g. 张玥.
        #[arg(long)]
        name: String,
        /// bureau_admin, reviewer, center_manager or leader (or 管理员, 评查员, 中心负责人, 领导).
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Unit code (required for center_manager), e.g. XQ.
        #[arg(long)]
        unit: Option<String>,
        /// For a reviewer account: the pool member (评查员库) it scores as, by id or as
        /// 姓名@单位代码, e.g. 张玥@XQ. The account then belongs to that person's unit.
        #[arg(long)]
        person: Option<String>,
    },
    /// Set a new password for an account; ends its sessions.
    Passwd {
        #[arg(long)]
        login: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
        .map_err(|_| "角色须为 bureau_admin、reviewer、center_manager 或 leader".to_string())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("密码：")?;
        let second = rpassword::prompt_password("再次输入密码：")?;
        if first != second {
            anyhow::bail!("两次输入的密码不一致");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn explain(error: accounts::Error) -> anyhow::Error {
    match error {
        accounts::Error::Invalid(error) => {
            anyhow::anyhow!(crate::app::messages::account_error(&error))
        }
        accounts::Error::UnknownUnit(code) => anyhow::anyhow!("单位代码 {code} 不存在"),
        accounts::Error::UnknownPerson(_) => {
            anyhow::anyhow!(crate::app::messages::UNKNOWN_PERSON)
        }
        accounts::Error::PersonNotReviewer => {
            anyhow::anyhow!(crate::app::messages::PERSON_NOT_REVIEWER)
        }
        accounts::Error::LoginTaken(_) => anyhow::anyhow!("该用户名已被使用"),
        other => anyhow::Error::new(other),
    }
}

/// A pool member named on the command line: an id, or 姓名@单位代码 naming exactly one.
fn find_person(conn: &mut crate::storage::DbConn, text: &str) -> anyhow::Result<PersonId> {
    if let Ok(id) = text.trim().parse::<PersonId>() {
        return Ok(id);
    }
    let Some((name, unit)) = text.rsplit_once('@') else {
        anyhow::bail!(
            "--person 须为评查员库中人员的编号或“姓名@单位代码”（如 张玥@XQ），而不是“{text}”"
        );
    };
    match people::find_by_name(conn, name, unit)?.as_slice() {
        [id] => Ok(*id),
        [] => anyhow::bail!("评查员库中没有 {}（单位代码 {}）", name.trim(), unit.trim()),
        several => anyhow::bail!(
            "评查员库中有 {} 位 {}（单位代码 {}），请改用编号：{}",
            several.len(),
            name.trim(),
            unit.trim(),
            several
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

pub fn run(url: &DatabaseUrl, command: UserCommand) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            unit,
            person,
        } => {
            let person = person
                .map(|text| find_person(&mut conn, &text))
                .transpose()?;
            let password = read_password()?;
            let account = accounts::create(
                &mut conn,
                &Actor::cli(),
                &NewAccount {
                    login,
                    display_name: name,
                    role,
                    unit: unit.map(UnitRef::Code),
                    person,
                    password,
                },
            )
            .map_err(explain)?;
            println!("已创建账户 {}（{}）。", account.login, account.role.label());
        }
        UserCommand::Passwd { login } => {
            let (account, _) = users::find_by_login(&mut conn, &login)?
                .with_context(|| format!("账户 {login} 不存在"))?;
            let password = read_password()?;
            accounts::set_password(&mut conn, &Actor::cli(), account.id, &password)
                .map_err(explain)?;
            println!("已修改账户 {} 的密码，其所有会话已失效。", account.login);
        }
    }
    Ok(())
}
