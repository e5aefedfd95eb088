//! Filters by code prefix (`LIKE 'prefix%'`): NAF filter prefixes in canonical form, and the
//! fewest prefixes covering a set of them.

use super::naf_section_of_division;
use crate::domain::ValidationError;

/// The fewest prefixes matching what `prefixes` match with `LIKE 'prefix%'`: duplicates and
/// prefixes that extend another one (`88.9` beside `88`) dropped; sorted. Filters built from
/// them stay as short as the distinct prefixes asked for.
pub fn covering_prefixes(prefixes: impl IntoIterator<Item = String>) -> Vec<String> {
    let sorted: std::collections::BTreeSet<String> = prefixes.into_iter().collect();
    let mut kept: Vec<String> = Vec::with_capacity(sorted.len());
    for prefix in sorted {
        // Sorted, the extensions of a prefix follow it directly.
        if kept.last().is_none_or(|last| !prefix.starts_with(last.as_str())) {
            kept.push(prefix);
        }
    }
    kept
}

/// Expands a NAF rév. 2 filter prefix into code prefixes to match with `LIKE 'prefix%'`:
/// a section letter (`Q`) becomes its divisions (`86`, `87`, `88`); a division (`88`),
/// group (`88.9`), class (`88.99` or `8899`) or sub-class (`88.99B`) stays one prefix, in
/// canonical dotted form.
pub fn naf_prefixes(raw: &str) -> Result<Vec<String>, ValidationError> {
    let field = "naf";
    let trimmed = raw.trim().to_ascii_uppercase();
    if trimmed.len() == 1 && trimmed.as_bytes()[0].is_ascii_uppercase() {
        let section = trimmed.as_bytes()[0] as char;
        let divisions: Vec<String> = (1..=99)
            .map(|d| format!("{d:02}"))
            .filter(|d| naf_section_of_division(d) == Some(section))
            .collect();
        if divisions.is_empty() {
            return Err(ValidationError::new(
                field,
                raw,
                "no NAF section has this letter (A to U)",
            ));
        }
        return Ok(divisions);
    }
    let digits: String = trimmed.chars().filter(|c| *c != '.' && *c != ' ').collect();
    let bytes = digits.as_bytes();
    let well_formed = match bytes.len() {
        2..=4 => bytes.iter().all(u8::is_ascii_digit),
        5 => bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4].is_ascii_uppercase(),
        _ => false,
    };
    if !well_formed {
        return Err(ValidationError::new(
            field,
            raw,
            "must be a section letter (Q), a division (88), group (88.9), class (88.99) or sub-class (88.99B)",
        ));
    }
    if naf_section_of_division(&digits[..2]).is_none() {
        return Err(ValidationError::new(
            field,
            raw,
            format!("{} is not a NAF rév. 2 division", &digits[..2]),
        ));
    }
    Ok(vec![if digits.len() == 2 {
        digits
    } else {
        format!("{}.{}", &digits[..2], &digits[2..])
    }])
}
