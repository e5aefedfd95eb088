//! Parsers of the Sirene field values: pure, unit-tested. Each returns the value or the reason
//! the value was rejected.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use entity::enums::{CompanyCategory, HeadcountBand};
use sea_orm::ActiveEnum;

/// `O`/`N` (also `true`/`false`, `1`/`0`).
pub fn parse_yes_no(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "o" | "oui" | "true" | "1" | "y" | "yes" => Ok(true),
        "n" | "non" | "false" | "0" | "no" => Ok(false),
        _ => Err("expected O or N".to_owned()),
    }
}

/// A day `YYYY-MM-DD` between 1800 and next year.
pub fn parse_day(value: &str) -> Result<NaiveDate, String> {
    let day =
        NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| "expected a date YYYY-MM-DD".to_owned())?;
    let next_year = Utc::now().year() + 1;
    if !(1800..=next_year).contains(&day.year()) {
        return Err(format!("implausible date (not between 1800 and {next_year})"));
    }
    Ok(day)
}

/// A processing time `YYYY-MM-DDTHH:MM:SS` (fractions of a second allowed) or a day, as UTC;
/// a time more than a day ahead of the clock is refused (it would make every later
/// publication of the record look older).
pub fn parse_timestamp(value: &str) -> Result<DateTime<Utc>, String> {
    let value = value.trim();
    let at = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f"))
        .map(|t| t.and_utc())
        .or_else(|_| parse_day(value).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        .map_err(|_| "expected a time YYYY-MM-DDTHH:MM:SS".to_owned())?;
    if at > Utc::now() + crate::store::write::SOURCE_CLOCK_SKEW {
        return Err("a processing time in the future".to_owned());
    }
    Ok(at)
}

/// A headcount band code (`NN`, `00`, `01` … `53`).
pub fn parse_headcount_band(value: &str) -> Result<HeadcountBand, String> {
    HeadcountBand::try_from_value(&value.trim().to_ascii_uppercase()).map_err(|_| {
        "unknown headcount band (expected NN, 00, 01, 02, 03, 11, 12, 21, 22, 31, 32, 41, 42, 51, 52 or 53)".to_owned()
    })
}

/// A reference year between 1970 and next year.
pub fn parse_year(value: &str) -> Result<i16, String> {
    let next_year = Utc::now().year() + 1;
    value
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|year| (1970..=next_year).contains(year))
        .and_then(|year| i16::try_from(year).ok())
        .ok_or_else(|| format!("expected a year between 1970 and {next_year}"))
}

/// `PME`, `ETI` or `GE`.
pub fn parse_company_category(value: &str) -> Result<CompanyCategory, String> {
    match value.trim().to_ascii_uppercase().as_str() {
        "PME" => Ok(CompanyCategory::Pme),
        "ETI" => Ok(CompanyCategory::Eti),
        "GE" => Ok(CompanyCategory::Ge),
        _ => Err("expected PME, ETI or GE".to_owned()),
    }
}

/// A Lambert-93 coordinate in metres (`892390.5`, `892390,5`).
pub fn parse_metres(value: &str) -> Result<f64, String> {
    value
        .trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite())
        .ok_or_else(|| "expected a coordinate in metres".to_owned())
}

/// The first line of an address: number, repetition index, street type and name.
pub fn street_line(
    number: Option<&str>,
    index: Option<&str>,
    kind: Option<&str>,
    street: Option<&str>,
) -> Option<String> {
    let number = match (number, index) {
        (Some(number), Some(index)) => Some(format!("{number} {index}")),
        (number, _) => number.map(str::to_owned),
    };
    let parts: Vec<String> = [number, kind.map(str::to_owned), street.map(str::to_owned)]
        .into_iter()
        .flatten()
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}
