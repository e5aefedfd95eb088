//! Decoding rows into entity models by column position, straight from the driver's row.
//!
//! sea-orm's generic decoding looks every value up by column name (hashing the name) and
//! formats an error message for every NULL it meets before turning it into `None`: on the
//! read API's nested query that was a fifth of the request's CPU time. Here a model's fields
//! are read in declaration order, which is the order of the columns `Entity::find()`
//! selects (a unit test checks it for every entity), with the driver's own decoders and no
//! allocation for NULLs. Columns after the model's (sort keys, parent ids) are ignored.
//!
//! On SQLite (typed by value, not by column) values are read without sqlx's check of the
//! value's type against the Rust type: the column order test below is what ties each field
//! to its column, and that check cost more than decoding most values. Dates and timestamps,
//! stored there as ISO 8601 text, are read by a direct parser of the shapes sqlx writes
//! (`2024-03-01`, `2024-03-01T09:30:00.25+00:00`) rather than by chrono's format
//! interpreter, and enum values are matched without allocating their text; anything else
//! goes to the driver's decoder as before.

use std::{collections::HashMap, sync::LazyLock};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::enums::*;
use sea_orm::{
    ActiveEnum, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, Iterable, QueryFilter, QueryResult, QueryTrait,
    Select, sqlx::Row,
};
use uuid::Uuid;

use super::{DbContext, StoreError};

/// A value read from one column of a row.
pub trait Cell: Sized {
    /// Reads column `index` of `row`.
    fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr>;
}

fn decode_error(index: usize, error: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("column {index}: {error}"))
}

/// Reads a nullable column with the driver of the row.
fn nullable<T>(row: &QueryResult, index: usize) -> Result<Option<T>, DbErr>
where
    for<'r> Option<T>: sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Sqlite>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Sqlite>
        + sea_orm::sqlx::Decode<'r, sea_orm::sqlx::Postgres>
        + sea_orm::sqlx::Type<sea_orm::sqlx::Postgres>,
{
    if let Some(row) = row.try_as_sqlite_row() {
        row.try_get_unchecked::<Option<T>, _>(index)
            .map_err(|e| decode_error(index, e))
    } else if let Some(row) = row.try_as_pg_row() {
        row.try_get::<Option<T>, _>(index).map_err(|e| decode_error(index, e))
    } else {
        Err(decode_error(index, "unsupported database driver"))
    }
}

/// A text column read in place (no copy), for the parsers below.
fn text(row: &QueryResult, index: usize) -> Result<Option<&str>, DbErr> {
    if let Some(row) = row.try_as_sqlite_row() {
        row.try_get_unchecked::<Option<&str>, _>(index)
            .map_err(|e| decode_error(index, e))
    } else if let Some(row) = row.try_as_pg_row() {
        row.try_get::<Option<&str>, _>(index)
            .map_err(|e| decode_error(index, e))
    } else {
        Err(decode_error(index, "unsupported database driver"))
    }
}

/// The number written in ASCII digits by `digits`, if they all are digits.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, digit| {
        digit.is_ascii_digit().then(|| value * 10 + u32::from(digit - b'0'))
    })
}

/// `YYYY-MM-DD`.
fn iso_date(text: &[u8]) -> Option<NaiveDate> {
    if text.len() != 10 || text[4] != b'-' || text[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&text[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&text[5..7])?, number(&text[8..10])?)
}

/// `YYYY-MM-DDTHH:MM:SS`, optional decimal fraction of the second, then `+00:00` or `Z`:
/// what sqlx writes for a UTC timestamp. Other offsets are left to the driver.
fn iso_utc(text: &[u8]) -> Option<DateTime<Utc>> {
    if text.len() < 20 || text[10] != b'T' || text[13] != b':' || text[16] != b':' {
        return None;
    }
    let date = iso_date(&text[..10])?;
    let (hour, minute, second) = (number(&text[11..13])?, number(&text[14..16])?, number(&text[17..19])?);
    let mut rest = &text[19..];
    let mut nanos = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        nanos = number(&fraction[..digits])? * 10u32.pow(9 - u32::try_from(digits).ok()?);
        rest = &fraction[digits..];
    }
    if rest != b"+00:00" && rest != b"Z" {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    Some(date.and_time(time).and_utc())
}

