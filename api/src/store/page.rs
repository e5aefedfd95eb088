//! Keyset pagination shared by every connection: rows are ordered by a sort key plus the
//! row id (a total order), and a page continues strictly after (or before) the cursor's
//! `(key, id)`, so pages stay correct while rows are inserted and no OFFSET is scanned.
//!
//! A [`Cursor`] records the sort it belongs to, the row's sort-key value and its id. A
//! cursor from another sort is refused. `paginate` pages one list; `paginate_partitioned`
//! pages many lists at once (one per parent) with a window function, for nested
//! connections loaded in one query per batch of parents.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use sea_orm::{
    Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryResult,
    QuerySelect, QueryTrait, Select,
    sea_query::{
        Alias, Asterisk, Expr, ExprTrait, Order, PostgresQueryBuilder, Query, SelectStatement, SqliteQueryBuilder,
        Value, ValueTuple,
    },
};
use uuid::Uuid;

use super::{DbContext, StoreError, rows::FromRow};
use crate::domain::ValidationError;

/// Stands for an unknown date in sort keys, so they are never null.
pub const UNKNOWN_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(date) => date,
    None => NaiveDate::MIN,
};

/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
/// Largest page size accepted.
pub const MAX_PAGE_SIZE: u64 = 500;

/// SQL type of a sort key, to read it back and bind it from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Text (compared byte-wise: folded names, codes).
    Text,
    /// 64-bit integer.
    Integer,
    /// Double.
    Float,
    /// Calendar date.
    Date,
}

/// Type of a row id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// UUID.
    Uuid,
    /// Text (territory ids).
    Text,
    /// 64-bit integer (audit log entries).
    Integer,
}

impl IdKind {
    /// The id in column `column` of `row`, as the text cursors and parent keys hold.
    pub fn read(self, row: &QueryResult, column: &str) -> Result<String, DbErr> {
        Ok(match self {
            IdKind::Uuid => row.try_get::<Uuid>("", column)?.to_string(),
            IdKind::Text => row.try_get::<String>("", column)?,
            IdKind::Integer => row.try_get::<i64>("", column)?.to_string(),
        })
    }
}

/// How rows are ordered: a key expression, then the id as tie-break.
#[derive(Debug, Clone)]
pub struct SortKey {
    /// Name of the sort, recorded in cursors (`NAME`, `NOTIFIED_ON`...).
    pub name: &'static str,
    /// The key expression (never null: wrap nullable columns in COALESCE).
    pub expr: Expr,
    /// Its SQL type.
    pub kind: KeyKind,
    /// The id column.
    pub id: Expr,
    /// Type of the id.
    pub id_kind: IdKind,
    /// Descending order.
    pub descending: bool,
}

impl SortKey {
    /// The sort `name` on `expr` (of type `kind`), ties broken by the id column `id` (of type
    /// `id_kind`).
    pub fn new(
        name: &'static str,
        (expr, kind): (Expr, KeyKind),
        (id, id_kind): (Expr, IdKind),
        descending: bool,
    ) -> Self {
        Self {
            name,
            expr,
            kind,
            id,
            id_kind,
            descending,
        }
    }
}

/// A position in a sorted list. Opaque to clients (URL-safe base64 of JSON).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    /// The sort the cursor belongs to, with its direction (`NAME`, `-NOTIFIED_ON`).
    pub sort: String,
    /// The row's sort-key value, JSON-encoded.
    pub key: String,
    /// The row's id.
    pub id: String,
}

impl Cursor {
    /// The opaque string given to clients.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Parses a client's cursor; `field` names the argument (`after`, `before`).
    pub fn decode(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new(field, raw, "not a cursor returned by this API");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        serde_json::from_slice(&bytes).map_err(|_| invalid())
    }
}

/// Which page of a list to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageArgs {
    /// Number of rows.
    pub size: u64,
    /// True for `last`/`before` paging (the page ends at `before`, or at the end).
    pub backward: bool,
    /// Rows strictly after this cursor.
    pub after: Option<Cursor>,
    /// Rows strictly before this cursor.
    pub before: Option<Cursor>,
}

