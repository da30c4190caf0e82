//! Reusable pieces for end-to-end tests in headless Chromium: the app on port 0 with the demo
//! data taken into review, chromedriver on a free port, a WebDriver session per test with its
//! own profile, sign-in, waiting for text, and screenshots under `<target>/screenshots/`.

use pingcha::domain::ids::{CaseFileId, PersonId, RoundId};
use pingcha::domain::people::Role;
use pingcha::domain::rubric::Rubric;
use pingcha::domain::scoring::sheet::{SheetAction, SheetActor};
use pingcha::domain::scoring::{SheetAnswers, score};
use pingcha::storage::audit::Actor;
use pingcha::storage::{self, DatabaseUrl};
use pingcha::web::{Application, WebConfig};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Stores and submits one reviewer's sheet of a file, scored by the engine, as the score form
/// does (for tests that need a round's other reviews done before the part they drive).
pub fn submit_sheet(
    conn: &mut storage::DbConn,
    round: RoundId,
    file: CaseFileId,
    reviewer: PersonId,
    rubric_hash: &str,
    rubric: &Rubric,
    answers: &SheetAnswers,
) -> Result<()> {
    let actor = Actor::cli();
    let stored =
        storage::sheets::find_or_create(conn, round, file, reviewer, rubric_hash, storage::now())?;
    let update = stored
        .sheet
        .apply(
            stored.sheet.version,
            SheetAction::Submit { rubric, answers },
            SheetActor {
                role: Role::Reviewer,
                is_assigned_reviewer: true,
                is_team_leader: false,
            },
        )
        .map_err(|error| format!("{error:?}"))?;
    let result = score(rubric, answers).map_err(|error| format!("{error:?}"))?;
    storage::sheets::save(
        conn,
        &actor,
        &stored,
        &update,
        Some(&result),
        storage::now(),
    )
    .map_err(|error| format!("{error:?}"))?;
    Ok(())
}

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running server on its own SQLite database, stopped when dropped.
pub struct Site {
    pub address: String,
    /// The app's database, for tests that prepare data directly.
    pub pool: storage::Pool,
    /// The same database's URL, for tests that open it themselves.
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    _dir: tempfile::TempDir,
}

impl Site {
    /// Migrates a fresh database in a temporary folder, installs the shipped rubrics and lets
    /// `seed` fill it before the server starts.
    async fn start(seed: impl FnOnce(&mut storage::DbConn) -> Result<()>) -> Result<Site> {
        let dir = tempfile::tempdir()?;
        let url = dir.path().join("browser.sqlite3").display().to_string();
        let pool = storage::connect(&DatabaseUrl::parse(&url)?)?;
        let mut conn = pool.get()?;
        storage::migrate::run_pending(&mut conn)?;
        let rubrics = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scoring-rubrics");
        pingcha::app::rubrics::install_dir(&mut conn, &rubrics)?;
        seed(&mut conn)?;
        drop(conn);
        let listener = pingcha::web::bind("127.0.0.1:0")?;
        let config = WebConfig {
            workers: Some(2),
            ..WebConfig::default()
        };
        let application = Application::build(listener, pool.clone(), config)?;
        let address = format!("http://127.0.0.1:{}", application.port());
        let handle = application.handle();
        actix_web::rt::spawn(application.run_until_stopped());
        Ok(Site {
            address,
            pool,
            database_url: url,
            handle,
            _dir: dir,
        })
    }

