//! Issuing a document: derive its verification code (核验码) from its data with the server's
//! `DocumentCodes` key, print the code in the PDF's footer, and record the issue (code, kind,
//! subject, SHA-256 of the bytes, size, pages, when and by whom) in `issued_documents`.
//! Every PDF download and `pingcha pdf` goes through [`issue`]; the public page `/verify`
//! reads the record back.

use crate::document_data::SheetSelection;
use crate::documents::{self, Document, Fonts};
use crate::domain::ids::{RoundId, UnitId};
use crate::domain::verification_code;
use crate::storage::audit::Actor;
use crate::storage::issued::{self, IssuedDocument};
use crate::storage::server_keys::{self, Purpose};
use crate::storage::{self, DbConn};

/// What a batch of score sheets is about.
pub fn sheets_subject(round: RoundId, selection: SheetSelection) -> String {
    match selection {
        SheetSelection::Round => format!("round:{round}/sheets"),
        SheetSelection::Unit(unit) => format!("round:{round}/unit:{unit}/sheets"),
        SheetSelection::File(file) => format!("round:{round}/file:{file}/sheets"),
    }
}

/// What a unit's feedback report is about.
pub fn feedback_subject(round: RoundId, unit: UnitId) -> String {
    format!("round:{round}/unit:{unit}/feedback")
}

/// What a round's leadership report is about.
pub fn report_subject(round: RoundId) -> String {
    format!("round:{round}/report")
}

/// What a rectification notice is about.
pub fn notice_subject(notice: impl std::fmt::Display) -> String {
    format!("notice:{notice}")
}

/// Who issued a document from the command line, as `/verify` shows it.
pub fn cli_issuer(conn: &mut DbConn) -> Result<String, IssueError> {
    Ok(format!(
        "{}（命令行）",
        crate::document_data::bureau_name(conn)?
    ))
}

/// What can go wrong while issuing.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error(transparent)]
    Storage(#[from] storage::Error),
    #[error(transparent)]
    Document(#[from] documents::Error),
}

/// An issued PDF and its record.
#[derive(Debug, Clone)]
pub struct Issued {
    pub bytes: Vec<u8>,
    pub record: IssuedDocument,
}

/// The verification code `document` about `subject` gets (the same data, the same code).
pub fn code_for(
    conn: &mut DbConn,
    document: &Document<'_>,
    subject: &str,
) -> Result<String, IssueError> {
    let key = server_keys::key(conn, Purpose::DocumentCodes, storage::now())?;
    let data = verification_code::data_digest(&document.canonical_data()?);
    Ok(verification_code::derive(
        &key,
        document.kind(),
        subject,
        &data,
    ))
}

/// Makes the PDF with its code in the footer and records the issue (idempotent per code).
/// `issuer` is what `/verify` will say issued it, e.g. 银川市司法局（管理员）.
pub fn issue(
    conn: &mut DbConn,
    document: Document<'_>,
    subject: &str,
    fonts: &Fonts,
    actor: &Actor,
    issuer: &str,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Issued, IssueError> {
    let code = code_for(conn, &document, subject)?;
    let bytes = document.render(fonts, Some(&code), progress)?;
    let pages = lopdf::Document::load_mem(&bytes)
        .map(|pdf| pdf.get_pages().len())
        .unwrap_or(0);
    let record = issued::record(
        conn,
        actor,
        &IssuedDocument {
            code,
            kind: document.kind().to_string(),
            subject: subject.to_string(),
            sha256: crate::security::sha256_hex(&bytes),
            size_bytes: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            pages: i32::try_from(pages).unwrap_or(i32::MAX),
            issued_at: storage::now(),
            issued_by: actor.user_id.map(|id| id.to_string()),
            issuer: issuer.to_string(),
        },
    )?;
    Ok(Issued { bytes, record })
}
