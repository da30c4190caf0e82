//! Issued documents (`issued_documents`): every PDF the system hands out, by its verification
//! code (核验码), with the SHA-256 of its bytes, the bytes themselves (what was issued is
//! served again, never made again), when and by whom it was first made, and the audit chain's
//! head at that moment (an anchor `audit::verify` compares). The code is derived from the
//! document's data, so issuing the same data again finds the same row; changed data gives a
//! new code and a new row.

use crate::storage::audit::{self, Actor, Change};
use crate::storage::schema::issued_documents;
use crate::storage::{DbConn, Result, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// One issued document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = issued_documents)]
pub struct IssuedDocument {
    /// XXXX-XXXX-XXXX (see `domain::verification_code`).
    pub code: String,
    /// score_sheets, feedback, notice, leadership_report
    pub kind: String,
    /// What it is about, e.g. `round:ID/unit:ID`; never shown publicly.
    pub subject: String,
    /// Lower-case hex SHA-256 of the PDF bytes.
    pub sha256: String,
    pub size_bytes: i64,
    pub pages: i32,
    pub issued_at: NaiveDateTime,
    /// The account that first made it (none from the command line).
    pub issued_by: Option<String>,
    /// Who issued it, as the verification page may say: the bureau and the role.
    pub issuer: String,
}

/// Records `document` with its exact `content` unless its code is already recorded; returns
/// the stored row (the first issue wins, so its time, issuer and bytes stay). A new row gets
/// its audit entry and the chain's head before it as its anchor.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    document: &IssuedDocument,
    content: &[u8],
) -> Result<IssuedDocument> {
    transaction(conn, |conn| {
        let (chain_seq, chain_hash) = audit::recorded_head(conn)?;
        let row = (
            document.clone(),
            issued_documents::content.eq(Some(content)),
            issued_documents::chain_seq.eq(Some(chain_seq)),
            issued_documents::chain_hash.eq(Some(chain_hash)),
        );
        // diesel's MultiConnection cannot express ON CONFLICT, so the statement is built
        // once per concrete connection (as for server keys).
        macro_rules! insert_or_ignore {
            ($conn:expr) => {
                diesel::insert_into(issued_documents::table)
                    .values(&row)
                    .on_conflict_do_nothing()
                    .execute($conn)
            };
        }
        let inserted = match conn {
            DbConn::Pg(pg) => insert_or_ignore!(pg),
            DbConn::Sqlite(sqlite) => insert_or_ignore!(sqlite),
        }?;
        if inserted > 0 {
            Change::of("document.issue", "document", &document.code)
                .after(serde_json::json!({
                    "kind": document.kind,
                    "subject": document.subject,
                    "sha256": document.sha256,
                    "size_bytes": document.size_bytes,
                    "pages": document.pages,
                }))
                .record(conn, actor, document.issued_at)?;
        }
        Ok(issued_documents::table
            .find(&document.code)
            .select(IssuedDocument::as_select())
            .first(conn)?)
    })
}

/// The document issued under `code` (canonical form), if any.
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<IssuedDocument>> {
    Ok(issued_documents::table
        .find(code)
        .select(IssuedDocument::as_select())
        .first(conn)
        .optional()?)
}

/// The exact bytes issued under `code`; `None` for an unknown code or a document recorded
/// before the bytes were kept. Bytes that no longer give the recorded SHA-256 (changed in the
/// database) are refused, never handed out.
pub fn content(conn: &mut DbConn, code: &str) -> Result<Option<Vec<u8>>> {
    let stored: Option<(String, Option<Vec<u8>>)> = issued_documents::table
        .find(code)
        .select((issued_documents::sha256, issued_documents::content))
        .first(conn)
        .optional()?;
    match stored {
        Some((sha256, Some(bytes))) => {
            if crate::security::sha256_hex(&bytes) != sha256 {
                return Err(crate::storage::Error::Corrupt(format!(
                    "the stored bytes of issued document {code} do not match its SHA-256"
                )));
            }
            Ok(Some(bytes))
        }
        _ => Ok(None),
    }
}

