//! Request bodies are bounded per route (issue 22, findings 4 and 7): an anonymous upload
//! with too many parts or too many bytes is refused 413 as it streams in (never buffered
//! whole); a long signed-in form is not mistaken for a forged one; the CSRF token travels only
//! in a header or the body, never in the query string (finding 10).

use crate::helpers::{Client, csrf_part, hidden_value, spawn_app};
use crate::verify::multipart;
use awc::http::StatusCode;
use pingcha::web::body;
use std::io::{Read, Write};

/// The anonymous /verify form's token and cookie, as a visitor's browser holds them.
async fn verify_token(client: &mut Client) -> String {
    let page = client.get("/verify").await;
    hidden_value(&page.body, "csrf").expect("the form's token")
}

#[actix_rt::test]
async fn an_anonymous_upload_with_too_many_parts_is_refused() {
    let app = spawn_app().await;
    let mut visitor = app.client();
    let token = verify_token(&mut visitor).await;
    let fields: Vec<(String, Option<&str>, &[u8])> = (0..1000)
        .map(|i| (format!("f{i}"), None, &b"x"[..]))
        .collect();
    let fields: Vec<(&str, Option<&str>, &[u8])> = fields
        .iter()
        .map(|(name, file, bytes)| (name.as_str(), *file, *bytes))
        .collect();
    let (boundary, body) = multipart(&fields);
    let mut with_token = csrf_part(&boundary, &token);
    with_token.extend_from_slice(&body);
    let reply = visitor
        .post_multipart_as_is("/verify", &boundary, with_token)
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("提交的表单项过多"), "{}", reply.body);
}

/// Sends a raw request to the app: `head` (request line and headers), then `body_chunks`
/// chunks of 64 KB of `chunk` from a writer thread that stops when the server answers or stops
/// reading. Returns the server's answer and how many body bytes were sent.
fn send_raw(address: &str, head: String, chunk: Vec<u8>, body_chunks: usize) -> (String, usize) {
    let authority = address.trim_start_matches("http://").to_string();
    let stream = std::net::TcpStream::connect(&authority).unwrap();
    stream
        .set_write_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = answered.clone();
    let sender = std::thread::spawn(move || {
        let mut sent = 0usize;
        if writer.write_all(head.as_bytes()).is_err() {
            return sent;
        }
        for _ in 0..body_chunks {
            if stop.load(std::sync::atomic::Ordering::SeqCst) || writer.write_all(&chunk).is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let mut reader = stream;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                answer.extend_from_slice(&buffer[..read]);
                answered.store(true, std::sync::atomic::Ordering::SeqCst);
                let text = String::from_utf8_lossy(&answer);
                if text.contains("</html>") || text.contains("\r\n0\r\n\r\n") {
                    break;
                }
            }
        }
    }
    answered.store(true, std::sync::atomic::Ordering::SeqCst);
    drop(reader);
    let sent = sender.join().unwrap();
    (String::from_utf8_lossy(&answer).into_owned(), sent)
}

#[actix_rt::test]
async fn an_anonymous_upload_over_the_limit_is_refused_as_it_streams() {
    let app = spawn_app().await;
    let mut visitor = app.client();
    let token = verify_token(&mut visitor).await;
    let cookie = format!("pc_csrf={}", visitor.cookies["pc_csrf"]);
    let boundary = "stream-boundary";
    // A declared length over the limit: refused before a byte of the body is read.
    let head = format!(
        "POST /verify HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body::VERIFY.total + 1
    );
    let address = app.address.clone();
    let (answer, _) = std::thread::spawn(move || send_raw(&address, head, Vec::new(), 0))
        .join()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("提交的内容过大"), "{answer}");

    // No declared length (chunked): 6 MB files, each under the file limit, that never end
    // (four 60 MB parts once took the server from 42 to 258 MB). The server answers 413 once
    // the route's total is passed, long before the body would end: it never holds more.
    let head = format!(
        "POST /verify HTTP/1.1\r\nHost: test\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let opening = csrf_part(boundary, &token);
    let head = format!(
        "{head}{:x}\r\n{}\r\n",
        opening.len(),
        String::from_utf8(opening).unwrap()
    );
    let mut part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\n\r\n"
    )
    .into_bytes();
    part.extend_from_slice(&vec![b'%'; 6 * 1024 * 1024]);
    part.extend_from_slice(b"\r\n");
    let mut chunk = format!("{:x}\r\n", part.len()).into_bytes();
    chunk.extend_from_slice(&part);
    chunk.extend_from_slice(b"\r\n");
    // About 1 GB if the server never stopped it.
    let chunks = 170;
    let address = app.address.clone();
    let (answer, sent) = std::thread::spawn(move || send_raw(&address, head, chunk, chunks))
        .join()
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("提交的内容过大"), "{answer}");
    assert!(
        sent < 256 * 1024 * 1024,
        "{sent} bytes taken in before the answer"
    );
}

#[actix_rt::test]
async fn a_long_form_is_not_taken_for_a_forged_one() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    // A 300 KB field (one the handler ignores, so only the body's size is in question): the
    // token comes after it, as a browser sends a form's fields in order.
    let long = "评".repeat(100 * 1024);
    let reply = admin
        .post_form(
            "/admin/bureau",
            &[
                ("bureau_name", "某市司法局"),
                ("doc_prefix", "某司评"),
                ("notes", &long),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let saved = admin.get("/admin/bureau").await;
    assert!(saved.body.contains("某市司法局"));
    // Over the route's limit: 413 saying so, not 403, and nothing changed.
    let longer = "评".repeat(body::FORM.total / 3 + 1);
    let reply = admin
        .post_form(
            "/admin/bureau",
            &[
                ("bureau_name", "另一个司法局"),
                ("doc_prefix", "某司评"),
                ("notes", &longer),
            ],
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("提交的内容过大"), "{}", reply.body);
    assert!(!reply.body.contains("无权访问"));
    let saved = admin.get("/admin/bureau").await;
    assert!(!saved.body.contains("另一个司法局"));
}

#[actix_rt::test]
async fn the_csrf_token_is_refused_in_the_query_string() {
    let app = spawn_app().await;
    let mut admin = app.login_as("admin").await;
    let token = admin.csrf_token().await;
    // A URL-encoded form with the token only in the address.
    let reply = admin
        .post_raw_form(
            &format!("/admin/bureau?csrf={token}"),
            &[("bureau_name", "某市司法局"), ("doc_prefix", "某司评")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    // A multipart upload with the token only in the address.
    let (boundary, body) = multipart(&[("file", Some("criminal.toml"), b"x")]);
    let reply = admin
        .post_multipart_as_is(&format!("/rubrics?csrf={token}"), &boundary, body.clone())
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    // The anonymous /verify form likewise.
    let mut visitor = app.client();
    let visitor_token = verify_token(&mut visitor).await;
    let (boundary, code) = multipart(&[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]);
    let reply = visitor
        .post_multipart_as_is(&format!("/verify?csrf={visitor_token}"), &boundary, code)
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    // The same posts with the token in the body, or in the header, go through.
    let reply = admin.post_multipart("/rubrics", &boundary, body).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(!reply.body.contains("表单已过期"));
    let (status, body) =
        crate::verify::verify(&mut visitor, &[("code", None, b"ZZZZ-ZZZZ-ZZZZ")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let page = app.client().get("/verify").await;
    assert!(
        !page.body.contains("csrf="),
        "no token in any address of the page"
    );
}
