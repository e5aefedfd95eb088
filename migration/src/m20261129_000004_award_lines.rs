//! Award lines: the procurement indicators' unit of analysis, pre-joined and kept narrow.
//!
//! One row per original supplier of a live, notified public contract (one row with no
//! supplier attributes when the contract has no known supplier), carrying what the dashboard
//! aggregates read: the buyer's organisation, SIREN and commune, the notification date, CPV
//! division, procedure, both amounts of the contract, the number of lines it is split into,
//! its consideration flags, and the supplier's key, commune, SSE family, the inclusive and
//! ESUS labels it held on the notification date, distance and locality level. The store keeps
//! it equal to the source tables in the transaction of every write
//! (`api::store::award_lines`); this migration fills it from the rows already stored.
//!
//! Indexed by (buyer commune, notification date) for territory scopes (on PostgreSQL a
//! covering index holding every column, read by index-only scans) and (buyer organisation,
//! notification date) for a single buyer, so an indicator is one range scan instead of a
//! four-table join with per-line label probes.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

/// Creates and fills `award_line`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_award_lines"
    }
}

/// The columns the territory index carries besides its keys (PostgreSQL `INCLUDE`).
const COVERED: [&str; 20] = [
    "line_no",
    "line_count",
    "buyer_organisation_id",
    "buyer_siren",
    "cpv_division",
    "procedure",
    "initial_amount_cents",
    "current_amount_cents",
    "social",
    "reserved",
    "environmental",
    "supplier_organisation_id",
    "supplier_key",
    "supplier_commune_id",
    "ess_family",
    "inclusive",
    "esus",
    "distance_km",
    "locality_level",
    "contract_id",
];

/// The lines of every stored contract, as the store computes them on write (the two must
/// agree; this copy is frozen with the migration).
fn backfill(backend: DbBackend) -> String {
    let supplier_key = if backend == DbBackend::Postgres {
        "COALESCE(CAST(cs.organisation_id AS TEXT), cs.id_scheme || ':' || cs.id_value)"
    } else {
        "COALESCE(cs.organisation_id, cs.id_scheme || ':' || cs.id_value)"
    };
    let held = |kinds: &str| {
        format!(
            "CASE WHEN EXISTS (SELECT 1 FROM organisation_label l WHERE l.organisation_id = cs.organisation_id \
             AND l.deleted_at IS NULL AND l.kind IN ({kinds}) \
             AND (l.valid_from IS NULL OR l.valid_from <= c.notified_on) \
             AND (l.valid_to IS NULL OR l.valid_to >= c.notified_on)) THEN 1 ELSE 0 END"
        )
    };
    format!(
        "INSERT INTO award_line (contract_id, line_no, line_count, buyer_organisation_id, buyer_siren, \
         buyer_commune_id, notified_on, cpv_division, procedure, initial_amount_cents, current_amount_cents, \
         social, reserved, environmental, supplier_organisation_id, supplier_key, supplier_commune_id, \
         ess_family, inclusive, esus, distance_km, locality_level) \
         SELECT c.id, ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY cs.position, cs.id) - 1, \
         COUNT(*) OVER (PARTITION BY c.id), c.buyer_organisation_id, substr(c.buyer_siret, 1, 9), \
         be.commune_id, c.notified_on, c.cpv_division, c.procedure, c.amount_cents, \
         COALESCE(c.current_amount_cents, c.amount_cents), \
         CASE WHEN c.social_clause OR c.social_criterion THEN 1 ELSE 0 END, \
         CASE WHEN c.reserved THEN 1 ELSE 0 END, \
         CASE WHEN c.env_clause OR c.env_criterion THEN 1 ELSE 0 END, \
         cs.organisation_id, CASE WHEN cs.id IS NULL THEN NULL ELSE {supplier_key} END, se.commune_id, \
         so.ess_family, {}, {}, cs.distance_km, cs.locality_level \
         FROM contract c \
         LEFT JOIN establishment be ON be.id = c.buyer_establishment_id \
         LEFT JOIN contract_supplier cs ON cs.contract_id = c.id AND cs.from_modification = 0 \
         LEFT JOIN organisation so ON so.id = cs.organisation_id \
         LEFT JOIN establishment se ON se.id = cs.establishment_id \
         WHERE c.deleted_at IS NULL AND c.kind = 'public_contract' AND c.notified_on IS NOT NULL",
        held("'siae_ei', 'siae_ai', 'siae_aci', 'siae_etti', 'siae_eiti', 'ea', 'eatt', 'esat'"),
        held("'esus'"),
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("award_line")
                    .col(uuid("contract_id"))
                    .col(integer("line_no"))
                    .col(integer("line_count"))
                    .col(uuid_null("buyer_organisation_id"))
                    .col(text("buyer_siren"))
                    .col(text_null("buyer_commune_id"))
                    .col(date("notified_on"))
                    .col(text_null("cpv_division"))
                    .col(text_null("procedure"))
                    .col(big_integer_null("initial_amount_cents"))
                    .col(big_integer_null("current_amount_cents"))
                    .col(small_integer("social"))
                    .col(small_integer("reserved"))
                    .col(small_integer("environmental"))
                    .col(uuid_null("supplier_organisation_id"))
                    .col(text_null("supplier_key"))
                    .col(text_null("supplier_commune_id"))
                    .col(text_null("ess_family"))
                    .col(small_integer("inclusive"))
                    .col(small_integer("esus"))
                    .col(double_null("distance_km"))
                    .col(text_null("locality_level"))
                    .primary_key(Index::create().col("contract_id").col("line_no"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&backfill(manager.get_database_backend())).await?;
        for (i, cols) in [
            ["buyer_commune_id", "notified_on"],
            ["buyer_organisation_id", "notified_on"],
        ]
        .into_iter()
        .enumerate()
        {
            let mut index = Index::create();
            index
                .name(format!("ix_award_line_{}", cols.join("_")))
                .table("award_line");
            for col in cols {
                index.col(col);
            }
            // On PostgreSQL the territory index carries every other column, so a territory's
            // lines are read by an index-only scan, in key order, without visiting the heap.
            if i == 0 && manager.get_database_backend() == DbBackend::Postgres {
                for col in COVERED {
                    index.include(col);
                }
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("award_line").to_owned()).await
    }
}