/// Keeps the bytes of a document recorded before bytes were kept, once they are made again
/// exactly as first issued (same SHA-256); anything else is left as it is.
pub fn keep_content(conn: &mut DbConn, code: &str, content: &[u8]) -> Result<()> {
    diesel::update(
        issued_documents::table
            .find(code)
            .filter(issued_documents::content.is_null())
            .filter(issued_documents::sha256.eq(crate::security::sha256_hex(content))),
    )
    .set(issued_documents::content.eq(Some(content)))
    .execute(conn)?;
    Ok(())
}

/// What `audit::verify` checks of an issued document: its record, the SHA-256 of its stored
/// bytes (if kept) and the chain head it recorded.
#[derive(Debug, Clone)]
pub struct Anchor {
    pub code: String,
    pub sha256: String,
    pub content_sha256: Option<String>,
    pub chain_seq: Option<i64>,
    pub chain_hash: Option<String>,
}

/// Every issued document's anchor, reading the stored bytes a batch at a time.
pub fn anchors(conn: &mut DbConn) -> Result<Vec<Anchor>> {
    let heads: Vec<(String, String, Option<i64>, Option<String>)> = issued_documents::table
        .select((
            issued_documents::code,
            issued_documents::sha256,
            issued_documents::chain_seq,
            issued_documents::chain_hash,
        ))
        .order(issued_documents::code.asc())
        .load(conn)?;
    let mut anchors = Vec::with_capacity(heads.len());
    for chunk in heads.chunks(64) {
        let codes: Vec<&str> = chunk.iter().map(|head| head.0.as_str()).collect();
        let contents: std::collections::BTreeMap<String, Option<Vec<u8>>> = issued_documents::table
            .filter(issued_documents::code.eq_any(codes))
            .select((issued_documents::code, issued_documents::content))
            .load::<(String, Option<Vec<u8>>)>(conn)?
            .into_iter()
            .collect();
        for (code, sha256, chain_seq, chain_hash) in chunk {
            let content_sha256 = contents
                .get(code)
                .and_then(Option::as_ref)
                .map(|bytes| crate::security::sha256_hex(bytes));
            anchors.push(Anchor {
                code: code.clone(),
                sha256: sha256.clone(),
                content_sha256,
                chain_seq: *chain_seq,
                chain_hash: chain_hash.clone(),
            });
        }
    }
    Ok(anchors)
}

/// Which document replaced one issued before, and when (a corrected notice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supersession {
    pub by: String,
    pub at: NaiveDateTime,
}

/// Marks the document issued under `old` as replaced by `new` at `at`; the old record and its
/// bytes stay as issued. The first replacement wins; the mark is audited.
pub fn supersede(
    conn: &mut DbConn,
    actor: &Actor,
    old: &str,
    new: &str,
    at: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let marked = diesel::update(
            issued_documents::table
                .find(old)
                .filter(issued_documents::superseded_by.is_null()),
        )
        .set((
            issued_documents::superseded_by.eq(Some(new)),
            issued_documents::superseded_at.eq(Some(at)),
        ))
        .execute(conn)?;
        if marked > 0 {
            audit::record(
                conn,
                actor,
                Change {
                    action: "document.supersede",
                    entity_type: "document",
                    entity_id: Some(old.to_string()),
                    before: None,
                    after: Some(serde_json::json!({ "superseded_by": new })),
                },
                at,
            )?;
        }
        Ok(())
    })
}

/// What replaced the document issued under `code`, if anything did.
pub fn superseded(conn: &mut DbConn, code: &str) -> Result<Option<Supersession>> {
    let row: Option<(Option<String>, Option<NaiveDateTime>)> = issued_documents::table
        .find(code)
        .select((
            issued_documents::superseded_by,
            issued_documents::superseded_at,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((Some(by), Some(at))) => Some(Supersession { by, at }),
        _ => None,
    })
}
