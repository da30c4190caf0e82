//! `pingcha backup FILE` and `pingcha restore FILE` for SQLite. A backup is a consistent online
//! copy made with `VACUUM INTO` (safe while `pingcha serve` runs: it reads one snapshot); a
//! restore checks that the file is a complete Pingcha database before it replaces anything,
//! and replaces the target in one rename. PostgreSQL is backed up with pg_dump (see README).

use crate::storage::{self, Backend, DatabaseUrl};
use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist yet).
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A backup made by `pingcha backup`.
    pub file: PathBuf,
    /// Replace a target database that already holds data.
    #[arg(long)]
    pub force: bool,
}

const PG_BACKUP_HINT: &str = "PostgreSQL 数据库请使用 pg_dump 备份：pg_dump --format=custom \
     --file=pingcha.dump \"$DATABASE_URL\"（见 README“备份与恢复”）";
const PG_RESTORE_HINT: &str = "PostgreSQL 数据库请使用 pg_restore 恢复：pg_restore --clean \
     --if-exists --no-owner --dbname=\"$DATABASE_URL\" pingcha.dump（见 README“备份与恢复”）";

/// What a checked database file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub tables: usize,
    pub rows: i64,
}

pub fn backup(url: &DatabaseUrl, args: BackupArgs) -> anyhow::Result<()> {
    if url.backend() == Backend::Postgres {
        anyhow::bail!("pingcha backup 只适用于 SQLite。{PG_BACKUP_HINT}");
    }
    let source = Path::new(url.sqlite_path());
    if !source.is_file() {
        anyhow::bail!("数据库文件 {} 不存在", source.display());
    }
    if args.file.exists() {
        anyhow::bail!(
            "备份文件 {} 已存在，请换一个文件名或先移走它",
            args.file.display()
        );
    }
    let mut conn = open_sqlite(source)?;
    let temporary = temporary_beside(&args.file)?;
    let outcome = vacuum_into(&mut conn, &temporary).and_then(|()| {
        let contents = check(&temporary)?;
        sync_file(&temporary)?;
        std::fs::rename(&temporary, &args.file)
            .with_context(|| format!("无法写入备份文件 {}", args.file.display()))?;
        sync_parent(&args.file);
        Ok(contents)
    });
    let contents = outcome.inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })?;
    let bytes = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    println!(
        "已备份到 {}：{} 张表，共 {} 行，{} 字节。",
        args.file.display(),
        contents.tables,
        contents.rows,
        bytes
    );
    Ok(())
}

pub fn restore(url: &DatabaseUrl, args: RestoreArgs) -> anyhow::Result<()> {
    if url.backend() == Backend::Postgres {
        anyhow::bail!("pingcha restore 只适用于 SQLite。{PG_RESTORE_HINT}");
    }
    if !args.file.is_file() {
        anyhow::bail!("备份文件 {} 不存在", args.file.display());
    }
    let contents = check(&args.file)?;
    let target = PathBuf::from(url.sqlite_path());
    let serving = super::serving::holders(&target)?;
    if !serving.is_empty() {
        let who: Vec<String> = serving
            .iter()
            .map(|holder| {
                format!(
                    "进程 {}（主机 {}，锁文件 {}）",
                    holder.pid,
                    holder.host,
                    holder.marker.display()
                )
            })
            .collect();
        anyhow::bail!(
            "目标数据库 {} 正被运行中的 pingcha serve 使用：{}。恢复会替换它正在写入的文件，此后它写入的数据都会丢失；请先停止该服务再恢复。",
            target.display(),
            who.join("；")
        );
    }
    if !args.force && holds_data(&target) {
        anyhow::bail!(
            "目标数据库 {} 中已有数据；确认要用备份覆盖它时请加 --force（先停止使用它的 pingcha serve）",
            target.display()
        );
    }
    let temporary = temporary_beside(&target)?;
    let outcome = (|| -> anyhow::Result<()> {
        let mut source = open_sqlite(&args.file)?;
        vacuum_into(&mut source, &temporary)?;
        drop(source);
        check(&temporary)?;
        sync_file(&temporary)?;
        if target.exists() {
            // Fold the target's write-ahead log into it, then remove the log: an old log
            // beside the new file would be replayed into it.
            if let Ok(mut old) = open_sqlite(&target) {
                let _ = old.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);");
            }
            for suffix in ["-wal", "-shm"] {
                let side = side_file(&target, suffix);
                if side.exists() {
                    std::fs::remove_file(&side)
                        .with_context(|| format!("无法删除 {}", side.display()))?;
                }
            }
        }
        std::fs::rename(&temporary, &target)
            .with_context(|| format!("无法写入目标数据库 {}", target.display()))?;
        sync_parent(&target);
        Ok(())
    })();
    outcome.inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })?;
    println!(
        "已从 {} 恢复到 {}：{} 张表，共 {} 行。",
        args.file.display(),
        target.display(),
        contents.tables,
        contents.rows
    );
    Ok(())
}

