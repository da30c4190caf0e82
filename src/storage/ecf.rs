//! Electronic case files (电子卷宗): the documents of a registry case (bytes in `blobs`), its
//! catalogue and the bureau's document kinds. Queries only; `app::ecf` decides.

use crate::domain::ecf::{CatalogueEntry, DocumentKind};
use crate::domain::ids::{CaseFileId, EcfDocumentId, RoundId, UnitId};
use crate::storage::schema::{
    case_files, ecf_catalogue_entries, ecf_document_kinds, ecf_documents, sample_picks,
};
use crate::storage::{DbConn, Result, parse_id};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A stored document, in its case file's order.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ecf_documents)]
pub struct DocumentRow {
    pub id: String,
    pub case_file_id: String,
    pub position: i32,
    pub name: String,
    pub media_type: String,
    pub pages: i32,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// A document to add at the end of its case file.
pub struct NewDocument<'a> {
    pub id: EcfDocumentId,
    pub case_file: CaseFileId,
    pub name: &'a str,
    pub media_type: &'a str,
    pub pages: u32,
    pub size_bytes: u64,
    pub sha256: &'a str,
    pub uploaded_by: &'a str,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = ecf_documents)]
struct DocumentInsert<'a> {
    id: String,
    case_file_id: String,
    position: i32,
    name: &'a str,
    media_type: &'a str,
    pages: i32,
    size_bytes: i64,
    sha256: &'a str,
    uploaded_by: &'a str,
    uploaded_at: NaiveDateTime,
}

/// The registry facts an electronic case file needs: its unit and 案号.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_files)]
pub struct CaseRow {
    pub id: String,
    pub unit_id: String,
    pub case_no: String,
}

impl CaseRow {
    pub fn unit(&self) -> Result<UnitId> {
        parse_id(&self.unit_id)
    }
}

fn overflow(what: &str) -> crate::storage::Error {
    crate::storage::Error::Corrupt(format!("{what} out of range"))
}

