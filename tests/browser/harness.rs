//! Reusable pieces for end-to-end tests in headless Chromium: the app on port 0 with the demo
//! data taken into review, chromedriver on a free port, a WebDriver session per test with its
//! own profile, sign-in, waiting for text, and screenshots under `<target>/screenshots/`.

use pingcha::domain::ids::{CaseFileId, RoundId};
use pingcha::storage::{self, DatabaseUrl};
use pingcha::web::{Application, WebConfig};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The app with the demo data, its round in 评查 and the demo reviewer on one civil file.
pub struct App {
    pub address: String,
    pub round: RoundId,
    /// The file the demo `reviewer` login scores.
    pub file: CaseFileId,
    /// The app's database, for tests that prepare data directly.
    pub pool: storage::Pool,
    /// The app's database, for tests that prepare more state.
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

impl App {
    pub async fn start() -> Result<App> {
        let dir = tempfile::tempdir()?;
        let url = dir.path().join("browser.sqlite3").display().to_string();
        let pool = storage::connect(&DatabaseUrl::parse(&url)?)?;
        let mut conn = pool.get()?;
        storage::migrate::run_pending(&mut conn)?;
        let rubrics = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scoring-rubrics");
        pingcha::rubric_files::install_dir(&mut conn, &rubrics)?;
        pingcha::demo::load(&mut conn)?;
        // Two reviewers on every civil file, so later tests can reconcile.
        let options = storage::assignments::Options {
            seed: 7,
            double_review: pingcha::domain::assignment::DoubleReview::AllOfType {
                case_type: pingcha::domain::CaseType::Civil,
            },
            ..Default::default()
        };
        let (round, file) =
            pingcha::demo::start_review(&mut conn, &storage::sampling::default_plan(), options)?;
        drop(conn);
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let config = WebConfig {
            workers: Some(2),
            ..WebConfig::default()
        };
        let application = Application::build(listener, pool.clone(), config)?;
        let address = format!("http://127.0.0.1:{}", application.port());
        let handle = application.handle();
        actix_web::rt::spawn(application.run_until_stopped());
        Ok(App {
            address,
            round,
            file,
            pool,
            database_url: url,
            handle,
            _dir: dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// A chromedriver process, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Headless Chromium driven over WebDriver, with its own chromedriver and profile.
pub struct Browser {
    pub driver: WebDriver,
    _chromedriver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A browser window of the given size (CSS pixels), e.g. 1366×768 or a tablet's 800×1280.
    pub async fn start(width: u32, height: u32) -> Result<Browser> {
        let port = free_port()?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot start {CHROMEDRIVER}: {error}"))?;
        let chromedriver = Driver(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err("chromedriver did not open its port within 10 s".into());
            }
            tokio_sleep(Duration::from_millis(25)).await;
        }
        let profile = tempfile::tempdir()?;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM)?;
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=zh-CN",
            "--hide-scrollbars",
        ] {
            caps.add_arg(arg)?;
        }
        caps.add_arg(&format!("--window-size={width},{height}"))?;
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))?;
        let driver = WebDriver::new(&format!("http://127.0.0.1:{port}"), caps).await?;
        Ok(Browser {
            driver,
            _chromedriver: chromedriver,
            _profile: profile,
        })
    }

    /// Signs in through the login page.
    pub async fn login(&self, app: &App, login: &str, password: &str) -> Result<()> {
        self.driver.goto(app.url("/login")).await?;
        self.driver
            .find(By::Name("login"))
            .await?
            .send_keys(login)
            .await?;
        self.driver
            .find(By::Name("password"))
            .await?
            .send_keys(password)
            .await?;
        self.driver
            .find(By::Css("form button[type=submit]"))
            .await?
            .click()
            .await?;
        self.wait_for_url(|url| !url.contains("/login")).await
    }

    pub async fn wait_for_url(&self, accept: impl Fn(&str) -> bool) -> Result<()> {
        let started = Instant::now();
        loop {
            let url = self.driver.current_url().await?.to_string();
            if accept(&url) {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("still at {url} after 10 s").into());
            }
            tokio_sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element's text satisfies `accept`; returns the text.
    pub async fn wait_for_text(&self, by: By, accept: impl Fn(&str) -> bool) -> Result<String> {
        let started = Instant::now();
        loop {
            let text = self.driver.find(by.clone()).await?.text().await?;
            if accept(&text) {
                return Ok(text);
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("text still “{text}” after 10 s").into());
            }
            tokio_sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves a PNG of the viewport as `<target>/screenshots/<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        self.driver.screenshot(&path).await?;
        Ok(path)
    }

    pub async fn quit(self) -> Result<()> {
        self.driver.quit().await?;
        Ok(())
    }
}

/// `$CARGO_TARGET_DIR/screenshots`, or `./target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("screenshots")
}

async fn tokio_sleep(duration: Duration) {
    actix_rt::time::sleep(duration).await;
}
