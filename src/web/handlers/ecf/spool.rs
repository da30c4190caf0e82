//! Uploads of the electronic case file, streamed to a spool file as they arrive and hashed on
//! the way: memory holds one multipart chunk whatever the file's size. The spool is removed
//! when dropped.

use crate::app::messages;
use crate::web::body;
use crate::web::error::WebError;
use crate::web::upload::{Parts, safe_file_name};
use actix_multipart::MultipartError;
use actix_web::error::PayloadError;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file received to disk: removed when dropped.
#[derive(Debug)]
pub struct Spooled {
    pub file_name: String,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

impl Spooled {
    pub fn open(&self) -> Result<File, WebError> {
        File::open(&self.path).map_err(WebError::internal)
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Where spool files go: the system's temporary folder.
pub fn spool_dir() -> PathBuf {
    std::env::temp_dir()
}

/// A new spool path (not yet created).
pub fn spool_path(dir: &Path) -> PathBuf {
    dir.join(format!("pingcha-ecf-{}.part", uuid::Uuid::new_v4()))
}

/// The multipart form: its files spooled, its text fields kept (small).
#[derive(Debug, Default)]
pub struct SpooledForm {
    pub files: Vec<Spooled>,
    pub fields: Vec<(String, String)>,
}

impl SpooledForm {
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads a multipart form, streaming each file to its own spool file and hashing it;
/// a file over `max_file_bytes` is refused (413) with `too_large(name)`.
pub async fn read(
    parts: Parts,
    max_file_bytes: u64,
    too_large: impl Fn(&str) -> String,
) -> Result<SpooledForm, WebError> {
    let (mut multipart, limit) = parts.into_inner();
    let unreadable = |error: MultipartError| match error {
        MultipartError::Payload(PayloadError::Overflow) => {
            WebError::PayloadTooLarge(body::too_large(limit))
        }
        error => {
            tracing::info!(%error, "upload unreadable");
            WebError::BadRequest(messages::frame::UPLOAD_UNREADABLE.to_string())
        }
    };
    let dir = spool_dir();
    let mut form = SpooledForm::default();
    let mut count = 0usize;
    while let Some(field) = multipart.next().await {
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
        let Some(file_name) = file_name else {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(unreadable)?;
                if bytes.len() + chunk.len() > 64 * 1024 {
                    return Err(WebError::PayloadTooLarge(body::too_large(limit)));
                }
                bytes.extend_from_slice(&chunk);
            }
            form.fields
                .push((name, String::from_utf8_lossy(&bytes).into_owned()));
            continue;
        };
        let path = spool_path(&dir);
        let mut out = File::create(&path).map_err(WebError::internal)?;
        let mut spooled = Spooled {
            file_name,
            path,
            size: 0,
            sha256: String::new(),
        };
        let mut hasher = Sha256::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            spooled.size += chunk.len() as u64;
            if spooled.size > max_file_bytes {
                return Err(WebError::PayloadTooLarge(too_large(&spooled.file_name)));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).map_err(WebError::internal)?;
        }
        out.flush().map_err(WebError::internal)?;
        spooled.sha256 = hex::encode(hasher.finalize());
        if spooled.size > 0 {
            form.files.push(spooled);
        }
    }
    Ok(form)
}