pub fn case(conn: &mut DbConn, file: CaseFileId) -> Result<Option<CaseRow>> {
    Ok(case_files::table
        .find(file.to_string())
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether `file` is in the round's sample.
pub fn in_sample(conn: &mut DbConn, round: RoundId, file: CaseFileId) -> Result<bool> {
    Ok(sample_picks::table
        .filter(sample_picks::round_id.eq(round.to_string()))
        .filter(sample_picks::case_file_id.eq(file.to_string()))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// The rounds whose sample holds `file`.
pub fn rounds_of(conn: &mut DbConn, file: CaseFileId) -> Result<Vec<RoundId>> {
    sample_picks::table
        .filter(sample_picks::case_file_id.eq(file.to_string()))
        .select(sample_picks::round_id)
        .load::<String>(conn)?
        .iter()
        .map(|id| parse_id(id))
        .collect()
}

/// The sampled files of a round: (file, unit, 案号) rows.
pub fn sampled_cases(conn: &mut DbConn, round: RoundId) -> Result<Vec<CaseRow>> {
    Ok(sample_picks::table
        .inner_join(case_files::table)
        .filter(sample_picks::round_id.eq(round.to_string()))
        .select(CaseRow::as_select())
        .order(case_files::case_no)
        .load(conn)?)
}

pub fn documents(conn: &mut DbConn, file: CaseFileId) -> Result<Vec<DocumentRow>> {
    Ok(ecf_documents::table
        .filter(ecf_documents::case_file_id.eq(file.to_string()))
        .order(ecf_documents::position)
        .select(DocumentRow::as_select())
        .load(conn)?)
}

pub fn document(conn: &mut DbConn, id: EcfDocumentId) -> Result<Option<DocumentRow>> {
    Ok(ecf_documents::table
        .find(id.to_string())
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Files among `files` that have at least one document.
pub fn files_with_documents(conn: &mut DbConn, files: &[String]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for batch in files.chunks(500) {
        found.extend(
            ecf_documents::table
                .filter(ecf_documents::case_file_id.eq_any(batch))
                .select(ecf_documents::case_file_id)
                .distinct()
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// Adds a document after the file's last one.
pub fn insert_document(conn: &mut DbConn, new: &NewDocument<'_>) -> Result<()> {
    let last: Option<i32> = ecf_documents::table
        .filter(ecf_documents::case_file_id.eq(new.case_file.to_string()))
        .select(diesel::dsl::max(ecf_documents::position))
        .first(conn)?;
    diesel::insert_into(ecf_documents::table)
        .values(DocumentInsert {
            id: new.id.to_string(),
            case_file_id: new.case_file.to_string(),
            position: last.unwrap_or(0) + 1,
            name: new.name,
            media_type: new.media_type,
            pages: i32::try_from(new.pages).map_err(|_| overflow("pages"))?,
            size_bytes: i64::try_from(new.size_bytes).map_err(|_| overflow("size"))?,
            sha256: new.sha256,
            uploaded_by: new.uploaded_by,
            uploaded_at: new.uploaded_at,
        })
        .execute(conn)?;
    Ok(())
}

/// Removes a document (its bytes stay while any document uses them).
pub fn delete_document(conn: &mut DbConn, id: EcfDocumentId) -> Result<()> {
    diesel::delete(ecf_documents::table.find(id.to_string())).execute(conn)?;
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ecf_catalogue_entries)]
struct EntryRow {
    seq: i32,
    title: String,
    kind: Option<String>,
    entry_date: Option<NaiveDate>,
    from_page: i32,
    to_page: i32,
}

#[derive(Insertable)]
#[diesel(table_name = ecf_catalogue_entries)]
struct EntryInsert<'a> {
    case_file_id: &'a str,
    seq: i32,
    title: &'a str,
    kind: Option<&'a str>,
    entry_date: Option<NaiveDate>,
    from_page: i32,
    to_page: i32,
}

pub fn catalogue(conn: &mut DbConn, file: CaseFileId) -> Result<Vec<CatalogueEntry>> {
    let rows: Vec<EntryRow> = ecf_catalogue_entries::table
        .filter(ecf_catalogue_entries::case_file_id.eq(file.to_string()))
        .order(ecf_catalogue_entries::seq)
        .select(EntryRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            Ok(CatalogueEntry {
                seq: u32::try_from(row.seq).map_err(|_| overflow("seq"))?,
                title: row.title,
                kind: row.kind,
                date: row.entry_date,
                from: u32::try_from(row.from_page).map_err(|_| overflow("page"))?,
                to: u32::try_from(row.to_page).map_err(|_| overflow("page"))?,
            })
        })
        .collect()
}

/// Replaces a file's catalogue (call inside the caller's transaction).
pub fn replace_catalogue(
    conn: &mut DbConn,
    file: CaseFileId,
    entries: &[CatalogueEntry],
) -> Result<()> {
    let id = file.to_string();
    diesel::delete(
        ecf_catalogue_entries::table.filter(ecf_catalogue_entries::case_file_id.eq(&id)),
    )
    .execute(conn)?;
    for entry in entries {
        diesel::insert_into(ecf_catalogue_entries::table)
            .values(EntryInsert {
                case_file_id: &id,
                seq: i32::try_from(entry.seq).map_err(|_| overflow("seq"))?,
                title: &entry.title,
                kind: entry.kind.as_deref(),
                entry_date: entry.date,
                from_page: i32::try_from(entry.from).map_err(|_| overflow("page"))?,
                to_page: i32::try_from(entry.to).map_err(|_| overflow("page"))?,
            })
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ecf_document_kinds)]
struct KindRow {
    name: String,
    keywords: String,
}

/// The bureau's document kinds, in their order.
pub fn kinds(conn: &mut DbConn) -> Result<Vec<DocumentKind>> {
    let rows: Vec<KindRow> = ecf_document_kinds::table
        .order(ecf_document_kinds::position)
        .select(KindRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| DocumentKind {
            keywords: DocumentKind::parse_keywords(&row.keywords),
            name: row.name,
        })
        .collect())
}

/// Replaces the list of document kinds (call inside the caller's transaction).
pub fn replace_kinds(conn: &mut DbConn, kinds: &[DocumentKind]) -> Result<()> {
    diesel::delete(ecf_document_kinds::table).execute(conn)?;
    for (index, kind) in kinds.iter().enumerate() {
        diesel::insert_into(ecf_document_kinds::table)
            .values((
                ecf_document_kinds::name.eq(&kind.name),
                ecf_document_kinds::position
                    .eq(i32::try_from(index + 1).map_err(|_| overflow("position"))?),
                ecf_document_kinds::keywords.eq(kind.keywords.join("|")),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A registry case with its closing date.
#[derive(Debug, Clone, Queryable)]
pub struct ClosedCase {
    pub row: CaseRow,
    pub closed_at: NaiveDate,
}

/// Registry cases closed between `start` and `end` (inclusive), by 案号.
pub fn closed_between(
    conn: &mut DbConn,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<ClosedCase>> {
    Ok(case_files::table
        .filter(case_files::closed_at.between(start, end))
        .order(case_files::case_no)
        .select((CaseRow::as_select(), case_files::closed_at))
        .load(conn)?)
}
