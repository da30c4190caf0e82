//! Throttling protects without locking others out (issue 22, finding 3): guesses from one
//! address never stop another address's right password, `/verify` look-ups are counted apart
//! from sign-ins, parallel guesses are counted exactly, and a forwarded client address is
//! believed only from a trusted proxy — also behind a real nginx.

use crate::helpers::{Client, DEMO_PASSWORD, TestApp, spawn_app, spawn_app_with};
use crate::verify::verify;
use awc::http::StatusCode;
use pingcha::domain::throttle::{PER_LOGIN, PER_LOGIN_AND_ADDRESS, VERIFY_PER_ADDRESS};
use pingcha::storage::audit;
use pingcha::web::WebConfig;
use pingcha::web::client_address::TrustedProxies;
use std::net::IpAddr;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A browser on `address` (127.0.0.0/8: any of them reaches the app on 127.0.0.1).
fn client_from(app: &TestApp, address: &str) -> Client {
    Client::from_address(&app.address, ip(address))
}

/// Thirty wrong 核验码 from one address.
async fn guess_codes(client: &mut Client) {
    for _ in 0..VERIFY_PER_ADDRESS {
        let (status, body) = verify(client, &[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    let (status, _) = verify(client, &[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[actix_rt::test]
async fn wrong_codes_at_verify_do_not_stop_anyone_signing_in() {
    let app = spawn_app().await;
    let mut guesser = client_from(&app, "127.0.0.2");
    guess_codes(&mut guesser).await;
    // The administrator's right password works from another address and from the same one.
    let reply = client_from(&app, "127.0.0.3")
        .login("admin", DEMO_PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = guesser.login("admin", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

#[actix_rt::test]
async fn wrong_sign_ins_from_one_address_do_not_stop_another_address() {
    let app = spawn_app().await;
    let mut guesser = client_from(&app, "127.0.0.2");
    for attempt in 0..30 {
        let reply = guesser.login("admin", "wrong-password").await;
        let expected = if attempt < PER_LOGIN_AND_ADDRESS {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(reply.status, expected, "attempt {attempt}");
    }
    // The guessing address is stopped on this login, even with the right password…
    let reply = guesser.login("admin", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    // …but the administrator at another address signs in.
    let reply = client_from(&app, "127.0.0.3")
        .login("admin", DEMO_PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

#[actix_rt::test]
async fn guessing_one_login_from_many_addresses_stops_only_the_guessers() {
    let app = spawn_app().await;
    // As many failures on the login as it allows across addresses, five per address.
    let addresses = (PER_LOGIN / PER_LOGIN_AND_ADDRESS) as u8;
    for host in 0..addresses {
        let mut guesser = client_from(&app, &format!("127.0.1.{}", host + 1));
        for _ in 0..PER_LOGIN_AND_ADDRESS {
            let reply = guesser.login("leader", "wrong-password").await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        }
    }
    // Past that, a new address gets one try; after a failure it is stopped on the login…
    let mut once = client_from(&app, "127.0.2.1");
    assert_eq!(
        once.login("leader", "wrong-password").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        once.login("leader", DEMO_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // …an address that never failed on it is still checked, and signs in.
    let reply = client_from(&app, "127.0.2.2")
        .login("leader", DEMO_PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
}

#[actix_rt::test]
async fn parallel_wrong_passwords_are_counted_exactly() {
    let app = spawn_app().await;
    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for _ in 0..20 {
        let mut client = app.client();
        let form = client.get("/login").await;
        tokens.push(crate::helpers::hidden_value(&form.body, "csrf").unwrap());
        clients.push(client);
    }
    let forms: Vec<[(&str, &str); 3]> = tokens
        .iter()
        .map(|token| {
            [
                ("login", "manager"),
                ("password", "wrong-password"),
                ("csrf", token.as_str()),
            ]
        })
        .collect();
    let replies = futures_util::future::join_all(
        clients
            .iter_mut()
            .zip(&forms)
            .map(|(client, form)| client.post_raw_form("/login", form)),
    )
    .await;
    let checked = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked as i64, PER_LOGIN_AND_ADDRESS, "checked");
    assert_eq!(checked + refused, 20);
    let failed = audit::list(
        &mut app.conn(),
        &audit::Filter {
            action: Some("login.failed".into()),
            ..Default::default()
        },
        100,
    )
    .unwrap();
    assert_eq!(failed.len() as i64, PER_LOGIN_AND_ADDRESS);
}

async fn spawn_behind(trusted: &[&str]) -> TestApp {
    let config = WebConfig {
        trusted_proxies: TrustedProxies(trusted.iter().map(|t| t.parse().unwrap()).collect()),
        ..WebConfig::default()
    };
    let app = spawn_app_with(config, true).await;
    pingcha::demo::load_without_round(&mut app.conn()).expect("demo data");
    app
}

/// Five wrong passwords for `login` sent as if forwarded for 203.0.113.7; then the right one
/// as if forwarded for 203.0.113.7 and for 203.0.113.8.
async fn forwarded_guesses(app: &TestApp, login: &str) -> (StatusCode, StatusCode) {
    let mut guesser = Client::with_header(&app.address, "x-forwarded-for", "203.0.113.7");
    for _ in 0..PER_LOGIN_AND_ADDRESS {
        let reply = guesser.login(login, "wrong-password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let same = guesser.login(login, DEMO_PASSWORD).await.status;
    let other = Client::with_header(&app.address, "x-forwarded-for", "203.0.113.8")
        .login(login, DEMO_PASSWORD)
        .await
        .status;
    (same, other)
}

#[actix_rt::test]
async fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
    // Behind a trusted proxy (the test's own address): the forwarded address is the client.
    let app = spawn_behind(&["127.0.0.1"]).await;
    assert_eq!(
        forwarded_guesses(&app, "admin").await,
        (StatusCode::TOO_MANY_REQUESTS, StatusCode::SEE_OTHER)
    );
    let failed = audit::list(
        &mut app.conn(),
        &audit::Filter {
            action: Some("login.failed".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    assert!(
        failed
            .iter()
            .all(|entry| entry.client_ip.as_deref() == Some("203.0.113.7"))
    );
    // Nobody trusted (the default), or another proxy trusted: the header is ignored, and the
    // guesses and the right password come from one address.
    for trusted in [&[][..], &["10.0.0.0/8"][..]] {
        let app = spawn_behind(trusted).await;
        assert_eq!(
            forwarded_guesses(&app, "admin").await,
            (StatusCode::TOO_MANY_REQUESTS, StatusCode::TOO_MANY_REQUESTS),
            "trusted {trusted:?}"
        );
    }
}

/// nginx in front of the app, as the README sets it up, on a free port; stopped on drop.
struct Nginx {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(app_port: u16) -> Nginx {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .expect(
                "nginx is needed for this test: install the Debian package `nginx` (.ci/run does)",
            );
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let root = dir.path().display();
        let config = format!(
            "worker_processes 1;\n\
             pid {root}/nginx.pid;\n\
             error_log {root}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {root}/body;\n\
               proxy_temp_path {root}/proxy;\n\
               fastcgi_temp_path {root}/fastcgi;\n\
               uwsgi_temp_path {root}/uwsgi;\n\
               scgi_temp_path {root}/scgi;\n\
               server {{\n\
                 listen 127.0.0.1:{port};\n\
                 client_max_body_size 20m;\n\
                 location / {{\n\
                   proxy_pass http://127.0.0.1:{app_port};\n\
                   proxy_set_header Host $host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                 }}\n\
               }}\n\
             }}\n"
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let child = std::process::Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off;"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nginx");
        let nginx = Nginx {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return nginx;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(nginx._dir.path().join("error.log")).unwrap_or_default();
        panic!("nginx did not start listening on {port}: {log}");
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // TERM: the master stops its workers, then exits.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

#[actix_rt::test]
async fn behind_nginx_one_clients_guesses_leave_another_client_signing_in() {
    let app = spawn_behind(&["127.0.0.1"]).await;
    let nginx = Nginx::start(app.address.rsplit(':').next().unwrap().parse().unwrap());
    let proxy = format!("http://127.0.0.1:{}", nginx.port);
    let mut guesser = Client::from_address(&proxy, ip("127.0.0.2"));
    let mut colleague = Client::from_address(&proxy, ip("127.0.0.3"));
    // Thirty wrong codes from one client: its look-ups are stopped, nobody's sign-in is.
    guess_codes(&mut guesser).await;
    let reply = colleague.login("admin", DEMO_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // Wrong passwords from one client stop that client only.
    for _ in 0..PER_LOGIN_AND_ADDRESS {
        assert_eq!(
            guesser.login("leader", "wrong-password").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guesser.login("leader", DEMO_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    let reply = Client::from_address(&proxy, ip("127.0.0.3"))
        .login("leader", DEMO_PASSWORD)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    // The audit log names the clients, not the proxy.
    let failed = audit::list(
        &mut app.conn(),
        &audit::Filter {
            action: Some("login.failed".into()),
            ..Default::default()
        },
        10,
    )
    .unwrap();
    assert!(
        failed
            .iter()
            .all(|entry| entry.client_ip.as_deref() == Some("127.0.0.2")),
        "{failed:?}"
    );
}
