//! The foundation schema: territories, organisations, establishments, identifiers, labels,
//! partnerships, public contracts and the change log.
//!
//! Closed vocabularies are stored as text and validated by the application (adding a value
//! must not need a table rebuild on SQLite); structural invariants (non-negative amounts,
//! ordered dates, identifier lengths) are `CHECK` constraints. Money is in euro cents
//! (`BIGINT`), exact on both databases. Every foreign key and every column the read API
//! filters or sorts on has an index.

use sea_orm_migration::{prelude::*, schema::*};

/// Creates the foundation schema.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000001_foundation"
    }
}

/// Adds `source`, `external_id`, `source_updated_at`, `created_at`, `updated_at`,
/// `deleted_at`, `version` and the `(source, external_id)` unique key.
fn with_sync_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(text("source"))
        .col(text_null("external_id"))
        .col(timestamp_with_time_zone_null("source_updated_at"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .col(timestamp_with_time_zone_null("deleted_at"))
        .col(integer("version").default(1))
        .index(Index::create().unique().col("source").col("external_id"))
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

/// `length(col) = n` for a nullable column.
fn len_is(col: &'static str, n: i32) -> SimpleExpr {
    Expr::col(col).is_null().or(Func::char_length(Expr::col(col)).eq(n))
}

/// A plain index on `table(cols...)`.
fn index(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(format!("ix_{table}_{}", cols.join("_"))).table(table);
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Territories and reference tables.
        manager
            .create_table(
                Table::create()
                    .table("territory")
                    .col(text("id").primary_key())
                    .col(text("level"))
                    .col(text("code"))
                    .col(text("name"))
                    .col(text("name_search"))
                    .col(text_null("siren"))
                    .col(big_integer_null("population"))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(text("geo_source"))
                    .col(text_null("zone"))
                    .col(text_null("parent_id"))
                    .col(text_null("epci_id"))
                    .col(text_null("departement_id"))
                    .col(text_null("region_id"))
                    .col(small_integer("cog_vintage"))
                    .index(Index::create().unique().col("level").col("code").col("cog_vintage"))
                    .foreign_key(&mut fk("territory", "parent_id", "territory", "id"))
                    .foreign_key(&mut fk("territory", "epci_id", "territory", "id"))
                    .foreign_key(&mut fk("territory", "departement_id", "territory", "id"))
                    .foreign_key(&mut fk("territory", "region_id", "territory", "id"))
                    .check(len_is("siren", 9))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("territory_membership")
                    .col(text("territory_id"))
                    .col(text("ancestor_id"))
                    .col(text("ancestor_level"))
                    .primary_key(Index::create().col("territory_id").col("ancestor_id"))
                    .foreign_key(&mut fk("territory_membership", "territory_id", "territory", "id"))
                    .foreign_key(&mut fk("territory_membership", "ancestor_id", "territory", "id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("postal_code_commune")
                    .col(text("postal_code"))
                    .col(text("commune_id"))
                    .primary_key(Index::create().col("postal_code").col("commune_id"))
                    .foreign_key(&mut fk("postal_code_commune", "commune_id", "territory", "id"))
                    .check(len_is("postal_code", 5))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("legal_category")
                    .col(text("code").primary_key())
                    .col(text("label"))
                    .col(text("ess_family"))
                    .check(len_is("code", 4))
                    .to_owned(),
            )
            .await?;

        // Organisations and what hangs off them.
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("organisation")
                        .col(uuid("id").primary_key())
                        .col(text_null("siren").unique_key())
                        .col(text_null("rna").unique_key())
                        .col(text("name"))
                        .col(text("name_search"))
                        .col(text_null("acronym"))
                        .col(text_null("legal_category_code"))
                        .col(text("ess_family"))
                        .col(text("ess_family_basis"))
                        .col(boolean_null("sirene_ess_flag"))
                        .col(boolean_null("societe_mission"))
                        .col(text_null("naf_code"))
                        .col(text_null("naf_nomenclature"))
                        .col(text_null("headcount_band"))
                        .col(small_integer_null("headcount_year"))
                        .col(boolean_null("employer"))
                        .col(text_null("company_category"))
                        .col(text("admin_status"))
                        .col(date_null("created_on"))
                        .col(date_null("ceased_on"))
                        .col(boolean("diffusible").default(true))
                        .col(boolean("resolved").default(true))
                        .col(text_null("public_authority_territory_id"))
                        .foreign_key(&mut fk(
                            "organisation",
                            "public_authority_territory_id",
                            "territory",
                            "id",
                        ))
                        .check(len_is("siren", 9))
                        .check(len_is("rna", 10))
                        .check(len_is("legal_category_code", 4)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("establishment")
                        .col(uuid("id").primary_key())
                        .col(uuid("organisation_id"))
                        .col(text_null("siret").unique_key())
                        .col(text_null("name"))
                        .col(boolean("is_headquarters").default(false))
                        .col(text_null("address_line1"))
                        .col(text_null("address_line2"))
                        .col(text_null("postal_code"))
                        .col(text_null("commune_id"))
                        .col(double_null("latitude"))
                        .col(double_null("longitude"))
                        .col(text_null("geo_precision"))
                        .col(text_null("naf_code"))
                        .col(text_null("headcount_band"))
                        .col(text("admin_status"))
                        .col(date_null("opened_on"))
                        .col(date_null("closed_on"))
                        .col(boolean("diffusible").default(true))
                        .foreign_key(&mut fk("establishment", "organisation_id", "organisation", "id"))
                        .foreign_key(&mut fk("establishment", "commune_id", "territory", "id"))
                        .check(len_is("siret", 14)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("organisation_identifier")
                        .col(uuid("id").primary_key())
                        .col(uuid("organisation_id"))
                        .col(text("scheme"))
                        .col(text("value"))
                        .index(Index::create().unique().col("scheme").col("value"))
                        .foreign_key(&mut fk(
                            "organisation_identifier",
                            "organisation_id",
                            "organisation",
                            "id",
                        )),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("organisation_label")
                        .col(uuid("id").primary_key())
                        .col(uuid("organisation_id"))
                        .col(uuid_null("establishment_id"))
                        .col(text("kind"))
                        .col(text_null("issuer"))
                        .col(text_null("reference"))
                        .col(date_null("valid_from"))
                        .col(date_null("valid_to"))
                        .col(text_null("evidence_url"))
                        .foreign_key(&mut fk("organisation_label", "organisation_id", "organisation", "id"))
                        .foreign_key(&mut fk("organisation_label", "establishment_id", "establishment", "id"))
                        .check(
                            Expr::col("valid_to")
                                .is_null()
                                .or(Expr::col("valid_from").is_null())
                                .or(Expr::col("valid_to").gte(Expr::col("valid_from"))),
                        ),
                )
                .to_owned(),
            )
            .await?;

        // Partnerships.
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("partnership")
                        .col(uuid("id").primary_key())
                        .col(text("partnership_type"))
                        .col(text("name"))
                        .col(text_null("description"))
                        .col(date_null("start_date"))
                        .col(date_null("end_date"))
                        .col(text_null("territory_id"))
                        .col(big_integer_null("amount_cents"))
                        .col(text("status"))
                        .foreign_key(&mut fk("partnership", "territory_id", "territory", "id"))
                        .check(Expr::col("amount_cents").is_null().or(Expr::col("amount_cents").gte(0)))
                        .check(
                            Expr::col("end_date")
                                .is_null()
                                .or(Expr::col("start_date").is_null())
                                .or(Expr::col("end_date").gte(Expr::col("start_date"))),
                        ),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("partnership_party")
                    .col(uuid("id").primary_key())
                    .col(uuid("partnership_id"))
                    .col(uuid("organisation_id"))
                    .col(text("role"))
                    .col(date_null("joined_on"))
                    .col(date_null("left_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .index(
                        Index::create()
                            .unique()
                            .col("partnership_id")
                            .col("organisation_id")
                            .col("role"),
                    )
                    .foreign_key(&mut fk("partnership_party", "partnership_id", "partnership", "id"))
                    .foreign_key(&mut fk("partnership_party", "organisation_id", "organisation", "id"))
                    .to_owned(),
            )
            .await?;

        // Public procurement.
        manager
            .create_table(
                with_sync_columns(
                    Table::create()
                        .table("contract")
                        .col(uuid("id").primary_key())
                        .col(text("uid").unique_key())
                        .col(text("buyer_internal_id"))
                        .col(text("kind"))
                        .col(text_null("nature"))
                        .col(text_null("object"))
                        .col(text_null("cpv_code"))
                        .col(text_null("cpv_division"))
                        .col(text_null("purchase_type"))
                        .col(text_null("procedure"))
                        .col(json_binary("techniques"))
                        .col(json_binary("execution_modes"))
                        .col(text_null("framework_uid"))
                        .col(boolean_null("innovative"))
                        .col(text_null("ccag"))
                        .col(integer_null("offers_received"))
                        .col(boolean_null("advance"))
                        .col(double_null("advance_rate"))
                        .col(text_null("grouping_type"))
                        .col(boolean_null("subcontracting_declared"))
                        .col(text_null("exec_place_code"))
                        .col(text_null("exec_place_type"))
                        .col(text_null("exec_territory_id"))
                        .col(integer_null("duration_months"))
                        .col(date_null("notified_on"))
                        .col(date_null("published_on"))
                        .col(big_integer_null("amount_cents"))
                        .col(text_null("price_form"))
                        .col(json_binary("price_types"))
                        .col(double_null("origin_eu"))
                        .col(double_null("origin_fr"))
                        .col(json_binary("social_considerations"))
                        .col(json_binary("environmental_considerations"))
                        .col(boolean("social_clause").default(false))
                        .col(boolean("social_criterion").default(false))
                        .col(boolean("reserved").default(false))
                        .col(boolean("env_clause").default(false))
                        .col(boolean("env_criterion").default(false))
                        .col(big_integer_null("current_amount_cents"))
                        .col(integer_null("current_duration_months"))
                        .col(text("buyer_siret"))
                        .col(uuid_null("buyer_establishment_id"))
                        .col(uuid_null("buyer_organisation_id"))
                        .col(date_null("signed_on"))
                        .col(date_null("exec_start_on"))
                        .col(big_integer_null("public_subsidy_cents"))
                        .col(json_binary("quality_flags"))
                        .foreign_key(&mut fk("contract", "exec_territory_id", "territory", "id"))
                        .foreign_key(&mut fk("contract", "buyer_establishment_id", "establishment", "id"))
                        .foreign_key(&mut fk("contract", "buyer_organisation_id", "organisation", "id"))
                        .check(Expr::col("amount_cents").is_null().or(Expr::col("amount_cents").gte(0)))
                        .check(
                            Expr::col("current_amount_cents")
                                .is_null()
                                .or(Expr::col("current_amount_cents").gte(0)),
                        )
                        .check(
                            Expr::col("duration_months")
                                .is_null()
                                .or(Expr::col("duration_months").gte(0)),
                        )
                        .check(len_is("cpv_code", 8))
                        .check(len_is("cpv_division", 2)),
                )
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("contract_supplier")
                    .col(uuid("id").primary_key())
                    .col(uuid("contract_id"))
                    .col(small_integer("position"))
                    .col(text("id_scheme"))
                    .col(text("id_value"))
                    .col(uuid_null("establishment_id"))
                    .col(uuid_null("organisation_id"))
                    .col(integer("from_modification").default(0))
                    .col(double_null("distance_km"))
                    .col(text("locality_level"))
                    .col(timestamp_with_time_zone("created_at"))
                    .index(
                        Index::create()
                            .unique()
                            .col("contract_id")
                            .col("id_scheme")
                            .col("id_value")
                            .col("from_modification"),
                    )
                    .foreign_key(&mut fk("contract_supplier", "contract_id", "contract", "id"))
                    .foreign_key(&mut fk("contract_supplier", "establishment_id", "establishment", "id"))
                    .foreign_key(&mut fk("contract_supplier", "organisation_id", "organisation", "id"))
                    .check(Expr::col("distance_km").is_null().or(Expr::col("distance_km").gte(0)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("contract_modification")
                    .col(uuid("id").primary_key())
                    .col(uuid("contract_id"))
                    .col(integer("seq"))
                    .col(date_null("notified_on"))
                    .col(date_null("published_on"))
                    .col(integer_null("new_duration_months"))
                    .col(big_integer_null("new_amount_cents"))
                    .col(timestamp_with_time_zone("created_at"))
                    .index(Index::create().unique().col("contract_id").col("seq"))
                    .foreign_key(&mut fk("contract_modification", "contract_id", "contract", "id"))
                    .check(
                        Expr::col("new_amount_cents")
                            .is_null()
                            .or(Expr::col("new_amount_cents").gte(0)),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("contract_subcontract")
                    .col(uuid("id").primary_key())
                    .col(uuid("contract_id"))
                    .col(text("act_id"))
                    .col(text("subcontractor_scheme"))
                    .col(text("subcontractor_id"))
                    .col(uuid_null("organisation_id"))
                    .col(integer_null("duration_months"))
                    .col(date_null("notified_on"))
                    .col(date_null("published_on"))
                    .col(big_integer_null("amount_cents"))
                    .col(text_null("price_variation"))
                    .col(timestamp_with_time_zone("created_at"))
                    .index(Index::create().unique().col("contract_id").col("act_id"))
                    .foreign_key(&mut fk("contract_subcontract", "contract_id", "contract", "id"))
                    .foreign_key(&mut fk("contract_subcontract", "organisation_id", "organisation", "id"))
                    .check(Expr::col("amount_cents").is_null().or(Expr::col("amount_cents").gte(0)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("concession_execution")
                    .col(uuid("id").primary_key())
                    .col(uuid("contract_id"))
                    .col(date("period_start"))
                    .col(date_null("published_on"))
                    .col(big_integer_null("investment_cents"))
                    .col(json_binary("tariffs"))
                    .col(timestamp_with_time_zone("created_at"))
                    .index(Index::create().unique().col("contract_id").col("period_start"))
                    .foreign_key(&mut fk("concession_execution", "contract_id", "contract", "id"))
                    .to_owned(),
            )
            .await?;

        // The change log.
        manager
            .create_table(
                Table::create()
                    .table("change_log")
                    .col(big_pk_auto("seq"))
                    .col(text("entity"))
                    .col(uuid("row_id"))
                    .col(text("op"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("changed_at"))
                    .col(big_integer_null("tx_id"))
                    .to_owned(),
            )
            .await?;

        for statement in [
            index("territory", &["level", "name_search"]),
            index("territory", &["parent_id"]),
            index("territory", &["epci_id"]),
            index("territory", &["departement_id"]),
            index("territory", &["region_id"]),
            index("territory", &["siren"]),
            index("territory_membership", &["ancestor_id", "territory_id"]),
            index("postal_code_commune", &["commune_id"]),
            index("organisation", &["name_search"]),
            index("organisation", &["ess_family"]),
            index("organisation", &["legal_category_code"]),
            index("organisation", &["naf_code"]),
            index("organisation", &["public_authority_territory_id"]),
            index("organisation", &["updated_at"]),
            index("establishment", &["organisation_id"]),
            index("establishment", &["commune_id"]),
            index("establishment", &["postal_code"]),
            index("establishment", &["updated_at"]),
            index("organisation_identifier", &["organisation_id"]),
            index("organisation_label", &["organisation_id"]),
            index("organisation_label", &["establishment_id"]),
            index("organisation_label", &["kind", "valid_from"]),
            index("partnership", &["territory_id"]),
            index("partnership", &["partnership_type"]),
            index("partnership", &["updated_at"]),
            index("partnership_party", &["organisation_id"]),
            index("contract", &["buyer_organisation_id", "notified_on"]),
            index("contract", &["buyer_establishment_id"]),
            index("contract", &["exec_territory_id"]),
            index("contract", &["notified_on"]),
            index("contract", &["cpv_division"]),
            index("contract", &["updated_at"]),
            index("contract_supplier", &["organisation_id"]),
            index("contract_supplier", &["establishment_id"]),
            index("contract_modification", &["contract_id"]),
            index("contract_subcontract", &["organisation_id"]),
            index("change_log", &["entity", "seq"]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "change_log",
            "concession_execution",
            "contract_subcontract",
            "contract_modification",
            "contract_supplier",
            "contract",
            "partnership_party",
            "partnership",
            "organisation_label",
            "organisation_identifier",
            "establishment",
            "organisation",
            "legal_category",
            "postal_code_commune",
            "territory_membership",
            "territory",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
