//! Generated electronic case files (电子卷宗) for the demo's Q3 registry cases, made at load
//! time: each case gets one bound PDF of its documents (指派通知书 … 回访记录, a page or a few
//! each) with a Chinese text layer (the standard CJK font STSong-Light, not embedded, so a
//! file is a few KB) and one bookmark per document, which becomes the catalogue; some cases
//! also have a scanned 送达回证 (PNG). A few documents are missing on purpose (every fifth case
//! lacks its 回访记录, every seventh its 会见笔录, every eleventh its 授权委托书), as in real
//! files, for the review to find.

use crate::app::ecf::{Caller, NewUpload};
use crate::domain::ecf::MediaType;
use crate::domain::ids::CaseFileId;
use crate::import::ecf::Checked;
use crate::storage::audit::Actor;
use crate::storage::{self, DbConn};
use chrono::{NaiveDate, NaiveDateTime};
use lopdf::{Bookmark, Document, Object, Stream, StringFormat, dictionary};

/// The documents of a demo file: title and pages.
const DOCUMENTS: &[(&str, u32)] = &[
    ("法律援助申请表", 1),
    ("指派通知书", 1),
    ("法律援助委托协议", 2),
    ("授权委托书", 1),
    ("会见笔录", 3),
    ("阅卷笔录", 2),
    ("代理词", 2),
    ("判决书", 3),
    ("结案报告", 1),
    ("回访记录", 1),
];

/// Whether the `index`-th case lacks `title` (the demo's deliberate gaps).
fn missing(index: usize, title: &str) -> bool {
    match title {
        "回访记录" => index % 5 == 4,
        "会见笔录" => index % 7 == 6,
        "授权委托书" => index % 11 == 10,
        _ => false,
    }
}

/// Text as a PDF string for the UniGB-UCS2-H encoding (UTF-16BE of BMP characters).
fn ucs2(text: &str) -> Object {
    let bytes: Vec<u8> = text
        .encode_utf16()
        .flat_map(|unit| unit.to_be_bytes())
        .collect();
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn content(lines: &[String]) -> Vec<u8> {
    let mut operations = String::from("BT /F1 14 Tf 72 770 Td 20 TL\n");
    for line in lines {
        let hex: String = line
            .encode_utf16()
            .map(|unit| format!("{unit:04X}"))
            .collect();
        operations.push_str(&format!("<{hex}> Tj T*\n"));
    }
    operations.push_str("ET");
    operations.into_bytes()
}

/// One demo file's bound PDF (its pages and one bookmark per document present), with what a
/// check of it finds (pages, bookmarks), known here without reading it back.
pub fn case_pdf(
    case_no: &str,
    index: usize,
    closed: NaiveDate,
) -> Result<(Vec<u8>, Checked), lopdf::Error> {
    let mut document = Document::with_version("1.5");
    let pages_id = document.new_object_id();
    let descendant = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType0",
        "BaseFont" => "STSong-Light",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("GB1"),
            "Supplement" => 4,
        },
        "FontDescriptor" => dictionary! {
            "Type" => "FontDescriptor", "FontName" => "STSong-Light", "Flags" => 6,
            "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
            "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 880,
            "StemV" => 93,
        },
    });
    let font = document.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => "STSong-Light-UniGB-UCS2-H",
        "Encoding" => "UniGB-UCS2-H",
        "DescendantFonts" => vec![Object::Reference(descendant)],
    });
    let mut kids = Vec::new();
    let mut marks = Vec::new();
    let mut bookmarks = Vec::new();
    for (title, pages) in DOCUMENTS {
        if missing(index, title) {
            continue;
        }
        for page in 1..=*pages {
            let lines = vec![
                format!("{title}（第{page}页，共{pages}页）"),
                format!("案号：{case_no}"),
                format!("结案日期：{}", closed.format("%Y年%m月%d日")),
                "本页为演示数据，由系统生成。".to_string(),
            ];
            let stream = document.add_object(Stream::new(dictionary! {}, content(&lines)));
            let page_id = document.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => stream,
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            });
            if page == 1 {
                marks.push((title.to_string(), page_id));
                bookmarks.push((
                    title.to_string(),
                    u32::try_from(kids.len() + 1).unwrap_or(1),
                ));
            }
            kids.push(Object::Reference(page_id));
        }
    }
    let count = i64::try_from(kids.len()).unwrap_or(0);
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    for (title, page_id) in marks {
        document.add_bookmark(Bookmark::new(title, [0.0, 0.0, 0.0], 0, page_id), None);
    }
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    if let Some(outline) = document.build_outline() {
        catalog.set("Outlines", outline);
    }
    let info = document.add_object(dictionary! { "Title" => ucs2_title(case_no) });
    let catalog = document.add_object(catalog);
    document.trailer.set("Root", catalog);
    document.trailer.set("Info", info);
    let mut bytes = Vec::new();
    document.save_to(&mut bytes)?;
    let checked = Checked {
        media_type: MediaType::Pdf,
        pages: u32::try_from(count).unwrap_or(0),
        bookmarks,
    };
    Ok((bytes, checked))
}

