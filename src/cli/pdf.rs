//! `pingcha pdf`: a round's documents from the command line — all score sheets of a round or
//! of one unit as one PDF (with a progress bar), one file's sheets, a unit's feedback report,
//! the leadership report, or an issued rectification notice exactly as its page serves it.

use crate::app::document_data::{self, SheetSelection};
use crate::app::issuing;
use crate::app::messages::rectification as messages;
use crate::app::rectification;
use crate::documents::{self, Fonts};
use crate::domain::UnitScope;
use crate::domain::ids::UnitId;
use crate::storage::audit::Actor;
use crate::storage::{self, DatabaseUrl, DbConn, cases, results, rounds, units};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum PdfCommand {
    /// Score sheets (评查评分表) as one PDF: the whole round, one unit's files, or one file.
    Sheets {
        /// The round, by id or exact name.
        round: String,
        /// Only this inspected unit's files (unit code or name).
        #[arg(long)]
        unit: Option<String>,
        /// Only this file (case number, with --unit when two units share a number).
        #[arg(long)]
        case_no: Option<String>,
        /// Print 评查员甲/乙 instead of names (always on in a blind round).
        #[arg(long)]
        blind: bool,
        /// Where to write the PDF.
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        fonts: super::fonts::FontArgs,
    },
    /// The feedback report (评查情况反馈) for one inspected unit.
    Feedback {
        /// The round, by id or exact name.
        round: String,
        /// The unit (code or name).
        #[arg(long)]
        unit: String,
        /// Where to write the PDF.
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        fonts: super::fonts::FontArgs,
    },
    /// The round's 评查情况通报 for leadership: figures by unit and case type, trend,
    /// typical problems, rectification progress, every file's score.
    Report {
        /// The round, by id or exact name.
        round: String,
        /// Where to write the PDF.
        #[arg(long, short)]
        output: PathBuf,
        #[command(flatten)]
        fonts: super::fonts::FontArgs,
    },
    /// An issued rectification notice (整改通知书), byte for byte as its page's download.
    Notice {
        /// The notice, by id or document number (e.g. 银司法评〔2025〕3号).
        notice: String,
        /// Where to write the PDF.
        #[arg(long, short, alias = "out")]
        output: PathBuf,
        #[command(flatten)]
        fonts: super::fonts::FontArgs,
    },
}

fn find_unit(conn: &mut DbConn, text: &str) -> anyhow::Result<UnitId> {
    let all = units::list(conn, UnitScope::All)?;
    all.iter()
        .find(|unit| unit.code == text || unit.name == text)
        .map(|unit| unit.id)
        .ok_or_else(|| anyhow::anyhow!("单位“{text}”不存在（请写单位代码或全称）"))
}

fn load_results(conn: &mut DbConn, round: &str) -> anyhow::Result<results::RoundResults> {
    let found = rounds::find_by_id_or_name(conn, round)
        .with_context(|| format!("评查轮次“{round}”不存在"))?;
    results::load(conn, found.id)?
        .ok_or_else(|| anyhow::anyhow!("评查轮次“{}”尚未发布分组，没有评分表", found.settings.name))
}

fn write(output: &PathBuf, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(output, bytes).with_context(|| format!("无法写入 {}", output.display()))
}

