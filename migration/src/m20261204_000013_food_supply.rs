//! Short food supply chains: the territorial food projects (Projets Alimentaires Territoriaux,
//! PAT) and the communes each covers, the supply links between a supplier and a buyer
//! establishment (a canteen, a central kitchen, a public buyer) with their number of
//! intermediaries, product family, period, amount and evidence, and the canteens of the
//! national register with their yearly declarations (organic and EGalim shares), and the
//! certified organic operators of the Agence Bio with their sales channels.
//!
//! A commune can belong to several PATs. Supply links carry the sync columns of every record
//! partners write (`source`, `external_id`, versions, soft delete). As in the foundation,
//! vocabularies are text validated by the application; amounts are euro cents.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the food project, supply link and canteen tables.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000013_food_supply"
    }
}

/// A foreign key from `from_table.from_col` to `to_table.to_col`.
fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
    to_col: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from_table}_{from_col}"))
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// The indexes: `(table, columns)`.
const INDEXES: &[(&str, &[&str])] = &[
    ("food_project", &["name_search"]),
    ("food_project_commune", &["commune_id"]),
    ("supply_link", &["buyer_establishment_id"]),
    ("supply_link", &["buyer_organisation_id"]),
    ("supply_link", &["supplier_establishment_id"]),
    ("supply_link", &["supplier_organisation_id"]),
    ("supply_link", &["contract_id"]),
    ("supply_link", &["period_start"]),
    ("supply_link", &["updated_at"]),
    ("canteen", &["commune_id"]),
    ("canteen", &["central_kitchen_siret"]),
    ("organic_operator", &["commune_id"]),
    ("organic_operator", &["organisation_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("food_project")
                    .col(uuid("id").primary_key())
                    .col(text("code").unique_key())
                    .col(text("name"))
                    .col(text_null("usual_name"))
                    .col(text("name_search"))
                    .col(text_null("sheet_url"))
                    .col(text_null("regions"))
                    .col(text_null("departements"))
                    .col(text_null("epcis"))
                    .col(text("source"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("food_project_commune")
                    .col(uuid("food_project_id"))
                    .col(text("commune_id"))
                    .primary_key(Index::create().col("food_project_id").col("commune_id"))
                    .foreign_key(&mut fk("food_project_commune", "food_project_id", "food_project", "id"))
                    .foreign_key(&mut fk("food_project_commune", "commune_id", "territory", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("supply_link")
                    .col(uuid("id").primary_key())
                    .col(text("buyer_siret"))
                    .col(uuid("buyer_establishment_id"))
                    .col(uuid("buyer_organisation_id"))
                    .col(text_null("supplier_siret"))
                    .col(uuid_null("supplier_establishment_id"))
                    .col(uuid_null("supplier_organisation_id"))
                    .col(text_null("supplier_name"))
                    .col(text("product_family"))
                    .col(text("channel"))
                    .col(text("evidence"))
                    .col(text_null("contract_uid"))
                    .col(uuid_null("contract_id"))
                    .col(date("period_start"))
                    .col(date_null("period_end"))
                    .col(big_integer_null("amount_cents"))
                    .col(double_null("distance_km"))
                    .col(text("locality_level"))
                    .col(text_null("description"))
                    .col(text("source"))
                    .col(text_null("external_id"))
                    .col(timestamp_with_time_zone_null("source_updated_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("deleted_at"))
                    .col(integer("version").default(1))
                    .index(Index::create().unique().col("source").col("external_id"))
                    .foreign_key(&mut fk("supply_link", "buyer_establishment_id", "establishment", "id"))
                    .foreign_key(&mut fk("supply_link", "buyer_organisation_id", "organisation", "id"))
                    .foreign_key(&mut fk(
                        "supply_link",
                        "supplier_establishment_id",
                        "establishment",
                        "id",
                    ))
                    .foreign_key(&mut fk("supply_link", "supplier_organisation_id", "organisation", "id"))
                    .foreign_key(&mut fk("supply_link", "contract_id", "contract", "id"))
                    .check(Expr::col("amount_cents").is_null().or(Expr::col("amount_cents").gte(0)))
                    .check(
                        Expr::col("period_end")
                            .is_null()
                            .or(Expr::col("period_end").gte(Expr::col("period_start"))),
                    )
                    .check(
                        Expr::col("supplier_siret")
                            .is_not_null()
                            .or(Expr::col("supplier_name").is_not_null()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("canteen")
                    .col(uuid("id").primary_key())
                    .col(text("siret").unique_key())
                    .col(text("name"))
                    .col(text("name_search"))
                    .col(text_null("register_id"))
                    .col(text_null("commune_id"))
                    .col(text_null("economic_model"))
                    .col(text_null("management_type"))
                    .col(text_null("production_type"))
                    .col(text_null("central_kitchen_siret"))
                    .col(big_integer_null("daily_meals"))
                    .col(big_integer_null("yearly_meals"))
                    .col(text_null("sectors"))
                    .col(text_null("line_ministry"))
                    .col(date_null("registered_on"))
                    .col(text("source"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("canteen", "commune_id", "territory", "id"))
                    .check(Expr::col("daily_meals").is_null().or(Expr::col("daily_meals").gte(0)))
                    .check(Expr::col("yearly_meals").is_null().or(Expr::col("yearly_meals").gte(0)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("canteen_declaration")
                    .col(uuid("canteen_id"))
                    .col(small_integer("year"))
                    .col(text_null("mode"))
                    .col(text_null("declaration_type"))
                    .col(double_null("organic_share"))
                    .col(double_null("egalim_share"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .primary_key(Index::create().col("canteen_id").col("year"))
                    .foreign_key(&mut fk("canteen_declaration", "canteen_id", "canteen", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("organic_operator")
                    .col(uuid("id").primary_key())
                    .col(text("numero_bio").unique_key())
                    .col(text_null("siret"))
                    .col(uuid_null("organisation_id"))
                    .col(text("name"))
                    .col(text_null("commune_id"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(text("categories"))
                    .col(text_null("certification"))
                    .col(date_null("engaged_on"))
                    .col(text_null("productions"))
                    .col(text("source"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("organic_operator", "organisation_id", "organisation", "id"))
                    .foreign_key(&mut fk("organic_operator", "commune_id", "territory", "id"))
                    .to_owned(),
            )
            .await?;
        for (table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(format!("ix_{table}_{}", columns.join("_"))).table(*table);
            for column in *columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "organic_operator",
            "canteen_declaration",
            "canteen",
            "supply_link",
            "food_project_commune",
            "food_project",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
