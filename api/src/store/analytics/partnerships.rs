//! Partnership indicators: counts by type and territory, and the partnership network of a
//! territory (organisations and the partnerships they share), each by `GROUP BY` statements.

use entity::enums::TerritoryLevel;
use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use super::{Sql, level_value};
use crate::store::StoreError;

/// One group of partnership counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipCell {
    /// Partnership type (stored value, e.g. `ptce`).
    pub partnership_type: String,
    /// Territory id: the partnership's territory rolled up to the level asked, or its own
    /// territory when that is above the level.
    pub territory_id: String,
    /// Territory name.
    pub territory_name: String,
    /// Partnerships.
    pub partnerships: i64,
    /// Distinct organisations taking part.
    pub organisations: i64,
}

/// Partnerships whose territory is `territory` or inside it, counted by type and territory
/// (rolled up to `level` when given), sorted by type then territory. Deleted partnerships do
/// not count.
pub async fn partnerships<C: ConnectionTrait>(
    db: &C,
    territory: &str,
    level: Option<TerritoryLevel>,
) -> Result<Vec<PartnershipCell>, StoreError> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT p.partnership_type, t.id, MIN(t.name), COUNT(DISTINCT p.id), COUNT(DISTINCT pp.organisation_id) \
         FROM partnership p \
         JOIN territory_membership sm ON sm.territory_id = p.territory_id AND sm.ancestor_id = ",
    );
    sql.bind(territory.to_owned());
    match level {
        Some(level) => {
            sql.push(" LEFT JOIN territory_membership gm ON gm.territory_id = p.territory_id AND gm.ancestor_level = ");
            sql.bind(level_value(level));
            sql.push(" JOIN territory t ON t.id = COALESCE(gm.ancestor_id, p.territory_id)");
        }
        None => {
            sql.push(" JOIN territory t ON t.id = p.territory_id");
        }
    }
    sql.push(
        " LEFT JOIN partnership_party pp ON pp.partnership_id = p.id \
         WHERE p.deleted_at IS NULL GROUP BY p.partnership_type, t.id ORDER BY p.partnership_type, t.id",
    );
    sql.rows(
        db,
        ("computing partnership indicators", "reading partnership indicators"),
        |row| {
            Ok(PartnershipCell {
                partnership_type: row.try_get_by_index(0)?,
                territory_id: row.try_get_by_index(1)?,
                territory_name: row.try_get_by_index(2)?,
                partnerships: row.try_get_by_index(3)?,
                organisations: row.try_get_by_index(4)?,
            })
        },
    )
    .await
}

/// An organisation of a partnership network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkNode {
    /// Organisation id.
    pub organisation_id: Uuid,
    /// Name.
    pub name: String,
    /// SIREN, when known.
    pub siren: Option<String>,
    /// SSE family (stored value).
    pub ess_family: String,
    /// Partnerships of the network it takes part in.
    pub partnerships: i64,
}

/// Two organisations sharing partnerships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkEdge {
    /// One organisation (the smaller id).
    pub source: Uuid,
    /// The other.
    pub target: Uuid,
    /// Number of partnerships they share.
    pub shared_partnerships: i64,
}

/// Most organisations a partnership network holds: those taking part in the most
/// partnerships (then by id).
pub const NETWORK_MAX_NODES: u64 = 1_000;

/// Most edges a partnership network holds: the pairs sharing the most partnerships (then by
/// ids), among the organisations kept.
pub const NETWORK_MAX_EDGES: u64 = 5_000;

/// How much of a partnership network is kept: the most organisations and the most edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkCaps {
    /// Organisations kept: those taking part in the most partnerships (then by id).
    pub nodes: u64,
    /// Edges kept among them: the pairs sharing the most partnerships (then by ids).
    pub edges: u64,
}

impl Default for NetworkCaps {
    /// The caps the API applies: [`NETWORK_MAX_NODES`] and [`NETWORK_MAX_EDGES`].
    fn default() -> Self {
        Self {
            nodes: NETWORK_MAX_NODES,
            edges: NETWORK_MAX_EDGES,
        }
    }
}

