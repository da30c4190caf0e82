//! Fixed-point score values, so that 2.5 + 0.1 is exact and totals never drift like f64 sums do.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};
use std::str::FromStr;

/// A score in tenths of a point (扣分、满分、总分 all use one decimal place at most).
///
/// Stored as an integer so sums, comparisons and snapshots are exact; shown as "2.5" or "3".
/// Serialised as the integer number of tenths.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct Points(i32);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);
    /// The scale every deduction rubric's total is expressed on.
    pub const HUNDRED: Points = Points(1000);

    /// Builds a value from tenths of a point, the unit storage keeps.
    pub const fn from_tenths(tenths: i32) -> Points {
        Points(tenths)
    }

    /// Builds a value from whole points.
    pub const fn whole(points: i32) -> Points {
        Points(points * 10)
    }

    /// The value in tenths of a point, the unit storage keeps.
    pub const fn tenths(self) -> i32 {
        self.0
    }

    /// Converts a number read from a rubric file; `None` when it has more than one decimal
    /// place or is out of range, because a rubric must say exactly what it means.
    pub fn from_decimal(value: f64) -> Option<Points> {
        let scaled = value * 10.0;
        let rounded = scaled.round();
        let exact = (scaled - rounded).abs() < 1e-6;
        let in_range = rounded.abs() <= 1_000_000.0;
        // The range check below keeps the cast lossless.
        let tenths = rounded as i32;
        (exact && in_range && value.is_finite()).then_some(Points(tenths))
    }

    /// Multiplies by a count of occurrences, saturating instead of overflowing.
    pub fn times(self, count: u32) -> Points {
        let count = i32::try_from(count).unwrap_or(i32::MAX);
        Points(self.0.saturating_mul(count))
    }

    /// Divides `numerator / denominator` of the same unit and rounds half up to tenths of
    /// the given scale: used for rescaling (`scale` = 100 points) and averaging.
    ///
    /// Half up (四舍五入) is the rounding clerks do by hand, so a worked example matches.
    pub fn ratio_of(self, numerator: Points, denominator: Points) -> Option<Points> {
        if denominator.0 <= 0 {
            return None;
        }
        let product = i64::from(numerator.0) * i64::from(self.0);
        let denominator = i64::from(denominator.0);
        let rounded = (2 * product + denominator).div_euclid(2 * denominator);
        i32::try_from(rounded).ok().map(Points)
    }

    /// The mean of some values, rounded half up to a tenth; `None` for an empty list.
    pub fn mean(values: &[Points]) -> Option<Points> {
        let count = i32::try_from(values.len())
            .ok()
            .filter(|count| *count > 0)?;
        let sum: Points = values.iter().copied().sum();
        sum.ratio_of(Points::from_tenths(10), Points::whole(count))
    }
}

impl Add for Points {
    type Output = Points;

    fn add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0))
    }
}

impl Sub for Points {
    type Output = Points;

    fn sub(self, other: Points) -> Points {
        Points(self.0.saturating_sub(other.0))
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

impl fmt::Display for Points {
    /// "2.5", "3", "-0.5": the way points are written on a score sheet.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let whole = self.0.unsigned_abs() / 10;
        let tenth = self.0.unsigned_abs() % 10;
        if tenth == 0 {
            write!(f, "{sign}{whole}")
        } else {
            write!(f, "{sign}{whole}.{tenth}")
        }
    }
}

/// Text that is not a score with at most one decimal place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("分值“{0}”无效：应为数字，最多保留一位小数")]
pub struct InvalidPoints(pub String);

impl FromStr for Points {
    type Err = InvalidPoints;

    /// Reads what a reviewer types into a form ("2", "2.5", "0.5"); exact, no float on the way.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let invalid = || InvalidPoints(trimmed.to_string());
        let (negative, digits) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, tenth) = match digits.split_once('.') {
            Some((whole, fraction)) => (whole, fraction),
            None => (digits, ""),
        };
        let all_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(tenth) || whole.len() > 6 {
            return Err(invalid());
        }
        let tenth = tenth.trim_end_matches('0');
        if tenth.len() > 1 {
            return Err(invalid());
        }
        let whole: i32 = whole.parse().map_err(|_| invalid())?;
        let tenth: i32 = if tenth.is_empty() {
            0
        } else {
            tenth.parse().map_err(|_| invalid())?
        };
        let value = whole * 10 + tenth;
        Ok(Points(if negative { -value } else { value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_one_decimal_only_when_needed() {
        assert_eq!(Points::from_tenths(25).to_string(), "2.5");
        assert_eq!(Points::whole(3).to_string(), "3");
        assert_eq!(Points::from_tenths(-5).to_string(), "-0.5");
    }

    #[test]
    fn parses_form_text_exactly() {
        assert_eq!("2.5".parse::<Points>(), Ok(Points::from_tenths(25)));
        assert_eq!(" 3 ".parse::<Points>(), Ok(Points::whole(3)));
        assert_eq!("1.50".parse::<Points>(), Ok(Points::from_tenths(15)));
        assert!("2.55".parse::<Points>().is_err());
        assert!("abc".parse::<Points>().is_err());
        assert!(".5".parse::<Points>().is_err());
    }

    #[test]
    fn converts_file_decimals_only_when_exact() {
        assert_eq!(Points::from_decimal(2.5), Some(Points::from_tenths(25)));
        assert_eq!(Points::from_decimal(0.1), Some(Points::from_tenths(1)));
        assert_eq!(Points::from_decimal(2.55), None);
        assert_eq!(Points::from_decimal(f64::NAN), None);
    }

    #[test]
    fn ratio_rounds_half_up() {
        // 70 of 90 points on the 100-point scale = 77.777… -> 77.8
        let scaled = Points::HUNDRED.ratio_of(Points::whole(70), Points::whole(90));
        assert_eq!(scaled, Some(Points::from_tenths(778)));
        // 0.05 rounds up: mean of 80.0 and 80.1 = 80.05 -> 80.1
        let mean = Points::mean(&[Points::from_tenths(800), Points::from_tenths(801)]);
        assert_eq!(mean, Some(Points::from_tenths(801)));
        assert_eq!(Points::mean(&[]), None);
    }
}
