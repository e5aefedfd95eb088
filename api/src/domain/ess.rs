//! The SSE family of an organisation, decided from the evidence Terrasse holds: the INSEE legal
//! category (its default family, from the `legal_category` reference table), the labels and
//! agreements it holds, and the Sirene ESS flag (`economieSocialeSolidaireUniteLegale`). The
//! store gathers the facts; this module only decides, and it is the one place that does (the
//! Sirene and label importers and the store's reclassification all call [`classify`]).
//!
//! Rules, first match wins:
//!
//! 1. A legal category whose default family is of the SSE (associations `92xx`, cooperatives,
//!    mutuals, foundations `9300`, other non-profit bodies): that family, basis
//!    `legal_category`. Statutes are the strongest evidence.
//! 2. A label that implies a family, when the legal category is unknown or one of a company
//!    (codes `5xxx` commercial companies, `6xxx` other private law companies): SCOP, SCIC and
//!    CAE make a cooperative; ESUS, the SIAE kinds, GEIQ, EA, EATT and ESAT (all ESUS-approved
//!    or approvable *de plein droit*) an SSE commercial company; basis `label`. A public body,
//!    an individual or a foreign entity holding such a label stays outside the SSE.
//! 3. Sirene's ESS flag `O`: an SSE commercial company, basis `sirene_flag` (INSEE flags the
//!    commercial companies that declare themselves of the SSE under the 2014 law).
//! 4. A legal category outside the SSE: `non_sse`, basis `legal_category`.
//! 5. Sirene's ESS flag `N` alone: `non_sse`, basis `sirene_flag`.
//! 6. Nothing: no decision, and the family already stored (unknown, or declared by the writer)
//!    stays as it is.
//!
//! Labels count only while valid (see [`label_counts_on`]); société à mission, RUP and PTCE
//! membership imply no family.

use chrono::NaiveDate;
use entity::enums::{EssFamily, EssFamilyBasis, LabelKind};

/// What is known about an organisation to classify it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClassificationFacts<'a> {
    /// The INSEE legal category code, when known.
    pub legal_category: Option<&'a str>,
    /// The default family of that category in the reference table (`None` when the code is not
    /// in it).
    pub legal_category_family: Option<EssFamily>,
    /// The Sirene ESS flag.
    pub sirene_ess_flag: Option<bool>,
    /// The kinds of the labels it holds, valid today.
    pub labels: &'a [LabelKind],
}

/// The family a label implies, if any.
pub fn label_family(kind: LabelKind) -> Option<EssFamily> {
    match kind {
        LabelKind::Scop | LabelKind::Scic | LabelKind::Cae => Some(EssFamily::Cooperative),
        LabelKind::Esus
        | LabelKind::SiaeEi
        | LabelKind::SiaeAi
        | LabelKind::SiaeAci
        | LabelKind::SiaeEtti
        | LabelKind::SiaeEiti
        | LabelKind::Geiq
        | LabelKind::Ea
        | LabelKind::Eatt
        | LabelKind::Esat => Some(EssFamily::SseCommercialCompany),
        LabelKind::SocieteAMission | LabelKind::Rup | LabelKind::PtceMember | LabelKind::Bio => None,
    }
}

/// Whether a label kind is certified: a state agreement or a status that decides an SSE
/// family (every kind [`label_family`] gives a family for: ESUS, the SIAE kinds, GEIQ, EA,
/// EATT, ESAT, SCOP, SCIC, CAE). Only admin keys and the sources an admin allows write them.
pub fn is_certified(kind: LabelKind) -> bool {
    label_family(kind).is_some()
}

/// Whether a label valid from `valid_from` to `valid_to` (both inclusive, open when absent)
/// counts on `day`.
pub fn label_counts_on(valid_from: Option<NaiveDate>, valid_to: Option<NaiveDate>, day: NaiveDate) -> bool {
    valid_from.is_none_or(|from| from <= day) && valid_to.is_none_or(|to| to >= day)
}

/// Whether a family belongs to the SSE.
fn is_sse(family: EssFamily) -> bool {
    !matches!(family, EssFamily::NonSse | EssFamily::Unknown)
}

