//! The fonts documents are printed with: the shipped Noto Serif SC (GBK) unless the bureau
//! names its own licensed files (e.g. 仿宋_GB2312 for the body, 方正小标宋 for titles).

use crate::documents::{FontSet, FontSource, Fonts};
use anyhow::Context;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct FontArgs {
    /// Font file for body text (TTF/OTF; default: the shipped Noto Serif SC).
    #[arg(long, env = "PINGCHA_FONT_BODY")]
    pub font_body: Option<PathBuf>,

    /// Font file for titles (default: the shipped Noto Serif SC Bold).
    #[arg(long, env = "PINGCHA_FONT_TITLE")]
    pub font_title: Option<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<FontSource> {
    let bytes =
        std::fs::read(path).with_context(|| format!("无法读取字体文件 {}", path.display()))?;
    Ok(FontSource::from_bytes(bytes, 0))
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
        Fonts::load(&set).context("字体文件无法使用")?;
        Ok(set)
    }
}
