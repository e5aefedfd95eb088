//! Mutations of supply links: create, partial update, and bulk upsert by
//! `(source, externalId)` (deletion is in `delete`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    record,
    types::{mutation_root, record_mutation_types},
    upsert::UpsertPayload,
};
use crate::{
    graphql::supply::SupplyLink,
    store::{
        supply_links::by_ids,
        write::delete::Deletable,
        write::supply_link::{self as store, SupplyLinkFields, SupplyLinkPatch},
    },
};

store::supply_link_fields!(
    super::declare::input_types,
    [
        /// One supply link of a bulk upsert: the whole record.
        SupplyLinkUpsertItemInput,
        /// The fields of a supply link to change: absent fields are unchanged, `null` clears a
        /// field.
        SupplyLinkPatchInput
    ]
);

record_mutation_types! {
    kind: SupplyLinkMutation,
    name: "SupplyLink",
    noun: "supply link",
    article: "a",
    item: SupplyLinkUpsertItemInput,
    patch: SupplyLinkPatchInput,
    node: SupplyLink,
    CreateSupplyLinkInput {
        /// The supply link: the whole record, as in `upsertSupplyLinks`.
        supply_link
    }
    UpdateSupplyLinkInput,
    UpsertSupplyLinksInput {
        /// Up to 1 000 supply links, each keyed by its `externalId`.
        items,
        /// Makes retries safe: a retry with the same key and input returns the first result
        /// without writing; the same key with another input is a CONFLICT.
        idempotency_key
    }
    SupplyLinkPayload {
        /// The supply link as written (null when rejected or `validateOnly`).
        supply_link
    }
}

super::declare::declared_kind!(SupplyLinkMutation: SupplyLinkFields, SupplyLinkPatch; store, Deletable::SupplyLink; load: by_ids => SupplyLink);

mutation_root! {
    impl SupplyLinkMutation {
        /// Creates a supply link. Needs a key; a partner creates records of its own source.
        fn create_supply_link(#[desc = "The supply link and how to write it."] input: CreateSupplyLinkInput) -> SupplyLinkPayload = record::create::<Self>;
        /// Updates the given fields of a supply link (absent fields are unchanged). A partner
        /// may only update records of its own source.
        fn update_supply_link(#[desc = "The supply link, its expected version and the fields to change."] input: UpdateSupplyLinkInput) -> SupplyLinkPayload = record::update::<Self>;
        /// Creates or updates up to 1 000 supply links of one source, keyed by `externalId`,
        /// with a result per item. Items equal to the stored link are UNCHANGED. Rejected items
        /// are skipped unless `atomic` is true.
        fn upsert_supply_links(#[desc = "The items and how to write them."] input: UpsertSupplyLinksInput) -> UpsertPayload = record::upsert::<Self>;
    }
}
