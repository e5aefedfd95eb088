//! Organisations and what hangs off them: establishments, identifiers, labels.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{EssFamily, HeadcountBand, LabelKind, OrganisationStatus},
    establishment, organisation, organisation_identifier, organisation_label, territory_membership,
};
use sea_orm::{
    ActiveEnum, ColumnTrait, Condition, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, Func, Query, SelectStatement},
};
use uuid::Uuid;

use super::{
    DbContext, StoreError, insert_logged,
    page::{IdKind, KeyKind, Page, PageArgs, SortKey, in_force_on, list_filter, paginate_partitioned},
    rows::{counts, fetch_grouped, live_by_ids},
};
use crate::domain::{Rna, Siren, Siret, ValidationError, geo::Near};

mod establishments;

pub use establishments::{
    EstablishmentFilter, establishment_by_siret, establishment_counts, establishment_pages, establishment_siret_sort,
    establishment_sort, establishments_by_ids, establishments_of,
};

/// New organisations with their establishments, identifiers and labels, written together.
#[derive(Debug, Default)]
pub struct NewOrganisations {
    /// Organisations.
    pub organisations: Vec<organisation::Model>,
    /// Their establishments.
    pub establishments: Vec<establishment::Model>,
    /// Their identifiers in other schemes.
    pub identifiers: Vec<organisation_identifier::Model>,
    /// Their labels.
    pub labels: Vec<organisation_label::Model>,
}

/// Inserts new organisations and their dependants, logging every row in the change log.
/// Call inside a transaction.
pub async fn insert_new<C: ConnectionTrait>(db: &C, new: NewOrganisations) -> Result<(), StoreError> {
    insert_logged(db, new.organisations)
        .await
        .context("inserting organisations")?;
    insert_logged(db, new.establishments)
        .await
        .context("inserting establishments")?;
    insert_logged(db, new.identifiers)
        .await
        .context("inserting organisation identifiers")?;
    let holders: Vec<Uuid> = new.labels.iter().map(|l| l.organisation_id).collect();
    insert_logged(db, new.labels)
        .await
        .context("inserting organisation labels")?;
    super::award_lines::refresh_for_organisations(db, &holders).await
}

/// The live (not deleted) organisation with a SIREN.
pub async fn by_siren<C: ConnectionTrait>(db: &C, siren: &Siren) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find()
        .filter(organisation::Column::Siren.eq(siren.as_str()))
        .filter(organisation::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("loading an organisation by SIREN")
}

/// Live organisations by id.
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<organisation::Model>, StoreError> {
    live_by_ids::<organisation::Entity, C>(db, ids).await
}

/// Live labels of each organisation, by kind then start date.
pub async fn labels_of<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<organisation_label::Model>>, StoreError> {
    let select = organisation_label::Entity::find()
        .filter(organisation_label::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(organisation_label::Column::DeletedAt.is_null())
        .order_by_asc(organisation_label::Column::Kind)
        .order_by_asc(organisation_label::Column::ValidFrom)
        .order_by_asc(organisation_label::Column::Id);
    fetch_grouped(db, select, |row| row.organisation_id, "loading labels of organisations").await
}

/// Filters on organisations; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganisationFilter {
    /// Restrict to these ids.
    pub ids: Vec<Uuid>,
    /// Has a live establishment in one of these territories, at any level.
    pub territory_ids: Vec<String>,
    /// SSE family.
    pub ess_families: Vec<EssFamily>,
    /// INSEE legal category (4 digits).
    pub legal_categories: Vec<String>,
    /// NAF prefixes: a section letter (`Q`), a division (`88`), group (`88.9`), class
    /// (`88.99`) or sub-class (`88.99B`).
    pub naf_prefixes: Vec<String>,
    /// Holds one of these labels.
    pub labels: Vec<LabelKind>,
    /// The labels must be valid on this date.
    pub label_valid_on: Option<NaiveDate>,
    /// Headcount bands.
    pub headcount_bands: Vec<HeadcountBand>,
    /// Administrative status.
    pub admin_statuses: Vec<OrganisationStatus>,
    /// Folded words that must all appear in the folded name.
    pub name_words: Vec<String>,
    /// Has a live establishment within this circle.
    pub near: Option<Near>,
    /// Public authority (true) or not (false).
    pub public_buyer: Option<bool>,
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
    /// Active on some day on or after this date: not ceased before it (unknown cessation
    /// dates count as active).
    pub active_from: Option<NaiveDate>,
    /// Active on some day on or before this date: not created after it (unknown creation
    /// dates count as active).
    pub active_to: Option<NaiveDate>,
}

