//! Bulk upload of electronic case files: a ZIP (the round's page) or a folder or ZIP at the
//! command line (`pingcha ecf import`) whose file or folder names carry the 案号 of a sampled
//! file of the round. Every entry is matched and checked first; the report says what matched,
//! what did not and what was refused. Nothing is stored when anything is wrong, unless the
//! caller confirms storing the matched part (`matched_only`); what is stored is stored in one
//! transaction.

use crate::app::ecf::{Caller, Error, NewUpload, may_edit};
use crate::domain::ecf::{self, MAX_BULK_BYTES, MAX_DOCUMENT_BYTES};
use crate::domain::ids::{CaseFileId, RoundId};
use crate::import::ecf::{Checked, ContentError, check};
use crate::storage::{self, DbConn, transaction};
use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Entries a bulk upload may hold.
pub const MAX_ENTRIES: usize = 5000;

/// A temporary folder removed when dropped.
pub struct Workspace {
    pub dir: PathBuf,
}

impl Workspace {
    pub fn new() -> std::io::Result<Workspace> {
        let dir = std::env::temp_dir().join(format!("pingcha-ecf-bulk-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        Ok(Workspace { dir })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One file of a bulk upload, on disk: its name as given (path inside the ZIP or folder).
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

/// Why a bulk upload could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a ZIP: {0}")]
    NotZip(String),
    #[error("too many entries")]
    TooManyEntries,
    #[error("too large")]
    TooLarge,
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Copies `source` to `target` (at most `limit` bytes), hashing it; None when over the limit.
fn copy_hashed(
    source: &mut dyn Read,
    target: &Path,
    limit: u64,
) -> std::io::Result<Option<(u64, String)>> {
    let mut out = File::create(target)?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let read = source.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        size += read as u64;
        if size > limit {
            return Ok(None);
        }
        let chunk = buffer.get(..read).unwrap_or_default();
        hasher.update(chunk);
        out.write_all(chunk)?;
    }
    out.flush()?;
    Ok(Some((size, hex::encode(hasher.finalize()))))
}

/// What was read of a bulk upload: its entries, and those over the size cap (by name).
#[derive(Debug, Default)]
pub struct Received {
    pub entries: Vec<Entry>,
    pub too_large: Vec<String>,
}

/// The files of a ZIP, extracted one at a time into `workspace` (streamed, each capped).
pub fn read_zip(zip_path: &Path, workspace: &Workspace) -> Result<Received, ReadError> {
    let file = File::open(zip_path)?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|error| ReadError::NotZip(error.to_string()))?;
    if archive.len() > MAX_ENTRIES {
        return Err(ReadError::TooManyEntries);
    }
    let mut read = Received::default();
    let mut total = 0u64;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|error| ReadError::NotZip(error.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        // A name that is not UTF-8 (old Windows ZIPs) is shown lossily; it can still match.
        let name = entry
            .name()
            .map(|name| name.replace('\\', "/"))
            .unwrap_or_else(|_| String::from_utf8_lossy(entry.name_raw()).replace('\\', "/"));
        let target = workspace.dir.join(format!("{index}.part"));
        match copy_hashed(&mut entry, &target, MAX_DOCUMENT_BYTES)? {
            Some((size, sha256)) => {
                total += size;
                if total > MAX_BULK_BYTES {
                    return Err(ReadError::TooLarge);
                }
                read.entries.push(Entry {
                    name,
                    path: target,
                    size,
                    sha256,
                });
            }
            None => read.too_large.push(name),
        }
    }
    Ok(read)
}

/// The files under a folder (names relative to it, with '/'), hashed where they are.
pub fn read_folder(folder: &Path) -> Result<Received, ReadError> {
    let mut read = Received::default();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|child| child.ok().map(|child| child.path()))
            .collect();
        children.sort();
        for child in children {
            if child.is_dir() {
                pending.push(child);
                continue;
            }
            let name = child
                .strip_prefix(folder)
                .unwrap_or(&child)
                .to_string_lossy()
                .replace('\\', "/");
            let size = std::fs::metadata(&child)?.len();
            if size > MAX_DOCUMENT_BYTES {
                read.too_large.push(name);
                continue;
            }
            let mut hasher = Sha256::new();
            std::io::copy(&mut File::open(&child)?, &mut hasher)?;
            read.entries.push(Entry {
                name,
                path: child,
                size,
                sha256: hex::encode(hasher.finalize()),
            });
            if read.entries.len() > MAX_ENTRIES {
                return Err(ReadError::TooManyEntries);
            }
        }
    }
    Ok(read)
}

