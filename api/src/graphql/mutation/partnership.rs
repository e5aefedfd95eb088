//! Mutations of partnerships, each with its parties: create, partial update, and bulk upsert
//! by `(source, externalId)` (deletion is in `delete`).

use async_graphql::{ID, InputObject};
use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record::{self, Rejection, organisation_row_id},
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::partnership::{Partnership, PartyRole},
    store::{
        partnerships::by_ids,
        write::delete::Deletable,
        write::partnership::{self as store, PartnershipFields, PartnershipPatch, PartyFields},
    },
};

/// One party of a partnership.
#[derive(InputObject, Debug, Clone)]
pub struct PartyInput {
    /// Global id of a live organisation.
    pub organisation_id: ID,
    /// Its role.
    pub role: PartyRole,
    /// When it joined.
    pub joined_on: Option<NaiveDate>,
    /// When it left, not before `joinedOn`.
    pub left_on: Option<NaiveDate>,
}

store::partnership_fields!(
    super::declare::input_types,
    [
        /// One partnership of a bulk upsert: the whole record, parties included (they replace the
        /// stored ones).
        PartnershipUpsertItemInput,
        /// The fields of a partnership to change: absent fields are unchanged, `null` clears a field.
        PartnershipPatchInput
    ]
);

impl PartyInput {
    /// The store's party; errors name fields under `prefix` (`items.3.parties.0.`).
    fn into_store(self, prefix: &str) -> Result<PartyFields, Rejection> {
        Ok(PartyFields {
            organisation_id: organisation_row_id(&self.organisation_id, prefix)?,
            role: self.role.into(),
            joined_on: self.joined_on,
            left_on: self.left_on,
        })
    }
}

record_mutation_types! {
    kind: PartnershipMutation,
    name: "Partnership",
    noun: "partnership",
    article: "a",
    item: PartnershipUpsertItemInput,
    patch: PartnershipPatchInput,
    node: Partnership,
    CreatePartnershipInput {
        /// The partnership with its parties: the whole record, as in `upsertPartnerships`.
        partnership
    }
    UpdatePartnershipInput,
    UpsertPartnershipsInput {
        /// Up to 1 000 partnerships, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    PartnershipPayload {
        /// The partnership as written, with its parties (null when rejected or `validateOnly`).
        partnership
    }
}

super::declare::declared_kind!(PartnershipMutation: PartnershipFields, PartnershipPatch; store, Deletable::Partnership; load: by_ids => Partnership);

mutation_root! {
    impl PartnershipMutation {
        /// Creates a partnership with its parties (live organisations). Needs a key; a partner
        /// creates records of its own source.
        fn create_partnership(#[desc = "The partnership and how to write it."] input: CreatePartnershipInput) -> PartnershipPayload = record::create::<Self>;
        /// Updates the given fields of a partnership (absent fields are unchanged; `parties`, when
        /// given, replaces them all). A partner may only update records of its own source.
        fn update_partnership(#[desc = "The partnership, its expected version and the fields to change."] input: UpdatePartnershipInput) -> PartnershipPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 partnerships of one source, keyed by `externalId`, with
        /// their parties (live organisations) and a result per item. Items equal to the stored
        /// partnership are UNCHANGED. Rejected items are skipped unless `atomic` is true.
        fn upsert_partnerships(#[desc = "The items and how to write them."] input: UpsertPartnershipsInput) -> UpsertPayload = record::upsert::<Self>;
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{ID, MaybeUndefined};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::{PartnershipPatchInput, PartnershipUpsertItemInput, PartyInput};
    use crate::graphql::{
        node::global_id,
        partnership::{PartnershipType, PartyRole},
    };

    fn party(organisation_id: ID) -> PartyInput {
        PartyInput {
            organisation_id,
            role: PartyRole::Lead,
            joined_on: None,
            left_on: None,
        }
    }

    fn item(amount: &str, parties: Vec<PartyInput>) -> PartnershipUpsertItemInput {
        PartnershipUpsertItemInput {
            external_id: "P-1".into(),
            partnership_type: PartnershipType::Ptce,
            name: "Pôle".into(),
            description: None,
            start_date: None,
            end_date: None,
            territory_id: None,
            amount: Some(amount.parse::<Decimal>().expect("a decimal")),
            status: None,
            parties,
            source_updated_at: None,
        }
    }

    #[test]
    fn an_item_names_every_fault_under_its_prefix() {
        let organisation = Uuid::now_v7();
        let good = item("1250.50", vec![party(global_id("Organisation", organisation))]);
        let fields = good.into_store("items.0.").expect("a valid item");
        assert_eq!(fields.amount_cents, Some(125_050));
        assert_eq!(
            fields.status,
            entity::enums::PartnershipStatus::Active,
            "status defaults to active"
        );
        assert_eq!(fields.parties[0].organisation_id, organisation);

        let bad = item(
            "10.005",
            vec![
                party(global_id("Organisation", organisation)),
                party(ID::from("not-an-id")),
            ],
        );
        let errors = bad.into_store("items.3.").expect_err("two faults");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["items.3.amount", "items.3.parties.1.organisationId"],
            "{errors:?}"
        );
        assert!(errors[0].message.contains("10.005"), "{errors:?}");
    }

    #[test]
    fn a_patch_keeps_absent_amounts_clears_null_ones_and_converts_given_ones() {
        let patch = |amount| {
            PartnershipPatchInput {
                amount,
                ..Default::default()
            }
            .into_store()
        };
        assert_eq!(patch(MaybeUndefined::Undefined).expect("absent").amount_cents, None);
        assert_eq!(patch(MaybeUndefined::Null).expect("null").amount_cents, Some(None));
        let given = patch(MaybeUndefined::Value(Decimal::new(99, 2))).expect("given");
        assert_eq!(given.amount_cents, Some(Some(99)));
        let errors = patch(MaybeUndefined::Value(Decimal::new(1, 3))).expect_err("a tenth of a cent");
        assert_eq!(errors[0].field, "amount");
    }
}
