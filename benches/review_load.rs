//! Load benchmark: simulated reviewers submitting score sheets at the same moment, through
//! HTTP, against SQLite or PostgreSQL. Not part of `cargo test`; run with
//! `benches/review_load.sh` (both backends) or
//! `PINGCHA_BENCH_BACKEND=sqlite|postgres cargo bench --bench review_load`.
//!
//! Setup (not timed): the demo data, its round sampled in full (census) and taken into review,
//! one login per pool member, and one signed-in session per simulated reviewer, each with a
//! different sheet opened (so its draft exists at version 1). Timed: every session submits
//! its sheet at once (one deduction with a reason), each over its own connection, written by
//! a minimal HTTP/1.1 client (see below) so that the machine's two cores go to the server.
//! Reported: requests per second, latency percentiles, and CPU per submission split into
//! the server (with SQLite, which runs inside it), PostgreSQL's processes and the client.
//! Afterwards the database is checked: every
//! submission stored exactly once (one submitted sheet and one `submit` audit row per
//! session, nothing else changed), and every audit entry is sealed without being asked (on
//! PostgreSQL by the server's background sealer) and the chain verifies.
//!
//! Settings: `PINGCHA_BENCH_REVIEWERS` (default 300), `PINGCHA_BENCH_PG_URL` (an admin URL;
//! a scratch database is created and dropped; default the local server over loopback with
//! `sslmode=disable`, as a database on the same host is best reached: TLS on loopback only
//! costs CPU, about a third of the burst's time here), `PINGCHA_BENCH_WORKERS` (server
//! workers, default: one per core), `PINGCHA_BENCH_FRESH_CONNECTIONS` (see below).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark binary: failures should stop it loudly

use actix_rt::net::TcpStream;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use pingcha::domain::ids::{CaseFileId, PersonId, RoundId};
use pingcha::storage::{self, DatabaseUrl};
use pingcha::web::{Application, WebConfig};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

fn cpu_seconds() -> f64 {
    pingcha::telemetry::process_cpu_seconds()
}

/// Run time of a thread or process from its `schedstat` (nanoseconds), in seconds.
fn schedstat_seconds(path: &std::path::Path) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    Some(stat.split_whitespace().next()?.parse::<u64>().ok()? as f64 / 1e9)
}

/// CPU time of the main thread, where the client runs (the server has its own threads).
fn client_cpu_seconds() -> f64 {
    let main = std::process::id();
    schedstat_seconds(&std::path::PathBuf::from(format!(
        "/proc/self/task/{main}/schedstat"
    )))
    .unwrap_or(0.0)
}

/// CPU time of every PostgreSQL process on this machine (None on SQLite, or where /proc
/// cannot be read). A backend that ends between two readings takes its time with it; the
/// server's pooled connections live through the burst.
fn database_cpu_seconds(backend: &str) -> Option<f64> {
    if backend != "postgres" {
        return None;
    }
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            total += schedstat_seconds(&entry.path().join("schedstat")).unwrap_or(0.0);
        }
    }
    Some(total)
}

/// Writes one prepared HTTP/1.1 request and reads its response to the end: the status and
/// the body (by content-length, or to the last chunk).
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> (u16, Vec<u8>) {
    let mut written = 0;
    while written < request.len() {
        stream.writable().await.unwrap();
        match stream.try_write(&request[written..]) {
            Ok(n) => written += n,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => panic!("write: {error}"),
        }
    }
    let mut buffer: Vec<u8> = Vec::with_capacity(2048);
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(head_end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let body = &buffer[head_end + 4..];
            let status: u16 = head
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok())
                .expect("status line");
            let length = head.lines().find_map(|line| {
                line.strip_prefix("content-length:")
                    .and_then(|value| value.trim().parse::<usize>().ok())
            });
            let complete = match length {
                Some(length) => body.len() >= length,
                None if head.contains("transfer-encoding: chunked") => body.ends_with(b"0\r\n\r\n"),
                None => true,
            };
            if complete {
                return (status, body.to_vec());
            }
        }
        stream.readable().await.unwrap();
        match stream.try_read(&mut chunk) {
            Ok(0) => panic!("connection closed before the response ended"),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => panic!("read: {error}"),
        }
    }
}

