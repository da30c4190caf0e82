//! The round's paper trail as PDF: score sheets, feedback reports, rectification notices and
//! the leadership bulletin.
//!
//! Each document is a pure function from a plain view struct (built by the caller from the
//! database) and a loaded [`Fonts`] to PDF bytes. The same input always gives the same bytes.
//! `pdf.rs` is the only module that knows printpdf; the document modules only describe
//! paragraphs, tables and charts.

mod chinese;
mod feedback_report;
mod leadership_report;
mod official;
mod pdf;
mod rectification_notice;
mod score_sheet;

pub use chinese::chinese_date;
pub use feedback_report::{
    FeedbackCase, FeedbackFindingGroup, FeedbackReportView, feedback_report,
};
pub use leadership_report::{
    CaseTypeRow, CaseloadPart, CaseloadRow, FileScoreRow, GradeCount, LeadershipReportView,
    RectificationProgressRow, TrendPoint, TypicalProblem, UnitRow, leadership_report,
};
pub use pdf::{FontSet, FontSource, Fonts, MissingGlyph, MissingGlyphs};
pub use rectification_notice::{NoticeFinding, RectificationNoticeView, rectification_notice};
pub use score_sheet::{
    Deduction, RubricItemRow, RubricSection, ScoreSheetView, VetoRow, score_sheet,
    score_sheets_batch,
};

/// A document that can be issued with a verification code (核验码): what it is and the
/// view it is made from.
#[derive(Debug, Clone, Copy)]
pub enum Document<'a> {
    /// 评查评分表: one or many sheets in one PDF.
    ScoreSheets(&'a [ScoreSheetView]),
    /// 评查情况反馈 for one unit.
    Feedback(&'a FeedbackReportView),
    /// 整改通知书.
    Notice(&'a RectificationNoticeView),
    /// 评查情况通报 for leadership.
    LeadershipReport(&'a LeadershipReportView),
}

impl Document<'_> {
    /// The kind as stored with the issued document.
    pub fn kind(&self) -> &'static str {
        match self {
            Document::ScoreSheets(_) => "score_sheets",
            Document::Feedback(_) => "feedback",
            Document::Notice(_) => "notice",
            Document::LeadershipReport(_) => "leadership_report",
        }
    }

    /// The canonical serialisation of the document's data (its view as JSON, fields in
    /// declaration order): what the verification code is derived from.
    pub fn canonical_data(&self) -> Result<Vec<u8>, Error> {
        let json = match self {
            Document::ScoreSheets(views) => serde_json::to_vec(views),
            Document::Feedback(view) => serde_json::to_vec(view),
            Document::Notice(view) => serde_json::to_vec(view),
            Document::LeadershipReport(view) => serde_json::to_vec(view),
        };
        json.map_err(|error| Error::Write(std::io::Error::other(error.to_string())))
    }

    /// The PDF, with `code` at the foot of every page. `progress` is called per score sheet.
    pub fn render(
        &self,
        fonts: &Fonts,
        code: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<u8>, Error> {
        match self {
            Document::ScoreSheets(views) => {
                score_sheet::score_sheets_with_code(views, fonts, code, progress)
            }
            Document::Feedback(view) => {
                feedback_report::feedback_report_with_code(view, fonts, code)
            }
            Document::Notice(view) => {
                rectification_notice::rectification_notice_with_code(view, fonts, code)
            }
            Document::LeadershipReport(view) => {
                leadership_report::leadership_report_with_code(view, fonts, code)
            }
        }
    }
}

/// What can go wrong while making a document. Carries facts; the messages are the ones a
/// clerk reads (the web layer shows them after 文书无法生成：).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Characters no configured font can draw, every one with where it is. Refused rather
    /// than drawn as empty boxes, so a rare name character never silently disappears from a
    /// signed document.
    #[error("{0}")]
    MissingGlyphs(MissingGlyphs),
    /// A configured font file that is not a usable OpenType/TrueType font.
    #[error("无法读取{role}字体（字体集合中的第{face_index}个字形）")]
    FontUnreadable {
        role: &'static str,
        face_index: usize,
    },
    /// A view that cannot be laid out, e.g. a table with no columns.
    #[error("无法排版：{what}")]
    Layout { what: String },
    /// The document would run past [`pdf::MAX_PAGES`] pages.
    #[error("《{title}》超过{pages}页，未生成。请缩短其中过长的文字")]
    TooLong { pages: usize, title: String },
    /// Writing the PDF failed.
    #[error("无法写出PDF文件")]
    Write(#[from] std::io::Error),
}
