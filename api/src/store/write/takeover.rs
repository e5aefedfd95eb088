//! Authoritative sources take their natural keys over from partners' records: Sirene for a
//! SIREN or a SIRET, DECP for a contract `uid`. A partner could otherwise hold such a key (a
//! live record, or one created then soft-deleted) and keep an import from ever creating or
//! updating it, or set its `sourceUpdatedAt` far ahead so every publication looks older.
//!
//! Before an importer writes a batch, the records of a partner source (`PARTNER:<slug>`)
//! holding one of the batch's keys, live or soft-deleted, become records of the importer's
//! source: keyed by the natural key, live again, and without the partner's source update time
//! (so the publication read is never "older"). Everything else stays on the record (its id, so
//! references, labels and establishments keep pointing at it; its fields until the import
//! overwrites them, such as an RNA number Sirene does not publish), except an SSE family the
//! partner declared, which the evidence decides again. Each take-over is one new version of
//! the record, audited as `take_over` and logged in the change feed, in the batch's
//! transaction; the import then updates the record as it would its own.
//!
//! Records of other sources (DECP's minimal records, the demo, the labels importer's own)
//! are not taken over: the importers already enrich them in place.

use chrono::Utc;
use entity::{
    contract,
    enums::{EssFamily, EssFamilyBasis},
    establishment, organisation,
};
use sea_orm::{
    ConnectionTrait, QueryFilter,
    sea_query::{Alias, Expr, ExprTrait},
};

use super::{
    result::{ItemResult, ItemStatus},
    settle::{Settlement, Writable},
    writer::{Writer, is_partner_source},
};
use crate::store::{DbContext, StoreError, Synced};

/// Largest number of keys looked up in one query.
const KEYS_PER_QUERY: usize = 10_000;

/// The partner records of `E` (live or deleted) whose `key` column holds one of `keys` become
/// records of `source`: `taken_over` makes the new version of each from the stored one (see
/// the module documentation). `what` names the record, `context` the lookup for database
/// errors. Returns how many.
async fn take_over<E, C>(
    db: &C,
    writer: &Writer,
    (source, keys): (&str, &[String]),
    (key, what, context): (&str, &str, &'static str),
    taken_over: impl Fn(&E::Model) -> E::Model,
) -> Result<usize, StoreError>
where
    C: ConnectionTrait,
    E: Writable,
{
    let now = Utc::now();
    let column = |name: &str| Expr::col((E::default(), Alias::new(name)));
    let mut taken = Vec::new();
    for chunk in keys.chunks(KEYS_PER_QUERY) {
        let held = E::find()
            .filter(column(key).is_in(chunk.iter().cloned()))
            .filter(column("source").ne(source))
            .all(db)
            .await
            .context(context)?;
        taken.extend(held.into_iter().filter(|o| is_partner_source(o.source())));
    }
    if taken.is_empty() {
        return Ok(0);
    }
    // Each take-over is a new version of the stored record, audited as `take_over`.
    let mut settled = Settlement::<E>::for_operation("take_over");
    let mut count = 0;
    for (index, old) in taken.into_iter().enumerate() {
        let new = taken_over(&old);
        let mut result = ItemResult::unsettled(index, new.external_id().unwrap_or_default().to_owned());
        settled
            .item(db, (index, what), Some(&old), new, now, &mut result)
            .await?;
        if result.status == ItemStatus::Updated {
            count += 1;
        }
    }
    settled.finish(db, writer, now).await?;
    Ok(count)
}

/// The partner organisations (live or deleted) holding these SIRENs become organisations of
/// `source`, keyed by their SIREN (see the module documentation). Returns how many.
pub async fn take_over_organisations<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    sirens: &[String],
) -> Result<usize, StoreError> {
    let what = ("siren", "organisation", "finding partner organisations holding SIRENs");
    take_over::<organisation::Entity, _>(db, writer, (source, sirens), what, |old| {
        let mut new = organisation::Model {
            source: source.to_owned(),
            external_id: old.siren.clone(),
            deleted_at: None,
            source_updated_at: None,
            ..old.clone()
        };
        if new.ess_family_basis == EssFamilyBasis::Declared {
            new.ess_family = EssFamily::Unknown;
            new.ess_family_basis = EssFamilyBasis::None;
        }
        new
    })
    .await
}

/// The partner establishments (live or deleted) holding these SIRETs become establishments of
/// `source`, keyed by their SIRET (see the module documentation). Returns how many.
pub async fn take_over_establishments<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    sirets: &[String],
) -> Result<usize, StoreError> {
    let what = (
        "siret",
        "establishment",
        "finding partner establishments holding SIRETs",
    );
    take_over::<establishment::Entity, _>(db, writer, (source, sirets), what, |old| establishment::Model {
        source: source.to_owned(),
        external_id: old.siret.clone(),
        deleted_at: None,
        source_updated_at: None,
        ..old.clone()
    })
    .await
}

/// The partner contracts (live or deleted) having these national keys (`uid`) become
/// contracts of `source`, keyed by their `uid` (the external id the DECP importer gives), see
/// the module documentation. Returns how many.
pub async fn take_over_contracts<C: ConnectionTrait>(
    db: &C,
    writer: &Writer,
    source: &str,
    uids: &[String],
) -> Result<usize, StoreError> {
    let what = ("uid", "contract", "finding partner contracts holding uids");
    take_over::<contract::Entity, _>(db, writer, (source, uids), what, |old| contract::Model {
        source: source.to_owned(),
        external_id: Some(old.uid.clone()),
        deleted_at: None,
        source_updated_at: None,
        ..old.clone()
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::super::writer::is_partner_source;

    #[test]
    fn partner_sources_are_those_of_the_partner_prefix() {
        assert!(is_partner_source("PARTNER:ress-paca"));
        assert!(is_partner_source("partner:x"));
        assert!(!is_partner_source("sirene"));
        assert!(!is_partner_source("decp"));
        assert!(!is_partner_source("DEMO"));
        assert!(!is_partner_source("PART"));
    }
}
