//! Dashboard aggregates: procurement indicators, organisation indicators and partnership
//! indicators, each computed by one SQL statement with `GROUP BY` (never by loading rows into
//! Rust to sum them).
//!
//! The statements are raw SQL built per backend (PostgreSQL `$n` placeholders and `to_char`,
//! SQLite `?` placeholders and `substr` on ISO dates) by [`Sql`], so both databases run the same
//! definitions. This module returns plain aggregated rows; statistical confidentiality
//! ([`crate::domain::disclosure`]) and GraphQL wrapping happen above it.
//!
//! One submodule per indicator family: [`procurement`] (over the award lines),
//! [`organisations`] (per territory), [`partnerships`] (counts and the network); the time
//! series of organisations and partnerships are in [`super::analytics_series`]; [`food`]
//! (supply links of food chains).

use entity::enums::TerritoryLevel;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};

use super::{DbContext, StoreError};

pub mod food;
pub mod organisations;
pub mod partnerships;
pub mod procurement;

pub use organisations::{
    HEADCOUNT_MIDPOINTS, NAF_SECTIONS, OrganisationCell, OrganisationDimension, OrganisationQuery, organisations,
};
pub use partnerships::{
    NETWORK_MAX_EDGES, NETWORK_MAX_NODES, NetworkCaps, NetworkEdge, NetworkNode, PartnershipCell, network, partnerships,
};
pub use procurement::{
    AmountBasis, BuyerScope, LocalScale, LocalityRule, ProcurementCell, ProcurementDimension, ProcurementQuery,
    procurement, procurement_statement,
};

/// A SQL statement being written, with its bound values, for one backend.
#[derive(Debug)]
pub(in crate::store) struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(in crate::store) fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Appends text.
    pub(in crate::store) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub(in crate::store) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        match self.backend {
            DbBackend::Postgres => {
                let n = self.values.len();
                self.text.push_str(&format!("${n}"));
            }
            _ => self.text.push('?'),
        }
        self
    }

    /// The floating-point SQL type.
    pub(in crate::store) fn float(&self) -> &'static str {
        match self.backend {
            DbBackend::Postgres => "DOUBLE PRECISION",
            _ => "REAL",
        }
    }

    pub(in crate::store) fn is_postgres(&self) -> bool {
        self.backend == DbBackend::Postgres
    }

    pub(in crate::store) fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    /// Runs the statement and reads each row with `read`; `computing` and `reading` say what
    /// the store was doing, for database errors.
    pub(in crate::store) async fn rows<C: ConnectionTrait, T>(
        self,
        db: &C,
        (computing, reading): (&'static str, &'static str),
        read: impl Fn(&QueryResult) -> Result<T, DbErr>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = db.query_all_raw(self.statement()).await.context(computing)?;
        rows.iter().map(read).collect::<Result<_, _>>().context(reading)
    }
}

/// Label kinds of inclusive-employment suppliers: SIAE (EI, AI, ACI, ETTI, EITI) and the
/// disability sector (EA, EATT, ESAT).
pub const INCLUSIVE_LABELS: [&str; 8] = [
    "siae_ei",
    "siae_ai",
    "siae_aci",
    "siae_etti",
    "siae_eiti",
    "ea",
    "eatt",
    "esat",
];

/// SSE families that are not in the SSE (everything else is).
pub const NON_SSE_FAMILIES: [&str; 2] = ["non_sse", "unknown"];

/// The stored text of a territory level.
pub(in crate::store) fn level_value(level: TerritoryLevel) -> String {
    use sea_orm::ActiveEnum;
    level.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        let mut pg = Sql::new(DbBackend::Postgres);
        pg.push("a = ").bind(1).push(" AND b = ").bind(2);
        assert_eq!(pg.text, "a = $1 AND b = $2");
        let mut lite = Sql::new(DbBackend::Sqlite);
        lite.push("a = ").bind(1);
        assert_eq!(lite.text, "a = ?");
    }
}