/// The family and its basis the facts support, or `None` when they support none (the stored
/// family is then kept). See the module documentation for the rules.
pub fn classify(facts: &ClassificationFacts<'_>) -> Option<(EssFamily, EssFamilyBasis)> {
    if let Some(family) = facts.legal_category_family.filter(|f| is_sse(*f)) {
        return Some((family, EssFamilyBasis::LegalCategory));
    }
    let company_or_unknown = facts
        .legal_category
        .is_none_or(|code| code.starts_with('5') || code.starts_with('6'))
        || facts.legal_category_family.is_none();
    if company_or_unknown {
        // Cooperative labels first: a SCIC holding the ESUS agreement is a cooperative.
        let mut implied: Vec<EssFamily> = facts.labels.iter().filter_map(|k| label_family(*k)).collect();
        implied.sort_by_key(|f| *f != EssFamily::Cooperative);
        if let Some(family) = implied.first() {
            return Some((*family, EssFamilyBasis::Label));
        }
    }
    if facts.sirene_ess_flag == Some(true) {
        return Some((EssFamily::SseCommercialCompany, EssFamilyBasis::SireneFlag));
    }
    if facts.legal_category_family == Some(EssFamily::NonSse) {
        return Some((EssFamily::NonSse, EssFamilyBasis::LegalCategory));
    }
    if facts.sirene_ess_flag == Some(false) {
        return Some((EssFamily::NonSse, EssFamilyBasis::SireneFlag));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(
        category: Option<(&str, EssFamily)>,
        flag: Option<bool>,
        labels: &[LabelKind],
    ) -> Option<(EssFamily, EssFamilyBasis)> {
        classify(&ClassificationFacts {
            legal_category: category.map(|(code, _)| code),
            legal_category_family: category.map(|(_, family)| family),
            sirene_ess_flag: flag,
            labels,
        })
    }

    #[test]
    fn statutes_come_first() {
        use EssFamily::*;
        assert_eq!(
            decide(Some(("9220", Association)), Some(false), &[LabelKind::Esus]),
            Some((Association, EssFamilyBasis::LegalCategory))
        );
        assert_eq!(
            decide(Some(("5458", Cooperative)), None, &[]),
            Some((Cooperative, EssFamilyBasis::LegalCategory))
        );
        assert_eq!(
            decide(Some(("9300", Foundation)), Some(true), &[]),
            Some((Foundation, EssFamilyBasis::LegalCategory))
        );
    }

    #[test]
    fn labels_classify_companies_and_unknown_units_only() {
        use EssFamily::*;
        // A SCIC in SAS form is known from its label, even with the ESUS agreement too.
        assert_eq!(
            decide(Some(("5710", NonSse)), Some(true), &[LabelKind::Esus, LabelKind::Scic]),
            Some((Cooperative, EssFamilyBasis::Label))
        );
        assert_eq!(
            decide(None, None, &[LabelKind::SiaeAci]),
            Some((SseCommercialCompany, EssFamilyBasis::Label))
        );
        // A public ESAT stays a public body; a société à mission is no SSE label.
        assert_eq!(
            decide(Some(("7364", NonSse)), None, &[LabelKind::Esat]),
            Some((NonSse, EssFamilyBasis::LegalCategory))
        );
        assert_eq!(
            decide(Some(("5710", NonSse)), None, &[LabelKind::SocieteAMission]),
            Some((NonSse, EssFamilyBasis::LegalCategory))
        );
    }

    #[test]
    fn the_sirene_flag_decides_what_statutes_and_labels_leave_open() {
        use EssFamily::*;
        assert_eq!(
            decide(Some(("5710", NonSse)), Some(true), &[]),
            Some((SseCommercialCompany, EssFamilyBasis::SireneFlag))
        );
        assert_eq!(
            decide(None, Some(false), &[]),
            Some((NonSse, EssFamilyBasis::SireneFlag))
        );
        assert_eq!(decide(None, None, &[LabelKind::Rup]), None);
        // A code missing from the reference table is no evidence.
        assert_eq!(
            decide(Some(("9999", Unknown)), None, &[]),
            None,
            "an unknown family is no evidence"
        );
    }

    #[test]
    fn labels_count_while_valid() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap_or_default();
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert!(label_counts_on(None, None, day));
        assert!(label_counts_on(date(2021, 6, 1), date(2026, 6, 1), day));
        assert!(!label_counts_on(date(2021, 6, 1), date(2026, 5, 31), day));
        assert!(!label_counts_on(date(2026, 6, 2), None, day));
    }
}