pub fn run(url: &DatabaseUrl, command: PdfCommand) -> anyhow::Result<()> {
    let pool = super::open_database(url)?;
    let mut conn = pool.get()?;
    match command {
        PdfCommand::Sheets {
            round,
            unit,
            case_no,
            blind,
            output,
            fonts,
        } => {
            let fonts = Fonts::load(&fonts.font_set()?)?;
            let results = load_results(&mut conn, &round)?;
            let unit = unit.map(|text| find_unit(&mut conn, &text)).transpose()?;
            let selection = match (&case_no, unit) {
                (Some(case_no), unit) => {
                    let filter = cases::CaseFilter {
                        ids: Some(results.files.iter().map(|file| file.file).collect()),
                        unit,
                        ..Default::default()
                    };
                    let matching: Vec<_> = cases::list(&mut conn, UnitScope::All, &filter, None)?
                        .into_iter()
                        .filter(|case| &case.case_no == case_no)
                        .collect();
                    match matching.as_slice() {
                        [only] => SheetSelection::File(only.id.parse()?),
                        [] => anyhow::bail!("本轮抽查清单中没有案号“{case_no}”"),
                        _ => anyhow::bail!("案号“{case_no}”在多个单位出现，请用 --unit 指明单位"),
                    }
                }
                (None, Some(unit)) => SheetSelection::Unit(unit),
                (None, None) => SheetSelection::Round,
            };
            let blind = blind || results.round.settings.blind;
            let views = document_data::score_sheets(&mut conn, &results, selection, blind)?;
            let bar = ProgressBar::new(views.len() as u64).with_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 份 ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message("生成评分表");
            let started = std::time::Instant::now();
            let subject = issuing::sheets_subject(results.round.id, selection);
            let issuer = issuing::cli_issuer(&mut conn)?;
            let issued = issuing::issue(
                &mut conn,
                documents::Document::ScoreSheets(&views),
                &subject,
                &fonts,
                &Actor::cli(),
                &issuer,
                &mut |done, _| bar.set_position(done as u64),
            )?;
            let bytes = issued.bytes;
            bar.finish_and_clear();
            write(&output, &bytes)?;
            println!(
                "已生成 {} 份评分表：{}（{:.1} KB，用时 {:.2} 秒）",
                views.len(),
                output.display(),
                bytes.len() as f64 / 1024.0,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        PdfCommand::Feedback {
            round,
            unit,
            output,
            fonts,
        } => {
            let fonts = Fonts::load(&fonts.font_set()?)?;
            let results = load_results(&mut conn, &round)?;
            let unit = find_unit(&mut conn, &unit)?;
            let issued_on =
                rounds::feedback_date(&mut conn, results.round.id)?.unwrap_or_else(storage::today);
            let view = document_data::feedback(&mut conn, &results, unit, issued_on)?;
            let issuer = issuing::cli_issuer(&mut conn)?;
            let bytes = issuing::issue(
                &mut conn,
                documents::Document::Feedback(&view),
                &issuing::feedback_subject(results.round.id, unit),
                &fonts,
                &Actor::cli(),
                &issuer,
                &mut |_, _| {},
            )?
            .bytes;
            write(&output, &bytes)?;
            println!(
                "已生成“{}”的评查情况反馈：{}（{} 件案卷）",
                view.unit,
                output.display(),
                view.cases.len()
            );
            Ok(())
        }
        PdfCommand::Report {
            round,
            output,
            fonts,
        } => {
            let fonts = Fonts::load(&fonts.font_set()?)?;
            let found = rounds::find_by_id_or_name(&mut conn, &round)
                .with_context(|| format!("评查轮次“{round}”不存在"))?;
            let view = document_data::leadership_report(&mut conn, found.id, storage::today())?;
            let issuer = issuing::cli_issuer(&mut conn)?;
            let bytes = issuing::issue(
                &mut conn,
                documents::Document::LeadershipReport(&view),
                &issuing::report_subject(found.id),
                &fonts,
                &Actor::cli(),
                &issuer,
                &mut |_, _| {},
            )?
            .bytes;
            write(&output, &bytes)?;
            println!(
                "已生成“{}”的评查情况通报：{}（{} 件案卷）",
                view.round_name,
                output.display(),
                view.files.len()
            );
            Ok(())
        }
        PdfCommand::Notice {
            notice,
            output,
            fonts,
        } => {
            let fonts = Fonts::load(&fonts.font_set()?)?;
            let found = rectification::find_notice(&mut conn, &notice)?;
            let (bytes, number) = rectification::notice_pdf(
                &mut conn,
                UnitScope::All,
                found.id,
                &Actor::cli(),
                issuing::Issuer::CommandLine,
                &fonts,
                storage::now(),
            )?;
            write(&output, &bytes)?;
            println!(
                "{}",
                messages::notice_written(&number, &output.display().to_string(), bytes.len())
            );
            Ok(())
        }
    }
}
