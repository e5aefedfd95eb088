//! Multi-row inserts on PostgreSQL with one bound parameter: the rows as a JSON array, turned
//! back into rows of the table by `json_populate_recordset`. A `VALUES` list binds one
//! parameter per value (30 000 for 545 contracts), which PostgreSQL parses, plans and converts
//! on every statement; here the statement text depends only on the table and its columns, so
//! it is prepared once per connection, and a batch of any size is one statement.
//!
//! Values keep the meaning the driver gives them: timestamps to the microsecond (truncated,
//! as the driver's binary encoding does), floats in their shortest exact form (non-finite ones
//! as PostgreSQL spells them), JSON columns as nested JSON. Only used by
//! [`super::insert_chunked`], which falls back to `VALUES` for a value kind not handled here.

use std::io::Write;

use sea_orm::{ActiveModelTrait, DbBackend, DbErr, EntityName, EntityTrait, Iterable, Statement, Value};

/// Rows per statement: about 10 MB of JSON for the widest rows (contracts).
const ROWS_PER_STATEMENT: usize = 5_000;

/// Whether a value of this kind is written by [`push_value`].
fn supported(value: &Value) -> bool {
    matches!(
        value,
        Value::Bool(_)
            | Value::TinyInt(_)
            | Value::SmallInt(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::TinyUnsigned(_)
            | Value::SmallUnsigned(_)
            | Value::Unsigned(_)
            | Value::BigUnsigned(_)
            | Value::Float(_)
            | Value::Double(_)
            | Value::String(_)
            | Value::Enum(_)
            | Value::Char(_)
            | Value::Json(_)
            | Value::ChronoDate(_)
            | Value::ChronoDateTime(_)
            | Value::ChronoDateTimeUtc(_)
            | Value::ChronoDateTimeWithTimeZone(_)
            | Value::Uuid(_)
            | Value::Decimal(_)
    )
}

/// Bytes already in JSON form.
fn push_raw(out: &mut Vec<u8>, json: &[u8]) -> Result<(), DbErr> {
    out.extend_from_slice(json);
    Ok(())
}

/// A JSON string.
fn push_str(out: &mut Vec<u8>, text: &str) -> Result<(), DbErr> {
    serde_json::to_writer(&mut *out, text).map_err(|e| DbErr::Custom(format!("encoding a row as JSON: {e}")))
}

/// A float as `float8in` reads it back to the same value.
fn push_float(out: &mut Vec<u8>, value: f64) -> Result<(), DbErr> {
    if value.is_finite() {
        write!(out, "{value}").map_err(|e| DbErr::Custom(e.to_string()))
    } else if value.is_nan() {
        push_str(out, "NaN")
    } else if value > 0.0 {
        push_str(out, "Infinity")
    } else {
        push_str(out, "-Infinity")
    }
}

/// Writes `value` as JSON that PostgreSQL converts to the column's type as the driver would
/// have bound it.
fn push_value(out: &mut Vec<u8>, value: &Value) -> Result<(), DbErr> {
    let io = |e: std::io::Error| DbErr::Custom(format!("encoding a row as JSON: {e}"));
    macro_rules! number {
        ($v:expr) => {
            match $v {
                Some(v) => write!(out, "{v}").map_err(io),
                None => push_raw(out, b"null"),
            }
        };
    }
    match value {
        Value::Bool(v) => match v {
            Some(true) => push_raw(out, b"true"),
            Some(false) => push_raw(out, b"false"),
            None => push_raw(out, b"null"),
        },
        Value::TinyInt(v) => number!(v),
        Value::SmallInt(v) => number!(v),
        Value::Int(v) => number!(v),
        Value::BigInt(v) => number!(v),
        Value::TinyUnsigned(v) => number!(v),
        Value::SmallUnsigned(v) => number!(v),
        Value::Unsigned(v) => number!(v),
        Value::BigUnsigned(v) => number!(v),
        Value::Float(v) => match v {
            Some(v) => push_float(out, f64::from(*v)),
            None => push_raw(out, b"null"),
        },
        Value::Double(v) => match v {
            Some(v) => push_float(out, *v),
            None => push_raw(out, b"null"),
        },
        Value::String(Some(v)) => push_str(out, v),
        Value::Enum(sea_orm::sea_query::OptionEnum::Some(v)) => push_str(out, &v.value),
        Value::Char(Some(v)) => push_str(out, v.encode_utf8(&mut [0; 4])),
        Value::Json(Some(v)) => {
            serde_json::to_writer(&mut *out, v).map_err(|e| DbErr::Custom(format!("encoding a row as JSON: {e}")))
        }
        Value::ChronoDate(Some(v)) => push_str(out, &v.format("%Y-%m-%d").to_string()),
        Value::ChronoDateTime(Some(v)) => push_str(out, &v.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()),
        Value::ChronoDateTimeUtc(Some(v)) => push_str(out, &v.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
        Value::ChronoDateTimeWithTimeZone(Some(v)) => push_str(out, &v.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()),
        Value::Uuid(Some(v)) => push_str(out, v.hyphenated().encode_lower(&mut uuid::Uuid::encode_buffer())),
        Value::Decimal(Some(v)) => push_str(out, &v.to_string()),
        Value::String(None)
        | Value::Enum(_)
        | Value::Char(None)
        | Value::Json(None)
        | Value::ChronoDate(None)
        | Value::ChronoDateTime(None)
        | Value::ChronoDateTimeUtc(None)
        | Value::ChronoDateTimeWithTimeZone(None)
        | Value::Uuid(None)
        | Value::Decimal(None) => push_raw(out, b"null"),
        other => Err(DbErr::Custom(format!("no JSON form for the value {other:?}"))),
    }
}

/// The statements inserting `rows`, one per [`ROWS_PER_STATEMENT`] rows; `None` when the rows
/// do not all set the same columns or hold a value kind not handled here, for the caller to
/// insert them otherwise.
pub(super) fn statements<A: ActiveModelTrait>(rows: &[A]) -> Result<Option<Vec<Statement>>, DbErr> {
    let Some(first) = rows.first() else {
        return Ok(Some(Vec::new()));
    };
    let columns: Vec<<A::Entity as EntityTrait>::Column> = <<A::Entity as EntityTrait>::Column as Iterable>::iter()
        .filter(|column| !first.get(*column).is_not_set())
        .collect();
    let kinds_supported = columns
        .iter()
        .all(|column| first.get(*column).into_value().is_some_and(|value| supported(&value)));
    if columns.is_empty() || !kinds_supported {
        return Ok(None);
    }
    let table = A::Entity::default().table_name().to_owned();
    let names = columns
        .iter()
        .map(|column| format!("\"{}\"", sea_orm::IdenStatic::as_str(column)))
        .collect::<Vec<_>>()
        .join(", ");
    // WITH ORDINALITY keeps the rows in their given order (serial columns, such as the change
    // log's sequence, are assigned in that order).
    let sql = format!(
        "INSERT INTO \"{table}\" ({names}) SELECT {names} FROM json_populate_recordset(NULL::\"{table}\", $1::json) \
         WITH ORDINALITY AS r ORDER BY r.ordinality"
    );
    // Every statement is built before the first one runs, so nothing is written when a row
    // turns out not to fit.
    let mut statements = Vec::with_capacity(rows.len().div_ceil(ROWS_PER_STATEMENT));
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let Some(document) = document(chunk, &columns)? else {
            return Ok(None);
        };
        statements.push(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql.as_str(),
            [Value::String(Some(document))],
        ));
    }
    Ok(Some(statements))
}