/// A matched entry: the file it goes to.
#[derive(Debug, Clone, Serialize)]
pub struct Matched {
    pub name: String,
    pub case_number: String,
    pub file: String,
    pub pages: u32,
}

/// An entry refused, and why (the caller words it).
#[derive(Debug, Clone)]
pub enum Refusal {
    Content(ContentError),
    TooLarge,
    OtherUnit,
}

/// The report of a bulk upload.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub matched: Vec<Matched>,
    pub unmatched: Vec<String>,
    pub refused: Vec<(String, Refusal)>,
    /// Documents stored (0 when nothing was stored).
    pub stored: usize,
}

impl Report {
    pub fn clean(&self) -> bool {
        self.unmatched.is_empty() && self.refused.is_empty()
    }
}

/// Matches, checks and (when clean, or `matched_only`) stores the entries of a bulk upload
/// for `round`'s sampled files, in the entries' order (by name).
pub fn import(
    conn: &mut DbConn,
    caller: Caller<'_>,
    round: RoundId,
    read: Received,
    matched_only: bool,
    progress: &mut dyn FnMut(usize, usize),
    now: NaiveDateTime,
) -> Result<Report, Error> {
    let cases = storage::ecf::sampled_cases(conn, round)?;
    let numbers: Vec<String> = cases.iter().map(|case| case.case_no.clone()).collect();
    let mut report = Report::default();
    let mut to_store: Vec<(Entry, CaseFileId, Checked)> = Vec::new();
    let mut entries = read.entries;
    entries.sort_by(|left, right| left.name.cmp(&right.name));
    for name in read.too_large {
        report.refused.push((name, Refusal::TooLarge));
    }
    let total = entries.len();
    for (done, entry) in entries.into_iter().enumerate() {
        progress(done, total);
        let Some(number) = ecf::match_case_number(&entry.name, &numbers) else {
            report.unmatched.push(entry.name);
            continue;
        };
        let Some(case) = cases.iter().find(|case| case.case_no == number) else {
            report.unmatched.push(entry.name);
            continue;
        };
        if !may_edit(caller.account, case)? {
            report.refused.push((entry.name, Refusal::OtherUnit));
            continue;
        }
        let checked = File::open(&entry.path)
            .map_err(|error| ContentError::Read(error.to_string()))
            .and_then(|mut file| check(&mut file, entry.size));
        match checked {
            Ok(checked) => {
                let file: CaseFileId = storage::parse_id(&case.id)?;
                report.matched.push(Matched {
                    name: entry.name.clone(),
                    case_number: case.case_no.clone(),
                    file: case.id.clone(),
                    pages: checked.pages,
                });
                to_store.push((entry, file, checked));
            }
            Err(error) => report.refused.push((entry.name, Refusal::Content(error))),
        }
    }
    progress(total, total);
    if !(report.clean() || matched_only) || to_store.is_empty() {
        return Ok(report);
    }
    let stored = transaction(conn, |conn| {
        for (entry, file, checked) in &to_store {
            let mut content = std::io::BufReader::new(
                File::open(&entry.path)
                    .map_err(|error| storage::Error::Corrupt(format!("spool: {error}")))?,
            );
            let name = entry.name.rsplit('/').next().unwrap_or(&entry.name);
            crate::app::ecf::add_document(
                conn,
                caller,
                NewUpload {
                    file: *file,
                    name,
                    checked,
                    sha256: &entry.sha256,
                    size: entry.size,
                    content: &mut content,
                },
                now,
            )?;
        }
        Ok::<usize, Error>(to_store.len())
    })?;
    report.stored = stored;
    Ok(report)
}
