//! How much a request may send: every route has a [`BodyLimit`] (the whole body, and the parts
//! of a multipart body), given in the route table (`routes.rs`: [`default_for`] unless the
//! route names one of the limits below). `auth::access_control` applies it before anything
//! reads the body: a declared length over the limit is refused at once, and the body is
//! counted as it streams in, so no reader (the CSRF check, the form and JSON extractors, the
//! multipart reader) ever takes in more than the route allows. Over the limit: 413 with a
//! Chinese message, never 403.

use crate::app::messages;
use crate::web::auth::Access;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::Method;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;

/// What a body stream is (actix's `BoxedPayloadStream`).
type BoxedStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<Bytes, PayloadError>>>>;

const KB: usize = 1024;
const MB: usize = 1024 * 1024;

/// What one route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit {
    /// Bytes of the whole body as sent (multipart framing included).
    pub total: usize,
    /// Parts of a multipart body (form fields and files, the CSRF field included).
    pub parts: usize,
}

impl BodyLimit {
    /// `total` bytes in all, in at most `parts` multipart parts.
    pub const fn new(total: usize, parts: usize) -> Self {
        BodyLimit { total, parts }
    }
}

/// Reading routes take no body.
pub const NONE: BodyLimit = BodyLimit::new(0, 0);
/// The anonymous sign-in form.
pub const SIGN_IN: BodyLimit = BodyLimit::new(16 * KB, 0);
/// The largest document `/verify` checks by upload (larger ones by their SHA-256).
pub const VERIFY_FILE_BYTES: usize = 16 * MB;
/// The anonymous `/verify` form: token, code, SHA-256 and one document, which is hashed as
/// it arrives and never kept.
pub const VERIFY: BodyLimit = BodyLimit::new(VERIFY_FILE_BYTES + 16 * KB, 4);
/// Signed-in forms and JSON requests.
pub const FORM: BodyLimit = BodyLimit::new(2 * MB, 0);
/// A rubric file upload (`handlers::rubrics::MAX_RUBRIC_BYTES`).
pub const RUBRIC: BodyLimit = BodyLimit::new(512 * KB + 16 * KB, 4);
/// A registry, pool or unit list (`handlers::imports::MAX_IMPORT_BYTES`) and its target.
pub const IMPORT: BodyLimit = BodyLimit::new(64 * MB + 64 * KB, 8);
/// One evidence file (`domain::evidence::MAX_EVIDENCE_BYTES`), or an objection: finding,
/// reason and one evidence file.
pub const EVIDENCE: BodyLimit = BodyLimit::new(20 * MB + 2 * MB, 6);
/// One document of an electronic case file (`domain::ecf::MAX_DOCUMENT_BYTES`), streamed to
/// a spool file as it arrives.
pub const ECF_DOCUMENT: BodyLimit = BodyLimit::new(200 * MB + 64 * KB, 4);
/// A bulk upload of electronic case files (`domain::ecf::MAX_BULK_BYTES`), streamed to a spool.
pub const ECF_BULK: BodyLimit = BodyLimit::new(2048 * MB + 64 * KB, 4);
/// An offline result package (`handlers::offline::MAX_RESULT_BYTES`).
pub const OFFLINE_RESULT: BodyLimit = BodyLimit::new(16 * MB + 16 * KB, 4);

/// The limit of a route that names none: nothing for reading methods, the sign-in form's for
/// anonymous posts, a signed-in form's otherwise.
pub fn default_for(method: &Method, access: Access) -> BodyLimit {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        NONE
    } else if access == Access::Public {
        SIGN_IN
    } else {
        FORM
    }
}

/// "2 MB", "528 KB", "0 字节": a limit as users read it (rounded).
pub fn size_text(bytes: usize) -> String {
    if bytes >= MB {
        format!("{} MB", (bytes + MB / 2) / MB)
    } else if bytes >= KB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        messages::frame::bytes(bytes)
    }
}

/// The 413 message for a body over `limit`.
pub fn too_large(limit: BodyLimit) -> String {
    messages::body_too_large(&size_text(limit.total))
}

/// The 413 message for a multipart body with more parts than `limit` allows.
pub fn too_many_parts(limit: BodyLimit) -> String {
    messages::body_too_many_parts(limit.parts)
}

