//! Who writes and what it may write: the writer's rights (a partner writes only records of
//! its source, certified label kinds need an allowed source) and the source of new records.

use uuid::Uuid;

use super::result::UserError;
use crate::error_code::ErrorCode;

/// Who writes, as the store sees it.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The API key writing (recorded in the audit log and scoping idempotency keys); `None`
    /// for the command line.
    pub key_id: Option<Uuid>,
    /// `Some(source)` for a partner, which may only write records of that source; `None` for
    /// an admin, who may write any.
    pub only_source: Option<String>,
    /// The source given to new records when the input names none.
    pub default_source: Option<String>,
    /// Whether the writer may write certified label kinds (those that decide an SSE family,
    /// see [`crate::domain::ess::is_certified`]): admin keys, the sources an admin allows
    /// (`TERRASSE_CERTIFIED_LABEL_SOURCES`) and the command line.
    pub certifies_labels: bool,
}

impl Writer {
    /// A user error when this writer may not write a record of `source`.
    pub fn check_source(&self, field: &str, source: &str) -> Result<(), UserError> {
        match &self.only_source {
            Some(own) if own != source => Err(UserError::new(
                field,
                format!("a partner key of source {own:?} cannot write records of source {source:?}"),
                ErrorCode::Forbidden,
            )),
            _ => Ok(()),
        }
    }

    /// A FORBIDDEN user error on `field` when this writer may not write a label of `kind`.
    pub fn check_label_kind(&self, field: &str, kind: entity::enums::LabelKind) -> Result<(), UserError> {
        if self.certifies_labels || !crate::domain::ess::is_certified(kind) {
            return Ok(());
        }
        let kind = sea_orm::ActiveEnum::to_value(&kind).to_uppercase();
        Err(UserError::new(
            field,
            format!(
                "label kind {kind} is certified: only admin keys and the sources an admin allows \
                 (TERRASSE_CERTIFIED_LABEL_SOURCES) may write it"
            ),
            ErrorCode::Forbidden,
        ))
    }

    /// The source of a new record: the one given, else the key's; a user error when neither
    /// exists or the writer may not use it.
    pub fn source_for_new(&self, given: Option<&str>) -> Result<String, UserError> {
        let source = given
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| self.default_source.clone())
            .ok_or_else(|| {
                UserError::new(
                    "source",
                    "a source is required (the key has none): give `source`".to_owned(),
                    ErrorCode::BadUserInput,
                )
            })?;
        self.check_source("source", &source)?;
        Ok(source)
    }
}

/// The prefix of the sources of partners' records.
pub const PARTNER_SOURCE_PREFIX: &str = "PARTNER:";

/// Whether `source` is a partner's (`PARTNER:<slug>`).
pub fn is_partner_source(source: &str) -> bool {
    source
        .get(..PARTNER_SOURCE_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(PARTNER_SOURCE_PREFIX))
}
