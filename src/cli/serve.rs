//! `pingcha serve`: migrate, optionally load the demo data, then serve until stopped.

use crate::app::messages::cli as messages;
use crate::demo;
use crate::storage::DatabaseUrl;
use crate::web::{Application, WebConfig};
use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PINGCHA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Load the demo data set first if the database is empty, and print the demo logins.
    #[arg(long)]
    pub demo: bool,

    /// Mark cookies Secure (set this when users reach Pingcha over HTTPS).
    #[arg(long, env = "PINGCHA_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Hours a session lasts after sign-in.
    #[arg(long, env = "PINGCHA_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,

    /// Folder of rubric files (评分标准) validated and snapshotted at start.
    #[arg(long, env = "PINGCHA_RUBRICS_DIR", default_value = "scoring-rubrics")]
    pub rubrics: std::path::PathBuf,

    /// Days an offline review packet (离线评查包) stays valid after download.
    #[arg(long, env = "PINGCHA_OFFLINE_PACKET_DAYS", default_value_t = crate::domain::offline::DEFAULT_VALID_DAYS)]
    pub offline_packet_days: i64,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated) whose X-Forwarded-For
    /// header names the client; by default none, and the TCP peer is the client.
    #[arg(long, env = "PINGCHA_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::web::client_address::IpRange>,

    /// Worker threads (default: one per CPU core).
    #[arg(long, env = "PINGCHA_WORKERS")]
    pub workers: Option<usize>,

    #[command(flatten)]
    pub fonts: super::fonts::FontArgs,
}

pub fn run(url: &DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    // Held until the server stops: `pingcha restore` refuses while it is (see `serving`).
    let _serving = match url.backend() {
        crate::storage::Backend::Sqlite => Some(super::serving::hold(std::path::Path::new(
            url.sqlite_path(),
        ))?),
        crate::storage::Backend::Postgres => None,
    };
    install_rubrics(&pool, &args.rubrics)?;
    if args.demo {
        let mut conn = pool.get()?;
        if demo::is_empty(&mut conn)? {
            super::demo::load_and_report(&mut conn)?;
        } else {
            super::demo::print_logins();
        }
    }
    let listener =
        crate::web::bind(&args.bind).with_context(|| messages::cannot_listen(&args.bind))?;
    let address = listener.local_addr()?;
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
        session_hours: args.session_hours.clamp(1, 24 * 30),
        trusted_proxies: crate::web::client_address::TrustedProxies(args.trusted_proxies),
        workers: args.workers,
        fonts: args.fonts.font_set()?,
        offline_packet_days: args.offline_packet_days.clamp(1, 90),
        offline: None,
    };
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(listener, pool, config)?;
        // The address line is the last the operator sees at start-up.
        tracing::info!(%address, "listening");
        println!("{}", messages::started(address, url));
        application.run_until_stopped().await
    })?;
    Ok(())
}

/// Refuses to start on an invalid rubric; a missing folder only warns (the snapshots already
/// stored keep working).
pub(super) fn install_rubrics(
    pool: &crate::storage::Pool,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    if !dir.is_dir() {
        eprintln!("{}", messages::rubric_folder_missing(dir.display()));
        return Ok(());
    }
    let mut conn = pool.get()?;
    match crate::app::rubrics::install_dir(&mut conn, dir) {
        Ok(installed) => {
            tracing::info!(
                loaded = installed.loaded,
                new_versions = installed.new_versions,
                "rubrics installed"
            );
            Ok(())
        }
        Err(crate::app::rubrics::InstallError::Invalid(errors)) => {
            for error in &errors {
                eprintln!("{error}");
            }
            anyhow::bail!(messages::rubric_folder_invalid(dir.display(), errors.len()))
        }
        Err(other) => Err(other.into()),
    }
}