impl PageArgs {
    /// Validates Relay arguments: `first` and `last` are exclusive, between 0 and
    /// [`MAX_PAGE_SIZE`] ([`DEFAULT_PAGE_SIZE`] when both are absent); cursors must decode.
    pub fn from_relay(
        first: Option<i32>,
        after: Option<&str>,
        last: Option<i32>,
        before: Option<&str>,
    ) -> Result<Self, ValidationError> {
        Self::from_relay_within(
            (first, after, last, before),
            (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
            Cursor::decode,
        )
    }

    /// Validates Relay arguments `(first, after, last, before)` of a list with its own page
    /// sizes `(default, max)` and cursors read by `decode` (given the argument's name).
    pub fn from_relay_within(
        (first, after, last, before): (Option<i32>, Option<&str>, Option<i32>, Option<&str>),
        (default, max): (u64, u64),
        decode: impl Fn(&'static str, &str) -> Result<Cursor, ValidationError>,
    ) -> Result<Self, ValidationError> {
        let size = |field: &'static str, value: i32| {
            u64::try_from(value)
                .ok()
                .filter(|size| *size <= max)
                .ok_or_else(|| ValidationError::new(field, value.to_string(), format!("must be between 0 and {max}")))
        };
        let (size, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(ValidationError::new(
                    "last",
                    last.unwrap_or_default().to_string(),
                    "cannot be combined with first",
                ));
            }
            (Some(first), None) => (size("first", first)?, false),
            (None, Some(last)) => (size("last", last)?, true),
            (None, None) => (default, before.is_some() && after.is_none()),
        };
        Ok(Self {
            size,
            backward,
            after: after.map(|raw| decode("after", raw)).transpose()?,
            before: before.map(|raw| decode("before", raw)).transpose()?,
        })
    }
}

/// One page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<M> {
    /// Rows in sort order, with their cursors.
    pub items: Vec<(M, Cursor)>,
    /// More rows follow the page.
    pub has_next_page: bool,
    /// Rows precede the page. Exact when paging backward; when paging forward, true
    /// whenever an `after` cursor was given (the Relay specification allows this).
    pub has_previous_page: bool,
}

impl<M> Default for Page<M> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            has_next_page: false,
            has_previous_page: false,
        }
    }
}

impl SortKey {
    fn tag(&self) -> String {
        if self.descending {
            format!("-{}", self.name)
        } else {
            self.name.to_owned()
        }
    }

    fn key_value(&self, field: &'static str, cursor: &Cursor) -> Result<(Value, Value), ValidationError> {
        let invalid = |reason: &str| ValidationError::new(field, cursor.encode(), reason.to_owned());
        if cursor.sort != self.tag() {
            return Err(invalid(&format!(
                "belongs to sort {} and cannot page sort {}",
                cursor.sort,
                self.tag()
            )));
        }
        let json: serde_json::Value = serde_json::from_str(&cursor.key).map_err(|_| invalid("malformed"))?;
        let key = match (self.kind, &json) {
            (KeyKind::Text, serde_json::Value::String(s)) => Value::from(s.clone()),
            (KeyKind::Integer, serde_json::Value::Number(n)) => {
                Value::from(n.as_i64().ok_or_else(|| invalid("malformed"))?)
            }
            (KeyKind::Float, serde_json::Value::Number(n)) => {
                Value::from(n.as_f64().ok_or_else(|| invalid("malformed"))?)
            }
            (KeyKind::Date, serde_json::Value::String(s)) => {
                Value::from(s.parse::<NaiveDate>().map_err(|_| invalid("malformed"))?)
            }
            _ => return Err(invalid("malformed")),
        };
        let id = match self.id_kind {
            IdKind::Uuid => Value::from(cursor.id.parse::<Uuid>().map_err(|_| invalid("malformed"))?),
            IdKind::Text => Value::from(cursor.id.clone()),
            IdKind::Integer => Value::from(cursor.id.parse::<i64>().map_err(|_| invalid("malformed"))?),
        };
        Ok((key, id))
    }

