//! Chinese forms of dates, numbers and names as they appear in the documents.

pub use crate::domain::notice_text::chinese_date;

/// 一, 二, … 九十九 for headings 一、 and （一）.
pub(crate) fn chinese_numeral(number: usize) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let digit = |value: usize| DIGITS.get(value).copied().unwrap_or("");
    match number {
        0..=9 => digit(number).to_owned(),
        10..=19 => format!("十{}", if number == 10 { "" } else { digit(number - 10) }),
        20..=99 => format!(
            "{}十{}",
            digit(number / 10),
            if number.is_multiple_of(10) {
                ""
            } else {
                digit(number % 10)
            }
        ),
        _ => number.to_string(),
    }
}

/// A score as printed: 92, 92.5 (one decimal at most).
pub(crate) fn score(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if (rounded - rounded.round()).abs() < 1e-9 {
        format!("{}", rounded.round() as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// An average as printed in tables: always one decimal (72.0, 84.3).
pub(crate) fn average(value: f64) -> String {
    format!("{value:.1}")
}

/// A share as a percentage with one decimal: 66.7%. An empty base gives "—".
pub(crate) fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "—".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// Compound surnames kept whole when a name is masked.
const COMPOUND_SURNAMES: [&str; 12] = [
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯",
];

/// Masks a recipient's name the way published judgments do: the surname stays, the given name
/// becomes 某某 (张某某); a minor's name becomes 某某 entirely (DOMAIN §10).
pub(crate) fn mask_name(name: &str, minor: bool) -> String {
    let name = name.trim();
    if minor || name.is_empty() {
        return "某某".to_owned();
    }
    if name.contains('某') {
        return name.to_owned();
    }
    let surname = COMPOUND_SURNAMES
        .iter()
        .find(|surname| name.starts_with(**surname) && name.chars().count() > 2)
        .map_or_else(
            || name.chars().take(1).collect::<String>(),
            |surname| (*surname).to_owned(),
        );
    format!("{surname}某某")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn dates_numerals_and_masks() {
        let date = NaiveDate::from_ymd_opt(2025, 10, 5).unwrap();
        assert_eq!(chinese_date(date), "2025年10月5日");
        assert_eq!(chinese_numeral(1), "一");
        assert_eq!(chinese_numeral(10), "十");
        assert_eq!(chinese_numeral(12), "十二");
        assert_eq!(chinese_numeral(30), "三十");
        assert_eq!(chinese_numeral(47), "四十七");
        assert_eq!(score(92.0), "92");
        assert_eq!(score(92.45), "92.5");
        assert_eq!(percent(2, 3), "66.7%");
        assert_eq!(mask_name("王玥", false), "王某某");
        assert_eq!(mask_name("欧阳喆堃", false), "欧阳某某");
        assert_eq!(mask_name("欧阳", false), "欧某某");
        assert_eq!(mask_name("李昇", true), "某某");
    }
}
