//! The types of what hangs off an organisation: `Establishment`, `Identifier` and `Label`.

use async_graphql::{Context, ID, Object};
use chrono::NaiveDate;
use entity::{establishment, organisation_identifier, organisation_label};
use uuid::Uuid;

use super::Organisation;
use crate::graphql::{
    enums::{EstablishmentStatus, GeoPrecision, IdScheme, LabelKind},
    errors::OrInternal,
    loaders::Loaders,
    node::global_id,
    territory::Territory,
};

/// An establishment (établissement) of an organisation. For an establishment Sirene marks
/// as non-diffusible, the trade name, address and coordinates are withheld (the commune is
/// kept).
pub struct Establishment(pub establishment::Model);

impl Establishment {
    /// The live establishment with id `id` (none when `id` is none), through the request's
    /// loader.
    pub async fn load(ctx: &Context<'_>, id: Option<Uuid>) -> async_graphql::Result<Option<Establishment>> {
        let Some(id) = id else { return Ok(None) };
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders
            .organisations
            .establishment_by_id
            .load_one(id)
            .await
            .or_internal()?
            .map(Establishment))
    }

    /// `value` when the establishment is diffusible, else nothing.
    fn public<T>(&self, value: Option<T>) -> Option<T> {
        value.filter(|_| self.0.diffusible)
    }
}

/// An establishment (établissement) of an organisation. For an establishment Sirene marks
/// as non-diffusible, the trade name, address and coordinates are withheld (the commune is
/// kept).
#[Object]
impl Establishment {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Establishment", self.0.id)
    }

    /// SIRET (14 digits).
    async fn siret(&self) -> Option<&str> {
        self.0.siret.as_deref()
    }

    /// Trade name (enseigne).
    async fn name(&self) -> Option<&str> {
        self.public(self.0.name.as_deref())
    }

    /// Whether it is the organisation's head office.
    async fn is_headquarters(&self) -> bool {
        self.0.is_headquarters
    }

    /// First address line.
    async fn address_line1(&self) -> Option<&str> {
        self.public(self.0.address_line1.as_deref())
    }

    /// Second address line.
    async fn address_line2(&self) -> Option<&str> {
        self.public(self.0.address_line2.as_deref())
    }

    /// Postal code.
    async fn postal_code(&self) -> Option<&str> {
        self.public(self.0.postal_code.as_deref())
    }

    /// The commune (or municipal arrondissement) it is in.
    async fn commune(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Territory>> {
        Territory::load(ctx, &self.0.commune_id).await
    }

    /// Latitude (WGS84).
    async fn latitude(&self) -> Option<f64> {
        self.public(self.0.latitude)
    }

    /// Longitude (WGS84).
    async fn longitude(&self) -> Option<f64> {
        self.public(self.0.longitude)
    }

    /// False when Sirene marks the establishment non-diffusible; its name, address and
    /// coordinates are then withheld.
    async fn diffusible(&self) -> bool {
        self.0.diffusible
    }

    /// How precise the coordinates are.
    async fn geo_precision(&self) -> Option<GeoPrecision> {
        self.0.geo_precision.map(Into::into)
    }

    /// Activity code (NAF rév. 2).
    async fn naf_code(&self) -> Option<&str> {
        self.0.naf_code.as_deref()
    }

    /// Administrative status.
    async fn admin_status(&self) -> EstablishmentStatus {
        self.0.admin_status.into()
    }

    /// The organisation it belongs to.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, Some(self.0.organisation_id)).await
    }

    /// Source system of the record (`SIRENE`, `DEMO`, `PARTNER:<slug>`...).
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Id of the record in its source.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Row version, bumped on every write.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An identifier of an organisation in a scheme other than SIREN.
pub struct Identifier(pub organisation_identifier::Model);

/// An identifier of an organisation in a scheme other than SIREN.
#[Object]
impl Identifier {
    /// Scheme.
    async fn scheme(&self) -> IdScheme {
        self.0.scheme.into()
    }

    /// Value, normalised for its scheme.
    async fn value(&self) -> &str {
        &self.0.value
    }

    /// Source system of the record.
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Identifier", self.0.id)
    }

    /// Id of the record in its source.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Row version, bumped on every write.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// The organisation it identifies.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, Some(self.0.organisation_id)).await
    }
}

/// A label or agreement held by an organisation, valid over a period.
pub struct Label(pub organisation_label::Model);

/// A label or agreement held by an organisation, valid over a period.
#[Object]
impl Label {
    /// Global id.
    pub async fn id(&self) -> ID {
        global_id("Label", self.0.id)
    }

    /// Kind of label.
    async fn kind(&self) -> LabelKind {
        self.0.kind.into()
    }

    /// Who issued it.
    async fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }

    /// The issuer's reference.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    /// First day of validity.
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }

    /// Last day of validity (open-ended when null).
    async fn valid_to(&self) -> Option<NaiveDate> {
        self.0.valid_to
    }

    /// Where the label can be checked.
    async fn evidence_url(&self) -> Option<&str> {
        self.0.evidence_url.as_deref()
    }

    /// The labelled organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        Organisation::load(ctx, Some(self.0.organisation_id)).await
    }

    /// Source system of the record (`SIRENE`, `DEMO`, `PARTNER:<slug>`...).
    async fn source(&self) -> &str {
        &self.0.source
    }

    /// Id of the record in its source.
    async fn external_id(&self) -> Option<&str> {
        self.0.external_id.as_deref()
    }

    /// Row version, bumped on every write.
    async fn version(&self) -> i32 {
        self.0.version
    }
}
