//! Test harness: fresh databases, the app on port 0, and a small cookie-keeping client.

use awc::http::StatusCode;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use pingcha::storage::{self, DatabaseUrl, Pool};
use pingcha::web::{Application, WebConfig};
use std::collections::BTreeMap;

pub const DEMO_PASSWORD: &str = pingcha::demo::DEMO_PASSWORD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend under test, from `PINGCHA_TEST_BACKEND` (sqlite by default).
pub fn backend() -> Backend {
    match std::env::var("PINGCHA_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("PINGCHA_TEST_BACKEND must be sqlite or postgres, not {other}"),
    }
}

/// The admin URL, without TLS unless the URL asks for it (`sslmode=…`). The database is on
/// the same host, as the README advises for `sslmode=disable`; and a test process exits while
/// the last tests' servers are still shutting down (closing pooled connections, sealing
/// audit entries), where OpenSSL's exit handler must not run under a live TLS connection.
pub fn postgres_admin_url() -> String {
    let url = std::env::var("PINGCHA_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    if url.contains('?') {
        url
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// A fresh, empty database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn new() -> TestDb {
        match backend() {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("test.sqlite3").display().to_string();
                TestDb {
                    url,
                    postgres_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let name = format!("pingcha_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|error| {
                    panic!("PostgreSQL selected for tests but unreachable at {admin_url}: {error}")
                });
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                let (address, query) = admin_url
                    .split_once('?')
                    .map_or((admin_url.as_str(), ""), |(address, query)| {
                        (address, query)
                    });
                let url = match address.rsplit_once('/') {
                    Some((base, _)) if query.is_empty() => format!("{base}/{name}"),
                    Some((base, _)) => format!("{base}/{name}?{query}"),
                    None => panic!("PINGCHA_TEST_PG_URL needs a database path"),
                };
                TestDb {
                    url,
                    postgres_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    pub fn pool(&self) -> Pool {
        storage::connect(&DatabaseUrl::parse(&self.url).unwrap()).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres_name
            && let Ok(mut admin) = PgConnection::establish(&postgres_admin_url())
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub pool: Pool,
    handle: actix_web::dev::ServerHandle,
    /// Kept so the database lives as long as the app (dropped after it).
    _db: TestDb,
}

impl TestApp {
    /// The database URL, for running the `pingcha` binary against the app's database.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client::new(&self.address)
    }

    /// A client signed in as a demo login.
    pub async fn login_as(&self, login: &str) -> Client {
        let mut client = self.client();
        let response = client.login(login, DEMO_PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "login as {login}: {}",
            response.body
        );
        client
    }

    pub fn conn(&self) -> storage::PooledConn {
        self.pool.get().unwrap()
    }

    /// The id of a demo unit by its code.
    pub fn unit_id(&self, code: &str) -> String {
        let mut conn = self.conn();
        storage::units::find_by_code(&mut conn, code)
            .unwrap()
            .unwrap_or_else(|| panic!("unit {code}"))
            .id
            .to_string()
    }
}

impl TestApp {
    /// The content hash of the current snapshot of a shipped rubric.
    pub fn rubric_hash(&self, rubric_id: &str) -> String {
        let mut conn = self.conn();
        storage::rubrics::list(&mut conn)
            .unwrap()
            .into_iter()
            .find(|snapshot| snapshot.rubric_id == rubric_id)
            .unwrap_or_else(|| panic!("rubric {rubric_id}"))
            .content_hash
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The app on port 0 with migrations applied and the demo data loaded.
pub async fn spawn_app() -> TestApp {
    let app = spawn_empty_app().await;
    let mut conn = app.conn();
    pingcha::demo::load_without_round(&mut conn).expect("demo data");
    drop(conn);
    app
}

/// The shipped scoring-rubrics/ folder.
pub fn rubrics_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scoring-rubrics")
}

/// The app on port 0 with migrations applied, the shipped rubrics installed and no other data.
pub async fn spawn_empty_app() -> TestApp {
    spawn_app_with(WebConfig::default(), true).await
}

/// The app on port 0 with `config` (two workers), on a migrated database with the shipped
/// rubrics, or on an empty database never migrated (`migrated` false).
pub async fn spawn_app_with(config: WebConfig, migrated: bool) -> TestApp {
    if std::env::var("TEST_LOG").is_ok() {
        pingcha::telemetry::init("debug");
    }
    let db = TestDb::new();
    let pool = db.pool();
    if migrated {
        storage::migrate::run_pending(&mut pool.get().unwrap()).expect("migrations");
        pingcha::app::rubrics::install_dir(&mut pool.get().unwrap(), &rubrics_dir())
            .expect("shipped rubrics");
    }
    let listener = pingcha::web::bind("127.0.0.1:0").unwrap();
    let config = WebConfig {
        workers: Some(2),
        ..config
    };
    let application = Application::build(listener, pool.clone(), config).expect("build app");
    let address = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    actix_web::rt::spawn(application.run_until_stopped());
    TestApp {
        address,
        pool,
        handle,
        _db: db,
    }
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl Reply {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get("location")
            .and_then(|value| value.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
}

/// A browser-like client: keeps cookies, never follows redirects.
pub struct Client {
    base: String,
    http: awc::Client,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_string(),
            http: awc::Client::builder().disable_redirects().finish(),
            cookies: BTreeMap::new(),
        }
    }

    /// A client that sends `header: value` with every request (as a proxy in front would).
    pub fn with_header(base: &str, header: &'static str, value: &str) -> Client {
        Client {
            base: base.to_string(),
            http: awc::Client::builder()
                .disable_redirects()
                .add_default_header((header, value.to_string()))
                .finish(),
            cookies: BTreeMap::new(),
        }
    }

    /// A client whose connections leave from `local` (any of 127.0.0.0/8 on Linux), so the
    /// server sees another address.
    pub fn from_address(base: &str, local: std::net::IpAddr) -> Client {
        Client {
            base: base.to_string(),
            http: awc::Client::builder()
                .disable_redirects()
                .local_address(local)
                .finish(),
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, request: awc::SendClientRequest) -> Reply {
        let response = request.await;
        let mut response = response.expect("request sent");
        let body = response.body().limit(50 * 1024 * 1024).await.expect("body");
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .filter_map(|value| value.to_str().ok().map(str::to_string))
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                let removed = cookie.contains("Max-Age=0") || value.is_empty();
                if removed {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_string(), value.to_string());
                }
            }
        }
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            set_cookies,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        self.finish(request.send()).await
    }

    /// POSTs a URL-encoded form exactly as given (add `csrf` yourself, or use `post_form`).
    pub async fn post_raw_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        self.finish(request.send_form(&fields)).await
    }

    /// POSTs a form with this session's CSRF token added.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let token = self.csrf_token().await;
        let mut fields = fields.to_vec();
        fields.push(("csrf", &token));
        self.post_raw_form(path, &fields).await
    }

    /// POSTs a form with this session's CSRF token in the `X-CSRF-Token` header, so the body
    /// is read only by the handler (as a script posting a large form would).
    pub async fn post_form_token_in_header(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Reply {
        let token = self.csrf_token().await;
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header(("x-csrf-token", token));
        self.finish(request.send_form(&fields)).await
    }

    /// POSTs one file as multipart/form-data, this session's CSRF token as the first part
    /// (as the pages' forms send it).
    pub async fn post_file(
        &mut self,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        let boundary = "pingcha-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_multipart(path, boundary, body).await
    }

    /// POSTs a prepared multipart body to `path` as given (a public form carries its own
    /// CSRF token as its first part), with this client's cookies.
    pub async fn post_multipart_as_is(
        &mut self,
        path: &str,
        boundary: &str,
        body: Vec<u8>,
    ) -> Reply {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            ));
        self.finish(request.send_body(body)).await
    }

    /// POSTs a prepared multipart body with this session's CSRF token put in front as its
    /// first part (as the pages' forms send it).
    pub async fn post_multipart(&mut self, path: &str, boundary: &str, body: Vec<u8>) -> Reply {
        let token = self.csrf_token().await;
        let mut with_token = csrf_part(boundary, &token);
        with_token.extend_from_slice(&body);
        self.post_multipart_as_is(path, boundary, with_token).await
    }

    /// POSTs a form and gives the status, or `None` when the connection broke (the server
    /// died mid-request).
    pub async fn try_post_raw_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Option<StatusCode> {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.http
            .post(format!("{}{path}", self.base))
            .timeout(std::time::Duration::from_secs(60))
            .insert_header(("cookie", self.cookie_header()))
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .send_body(body)
            .await
            .ok()
            .map(|response| response.status())
    }

    /// GETs a binary download: status and bytes.
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let mut response = self
            .http
            .get(format!("{}{path}", self.base))
            .timeout(std::time::Duration::from_secs(120))
            .insert_header(("cookie", self.cookie_header()))
            .send()
            .await
            .expect("request sent");
        let body = response.body().limit(50 * 1024 * 1024).await.expect("body");
        (response.status(), body.to_vec())
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        body: &serde_json::Value,
        csrf: Option<&str>,
    ) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        if let Some(token) = csrf {
            request = request.insert_header(("x-csrf-token", token));
        }
        self.finish(request.send_json(body)).await
    }

    /// The CSRF token bound to the current session.
    pub async fn csrf_token(&mut self) -> String {
        let me = self.get("/api/me").await;
        assert_eq!(
            me.status,
            StatusCode::OK,
            "csrf token needs a session: {}",
            me.body
        );
        me.json()["csrf_token"].as_str().unwrap().to_string()
    }

    /// Opens the login form and submits it, as a browser would.
    pub async fn login(&mut self, login: &str, password: &str) -> Reply {
        let form = self.get("/login").await;
        let token = hidden_value(&form.body, "csrf").expect("csrf field on the login form");
        self.post_raw_form(
            "/login",
            &[("login", login), ("password", password), ("csrf", &token)],
        )
        .await
    }
}