/// Orders of organisation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganisationSort {
    /// By folded name.
    Name,
    /// By creation date (unknown dates first).
    CreatedOn,
    /// By distance of the nearest establishment to the `near` centre.
    Distance,
}

/// Alias of the establishment table in subqueries.
const E: &str = "e";
/// Alias of the label table in subqueries.
const L: &str = "l";

/// `SELECT 1 FROM establishment e WHERE e.organisation_id = organisation.id AND e.deleted_at
/// IS NULL`: the live establishments of the current organisation row.
fn live_establishments() -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from_as(establishment::Entity, E)
        .and_where(
            Expr::col((E, establishment::Column::OrganisationId))
                .equals((organisation::Entity, organisation::Column::Id)),
        )
        .and_where(Expr::col((E, establishment::Column::DeletedAt)).is_null())
        .to_owned()
}

impl OrganisationFilter {
    /// The WHERE condition of the filter (live organisations only).
    pub fn condition(&self) -> Condition {
        let col = |c: organisation::Column| Expr::col((organisation::Entity, c));
        let mut all = Condition::all().add(col(organisation::Column::DeletedAt).is_null());
        if !self.ids.is_empty() {
            all = all.add(col(organisation::Column::Id).is_in(self.ids.iter().copied()));
        }
        if !self.territory_ids.is_empty() {
            let within = super::territories::within(&self.territory_ids);
            all = all.add(Expr::exists(
                live_establishments()
                    .and_where(Expr::col((E, establishment::Column::CommuneId)).in_subquery(within))
                    .to_owned(),
            ));
        }
        if !self.ess_families.is_empty() {
            all = all.add(col(organisation::Column::EssFamily).is_in(self.ess_families.iter().map(|f| f.to_value())));
        }
        if !self.legal_categories.is_empty() {
            all = all.add(col(organisation::Column::LegalCategoryCode).is_in(self.legal_categories.iter().cloned()));
        }
        if !self.naf_prefixes.is_empty() {
            let mut any = Condition::any();
            for prefix in &self.naf_prefixes {
                any = any.add(col(organisation::Column::NafCode).like(format!("{prefix}%")));
            }
            all = all.add(any);
        }
        if !self.labels.is_empty() {
            let mut labels = Query::select()
                .expr(Expr::val(1))
                .from_as(organisation_label::Entity, L)
                .and_where(
                    Expr::col((L, organisation_label::Column::OrganisationId))
                        .equals((organisation::Entity, organisation::Column::Id)),
                )
                .and_where(Expr::col((L, organisation_label::Column::DeletedAt)).is_null())
                .and_where(
                    Expr::col((L, organisation_label::Column::Kind)).is_in(self.labels.iter().map(|k| k.to_value())),
                )
                .to_owned();
            if let Some(on) = self.label_valid_on {
                labels.cond_where(in_force_on(
                    Expr::col((L, organisation_label::Column::ValidFrom)),
                    Expr::col((L, organisation_label::Column::ValidTo)),
                    on,
                ));
            }
            all = all.add(Expr::exists(labels));
        }
        if !self.headcount_bands.is_empty() {
            all = all
                .add(col(organisation::Column::HeadcountBand).is_in(self.headcount_bands.iter().map(|b| b.to_value())));
        }
        if !self.admin_statuses.is_empty() {
            all =
                all.add(col(organisation::Column::AdminStatus).is_in(self.admin_statuses.iter().map(|s| s.to_value())));
        }
        for word in &self.name_words {
            all = all.add(col(organisation::Column::NameSearch).like(format!("%{}%", escape_like(word))));
        }
        if let Some(near) = &self.near {
            let (min_lat, max_lat, min_lon, max_lon) = near.bounding_box();
            all = all.add(Expr::exists(
                live_establishments()
                    .and_where(Expr::col((E, establishment::Column::Latitude)).between(min_lat, max_lat))
                    .and_where(Expr::col((E, establishment::Column::Longitude)).between(min_lon, max_lon))
                    .and_where(
                        Expr::cust(near.squared_distance_sql("e.latitude", "e.longitude"))
                            .lte(near.radius_km * near.radius_km),
                    )
                    .to_owned(),
            ));
        }
        if let Some(public_buyer) = self.public_buyer {
            let column = col(organisation::Column::PublicAuthorityTerritoryId);
            all = all.add(if public_buyer {
                column.is_not_null()
            } else {
                column.is_null()
            });
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(organisation::Column::UpdatedAt).gte(since));
        }
        if let Some(from) = self.active_from {
            all = all.add(
                Condition::any()
                    .add(col(organisation::Column::CeasedOn).is_null())
                    .add(col(organisation::Column::CeasedOn).gte(from)),
            );
        }
        if let Some(to) = self.active_to {
            all = all.add(
                Condition::any()
                    .add(col(organisation::Column::CreatedOn).is_null())
                    .add(col(organisation::Column::CreatedOn).lte(to)),
            );
        }
        all
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (folded names hold none of them, but words
/// typed by users might).
pub(crate) fn escape_like(word: &str) -> String {
    word.replace(['%', '_', '\\'], "")
}

/// The sort key of an organisation list.
pub fn sort_key(sort: OrganisationSort, descending: bool, near: Option<&Near>) -> Result<SortKey, ValidationError> {
    let col = |c: organisation::Column| Expr::col((organisation::Entity, c));
    let (expr, kind) = match sort {
        OrganisationSort::Name => (col(organisation::Column::NameSearch), KeyKind::Text),
        OrganisationSort::CreatedOn => (
            Func::coalesce([
                col(organisation::Column::CreatedOn),
                Expr::val(super::page::UNKNOWN_DATE),
            ])
            .into(),
            KeyKind::Date,
        ),
        OrganisationSort::Distance => {
            let near = near.ok_or_else(|| ValidationError::new("sort", "DISTANCE", "needs the near filter"))?;
            (
                Expr::cust(format!(
                    "COALESCE((SELECT MIN({}) FROM establishment e WHERE e.organisation_id = organisation.id AND e.deleted_at IS NULL AND e.latitude IS NOT NULL), 1e12)",
                    near.squared_distance_sql("e.latitude", "e.longitude")
                )),
                KeyKind::Float,
            )
        }
    };
    let name = match sort {
        OrganisationSort::Name => "NAME",
        OrganisationSort::CreatedOn => "CREATED_ON",
        OrganisationSort::Distance => "DISTANCE",
    };
    Ok(SortKey::new(
        name,
        (expr, kind),
        (col(organisation::Column::Id), IdKind::Uuid),
        descending,
    ))
}

list_filter!(OrganisationFilter => organisation::Entity, "organisations");

/// The live organisation owning the establishment with this SIRET.
pub async fn by_siret<C: ConnectionTrait>(db: &C, siret: &Siret) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find()
        .filter(organisation::Column::DeletedAt.is_null())
        .filter(
            organisation::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(establishment::Column::OrganisationId)
                    .from(establishment::Entity)
                    .and_where(Expr::col(establishment::Column::Siret).eq(siret.as_str()))
                    .and_where(Expr::col(establishment::Column::DeletedAt).is_null())
                    .to_owned(),
            ),
        )
        .one(db)
        .await
        .context("loading an organisation by SIRET")
}

