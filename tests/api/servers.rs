//! Several servers, one database: the real binary started twice (plus the in-process app)
//! against the same database behaves as one system — sessions, CSRF tokens, sheets and
//! sign-outs are seen by every process, because no state lives in one process's memory.

use crate::helpers::{Client, TestApp, spawn_app};
use awc::http::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A `pingcha serve` child process, killed when dropped.
pub struct Server {
    child: Child,
    pub address: String,
}

impl Server {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL): no shutdown, no flush.
    pub fn kill_now(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `pingcha serve` on a free port against `database_url` and waits until it listens.
pub fn serve(database_url: &str) -> Server {
    let rubrics = crate::helpers::rubrics_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingcha"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--workers",
            "2",
            "--rubrics",
        ])
        .arg(&rubrics)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("pingcha serve stopped before listening")
            .unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split('/').next().unwrap());
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Server { child, address }
}

/// A client for `address` holding the same cookies as `other` (the browser behind a proxy
/// that sends the next request to another instance).
fn same_browser(address: &str, other: &Client) -> Client {
    let mut client = Client::new(address);
    client.cookies = other.cookies.clone();
    client
}

async fn sheet_version(client: &mut Client, path: &str) -> String {
    let form = client.get(path).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    crate::helpers::hidden_value(&form.body, "version").unwrap()
}

#[actix_rt::test]
async fn two_serve_processes_on_one_database_behave_as_one_system() {
    let app: TestApp = spawn_app().await;
    let (in_process, round, file, _person) = crate::sheets::assigned_reviewer(&app).await;
    let first = serve(app.database_url());
    let second = serve(app.database_url());
    assert_ne!(first.address, second.address);

    // Signed in on the first server; the session and its CSRF token work on the second
    // (and on the in-process app), none of which saw the sign-in.
    let mut one = Client::new(&first.address);
    let reply = one.login("scorer", "a-long-password").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let mut two = same_browser(&second.address, &one);
    let me = two.get("/api/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.json()["account"]["login"], "scorer");
    assert_eq!(one.csrf_token().await, two.csrf_token().await);
    drop(in_process);

    // A draft saved on the first server is seen on the second, whose next save is then the
    // only valid one: a stale form posted to the first is refused.
    let path = format!("/rounds/{round}/files/{file}/sheet");
    let form = one.get(&path).await;
    let code = crate::helpers::first_points_item(&form.body);
    let (points, reason) = (format!("points_{code}"), format!("reason_{code}"));
    let version = sheet_version(&mut one, &path).await;
    let reply = one
        .post_form(
            &path,
            &[
                ("version", &version),
                ("action", "save"),
                (&points, "2"),
                (&reason, "第一台服务器保存"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let seen = two.get(&path).await;
    assert!(seen.body.contains("第一台服务器保存"), "{}", seen.body);
    let newer = sheet_version(&mut two, &path).await;
    assert_ne!(newer, version);
    let reply = two
        .post_form(
            &path,
            &[
                ("version", &newer),
                ("action", "save"),
                (&points, "3"),
                (&reason, "第二台服务器保存"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let stale = one
        .post_form(
            &path,
            &[
                ("version", &newer),
                ("action", "save"),
                (&points, "4"),
                (&reason, "过时的表单"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let on_app = same_browser(&app.address, &one).get(&path).await;
    assert!(on_app.body.contains("第二台服务器保存"));
    assert!(!on_app.body.contains("过时的表单"));

    // Signing out on the second server ends the session on the first.
    let token = two.csrf_token().await;
    let reply = two.post_raw_form("/logout", &[("csrf", &token)]).await;
    assert!(reply.status.is_redirection(), "{}", reply.body);
    let mut again = same_browser(&first.address, &one);
    let me = again.get("/api/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{}", me.body);
}

/// Three hundred reviewers connecting before the server has accepted any all find room in
/// its listen queue. (The standard library's bind leaves room for 128: the kernel drops the
/// connection attempts beyond, and browsers retry them only a second later.)
#[test]
fn a_crowd_of_connections_finds_room_in_the_listen_queue() {
    let listener = pingcha::web::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let connected: Vec<std::net::TcpStream> = (0..300)
        .map(|n| {
            std::net::TcpStream::connect_timeout(&address, std::time::Duration::from_millis(700))
                .unwrap_or_else(|error| panic!("connection {n} not taken in: {error}"))
        })
        .collect();
    assert_eq!(connected.len(), 300);
    drop(listener);
}