macro_rules! text_cells {
    ($($type:ty => $parse:ident),* $(,)?) => {$(
        impl Cell for Option<$type> {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                if row.try_as_sqlite_row().is_some() {
                    match text(row, index) {
                        Ok(None) => return Ok(None),
                        Ok(Some(value)) => {
                            if let Some(parsed) = $parse(value.as_bytes()) {
                                return Ok(Some(parsed));
                            }
                        }
                        // Not text: the driver decodes the other storage classes.
                        Err(_) => {}
                    }
                }
                nullable::<$type>(row, index)
            }
        }
        impl Cell for $type {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                <Option<$type>>::cell(row, index)?.ok_or_else(|| decode_error(index, "unexpected NULL"))
            }
        }
    )*};
}

text_cells!(NaiveDate => iso_date, DateTime<Utc> => iso_utc);

macro_rules! driver_cells {
    ($($type:ty),* $(,)?) => {$(
        impl Cell for Option<$type> {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                nullable::<$type>(row, index)
            }
        }
        impl Cell for $type {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                nullable::<$type>(row, index)?.ok_or_else(|| decode_error(index, "unexpected NULL"))
            }
        }
    )*};
}

driver_cells!(String, bool, i16, i32, i64, f64, Uuid, serde_json::Value);

macro_rules! enum_cells {
    ($($type:ty),* $(,)?) => {$(
        impl Cell for Option<$type> {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                /// Each value with its stored text, to match without allocating.
                static VALUES: LazyLock<Vec<($type, String)>> =
                    LazyLock::new(|| <$type>::iter().map(|value| (value, value.to_value())).collect());
                let Some(stored) = text(row, index)? else {
                    return Ok(None);
                };
                match VALUES.iter().find(|(_, text)| text == stored) {
                    Some((value, _)) => Ok(Some(*value)),
                    None => <$type>::try_from_value(&stored.to_owned())
                        .map(Some)
                        .map_err(|e| decode_error(index, e)),
                }
            }
        }
        impl Cell for $type {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                <Option<$type>>::cell(row, index)?.ok_or_else(|| decode_error(index, "unexpected NULL"))
            }
        }
    )*};
}

enum_cells!(
    TerritoryLevel,
    GeoSource,
    Zone,
    EssFamily,
    EssFamilyBasis,
    OrganisationStatus,
    EstablishmentStatus,
    HeadcountBand,
    CompanyCategory,
    NafNomenclature,
    IdScheme,
    LabelKind,
    PartnershipType,
    PartnershipStatus,
    PartyRole,
    ContractKind,
    ExecPlaceType,
    LocalityLevel,
    PurchaseType,
    GeoPrecision,
    ChangeOp,
    ProductFamily,
    SupplyChannel,
    SupplyEvidence,
);

/// A model that can be read from the leading columns of a row, by position.
pub trait FromRow: Sized {
    /// The fields, in column order.
    #[cfg(test)]
    const FIELDS: &'static [&'static str];
    /// Reads the model from `row`.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr>;
}

/// Implements [`FromRow`] for each `module { columns }`; a list that ends with `; record`
/// ends with the columns every partner-written record has (provenance and versioning).
macro_rules! from_rows {
    ($($module:ident { $($columns:tt)* }),* $(,)?) => {$(
        from_rows!(@one $module { $($columns)* });
    )*};
    (@one $module:ident { $($field:ident),* ; record }) => {
        from_rows!(@one $module {
            $($field,)* source, external_id, source_updated_at, created_at, updated_at, deleted_at, version
        });
    };
    (@one $module:ident { $($field:ident),* $(,)? }) => {
        impl FromRow for $module::Model {
            #[cfg(test)]
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
            fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
                let mut position = 0;
                let mut next = move || {
                    position += 1;
                    position - 1
                };
                Ok(Self {
                    $($field: Cell::cell(row, next())?,)*
                })
            }
        }
    };
}

/// The row readers of every table, in column order (the test below checks the order).
mod readers;

/// Rows grouped by the id of their parent, each group in the order read.
pub fn group_by_parent<M>(rows: Vec<M>, parent: impl Fn(&M) -> Uuid) -> HashMap<Uuid, Vec<M>> {
    let mut grouped: HashMap<Uuid, Vec<M>> = HashMap::new();
    for row in rows {
        grouped.entry(parent(&row)).or_default().push(row);
    }
    grouped
}

/// Every row `select` returns, grouped by the id of its parent, each group in the order read;
/// `context` says what is read, for database errors.
pub async fn fetch_grouped<E: EntityTrait<Model: FromRow>, C: ConnectionTrait>(
    db: &C,
    select: Select<E>,
    parent: impl Fn(&E::Model) -> Uuid,
    context: &'static str,
) -> Result<HashMap<Uuid, Vec<E::Model>>, StoreError> {
    let rows = select.fetch_all(db).await.context(context)?;
    Ok(group_by_parent(rows, parent))
}

