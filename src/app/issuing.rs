//! Issuing a document: derive its verification code (核验码) from its data with the server's
//! `DocumentCodes` key, print the code in the PDF's footer, and record the issue (code, kind,
//! subject, SHA-256 of the bytes, the bytes themselves, size, pages, when and by whom) in
//! `issued_documents`. Every PDF download and `pingcha pdf` goes through [`issue`]; the public
//! page `/verify` reads the record back.
//!
//! What was issued is never made again: a document whose code is already recorded is served
//! from its stored bytes, so a later change of fonts or layout cannot make an issued PDF
//! differ from its record. A rectification notice is issued by [`issue_notice`]: numbered,
//! made and stored in one transaction, or not at all.

use crate::app::document_data::{DataError, SheetSelection};
use crate::documents::{self, Document, Fonts};
use crate::domain::ids::{NoticeId, RoundId, UnitId};
use crate::domain::verification_code;
use crate::storage::audit::Actor;
use crate::storage::issued::{self, IssuedDocument};
use crate::storage::rectification::{self, ActError, Caller, Notice};
use crate::storage::server_keys::{self, Purpose};
use crate::storage::{self, DbConn};
use chrono::{NaiveDate, NaiveDateTime};

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

/// Who asks for a document, as `/verify` will name its issuer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    /// A signed-in account of this role: 银川市司法局（管理员）.
    Role(crate::domain::people::Role),
    /// The command line: 银川市司法局（命令行）.
    CommandLine,
}

/// The issuer's name as `/verify` shows it: the bureau's name ([`crate::app::bureau::name`])
/// and who asked.
pub fn issuer_name(conn: &mut DbConn, issuer: Issuer) -> Result<String, storage::Error> {
    let bureau = crate::app::bureau::name(conn)?;
    Ok(match issuer {
        Issuer::Role(role) => format!("{bureau}（{}）", role.label()),
        Issuer::CommandLine => format!("{bureau}（命令行）"),
    })
}

/// Who issued a document from the command line, as `/verify` shows it.
pub fn cli_issuer(conn: &mut DbConn) -> Result<String, IssueError> {
    Ok(issuer_name(conn, Issuer::CommandLine)?)
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

/// Makes the PDF with its code in the footer and records the issue, or, when a document with
/// the same code was issued before, returns the bytes stored then (nothing is made again).
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
    if let Some(record) = issued::find(conn, &code)?
        && let Some(bytes) = issued::content(conn, &code)?
    {
        return Ok(Issued { bytes, record });
    }
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
        &bytes,
    )?;
    // The first issue wins: bytes stored by a concurrent issue of the same document are the
    // ones its record describes. A record from before bytes were kept keeps these bytes when
    // they are exactly the ones first issued.
    let bytes = match issued::content(conn, &record.code)? {
        Some(stored) => stored,
        None => {
            issued::keep_content(conn, &record.code, &bytes)?;
            bytes
        }
    };
    Ok(Issued { bytes, record })
}

/// Why a notice was not issued.
#[derive(Debug, thiserror::Error)]
pub enum NoticeIssueError {
    /// Refused by the notice's rules (state, role, number format, dates).
    #[error(transparent)]
    Act(#[from] ActError),
    /// The notice's data could not be read into the document.
    #[error("整改通知书无法生成，未下发、未编号：{0}")]
    Data(#[from] DataError),
    /// The PDF could not be made (e.g. a character no font has): nothing was numbered.
    #[error("整改通知书无法生成，未下发、未编号：{0}")]
    Document(#[from] documents::Error),
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

impl From<diesel::result::Error> for NoticeIssueError {
    fn from(error: diesel::result::Error) -> Self {
        NoticeIssueError::Storage(error.into())
    }
}

impl From<IssueError> for NoticeIssueError {
    fn from(error: IssueError) -> Self {
        match error {
            IssueError::Storage(error) => NoticeIssueError::Storage(error),
            IssueError::Document(error) => NoticeIssueError::Document(error),
        }
    }
}

/// 下发: in one transaction, numbers the notice (`storage::rectification::issue`: state
/// checks, the number from the bureau's sequence, deadline, findings issued, the unit told),
/// makes its PDF from the data as it is at that moment, stores the exact bytes and ties them
/// to the notice. If the PDF cannot be made, nothing is kept: the notice stays a draft and
/// the number is not used.
#[allow(clippy::too_many_arguments)]
pub fn issue_notice(
    conn: &mut DbConn,
    caller: &Caller,
    notice_id: NoticeId,
    days: u32,
    today: NaiveDate,
    now: NaiveDateTime,
    fonts: &Fonts,
    issuer: &str,
) -> Result<(Notice, Issued), NoticeIssueError> {
    storage::transaction(conn, |conn| {
        let numbered = rectification::issue(conn, caller, notice_id, days, today, now)?;
        let view = crate::app::document_data::notice(conn, &numbered)?;
        let issued = issue(
            conn,
            Document::Notice(&view),
            &notice_subject(notice_id),
            fonts,
            &caller.actor,
            issuer,
            &mut |_, _| {},
        )?;
        rectification::set_issued_code(conn, &caller.actor, notice_id, &issued.record.code, now)?;
        Ok((numbered, issued))
    })
}

/// 更正: after an objection changed findings of an issued notice, the notice is issued again
/// as a new document — a new number from the bureau's sequence, today's date, 「（更正）」 in
/// the title, a first line naming the number it replaces, its own 核验码 — and the version
/// issued before stays stored exactly as it was, marked as superseded by the new code (what
/// `/verify` tells whoever checks the old one). One transaction: all of it or nothing.
///
/// Why a new number rather than the same one: a 文号 identifies one document in the bureau's
/// register (GB/T 9704 §7.2.4), and the unit already holds and may have filed a document
/// under the old number; a bureau corrects an issued 公文 by issuing a new one that says what
/// it replaces, never by changing the old under its number and date.
pub fn correct_notice(
    conn: &mut DbConn,
    caller: &Caller,
    notice_id: NoticeId,
    today: NaiveDate,
    now: NaiveDateTime,
    fonts: &Fonts,
    issuer: &str,
) -> Result<(Notice, Issued), NoticeIssueError> {
    storage::transaction(conn, |conn| {
        let old_code = rectification::issued_code(conn, notice_id)?;
        let (renumbered, _old_number) =
            rectification::renumber(conn, caller, notice_id, today, now)?;
        let view = crate::app::document_data::notice(conn, &renumbered)?;
        let issued = issue(
            conn,
            Document::Notice(&view),
            &notice_subject(notice_id),
            fonts,
            &caller.actor,
            issuer,
            &mut |_, _| {},
        )?;
        rectification::set_issued_code(conn, &caller.actor, notice_id, &issued.record.code, now)?;
        if let Some(old_code) = old_code {
            issued::supersede(conn, &caller.actor, &old_code, &issued.record.code, now)?;
        }
        Ok((renumbered, issued))
    })
}