/// The multipart part carrying a CSRF token, to put first in a body with `boundary`.
pub fn csrf_part(boundary: &str, token: &str) -> Vec<u8> {
    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n")
        .into_bytes()
}

/// The value of `<input type="hidden" name="NAME" value="...">` in a page.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Settings of a test round over 2025 Q3 closed cases, with the given rubric per case type.
pub fn round_settings(
    name: &str,
    rubrics: impl IntoIterator<Item = (pingcha::domain::CaseType, String)>,
) -> pingcha::domain::round::RoundSettings {
    pingcha::domain::round::RoundSettings {
        name: name.into(),
        period_start: "2025-07-01".parse().unwrap(),
        period_end: "2025-09-30".parse().unwrap(),
        rubrics: rubrics.into_iter().collect(),
        combine: pingcha::domain::round::CombineSetting::Average,
        review_deadline: None,
        rectification_days: 30,
        blind: false,
    }
}

/// Creates a reviewer login for a pool member (password `a-long-password`) and signs it in.
pub async fn login_for_person(
    app: &TestApp,
    login: &str,
    person: pingcha::domain::ids::PersonId,
) -> Client {
    {
        let mut conn = app.conn();
        storage::users::create(
            &mut conn,
            &storage::audit::Actor::cli(),
            &storage::users::NewUser {
                login: login.into(),
                display_name: login.into(),
                role: pingcha::domain::people::Role::Reviewer,
                unit_id: None,
                person_id: Some(person),
                password_hash: pingcha::security::hash_password("a-long-password").unwrap(),
            },
            storage::now(),
        )
        .unwrap();
    }
    let mut client = app.client();
    assert_eq!(
        client.login(login, "a-long-password").await.status,
        StatusCode::SEE_OTHER
    );
    client
}

/// The database name of a PostgreSQL URL (the path after the last `/`, without the query).
pub fn database_name(url: &str) -> String {
    let address = url.split('?').next().unwrap_or(url);
    address.rsplit('/').next().unwrap_or(address).to_string()
}

/// The code of the first free-deduction item of a score form's page (its `points_` field).
pub fn first_points_item(html: &str) -> String {
    html.split("name=\"points_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a free-deduction item in the form")
        .to_string()
}