/// Checks that `path` is an intact SQLite file holding a Pingcha database with exactly the
/// migrations this binary knows, and counts what it holds.
pub fn check(path: &Path) -> anyhow::Result<Contents> {
    let name = path.display();
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut file| std::io::Read::read(&mut file, &mut header))
        .with_context(|| format!("无法读取 {name}"))?;
    if read < 16 || &header != b"SQLite format 3\0" {
        anyhow::bail!("{name} 不是 SQLite 数据库文件");
    }
    let mut conn = open_sqlite(path)?;
    let integrity: Vec<TextRow> = diesel::sql_query("PRAGMA quick_check")
        .load(&mut conn)
        .with_context(|| format!("{name} 已损坏，无法读取"))?;
    if integrity.len() != 1 || integrity.first().map(|row| row.value.as_str()) != Some("ok") {
        anyhow::bail!("{name} 已损坏（完整性检查未通过）");
    }
    let tables = table_names(&mut conn)?;
    if !tables.contains("__diesel_schema_migrations") || !tables.contains("units") {
        anyhow::bail!("{name} 不是评查系统的数据库（缺少数据表）");
    }
    let applied: BTreeSet<String> = conn
        .applied_migrations()
        .map_err(|error| anyhow::anyhow!("无法读取 {name} 的迁移记录：{error}"))?
        .iter()
        .map(ToString::to_string)
        .collect();
    let known: BTreeSet<String> = MigrationSource::<Sqlite>::migrations(&storage::migrate::SQLITE)
        .map_err(|error| anyhow::anyhow!("{error}"))?
        .iter()
        .map(|migration| migration.name().version().to_string())
        .collect();
    let missing: Vec<&String> = known.difference(&applied).collect();
    if !missing.is_empty() {
        anyhow::bail!(
            "{name} 缺少数据库迁移 {}：请用生成它的版本先执行 pingcha migrate 再备份",
            join(&missing)
        );
    }
    let unknown: Vec<&String> = applied.difference(&known).collect();
    if !unknown.is_empty() {
        anyhow::bail!(
            "{name} 含有本程序不认识的迁移 {}：它来自更新的版本，请用该版本恢复",
            join(&unknown)
        );
    }
    let mut rows = 0;
    for table in &tables {
        rows += count_rows(&mut conn, table)?;
    }
    Ok(Contents {
        tables: tables.len(),
        rows,
    })
}

/// True when `path` exists and is anything but an empty or data-free SQLite database.
fn holds_data(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Err(_) => false,
        Ok(meta) if meta.len() == 0 => false,
        Ok(_) => {
            let Ok(mut conn) = open_sqlite(path) else {
                return true;
            };
            let Ok(tables) = table_names(&mut conn) else {
                return true;
            };
            tables
                .iter()
                .filter(|table| table.as_str() != "__diesel_schema_migrations")
                .any(|table| count_rows(&mut conn, table).map_or(true, |rows| rows > 0))
        }
    }
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    #[diesel(column_name = quick_check)]
    value: String,
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn open_sqlite(path: &Path) -> anyhow::Result<SqliteConnection> {
    let text = path
        .to_str()
        .with_context(|| format!("路径 {} 含有无法识别的字符", path.display()))?;
    let mut conn = SqliteConnection::establish(text)
        .map_err(|error| anyhow::anyhow!("无法打开 {}：{error}", path.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 5000;")?;
    Ok(conn)
}

fn table_names(conn: &mut SqliteConnection) -> anyhow::Result<BTreeSet<String>> {
    let rows: Vec<NameRow> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|row| row.name).collect())
}

fn count_rows(conn: &mut SqliteConnection, table: &str) -> anyhow::Result<i64> {
    let sql = format!("SELECT COUNT(*) AS n FROM {}", quote_identifier(table));
    let row: CountRow = diesel::sql_query(sql).get_result(conn)?;
    Ok(row.n)
}

fn vacuum_into(conn: &mut SqliteConnection, target: &Path) -> anyhow::Result<()> {
    let text = target
        .to_str()
        .with_context(|| format!("路径 {} 含有无法识别的字符", target.display()))?;
    conn.batch_execute(&format!("VACUUM INTO '{}'", text.replace('\'', "''")))
        .with_context(|| format!("无法写入 {}", target.display()))
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A new file name in the same directory as `path`, so the final rename stays on one file
/// system and is atomic.
fn temporary_beside(path: &Path) -> anyhow::Result<PathBuf> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} 不是文件路径", path.display()))?;
    let mut name = std::ffi::OsString::from(".");
    name.push(file_name);
    name.push(format!(".{}.tmp", storage::new_id().simple()));
    Ok(path.with_file_name(name))
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("无法写入 {}", path.display()))
}

/// Makes the rename durable; a failure here is not worth failing a finished copy for.
fn sync_parent(path: &Path) {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if let Ok(dir) = std::fs::File::open(parent) {
        let _ = dir.sync_all();
    }
}

fn join(versions: &[&String]) -> String {
    versions
        .iter()
        .map(|version| version.as_str())
        .collect::<Vec<_>>()
        .join("、")
}