    /// `(key, id) > cursor` (or `<`), in the sort's direction.
    fn beyond(&self, field: &'static str, cursor: &Cursor, after: bool) -> Result<Expr, ValidationError> {
        let (key, id) = self.key_value(field, cursor)?;
        let row = Expr::tuple([self.expr.clone(), self.id.clone()]);
        let bound = Expr::tuple([Expr::val(key), Expr::val(id)]);
        Ok(if after != self.descending {
            row.gt(bound)
        } else {
            row.lt(bound)
        })
    }

    /// Filters of `args`' cursors on a statement.
    fn bounds(&self, args: &PageArgs) -> Result<Vec<Expr>, ValidationError> {
        let mut conditions = Vec::new();
        if let Some(after) = &args.after {
            conditions.push(self.beyond("after", after, true)?);
        }
        if let Some(before) = &args.before {
            conditions.push(self.beyond("before", before, false)?);
        }
        Ok(conditions)
    }

    /// The SQL order for a page fetched in `args`' direction.
    fn order(&self, args: &PageArgs) -> Order {
        if self.descending == args.backward {
            Order::Asc
        } else {
            Order::Desc
        }
    }

    fn read_cursor(&self, row: &QueryResult) -> Result<Cursor, DbErr> {
        let key = match self.kind {
            KeyKind::Text => serde_json::Value::from(row.try_get::<String>("", "sort_key")?),
            KeyKind::Integer => serde_json::Value::from(row.try_get::<i64>("", "sort_key")?),
            KeyKind::Float => serde_json::Value::from(row.try_get::<f64>("", "sort_key")?),
            KeyKind::Date => serde_json::Value::from(row.try_get::<NaiveDate>("", "sort_key")?.to_string()),
        };
        Ok(Cursor {
            sort: self.tag(),
            key: key.to_string(),
            id: self.id_kind.read(row, "sort_id")?,
        })
    }
}

/// Alias of the ranked subquery of [`paginate_partitioned`].
const RANKED: &str = "ranked";

