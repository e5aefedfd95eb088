//! The limits every GraphQL document must stay within (`TERRASSE_MAX_DEPTH`,
//! `TERRASSE_MAX_COST`, `TERRASSE_MAX_ALIASES`, `TERRASSE_MAX_FIELDS`): plain settings, read
//! at start-up. How a document is measured against them is `graphql::limits`' concern.

/// The limits a document must stay within. Every limit is configurable (see [`crate::config`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct QueryLimits {
    /// Deepest nesting of fields accepted.
    #[arg(long, env = "TERRASSE_MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,
    /// Largest requested cost accepted (see the cost rules in the API documentation).
    #[arg(long, env = "TERRASSE_MAX_COST", default_value_t = 50_000)]
    pub max_cost: u64,
    /// Most aliases accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most fields accepted in one document.
    #[arg(long, env = "TERRASSE_MAX_FIELDS", default_value_t = 500)]
    pub max_fields: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_cost: 50_000,
            max_aliases: 30,
            max_fields: 500,
        }
    }
}
