//! Use cases of the electronic case file (电子卷宗): who may read and who may add to a file's
//! documents, adding a checked document (bytes into the blob store, the document, catalogue
//! entries from its bookmarks and the audit entry in one transaction), the manifest the viewer
//! reads, audited views, the catalogue and the bureau's document kinds.
//!
//! Access follows the file: the reviewers placed on it and its team leader in the round's
//! published assignment (`Assignment::leader_of_file`), the manager of its unit, the
//! administrator and leadership. Everyone else is refused; a blind round hides reviewers,
//! not the file.

use crate::domain::ecf::{
    self, CatalogueEntry, CatalogueError, DocumentKind, MAX_DOCUMENTS, MediaType,
};
use crate::domain::ids::{CaseFileId, EcfDocumentId, RoundId};
use crate::domain::people::{Account, Role};
use crate::import::ecf::Checked;
use crate::storage::audit::{self, Actor, Change};
use crate::storage::ecf::{CaseRow, DocumentRow, NewDocument};
use crate::storage::{self, DbConn, assignments, blobs, transaction};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;
use std::io::Read;

/// Why a use case refused.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the file has no electronic case file")]
    NoDocuments,
    #[error("too many documents")]
    TooManyDocuments,
    #[error("catalogue: {0}")]
    Catalogue(#[from] CatalogueError),
    #[error(transparent)]
    Storage(#[from] storage::Error),
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Self {
        Error::Storage(error.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who calls.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub actor: &'a Actor,
    pub account: &'a Account,
}

/// The administrator's rights for work done at the command line or by the demo loader
/// (`actor` names who in the audit log).
pub fn operator(actor: &Actor) -> Account {
    Account {
        id: crate::domain::ids::UserId::from_uuid(uuid::Uuid::nil()),
        login: actor.login.clone(),
        display_name: actor.login.clone(),
        role: Role::BureauAdmin,
        unit_id: None,
        person_id: None,
        active: true,
    }
}

/// Whether the account reviews `file` in `round` or leads its team there.
fn reviews_in_round(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
    file: CaseFileId,
) -> Result<bool> {
    let Some(person) = account.person_id else {
        return Ok(false);
    };
    let Some(assignment) = assignments::published_assignment(conn, round)? else {
        return Ok(false);
    };
    let placed = assignment
        .placement(file)
        .is_some_and(|placement| placement.reviewers.contains(&person));
    Ok(placed || assignment.leads_file(person, file))
}

/// The file's registry facts, when `account` may read its electronic case file in `round`.
pub fn readable_in_round(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
    file: CaseFileId,
) -> Result<CaseRow> {
    let case = storage::ecf::case(conn, file)?.ok_or(Error::NotFound)?;
    if !storage::ecf::in_sample(conn, round, file)? {
        return Err(Error::NotFound);
    }
    let allowed = match account.role {
        Role::BureauAdmin | Role::Leader => true,
        Role::CenterManager => account.unit_id == Some(case.unit()?),
        Role::Reviewer => reviews_in_round(conn, account, round, file)?,
    };
    if allowed {
        Ok(case)
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether `account` may read `file`'s documents outside a round's page (the content route):
/// as in [`readable_in_round`] for any round whose sample holds the file.
fn readable(conn: &mut DbConn, account: &Account, case: &CaseRow) -> Result<bool> {
    Ok(match account.role {
        Role::BureauAdmin | Role::Leader => true,
        Role::CenterManager => account.unit_id == Some(case.unit()?),
        Role::Reviewer => {
            let file: CaseFileId = storage::parse_id(&case.id)?;
            let mut any = false;
            for round in storage::ecf::rounds_of(conn, file)? {
                if reviews_in_round(conn, account, round, file)? {
                    any = true;
                    break;
                }
            }
            any
        }
    })
}

/// Whether `account` may add to, order or correct the file's electronic case file: the
/// administrator, and the manager of the file's unit.
pub fn may_edit(account: &Account, case: &CaseRow) -> Result<bool> {
    Ok(match account.role {
        Role::BureauAdmin => true,
        Role::CenterManager => account.unit_id == Some(case.unit()?),
        Role::Reviewer | Role::Leader => false,
    })
}

/// A document as the viewer reads it.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestDocument {
    pub id: String,
    pub name: String,
    pub media_type: String,
    pub pages: u32,
    pub first_page: u32,
    pub size: u64,
    pub url: String,
}

/// The electronic case file of one registry case, as `GET …/case-file` answers it.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub file: String,
    pub case_number: String,
    pub pages: u32,
    pub documents: Vec<ManifestDocument>,
    pub catalogue: Vec<CatalogueEntry>,
    pub watermark: String,
}

/// The content route of a document.
pub fn content_url(document: &str) -> String {
    format!("/case-files/documents/{document}/content")
}

fn page_count(row: &DocumentRow) -> u32 {
    u32::try_from(row.pages).unwrap_or(0)
}

/// The documents of a file with their first pages, in order.
pub fn listed_documents(rows: &[DocumentRow]) -> Vec<ManifestDocument> {
    let counts: Vec<u32> = rows.iter().map(page_count).collect();
    rows.iter()
        .zip(ecf::first_pages(&counts))
        .map(|(row, first_page)| ManifestDocument {
            id: row.id.clone(),
            name: row.name.clone(),
            media_type: row.media_type.clone(),
            pages: page_count(row),
            first_page,
            size: u64::try_from(row.size_bytes).unwrap_or(0),
            url: content_url(&row.id),
        })
        .collect()
}

/// What a viewer's watermark names besides the person and the time: their unit (or the
/// bureau for accounts without one).
pub fn unit_name_of(conn: &mut DbConn, account: &Account) -> Result<String> {
    let unit = match (account.unit_id, account.person_id) {
        (Some(unit), _) => Some(unit),
        (None, Some(person)) => storage::people::unit_of(conn, person).ok(),
        (None, None) => None,
    };
    match unit {
        Some(unit) => Ok(storage::units::find(conn, crate::domain::UnitScope::All, unit)?.name),
        None => Ok(crate::app::bureau::name(conn)?),
    }
}

/// The manifest of `file` in `round` for `account`; `watermark` is the line the viewer draws
/// on every page (made by the caller from [`unit_name_of`] and the time).
pub fn manifest(
    conn: &mut DbConn,
    account: &Account,
    round: RoundId,
    file: CaseFileId,
    watermark: impl FnOnce(&str) -> String,
) -> Result<Manifest> {
    let case = readable_in_round(conn, account, round, file)?;
    let rows = storage::ecf::documents(conn, file)?;
    if rows.is_empty() {
        return Err(Error::NoDocuments);
    }
    let documents = listed_documents(&rows);
    let pages = ecf::total_pages(&documents.iter().map(|doc| doc.pages).collect::<Vec<_>>());
    let catalogue = storage::ecf::catalogue(conn, file)?;
    let unit = unit_name_of(conn, account)?;
    Ok(Manifest {
        file: file.to_string(),
        case_number: case.case_no,
        pages,
        documents,
        catalogue,
        watermark: watermark(&unit),
    })
}

/// A document to serve: its row and stored content, when `account` may read it. A view
/// from the start (`audit_view`) is recorded.
pub fn document_for_reading(
    conn: &mut DbConn,
    caller: Caller<'_>,
    id: EcfDocumentId,
    audit_view: bool,
    now: NaiveDateTime,
) -> Result<(DocumentRow, blobs::BlobMeta)> {
    let row = storage::ecf::document(conn, id)?.ok_or(Error::NotFound)?;
    let file: CaseFileId = storage::parse_id(&row.case_file_id)?;
    let case = storage::ecf::case(conn, file)?.ok_or(Error::NotFound)?;
    if !readable(conn, caller.account, &case)? {
        return Err(Error::Forbidden);
    }
    let blob = blobs::meta(conn, &row.sha256)?.ok_or(Error::NotFound)?;
    if audit_view {
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "ecf.view",
                entity_type: "ecf_document",
                entity_id: Some(row.id.clone()),
                before: None,
                after: Some(json!({ "case_file": row.case_file_id, "sha256": row.sha256 })),
            },
            now,
        )?;
    }
    Ok((row, blob))
}

/// A checked document to add, its bytes readable from `content` (a spool file).
pub struct NewUpload<'a> {
    pub file: CaseFileId,
    pub name: &'a str,
    pub checked: &'a Checked,
    pub sha256: &'a str,
    pub size: u64,
    pub content: &'a mut dyn Read,
}

