//! Partner writes of supply links: bulk upsert keyed by `(source, externalId)`. The buyer and
//! a supplier given by SIRET must be known live establishments, a contract given by its
//! national key must exist; distance and locality level are computed from the two
//! establishments as for contracts' suppliers. One query each per batch for the
//! establishments, their communes and the contracts.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    contract,
    enums::{LocalityLevel, SupplyEvidence},
    supply_link,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{
    fields::{ItemKey, check_provenance, checked_row, not_before, text},
    placing::{Places, establishments_by_siret},
    record,
    result::UserError,
    writer::Writer,
};
use crate::{
    domain::{Siret, ValidationError},
    error_code::ErrorCode,
    store::{DbContext, StoreError},
};

super::declare::declare_fields! {
    $
    /// The fields of a supply link, declared once (see [`declare`](super::declare)): the store's
    /// [`SupplyLinkFields`] and [`SupplyLinkPatch`] here, the GraphQL inputs in the mutation
    /// layer.
    supply_link_fields => store_types;
    /// A supply link as sent by a partner: the whole record.
    SupplyLinkFields, SupplyLinkPatch of supply_link::Model {
        /// SIRET of the buyer establishment (a canteen, a central kitchen, a public buyer), a
        /// known live establishment.
        buyer_siret: (required String),
        /// SIRET of the supplier establishment, a known live establishment; give it or
        /// `supplierName`.
        supplier_siret: (optional String),
        /// Name of the supplier as declared (a producer not yet known by its SIRET).
        supplier_name: (optional String),
        /// Family of products supplied.
        product_family: (required enum ProductFamily),
        /// Intermediaries between producer and buyer (`UNKNOWN` when not given).
        #[patch = "Intermediaries between producer and buyer."]
        channel: (defaulted enum SupplyChannel = Unknown),
        /// What the link rests on (`PARTNER` when not given); `DECP_CONTRACT` needs
        /// `contractUid`.
        #[patch = "What the link rests on; `DECP_CONTRACT` needs `contractUid`."]
        evidence: (defaulted enum SupplyEvidence = Partner),
        /// National key (`uid`: buyer SIRET and the buyer's contract id) of the public contract
        /// behind the link, a known contract.
        contract_uid: (optional String),
        /// First day of the period.
        period_start: (required NaiveDate),
        /// Last day of the period, not before `periodStart` (open when absent).
        period_end: (optional NaiveDate),
        /// Amount excluding VAT in euros over the period (not negative, at most 2 decimals).
        amount_cents: (optional cents named amount),
        /// Free description: the products, the arrangement.
        description: (optional String),
        /// Last update time of the record in its source.
        source_updated_at: (optional DateTime<Utc>),
    }
}

/// The live contracts with these national keys: `uid → id`.
async fn contracts_by_uid<C: ConnectionTrait>(
    db: &C,
    uids: HashSet<String>,
) -> Result<HashMap<String, Uuid>, StoreError> {
    if uids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(contract::Entity::find()
        .select_only()
        .columns([contract::Column::Uid, contract::Column::Id])
        .filter(contract::Column::Uid.is_in(uids))
        .filter(contract::Column::DeletedAt.is_null())
        .into_tuple::<(String, Uuid)>()
        .all(db)
        .await
        .context("checking contracts of supply links")?
        .into_iter()
        .collect())
}

/// A SIRET as sent, checked: its 14 digits, or the error on `field`.
fn siret(field: &'static str, raw: &str) -> Result<String, UserError> {
    Siret::parse(raw)
        .map(|siret| siret.as_str().to_owned())
        .map_err(|error| error.with_field(field).into())
}

