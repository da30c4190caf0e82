//! Times as the bureau reads them. Pingcha stores every moment in UTC (`storage::now`); every
//! page, document and export shows it in Beijing time (Asia/Shanghai, UTC+8, no daylight
//! saving), through these functions only, so no UTC figure reaches a reader.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// Beijing time's offset from UTC, in hours.
pub const OFFSET_HOURS: i64 = 8;

/// A stored (UTC) moment in Beijing time.
pub fn local(at: NaiveDateTime) -> NaiveDateTime {
    at + Duration::hours(OFFSET_HOURS)
}

/// The Beijing-time day of a stored moment.
pub fn local_date(at: NaiveDateTime) -> NaiveDate {
    local(at).date()
}

/// A Beijing-time day's start as a stored (UTC) moment: for filters by local date.
pub fn day_start_utc(day: NaiveDate) -> NaiveDateTime {
    day.and_time(chrono::NaiveTime::MIN) - Duration::hours(OFFSET_HOURS)
}

/// `2025-10-01 16:30` in Beijing time.
pub fn minutes(at: NaiveDateTime) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

/// `2025-10-01 16:30:05` in Beijing time.
pub fn seconds(at: NaiveDateTime) -> String {
    local(at).format("%Y-%m-%d %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_evening_is_the_next_morning_in_beijing() {
        let at = NaiveDate::from_ymd_opt(2025, 9, 30)
            .unwrap()
            .and_hms_opt(20, 15, 7)
            .unwrap();
        assert_eq!(minutes(at), "2025-10-01 04:15");
        assert_eq!(seconds(at), "2025-10-01 04:15:07");
        assert_eq!(
            local_date(at),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()
        );
        let day = NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
        assert_eq!(local_date(day_start_utc(day)), day);
        assert_eq!(minutes(day_start_utc(day)), "2025-10-01 00:00");
    }
}
