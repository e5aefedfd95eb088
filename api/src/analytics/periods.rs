//! Periods of time series: the calendar years, quarters or months from one date to another,
//! each with its key (`2024`, `2024-Q1`, `2024-03`) and its last day, counted before any is
//! built so an over-long series is refused cheaply.

use chrono::{Datelike, NaiveDate};

use crate::{domain::ValidationError, store::analytics_series::SeriesPeriod};

/// Time step of a time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    /// One point per calendar year, key `2024`.
    Year,
    /// One point per quarter, key `2024-Q1`.
    Quarter,
    /// One point per month, key `2024-03`.
    Month,
}

impl Granularity {
    /// Months in one step.
    fn months(self) -> i32 {
        match self {
            Granularity::Year => 12,
            Granularity::Quarter => 3,
            Granularity::Month => 1,
        }
    }
}

/// The most periods a time series may have (50 years of months).
pub const MAX_PERIODS: u64 = 600;

/// Every period key of `granularity` from `from` to `to`, in order.
pub fn period_keys(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> Vec<String> {
    series_periods(granularity, from, to)
        .into_iter()
        .map(|period| period.key)
        .collect()
}

/// How many periods of `granularity` run from `from` to `to` (0 when `to` is before
/// `from`), computed without building them.
pub fn period_count(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> u64 {
    let months = |date: NaiveDate| i64::from(date.year()) * 12 + i64::from(date.month0());
    let step = i64::from(granularity.months());
    let align = |m: i64| m - m.rem_euclid(step);
    let (first, last) = (align(months(from)), align(months(to)));
    if last < first {
        0
    } else {
        u64::try_from((last - first) / step + 1).unwrap_or(u64::MAX)
    }
}

/// The periods of `granularity` from `from` to `to` (not before `from`), refused (field
/// `period`, naming the count and the cap) above [`MAX_PERIODS`] before any is built.
pub fn series_periods_within(
    granularity: Granularity,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<SeriesPeriod>, ValidationError> {
    let count = period_count(granularity, from, to);
    if count > MAX_PERIODS {
        return Err(ValidationError::new(
            "period",
            format!("{from} to {to}"),
            format!("gives {count} periods of {granularity:?}; at most {MAX_PERIODS} are allowed"),
        ));
    }
    Ok(series_periods(granularity, from, to))
}

/// Every period of `granularity` from `from` to `to`, in order, each with its last day (`to`
/// for the last one when `to` falls inside it).
pub fn series_periods(granularity: Granularity, from: NaiveDate, to: NaiveDate) -> Vec<SeriesPeriod> {
    let months = |date: NaiveDate| date.year() * 12 + date.month0() as i32;
    let step = granularity.months();
    let align = |m: i32| m - m.rem_euclid(step);
    let mut keys = Vec::new();
    let mut month = align(months(from));
    while month <= months(to) {
        let (year, month0) = (month.div_euclid(12), month.rem_euclid(12));
        let key = match granularity {
            Granularity::Year => format!("{year}"),
            Granularity::Quarter => format!("{year}-Q{}", month0 / 3 + 1),
            Granularity::Month => format!("{year}-{:02}", month0 + 1),
        };
        month += step;
        let (next_year, next_month0) = (month.div_euclid(12), month.rem_euclid(12));
        #[expect(clippy::cast_sign_loss, reason = "a month index is 0 to 11")]
        let ends = NaiveDate::from_ymd_opt(next_year, next_month0 as u32 + 1, 1)
            .and_then(|next| next.pred_opt())
            .map_or(to, |last| last.min(to));
        keys.push(SeriesPeriod { key, ends });
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn period_keys_cover_the_whole_period() {
        assert_eq!(
            period_keys(Granularity::Year, date(2019, 5, 1), date(2021, 1, 1)),
            ["2019", "2020", "2021"]
        );
        assert_eq!(
            period_keys(Granularity::Quarter, date(2024, 2, 10), date(2024, 7, 1)),
            ["2024-Q1", "2024-Q2", "2024-Q3"]
        );
        assert_eq!(
            period_keys(Granularity::Month, date(2024, 11, 30), date(2025, 2, 1)),
            ["2024-11", "2024-12", "2025-01", "2025-02"]
        );
    }

    #[test]
    fn period_counts_are_computed_without_building_the_periods() {
        let spans = [
            (date(2019, 5, 1), date(2021, 1, 1)),
            (date(2024, 2, 10), date(2024, 7, 1)),
            (date(2024, 11, 30), date(2025, 2, 1)),
            (date(1900, 1, 1), date(2100, 12, 31)),
            (date(2024, 3, 1), date(2024, 3, 1)),
        ];
        for granularity in [Granularity::Year, Granularity::Quarter, Granularity::Month] {
            for (from, to) in spans {
                let built = series_periods(granularity, from, to).len() as u64;
                assert_eq!(
                    period_count(granularity, from, to),
                    built,
                    "{granularity:?} {from} {to}"
                );
            }
        }
        assert_eq!(
            period_count(Granularity::Month, date(1900, 1, 1), date(2100, 12, 31)),
            2412
        );
        assert!(period_count(Granularity::Month, NaiveDate::MIN, NaiveDate::MAX) > 6_000_000);
        assert_eq!(period_count(Granularity::Year, date(2021, 1, 1), date(2020, 1, 1)), 0);
        let refused = series_periods_within(Granularity::Month, date(2000, 1, 1), date(2050, 1, 1));
        assert_eq!(
            refused.map(|p| p.len()).map_err(|e| e.reason),
            Err("gives 601 periods of Month; at most 600 are allowed".to_owned())
        );
    }
}