/// The document title (UTF-16BE with its byte-order mark, as PDF text strings are).
fn ucs2_title(case_no: &str) -> Object {
    let Object::String(mut bytes, format) = ucs2(case_no) else {
        return Object::Null;
    };
    bytes.splice(0..0, [0xFE, 0xFF]);
    Object::String(bytes, format)
}

/// A small greyscale PNG: a scanned 送达回证 stands in as one page.
fn receipt_png() -> Vec<u8> {
    let mut bytes =
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55"
            .to_vec();
    bytes.extend_from_slice(
        b"\0\0\0\x0aIDAT\x78\x9c\x63\xf8\x0f\x00\x01\x01\x01\x00\x1b\xb6\xee\x56",
    );
    bytes.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    bytes
}

/// Attaches generated electronic case files to the registry cases closed between `start` and
/// `end` (the demo round's period), as the administrator `admin` would; returns how many.
pub fn attach_quarter(
    conn: &mut DbConn,
    actor: &Actor,
    start: NaiveDate,
    end: NaiveDate,
    now: NaiveDateTime,
) -> storage::Result<usize> {
    let started = std::time::Instant::now();
    let cases = storage::ecf::closed_between(conn, start, end)?;
    let account = crate::app::ecf::operator(actor);
    let caller = Caller {
        actor,
        account: &account,
    };
    let corrupt = |what: String| storage::Error::Corrupt(what);
    for (index, case) in cases.iter().enumerate() {
        let file: CaseFileId = storage::parse_id(&case.row.id)?;
        let (pdf, checked) = case_pdf(&case.row.case_no, index, case.closed_at)
            .map_err(|error| corrupt(error.to_string()))?;
        let mut documents = vec![(format!("{}.pdf", case.row.case_no), pdf, checked)];
        if index % 3 == 0 {
            let receipt = Checked {
                media_type: MediaType::Png,
                pages: 1,
                bookmarks: Vec::new(),
            };
            documents.push(("送达回证.png".to_string(), receipt_png(), receipt));
        }
        for (name, bytes, checked) in documents {
            let size = bytes.len() as u64;
            let sha256 = crate::security::sha256_hex(&bytes);
            crate::app::ecf::add_document(
                conn,
                caller,
                NewUpload {
                    file,
                    name: &name,
                    checked: &checked,
                    sha256: &sha256,
                    size,
                    content: &mut std::io::Cursor::new(&bytes),
                },
                now,
            )
            .map_err(|error| match error {
                crate::app::ecf::Error::Storage(error) => error,
                other => corrupt(other.to_string()),
            })?;
        }
    }
    tracing::info!(
        files = cases.len(),
        elapsed_ms = started.elapsed().as_millis(),
        "demo electronic case files generated"
    );
    Ok(cases.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_file_is_a_checked_pdf_with_its_bookmarks() {
        let date = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap_or_default();
        let check = crate::import::ecf::check;
        let Ok((bytes, known)) = case_pdf("(2025)宁兴法援民字第1号", 0, date) else {
            panic!("demo PDF not made");
        };
        // What the demo states of its file is what a check of the bytes finds.
        let checked = check(&mut std::io::Cursor::new(&bytes), bytes.len() as u64);
        assert_eq!(
            checked
                .map(|found| (found.pages, found.bookmarks.len()))
                .ok(),
            Some((known.pages, known.bookmarks.len()))
        );
        assert_eq!(known.pages, 17);
        assert_eq!(known.bookmarks.len(), 10);
        let Ok((_, fewer)) = case_pdf("x", 4, date) else {
            panic!("demo PDF not made");
        };
        assert_eq!(fewer.pages, 16);
        let png = receipt_png();
        assert!(check(&mut std::io::Cursor::new(&png), png.len() as u64).is_ok());
    }
}
