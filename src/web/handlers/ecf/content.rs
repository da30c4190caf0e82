//! A document's bytes, streamed from the blob store: whole, or one byte range (HTTP range
//! requests, what a PDF viewer uses to fetch the pages it shows). Only the chunks a range
//! covers are read, one at a time. A request from byte 0 is audited as a view; the viewer's
//! further range requests are not.

use crate::app::ecf::{self as use_case, Caller};
use crate::app::messages::ecf as text;
use crate::domain::ecf::chunks_for;
use crate::domain::ids::EcfDocumentId;
use crate::storage::{self, blobs};
use crate::web::AppState;
use crate::web::auth::CurrentUser;
use crate::web::error::{WebError, WebResult};
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

/// How long a browser may keep a document: its bytes never change (the URL names a document
/// whose content is fixed), but access may be withdrawn, so an hour, private.
const CACHE_CONTROL: &str = "private, max-age=3600";

/// What the `Range` header asks of a content of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Whole,
    /// Bytes `start..=end`.
    Part(u64, u64),
    Unsatisfiable,
}

/// Parses a single-range `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`). Several ranges
/// or another unit are answered whole, as RFC 9110 allows.
pub fn wanted(header: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = header.and_then(|value| value.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Wanted::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parsed = |text: &str| text.parse::<u64>().ok();
    let range = match (first.is_empty(), last.is_empty()) {
        (true, false) => match parsed(last) {
            Some(0) | None => return Wanted::Unsatisfiable,
            Some(suffix) => (size.saturating_sub(suffix), size.saturating_sub(1)),
        },
        (false, _) => {
            let Some(start) = parsed(first) else {
                return Wanted::Whole;
            };
            let end = if last.is_empty() {
                size.saturating_sub(1)
            } else {
                match parsed(last) {
                    Some(end) if end >= start => end.min(size.saturating_sub(1)),
                    _ => return Wanted::Whole,
                }
            };
            (start, end)
        }
        (true, true) => return Wanted::Whole,
    };
    if size == 0 || range.0 >= size {
        Wanted::Unsatisfiable
    } else {
        Wanted::Part(range.0, range.1)
    }
}

fn inline_disposition(name: &str) -> ContentDisposition {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Inline,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

/// `GET /case-files/documents/{doc}/content`.
pub async fn content(
    request: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let id: EcfDocumentId = path.parse().map_err(|_| WebError::NotFound)?;
    let range_header = request
        .headers()
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    // Audited when the reading starts at byte 0 (the whole file, or a viewer's first range).
    let from_start = match wanted(range_header.as_deref(), u64::MAX) {
        Wanted::Whole => true,
        Wanted::Part(start, _) => start == 0,
        Wanted::Unsatisfiable => false,
    };
    let actor = user.actor(&request);
    let account = user.account.clone();
    let (row, blob) = state
        .db(move |conn| {
            use_case::document_for_reading(
                conn,
                Caller {
                    actor: &actor,
                    account: &account,
                },
                id,
                from_start,
                storage::now(),
            )
            .map_err(super::error)
        })
        .await?;
    let size = u64::try_from(blob.size_bytes).unwrap_or(0);
    let etag = format!("\"{}\"", blob.sha256);
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = HttpResponse::build(StatusCode::OK);
    response
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if not_modified {
        response.status(StatusCode::NOT_MODIFIED);
        return Ok(response.finish());
    }
    let (start, end) = match wanted(range_header.as_deref(), size) {
        Wanted::Whole => (0, size.saturating_sub(1)),
        Wanted::Part(start, end) => {
            response
                .status(StatusCode::PARTIAL_CONTENT)
                .insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (start, end)
        }
        Wanted::Unsatisfiable => {
            response
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
            return Ok(response.body(text::RANGE_UNSATISFIABLE));
        }
    };
    response
        .content_type(row.media_type.clone())
        .insert_header(inline_disposition(&row.name));
    if size == 0 {
        return Ok(response.finish());
    }
    let length = end - start + 1;
    let stream = chunk_stream(state, blob, start, end);
    Ok(response.body(SizedStream::new(length, stream)))
}

/// The bytes `start..=end` of a stored content, one chunk read at a time as the client takes
/// them.
fn chunk_stream(
    state: web::Data<AppState>,
    blob: blobs::BlobMeta,
    start: u64,
    end: u64,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + 'static {
    let chunk_bytes = u64::try_from(blob.chunk_bytes).unwrap_or(1).max(1);
    let (first, last) = chunks_for(start, end, chunk_bytes);
    futures_util::stream::unfold(first, move |seq| {
        let state = state.clone();
        let sha256 = blob.sha256.clone();
        async move {
            if seq > last {
                return None;
            }
            let number = i32::try_from(seq).ok()?;
            let loaded = state
                .db(move |conn| Ok(blobs::chunk(conn, &sha256, number)?))
                .await;
            let item = loaded
                .map(|data| {
                    let chunk_start = seq * chunk_bytes;
                    let from = usize::try_from(start.saturating_sub(chunk_start)).unwrap_or(0);
                    let to = usize::try_from((end + 1 - chunk_start).min(data.len() as u64))
                        .unwrap_or(data.len());
                    Bytes::from(data).slice(from.min(to)..to)
                })
                .map_err(actix_web::Error::from);
            Some((item, seq + 1))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-9"), 100), Wanted::Part(0, 9));
        assert_eq!(wanted(Some("bytes=90-"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=-10"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=95-200"), 100), Wanted::Part(95, 99));
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=0-1,5-6"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-1"), 100), Wanted::Whole);
    }
}
