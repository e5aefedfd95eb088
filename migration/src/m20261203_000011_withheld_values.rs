//! Values the register withholds (Sirene `statutDiffusion…` = non-diffusible) leave the
//! columns filters, sort keys and cursors read: a non-diffusible organisation's `name_search`
//! becomes the folded public placeholder (`[non diffusible]` folds to `non diffusible`), and a
//! non-diffusible establishment loses its coordinates, with the buyer-supplier distances
//! computed from them (contract suppliers and award lines of the contracts concerned).
//! From then on the store writes them so.

use sea_orm_migration::prelude::*;

/// The folded placeholder of a withheld name (`fold_for_search("[non diffusible]")`; the
/// store's test checks the two agree).
pub const WITHHELD_NAME_SEARCH: &str = "non diffusible";

/// Clears withheld values from searchable columns.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000011_withheld_values"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let hidden = "SELECT id FROM establishment WHERE diffusible = FALSE";
        for statement in [
            format!("UPDATE organisation SET name_search = '{WITHHELD_NAME_SEARCH}' WHERE diffusible = FALSE"),
            format!(
                "UPDATE award_line SET distance_km = NULL WHERE distance_km IS NOT NULL AND contract_id IN \
                 (SELECT contract_id FROM contract_supplier WHERE establishment_id IN ({hidden}) \
                 UNION SELECT id FROM contract WHERE buyer_establishment_id IN ({hidden}))"
            ),
            format!(
                "UPDATE contract_supplier SET distance_km = NULL WHERE distance_km IS NOT NULL AND \
                 (establishment_id IN ({hidden}) OR contract_id IN \
                 (SELECT id FROM contract WHERE buyer_establishment_id IN ({hidden})))"
            ),
            "UPDATE establishment SET latitude = NULL, longitude = NULL, geo_precision = NULL \
             WHERE diffusible = FALSE AND latitude IS NOT NULL"
                .to_owned(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Withheld values are not restored: a Sirene import writes them again if ever needed.
        Ok(())
    }
}
