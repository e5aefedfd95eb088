//! Dashboard analytics for local authorities: procurement indicators (SPASER), organisation
//! indicators per territory, partnership counts and networks, and their time series.
//!
//! Resolvers convert their arguments ([`inputs`]), call the analytics service
//! ([`crate::analytics`], which runs the SQL aggregates and applies statistical
//! confidentiality) and wrap its cells ([`types`]) with the definitions they were computed
//! under ([`definitions`]).

use async_graphql::Context;

use crate::{access::Role, analytics::Disclosure, config::AnalyticsConfig};

pub mod definitions;
pub mod food;
pub mod inputs;
pub mod query;
pub mod series;
pub mod types;

pub use food::{CanteenIndicatorsQuery, FoodIndicatorsQuery, FoodNetworkQuery};
pub use query::AnalyticsQuery;
pub use series::AnalyticsSeriesQuery;

/// Whether the caller may see cells that statistical confidentiality withholds: callers with
/// an API key (partners and admins, who work under agreements) may; anonymous callers, whose
/// figures are published, may not.
pub fn may_see_unsuppressed(ctx: &Context<'_>) -> bool {
    ctx.data_opt::<crate::access::Caller>()
        .is_some_and(|caller| caller.role != Role::Anonymous)
}

/// The confidentiality rule for this caller, with the threshold in force for this schema.
pub(super) fn disclosure(ctx: &Context<'_>) -> Disclosure {
    Disclosure {
        threshold: ctx
            .data_opt::<AnalyticsConfig>()
            .copied()
            .unwrap_or_default()
            .suppression_threshold,
        applies: !may_see_unsuppressed(ctx),
    }
}
