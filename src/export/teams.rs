//! The published team list (交叉检查组名单) as XLSX: one row per member, with the team's
//! units and the member's files.

use crate::domain::assignment::{Assignment, Problem};
use crate::domain::ids::UnitId;
use crate::export::{ExportError, write_text};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use std::collections::BTreeMap;

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

/// `unit_names` names every unit (reviewers come from units the problem does not inspect).
pub fn team_list_xlsx(
    round_name: &str,
    problem: &Problem,
    assignment: &Assignment,
    unit_names: &BTreeMap<UnitId, String>,
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
    write_text(sheet, 0, 0, &format!("{round_name} 交叉检查组名单"), &title)?;
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
                    .map(|r| {
                        unit_names
                            .get(&r.unit)
                            .map_or_else(|| problem.unit_name(r.unit), String::as_str)
                            .to_string()
                    })
                    .unwrap_or_default(),
                expertise.join("、"),
                units.join("、"),
                files.len().to_string(),
                files.join("；"),
            ];
            for (column, value) in values.iter().enumerate() {
                let column = u16::try_from(column).unwrap_or(u16::MAX);
                // Names come from imports: one starting with = + - @ stays text (see
                // `write_text`), and a long list of files is cut to fit the cell.
                write_text(sheet, row, column, value, &cell)?;
            }
            row += 1;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assignment::{Scale, synthetic_instance};
    use std::io::Read;

    fn part(xlsx: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
        let mut text = String::new();
        archive
            .by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn names_that_look_like_formulas_stay_inert_text() {
        let mut problem = synthetic_instance(Scale::City, 7);
        let hostile = [
            "=HYPERLINK(\"http://evil.example\",\"点我\")",
            "+SUM(1,2)",
            "-2+3",
            "@cmd|' /C calc'!A0",
        ];
        for (index, reviewer) in problem.reviewers.iter_mut().enumerate() {
            reviewer.name = hostile[index % hostile.len()].to_string();
        }
        let assignment = crate::domain::assignment::solve(&problem).unwrap();
        let bytes = team_list_xlsx("=1+1轮次", &problem, &assignment, &BTreeMap::new()).unwrap();
        let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!sheet.contains("<f>"), "no formula cells");
        let styles = part(&bytes, "xl/styles.xml");
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
        let mut workbook: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        let range = workbook.worksheet_range("交叉检查组名单").unwrap();
        let names: Vec<String> = range.rows().skip(2).map(|row| row[2].to_string()).collect();
        assert!(!names.is_empty());
        for name in &names {
            assert!(hostile.contains(&name.as_str()), "{name}");
        }
        assert_eq!(
            range.get((0, 0)).unwrap().to_string(),
            "=1+1轮次 交叉检查组名单"
        );
    }
}