/// The live organisation with this RNA number.
pub async fn by_rna<C: ConnectionTrait>(db: &C, rna: &Rna) -> Result<Option<organisation::Model>, StoreError> {
    organisation::Entity::find()
        .filter(organisation::Column::Rna.eq(rna.as_str()))
        .filter(organisation::Column::DeletedAt.is_null())
        .one(db)
        .await
        .context("loading an organisation by RNA")
}

/// Live identifiers by id.
pub async fn identifiers_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<organisation_identifier::Model>, StoreError> {
    live_by_ids::<organisation_identifier::Entity, C>(db, ids).await
}

/// Live labels by id.
pub async fn labels_by_ids<C: ConnectionTrait>(
    db: &C,
    ids: &[Uuid],
) -> Result<Vec<organisation_label::Model>, StoreError> {
    live_by_ids::<organisation_label::Entity, C>(db, ids).await
}

impl Eq for OrganisationFilter {}

impl std::hash::Hash for OrganisationFilter {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Every field has a faithful Debug form (coordinates are validated, never NaN).
        format!("{self:?}").hash(state);
    }
}

/// `(organisation_id, ancestor_id)` pairs, without duplicates, of organisations with a live
/// establishment within each of `territory_ids`, as a derived table `w`.
fn within_territories(territory_ids: &[String]) -> SelectStatement {
    Query::select()
        .distinct()
        .expr_as(
            Expr::col((E, establishment::Column::OrganisationId)),
            Alias::new("organisation_id"),
        )
        .expr_as(
            Expr::col(("m", territory_membership::Column::AncestorId)),
            Alias::new("ancestor_id"),
        )
        .from_as(establishment::Entity, E)
        .join_as(
            JoinType::InnerJoin,
            territory_membership::Entity,
            Alias::new("m"),
            Expr::col(("m", territory_membership::Column::TerritoryId)).equals((E, establishment::Column::CommuneId)),
        )
        .and_where(Expr::col(("m", territory_membership::Column::AncestorId)).is_in(territory_ids.iter().cloned()))
        .and_where(Expr::col((E, establishment::Column::DeletedAt)).is_null())
        .to_owned()
}