/// Counts per parent from `(parent, count)` rows (a count below zero, which SQL never returns,
/// reads as 0).
pub fn counts<K: Eq + std::hash::Hash>(rows: Vec<(K, i64)>) -> HashMap<K, u64> {
    rows.into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or_default()))
        .collect()
}

/// A table whose rows are deleted by setting `deleted_at`: live rows have none.
pub trait SoftDeleted: EntityTrait<Model: FromRow> {
    /// The id column.
    const ID: Self::Column;
    /// The deletion time column.
    const DELETED_AT: Self::Column;
    /// Context of a failed read by id (`loading contracts by id`).
    const BY_IDS: &'static str;
}

/// Live rows of `E` by id.
pub async fn live_by_ids<E: SoftDeleted, C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<E::Model>, StoreError> {
    E::find()
        .filter(E::ID.is_in(ids.iter().copied()))
        .filter(E::DELETED_AT.is_null())
        .fetch_all(db)
        .await
        .context(E::BY_IDS)
}

macro_rules! soft_deleted {
    ($($table:ident: $what:literal),+ $(,)?) => {
        $(impl SoftDeleted for entity::$table::Entity {
            const ID: Self::Column = entity::$table::Column::Id;
            const DELETED_AT: Self::Column = entity::$table::Column::DeletedAt;
            const BY_IDS: &'static str = $what;
        })+
    };
}

soft_deleted!(
    organisation: "loading organisations by id",
    establishment: "loading establishments by id",
    organisation_identifier: "loading identifiers by id",
    organisation_label: "loading labels by id",
    contract: "loading contracts by id",
    partnership: "loading partnerships by id",
    supply_link: "loading supply links by id",
);

/// Runs a select of whole models and reads them with [`FromRow`].
pub(crate) trait FetchModels<E: EntityTrait> {
    /// Every model the select returns, in its order.
    async fn fetch_all<C: ConnectionTrait>(self, db: &C) -> Result<Vec<E::Model>, DbErr>;
}

impl<E: EntityTrait> FetchModels<E> for Select<E>
where
    E::Model: FromRow,
{
    async fn fetch_all<C: ConnectionTrait>(self, db: &C) -> Result<Vec<E::Model>, DbErr> {
        let rows = db.query_all(&self.into_query()).await?;
        rows.iter().map(FromRow::from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use entity::*;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    fn columns<E: EntityTrait>() -> Vec<&'static str> {
        <E::Column as Iterable>::iter().map(|column| column.as_str()).collect()
    }

    /// The direct parsers read what sqlx writes and leave every other shape to the driver.
    #[test]
    fn iso_dates_and_timestamps_are_parsed_like_chrono() {
        assert_eq!(iso_date(b"2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(iso_date(b"2023-02-29"), None);
        assert_eq!(iso_date(b"2024-2-29"), None);
        assert_eq!(iso_date(b"2024-02-29T00:00:00"), None);
        for text in [
            "2026-11-01T00:00:00+00:00",
            "2026-11-29T17:28:27.192791+00:00",
            "2026-11-29T17:28:27.5Z",
            "1999-12-31T23:59:59.123456789+00:00",
        ] {
            let expected = DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok();
            assert_eq!(iso_utc(text.as_bytes()), expected, "{text}");
        }
        for text in [
            "2026-11-29T17:28:27+02:00",
            "2026-11-29 17:28:27",
            "2026-11-29T17:28:27.+00:00",
            "2026-11-29T25:00:00+00:00",
        ] {
            assert_eq!(iso_utc(text.as_bytes()), None, "{text}");
        }
    }

    /// Positions are only right if the fields are listed in the order `find()` selects.
    #[test]
    fn fields_are_listed_in_column_order() {
        macro_rules! in_column_order {
            ($($table:ident),+) => {
                $(assert_eq!($table::Model::FIELDS, columns::<$table::Entity>(), stringify!($table));)+
            };
        }
        in_column_order!(
            audit_log,
            change_log,
            concession_execution,
            contract,
            contract_modification,
            contract_subcontract,
            contract_supplier,
            establishment,
            legal_category,
            organisation,
            organisation_identifier,
            organisation_label,
            partnership,
            partnership_party,
            postal_code_commune,
            territory,
            territory_membership,
            supply_link,
            food_project,
            food_project_commune,
            canteen,
            canteen_declaration,
            organic_operator
        );
    }
}