/// What adding a document did.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub id: String,
    pub pages: u32,
    pub first_page: u32,
    /// False when the same bytes were already stored (deduplicated).
    pub stored_new: bool,
    pub catalogue_entries: usize,
}

/// Adds a checked document at the end of the file's electronic case file, in one
/// transaction: the bytes (unless already stored), the document, catalogue entries from its
/// bookmarks, the audit entry.
pub fn add_document(
    conn: &mut DbConn,
    caller: Caller<'_>,
    upload: NewUpload<'_>,
    now: NaiveDateTime,
) -> Result<Added> {
    transaction(conn, |conn| {
        let case = storage::ecf::case(conn, upload.file)?.ok_or(Error::NotFound)?;
        if !may_edit(caller.account, &case)? {
            return Err(Error::Forbidden);
        }
        let existing = storage::ecf::documents(conn, upload.file)?;
        if existing.len() >= MAX_DOCUMENTS {
            return Err(Error::TooManyDocuments);
        }
        let stored_new = blobs::store(
            conn,
            upload.sha256,
            upload.size,
            ecf::CHUNK_BYTES,
            upload.content,
            now,
        )?;
        let id = EcfDocumentId::from_uuid(storage::new_id());
        let first_page = ecf::total_pages(&existing.iter().map(page_count).collect::<Vec<_>>()) + 1;
        storage::ecf::insert_document(
            conn,
            &NewDocument {
                id,
                case_file: upload.file,
                name: upload.name,
                media_type: upload.checked.media_type.mime(),
                pages: upload.checked.pages,
                size_bytes: upload.size,
                sha256: upload.sha256,
                uploaded_by: &caller.account.login,
                uploaded_at: now,
            },
        )?;
        let mut added_entries = 0;
        if !upload.checked.bookmarks.is_empty() {
            let kinds = storage::ecf::kinds(conn)?;
            let mut catalogue = storage::ecf::catalogue(conn, upload.file)?;
            let next_seq = catalogue.iter().map(|entry| entry.seq).max().unwrap_or(0) + 1;
            let marks: Vec<(String, u32)> = upload
                .checked
                .bookmarks
                .iter()
                .map(|(title, page)| (title.clone(), page + first_page - 1))
                .collect();
            let last_page = first_page + upload.checked.pages - 1;
            let entries = ecf::catalogue_from_bookmarks(&marks, last_page, next_seq, &kinds);
            added_entries = entries.len();
            catalogue.extend(entries);
            ecf::check_catalogue(&catalogue, last_page, &kinds)?;
            storage::ecf::replace_catalogue(conn, upload.file, &catalogue)?;
        }
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "ecf.upload",
                entity_type: "ecf_document",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(json!({
                    "case_file": upload.file.to_string(),
                    "name": upload.name,
                    "media_type": upload.checked.media_type.mime(),
                    "pages": upload.checked.pages,
                    "size": upload.size,
                    "sha256": upload.sha256,
                    "stored_new": stored_new,
                })),
            },
            now,
        )?;
        Ok(Added {
            id: id.to_string(),
            pages: upload.checked.pages,
            first_page,
            stored_new,
            catalogue_entries: added_entries,
        })
    })
}

