//! Reading multipart uploads with size limits: the route's limit on the whole body and on the
//! number of parts (`web::body`, applied as the body streams in), and the caller's limit on
//! each file; a form over any of them is refused (413) before more of it is kept. Files are
//! kept in memory, or only hashed as they arrive ([`read_digests`]). Callers check the
//! content, never the file name or the browser's content type.

use crate::web::body::{self, BodyLimit};
use crate::web::error::WebError;
use actix_multipart::{Multipart, MultipartError};
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use std::future::{Ready, ready};

/// A multipart body with its route's [`BodyLimit`]; handlers take this instead of actix's
/// `Multipart`, so no upload can be read without its route's limit.
pub struct Parts {
    multipart: Multipart,
    limit: BodyLimit,
}

impl FromRequest for Parts {
    type Error = WebError;
    type Future = Ready<Result<Self, WebError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let Some(limit) = request.extensions().get::<BodyLimit>().copied() else {
            return ready(Err(WebError::internal("route without a body limit")));
        };
        ready(Ok(Parts {
            multipart: Multipart::new(request.headers(), payload.take()),
            limit,
        }))
    }
}

impl Parts {
    /// The multipart stream and its route's limit, for readers that stream files elsewhere
    /// (the electronic case file's spool) instead of keeping them.
    pub fn into_inner(self) -> (Multipart, BodyLimit) {
        (self.multipart, self.limit)
    }
}

/// One uploaded file.
#[derive(Debug)]
pub struct Upload {
    pub field: String,
    /// The name the browser sent, reduced to its last path component (no traversal).
    pub file_name: String,
    /// The content; empty when the form was read with [`read_digests`].
    pub bytes: Vec<u8>,
    pub size: usize,
    /// SHA-256 (hex) of the content, when read with [`read_digests`].
    pub sha256: Option<String>,
}

/// The uploaded files and the plain text fields of a multipart form.
#[derive(Debug, Default)]
pub struct Form {
    pub files: Vec<Upload>,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn file(&self, field: &str) -> Option<&Upload> {
        self.files
            .iter()
            .find(|upload| upload.field == field && upload.size > 0)
    }

    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.as_str())
    }
}

/// Strips directories (either slash) and control characters from a browser-supplied name.
pub fn safe_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    // Over the stored limit, the end (with the extension) is what identifies the file.
    let max = crate::domain::text_limits::TextField::FileName.max_chars();
    let skip = cleaned.chars().count().saturating_sub(max);
    let cleaned: String = cleaned.chars().skip(skip).collect();
    if cleaned.is_empty() {
        "upload".to_string()
    } else {
        cleaned
    }
}

/// Reads the whole form, refusing it as soon as any file passes `max_file_bytes` (with the
/// message `too_large`) or the body passes its route's limit.
pub async fn read(parts: Parts, max_file_bytes: usize, too_large: &str) -> Result<Form, WebError> {
    read_form(parts, max_file_bytes, too_large, false).await
}

/// As [`read`], but files are hashed as they arrive and not kept: memory stays at one chunk
/// whatever their size.
pub async fn read_digests(
    parts: Parts,
    max_file_bytes: usize,
    too_large: &str,
) -> Result<Form, WebError> {
    read_form(parts, max_file_bytes, too_large, true).await
}

async fn read_form(
    parts: Parts,
    max_file_bytes: usize,
    too_large: &str,
    digest_only: bool,
) -> Result<Form, WebError> {
    use sha2::{Digest, Sha256};
    let Parts {
        multipart: mut payload,
        limit,
    } = parts;
    let unreadable = |error: MultipartError| match error {
        MultipartError::Payload(PayloadError::Overflow) => {
            WebError::PayloadTooLarge(body::too_large(limit))
        }
        error => {
            tracing::info!(%error, "upload unreadable");
            WebError::BadRequest(crate::app::messages::frame::UPLOAD_UNREADABLE.to_string())
        }
    };
    let mut form = Form::default();
    let mut count = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        count += 1;
        if count > limit.parts {
            return Err(WebError::PayloadTooLarge(body::too_many_parts(limit)));
        }
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|disposition| disposition.get_filename())
            .map(safe_file_name);
        let hashing = digest_only && file_name.is_some();
        let mut hasher = Sha256::new();
        let mut size = 0usize;
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            size += chunk.len();
            if size > max_file_bytes {
                return Err(WebError::PayloadTooLarge(too_large.to_string()));
            }
            if hashing {
                hasher.update(&chunk);
            } else {
                bytes.extend_from_slice(&chunk);
            }
        }
        match file_name {
            Some(file_name) => form.files.push(Upload {
                field: name,
                file_name,
                bytes,
                size,
                sha256: hashing.then(|| hex::encode(hasher.finalize())),
            }),
            None => form
                .fields
                .push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_lose_their_directories() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\Users\\a\\criminal.toml"),
            "criminal.toml"
        );
        assert_eq!(safe_file_name("..."), "upload");
        assert_eq!(safe_file_name("刑事\u{0}.toml"), "刑事.toml");
    }
}