/// The JSON array of `rows`, each an object of `columns`; `None` when a row leaves one of them
/// unset, or sets a column outside them.
fn document<A: ActiveModelTrait>(
    rows: &[A],
    columns: &[<A::Entity as EntityTrait>::Column],
) -> Result<Option<String>, DbErr> {
    let mut document = Vec::with_capacity(rows.len() * 64 * columns.len());
    document.push(b'[');
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            document.push(b',');
        }
        document.push(b'{');
        let mut set = 0;
        for (j, column) in columns.iter().enumerate() {
            let Some(value) = row.get(*column).into_value() else {
                return Ok(None);
            };
            set += 1;
            if j > 0 {
                document.push(b',');
            }
            document.push(b'"');
            document.extend_from_slice(sea_orm::IdenStatic::as_str(column).as_bytes());
            document.extend_from_slice(b"\":");
            push_value(&mut document, &value)?;
        }
        let set_elsewhere = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count() > columns.len()
            && <<A::Entity as EntityTrait>::Column as Iterable>::iter()
                .filter(|column| !row.get(*column).is_not_set())
                .count()
                != set;
        if set_elsewhere {
            return Ok(None);
        }
        document.push(b'}');
    }
    document.push(b']');
    String::from_utf8(document)
        .map(Some)
        .map_err(|e| DbErr::Custom(format!("encoding rows as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;

    fn json(value: Value) -> String {
        let mut out = Vec::new();
        push_value(&mut out, &value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_written_as_postgresql_reads_them() {
        assert_eq!(json(Value::String(Some("a \"b\"\n".into()))), r#""a \"b\"\n""#);
        assert_eq!(json(Value::String(None)), "null");
        assert_eq!(json(Value::BigInt(Some(-12))), "-12");
        assert_eq!(json(Value::Double(Some(0.1))), "0.1");
        assert_eq!(json(Value::Double(Some(f64::NAN))), r#""NaN""#);
        assert_eq!(json(Value::Double(Some(f64::NEG_INFINITY))), r#""-Infinity""#);
        assert_eq!(json(Value::Bool(Some(true))), "true");
        let at = Utc.with_ymd_and_hms(2026, 11, 29, 13, 5, 7).unwrap() + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(
            json(Value::ChronoDateTimeUtc(Some(at))),
            r#""2026-11-29T13:05:07.123456Z""#,
            "truncated to the microsecond, as the driver binds it"
        );
        assert_eq!(
            json(Value::ChronoDate(NaiveDate::from_ymd_opt(2025, 1, 31))),
            r#""2025-01-31""#
        );
        assert_eq!(
            json(Value::Json(Some(Box::new(serde_json::json!(["x", {"k": 1}]))))),
            r#"["x",{"k":1}]"#
        );
        let id = uuid::Uuid::nil();
        assert_eq!(json(Value::Uuid(Some(id))), format!("\"{id}\""));
    }
}