/// Removes a document from the file (the administrator or the unit's manager).
pub fn remove_document(
    conn: &mut DbConn,
    caller: Caller<'_>,
    file: CaseFileId,
    id: EcfDocumentId,
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let case = storage::ecf::case(conn, file)?.ok_or(Error::NotFound)?;
        if !may_edit(caller.account, &case)? {
            return Err(Error::Forbidden);
        }
        let row = storage::ecf::document(conn, id)?.ok_or(Error::NotFound)?;
        if row.case_file_id != file.to_string() {
            return Err(Error::NotFound);
        }
        storage::ecf::delete_document(conn, id)?;
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "ecf.remove",
                entity_type: "ecf_document",
                entity_id: Some(row.id.clone()),
                before: Some(
                    json!({ "case_file": row.case_file_id, "name": row.name, "sha256": row.sha256 }),
                ),
                after: None,
            },
            now,
        )?;
        Ok(())
    })
}

/// Replaces the file's catalogue after checking it against its pages and the kinds list.
pub fn save_catalogue(
    conn: &mut DbConn,
    caller: Caller<'_>,
    file: CaseFileId,
    entries: &[CatalogueEntry],
    now: NaiveDateTime,
) -> Result<()> {
    transaction(conn, |conn| {
        let case = storage::ecf::case(conn, file)?.ok_or(Error::NotFound)?;
        if !may_edit(caller.account, &case)? {
            return Err(Error::Forbidden);
        }
        let rows = storage::ecf::documents(conn, file)?;
        let total = ecf::total_pages(&rows.iter().map(page_count).collect::<Vec<_>>());
        let kinds = storage::ecf::kinds(conn)?;
        ecf::check_catalogue(entries, total, &kinds)?;
        let before = storage::ecf::catalogue(conn, file)?;
        storage::ecf::replace_catalogue(conn, file, entries)?;
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "ecf.catalogue",
                entity_type: "case_file",
                entity_id: Some(file.to_string()),
                before: Some(json!({ "entries": before.len() })),
                after: Some(json!({ "entries": entries.len() })),
            },
            now,
        )?;
        Ok(())
    })
}