/// The body as a stream that fails with `PayloadError::Overflow` past `limit` bytes.
pub fn limited(payload: Payload, limit: usize) -> Payload {
    let mut seen = 0usize;
    let stream = payload.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            Err(PayloadError::Overflow)
        } else {
            Ok(chunk)
        }
    });
    Payload::from(Box::pin(stream) as BoxedStream)
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum ReadError {
    TooLarge,
    Broken,
}

fn read_error(error: PayloadError) -> ReadError {
    match error {
        PayloadError::Overflow => ReadError::TooLarge,
        _ => ReadError::Broken,
    }
}

/// Reads the whole (already [`limited`]) body.
pub async fn read_all(payload: &mut Payload) -> Result<Bytes, ReadError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        body.extend_from_slice(&chunk.map_err(read_error)?);
    }
    Ok(body.freeze())
}

/// The most of a multipart body read to find its first part.
const FIRST_PART_MAX: usize = 8 * KB;

/// Reads the start of a multipart body up to the end of its first part and returns that
/// part's value if it is a plain field named `name`, together with the bytes read (to be put
/// back in front of the rest of the body).
pub async fn first_multipart_field(
    payload: &mut Payload,
    boundary: &str,
    name: &str,
) -> Result<(Option<String>, Bytes), ReadError> {
    let mut head = BytesMut::new();
    loop {
        if let Some(found) = first_field(&head, boundary, name) {
            return Ok((found, head.freeze()));
        }
        if head.len() >= FIRST_PART_MAX {
            return Ok((None, head.freeze()));
        }
        match payload.next().await {
            Some(chunk) => head.extend_from_slice(&chunk.map_err(read_error)?),
            None => return Ok((None, head.freeze())),
        }
    }
}

/// `Some(value)` when `head` holds the whole first part (`Some(None)` when that part is not
/// the plain field `name`); `None` when more bytes are needed.
fn first_field(head: &[u8], boundary: &str, name: &str) -> Option<Option<String>> {
    let opening = format!("--{boundary}\r\n");
    let start = find(head, opening.as_bytes())? + opening.len();
    let headers_end = find(&head[start..], b"\r\n\r\n")? + start;
    let value_start = headers_end + 4;
    let closing = format!("\r\n--{boundary}");
    let value_end = find(&head[value_start..], closing.as_bytes())? + value_start;
    let headers = String::from_utf8_lossy(&head[start..headers_end]).to_ascii_lowercase();
    let is_field = headers.lines().any(|line| {
        line.starts_with("content-disposition:")
            && line.contains(&format!("name=\"{name}\""))
            && !line.contains("filename")
    });
    if !is_field {
        return Some(None);
    }
    Some(
        std::str::from_utf8(&head[value_start..value_end])
            .ok()
            .map(str::to_string),
    )
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `bytes` followed by the rest of `payload`.
pub fn prepend(bytes: Bytes, payload: Payload) -> Payload {
    let stream = futures_util::stream::once(async move { Ok(bytes) }).chain(payload);
    Payload::from(Box::pin(stream) as BoxedStream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_part_is_found_only_when_complete() {
        let body =
            b"--b\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--b\r\nrest";
        assert_eq!(
            first_field(body, "b", "csrf"),
            Some(Some("abc".to_string()))
        );
        assert_eq!(first_field(&body[..40], "b", "csrf"), None);
        let other = b"--b\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\nabc\r\n--b--";
        assert_eq!(first_field(other, "b", "csrf"), Some(None));
        let file = b"--b\r\nContent-Disposition: form-data; name=\"csrf\"; filename=\"x\"\r\n\r\nabc\r\n--b--";
        assert_eq!(first_field(file, "b", "csrf"), Some(None));
    }

    #[test]
    fn limits_read_as_users_read_them() {
        assert_eq!(size_text(2 * MB), "2 MB");
        assert_eq!(size_text(16 * KB), "16 KB");
        assert_eq!(size_text(VERIFY.total), "16 MB");
        assert!(too_large(FORM).contains("2 MB"));
        assert!(messages::VERIFY_TOO_LARGE.contains(&size_text(VERIFY_FILE_BYTES)));
    }

    #[test]
    fn anonymous_routes_get_the_smallest_limits() {
        assert_eq!(default_for(&Method::GET, Access::Public), NONE);
        assert_eq!(default_for(&Method::POST, Access::Public), SIGN_IN);
        assert_eq!(default_for(&Method::POST, Access::AnyUser), FORM);
        for upload in [RUBRIC, IMPORT, EVIDENCE, OFFLINE_RESULT, FORM] {
            assert!(SIGN_IN.total < upload.total);
        }
    }
}
