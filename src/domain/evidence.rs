//! Evidence (佐证材料) a unit uploads for a finding: which kinds are accepted, and the check
//! that decides the kind from the bytes, never from the name or the browser's content type.
//! A file whose content is not what its name says is refused, and so is an Office file
//! whose zip would unpack to far more than it weighs (a zip bomb).

use crate::domain::text_limits::{TextError, TextField};
use std::io::{Cursor, Read};

/// The largest evidence file accepted, in bytes (20 MB): a scanned multi-page PDF fits.
pub const MAX_EVIDENCE_BYTES: usize = 20 * 1024 * 1024;
/// The most a DOCX/XLSX may unpack to; real documents stay far below.
const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// The most entries a DOCX/XLSX may hold.
const MAX_ZIP_ENTRIES: usize = 5_000;

/// The kinds of evidence accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EvidenceKind {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::Pdf,
        EvidenceKind::Jpeg,
        EvidenceKind::Png,
        EvidenceKind::Docx,
        EvidenceKind::Xlsx,
    ];

    /// The media type sent with a download.
    pub fn content_type(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "application/pdf",
            EvidenceKind::Jpeg => "image/jpeg",
            EvidenceKind::Png => "image/png",
            EvidenceKind::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            EvidenceKind::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }

    pub fn from_content_type(text: &str) -> Option<EvidenceKind> {
        EvidenceKind::ALL
            .into_iter()
            .find(|kind| kind.content_type() == text)
    }

    /// What users call it.
    pub fn label(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "PDF",
            EvidenceKind::Jpeg => "JPG",
            EvidenceKind::Png => "PNG",
            EvidenceKind::Docx => "DOCX",
            EvidenceKind::Xlsx => "XLSX",
        }
    }

    /// The kind a file name claims, from its extension.
    pub fn from_name(file_name: &str) -> Option<EvidenceKind> {
        let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "pdf" => Some(EvidenceKind::Pdf),
            "jpg" | "jpeg" => Some(EvidenceKind::Jpeg),
            "png" => Some(EvidenceKind::Png),
            "docx" => Some(EvidenceKind::Docx),
            "xlsx" => Some(EvidenceKind::Xlsx),
            _ => None,
        }
    }
}

display_by_label!(EvidenceKind);

/// Why an upload is refused; every message names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("文件“{file_name}”是空文件")]
    Empty { file_name: String },
    #[error("文件“{file_name}”超过大小限制（最大 {} MB）", MAX_EVIDENCE_BYTES / 1024 / 1024)]
    TooLarge { file_name: String },
    #[error("文件“{file_name}”的类型不受支持，只接受 PDF、JPG、PNG、DOCX、XLSX")]
    UnsupportedName { file_name: String },
    #[error("文件“{file_name}”的内容不是可识别的 PDF、JPG、PNG、DOCX 或 XLSX 文件")]
    UnknownContent { file_name: String },
    #[error("文件“{file_name}”的扩展名表明是 {claimed}，但内容是 {found}，请检查后重新上传")]
    Mismatch {
        file_name: String,
        claimed: EvidenceKind,
        found: EvidenceKind,
    },
    #[error("文件“{file_name}”解压后过大或条目过多，疑似压缩炸弹，已拒绝")]
    ZipBomb { file_name: String },
    /// The name itself is over its limit or holds a control character.
    #[error("{0}")]
    Name(TextError),
}

/// The kind of an upload, decided from its content and checked against its name.
pub fn check(file_name: &str, bytes: &[u8]) -> Result<EvidenceKind, EvidenceError> {
    TextField::FileName
        .check(file_name)
        .map_err(EvidenceError::Name)?;
    let name = || file_name.to_string();
    if bytes.is_empty() {
        return Err(EvidenceError::Empty { file_name: name() });
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge { file_name: name() });
    }
    let claimed = EvidenceKind::from_name(file_name)
        .ok_or(EvidenceError::UnsupportedName { file_name: name() })?;
    let found = sniff(bytes).map_err(|problem| match problem {
        Sniffed::Unknown => EvidenceError::UnknownContent { file_name: name() },
        Sniffed::Bomb => EvidenceError::ZipBomb { file_name: name() },
    })?;
    if found != claimed {
        return Err(EvidenceError::Mismatch {
            file_name: name(),
            claimed,
            found,
        });
    }
    Ok(found)
}

/// An entry unpacking past 16 MiB at more than 250 times its packed size is a bomb: office
/// XML packs about 10:1. Stopping there refuses a bomb after a few milliseconds of work
/// instead of after unpacking the whole limit.
fn is_bomb_ratio(unpacked: u64, packed: u64) -> bool {
    unpacked > 16 * 1024 * 1024 && unpacked / packed > 250
}

enum Sniffed {
    Unknown,
    Bomb,
}