/// Submissions sent one at a time before the burst.
const SEQUENTIAL: usize = 20;

struct Session {
    http: awc::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

struct Reply {
    status: u16,
    body: String,
}

impl Session {
    fn new(base: &str) -> Session {
        Session {
            // Idle connections are dropped after 4 s, before the server's 5 s keep-alive
            // closes them under the client (which would fail a request with Disconnected).
            http: awc::Client::builder()
                .connector(awc::Connector::new().conn_keep_alive(Duration::from_secs(4)))
                .disable_redirects()
                .timeout(Duration::from_secs(120))
                .finish(),
            base: base.to_string(),
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
        let mut response = request.await.expect("request sent");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap_or_default();
            if let Some((name, value)) = text.split(';').next().unwrap_or_default().split_once('=')
            {
                self.cookies
                    .insert(name.trim().to_string(), value.to_string());
            }
        }
        let body = response.body().limit(10 * 1024 * 1024).await.expect("body");
        Reply {
            status: response.status().as_u16(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Reply {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        self.finish(request.send()).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("cookie", self.cookie_header()));
        self.finish(request.send_form(&fields)).await
    }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).expect(name) + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_string()
}

/// A scratch database, dropped afterwards (PostgreSQL) or in a temp dir (SQLite).
struct Database {
    url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Database {
    fn new(backend: &str) -> Database {
        match backend {
            "postgres" => {
                let admin = std::env::var("PINGCHA_BENCH_PG_URL").unwrap_or_else(|_| {
                    "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable".into()
                });
                let name = format!("pingcha_bench_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&admin)
                    .expect("PostgreSQL reachable")
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap();
                let (address, query) = admin
                    .split_once('?')
                    .map_or((admin.as_str(), String::new()), |(address, query)| {
                        (address, format!("?{query}"))
                    });
                let base = address.rsplit_once('/').unwrap().0;
                Database {
                    url: format!("{base}/{name}{query}"),
                    pg: Some((admin, name)),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                Database {
                    url: dir.path().join("bench.sqlite3").display().to_string(),
                    pg: None,
                    _dir: Some(dir),
                }
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

fn percentile(sorted: &[Duration], share: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * share).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    // `cargo bench` passes --bench; nothing else is read from the command line.
    let backend = std::env::var("PINGCHA_BENCH_BACKEND").unwrap_or_else(|_| "sqlite".into());
    let count: usize = std::env::var("PINGCHA_BENCH_REVIEWERS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(300);
    let workers: Option<usize> = std::env::var("PINGCHA_BENCH_WORKERS")
        .ok()
        .and_then(|text| text.parse().ok());
    let database = Database::new(&backend);
    actix_rt::System::new().block_on(run(&backend, &database, count, workers));
}

async fn run(backend: &str, database: &Database, count: usize, workers: Option<usize>) {
    let setup = Instant::now();
    let pool = storage::connect(&DatabaseUrl::parse(&database.url).unwrap()).unwrap();
    let (round, reviews) = {
        let mut conn = pool.get().unwrap();
        storage::migrate::run_pending(&mut conn).unwrap();
        let rubrics = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scoring-rubrics");
        pingcha::app::rubrics::install_dir(&mut conn, &rubrics).unwrap();
        pingcha::demo::load(&mut conn).unwrap();
        let mut plan = storage::sampling::default_plan();
        plan.strategy = pingcha::domain::sampling::Strategy::Census;
        // Every file of the quarter once (about 375), in teams of 6–10 taking up to 20 each.
        let options = storage::assignments::Options {
            team_min: 6,
            team_max: 10,
            capacity: 20,
            double_review: pingcha::domain::assignment::DoubleReview::None,
            seed: 7,
        };
        let (round, _) = pingcha::demo::start_review(&mut conn, &plan, options).unwrap();
        let version = storage::assignments::published(&mut conn, round)
            .unwrap()
            .unwrap();
        // One login per pool member on a file; the reviews are dealt round-robin over them.
        let hash = pingcha::security::hash_password("bench-password").unwrap();
        let mut by_person: BTreeMap<PersonId, Vec<CaseFileId>> = BTreeMap::new();
        for placement in &version.assignment.placements {
            for reviewer in &placement.reviewers {
                by_person.entry(*reviewer).or_default().push(placement.file);
            }
        }
        for person in by_person.keys() {
            storage::users::create(
                &mut conn,
                &storage::audit::Actor::cli(),
                &storage::users::NewUser {
                    login: format!("bench-{person}"),
                    display_name: "压测评查员".into(),
                    role: pingcha::domain::people::Role::Reviewer,
                    unit_id: None,
                    person_id: Some(*person),
                    password_hash: hash.clone(),
                },
                storage::now(),
            )
            .unwrap();
        }
        let mut reviews: Vec<(PersonId, CaseFileId)> = Vec::new();
        let mut depth = 0;
        let wanted = count + SEQUENTIAL;
        while reviews.len() < wanted {
            let before = reviews.len();
            for (person, files) in &by_person {
                if let Some(file) = files.get(depth)
                    && reviews.len() < wanted
                {
                    reviews.push((*person, *file));
                }
            }
            assert!(
                reviews.len() > before,
                "only {} reviews in the round, {wanted} asked",
                reviews.len()
            );
            depth += 1;
        }
        (round, reviews)
    };
    let listener = pingcha::web::bind("127.0.0.1:0").unwrap();
    let config = WebConfig {
        workers,
        ..WebConfig::default()
    };
    let application = Application::build(listener, pool.clone(), config).unwrap();
    let base = format!("http://127.0.0.1:{}", application.port());
    let handle = application.handle();
    actix_rt::spawn(application.run_until_stopped());

    // Sign in every simulated reviewer and open their sheet (not timed).
    let mut prepared = Vec::new();
    for chunk in reviews.chunks(20) {
        let logins = chunk.iter().map(|(person, file)| {
            let base = base.clone();
            let (person, file) = (*person, *file);
            async move {
                let mut session = Session::new(&base);
                let form = session.get("/login").await;
                let token = hidden(&form.body, "csrf");
                let login = format!("bench-{person}");
                let reply = session
                    .post(
                        "/login",
                        &[
                            ("login", &login),
                            ("password", "bench-password"),
                            ("csrf", &token),
                        ],
                    )
                    .await;
                assert_eq!(reply.status, 303, "login: {}", reply.body);
                let path = format!("/rounds/{round}/files/{file}/sheet");
                let page = session.get(&path).await;
                assert_eq!(page.status, 200, "{}", page.body);
                let csrf = hidden(&page.body, "csrf");
                let version = hidden(&page.body, "version");
                // The first free-deduction item of whatever rubric the file is scored with.
                let code = page
                    .body
                    .split("name=\"points_")
                    .nth(1)
                    .map(|rest| rest.split('"').next().unwrap_or_default().to_string())
                    .expect("a free-deduction item");
                (session, path, csrf, version, code, person, file)
            }
        });
        prepared.extend(futures_util::future::join_all(logins).await);
    }
    let setup_time = setup.elapsed();

    // The form keeps its connection busy while the reviewer types (the live total is
    // previewed 250 ms after a keystroke, the draft saved 1.5 s after), so a reviewer who
    // submits does so over an open keep-alive connection. Each session's connection is
    // opened here, untimed; `PINGCHA_BENCH_FRESH_CONNECTIONS=1` skips this, and every
    // submission then also pays for a new TCP connection.
    //
    // The submissions are sent by a minimal HTTP/1.1 client (each request written as
    // prepared bytes, the response read to its end), as a load generator such as wrk does:
    // the 300 reviewers have their own machines, and on this one every cycle the client
    // spends is taken from the server it measures (awc, used for the setup, took about a
    // third of the burst's CPU).
    let fresh = std::env::var_os("PINGCHA_BENCH_FRESH_CONNECTIONS").is_some();
    let address = base.trim_start_matches("http://").to_string();
    let mut raw = Vec::new();
    for (session, path, csrf, version, code, person, file) in prepared {
        let points = format!("points_{code}");
        let reason = format!("reason_{code}");
        let page = format!("page_{code}");
        let body = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("version", version.as_str()),
            ("action", "submit"),
            (points.as_str(), "1"),
            (reason.as_str(), "会见笔录无针对性"),
            (page.as_str(), "12"),
        ])
        .unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: {address}\r\ncookie: {}\r\n\
             content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{body}",
            session.cookie_header(),
            body.len()
        );
        let stream = if fresh {
            None
        } else {
            let mut stream = TcpStream::connect(&address).await.unwrap();
            let warm = format!("GET /healthz HTTP/1.1\r\nhost: {address}\r\n\r\n");
            let (status, _) = exchange(&mut stream, warm.as_bytes()).await;
            assert_eq!(status, 200, "/healthz");
            Some(stream)
        };
        raw.push((request.into_bytes(), stream, person, file));
    }
    let submit =
        |(request, stream, person, file): (Vec<u8>, Option<TcpStream>, PersonId, CaseFileId)| {
            let address = address.clone();
            async move {
                let begin = Instant::now();
                let mut stream = match stream {
                    Some(stream) => stream,
                    None => TcpStream::connect(&address).await.unwrap(),
                };
                let (status, body) = exchange(&mut stream, &request).await;
                let latency = begin.elapsed();
                if status != 303 {
                    eprintln!("refused ({status}): {}", String::from_utf8_lossy(&body));
                }
                (latency, status, person, file)
            }
        };

    // First a few submissions one at a time: the service time of one request on an idle
    // server, to read the burst's latencies against.
    let burst = raw.split_off(SEQUENTIAL);
    let mut results = Vec::new();
    for submission in raw {
        results.push(submit(submission).await);
    }
    let mut alone: Vec<Duration> = results.iter().map(|(latency, ..)| *latency).collect();
    alone.sort();

    // Then everyone else submits at once.
    let cpu_before = cpu_seconds();
    let client_before = client_cpu_seconds();
    let database_before = database_cpu_seconds(backend);
    let started = Instant::now();
    let submissions = burst.into_iter().map(submit);
    let burst_results = futures_util::future::join_all(submissions).await;
    let wall = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    let client_cpu = client_cpu_seconds() - client_before;
    let database_cpu =
        database_cpu_seconds(backend).map(|after| after - database_before.unwrap_or(after));
    if std::env::var_os("PINGCHA_BENCH_MARK").is_some() {
        eprintln!("burst window {started:?} .. {:?}", Instant::now());
    }
    drop(handle.stop(true));

    let mut latencies: Vec<Duration> = burst_results.iter().map(|(latency, ..)| *latency).collect();
    latencies.sort();
    results.extend(burst_results);
    let total = results.len();
    let accepted = results
        .iter()
        .filter(|(_, status, ..)| *status == 303)
        .count();
    let refused: BTreeMap<u16, usize> = results
        .iter()
        .filter(|(_, status, ..)| *status != 303)
        .fold(BTreeMap::new(), |mut map, (_, status, ..)| {
            *map.entry(*status).or_default() += 1;
            map
        });

    // Every submission stored exactly once.
    let mut conn = pool.get().unwrap();
    let expected: BTreeSet<(PersonId, CaseFileId)> = results
        .iter()
        .map(|(_, _, person, file)| (*person, *file))
        .collect();
    let files: Vec<CaseFileId> = expected.iter().map(|(_, file)| *file).collect();
    let stored = storage::sheets::for_files(&mut conn, round, &files).unwrap();
    let submitted: Vec<&storage::sheets::StoredSheet> = stored
        .iter()
        .filter(|sheet| sheet.sheet.state.status().code() == "submitted")
        .collect();
    let stored_pairs: BTreeSet<(PersonId, CaseFileId)> = submitted
        .iter()
        .map(|sheet| (sheet.reviewer_id, sheet.case_file_id))
        .collect();
    let lost = expected.difference(&stored_pairs).count();
    let unexpected = stored_pairs.difference(&expected).count();
    let duplicated = submitted.len() - stored_pairs.len();
    let wrong_version = submitted
        .iter()
        .filter(|sheet| sheet.sheet.version != 2 || sheet.sheet.answers.items.len() != 1)
        .count();
    let trail = storage::audit::list(
        &mut conn,
        &storage::audit::Filter {
            entity_type: Some("score_sheet".into()),
            ..Default::default()
        },
        (total as i64) * 3,
    )
    .unwrap();
    let submit_rows: Vec<&str> = trail
        .iter()
        .filter(|entry| entry.action == "submit")
        .filter_map(|entry| entry.entity_id.as_deref())
        .collect();
    let distinct_rows: BTreeSet<&str> = submit_rows.iter().copied().collect();
    let audit_duplicates = submit_rows.len() - distinct_rows.len();
    // Every entry gets its place in the hash chain without anyone asking (on PostgreSQL the
    // server's sealer does it just after the commits), and the chain verifies.
    let sealing = loop {
        use diesel::prelude::*;
        use pingcha::storage::schema::audit_log;
        let unsealed: i64 = audit_log::table
            .filter(audit_log::seq.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        let waited = started.elapsed().saturating_sub(wall);
        if unsealed == 0 {
            break Some(waited);
        }
        if waited > Duration::from_secs(10) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let chain = storage::audit::verify(&mut conn, &mut |_| {}).unwrap();

    let round_id: RoundId = round;
    println!(
        "review_load backend={backend} reviewers={count} round={round_id} connections={}",
        if fresh { "fresh" } else { "kept alive" }
    );
    println!(
        "  setup (data, logins, forms opened): {:.1} s",
        setup_time.as_secs_f64()
    );
    println!(
        "  {count} concurrent submissions in {:.0} ms: {:.0} requests/s",
        ms(wall),
        count as f64 / wall.as_secs_f64()
    );
    // CPU time is steadier than wall time on a shared machine. The server's figure is this
    // process's less the client's thread, and on SQLite includes the database (in-process);
    // on PostgreSQL the database's own processes are counted beside it.
    let per = |seconds: f64| seconds * 1000.0 / count as f64;
    println!(
        "  CPU per submission: server {:.3} ms{}, client {:.3} ms",
        per(cpu - client_cpu),
        match database_cpu {
            Some(database) => format!(
                " + PostgreSQL {:.3} ms = {:.3} ms",
                per(database),
                per(cpu - client_cpu + database)
            ),
            None => " (SQLite in-process)".into(),
        },
        per(client_cpu)
    );
    println!(
        "  latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.90)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap())
    );
    println!(
        "  one at a time ({SEQUENTIAL} before the burst): p50 {:.1} ms, max {:.1} ms",
        ms(percentile(&alone, 0.50)),
        ms(*alone.last().unwrap())
    );
    println!("  accepted (303) {accepted} of {total}, refused {refused:?}");
    println!(
        "  stored: submitted sheets {}, lost {lost}, duplicated {duplicated}, unexpected {unexpected}, wrong version/answers {wrong_version}; audit submit rows {} (duplicates {audit_duplicates})",
        submitted.len(),
        submit_rows.len()
    );
    println!(
        "  audit chain: {}, {}",
        match sealing {
            Some(waited) => format!("every entry sealed {:.0} ms after the burst", ms(waited)),
            None => "entries still unsealed 10 s after the burst".into(),
        },
        match &chain {
            Ok(intact) => format!("verified intact ({} entries)", intact.entries),
            Err(broken) => format!("BROKEN at entry {}", broken.id),
        }
    );
    let ok = sealing.is_some()
        && chain.is_ok()
        && accepted == total
        && lost == 0
        && duplicated == 0
        && unexpected == 0
        && wrong_version == 0
        && submit_rows.len() == total
        && audit_duplicates == 0;
    println!(
        "  integrity: {}",
        if ok {
            "OK — every submission stored exactly once"
        } else {
            "FAILED"
        }
    );
    if !ok {
        std::process::exit(1);
    }
}