/// The start of both network statements: `WITH scoped AS (…), top AS (…)`, the parties of
/// the live partnerships of `territory` (diffusible, live organisations) and the `caps.nodes`
/// organisations taking part in the most of them (then by id).
fn kept_organisations(backend: DbBackend, territory: &str, caps: NetworkCaps) -> Sql {
    let mut sql = Sql::new(backend);
    sql.push(
        "WITH scoped AS (SELECT pp.partnership_id, pp.organisation_id FROM partnership_party pp \
         JOIN partnership p ON p.id = pp.partnership_id AND p.deleted_at IS NULL \
         JOIN organisation o ON o.id = pp.organisation_id AND o.diffusible = TRUE AND o.deleted_at IS NULL \
         JOIN territory_membership sm ON sm.territory_id = p.territory_id AND sm.ancestor_id = ",
    );
    sql.bind(territory.to_owned());
    sql.push(
        "), top AS (SELECT organisation_id FROM scoped GROUP BY organisation_id \
         ORDER BY COUNT(DISTINCT partnership_id) DESC, organisation_id LIMIT ",
    );
    sql.push(&caps.nodes.to_string());
    sql.push(")");
    sql
}

/// The partnership network of a territory: the diffusible organisations taking part in live
/// partnerships whose territory is `territory` or inside it, and one edge per pair of them
/// sharing at least one such partnership; at most `caps.nodes` organisations and `caps.edges`
/// edges.
pub async fn network<C: ConnectionTrait>(
    db: &C,
    territory: &str,
    caps: NetworkCaps,
) -> Result<(Vec<NetworkNode>, Vec<NetworkEdge>), StoreError> {
    let mut sql = kept_organisations(db.get_database_backend(), territory, caps);
    sql.push(
        " SELECT o.id, o.name, o.siren, o.ess_family, COUNT(DISTINCT s.partnership_id) FROM scoped s \
         JOIN top t ON t.organisation_id = s.organisation_id \
         JOIN organisation o ON o.id = s.organisation_id GROUP BY o.id, o.name, o.siren, o.ess_family ORDER BY o.name, o.id",
    );
    let nodes = sql
        .rows(
            db,
            (
                "computing the partnership network nodes",
                "reading the partnership network nodes",
            ),
            |row| {
                Ok(NetworkNode {
                    organisation_id: row.try_get_by_index(0)?,
                    name: row.try_get_by_index(1)?,
                    siren: row.try_get_by_index(2)?,
                    ess_family: row.try_get_by_index(3)?,
                    partnerships: row.try_get_by_index(4)?,
                })
            },
        )
        .await?;

    let mut sql = kept_organisations(db.get_database_backend(), territory, caps);
    sql.push(
        ", kept AS (SELECT s.partnership_id, s.organisation_id FROM scoped s \
         JOIN top t ON t.organisation_id = s.organisation_id), \
         strongest AS (SELECT a.organisation_id AS source, b.organisation_id AS target, \
         COUNT(DISTINCT a.partnership_id) AS shared FROM kept a \
         JOIN kept b ON b.partnership_id = a.partnership_id AND a.organisation_id < b.organisation_id \
         GROUP BY a.organisation_id, b.organisation_id ORDER BY shared DESC, source, target LIMIT ",
    );
    sql.push(&caps.edges.to_string());
    sql.push(") SELECT source, target, shared FROM strongest ORDER BY source, target");
    let edges = sql
        .rows(
            db,
            (
                "computing the partnership network edges",
                "reading the partnership network edges",
            ),
            |row| {
                Ok(NetworkEdge {
                    source: row.try_get_by_index(0)?,
                    target: row.try_get_by_index(1)?,
                    shared_partnerships: row.try_get_by_index(2)?,
                })
            },
        )
        .await?;
    Ok((nodes, edges))
}
