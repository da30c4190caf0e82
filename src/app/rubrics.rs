//! Reading rubric files from disk for the server and for `pingcha rubric check`. Kept outside
//! `domain`, which parses text but never touches files.

use crate::domain::rubric::{Rubric, RubricError, RubricErrorKind, parse_rubric};
use std::path::{Path, PathBuf};

/// Loads every `*.toml` in a folder, in file-name order (README.md and anything else is
/// ignored). All errors of all files are returned together, so the server can refuse to start
/// with the complete list. Ids must be unique within the folder: a new version of a rubric
/// replaces its file rather than sitting beside it.
pub fn load_dir(path: &Path) -> Result<Vec<Rubric>, Vec<RubricError>> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => return Err(vec![io_error(path, &error)]),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|file| file.is_file() && file.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let (rubrics, mut errors) = load_files(&files);
    for (index, rubric) in rubrics.iter().enumerate() {
        let earlier = rubrics
            .iter()
            .take(index)
            .find(|other| other.id() == rubric.id());
        if let Some(other) = earlier {
            errors.push(RubricError {
                file: rubric.file_name().to_string(),
                line: None,
                item: None,
                kind: RubricErrorKind::DuplicateRubricId {
                    id: rubric.id().to_string(),
                    other_file: other.file_name().to_string(),
                },
            });
        }
    }
    if errors.is_empty() {
        Ok(rubrics)
    } else {
        Err(errors)
    }
}

/// Checks the given files for `pingcha rubric check FILE...`: an empty list means all valid.
/// The caller prints each error on its own line and exits non-zero when there are any.
pub fn check_files<P: AsRef<Path>>(paths: &[P]) -> Vec<RubricError> {
    let files: Vec<PathBuf> = paths
        .iter()
        .map(|path| path.as_ref().to_path_buf())
        .collect();
    load_files(&files).1
}

fn load_files(files: &[PathBuf]) -> (Vec<Rubric>, Vec<RubricError>) {
    let mut rubrics = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) => {
                errors.push(io_error(file, &error));
                continue;
            }
        };
        match parse_rubric(&file_label(file), &text) {
            Ok(rubric) => rubrics.push(rubric),
            Err(found) => errors.extend(found.0),
        }
    }
    (rubrics, errors)
}

/// The name errors show: the file name alone, as a clerk knows it.
fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn io_error(path: &Path, error: &std::io::Error) -> RubricError {
    RubricError {
        file: path.display().to_string(),
        line: None,
        item: None,
        kind: RubricErrorKind::Unreadable {
            detail: error.to_string(),
        },
    }
}

/// Why the rubric folder could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<RubricError>),
    #[error(transparent)]
    Storage(#[from] crate::storage::Error),
}

/// What `install_dir` found and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installed {
    pub loaded: usize,
    pub new_versions: usize,
}

/// Validates every rubric in the folder and stores a snapshot of each new version. Nothing is
/// stored unless every file is valid, so the server never starts on a half-valid folder.
pub fn install_dir(
    conn: &mut crate::storage::DbConn,
    dir: &Path,
) -> Result<Installed, InstallError> {
    let rubrics = load_dir(dir).map_err(InstallError::Invalid)?;
    let actor = crate::storage::audit::Actor {
        user_id: None,
        login: "system".to_string(),
        client_ip: None,
    };
    let now = crate::storage::now();
    let mut new_versions = 0;
    crate::storage::transaction(conn, |conn| {
        for rubric in &rubrics {
            if crate::storage::rubrics::store(
                conn,
                &actor,
                rubric,
                crate::storage::rubrics::Origin::File,
                now,
            )? {
                new_versions += 1;
            }
        }
        Ok::<(), crate::storage::Error>(())
    })?;
    Ok(Installed {
        loaded: rubrics.len(),
        new_versions,
    })
}
