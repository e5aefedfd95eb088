//! Tests of the generated partnerships' mix and status.

use entity::enums::PartnershipStatus;

use super::{PARTNERSHIP_MIX, status};
use crate::seed::demo::{PARTNERSHIP_COUNT, date};

#[test]
fn status_follows_the_dates() {
    assert_eq!(status(date(2027, 1, 1), None), PartnershipStatus::Planned);
    assert_eq!(
        status(date(2020, 1, 1), Some(date(2022, 12, 31))),
        PartnershipStatus::Ended
    );
    assert_eq!(
        status(date(2020, 1, 1), Some(date(2027, 12, 31))),
        PartnershipStatus::Active
    );
    assert_eq!(status(date(2020, 1, 1), None), PartnershipStatus::Active);
}

#[test]
fn the_mix_covers_every_type_and_adds_up() {
    use sea_orm::Iterable;
    for kind in entity::enums::PartnershipType::iter() {
        assert!(PARTNERSHIP_MIX.iter().any(|(k, n)| *k == kind && *n > 0), "{kind:?}");
    }
    assert_eq!(PARTNERSHIP_MIX.iter().map(|(_, n)| n).sum::<usize>(), PARTNERSHIP_COUNT);
}
