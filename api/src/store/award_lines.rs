//! The `award_line` table: the procurement indicators' unit of analysis (one row per original
//! supplier of a live, notified public contract; see [`super::analytics`]), pre-joined so an
//! indicator is one range scan by (buyer commune or buyer, notification date).
//!
//! It copies data from several tables (the contract, its original suppliers, the buyer and
//! supplier establishments' communes, the supplier's SSE family, the inclusive and ESUS labels
//! it held on the notification date), so every write that changes one of them calls one of
//! the `refresh_for_*` functions in its own transaction: the lines of the affected contracts
//! are deleted and computed again from the source tables by one `INSERT … SELECT`. Nothing
//! else writes this table. The migration `m20261129_000004_award_lines` fills it for rows
//! stored before it, with a frozen copy of [`LINES_SELECT`]'s statement.

use sea_orm::{ConnectionTrait, DbBackend};
use uuid::Uuid;

use super::{
    DbContext, StoreError,
    analytics::{INCLUSIVE_LABELS, Sql},
    write::result::{ItemResult, ItemStatus},
};

/// Ids bound per statement (well under SQLite's 32 766 parameters).
const IDS_PER_STATEMENT: usize = 5_000;

/// Columns written, in the order [`LINES_SELECT`] produces them.
const COLUMNS: &str = "contract_id, line_no, line_count, buyer_organisation_id, buyer_siren, buyer_commune_id, \
     notified_on, cpv_division, procedure, initial_amount_cents, current_amount_cents, social, reserved, \
     environmental, supplier_organisation_id, supplier_key, supplier_commune_id, ess_family, inclusive, esus, \
     distance_km, locality_level";

/// The lines of the contracts that pass the filter appended after it (`AND c.id IN …`):
/// `{SUPPLIER_KEY}`, `{INCLUSIVE}` and `{ESUS}` are replaced per backend.
const LINES_SELECT: &str = "SELECT c.id, ROW_NUMBER() OVER (PARTITION BY c.id ORDER BY cs.position, cs.id) - 1, \
     COUNT(*) OVER (PARTITION BY c.id), c.buyer_organisation_id, substr(c.buyer_siret, 1, 9), be.commune_id, \
     c.notified_on, c.cpv_division, c.procedure, c.amount_cents, COALESCE(c.current_amount_cents, c.amount_cents), \
     CASE WHEN c.social_clause OR c.social_criterion THEN 1 ELSE 0 END, CASE WHEN c.reserved THEN 1 ELSE 0 END, \
     CASE WHEN c.env_clause OR c.env_criterion THEN 1 ELSE 0 END, cs.organisation_id, \
     CASE WHEN cs.id IS NULL THEN NULL ELSE {SUPPLIER_KEY} END, se.commune_id, so.ess_family, {INCLUSIVE}, {ESUS}, \
     cs.distance_km, cs.locality_level \
     FROM contract c \
     LEFT JOIN establishment be ON be.id = c.buyer_establishment_id \
     LEFT JOIN contract_supplier cs ON cs.contract_id = c.id AND cs.from_modification = 0 \
     LEFT JOIN organisation so ON so.id = cs.organisation_id \
     LEFT JOIN establishment se ON se.id = cs.establishment_id \
     WHERE c.deleted_at IS NULL AND c.kind = 'public_contract' AND c.notified_on IS NOT NULL";

/// `1` when the line's supplier held a live label of one of `kinds` on the notification date.
fn label_held(kinds: &[&str]) -> String {
    let list = kinds.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ");
    format!(
        "CASE WHEN EXISTS (SELECT 1 FROM organisation_label l WHERE l.organisation_id = cs.organisation_id \
         AND l.deleted_at IS NULL AND l.kind IN ({list}) \
         AND (l.valid_from IS NULL OR l.valid_from <= c.notified_on) \
         AND (l.valid_to IS NULL OR l.valid_to >= c.notified_on)) THEN 1 ELSE 0 END"
    )
}

/// The `INSERT … SELECT` of the lines, to be followed by the contract filter.
fn insert_lines(backend: DbBackend) -> String {
    let supplier_key = if backend == DbBackend::Postgres {
        "COALESCE(CAST(cs.organisation_id AS TEXT), cs.id_scheme || ':' || cs.id_value)"
    } else {
        "COALESCE(cs.organisation_id, cs.id_scheme || ':' || cs.id_value)"
    };
    let select = LINES_SELECT
        .replace("{SUPPLIER_KEY}", supplier_key)
        .replace("{INCLUSIVE}", &label_held(&INCLUSIVE_LABELS))
        .replace("{ESUS}", &label_held(&["esus"]));
    format!("INSERT INTO award_line ({COLUMNS}) {select}")
}

/// Which contracts' lines to compute again, as a condition on `contract_id` (delete) or
/// `c.id` (insert).
#[derive(Debug, Clone, Copy)]
enum Affected {
    /// These contracts.
    Contracts,
    /// Contracts with an original supplier of these organisations.
    SuppliedBy,
    /// Contracts bought through, or supplied from, these establishments.
    Establishments,
}

/// The placeholders of `ids`, comma-separated.
fn bind_list(sql: &mut Sql, ids: &[Uuid]) {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(*id);
    }
}

impl Affected {
    /// `column IN (…)` selecting the affected contracts.
    fn push(self, sql: &mut Sql, column: &str, ids: &[Uuid]) {
        let list = |sql: &mut Sql| bind_list(sql, ids);
        sql.push(column);
        match self {
            Affected::Contracts => {
                sql.push(" IN (");
                list(sql);
                sql.push(")");
            }
            Affected::SuppliedBy => {
                sql.push(" IN (SELECT contract_id FROM contract_supplier WHERE organisation_id IN (");
                list(sql);
                sql.push("))");
            }
            Affected::Establishments => {
                sql.push(" IN (SELECT contract_id FROM contract_supplier WHERE establishment_id IN (");
                list(sql);
                sql.push(") UNION SELECT id FROM contract WHERE buyer_establishment_id IN (");
                list(sql);
                sql.push("))");
            }
        }
    }
}

