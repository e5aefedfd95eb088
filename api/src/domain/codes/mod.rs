//! Classification codes: INSEE commune codes (COG), CPV procurement codes and NAF rév. 2
//! activity codes, validated by their shape and the ranges that actually exist.
//!
//! Whether a well-formed code is allocated in a given vintage (a commune merged away, a CPV
//! code without a label) is for the reference tables to say, not this module.

mod commune;
mod cpv;
mod naf;
mod prefix_filters;
#[cfg(test)]
mod tests;

pub use entity::enums::PurchaseType;

pub use self::{
    commune::CommuneCode,
    cpv::CpvCode,
    naf::{NafCode, naf_section_of_division},
    prefix_filters::{covering_prefixes, naf_prefixes},
};

string_conversions!(CommuneCode, CpvCode, NafCode);

/// Why `code`, `length` characters long, is not `expected` long (`unit` names what is counted:
/// "digits", "characters"). When one leading zero is missing (a spreadsheet stripped it) and
/// the zero-padded code is `valid`, the padded code is given as a suggestion, never applied.
fn wrong_length(code: &str, length: usize, expected: usize, unit: &str, valid: impl Fn(&str) -> bool) -> String {
    let padded = format!("0{code}");
    if length + 1 == expected && valid(&padded) {
        format!("must be {expected} {unit}; did you mean {padded:?}?")
    } else {
        format!("must be {expected} {unit}, got {length}")
    }
}
