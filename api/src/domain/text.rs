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

    use super::fold_for_search;

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
}
