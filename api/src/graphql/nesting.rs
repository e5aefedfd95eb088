//! How deeply a GraphQL document nests brackets, measured on its text before it is parsed.
//!
//! The GraphQL parser bounds selection sets (64 levels) and stops at its own stack limit on
//! deeper literals (a few thousand levels, as a syntax error), but a list or object literal
//! nested that deep is then walked recursively (coercion, validation, drop), and a syntax
//! error is the wrong answer for a document that is merely too deep. A document whose `{`,
//! `[` and `(` nest deeper than [`MAX_NESTING`] is therefore refused, with
//! `BAD_USER_INPUT` (like a syntax error), before anything parses it (the persisted-query registration
//! included), so no recursion over it goes deeper than that. This module owns that count
//! only; the limits on a parsed document are in [`super::limits`].

use crate::error_code::ErrorCode;

/// Deepest nesting of `{`, `[` and `(` a document may have (field depth is bounded separately,
/// at 12 by default; arguments add a few levels each).
pub const MAX_NESTING: usize = 64;

/// The deepest nesting of `{`, `[` and `(` in `document`, outside strings and comments,
/// counted up to `MAX_NESTING + 1` (the scan stops there).
pub fn depth(document: &str) -> usize {
    let bytes = document.as_bytes();
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while at < bytes.len() {
        match bytes[at] {
            b'#' => {
                while at < bytes.len() && bytes[at] != b'\n' && bytes[at] != b'\r' {
                    at += 1;
                }
            }
            b'"' if bytes[at..].starts_with(b"\"\"\"") => {
                at += 3;
                while at < bytes.len() && !bytes[at..].starts_with(b"\"\"\"") {
                    at += if bytes[at..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                at += 2;
            }
            b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' && bytes[at] != b'\n' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > MAX_NESTING {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    deepest
}

/// Refuses, with `BAD_USER_INPUT`, a document nesting deeper than [`MAX_NESTING`].
pub fn check(document: &str) -> Result<(), async_graphql::ServerError> {
    if depth(document) <= MAX_NESTING {
        return Ok(());
    }
    Err(super::errors::coded_error(
        ErrorCode::BadUserInput,
        format!("the document nests brackets ({{, [ and () more than {MAX_NESTING} levels deep: flatten its values"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_brackets_outside_strings_and_comments() {
        assert_eq!(depth("{ a(b: [[1]], c: {d: 2}) { e } }"), 4);
        assert_eq!(depth(r#"{ a(b: "[[[[[[", c: "\"[[[") }"#), 2);
        assert_eq!(depth("{ a(b: \"\"\" [[[[ \\\"\"\" [[[ \"\"\") }"), 2);
        assert_eq!(depth("# [[[[[[\n{ a }"), 1);
        assert_eq!(depth("}}}] { a }"), 1, "unbalanced closers do not hide later openers");
    }

    #[test]
    fn refuses_deep_documents_without_walking_them_whole() {
        let deep = format!("{{ a(b: {}1{}) }}", "[".repeat(500_000), "]".repeat(500_000));
        assert_eq!(depth(&deep), MAX_NESTING + 1);
        assert!(check(&deep).is_err());
        let fine = format!(
            "{{ a(b: {}1{}) }}",
            "[".repeat(MAX_NESTING - 2),
            "]".repeat(MAX_NESTING - 2)
        );
        assert!(check(&fine).is_ok());
    }
}
