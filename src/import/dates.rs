//! Dates as registries write them: 2023-04-05, 2023/4/5, 2023.4.5, 2023年4月5日, 20230405, each
//! optionally followed by a time, Excel serial numbers (as numbers or as text) and cells Excel
//! formats as dates.

use chrono::{Datelike, NaiveDate};

use super::Cell;

/// Earliest and latest year accepted; outside this a value is almost surely a misread (a case
/// number typed into a date column reads as a serial date in the 1930s).
pub const YEARS: std::ops::RangeInclusive<i32> = 1980..=2100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateError {
    Unrecognised,
    OutOfRange,
}

/// Reads a date from a cell; any time of day is dropped.
pub fn parse_date(cell: Cell<'_>) -> Result<NaiveDate, DateError> {
    let date = match cell {
        Cell::Empty | Cell::Bool(_) => return Err(DateError::Unrecognised),
        Cell::DateTime(value) => value.date(),
        Cell::Number(value) => number_to_date(value)?,
        Cell::Text(text) => parse_date_text(text)?,
    };
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(DateError::OutOfRange)
    }
}

/// A number is `yyyymmdd` when it has eight digits, otherwise an Excel serial date.
fn number_to_date(value: f64) -> Result<NaiveDate, DateError> {
    if !value.is_finite() || value < 1.0 {
        return Err(DateError::Unrecognised);
    }
    if (10_000_000.0..100_000_000.0).contains(&value) && value.fract() == 0.0 {
        let whole = value as u32;
        return NaiveDate::from_ymd_opt((whole / 10_000) as i32, whole / 100 % 100, whole % 100)
            .ok_or(DateError::Unrecognised);
    }
    excel_serial_to_date(value).ok_or(DateError::OutOfRange)
}

/// Excel's 1900 date system: serial 1 is 1900-01-01 and Excel believes 1900-02-29 (serial 60)
/// existed, so serials from 61 on count from 1899-12-30 and earlier ones from 1899-12-31;
/// serial 60 reads as 1900-02-28, as calamine does. The fraction (time of day) is dropped.
pub fn excel_serial_to_date(serial: f64) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let (epoch, days) = match days {
        60 => (NaiveDate::from_ymd_opt(1900, 2, 28)?, 0),
        61.. => (NaiveDate::from_ymd_opt(1899, 12, 30)?, days),
        _ => (NaiveDate::from_ymd_opt(1899, 12, 31)?, days),
    };
    epoch.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// Parses the text forms; see the module doc.
pub fn parse_date_text(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    let (date_part, rest) = split_time(text);
    if !is_time(rest) {
        return Err(DateError::Unrecognised);
    }
    if date_part
        .bytes()
        .all(|byte| byte.is_ascii_digit() || byte == b'.')
        && date_part.bytes().filter(|byte| *byte == b'.').count() <= 1
    {
        let value: f64 = date_part.parse().map_err(|_| DateError::Unrecognised)?;
        return number_to_date(value);
    }
    let mut parts = [0u32; 3];
    let mut count = 0;
    let mut separators = Vec::with_capacity(3);
    let mut digits = 0usize;
    let mut current: u32 = 0;
    for c in date_part.chars() {
        if let Some(digit) = c.to_digit(10) {
            digits += 1;
            if digits > 4 {
                return Err(DateError::Unrecognised);
            }
            current = current * 10 + digit;
        } else if matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | '号') {
            if digits == 0 || count >= 3 {
                return Err(DateError::Unrecognised);
            }
            let slot = parts.get_mut(count).ok_or(DateError::Unrecognised)?;
            *slot = current;
            count += 1;
            separators.push(c);
            digits = 0;
            current = 0;
        } else {
            return Err(DateError::Unrecognised);
        }
    }
    if digits > 0 {
        let slot = parts.get_mut(count).ok_or(DateError::Unrecognised)?;
        *slot = current;
        count += 1;
    }
    let chinese = separators.first() == Some(&'年');
    let consistent = match separators.as_slice() {
        [first, second] | [first, second, _] if !chinese => first == second,
        ['年', '月'] | ['年', '月', '日' | '号'] => true,
        _ => false,
    };
    let [year, month, day] = parts;
    if count != 3 || !consistent || !(1000..=9999).contains(&year) {
        return Err(DateError::Unrecognised);
    }
    NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(DateError::Unrecognised)
}

/// Splits `2023-04-05 10:30`, `2023-04-05T10:30:00` and `2023年4月5日10时` into date and time.
fn split_time(text: &str) -> (&str, &str) {
    if let Some(index) = text.find('日').or_else(|| text.find('号')) {
        let split = index + '日'.len_utf8();
        return (
            text.get(..split).unwrap_or(text),
            text.get(split..).unwrap_or(""),
        );
    }
    match text.find([' ', 'T', '\u{3000}']) {
        Some(index) => (
            text.get(..index).unwrap_or(text),
            text.get(index..).unwrap_or(""),
        ),
        None => (text, ""),
    }
}

fn is_time(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', 'T', '\u{3000}']);
    rest.chars().all(|c| {
        c.is_ascii_digit() || matches!(c, ':' | '.' | ' ' | '时' | '分' | '秒' | '点' | 'Z' | '+')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn every_text_form_is_read() {
        for text in [
            "2023-04-05",
            "2023/4/5",
            "2023.4.5",
            "2023年4月5日",
            "2023年04月05号",
            "2023-4-5 10:30",
            "2023/04/05 10:30:15",
            "2023-04-05T08:00:00",
            "2023年4月5日 10时30分",
            "20230405",
            "45021",
            "45021.5",
            " 2023-04-05 ",
        ] {
            assert_eq!(parse_date(Cell::Text(text)), Ok(date(2023, 4, 5)), "{text}");
        }
    }

    #[test]
    fn numbers_and_date_cells_are_read() {
        assert_eq!(parse_date(Cell::Number(45021.0)), Ok(date(2023, 4, 5)));
        assert_eq!(parse_date(Cell::Number(45021.75)), Ok(date(2023, 4, 5)));
        assert_eq!(parse_date(Cell::Number(20230405.0)), Ok(date(2023, 4, 5)));
        let datetime = date(2023, 4, 5).and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(parse_date(Cell::DateTime(datetime)), Ok(date(2023, 4, 5)));
    }

    #[test]
    fn excel_1900_leap_bug_is_honoured() {
        assert_eq!(excel_serial_to_date(1.0), Some(date(1900, 1, 1)));
        assert_eq!(excel_serial_to_date(59.0), Some(date(1900, 2, 28)));
        assert_eq!(excel_serial_to_date(60.0), Some(date(1900, 2, 28)));
        assert_eq!(excel_serial_to_date(61.0), Some(date(1900, 3, 1)));
        assert_eq!(excel_serial_to_date(44927.0), Some(date(2023, 1, 1)));
    }

    #[test]
    fn nonsense_is_refused() {
        for text in [
            "2023-13-45",
            "2023-02-30",
            "2023-4/5",
            "5/4/2023",
            "二〇二三年四月五日",
            "2023年4月",
            "明天",
            "2023-04-05 上午",
            "12345678901",
        ] {
            assert!(parse_date(Cell::Text(text)).is_err(), "{text}");
        }
        assert_eq!(parse_date(Cell::Number(1234.0)), Err(DateError::OutOfRange));
        assert_eq!(
            parse_date(Cell::Text("1850-01-01")),
            Err(DateError::OutOfRange)
        );
        assert_eq!(parse_date(Cell::Empty), Err(DateError::Unrecognised));
    }
}
