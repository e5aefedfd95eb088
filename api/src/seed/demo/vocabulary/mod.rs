//! The words of the demo: kinds of organisations with their share, legal categories and
//! activities (NAF code, name templates, what they can supply, statutory labels), surnames,
//! streets, and the filling of name templates.
//!
//! A name template may hold `{commune}` (the commune's name), `{de_commune}` (the same after
//! "de", with elision and contraction: "d'Aix-en-Provence", "du Cannet"), `{de_departement}`
//! ("des Bouches-du-Rhône") and `{surname}`.

mod company_activities;
mod names;
mod profiles;
mod sse_activities;
#[cfg(test)]
mod tests;

pub(super) use self::{
    company_activities::FAR_ACTIVITIES,
    names::{BUSINESS_PARKS, NAME_QUALIFIERS, NameWords, STREETS, SURNAMES, fill, with_de},
    profiles::{FAR_COMPANY, PROFILES},
};
use entity::enums::{EssFamily, EssFamilyBasis, HeadcountBand, LabelKind};

/// What an organisation can supply to a public buyer; contracts go to suppliers whose sector
/// matches the purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Sector {
    /// Building works.
    Building,
    /// Electrical works and public lighting.
    Electrical,
    /// Roads and networks.
    PublicWorks,
    /// Green spaces.
    GreenSpaces,
    /// Cleaning of premises.
    Cleaning,
    /// Catering and meals.
    Catering,
    /// Food supplies.
    Food,
    /// Waste collection, sorting and re-use.
    Waste,
    /// Guarding and security.
    Security,
    /// Training and popular education.
    Training,
    /// Social work, care, childcare.
    SocialCare,
    /// Cultural and recreational services.
    Culture,
    /// Passenger transport.
    Transport,
    /// IT services and equipment.
    It,
    /// Architecture and engineering.
    Engineering,
    /// Office supplies.
    OfficeSupplies,
    /// Furniture.
    Furniture,
    /// Vehicles.
    Vehicles,
    /// Energy.
    Energy,
    /// Insurance.
    Insurance,
    /// Printing.
    Printing,
    /// Supply of staff (temporary work, intermediary associations).
    Staffing,
    /// Tourism and holiday accommodation.
    Tourism,
}

/// Headcount profile of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Size {
    /// Mostly volunteers: many non-employers.
    Micro,
    /// Small businesses.
    Small,
    /// Employers of a few dozen people (social services, insertion).
    Medium,
    /// Larger employers (ESAT, mutuals, big foundations).
    Large,
    /// National companies.
    National,
}

impl Size {
    /// Headcount bands of the profile with their weights.
    pub(super) fn bands(self) -> &'static [(HeadcountBand, u32)] {
        use HeadcountBand::*;
        match self {
            Size::Micro => &[
                (NonEmployer, 38),
                (Zero, 22),
                (From1To2, 14),
                (From3To5, 10),
                (From6To9, 7),
                (From10To19, 5),
                (From20To49, 3),
                (From50To99, 1),
            ],
            Size::Small => &[
                (NonEmployer, 8),
                (Zero, 16),
                (From1To2, 20),
                (From3To5, 18),
                (From6To9, 14),
                (From10To19, 12),
                (From20To49, 8),
                (From50To99, 3),
                (From100To199, 1),
            ],
            Size::Medium => &[
                (NonEmployer, 2),
                (Zero, 4),
                (From1To2, 8),
                (From3To5, 12),
                (From6To9, 16),
                (From10To19, 24),
                (From20To49, 22),
                (From50To99, 8),
                (From100To199, 3),
                (From200To249, 1),
            ],
            Size::Large => &[
                (From6To9, 5),
                (From10To19, 15),
                (From20To49, 30),
                (From50To99, 25),
                (From100To199, 15),
                (From200To249, 4),
                (From250To499, 4),
                (From500To999, 2),
            ],
            Size::National => &[
                (From20To49, 15),
                (From50To99, 20),
                (From100To199, 20),
                (From200To249, 10),
                (From250To499, 15),
                (From500To999, 10),
                (From1000To1999, 6),
                (From2000To4999, 4),
            ],
        }
    }
}

/// One activity an organisation of a profile can have.
#[derive(Debug, Clone, Copy)]
pub(super) struct Activity {
    /// NAF rév. 2 sub-class.
    pub naf: &'static str,
    /// Relative weight within its profile.
    pub weight: u32,
    /// What it can supply to public buyers, if anything.
    pub sector: Option<Sector>,
    /// Statutory labels every organisation of this activity holds (SIAE kind, EA, ESAT).
    pub labels: &'static [LabelKind],
    /// Legal category forced by the activity (an association intermédiaire is `9222`).
    pub legal_category: Option<&'static str>,
    /// Headcount profile.
    pub size: Size,
    /// Name templates.
    pub names: &'static [&'static str],
}

/// An activity of `weight` with code `naf`, supplying `sector`, named from `names`; small,
/// unlabelled, with the profile's legal categories.
const fn activity(naf: &'static str, weight: u32, sector: Option<Sector>, names: &'static [&'static str]) -> Activity {
    Activity {
        naf,
        weight,
        sector,
        labels: &[],
        legal_category: None,
        size: Size::Small,
        names,
    }
}

impl Activity {
    /// The same activity with another headcount profile.
    const fn sized(self, size: Size) -> Self {
        Self { size, ..self }
    }

    /// The same activity, every organisation of which holds `labels`.
    const fn labelled(self, labels: &'static [LabelKind]) -> Self {
        Self { labels, ..self }
    }

    /// The same activity with a forced legal category.
    const fn category(self, code: &'static str) -> Self {
        Self {
            legal_category: Some(code),
            ..self
        }
    }
}

/// A kind of organisation and its share of the generated ones.
#[derive(Debug)]
pub(super) struct Profile {
    /// Share of the generated organisations, per thousand.
    pub per_mille: u32,
    /// SSE family.
    pub family: EssFamily,
    /// What the family is decided from.
    pub basis: EssFamilyBasis,
    /// INSEE legal categories with their weights.
    pub legal_categories: &'static [(&'static str, u32)],
    /// Labels every organisation of the profile holds (SCOP, SCIC, CAE).
    pub labels: &'static [LabelKind],
    /// Share of organisations holding the ESUS agreement, percent.
    pub esus_percent: u32,
    /// Earliest creation year.
    pub founded_from: i32,
    /// Whether names end with the legal form ("SAS", "SARL").
    pub legal_form_in_name: bool,
    /// Activities.
    pub activities: &'static [Activity],
}
