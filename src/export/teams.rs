//! The published team list (交叉检查组名单) as XLSX: one row per member, with the team's
//! units and the member's files.

use crate::domain::assignment::{Assignment, Problem};
use crate::export::ExportError;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

const COLUMNS: [(&str, f64); 8] = [
    ("组别", 8.0),
    ("职务", 8.0),
    ("姓名", 12.0),
    ("所属单位", 22.0),
    ("专长", 14.0),
    ("检查单位", 36.0),
    ("分配案卷数", 12.0),
    ("分配案卷", 60.0),
];

pub fn team_list_xlsx(
    round_name: &str,
    problem: &Problem,
    assignment: &Assignment,
) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("交叉检查组名单")?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new()
        .set_bold()
        .set_background_color("D9E1F2")
        .set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    sheet.write_string_with_format(0, 0, format!("{round_name} 交叉检查组名单"), &title)?;
    for (column, (name, width)) in COLUMNS.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(u16::MAX);
        sheet.write_string_with_format(1, column, *name, &header)?;
        sheet.set_column_width(column, *width)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    let mut row = 2u32;
    for team in &assignment.teams {
        let units: Vec<&str> = team
            .units
            .iter()
            .map(|unit| problem.unit_name(*unit))
            .collect();
        for member in &team.members {
            let reviewer = problem.reviewer(*member);
            let files: Vec<&str> = assignment
                .placements
                .iter()
                .filter(|placement| placement.reviewers.contains(member))
                .map(|placement| problem.case_number(placement.file))
                .collect();
            let expertise: Vec<&str> = reviewer
                .map(|r| r.expertise.iter().map(|t| t.label()).collect())
                .unwrap_or_default();
            let values = [
                format!("第{}组", team.number),
                if *member == team.leader {
                    "组长".to_string()
                } else {
                    "组员".to_string()
                },
                problem.reviewer_name(*member).to_string(),
                reviewer
                    .map(|r| problem.unit_name(r.unit).to_string())
                    .unwrap_or_default(),
                expertise.join("、"),
                units.join("、"),
                files.len().to_string(),
                files.join("；"),
            ];
            for (column, value) in values.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                // Always a string cell: a name beginning with = or + is never a formula.
                sheet.write_string_with_format(row, column, value, &cell)?;
            }
            row += 1;
        }
    }
    Ok(workbook.save_to_buffer()?)
}