/// Checks supply links, each with its stored record (`None` for a new one), and builds the rows
/// to write; one query each for the establishments, their communes and the contracts. Errors
/// name the fields without the `items.<i>` prefix; an external id repeated in the batch is a
/// CONFLICT.
async fn check<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    items: Vec<(Option<&supply_link::Model>, SupplyLinkFields)>,
    now: DateTime<Utc>,
) -> Result<Vec<Result<supply_link::Model, Vec<UserError>>>, StoreError> {
    let sirets: HashSet<String> = items
        .iter()
        .flat_map(|(_, i)| std::iter::once(&i.buyer_siret).chain(&i.supplier_siret))
        .filter_map(|raw| Siret::parse(raw).ok().map(|s| s.as_str().to_owned()))
        .collect();
    let establishments = establishments_by_siret(db, sirets).await?;
    let places = Places::load(db, establishments.values()).await?;
    let uids: HashSet<String> = items.iter().filter_map(|(_, i)| text(i.contract_uid.clone())).collect();
    let contracts = contracts_by_uid(db, uids).await?;

    let mut checked = Vec::with_capacity(items.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, (old, item)) in items.into_iter().enumerate() {
        let key = ItemKey::new(&item.external_id, old.map(|o| o.external_id.as_deref()));
        let mut errors: Vec<UserError> = key.check(&mut seen, index).into_iter().collect();
        let mut known = |field: &'static str, raw: &str| match siret(field, raw) {
            Ok(siret) => match establishments.get(&siret) {
                Some(site) => Some((siret, site)),
                None => {
                    errors.push(UserError::new(
                        field,
                        format!("no known establishment has SIRET {siret}"),
                        ErrorCode::NotFound,
                    ));
                    None
                }
            },
            Err(error) => {
                errors.push(error);
                None
            }
        };
        let buyer = known("buyerSiret", &item.buyer_siret);
        let supplier = item
            .supplier_siret
            .as_deref()
            .and_then(|raw| known("supplierSiret", raw).map(Some))
            .unwrap_or(None);
        let supplier_name = text(item.supplier_name);
        if item.supplier_siret.is_none() && supplier_name.is_none() {
            errors.push(UserError::new(
                "supplierSiret",
                "a supply link needs its supplier: give supplierSiret or supplierName".into(),
                ErrorCode::BadUserInput,
            ));
        }
        let contract_uid = text(item.contract_uid);
        let contract_id = match &contract_uid {
            Some(uid) => match contracts.get(uid) {
                Some(id) => Some(*id),
                None => {
                    errors.push(UserError::new(
                        "contractUid",
                        format!("no live contract has uid {uid:?}"),
                        ErrorCode::NotFound,
                    ));
                    None
                }
            },
            None if item.evidence == SupplyEvidence::DecpContract => {
                errors.push(UserError::new(
                    "contractUid",
                    "a link resting on a DECP contract (evidence DECP_CONTRACT) needs contractUid".into(),
                    ErrorCode::BadUserInput,
                ));
                None
            }
            None => None,
        };
        errors.extend(
            not_before(("periodStart", Some(item.period_start)), ("periodEnd", item.period_end)).map(Into::into),
        );
        if let Some(cents) = item.amount_cents
            && cents < 0
        {
            errors.push(
                ValidationError::new(
                    "amount",
                    crate::domain::Cents::new(cents).euros().to_string(),
                    "must not be negative",
                )
                .into(),
            );
        }
        check_provenance(
            writer,
            old.map(|o| o.source.as_str()),
            item.source_updated_at,
            now,
            &mut errors,
        );
        let Some((buyer_siret, buyer)) = buyer.filter(|_| errors.is_empty()) else {
            checked.push(Err(errors));
            continue;
        };
        let (distance_km, locality_level) = match &supplier {
            Some((_, site)) => places.proximity(buyer, site),
            None => (None, LocalityLevel::Unknown),
        };
        let (supplier_siret, supplier_site) = supplier.unzip();
        checked.push(Ok(checked_row!(
            supply_link::Model {
                id: old.map_or_else(Uuid::now_v7, |o| o.id),
                buyer_siret,
                buyer_establishment_id: buyer.id,
                buyer_organisation_id: buyer.organisation_id,
                supplier_siret,
                supplier_establishment_id: supplier_site.map(|site| site.id),
                supplier_organisation_id: supplier_site.map(|site| site.organisation_id),
                supplier_name,
                product_family: item.product_family,
                channel: item.channel,
                evidence: item.evidence,
                contract_uid,
                contract_id,
                period_start: item.period_start,
                period_end: item.period_end,
                amount_cents: item.amount_cents,
                distance_km,
                locality_level,
                description: text(item.description),
            },
            provenance: (old, source, key, item.source_updated_at, now),
        )));
    }
    Ok(checked)
}

record::record_kind! {
    /// Supply links as a record kind of the write engine ([`RecordKind`](record::RecordKind)).
    SupplyLinks {
        entity: supply_link,
        fields: SupplyLinkFields,
        patch: SupplyLinkPatch,
        names: ("supply link", "upsertSupplyLinks"),
        lookup: "finding supply links by external id",
        check: check,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_send() {
        let stored = supply_link::Model {
            id: Uuid::nil(),
            buyer_siret: "35600000000048".into(),
            buyer_establishment_id: Uuid::nil(),
            buyer_organisation_id: Uuid::nil(),
            supplier_siret: None,
            supplier_establishment_id: None,
            supplier_organisation_id: None,
            supplier_name: Some("GAEC des Collines".into()),
            product_family: entity::enums::ProductFamily::Dairy,
            channel: entity::enums::SupplyChannel::Direct,
            evidence: SupplyEvidence::CanteenPurchase,
            contract_uid: None,
            contract_id: None,
            period_start: day(2025, 1, 1),
            period_end: Some(day(2025, 12, 31)),
            amount_cents: Some(120_000),
            distance_km: None,
            locality_level: LocalityLevel::Unknown,
            description: None,
            source: "PARTNER:cantines".into(),
            external_id: Some("L1".into()),
            source_updated_at: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
            version: 3,
        };
        let patch = SupplyLinkPatch {
            amount_cents: Some(None),
            period_end: Some(Some(day(2026, 6, 30))),
            ..Default::default()
        };
        let fields = patch.applied_to(&stored);
        assert_eq!(fields.external_id, "L1");
        assert_eq!(fields.supplier_name.as_deref(), Some("GAEC des Collines"));
        assert_eq!(fields.amount_cents, None, "null clears the amount");
        assert_eq!(fields.period_end, Some(day(2026, 6, 30)));
        assert_eq!(fields.channel, entity::enums::SupplyChannel::Direct);
    }
}
