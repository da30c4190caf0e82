//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz), also replayed over the committed
//! corpus by `cargo test` (tests/api/fuzz_corpus.rs) so CI exercises every input the fuzzer
//! kept without needing a fuzzer. Each takes arbitrary bytes and must return (never panic,
//! hang or allocate without bound), whatever the outcome.

use crate::documents;
use crate::domain::rubric::parse_rubric;
use crate::import;

/// The rubric parser: bytes as a TOML rubric file (invalid UTF-8 is decoded lossily, as a
/// browser upload would be refused earlier), then every error or the rubric's figures written
/// out as the pages would.
pub fn rubric(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_rubric("fuzz.toml", &text) {
        Ok(rubric) => {
            std::hint::black_box(format!("{rubric:?}"));
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
}

/// The registry importer: bytes as an uploaded registry (XLSX or CSV, decided by content),
/// header matching and row validation — with and without a default unit — and the same
/// table read as a reviewer pool and a unit list. Reports are written out as the page would.
pub fn registry(data: &[u8]) {
    for default_unit in [None, Some("兴庆区法律援助中心")] {
        match import::import_cases_checked("fuzz.xlsx", data, default_unit, &|unit| {
            unit != "unknown"
        }) {
            Ok(records) => {
                let _ = records.len();
            }
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    if let Err(error) = import::import_people("fuzz.xlsx", data) {
        let _ = error.to_string();
    }
    if let Err(error) = import::import_units("fuzz.xlsx", data) {
        let _ = error.to_string();
    }
}

/// Longest text [`layout`] puts into a field: the length the layout engine must stay bounded
/// for, far above any stored-text limit.
pub const LAYOUT_MAX_CHARS: usize = 100_000;

/// The texts of one [`layout`] run: one field (chosen by the input) gets the long text,
/// every other field a short piece of it, in the order the views are built.
struct FieldTexts {
    long: String,
    short: String,
    chosen: usize,
    next: std::cell::Cell<usize>,
}

impl FieldTexts {
    /// The next field's text.
    fn text(&self) -> String {
        let field = self.next.get();
        self.next.set(field + 1);
        if field == self.chosen {
            self.long.clone()
        } else {
            self.short.clone()
        }
    }
}

/// The layout engine: every document kind (score sheets, feedback report, rectification
/// notice, leadership report) with a text of 0 to [`LAYOUT_MAX_CHARS`] characters in one of
/// its text fields. Input: byte 0 picks the document, byte 1 the field, bytes 2–4 how many
/// characters (up to 100,000), the rest is the text, repeated to that length (invalid UTF-8
/// decoded lossily). Every outcome is fine — a PDF, or a refusal (missing glyphs, too long) —
/// as long as it comes back: no panic, no endless loop, no unbounded memory.
pub fn layout(data: &[u8]) {
    let [kind, field, a, b, c, rest @ ..] = data else {
        return;
    };
    let length =
        (usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c)).min(LAYOUT_MAX_CHARS);
    let pattern: Vec<char> = String::from_utf8_lossy(rest).chars().collect();
    let long: String = if pattern.is_empty() {
        String::new()
    } else {
        pattern.iter().cycle().take(length).collect()
    };
    let texts = FieldTexts {
        short: long.chars().take(12).collect(),
        long,
        chosen: usize::from(*field),
        next: std::cell::Cell::new(0),
    };
    let Some(fonts) = layout_fonts() else {
        return;
    };
    let result = match kind % 4 {
        0 => {
            let sheets = [samples::score_sheet(&texts), samples::score_sheet(&texts)];
            documents::score_sheets_batch(&sheets, fonts, &mut |_, _| {})
        }
        1 => documents::feedback_report(&samples::feedback(&texts), fonts),
        2 => documents::rectification_notice(&samples::notice(&texts), fonts),
        _ => documents::leadership_report(&samples::leadership(&texts), fonts),
    };
    match result {
        Ok(pdf) => {
            std::hint::black_box(pdf.len());
        }
        Err(error) => {
            std::hint::black_box(error.to_string());
        }
    }
}

fn layout_fonts() -> Option<&'static documents::Fonts> {
    static FONTS: std::sync::OnceLock<Option<documents::Fonts>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| documents::Fonts::embedded().ok())
        .as_ref()
}

/// Small views of every document kind whose text fields come from a [`FieldTexts`].
mod samples {
    use super::FieldTexts;
    use crate::documents::*;
    use chrono::NaiveDate;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 10, 15).unwrap_or_default()
    }

    pub(super) fn score_sheet(t: &FieldTexts) -> ScoreSheetView {
        let item = |code: &str| RubricItemRow {
            code: code.to_owned(),
            title: t.text(),
            max_points: 5.0,
            not_applicable: false,
            deductions: vec![Deduction {
                points: 1.0,
                reason: t.text(),
                pages: t.text(),
            }],
        };
        ScoreSheetView {
            round_name: t.text(),
            bureau: t.text(),
            case_number: t.text(),
            case_type: t.text(),
            cause: t.text(),
            recipient: t.text(),
            recipient_is_minor: false,
            handler: t.text(),
            handling_organisation: t.text(),
            aid_center: t.text(),
            assigned_on: Some(day()),
            closed_on: None,
            rubric_name: t.text(),
            sections: vec![RubricSection {
                title: t.text(),
                max_points: 10.0,
                items: vec![item("A1"), item("A2")],
            }],
            vetoes: vec![VetoRow {
                item: t.text(),
                reason: t.text(),
                pages: t.text(),
            }],
            total: 58.0,
            max_total: 100.0,
            grade: t.text(),
            reconciliation_note: Some(t.text()),
            final_result_note: None,
            reviewers: vec![t.text(), t.text()],
            team_leader: Some(t.text()),
            blind: false,
            reviewed_on: day(),
        }
    }

    pub(super) fn feedback(t: &FieldTexts) -> FeedbackReportView {
        let case = || FeedbackCase {
            case_number: t.text(),
            case_type: t.text(),
            handler: t.text(),
            handling_organisation: t.text(),
            total: 80.0,
            grade: t.text(),
        };
        FeedbackReportView {
            bureau: t.text(),
            round_name: t.text(),
            unit: t.text(),
            review_period: t.text(),
            inspection_team: Some(t.text()),
            cases: vec![case(), case()],
            round_files: 2,
            round_average: 80.0,
            round_good_count: 1,
            round_pass_count: 2,
            rank: Some(1),
            units_in_round: 3,
            finding_groups: vec![FeedbackFindingGroup {
                item: t.text(),
                findings: vec![(t.text(), t.text(), 2.0), (t.text(), t.text(), 1.0)],
            }],
            typical_problems: vec![t.text()],
            requirements: t.text(),
            issued_on: day(),
        }
    }

    pub(super) fn notice(t: &FieldTexts) -> RectificationNoticeView {
        let finding = || NoticeFinding {
            case_number: t.text(),
            handler: t.text(),
            item: t.text(),
            deduction: 2.0,
            problem: t.text(),
            requirement: t.text(),
        };
        RectificationNoticeView {
            organ_mark: t.text(),
            doc_number: t.text(),
            title: t.text(),
            addressee: t.text(),
            body: t.text(),
            findings: vec![finding(), finding()],
            closing: t.text(),
            deadline: day(),
            issuer: t.text(),
            issued_on: day(),
            contact: Some(t.text()),
            copy_to: vec![t.text()],
            printed_by: Some(t.text()),
        }
    }

    pub(super) fn leadership(t: &FieldTexts) -> LeadershipReportView {
        let unit = || UnitRow {
            unit: t.text(),
            files: 3,
            average: 81.5,
            excellent: 1,
            good: 1,
            pass: 1,
            fail: 0,
        };
        LeadershipReportView {
            bureau: t.text(),
            round_name: t.text(),
            doc_number: Some(t.text()),
            introduction: t.text(),
            reviewers: 4,
            grades: ["优秀", "良好", "合格", "不合格"]
                .into_iter()
                .map(|grade| GradeCount {
                    grade: grade.to_owned(),
                    count: 1,
                })
                .collect(),
            by_unit: vec![unit(), unit()],
            by_case_type: vec![CaseTypeRow {
                case_type: t.text(),
                files: 4,
                average: 80.0,
                good_count: 2,
                pass_count: 3,
            }],
            trend: vec![
                TrendPoint {
                    round: t.text(),
                    average: 78.0,
                    good_rate: 40.0,
                },
                TrendPoint {
                    round: t.text(),
                    average: 81.5,
                    good_rate: 50.0,
                },
            ],
            typical_problems: vec![TypicalProblem {
                title: t.text(),
                files: 2,
                description: t.text(),
            }],
            calibration_notes: vec![t.text()],
            rectification: vec![RectificationProgressRow {
                unit: t.text(),
                findings: 3,
                fixed: 1,
                verified: 1,
                overdue: true,
                status: t.text(),
            }],
            caseload: None,
            requirements: t.text(),
            files: vec![FileScoreRow {
                unit: t.text(),
                case_number: t.text(),
                case_type: t.text(),
                handler: t.text(),
                total: 81.5,
                grade: t.text(),
            }],
            issued_on: day(),
        }
    }
}
