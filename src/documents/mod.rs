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
    CaseTypeRow, FileScoreRow, GradeCount, LeadershipReportView, RectificationProgressRow,
    TrendPoint, TypicalProblem, UnitRow, leadership_report,
};
pub use pdf::{FontSet, FontSource, Fonts};
pub use rectification_notice::{NoticeFinding, RectificationNoticeView, rectification_notice};
pub use score_sheet::{
    Deduction, RubricItemRow, RubricSection, ScoreSheetView, VetoRow, score_sheet,
    score_sheets_batch,
};

/// What can go wrong while making a document. Carries facts; the web layer words them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A character the font cannot draw. Refused rather than drawn as an empty box, so a
    /// rare name character never silently disappears from a signed document.
    #[error("the font has no glyph for {character:?} (U+{code:04X}) in {context}", code = u32::from(*character))]
    MissingGlyph { character: char, context: String },
    /// A configured font file that is not a usable OpenType/TrueType font.
    #[error("cannot read the {role} font (face {face_index})")]
    FontUnreadable {
        role: &'static str,
        face_index: usize,
    },
    /// A view that cannot be laid out, e.g. a table with no columns.
    #[error("cannot lay out {what}")]
    Layout { what: String },
    /// Writing the PDF failed.
    #[error("cannot write the PDF")]
    Write(#[from] std::io::Error),
}