/// Whether the affected contracts may already have lines (`Stale`: deleted first) or were
/// created in this transaction (`Fresh`: they have none, only the insert runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    Stale,
    Fresh,
}

async fn refresh<C: ConnectionTrait>(db: &C, affected: Affected, ids: &[Uuid], lines: Lines) -> Result<(), StoreError> {
    let backend = db.get_database_backend();
    let per_statement = match affected {
        Affected::Establishments => IDS_PER_STATEMENT / 2,
        _ => IDS_PER_STATEMENT,
    };
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(per_statement) {
        if lines == Lines::Stale {
            let mut delete = Sql::new(backend);
            delete.push("DELETE FROM award_line WHERE ");
            affected.push(&mut delete, "contract_id", chunk);
            db.execute_raw(delete.statement())
                .await
                .context("removing stale award lines")?;
        }
        let mut insert = Sql::new(backend);
        insert.push(&insert_lines(backend));
        insert.push(" AND ");
        affected.push(&mut insert, "c.id", chunk);
        db.execute_raw(insert.statement())
            .await
            .context("computing award lines")?;
    }
    Ok(())
}

/// Computes again the award lines of these contracts (after they, their suppliers or their
/// modifications were written or deleted). Call in the write's transaction.
pub async fn refresh_for_contracts<C: ConnectionTrait>(db: &C, contract_ids: &[Uuid]) -> Result<(), StoreError> {
    refresh(db, Affected::Contracts, contract_ids, Lines::Stale).await
}

/// Computes the award lines of contracts created in this transaction (after their suppliers
/// were inserted): they have none yet, so nothing is deleted first. Call in the write's
/// transaction.
pub async fn insert_for_new_contracts<C: ConnectionTrait>(db: &C, contract_ids: &[Uuid]) -> Result<(), StoreError> {
    refresh(db, Affected::Contracts, contract_ids, Lines::Fresh).await
}

/// Computes again the award lines that copy records of `entity` (its change-log name) just
/// written, `created` in this transaction or `updated`: a contract's own lines, the lines of
/// contracts an organisation or establishment supplies or buys for. Labels are handled with
/// their holders' classification ([`crate::store::write::settle::labels_changed`]); other
/// entities copy nothing. Called by every settled write, in its transaction.
///
/// A created contract has no lines to delete; a created organisation or establishment has
/// no contract yet (a contract naming it is written after it, and computes its own lines).
pub async fn refresh_written<C: ConnectionTrait>(
    db: &C,
    entity: &str,
    created: &[Uuid],
    updated: &[Uuid],
) -> Result<(), StoreError> {
    match entity {
        "contract" => {
            if !created.is_empty() {
                insert_for_new_contracts(db, created).await?;
            }
            if !updated.is_empty() {
                refresh_for_contracts(db, updated).await?;
            }
            Ok(())
        }
        "organisation" if !updated.is_empty() => refresh_for_organisations(db, updated).await,
        "establishment" if !updated.is_empty() => refresh_for_establishments(db, updated).await,
        _ => Ok(()),
    }
}

/// Computes again the award lines of the contracts these organisations supply (after their
/// SSE family or labels changed). Call in the write's transaction.
pub async fn refresh_for_organisations<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<(), StoreError> {
    refresh(db, Affected::SuppliedBy, organisation_ids, Lines::Stale).await
}

/// Computes again the award lines of the contracts bought through or supplied from these
/// establishments (after their commune changed). Call in the write's transaction.
pub async fn refresh_for_establishments<C: ConnectionTrait>(
    db: &C,
    establishment_ids: &[Uuid],
) -> Result<(), StoreError> {
    refresh(db, Affected::Establishments, establishment_ids, Lines::Stale).await
}

/// The organisations holding these labels (deleted labels included).
pub async fn label_holders<C: ConnectionTrait>(db: &C, label_ids: &[Uuid]) -> Result<Vec<Uuid>, StoreError> {
    let backend = db.get_database_backend();
    let mut holders = Vec::new();
    for chunk in label_ids.chunks(IDS_PER_STATEMENT) {
        let mut sql = Sql::new(backend);
        sql.push("SELECT DISTINCT organisation_id FROM organisation_label WHERE id IN (");
        bind_list(&mut sql, chunk);
        sql.push(")");
        for row in db
            .query_all_raw(sql.statement())
            .await
            .context("finding label holders")?
        {
            holders.push(row.try_get_by_index::<Uuid>(0).context("reading label holders")?);
        }
    }
    Ok(holders)
}

/// Computes again the award lines a soft deletion of row `id` of `table` affects: a
/// contract's own; nothing for other tables (lines keep a deleted establishment's commune, as
/// the source join does; a deleted label's holder is handled with its classification,
/// [`crate::store::write::settle::labels_changed`]).
pub async fn refresh_after_delete<C: ConnectionTrait>(db: &C, table: &str, id: Uuid) -> Result<(), StoreError> {
    match table {
        "contract" => refresh_for_contracts(db, &[id]).await,
        _ => Ok(()),
    }
}

/// The ids of the records a bulk upsert UPDATED (created records have no lines yet).
pub fn updated(results: &[ItemResult]) -> Vec<Uuid> {
    results
        .iter()
        .filter(|r| r.status == ItemStatus::Updated)
        .filter_map(|r| r.id)
        .collect()
}