fn select_within(territory_ids: &[String], filter: &OrganisationFilter) -> sea_orm::Select<organisation::Entity> {
    let mut select = organisation::Entity::find().filter(filter.condition());
    QueryTrait::query(&mut select).join_subquery(
        JoinType::InnerJoin,
        within_territories(territory_ids),
        Alias::new("w"),
        Expr::col(("w", "organisation_id")).equals((organisation::Entity, organisation::Column::Id)),
    );
    select
}

/// For each territory, one page of the organisations matching `filter` with a live
/// establishment within it, in one query.
pub async fn pages_in_territories<C: ConnectionTrait>(
    db: &C,
    territory_ids: &[String],
    filter: &OrganisationFilter,
    sort: &SortKey,
    args: &PageArgs,
) -> Result<HashMap<String, Page<organisation::Model>>, StoreError> {
    let partition = (Expr::col(("w", "ancestor_id")), IdKind::Text);
    paginate_partitioned(db, select_within(territory_ids, filter), partition, sort, args)
        .await
        .map_err(|e| StoreError::from_page(e, "paging organisations of territories"))
}

/// For each territory, the number of organisations matching `filter` with a live
/// establishment within it.
pub async fn counts_in_territories<C: ConnectionTrait>(
    db: &C,
    territory_ids: &[String],
    filter: &OrganisationFilter,
) -> Result<HashMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = select_within(territory_ids, filter)
        .select_only()
        .expr_as(Expr::col(("w", "ancestor_id")), "ancestor_id")
        .expr_as(Expr::col((organisation::Entity, organisation::Column::Id)).count(), "n")
        .group_by(Expr::col(("w", "ancestor_id")))
        .into_tuple()
        .all(db)
        .await
        .context("counting organisations of territories")?;
    Ok(counts(rows))
}

/// Live identifiers of each organisation, by scheme then value.
pub async fn identifiers_of<C: ConnectionTrait>(
    db: &C,
    organisation_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<organisation_identifier::Model>>, StoreError> {
    let select = organisation_identifier::Entity::find()
        .filter(organisation_identifier::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(organisation_identifier::Column::DeletedAt.is_null())
        .order_by_asc(organisation_identifier::Column::Scheme)
        .order_by_asc(organisation_identifier::Column::Value);
    fetch_grouped(
        db,
        select,
        |row| row.organisation_id,
        "loading identifiers of organisations",
    )
    .await
}

/// Filters on labels; fields combine with AND, values within a list with OR.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelFilter {
    /// Kinds.
    pub kinds: Vec<LabelKind>,
    /// Valid on this date.
    pub valid_on: Option<NaiveDate>,
    /// Held by an organisation with a live establishment within one of these territories.
    pub territory_ids: Vec<String>,
    /// Updated at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

impl LabelFilter {
    /// The WHERE condition (live labels of live organisations).
    pub fn condition(&self) -> Condition {
        let col = |c: organisation_label::Column| Expr::col((organisation_label::Entity, c));
        let organisations = OrganisationFilter {
            territory_ids: self.territory_ids.clone(),
            ..Default::default()
        };
        let mut all = Condition::all()
            .add(col(organisation_label::Column::DeletedAt).is_null())
            .add(
                col(organisation_label::Column::OrganisationId).in_subquery(
                    Query::select()
                        .column((organisation::Entity, organisation::Column::Id))
                        .from(organisation::Entity)
                        .cond_where(organisations.condition())
                        .to_owned(),
                ),
            );
        if !self.kinds.is_empty() {
            all = all.add(col(organisation_label::Column::Kind).is_in(self.kinds.iter().map(|k| k.to_value())));
        }
        if let Some(on) = self.valid_on {
            all = all.add(in_force_on(
                col(organisation_label::Column::ValidFrom),
                col(organisation_label::Column::ValidTo),
                on,
            ));
        }
        if let Some(since) = self.updated_since {
            all = all.add(col(organisation_label::Column::UpdatedAt).gte(since));
        }
        all
    }
}

/// Label list order: by start of validity (unknown first).
pub fn label_sort(descending: bool) -> SortKey {
    let col = |c: organisation_label::Column| Expr::col((organisation_label::Entity, c));
    let valid_from = Func::coalesce([
        col(organisation_label::Column::ValidFrom),
        Expr::val(super::page::UNKNOWN_DATE),
    ]);
    SortKey::new(
        "VALID_FROM",
        (valid_from.into(), KeyKind::Date),
        (col(organisation_label::Column::Id), IdKind::Uuid),
        descending,
    )
}

list_filter!(LabelFilter => organisation_label::Entity, "labels");
