//! `pingcha offline open PACKET` and `pingcha offline export`: offline review on a laptop
//! without network. The packet's structure is checked here; its signature only the server can
//! check (the laptop holds no key), which it does when the result is uploaded.

use crate::domain::offline;
use crate::security;
use crate::storage::{self, DatabaseUrl};
use crate::web::handlers::offline::local_time;
use crate::web::{Application, OfflineMode, WebConfig};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, clap::Subcommand)]
pub enum OfflineCommand {
    /// Open a packet (.pcpkt): a local server on 127.0.0.1 with the packet's files only.
    Open(OpenArgs),
    /// Write the result packet (.pcres) of an offline data directory to OUT.
    Export(ExportArgs),
}

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// The packet file downloaded from the server's 离线评查 page.
    pub packet: PathBuf,
    /// Port of the local server on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    /// Folder for the local database (default: pingcha-offline-<packet> in the current folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The folder `pingcha offline open` used.
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Where to write the result packet; an existing file is not overwritten.
    pub out: PathBuf,
}

pub fn run(command: OfflineCommand) -> anyhow::Result<()> {
    match command {
        OfflineCommand::Open(args) => open(args),
        OfflineCommand::Export(args) => export(args),
    }
}

fn database_url(dir: &Path) -> anyhow::Result<DatabaseUrl> {
    let path = dir.join("offline.sqlite3");
    DatabaseUrl::parse(&path.display().to_string()).map_err(super::describe_storage_error)
}

fn open(args: OpenArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.packet)
        .with_context(|| format!("无法读取离线包 {}", args.packet.display()))?;
    let packet = offline::decode(&text)
        .map_err(|error| anyhow::anyhow!("{}：{error}", args.packet.display()))?;
    let payload = &packet.payload;
    println!(
        "离线包结构完整：{} · {} · {} 件案卷。",
        payload.reviewer.name,
        payload.round.name,
        payload.files.len()
    );
    println!("注意：本机没有服务器密钥，无法核对离线包的签名；上传结果包时由服务器核对签名。");
    offline::check_not_expired(payload, storage::now(), local_time)
        .map_err(|error| anyhow::anyhow!("{}：{error}", args.packet.display()))?;
    let short: String = payload.packet_id.chars().rev().take(8).collect();
    let dir = args
        .data_dir
        .unwrap_or_else(|| PathBuf::from(format!("pingcha-offline-{short}")));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("无法创建离线数据目录 {}", dir.display()))?;
    let pool = super::open_database(&database_url(&dir)?)?;
    {
        let mut conn = pool.get()?;
        match storage::offline::open_local(&mut conn, &text, &packet, storage::now()) {
            Ok(()) => {}
            Err(storage::Error::Duplicate(other)) => bail!(
                "离线数据目录 {} 已用于另一个离线包（{other}），请用 --data-dir 指定新的目录",
                dir.display()
            ),
            Err(error) => return Err(error.into()),
        }
    }
    let token = security::random_token()?;
    let expires_at = local_time(payload.expires_at);
    let mode = OfflineMode {
        packet_id: payload.packet_id.clone(),
        reviewer: payload.reviewer.name.clone(),
        expires_at: expires_at.clone(),
        signin_token_hash: Mutex::new(Some(security::sha256_hex(token.as_bytes()))),
    };
    let listener = crate::web::bind(("127.0.0.1", args.port))
        .with_context(|| format!("无法监听 127.0.0.1:{}", args.port))?;
    let port = listener.local_addr()?.port();
    let config = WebConfig {
        workers: Some(2),
        offline: Some(Arc::new(mode)),
        ..WebConfig::default()
    };
    let data_dir = dir.display().to_string();
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(listener, pool, config)?;
        println!("离线评查模式已启动（不联网，仅本机可访问），离线包有效期至 {expires_at}。");
        println!("请在浏览器中打开以下一次性登录地址：");
        println!("http://127.0.0.1:{port}/offline/signin/{token}");
        println!(
            "完成后在页面上点“导出结果包”，或运行：pingcha offline export --data-dir {data_dir} 结果.pcres"
        );
        application.run_until_stopped().await
    })?;
    Ok(())
}

fn export(args: ExportArgs) -> anyhow::Result<()> {
    if !args.data_dir.join("offline.sqlite3").is_file() {
        bail!(
            "目录 {} 中没有离线评查数据（请指定 pingcha offline open 使用的 --data-dir）",
            args.data_dir.display()
        );
    }
    if args.out.exists() {
        bail!("文件 {} 已存在，未覆盖", args.out.display());
    }
    let pool = super::open_database(&database_url(&args.data_dir)?)?;
    let mut conn = pool.get()?;
    let (text, changed) = storage::offline::export_result(&mut conn, storage::now())?;
    std::fs::write(&args.out, text).with_context(|| format!("无法写入 {}", args.out.display()))?;
    println!(
        "已导出结果包 {}：{changed} 份评分表有改动。",
        args.out.display()
    );
    Ok(())
}
