//! The fonts documents are printed with: the shipped Noto Serif SC (GB 18030 level 2) with
//! its HanaMin fallback faces, unless the bureau names its own licensed files (e.g.
//! 仿宋_GB2312 for the body, 方正小标宋 for titles). A collection (`.ttc`) is read at its
//! Simplified Chinese face, found by name, never silently at its first face (the Japanese
//! one in Noto CJK); `file.ttc#Face name` or `file.ttc#3` names the face explicitly.

use crate::app::messages::cli as messages;
use crate::documents::{FontSet, FontSource, Fonts};
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct FontArgs {
    /// Font file for body text (TTF/OTF, or a TTC: its Simplified Chinese face, or the face
    /// named after `#`, e.g. `NotoSerifCJK-Regular.ttc#Noto Serif CJK SC`; default: the
    /// shipped Noto Serif SC).
    #[arg(long, env = "PINGCHA_FONT_BODY")]
    pub font_body: Option<PathBuf>,

    /// Font file for titles (as --font-body; default: the shipped Noto Serif SC Bold).
    #[arg(long, env = "PINGCHA_FONT_TITLE")]
    pub font_title: Option<PathBuf>,

    /// Extra fallback font for characters the body and title fonts lack (repeatable; tried
    /// in order before the shipped HanaMin faces), e.g. a font with CJK Extension G.
    #[arg(long)]
    pub font_fallback: Vec<PathBuf>,
}

/// One face of a font file: its index and its family and full names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceNames {
    pub index: usize,
    pub names: Vec<String>,
}

impl FaceNames {
    /// A Simplified Chinese face by the conventions of CJK collections: `… SC` (Noto, Source
    /// Han), `… GB` / `GB2312`, `… SC Bold`, or a Chinese name with 简.
    fn is_simplified_chinese(&self) -> bool {
        self.names.iter().any(|name| {
            name.split([' ', '-', '_'])
                .any(|word| matches!(word, "SC" | "GB" | "CN" | "GB2312" | "GBK" | "GB18030"))
                || name.contains('简')
        })
    }
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    let pair = bytes.get(at..at + 2)?;
    Some(usize::from(u16::from_be_bytes([pair[0], pair[1]])))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    let quad = bytes.get(at..at + 4)?;
    usize::try_from(u32::from_be_bytes([quad[0], quad[1], quad[2], quad[3]])).ok()
}

/// Family (1, 16) and full (4) names of the sfnt whose offset table starts at `offset`.
fn names_at(bytes: &[u8], offset: usize) -> Option<Vec<String>> {
    let tables = u16_at(bytes, offset + 4)?;
    let name_table = (0..tables).find_map(|index| {
        let record = offset + 12 + 16 * index;
        (bytes.get(record..record + 4)? == b"name").then(|| u32_at(bytes, record + 8))?
    })?;
    let count = u16_at(bytes, name_table + 2)?;
    let strings = name_table + u16_at(bytes, name_table + 4)?;
    let mut names = Vec::new();
    for index in 0..count {
        let record = name_table + 6 + 12 * index;
        let (platform, name_id) = (u16_at(bytes, record)?, u16_at(bytes, record + 6)?);
        if !matches!(name_id, 1 | 4 | 16) {
            continue;
        }
        let (length, start) = (u16_at(bytes, record + 8)?, u16_at(bytes, record + 10)?);
        let raw = bytes.get(strings + start..strings + start + length)?;
        let name = if platform == 1 {
            raw.iter().map(|byte| char::from(*byte)).collect()
        } else {
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Some(names)
}

/// The faces of a font file (one for a TTF/OTF, several for a TTC) with their names.
pub fn face_names(bytes: &[u8]) -> Vec<FaceNames> {
    let offsets: Vec<usize> = if bytes.starts_with(b"ttcf") {
        let count = u32_at(bytes, 8).unwrap_or(0).min(256);
        (0..count)
            .filter_map(|index| u32_at(bytes, 12 + 4 * index))
            .collect()
    } else {
        vec![0]
    };
    offsets
        .into_iter()
        .enumerate()
        .map(|(index, offset)| FaceNames {
            index,
            names: names_at(bytes, offset).unwrap_or_default(),
        })
        .collect()
}

/// Which face of `bytes` to use: the one `wanted` names (an index or a name), else the only
/// face, else the Simplified Chinese face; a collection without one is refused, listing its
/// faces, rather than read at a face that draws other forms.
pub fn choose_face(bytes: &[u8], wanted: Option<&str>, file: &str) -> anyhow::Result<usize> {
    let faces = face_names(bytes);
    let listing = || {
        faces
            .iter()
            .map(|face| format!("{}：{}", face.index, face.names.join(" / ")))
            .collect::<Vec<_>>()
            .join("；")
    };
    if let Some(wanted) = wanted {
        let found = faces.iter().find(|face| {
            wanted.parse::<usize>().ok() == Some(face.index)
                || face
                    .names
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(wanted))
        });
        return match found {
            Some(face) => Ok(face.index),
            None => bail!(messages::no_such_face(file, wanted, &listing())),
        };
    }
    if faces.len() <= 1 {
        return Ok(0);
    }
    match faces.iter().find(|face| face.is_simplified_chinese()) {
        Some(face) => Ok(face.index),
        None => bail!(messages::no_simplified_chinese_face(file, &listing())),
    }
}

/// Reads `path` (optionally `file.ttc#face`) at its chosen face.
fn read(path: &Path) -> anyhow::Result<FontSource> {
    let text = path.to_string_lossy();
    let (file, wanted) = match text.rsplit_once('#') {
        Some((file, face)) if !path.exists() => (PathBuf::from(file), Some(face.to_owned())),
        _ => (path.to_path_buf(), None),
    };
    let bytes = std::fs::read(&file).with_context(|| messages::font_unreadable(file.display()))?;
    let face = choose_face(&bytes, wanted.as_deref(), &file.display().to_string())?;
    Ok(FontSource::from_bytes(bytes, face))
}

impl FontArgs {
    /// The configured set, each file read and parsed once here so a bad file stops the
    /// command at start instead of failing the first download.
    pub fn font_set(&self) -> anyhow::Result<FontSet> {
        let mut set = FontSet::default();
        if let Some(path) = &self.font_body {
            set.body = read(path)?;
        }
        if let Some(path) = &self.font_title {
            set.title = read(path)?;
        }
        let mut fallback = Vec::with_capacity(self.font_fallback.len() + set.fallback.len());
        for path in &self.font_fallback {
            let source = read(path)?;
            source
                .check()
                .with_context(|| messages::font_unusable(path.display()))?;
            fallback.push(source);
        }
        fallback.append(&mut set.fallback);
        set.fallback = fallback;
        Fonts::load(&set).context(messages::FONTS_UNUSABLE)?;
        Ok(set)
    }
}
