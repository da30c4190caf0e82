//! The content-addressed blob store: bytes kept in the database by their SHA-256, in chunks
//! of `domain::ecf::CHUNK_BYTES`, so that several servers on one PostgreSQL need no shared
//! disk and `pingcha backup` (SQLite `VACUUM INTO`) and `pg_dump` carry the files. The same
//! bytes are stored once; a range is read from the chunks it covers only.

use crate::storage::schema::{blob_chunks, blobs};
use crate::storage::{DbConn, Result};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::io::Read;

/// A stored content's size and chunking.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = blobs)]
pub struct BlobMeta {
    pub sha256: String,
    pub size_bytes: i64,
    pub chunk_bytes: i32,
    pub chunk_count: i32,
}

#[derive(Insertable)]
#[diesel(table_name = blobs)]
struct NewBlob<'a> {
    sha256: &'a str,
    size_bytes: i64,
    chunk_bytes: i32,
    chunk_count: i32,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = blob_chunks)]
struct NewChunk<'a> {
    sha256: &'a str,
    seq: i32,
    data: &'a [u8],
}

pub fn meta(conn: &mut DbConn, sha256: &str) -> Result<Option<BlobMeta>> {
    Ok(blobs::table
        .find(sha256)
        .select(BlobMeta::as_select())
        .first(conn)
        .optional()?)
}

/// Stores `size` bytes read from `content` under `sha256` (computed by the caller as the
/// bytes arrived), chunk by chunk: one chunk in memory at a time. Returns false, reading
/// nothing, when the content is already stored. Call inside the caller's transaction.
pub fn store(
    conn: &mut DbConn,
    sha256: &str,
    size: u64,
    chunk_bytes: u64,
    content: &mut dyn Read,
    now: NaiveDateTime,
) -> Result<bool> {
    if meta(conn, sha256)?.is_some() {
        return Ok(false);
    }
    let chunk_count = size.div_ceil(chunk_bytes.max(1));
    let corrupt = |what: &str| crate::storage::Error::Corrupt(what.to_string());
    diesel::insert_into(blobs::table)
        .values(NewBlob {
            sha256,
            size_bytes: i64::try_from(size).map_err(|_| corrupt("blob size"))?,
            chunk_bytes: i32::try_from(chunk_bytes).map_err(|_| corrupt("chunk size"))?,
            chunk_count: i32::try_from(chunk_count).map_err(|_| corrupt("chunk count"))?,
            created_at: now,
        })
        .execute(conn)?;
    let mut buffer = vec![0u8; usize::try_from(chunk_bytes).map_err(|_| corrupt("chunk size"))?];
    let mut remaining = size;
    let mut seq = 0i32;
    while remaining > 0 {
        let length = usize::try_from(remaining.min(chunk_bytes)).map_err(|_| corrupt("chunk"))?;
        let chunk = buffer.get_mut(..length).ok_or_else(|| corrupt("chunk"))?;
        content
            .read_exact(chunk)
            .map_err(|error| crate::storage::Error::Corrupt(format!("spool read: {error}")))?;
        diesel::insert_into(blob_chunks::table)
            .values(NewChunk {
                sha256,
                seq,
                data: chunk,
            })
            .execute(conn)?;
        remaining -= length as u64;
        seq += 1;
    }
    Ok(true)
}

/// Chunk `seq` of a content.
pub fn chunk(conn: &mut DbConn, sha256: &str, seq: i32) -> Result<Vec<u8>> {
    Ok(blob_chunks::table
        .find((sha256, seq))
        .select(blob_chunks::data)
        .first(conn)?)
}

/// Number of stored contents and their bytes (each counted once however often it is used).
pub fn totals(conn: &mut DbConn) -> Result<(i64, i64)> {
    let rows: Vec<i64> = blobs::table.select(blobs::size_bytes).load(conn)?;
    Ok((rows.len() as i64, rows.iter().sum()))
}