fn sniff(bytes: &[u8]) -> Result<EvidenceKind, Sniffed> {
    if bytes.starts_with(b"%PDF-") {
        return Ok(EvidenceKind::Pdf);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(EvidenceKind::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(EvidenceKind::Png);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office_kind(bytes);
    }
    Err(Sniffed::Unknown)
}

/// A DOCX holds `word/` entries, an XLSX `xl/` entries. Every entry is unpacked (and
/// discarded) up to the limit, because the sizes a zip declares can lie.
fn office_kind(bytes: &[u8]) -> Result<EvidenceKind, Sniffed> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| Sniffed::Unknown)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(Sniffed::Bomb);
    }
    let (mut word, mut excel, mut content_types) = (false, false, false);
    let mut unpacked: u64 = 0;
    let mut sink = [0u8; 64 * 1024];
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|_| Sniffed::Unknown)?;
        let entry_name = entry.name().map_err(|_| Sniffed::Unknown)?.into_owned();
        word |= entry_name.starts_with("word/");
        excel |= entry_name.starts_with("xl/");
        content_types |= entry_name == "[Content_Types].xml";
        let packed = entry.compressed_size().max(1);
        if unpacked.saturating_add(entry.size()) > MAX_UNPACKED_BYTES
            || is_bomb_ratio(entry.size(), packed)
        {
            return Err(Sniffed::Bomb);
        }
        let mut this_entry: u64 = 0;
        loop {
            let read = entry.read(&mut sink).map_err(|_| Sniffed::Unknown)?;
            if read == 0 {
                break;
            }
            unpacked = unpacked.saturating_add(read as u64);
            this_entry = this_entry.saturating_add(read as u64);
            if unpacked > MAX_UNPACKED_BYTES || is_bomb_ratio(this_entry, packed) {
                return Err(Sniffed::Bomb);
            }
        }
    }
    match (content_types, word, excel) {
        (true, true, false) => Ok(EvidenceKind::Docx),
        (true, false, true) => Ok(EvidenceKind::Xlsx),
        _ => Err(Sniffed::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn docx() -> Vec<u8> {
        zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
        ])
    }

    #[test]
    fn kinds_come_from_the_content() {
        assert_eq!(check("a.pdf", b"%PDF-1.7\n..."), Ok(EvidenceKind::Pdf));
        assert_eq!(
            check("a.JPG", &[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Ok(EvidenceKind::Jpeg)
        );
        assert_eq!(
            check("a.png", b"\x89PNG\r\n\x1a\n\0\0"),
            Ok(EvidenceKind::Png)
        );
        assert_eq!(check("整改报告.docx", &docx()), Ok(EvidenceKind::Docx));
        let xlsx = zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(check("台账.xlsx", &xlsx), Ok(EvidenceKind::Xlsx));
    }

    #[test]
    fn a_name_that_lies_is_refused() {
        assert!(matches!(
            check("scan.pdf", b"\x89PNG\r\n\x1a\n\0\0"),
            Err(EvidenceError::Mismatch {
                claimed: EvidenceKind::Pdf,
                found: EvidenceKind::Png,
                ..
            })
        ));
        assert!(matches!(
            check("报告.xlsx", &docx()),
            Err(EvidenceError::Mismatch { .. })
        ));
        assert!(matches!(
            check("run.pdf", b"MZ\x90\0 executable"),
            Err(EvidenceError::UnknownContent { .. })
        ));
        let plain_zip = zip_with(&[("notes.txt", b"hello")]);
        assert!(matches!(
            check("a.docx", &plain_zip),
            Err(EvidenceError::UnknownContent { .. })
        ));
        assert!(matches!(
            check("a.exe", b"%PDF-1.4"),
            Err(EvidenceError::UnsupportedName { .. })
        ));
        assert!(matches!(
            check("a.pdf", b""),
            Err(EvidenceError::Empty { .. })
        ));
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        let zeros = vec![0u8; (MAX_UNPACKED_BYTES / 4) as usize];
        let bomb = zip_with(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/a.xml", &zeros),
            ("word/b.xml", &zeros),
            ("word/c.xml", &zeros),
            ("word/d.xml", &zeros),
            ("word/e.xml", &zeros),
        ]);
        assert!(bomb.len() < MAX_EVIDENCE_BYTES, "the bomb itself is small");
        assert!(matches!(
            check("bomb.docx", &bomb),
            Err(EvidenceError::ZipBomb { .. })
        ));
    }

    #[test]
    fn oversized_files_are_refused() {
        let mut big = b"%PDF-1.7\n".to_vec();
        big.resize(MAX_EVIDENCE_BYTES + 1, b' ');
        assert!(matches!(
            check("big.pdf", &big),
            Err(EvidenceError::TooLarge { .. })
        ));
    }
}
