//! Decoding rows into entity models by column position, straight from the driver's row.
//!
//! sea-orm's generic decoding looks every value up by column name (hashing the name) and
//! formats an error message for every NULL it meets before turning it into `None`: on the
//! read API's nested query that was a fifth of the request's CPU time. Here a model's fields
//! are read in declaration order, which is the order of the columns `Entity::find()`
//! selects (a unit test checks it for every entity), with the driver's own decoders and no
//! allocation for NULLs. Columns after the model's (sort keys, parent ids) are ignored.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{enums::*, *};
use sea_orm::{ActiveEnum, ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select, sqlx::Row};
use uuid::Uuid;

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
        row.try_get::<Option<T>, _>(index).map_err(|e| decode_error(index, e))
    } else if let Some(row) = row.try_as_pg_row() {
        row.try_get::<Option<T>, _>(index).map_err(|e| decode_error(index, e))
    } else {
        Err(decode_error(index, "unsupported database driver"))
    }
}

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

driver_cells!(
    String,
    bool,
    i16,
    i32,
    i64,
    f64,
    Uuid,
    NaiveDate,
    DateTime<Utc>,
    serde_json::Value
);

macro_rules! enum_cells {
    ($($type:ty),* $(,)?) => {$(
        impl Cell for Option<$type> {
            fn cell(row: &QueryResult, index: usize) -> Result<Self, DbErr> {
                nullable::<String>(row, index)?
                    .map(|value| <$type>::try_from_value(&value).map_err(|e| decode_error(index, e)))
                    .transpose()
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
);

/// A model that can be read from the leading columns of a row, by position.
pub trait FromRow: Sized {
    /// The fields, in column order.
    #[cfg(test)]
    const FIELDS: &'static [&'static str];
    /// Reads the model from `row`.
    fn from_row(row: &QueryResult) -> Result<Self, DbErr>;
}

macro_rules! from_rows {
    ($($module:ident { $($field:ident),* $(,)? }),* $(,)?) => {$(
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
    )*};
}

from_rows!(
    change_log {
        seq,
        entity,
        row_id,
        op,
        version,
        changed_at,
        tx_id
    },
    concession_execution {
        id,
        contract_id,
        period_start,
        published_on,
        investment_cents,
        tariffs,
        created_at
    },
    contract {
        id,
        uid,
        buyer_internal_id,
        kind,
        nature,
        object,
        cpv_code,
        cpv_division,
        purchase_type,
        procedure,
        techniques,
        execution_modes,
        framework_uid,
        innovative,
        ccag,
        offers_received,
        advance,
        advance_rate,
        grouping_type,
        subcontracting_declared,
        exec_place_code,
        exec_place_type,
        exec_territory_id,
        duration_months,
        notified_on,
        published_on,
        amount_cents,
        price_form,
        price_types,
        origin_eu,
        origin_fr,
        social_considerations,
        environmental_considerations,
        social_clause,
        social_criterion,
        reserved,
        env_clause,
        env_criterion,
        current_amount_cents,
        current_duration_months,
        buyer_siret,
        buyer_establishment_id,
        buyer_organisation_id,
        signed_on,
        exec_start_on,
        public_subsidy_cents,
        quality_flags,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    contract_modification {
        id,
        contract_id,
        seq,
        notified_on,
        published_on,
        new_duration_months,
        new_amount_cents,
        created_at
    },
    contract_subcontract {
        id,
        contract_id,
        act_id,
        subcontractor_scheme,
        subcontractor_id,
        organisation_id,
        duration_months,
        notified_on,
        published_on,
        amount_cents,
        price_variation,
        created_at
    },
    contract_supplier {
        id,
        contract_id,
        position,
        id_scheme,
        id_value,
        establishment_id,
        organisation_id,
        from_modification,
        distance_km,
        locality_level,
        created_at
    },
    establishment {
        id,
        organisation_id,
        siret,
        name,
        is_headquarters,
        address_line1,
        address_line2,
        postal_code,
        commune_id,
        latitude,
        longitude,
        geo_precision,
        naf_code,
        headcount_band,
        admin_status,
        opened_on,
        closed_on,
        diffusible,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    legal_category {
        code,
        label,
        ess_family
    },
    organisation {
        id,
        siren,
        rna,
        name,
        name_search,
        acronym,
        legal_category_code,
        ess_family,
        ess_family_basis,
        sirene_ess_flag,
        societe_mission,
        naf_code,
        naf_nomenclature,
        headcount_band,
        headcount_year,
        employer,
        company_category,
        admin_status,
        created_on,
        ceased_on,
        diffusible,
        resolved,
        public_authority_territory_id,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    organisation_identifier {
        id,
        organisation_id,
        scheme,
        value,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    organisation_label {
        id,
        organisation_id,
        establishment_id,
        kind,
        issuer,
        reference,
        valid_from,
        valid_to,
        evidence_url,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    partnership {
        id,
        partnership_type,
        name,
        description,
        start_date,
        end_date,
        territory_id,
        amount_cents,
        status,
        source,
        external_id,
        source_updated_at,
        created_at,
        updated_at,
        deleted_at,
        version
    },
    partnership_party {
        id,
        partnership_id,
        organisation_id,
        role,
        joined_on,
        left_on,
        created_at
    },
    postal_code_commune {
        postal_code,
        commune_id
    },
    territory {
        id,
        level,
        code,
        name,
        name_search,
        siren,
        population,
        latitude,
        longitude,
        geo_source,
        zone,
        parent_id,
        epci_id,
        departement_id,
        region_id,
        cog_vintage
    },
    territory_membership {
        territory_id,
        ancestor_id,
        ancestor_level
    },
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
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    fn columns<E: EntityTrait>() -> Vec<&'static str> {
        <E::Column as Iterable>::iter().map(|column| column.as_str()).collect()
    }

    /// Positions are only right if the fields are listed in the order `find()` selects.
    #[test]
    fn fields_are_listed_in_column_order() {
        assert_eq!(change_log::Model::FIELDS, columns::<change_log::Entity>(), "change_log");
        assert_eq!(
            concession_execution::Model::FIELDS,
            columns::<concession_execution::Entity>(),
            "concession_execution"
        );
        assert_eq!(contract::Model::FIELDS, columns::<contract::Entity>(), "contract");
        assert_eq!(
            contract_modification::Model::FIELDS,
            columns::<contract_modification::Entity>(),
            "contract_modification"
        );
        assert_eq!(
            contract_subcontract::Model::FIELDS,
            columns::<contract_subcontract::Entity>(),
            "contract_subcontract"
        );
        assert_eq!(
            contract_supplier::Model::FIELDS,
            columns::<contract_supplier::Entity>(),
            "contract_supplier"
        );
        assert_eq!(
            establishment::Model::FIELDS,
            columns::<establishment::Entity>(),
            "establishment"
        );
        assert_eq!(
            legal_category::Model::FIELDS,
            columns::<legal_category::Entity>(),
            "legal_category"
        );
        assert_eq!(
            organisation::Model::FIELDS,
            columns::<organisation::Entity>(),
            "organisation"
        );
        assert_eq!(
            organisation_identifier::Model::FIELDS,
            columns::<organisation_identifier::Entity>(),
            "organisation_identifier"
        );
        assert_eq!(
            organisation_label::Model::FIELDS,
            columns::<organisation_label::Entity>(),
            "organisation_label"
        );
        assert_eq!(
            partnership::Model::FIELDS,
            columns::<partnership::Entity>(),
            "partnership"
        );
        assert_eq!(
            partnership_party::Model::FIELDS,
            columns::<partnership_party::Entity>(),
            "partnership_party"
        );
        assert_eq!(
            postal_code_commune::Model::FIELDS,
            columns::<postal_code_commune::Entity>(),
            "postal_code_commune"
        );
        assert_eq!(territory::Model::FIELDS, columns::<territory::Entity>(), "territory");
        assert_eq!(
            territory_membership::Model::FIELDS,
            columns::<territory_membership::Entity>(),
            "territory_membership"
        );
    }
}
