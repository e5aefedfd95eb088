//! `terrasse derive food-links`: the supply links that published public contracts for food
//! show. A live contract whose CPV code is of agricultural or food products (divisions 03 and
//! 15) links its buyer to each of its initial suppliers named by SIRET, for the product family
//! its code says, over its period (notification to notification plus duration), with the
//! contract's amount when it has a single supplier (a shared amount is not split), evidence
//! `DECP_CONTRACT` and an unknown number of intermediaries (contracts do not say).
//!
//! Links are written through the write engine (bulk upserts of 1 000, keyed by
//! `<uid>:<position>` in the given source), so a second run writes nothing and a changed
//! contract updates its links; a link the engine refuses (its buyer or supplier no longer a
//! live establishment) is reported with its reasons.

use entity::{
    contract, contract_supplier,
    enums::{IdScheme, ProductFamily, SupplyChannel, SupplyEvidence},
};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use uuid::Uuid;

use super::{RejectReport, Summary};
use crate::store::{
    DbContext,
    write::supply_link::{SupplyLinkFields, upsert_in},
};

/// The source of the links derived from contracts, unless told otherwise.
pub const SOURCE: &str = "decp-food";

/// Contracts read per batch.
const BATCH: u64 = 500;

/// The product family of a food CPV code (`15110000-2`, `03221000`), or `None` when the code
/// is not of agricultural or food products.
pub fn food_family(cpv: &str) -> Option<ProductFamily> {
    let digits: String = cpv.chars().take_while(char::is_ascii_digit).collect();
    let starts = |prefix: &str| digits.starts_with(prefix);
    Some(if starts("1511") || starts("1512") || starts("03125") {
        ProductFamily::MeatPoultry
    } else if starts("1513") {
        ProductFamily::Charcuterie
    } else if starts("152") || starts("0331") {
        ProductFamily::Seafood
    } else if starts("153") || starts("0322") || starts("03212") {
        ProductFamily::FruitVegetables
    } else if starts("155") || starts("03333") || starts("03142") {
        ProductFamily::Dairy
    } else if starts("1581") {
        ProductFamily::Bakery
    } else if starts("159") {
        ProductFamily::Beverages
    } else if starts("15") || starts("03") {
        ProductFamily::Other
    } else {
        return None;
    })
}

/// The links of one contract: one per initial supplier named by SIRET.
fn links_of(contract: &contract::Model, suppliers: &[contract_supplier::Model]) -> Vec<SupplyLinkFields> {
    let Some(family) = contract.cpv_code.as_deref().and_then(food_family) else {
        return Vec::new();
    };
    let named: Vec<&contract_supplier::Model> = suppliers
        .iter()
        .filter(|s| s.from_modification == 0 && s.id_scheme == IdScheme::Siret)
        .collect();
    let Some(start) = contract.notified_on else {
        return Vec::new();
    };
    let months = contract.current_duration_months.or(contract.duration_months);
    let end = months
        .and_then(|m| u32::try_from(m).ok())
        .and_then(|m| start.checked_add_months(chrono::Months::new(m)))
        .and_then(|d| d.pred_opt());
    let amount = if named.len() == 1 { contract.amount_cents } else { None };
    named
        .iter()
        .map(|supplier| SupplyLinkFields {
            external_id: format!("{}:{}", contract.uid, supplier.position),
            buyer_siret: contract.buyer_siret.clone(),
            supplier_siret: Some(supplier.id_value.clone()),
            supplier_name: None,
            product_family: family,
            channel: SupplyChannel::Unknown,
            evidence: SupplyEvidence::DecpContract,
            contract_uid: Some(contract.uid.clone()),
            period_start: start,
            period_end: end.filter(|end| *end >= start),
            amount_cents: amount,
            description: contract.object.clone(),
            source_updated_at: None,
        })
        .collect()
}

/// Derives the supply links of every live food contract into `source`; rejected links are
/// written to `report`.
pub async fn derive_food_links(
    db: &DatabaseConnection,
    source: &str,
    report: &mut RejectReport,
) -> Result<Summary, super::ImportError> {
    let writer = super::run_writer(source);
    let mut summary = Summary::default();
    let mut after: Option<Uuid> = None;
    loop {
        let food = Condition::any()
            .add(contract::Column::CpvCode.starts_with("03"))
            .add(contract::Column::CpvCode.starts_with("15"));
        let mut page = contract::Entity::find()
            .filter(contract::Column::DeletedAt.is_null())
            .filter(food)
            .order_by_asc(contract::Column::Id)
            .limit(BATCH);
        if let Some(after) = after {
            page = page.filter(contract::Column::Id.gt(after));
        }
        let contracts = page.all(db).await.context("reading food contracts")?;
        let Some(last) = contracts.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = contracts.iter().map(|c| c.id).collect();
        let suppliers = crate::store::rows::group_by_parent(
            contract_supplier::Entity::find()
                .filter(contract_supplier::Column::ContractId.is_in(ids))
                .order_by_asc(contract_supplier::Column::Position)
                .all(db)
                .await
                .context("reading the suppliers of food contracts")?,
            |s| s.contract_id,
        );
        let links: Vec<SupplyLinkFields> = contracts
            .iter()
            .flat_map(|c| links_of(c, suppliers.get(&c.id).map_or(&[][..], Vec::as_slice)))
            .collect();
        let mut position = summary.read;
        summary.read += links.len() as u64;
        for chunk in links.chunks(crate::store::write::MAX_BULK_ITEMS) {
            // A link's position is its place among the links derived in this run, from 1.
            let records: Vec<(String, u64)> = chunk
                .iter()
                .map(|l| {
                    position += 1;
                    (l.external_id.clone(), position)
                })
                .collect();
            let txn = db.begin().await.context("starting a batch of food links")?;
            let results = upsert_in(&txn, &writer, source, chunk.to_vec()).await?;
            txn.commit().await.context("committing a batch of food links")?;
            super::tally(results, &records, &mut summary, report)?;
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn food_cpv_codes_name_their_family() {
        assert_eq!(food_family("15110000-2"), Some(ProductFamily::MeatPoultry));
        assert_eq!(food_family("15131000"), Some(ProductFamily::Charcuterie));
        assert_eq!(food_family("03221000"), Some(ProductFamily::FruitVegetables));
        assert_eq!(food_family("15511000-3"), Some(ProductFamily::Dairy));
        assert_eq!(food_family("15811000"), Some(ProductFamily::Bakery));
        assert_eq!(food_family("15800000"), Some(ProductFamily::Other));
        assert_eq!(food_family("55524000"), None, "catering is a service");
        assert_eq!(food_family(""), None);
    }
}