/// The kinds of documents a file holds, by its catalogue (for rule checks).
pub fn kinds_present(
    conn: &mut DbConn,
    file: CaseFileId,
) -> Result<std::collections::BTreeSet<String>> {
    Ok(ecf::kinds_present(&storage::ecf::catalogue(conn, file)?))
}

/// The bureau's document kinds.
pub fn kinds(conn: &mut DbConn) -> Result<Vec<DocumentKind>> {
    Ok(storage::ecf::kinds(conn)?)
}

/// The media type a stored document row names.
pub fn media_type(row: &DocumentRow) -> Option<MediaType> {
    MediaType::from_mime(&row.media_type)
}

/// A sampled file of a round and its electronic case file, for the round's overview.
#[derive(Debug, Clone, Serialize)]
pub struct FileStatus {
    pub file: String,
    pub case_number: String,
    pub unit_id: String,
    pub unit_name: String,
    pub documents: usize,
    pub pages: u32,
}

/// The round's sampled files the caller's scope shows, each with its documents and pages.
pub fn round_overview(
    conn: &mut DbConn,
    scope: crate::domain::UnitScope,
    round: RoundId,
) -> Result<Vec<FileStatus>> {
    let cases = storage::ecf::sampled_cases(conn, round)?;
    let units = storage::units::list(conn, crate::domain::UnitScope::All)?;
    let mut statuses = Vec::new();
    for case in cases {
        let unit = case.unit()?;
        if !scope.allows(unit) {
            continue;
        }
        let file: CaseFileId = storage::parse_id(&case.id)?;
        let rows = storage::ecf::documents(conn, file)?;
        statuses.push(FileStatus {
            file: case.id.clone(),
            unit_name: units
                .iter()
                .find(|known| known.id == unit)
                .map(|known| known.name.clone())
                .unwrap_or_default(),
            unit_id: case.unit_id,
            case_number: case.case_no,
            documents: rows.len(),
            pages: ecf::total_pages(&rows.iter().map(page_count).collect::<Vec<_>>()),
        });
    }
    Ok(statuses)
}

/// Tells each unit's managers which of their sampled files still lack an electronic case
/// file (one message per unit, listing the 案号); returns the units told.
pub fn remind_missing(
    conn: &mut DbConn,
    caller: Caller<'_>,
    round: RoundId,
    message: impl Fn(&str, &[String]) -> String,
    now: NaiveDateTime,
) -> Result<usize> {
    if caller.account.role != Role::BureauAdmin {
        return Err(Error::Forbidden);
    }
    transaction(conn, |conn| {
        let round_name = storage::rounds::find(conn, round)?.settings.name;
        let statuses = round_overview(conn, crate::domain::UnitScope::All, round)?;
        let mut units: Vec<&str> = statuses
            .iter()
            .filter(|status| status.documents == 0)
            .map(|status| status.unit_id.as_str())
            .collect();
        units.sort_unstable();
        units.dedup();
        for unit in &units {
            let numbers: Vec<String> = statuses
                .iter()
                .filter(|status| status.documents == 0 && status.unit_id == *unit)
                .map(|status| status.case_number.clone())
                .collect();
            storage::notifications::notify_about(
                conn,
                storage::notifications::Audience::Unit(storage::parse_id(unit)?),
                storage::notifications::Kind::CaseFilesMissing,
                storage::notifications::Target::Nothing,
                &message(&round_name, &numbers),
                now,
            )?;
        }
        audit::record(
            conn,
            caller.actor,
            Change {
                action: "ecf.remind",
                entity_type: "review_round",
                entity_id: Some(round.to_string()),
                before: None,
                after: Some(json!({ "units": units.len() })),
            },
            now,
        )?;
        Ok(units.len())
    })
}
