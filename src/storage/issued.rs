//! Issued documents (`issued_documents`): every PDF the system hands out, by its verification
//! code (核验码), with the SHA-256 of its bytes and when and by whom it was first made. The
//! code is derived from the document's data, so issuing the same data again finds the same
//! row; changed data gives a new code and a new row.

use crate::storage::audit::{self, Actor, Change};
use crate::storage::schema::issued_documents;
use crate::storage::{DbConn, Result, transaction};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// One issued document.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable, Serialize)]
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

/// Records `document` unless its code is already recorded; returns the stored row (the
/// first issue wins, so its time and issuer stay). A new row gets its audit entry.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    document: &IssuedDocument,
) -> Result<IssuedDocument> {
    transaction(conn, |conn| {
        // diesel's MultiConnection cannot express ON CONFLICT, so the statement is built
        // once per concrete connection (as for server keys).
        macro_rules! insert_or_ignore {
            ($conn:expr) => {
                diesel::insert_into(issued_documents::table)
                    .values(document)
                    .on_conflict_do_nothing()
                    .execute($conn)
            };
        }
        let inserted = match conn {
            DbConn::Pg(pg) => insert_or_ignore!(pg),
            DbConn::Sqlite(sqlite) => insert_or_ignore!(sqlite),
        }?;
        if inserted > 0 {
            audit::record(
                conn,
                actor,
                Change {
                    action: "document.issue",
                    entity_type: "document",
                    entity_id: Some(document.code.clone()),
                    before: None,
                    after: Some(serde_json::json!({
                        "kind": document.kind,
                        "subject": document.subject,
                        "sha256": document.sha256,
                        "size_bytes": document.size_bytes,
                        "pages": document.pages,
                    })),
                },
                document.issued_at,
            )?;
        }
        Ok(issued_documents::table.find(&document.code).first(conn)?)
    })
}

/// The document issued under `code` (canonical form), if any.
pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<IssuedDocument>> {
    Ok(issued_documents::table.find(code).first(conn).optional()?)
}
