//! `pingcha audit verify`: walks the audit log's hash chain with a progress bar and prints
//! either that it is intact (with the count and the head hash) or the first entry that does
//! not match and why; then what was compared against the chain (its recorded heads, the
//! stored score sheets, findings, notices and issued documents). Any problem exits non-zero.

use crate::app::audit;
use crate::storage::DatabaseUrl;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain and name the first entry that does not match; check
    /// that the stored data is what the log recorded.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A head printed by an earlier run and kept outside the database, as SEQ:HASH (e.g.
    /// 1234:9f86d0…): the chain must still hold that entry with that hash.
    #[arg(long)]
    pub head: Option<String>,
}

fn parse_head(text: &str) -> anyhow::Result<(i64, String)> {
    let (seq, hash) = text
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("--head 应写作“序号:哈希”，如 1234:9f86d0…"))?;
    let seq: i64 = seq
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--head 的序号“{seq}”不是正整数"))?;
    let hash = hash.trim().to_ascii_lowercase();
    if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("--head 应写作“序号:哈希”（哈希为64位十六进制字符）");
    }
    Ok((seq, hash))
}

pub fn run(url: &DatabaseUrl, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Verify(args) => verify(url, args),
    }
}

fn verify(url: &DatabaseUrl, args: VerifyArgs) -> anyhow::Result<()> {
    let given = args.head.as_deref().map(parse_head).transpose()?;
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    let total = audit::count(&mut conn)?;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 条 ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("校验审计日志");
    let report = audit::verify(
        &mut conn,
        &mut |done| {
            if done % 256 == 0 {
                bar.set_position(done);
            }
        },
        given,
    )?;
    bar.finish_and_clear();
    let message = crate::app::messages::audit_report(&report);
    if report.is_clean() {
        if let Ok(intact) = &report.chain {
            println!("{message}");
            println!(
                "链头：{}:{}（可记在数据库之外，日后用 --head 核对）",
                intact.entries, intact.head_hash
            );
        }
        Ok(())
    } else {
        anyhow::bail!("{message}")
    }
}