/// What can fail while paging: a bad cursor, or the database.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// A cursor is invalid for this list.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Fetches one page of `select` (already filtered) in `sort` order.
pub async fn paginate<E, C>(
    db: &C,
    select: Select<E>,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<Page<E::Model>, PageError>
where
    E: EntityTrait,
    E::Model: FromRow,
    C: ConnectionTrait,
{
    let mut select = select
        .expr_as(sort.expr.clone(), "sort_key")
        .expr_as(sort.id.clone(), "sort_id");
    for condition in sort.bounds(args)? {
        select = QueryFilterExt::and_where(select, condition);
    }
    let order = sort.order(args);
    let mut statement = select.into_query();
    statement
        .order_by_expr(sort.expr.clone(), order.clone())
        .order_by_expr(sort.id.clone(), order)
        .limit(args.size + 1);
    let rows = db.query_all(&statement).await?;
    let mut page = collect_page::<E::Model>(&rows, sort, args)?;
    if args.backward {
        page.items.reverse();
    }
    Ok(page)
}

/// Fetches one page per parent in one query: `select` must already be restricted to the
/// parents, and `partition` is the parent-id expression rows are grouped by (of type
/// `partition_kind`). Pages are keyed by the parent id as text.
pub async fn paginate_partitioned<E, C>(
    db: &C,
    select: Select<E>,
    partition: (Expr, IdKind),
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<E::Model>>, PageError>
where
    E: EntityTrait,
    E::Model: FromRow,
    C: ConnectionTrait,
{
    let (partition, partition_kind) = partition;
    let order = if sort.order(args) == Order::Asc { "ASC" } else { "DESC" };
    let backend = db.get_database_backend();
    let window = format!(
        "ROW_NUMBER() OVER (PARTITION BY {} ORDER BY {} {order}, {} {order})",
        render(backend, &partition),
        render(backend, &sort.expr),
        render(backend, &sort.id),
    );
    // Rank narrow rows (key, id, parent) only, then join the few kept rows back to the table:
    // wide rows (JSON columns) never go through the window sort.
    let mut ranked = select
        .select_only()
        .expr_as(sort.expr.clone(), "sort_key")
        .expr_as(sort.id.clone(), "sort_id")
        .expr_as(partition, "partition_id")
        .expr_as(Expr::cust(window), "row_rank");
    for condition in sort.bounds(args)? {
        ranked = QueryFilterExt::and_where(ranked, condition);
    }
    let ranked: SelectStatement = ranked.into_query();
    let mut kept = E::find()
        .expr_as(Expr::col((RANKED, Alias::new("sort_key"))), "sort_key")
        .expr_as(Expr::col((RANKED, Alias::new("sort_id"))), "sort_id")
        .expr_as(Expr::col((RANKED, Alias::new("partition_id"))), "partition_id");
    QueryTrait::query(&mut kept)
        .join_subquery(
            JoinType::InnerJoin,
            ranked,
            Alias::new(RANKED),
            Expr::col((RANKED, Alias::new("sort_id"))).eq(sort.id.clone()),
        )
        .and_where(Expr::col((RANKED, Alias::new("row_rank"))).lte(args.size + 1))
        .order_by((Alias::new(RANKED), Alias::new("partition_id")), Order::Asc)
        .order_by((Alias::new(RANKED), Alias::new("row_rank")), Order::Asc);
    let statement = kept.into_query();
    let rows = db.query_all(&statement).await?;
    let mut grouped: HashMap<String, Vec<QueryResult>> = HashMap::new();
    for row in rows {
        grouped
            .entry(partition_kind.read(&row, "partition_id")?)
            .or_default()
            .push(row);
    }
    pages_by_parent::<E::Model>(grouped, sort, args)
}

/// The filter of a top-level list: the table it lists and its WHERE condition.
pub trait ListFilter: Clone + Send + Sync + 'static {
    /// The table listed.
    type Entity: EntityTrait<Model: FromRow + Sync>;
    /// Context of a failed page read (`paging contracts`).
    const PAGING: &'static str;
    /// Context of a failed count (`counting contracts`).
    const COUNTING: &'static str;
    /// The WHERE condition of the filter.
    fn condition(&self) -> Condition;
}

/// Rows in force on `on`: started (`from`) on or before it, or with no start, and ended (`to`)
/// on or after it, or with no end.
pub fn in_force_on(from: Expr, to: Expr, on: NaiveDate) -> Condition {
    Condition::all()
        .add(Condition::any().add(from.clone().is_null()).add(from.lte(on)))
        .add(Condition::any().add(to.clone().is_null()).add(to.gte(on)))
}

/// Stamps the [`ListFilter`] impl of a filter type that has its WHERE condition as an inherent
/// `condition` method: the entity it lists, and `paging <what>` and `counting <what>` as the
/// contexts of database errors.
macro_rules! list_filter {
    ($filter:ty => $entity:ty, $what:literal) => {
        impl $crate::store::page::ListFilter for $filter {
            type Entity = $entity;
            const PAGING: &'static str = concat!("paging ", $what);
            const COUNTING: &'static str = concat!("counting ", $what);

            fn condition(&self) -> sea_orm::Condition {
                <$filter>::condition(self)
            }
        }
    };
}
pub(crate) use list_filter;

/// One page of the rows matching `filter`.
pub async fn list_page<F: ListFilter, C: ConnectionTrait>(
    db: &C,
    filter: &F,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<Page<<F::Entity as EntityTrait>::Model>, StoreError> {
    let select = F::Entity::find().filter(filter.condition());
    paginate(db, select, sort, args)
        .await
        .map_err(|e| StoreError::from_page(e, F::PAGING))
}

/// Number of rows matching `filter`.
pub async fn list_count<F: ListFilter, C: ConnectionTrait>(db: &C, filter: &F) -> Result<u64, StoreError> {
    F::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await
        .context(F::COUNTING)
}

/// The page of each parent from its rows (in page order, forward or backward).
fn pages_by_parent<M: FromRow>(
    grouped: HashMap<String, Vec<QueryResult>>,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<M>>, PageError> {
    grouped
        .into_iter()
        .map(|(parent, rows)| {
            let mut page = collect_page::<M>(&rows, sort, args)?;
            if args.backward {
                page.items.reverse();
            }
            Ok((parent, page))
        })
        .collect()
}

/// Alias of the parent-id list of [`paginate_lateral`], and of its one column.
const PARENTS: &str = "parents";
const PARENT_ID: &str = "column1";
/// Alias of each parent's page in [`paginate_lateral`].
const PARENT_PAGE: &str = "parent_page";

/// Fetches one page per parent in one query with a LATERAL join (PostgreSQL only):
/// `per_parent` builds the (filtered) rows of the parent whose id is the given expression,
/// and each parent's page is an ordinary `ORDER BY … LIMIT` on it. Unlike the window of
/// [`paginate_partitioned`], the planner sees a handful of rows per parent, so it reads them
/// through the indexes whatever the sizes of the tables. Pages are keyed by the parent id.
pub async fn paginate_lateral<E, C>(
    db: &C,
    parent_ids: &[Uuid],
    per_parent: impl Fn(Expr) -> Select<E>,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<E::Model>>, PageError>
where
    E: EntityTrait,
    E::Model: FromRow,
    C: ConnectionTrait,
{
    if parent_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let parent = Expr::col((Alias::new(PARENTS), Alias::new(PARENT_ID)));
    let mut select = per_parent(parent.clone())
        .expr_as(sort.expr.clone(), "sort_key")
        .expr_as(sort.id.clone(), "sort_id");
    for condition in sort.bounds(args)? {
        select = QueryFilterExt::and_where(select, condition);
    }
    let order = sort.order(args);
    let mut page = select.into_query();
    page.order_by_expr(sort.expr.clone(), order.clone())
        .order_by_expr(sort.id.clone(), order.clone())
        .limit(args.size + 1);
    let statement = Query::select()
        .column((Alias::new(PARENT_PAGE), Asterisk))
        .expr_as(parent, Alias::new("partition_id"))
        .from_values(
            parent_ids.iter().map(|id| ValueTuple::One(Value::from(*id))),
            Alias::new(PARENTS),
        )
        .join_lateral(JoinType::InnerJoin, page, Alias::new(PARENT_PAGE), Expr::val(true))
        .order_by((Alias::new(PARENTS), Alias::new(PARENT_ID)), Order::Asc)
        .order_by((Alias::new(PARENT_PAGE), Alias::new("sort_key")), order.clone())
        .order_by((Alias::new(PARENT_PAGE), Alias::new("sort_id")), order)
        .to_owned();
    let rows = db.query_all(&statement).await?;
    let mut grouped: HashMap<String, Vec<QueryResult>> = HashMap::new();
    for row in rows {
        grouped
            .entry(row.try_get::<Uuid>("", "partition_id")?.to_string())
            .or_default()
            .push(row);
    }
    pages_by_parent::<E::Model>(grouped, sort, args)
}

/// An expression as SQL for `backend`, values inlined as literals. Only for expressions
/// built by the store (column references, constants it computed), never for user text.
fn render(backend: DbBackend, expr: &Expr) -> String {
    let statement = Query::select().expr(expr.clone()).to_owned();
    let sql = match backend {
        DbBackend::Postgres => statement.to_string(PostgresQueryBuilder),
        _ => statement.to_string(SqliteQueryBuilder),
    };
    sql.trim_start_matches("SELECT ").to_owned()
}

fn collect_page<M: FromRow>(rows: &[QueryResult], sort: &SortKey, args: &PageArgs) -> Result<Page<M>, PageError> {
    let size = usize::try_from(args.size).unwrap_or(usize::MAX);
    let more = rows.len() > size;
    let items = rows
        .iter()
        .take(size)
        .map(|row| Ok((M::from_row(row)?, sort.read_cursor(row)?)))
        .collect::<Result<Vec<_>, DbErr>>()?;
    let (has_next_page, has_previous_page) = if args.backward {
        (args.before.is_some(), more)
    } else {
        (more, args.after.is_some())
    };
    Ok(Page {
        items,
        has_next_page,
        has_previous_page,
    })
}

/// `and_where` on a sea-orm select with a raw expression.
trait QueryFilterExt: Sized {
    fn and_where(self, condition: Expr) -> Self;
}

impl<E: EntityTrait> QueryFilterExt for Select<E> {
    fn and_where(mut self, condition: Expr) -> Self {
        QueryTrait::query(&mut self).and_where(condition);
        self
    }
}
