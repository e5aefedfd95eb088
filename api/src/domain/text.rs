//! Folding of names for search: "Société Coopérative" and "societe cooperative" fold alike.

/// The folded name a record is searched and sorted by: its own, or the public placeholder
/// ([`super::NON_DIFFUSIBLE`]) when the register withholds it, so a name search, a NAME sort
/// or a cursor cannot reveal a withheld name.
pub fn searchable_name(name: &str, diffusible: bool) -> String {
    fold_for_search(if diffusible { name } else { super::NON_DIFFUSIBLE })
}

/// Folds a name for accent- and case-insensitive search: lower case, Latin accents and
/// ligatures removed, every run of non-alphanumeric characters turned into one space, trimmed.
pub fn fold_for_search(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let replacement: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
            'æ' => "ae",
            'ç' => "c",
            'è' | 'é' | 'ê' | 'ë' => "e",
            'ì' | 'í' | 'î' | 'ï' => "i",
            'ñ' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
            'œ' => "oe",
            'ù' | 'ú' | 'û' | 'ü' => "u",
            'ý' | 'ÿ' => "y",
            'ß' => "ss",
            c if c.is_alphanumeric() => {
                if pending_space && !folded.is_empty() {
                    folded.push(' ');
                }
                pending_space = false;
                folded.push(c);
                continue;
            }
            _ => {
                pending_space = true;
                continue;
            }
        };
        if pending_space && !folded.is_empty() {
            folded.push(' ');
        }
        pending_space = false;
        folded.push_str(replacement);
    }
    folded
}

/// The characters Windows-1252 gives bytes 0x80 to 0x9F (the five it leaves undefined are
/// read as the control characters of the same code, as web browsers do).
const WINDOWS_1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2C6}', '\u{2030}',
    '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}',
    '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}',
    '\u{17E}', '\u{178}',
];

/// `bytes` read as UTF-8 when they are valid UTF-8, else as Windows-1252 (every byte is a
/// character there, so this never fails).
pub fn decode_windows_1252(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text.to_owned();
    }
    bytes
        .iter()
        .map(|&byte| match byte {
            0x80..=0x9F => WINDOWS_1252_HIGH[usize::from(byte - 0x80)],
            _ => char::from(byte),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_withheld_name_is_searched_as_the_placeholder_the_migration_writes() {
        assert_eq!(
            super::searchable_name("Jeanne Martin", false),
            migration::m20261203_000011_withheld_values::WITHHELD_NAME_SEARCH
        );
        assert_eq!(super::searchable_name("Jeanne Martin", true), "jeanne martin");
    }

    use super::{decode_windows_1252, fold_for_search};

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold_for_search("Société Coopérative"), "societe cooperative");
        assert_eq!(fold_for_search("  L'Île-d'Yeu  "), "l ile d yeu");
        assert_eq!(fold_for_search("ŒUVRE  d’ÉDUCATION"), "oeuvre d education");
        assert_eq!(
            fold_for_search("Provence-Alpes-Côte d'Azur"),
            "provence alpes cote d azur"
        );
        assert_eq!(fold_for_search(""), "");
    }

    #[test]
    fn windows_1252_is_read_where_utf8_is_not() {
        assert_eq!(decode_windows_1252("Pôle Sud-Est".as_bytes()), "Pôle Sud-Est");
        assert_eq!(decode_windows_1252(b"P\xf4le \x80 \x9c\x92"), "Pôle € œ’");
    }
}
