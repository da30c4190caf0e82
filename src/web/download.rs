//! The one way a page answers with a file: `Content-Disposition: attachment` with the name in
//! UTF-8 (RFC 6266 / RFC 5987, through actix-web's own header type) and an ASCII fallback for
//! old clients, never cached, never sniffed.

use actix_web::HttpResponse;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};

/// A download of `bytes` named `name` (Chinese allowed). `ascii_name` is what clients without
/// RFC 5987 see; `None` derives it from `name`, replacing every other character by `_`.
pub fn attachment(
    content_type: &str,
    ascii_name: Option<&str>,
    name: &str,
    bytes: Vec<u8>,
) -> HttpResponse {
    let fallback = match ascii_name {
        Some(ascii) => ascii.to_string(),
        None => ascii_fallback(name),
    };
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_string()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    };
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(disposition)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes)
}

/// `name` with every character but ASCII letters, digits, `.`, `-` and `_` replaced by `_`.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disposition(response: &HttpResponse) -> String {
        response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn a_chinese_name_is_sent_in_utf8_with_an_ascii_fallback() {
        let response = attachment("application/pdf", None, "整改 通知书.pdf", Vec::new());
        let value = disposition(&response);
        assert!(value.starts_with("attachment; filename=\"___"), "{value}");
        assert!(
            value.contains("filename*=UTF-8''%E6%95%B4%E6%94%B9%20%E9%80%9A%E7%9F%A5%E4%B9%A6.pdf"),
            "a space is %20, never +: {value}"
        );
        assert_eq!(
            response.headers().get(header::CACHE_CONTROL).unwrap(),
            "no-store"
        );
    }

    #[test]
    fn a_given_fallback_is_kept() {
        let response = attachment(
            "application/pdf",
            Some("feedback.pdf"),
            "反馈.pdf",
            Vec::new(),
        );
        assert!(disposition(&response).contains("filename=\"feedback.pdf\""));
    }
}
