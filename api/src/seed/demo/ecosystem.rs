//! The ecosystem being built: the organisation rows generated so far and, for the later
//! steps (partnerships, contracts), what they need to know of each organisation: where its
//! head office is, what it can supply, since when it exists.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use entity::{
    enums::{EssFamily, IdScheme, LabelKind, TerritoryLevel},
    establishment, organisation, organisation_identifier, organisation_label,
};
use uuid::Uuid;

use super::{SEEDED_AT, SOURCE, vocabulary::Sector};
use crate::{
    domain::geo::{GeoPoint, Placement},
    store::{organisations::NewOrganisations, write},
};

/// What an organisation is to the later steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Role {
    /// A local authority buying for its territory.
    Buyer {
        /// The territory it governs.
        territory_id: String,
        /// Commune or EPCI.
        level: TerritoryLevel,
        /// Its population, the weight of its purchases.
        population: i64,
    },
    /// An organisation of the three régions.
    Local,
    /// A company in a large city outside the three régions.
    Far,
}

/// An establishment as the later steps see it.
#[derive(Debug, Clone)]
pub(super) struct Site {
    /// Establishment id.
    pub establishment_id: Uuid,
    /// Its SIRET, if the organisation has a SIREN.
    pub siret: Option<String>,
    /// Its commune.
    pub commune_id: String,
    /// Its commune, EPCI, département and région.
    pub placement: Placement,
    /// Its coordinates.
    pub point: Option<GeoPoint>,
}

/// A generated organisation as the later steps see it.
#[derive(Debug, Clone)]
pub(super) struct Member {
    /// Organisation id.
    pub organisation_id: Uuid,
    /// Name.
    pub name: String,
    /// Buyer, local organisation or far company.
    pub role: Role,
    /// SSE family.
    pub family: EssFamily,
    /// What it can supply.
    pub sector: Option<Sector>,
    /// Whether it holds a SIAE, EA or ESAT label (eligible for reserved contracts).
    pub inclusive: bool,
    /// Whether it is a SCIC.
    pub scic: bool,
    /// Creation date, when known.
    pub created_on: Option<NaiveDate>,
    /// False once ceased.
    pub active: bool,
    /// Head office.
    pub headquarters: Site,
}

impl Member {
    /// Whether it belongs to the social and solidarity economy.
    pub(super) fn is_sse(&self) -> bool {
        !matches!(self.family, EssFamily::NonSse | EssFamily::Unknown)
    }

    /// Whether it is a public buyer.
    pub(super) fn is_buyer(&self) -> bool {
        matches!(self.role, Role::Buyer { .. })
    }

    /// Whether it existed, and was still active, on `date`.
    pub(super) fn exists_on(&self, date: NaiveDate) -> bool {
        self.active && self.created_on.is_none_or(|created| created <= date)
    }

    /// Its head office's département.
    pub(super) fn departement_id(&self) -> Option<&str> {
        self.headquarters.placement.departement_id.as_deref()
    }
}

/// A label to write.
#[derive(Debug, Clone)]
pub(super) struct Label {
    /// Kind.
    pub kind: LabelKind,
    /// Issuer.
    pub issuer: String,
    /// Issuer's reference.
    pub reference: Option<String>,
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// Last day of validity.
    pub valid_to: Option<NaiveDate>,
    /// The establishment it applies to, if specific.
    pub establishment_id: Option<Uuid>,
}

/// The organisations generated so far, their rows and what is already taken.
#[derive(Debug, Default)]
pub(super) struct Ecosystem {
    /// Rows to write.
    pub rows: NewOrganisations,
    /// The organisations, in generation order.
    pub members: Vec<Member>,
    /// SIRENs already used (buyers' included).
    pub sirens: BTreeSet<String>,
    /// RNA numbers already used.
    pub rnas: BTreeSet<String>,
    /// Names already used.
    pub names: BTreeSet<String>,
}

impl Ecosystem {
    /// Adds an organisation row, numbering its external id.
    pub(super) fn push_organisation(&mut self, mut row: organisation::Model) {
        row.external_id = Some(format!("demo-org-{:05}", self.rows.organisations.len() + 1));
        self.rows.organisations.push(row);
    }

    /// Adds an establishment row, numbering its external id.
    pub(super) fn push_establishment(&mut self, mut row: establishment::Model) {
        row.external_id = Some(format!("demo-est-{:05}", self.rows.establishments.len() + 1));
        self.rows.establishments.push(row);
    }

    /// Adds an identifier of an organisation.
    pub(super) fn push_identifier(&mut self, id: Uuid, organisation_id: Uuid, scheme: IdScheme, value: String) {
        let external_id = Some(format!("demo-id-{:05}", self.rows.identifiers.len() + 1));
        self.rows.identifiers.push(organisation_identifier::Model {
            id,
            organisation_id,
            scheme,
            value,
            source: SOURCE.to_owned(),
            external_id,
            source_updated_at: None,
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
            deleted_at: None,
            version: 1,
        });
    }

    /// Adds a label of an organisation.
    pub(super) fn push_label(&mut self, id: Uuid, organisation_id: Uuid, label: Label) {
        let external_id = Some(format!("demo-label-{:05}", self.rows.labels.len() + 1));
        self.rows.labels.push(organisation_label::Model {
            id,
            organisation_id,
            establishment_id: label.establishment_id,
            kind: label.kind,
            issuer: Some(label.issuer),
            reference: label.reference,
            valid_from: Some(label.valid_from),
            valid_to: label.valid_to,
            evidence_url: None,
            source: SOURCE.to_owned(),
            external_id,
            source_updated_at: None,
            created_at: SEEDED_AT,
            updated_at: SEEDED_AT,
            deleted_at: None,
            version: 1,
        });
    }
}

/// An active organisation row named `name` with the demo's sync columns and nothing else
/// known; callers fill in the rest with struct update syntax.
pub(super) fn organisation_row(id: Uuid, name: String) -> organisation::Model {
    organisation::Model {
        id,
        name_search: crate::domain::text::fold_for_search(&name),
        name,
        ..write::organisation::blank(SOURCE.to_owned(), SEEDED_AT)
    }
}

/// An open establishment row of `organisation_id` with the demo's sync columns and nothing
/// else known; callers fill in the rest with struct update syntax.
pub(super) fn establishment_row(id: Uuid, organisation_id: Uuid) -> establishment::Model {
    write::establishment::blank(id, organisation_id, SOURCE, SEEDED_AT)
}