    /// A server whose database holds nothing but the shipped rubrics and one administrator
    /// account (what `pingcha user add` makes on a new installation): everything else is
    /// done through the pages.
    pub async fn bare(admin_login: &str, password: &str) -> Result<Site> {
        Site::start(|conn| {
            pingcha::app::accounts::create(
                conn,
                &pingcha::storage::audit::Actor::cli(),
                &pingcha::app::accounts::NewAccount {
                    login: admin_login.to_string(),
                    display_name: "赵管理".to_string(),
                    role: pingcha::domain::people::Role::BureauAdmin,
                    unit: None,
                    person: None,
                    password: password.to_string(),
                },
            )?;
            Ok(())
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The app with the demo data, its round in 评查 and the demo reviewer on one civil file.
pub struct App {
    pub site: Site,
    pub round: RoundId,
    /// The file the demo `reviewer` login scores.
    pub file: CaseFileId,
}

impl App {
    pub async fn start() -> Result<App> {
        let mut started = None;
        let site = Site::start(|conn| {
            pingcha::demo::load(conn)?;
            // Two reviewers on every civil file, so later tests can reconcile.
            let options = storage::assignments::Options {
                seed: 7,
                double_review: pingcha::domain::assignment::DoubleReview::AllOfType {
                    case_type: pingcha::domain::CaseType::Civil,
                },
                ..Default::default()
            };
            started = Some(pingcha::demo::start_review(
                conn,
                &storage::sampling::default_plan(),
                options,
            )?);
            Ok(())
        })
        .await?;
        let (round, file) = started.ok_or("the demo round did not start")?;
        Ok(App { site, round, file })
    }
}

impl std::ops::Deref for App {
    type Target = Site;
    fn deref(&self) -> &Site {
        &self.site
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
    pub async fn login(&self, app: &Site, login: &str, password: &str) -> Result<()> {
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
            // Right after a click the old page may be going away: an element gone stale is
            // read again from the new page.
            let text = match self.driver.find(by.clone()).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if accept(&text) {
                return Ok(text);
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("text still “{text}” after 10 s").into());
            }
            tokio_sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens a path of the site and waits until the page has loaded.
    pub async fn open(&self, site: &Site, path: &str) -> Result<()> {
        self.driver.goto(site.url(path)).await?;
        Ok(())
    }

    /// The page's visible text.
    pub async fn text(&self) -> Result<String> {
        Ok(self.driver.find(By::Tag("body")).await?.text().await?)
    }

    /// Waits until the page's visible text contains `wanted`; returns the text.
    pub async fn wait_for_page_text(&self, wanted: &str) -> Result<String> {
        let started = Instant::now();
        loop {
            // The page may be between two documents right after a click.
            if let Ok(text) = self.text().await
                && text.contains(wanted)
            {
                return Ok(text);
            }
            if started.elapsed() > Duration::from_secs(10) {
                let url = self.driver.current_url().await?;
                let text = self.text().await.unwrap_or_default();
                return Err(format!("“{wanted}” not on {url} after 10 s:\n{text}").into());
            }
            tokio_sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first element matching, waiting for it to appear.
    pub async fn element(&self, by: By) -> Result<WebElement> {
        Ok(self
            .driver
            .query(by)
            .wait(Duration::from_secs(10), Duration::from_millis(50))
            .first()
            .await?)
    }

    pub async fn click(&self, by: By) -> Result<()> {
        self.element(by).await?.click().await?;
        Ok(())
    }

    /// Clears the first visible field of that name and types `value`.
    pub async fn fill(&self, name: &str, value: &str) -> Result<()> {
        let field = self
            .driver
            .query(By::Name(name))
            .and_displayed()
            .wait(Duration::from_secs(10), Duration::from_millis(50))
            .first()
            .await?;
        field.clear().await?;
        field.send_keys(value).await?;
        Ok(())
    }

    /// Chooses the option of the named select whose text contains `label`.
    pub async fn choose(&self, name: &str, label: &str) -> Result<()> {
        self.click(By::XPath(format!(
            "//select[@name='{name}']/option[contains(normalize-space(.), '{label}')]"
        )))
        .await
    }

    /// Puts a local file into the file field named `name`.
    pub async fn attach(&self, name: &str, path: &std::path::Path) -> Result<()> {
        let input = self
            .element(By::Css(format!("input[type=file][name='{name}']")))
            .await?;
        input.send_keys(path.display().to_string()).await?;
        Ok(())
    }

    /// Clicks the submit button of the form posting to exactly `action`.
    pub async fn submit(&self, action: &str) -> Result<()> {
        self.tick_confirmations(&format!("form[action='{action}']"))
            .await?;
        self.click(By::Css(format!(
            "form[action='{action}'] button[type=submit]"
        )))
        .await
    }

    /// Ticks the confirmation boxes of an irreversible step (`partials/confirm`) in the form
    /// `form`, as the user does before pressing its button.
    pub async fn tick_confirmations(&self, form: &str) -> Result<()> {
        let boxes = self
            .driver
            .find_all(By::Css(format!("{form} .confirm-box input[type=checkbox]")))
            .await?;
        for checkbox in boxes {
            if !checkbox.is_selected().await? {
                checkbox.click().await?;
            }
        }
        Ok(())
    }

    /// Waits until nothing on the page matches `by` (e.g. a button that the action removes).
    pub async fn wait_until_gone(&self, by: By) -> Result<()> {
        let started = Instant::now();
        while !self.driver.find_all(by.clone()).await?.is_empty() {
            if started.elapsed() > Duration::from_secs(10) {
                return Err(format!("{by:?} still on the page after 10 s").into());
            }
            tokio_sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Downloads a path with this browser's session cookie, as the signed-in user; returns
    /// the status, the content type and the body.
    pub async fn download(&self, site: &Site, path: &str) -> Result<(u16, String, Vec<u8>)> {
        let cookies: Vec<String> = self
            .driver
            .get_all_cookies()
            .await?
            .into_iter()
            .map(|cookie| format!("{}={}", cookie.name, cookie.value))
            .collect();
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(60))
            .finish();
        let mut response = client
            .get(site.url(path))
            .insert_header(("Cookie", cookies.join("; ")))
            .send()
            .await
            .map_err(|error| format!("GET {path}: {error}"))?;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response
            .body()
            .limit(64 * 1024 * 1024)
            .await
            .map_err(|error| format!("GET {path}: {error}"))?;
        Ok((response.status().as_u16(), content_type, body.to_vec()))
    }

    /// Saves a PNG of the whole page (the window stretched to the page's height, at most
    /// 6000 px) as `<target>/screenshots/<name>.png`, then restores the window.
    pub async fn screenshot_page(&self, name: &str) -> Result<PathBuf> {
        let rect = self.driver.get_window_rect().await?;
        let heights = self
            .driver
            .execute(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight];",
                Vec::new(),
            )
            .await?;
        let heights: Vec<i64> = heights.convert()?;
        let page = heights.first().copied().unwrap_or(rect.height);
        let chrome = heights.get(1).copied().unwrap_or(0).max(0);
        let height = (page + chrome).clamp(rect.height, 6000);
        let resize = |height: i64| async move {
            let width = u32::try_from(rect.width)?;
            self.driver
                .set_window_rect(rect.x, rect.y, width, u32::try_from(height)?)
                .await?;
            Result::Ok(())
        };
        if height > rect.height {
            resize(height).await?;
        }
        let path = self.screenshot(name).await;
        if height > rect.height {
            resize(rect.height).await?;
        }
        path
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
