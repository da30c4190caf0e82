//! Document numbers (发文字号) of rectification notices, written as GB/T 9704 §7.2.5 asks:
//! issuer code, the full year in 六角括号 〔〕, the serial without leading zeros and without
//! 第, then 号, as in 银司法评〔2025〕12号.
//!
//! Allocating the serial is storage's job (it must never repeat, even under concurrent
//! issuing); this module formats, parses and checks, and says which serial comes next.

use std::fmt;
use std::str::FromStr;

const OPEN: char = '〔';
const CLOSE: char = '〕';
const SUFFIX: char = '号';
/// Longer than any real 机关代字; keeps a mistyped paste out of the header.
const MAX_PREFIX_CHARS: usize = crate::domain::text_limits::TextField::DocPrefix.max_chars();
const YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

/// What is wrong with a prefix, a year, a serial or a number's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocNumberError {
    #[error("发文机关代字不能为空")]
    EmptyPrefix,
    #[error("发文机关代字“{prefix}”过长（最多 {MAX_PREFIX_CHARS} 个字）")]
    PrefixTooLong { prefix: String },
    #[error("发文机关代字“{prefix}”不能含有“{found}”：年份和序号由系统生成")]
    PrefixCharacter { prefix: String, found: char },
    #[error("年份 {year} 须为四位数")]
    Year { year: i32 },
    #[error("发文序号须从 1 开始")]
    ZeroSerial,
    #[error("“{text}”不是有效的发文字号，应形如“银司法评〔2025〕12号”")]
    Malformed { text: String },
    #[error("发文字号“{text}”的机关代字应为“{expected}”")]
    OtherPrefix { text: String, expected: String },
}

/// A bureau's numbering: its issuer code (机关代字), checked once so every number rendered
/// from it is well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumberFormat {
    prefix: String,
}

impl DocNumberFormat {
    /// Checks a prefix as the bureau typed it: not empty, no spaces, no digits and no
    /// brackets, because the year and serial are added here and a prefix holding them would
    /// print them twice.
    pub fn new(prefix: &str) -> Result<DocNumberFormat, DocNumberError> {
        let prefix = prefix.trim();
        if prefix.is_empty() {
            return Err(DocNumberError::EmptyPrefix);
        }
        if prefix.chars().count() > MAX_PREFIX_CHARS {
            return Err(DocNumberError::PrefixTooLong {
                prefix: prefix.to_string(),
            });
        }
        let forbidden = |c: char| {
            c.is_numeric()
                || c.is_whitespace()
                || c.is_control()
                || "〔〕[]()（）【】{}<>《》号".contains(c)
        };
        if let Some(found) = prefix.chars().find(|c| forbidden(*c)) {
            return Err(DocNumberError::PrefixCharacter {
                prefix: prefix.to_string(),
                found,
            });
        }
        Ok(DocNumberFormat {
            prefix: prefix.to_string(),
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The number for a serial in a year (the year of the issue date).
    pub fn number(&self, year: i32, serial: u32) -> Result<DocNumber, DocNumberError> {
        if !YEARS.contains(&year) {
            return Err(DocNumberError::Year { year });
        }
        if serial == 0 {
            return Err(DocNumberError::ZeroSerial);
        }
        Ok(DocNumber {
            prefix: self.prefix.clone(),
            year,
            serial,
        })
    }

    /// Reads a number back and insists on this bureau's prefix.
    pub fn parse(&self, text: &str) -> Result<DocNumber, DocNumberError> {
        let number: DocNumber = text.parse()?;
        if number.prefix != self.prefix {
            return Err(DocNumberError::OtherPrefix {
                text: text.trim().to_string(),
                expected: self.prefix.clone(),
            });
        }
        Ok(number)
    }
}

/// A well-formed document number. Shown with `Display`: 银司法评〔2025〕12号.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocNumber {
    prefix: String,
    year: i32,
    serial: u32,
}

impl DocNumber {
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn serial(&self) -> u32 {
        self.serial
    }
}

impl fmt::Display for DocNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{OPEN}{}{CLOSE}{}{SUFFIX}",
            self.prefix, self.year, self.serial
        )
    }
}

impl FromStr for DocNumber {
    type Err = DocNumberError;

    /// Reads exactly the GB/T 9704 form: no 第, no leading zeros, a four-digit year.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let malformed = || DocNumberError::Malformed {
            text: trimmed.to_string(),
        };
        let (prefix, rest) = trimmed.split_once(OPEN).ok_or_else(malformed)?;
        let (year, rest) = rest.split_once(CLOSE).ok_or_else(malformed)?;
        let serial = rest.strip_suffix(SUFFIX).ok_or_else(malformed)?;
        let digits = |part: &str| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit());
        if !digits(year) || year.len() != 4 || !digits(serial) || serial.starts_with('0') {
            return Err(malformed());
        }
        let year: i32 = year.parse().map_err(|_| malformed())?;
        let serial: u32 = serial.parse().map_err(|_| malformed())?;
        DocNumberFormat::new(prefix)?.number(year, serial)
    }
}

