//! `pingcha rubric check FILE...`: validate rubric files as the server would, printing every
//! error with its file, line and item.

use crate::app::rubrics::check_files;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum RubricCommand {
    /// Check rubric files; prints each error and exits non-zero if any file is invalid.
    Check {
        /// The rubric files (TOML) to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

pub fn run(command: RubricCommand) -> anyhow::Result<()> {
    match command {
        RubricCommand::Check { files } => {
            let errors = check_files(&files);
            if errors.is_empty() {
                println!("{} 个评分标准文件全部通过校验。", files.len());
                return Ok(());
            }
            for error in &errors {
                println!("{error}");
            }
            anyhow::bail!("评分标准校验未通过：共 {} 处错误", errors.len())
        }
    }
}
