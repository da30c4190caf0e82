//! Reading multipart uploads into memory with a size limit: a file over the limit is refused
//! before it is kept anywhere. Callers check the content, never the file name or the browser's
//! content type.

use crate::web::error::WebError;
use actix_multipart::Multipart;
use futures_util::StreamExt;

/// One uploaded file.
#[derive(Debug)]
pub struct Upload {
    pub field: String,
    /// The name the browser sent, reduced to its last path component (no traversal).
    pub file_name: String,
    pub bytes: Vec<u8>,
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
            .find(|upload| upload.field == field && !upload.bytes.is_empty())
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

/// Reads the whole form, refusing it as soon as any file passes `max_file_bytes`.
pub async fn read(
    mut payload: Multipart,
    max_file_bytes: usize,
    too_large: &str,
) -> Result<Form, WebError> {
    let mut form = Form::default();
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|error| WebError::BadRequest(format!("上传内容无法读取：{error}")))?;
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field
            .content_disposition()
            .and_then(|disposition| disposition.get_filename())
            .map(safe_file_name);
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk
                .map_err(|error| WebError::BadRequest(format!("上传内容无法读取：{error}")))?;
            if bytes.len() + chunk.len() > max_file_bytes {
                return Err(WebError::PayloadTooLarge(too_large.to_string()));
            }
            bytes.extend_from_slice(&chunk);
        }
        match file_name {
            Some(file_name) => form.files.push(Upload {
                field: name,
                file_name,
                bytes,
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