/// The serial to give the next notice of a year: one more than the highest already issued,
/// 1 for the first. Gaps left by withdrawn notices are not reused, since a number once sent
/// out must keep meaning one document. `None` only when `u32::MAX` is taken.
pub fn next_serial(issued_serials_for_year: impl IntoIterator<Item = u32>) -> Option<u32> {
    issued_serials_for_year
        .into_iter()
        .max()
        .map_or(Some(1), |highest| highest.checked_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn yinchuan() -> DocNumberFormat {
        DocNumberFormat::new("银司法评").unwrap()
    }

    #[test]
    fn renders_the_gb_t_9704_form() {
        let number = yinchuan().number(2025, 12).unwrap();
        assert_eq!(number.to_string(), "银司法评〔2025〕12号");
        assert_eq!(
            yinchuan().number(2025, 1).unwrap().to_string(),
            "银司法评〔2025〕1号"
        );
    }

    #[test]
    fn parses_real_numbers() {
        let number: DocNumber = "绵司法发〔2023〕34号".parse().unwrap();
        assert_eq!(
            (number.prefix(), number.year(), number.serial()),
            ("绵司法发", 2023, 34)
        );
        assert_eq!(
            yinchuan().parse(" 银司法评〔2025〕12号 ").unwrap().serial(),
            12
        );
        assert_eq!(
            yinchuan().parse("粤司办〔2022〕252号"),
            Err(DocNumberError::OtherPrefix {
                text: "粤司办〔2022〕252号".to_string(),
                expected: "银司法评".to_string()
            })
        );
    }

    #[test]
    fn refuses_forms_gb_t_9704_forbids() {
        for text in [
            "银司法评〔2025〕第12号",
            "银司法评〔2025〕012号",
            "银司法评〔25〕12号",
            "银司法评[2025]12号",
            "银司法评（2025）12号",
            "银司法评〔2025〕12",
            "银司法评〔2025〕0号",
            "〔2025〕12号",
            "银司法评〔2025〕12号号",
        ] {
            assert!(text.parse::<DocNumber>().is_err(), "{text}");
        }
    }

    #[test]
    fn checks_the_prefix() {
        assert_eq!(DocNumberFormat::new("  "), Err(DocNumberError::EmptyPrefix));
        for (prefix, found) in [
            ("银司法评〔", '〔'),
            ("银司法2025", '2'),
            ("银司法２", '２'),
            ("银 司法", ' '),
            ("银司法[", '['),
        ] {
            assert_eq!(
                DocNumberFormat::new(prefix),
                Err(DocNumberError::PrefixCharacter {
                    prefix: prefix.to_string(),
                    found
                }),
                "{prefix}"
            );
        }
        assert!(DocNumberFormat::new(&"银".repeat(21)).is_err());
        assert_eq!(
            DocNumberFormat::new(" 银司法评 ").unwrap().prefix(),
            "银司法评"
        );
        assert_eq!(
            DocNumberFormat::new("银司法2").map_err(|error| error.to_string()),
            Err("发文机关代字“银司法2”不能含有“2”：年份和序号由系统生成".to_string())
        );
    }

    #[test]
    fn checks_year_and_serial() {
        assert_eq!(
            yinchuan().number(25, 1),
            Err(DocNumberError::Year { year: 25 })
        );
        assert_eq!(yinchuan().number(2025, 0), Err(DocNumberError::ZeroSerial));
    }

    #[test]
    fn next_serial_follows_the_highest() {
        assert_eq!(next_serial([]), Some(1));
        assert_eq!(next_serial([1, 2, 3]), Some(4));
        assert_eq!(next_serial([5, 2]), Some(6), "gaps are not reused");
        assert_eq!(next_serial([u32::MAX]), None);
    }

    fn prefix() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select("银司法评绵发粤办政厅援ABCxyz-_".chars().collect::<Vec<_>>()),
            1..=MAX_PREFIX_CHARS,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn numbers_round_trip(prefix in prefix(), year in 1000i32..=9999, serial in 1u32..) {
            let format = DocNumberFormat::new(&prefix).unwrap();
            let number = format.number(year, serial).unwrap();
            let text = number.to_string();
            prop_assert_eq!(format.parse(&text), Ok(number.clone()));
            prop_assert_eq!(text.parse::<DocNumber>(), Ok(number));
        }

        #[test]
        fn next_serial_never_repeats(
            issued in proptest::collection::vec(1u32..10_000, 0..50),
            more in 1usize..50,
        ) {
            let mut taken: BTreeSet<u32> = issued.into_iter().collect();
            for _ in 0..more {
                let next = next_serial(taken.iter().copied()).unwrap();
                prop_assert!(next >= 1);
                prop_assert!(taken.insert(next), "serial {} repeated", next);
            }
        }
    }
}
