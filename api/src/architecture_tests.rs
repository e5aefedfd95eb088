//! The crate's layers and the direction of their imports, checked on the source.
//!
//! Each top-level module of the crate is a layer. A layer imports only from layers below it
//! ([`LAYERS`], lowest first), so no two layers import each other, directly or through others:
//! the value types and settings know nothing of the database, the store nothing of GraphQL, the
//! GraphQL layer nothing of HTTP, and only the command line sees everything. Inside a layer,
//! modules may refer to each other (GraphQL object types that are fields of each other mirror
//! the relations between records).
//!
//! The imports are read from the source files below `api/src`: every `use crate::…`,
//! `use super::…` and `use self::…` (use trees expanded), and every path written in full in the
//! code (`crate::db::connect`). Comments, string literals and `#[cfg(test)]` items (test
//! modules, inline or in their own file) are left out: tests may reach across layers.

use std::{
    collections::{BTreeMap, BTreeSet},
    fs,
    path::Path,
};

/// The layers, each with its rank: a layer may import from layers of a lower rank, and from
/// layers of its own rank as long as no cycle forms.
const LAYERS: &[(&str, u8)] = &[
    ("error_code", 0),
    ("domain", 0),
    ("access", 1),
    ("config", 1),
    ("reference", 1),
    ("store", 2),
    ("db", 3),
    ("seed", 3),
    ("import", 3),
    ("export", 3),
    ("analytics", 3),
    ("keys_cli", 3),
    ("graphql", 4),
    ("http", 5),
    ("cli", 6),
];

/// One source file: its module path (`["graphql", "limits", "walk"]`) and its text.
struct Source {
    module: Vec<String>,
    text: String,
}

/// An import of one layer by another: the file and the path that make it.
type Edges = BTreeMap<(String, String), (String, String)>;

/// Reads every `.rs` file below `dir`, with its module path under `prefix`.
fn read_sources(dir: &Path, prefix: &[String], sources: &mut Vec<Source>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.is_dir() {
            let mut module = prefix.to_vec();
            module.push(name);
            read_sources(&path, &module, sources);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut module = prefix.to_vec();
            if !matches!(stem, "mod" | "lib" | "main") {
                module.push(stem.to_owned());
            }
            let text =
                fs::read_to_string(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
            sources.push(Source { module, text });
        }
    }
}

/// The code of `text` with comments removed and the contents of string and character literals
/// blanked (so that neither a `//` in a URL nor a brace in a message is read as code).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut code = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            code.push(' ');
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !is_ident(chars.get(i.wrapping_sub(1))) {
            // A raw string: r"…", r#"…"#.
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                code.push(c);
                i += 1;
                continue;
            }
            i += 2 + hashes;
            let closing: Vec<char> = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            while i < chars.len() && chars[i..].iter().take(closing.len()).ne(closing.iter()) {
                i += 1;
            }
            i += closing.len();
            code.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            code.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), else a lifetime.
            let end = if next == Some('\\') {
                chars[i + 2..].iter().position(|&c| c == '\'').map(|at| i + 2 + at)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    code.push_str("' '");
                    i = end + 1;
                }
                None => {
                    code.push(c);
                    i += 1;
                }
            }
        } else {
            code.push(c);
            i += 1;
        }
    }
    code
}

/// Whether `c` can be part of an identifier.
fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// `code` without its `#[cfg(test)]` items; the names of the test modules it declares in
/// their own files (`#[cfg(test)] mod tests;`).
fn without_tests(code: &str) -> (String, Vec<String>) {
    const ATTRIBUTE: &str = "#[cfg(test)]";
    let mut kept = String::with_capacity(code.len());
    let mut test_modules = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(ATTRIBUTE) {
        kept.push_str(&rest[..at]);
        let item = &rest[at + ATTRIBUTE.len()..];
        let Some(end) = item.find([';', '{']) else {
            rest = "";
            break;
        };
        if item.as_bytes()[end] == b';' {
            let words: Vec<&str> = item[..end].split_whitespace().collect();
            if let [.., "mod", name] = words.as_slice() {
                test_modules.push((*name).to_owned());
            }
            rest = &item[end + 1..];
        } else {
            let mut depth = 0_usize;
            let mut close = item.len();
            for (offset, c) in item[end..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            close = end + offset + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &item[close..];
        }
    }
    kept.push_str(rest);
    (kept, test_modules)
}

/// Every path a `use` declaration of `code` brings in, use trees expanded
/// (`use crate::{a::b, c}` gives `crate::a::b` and `crate::c`).
fn use_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        from = at + 4;
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            continue;
        }
        let Some(end) = code[from..].find(';') else {
            break;
        };
        let tree = code[from..from + end].split_whitespace().collect::<Vec<_>>().join(" ");
        expand("", &tree, &mut paths);
        from += end;
    }
    paths
}

/// Adds to `paths` the paths of the use tree `tree` under `prefix`.
fn expand(prefix: &str, tree: &str, paths: &mut Vec<String>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).replace(' ', "");
        paths.push(format!("{prefix}{path}"));
        return;
    };
    let head = tree[..open].replace(' ', "");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut start = 0;
    for (index, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&format!("{prefix}{head}"), &inner[start..index], paths);
                start = index + 1;
            }
            _ => {}
        }
    }
    if !inner[start..].trim().is_empty() {
        expand(&format!("{prefix}{head}"), &inner[start..], paths);
    }
}

/// Every path of `code` written from `crate`, `super` or `self` (`crate::db::connect`,
/// `super::super::limits`), outside `use` declarations too.
fn written_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            let before = at.checked_sub(1).map(|index| bytes[index]);
            if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':') {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |end| at + end);
            paths.push(code[at..end].to_owned());
        }
    }
    paths
}

/// The crate module a path written in `module` names (`super::x` in `graphql::limits` is
/// `graphql::x`); `None` for a path from another crate.
fn resolve(module: &[String], path: &str) -> Option<Vec<String>> {
    let mut segments = path.split("::").filter(|segment| !segment.is_empty()).peekable();
    let mut resolved: Vec<String> = match segments.peek().copied() {
        Some("crate") => {
            segments.next();
            Vec::new()
        }
        Some("super" | "self") => module.to_vec(),
        _ => return None,
    };
    while let Some(segment) = segments.peek().copied() {
        match segment {
            "super" => {
                resolved.pop();
            }
            "self" => {}
            _ => break,
        }
        segments.next();
    }
    resolved.extend(segments.map(str::to_owned));
    Some(resolved)
}

/// The imports between layers in `sources`: for each pair (importing layer, imported layer),
/// one file and path making it. Test modules in their own files are left out.
fn layer_edges(sources: &[Source]) -> Edges {
    let mut code_of = Vec::new();
    let mut test_modules: BTreeSet<Vec<String>> = BTreeSet::new();
    for source in sources {
        let (code, tests) = without_tests(&code_only(&source.text));
        for name in tests {
            let mut module = source.module.clone();
            module.push(name);
            test_modules.insert(module);
        }
        code_of.push(code);
    }
    let mut edges = Edges::new();
    for (source, code) in sources.iter().zip(&code_of) {
        let Some(layer) = source.module.first() else {
            continue;
        };
        if test_modules.iter().any(|test| source.module.starts_with(test)) {
            continue;
        }
        for path in use_paths(code).into_iter().chain(written_paths(code)) {
            let Some(target) = resolve(&source.module, &path) else {
                continue;
            };
            if let Some(imported) = target.first()
                && imported != layer
                && LAYERS.iter().any(|(name, _)| name == imported)
            {
                edges
                    .entry((layer.clone(), imported.clone()))
                    .or_insert_with(|| (source.module.join("/"), path.clone()));
            }
        }
    }
    edges
}

/// A cycle among the imports of `edges`, as the layers in order, the first repeated last.
fn cycle(edges: &Edges) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    /// Depth-first search from `layer`, `path` the layers on the way.
    fn visit<'a>(
        layer: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|on| *on == layer) {
            let mut cycle: Vec<String> = path[start..].iter().map(|layer| (*layer).to_owned()).collect();
            cycle.push(layer.to_owned());
            return Some(cycle);
        }
        if !done.insert(layer) {
            return None;
        }
        path.push(layer);
        for imported in next.get(layer).into_iter().flatten() {
            if let Some(cycle) = visit(imported, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    next.keys()
        .find_map(|layer| visit(layer, &next, &mut Vec::new(), &mut done))
}

/// What is wrong with the imports `edges`: a cycle between layers (listed with the import that
/// makes each step), or an import of a higher layer by a lower one.
fn violations(edges: &Edges) -> Vec<String> {
    let rank = |layer: &str| LAYERS.iter().find(|(name, _)| *name == layer).map(|(_, rank)| *rank);
    let mut found = Vec::new();
    if let Some(cycle) = cycle(edges) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|pair| {
                let (file, path) = &edges[&(pair[0].clone(), pair[1].clone())];
                format!("  {} -> {} ({file}: {path})", pair[0], pair[1])
            })
            .collect();
        found.push(format!(
            "import cycle between layers {}:\n{}",
            cycle.join(" -> "),
            steps.join("\n")
        ));
    }
    for ((from, to), (file, path)) in edges {
        if let (Some(low), Some(high)) = (rank(from), rank(to))
            && low < high
        {
            found.push(format!(
                "layer {from} (rank {low}) imports layer {to} (rank {high}), above it: {file}: {path}"
            ));
        }
    }
    found
}

#[test]
fn every_top_level_module_is_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    read_sources(&src, &[], &mut sources);
    let modules: BTreeSet<&str> = sources
        .iter()
        .filter_map(|source| source.module.first().map(String::as_str))
        .filter(|module| *module != "architecture_tests")
        .collect();
    for module in modules {
        assert!(
            LAYERS.iter().any(|(name, _)| *name == module),
            "the top-level module {module} is in no layer: add it to LAYERS in architecture_tests.rs"
        );
    }
}

#[test]
fn layers_import_only_layers_below_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    read_sources(&src, &[], &mut sources);
    let edges = layer_edges(&sources);
    let found = violations(&edges);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The check finds a cycle and an upward import, ignoring comments, strings and tests.
#[test]
fn a_cycle_between_layers_is_reported_with_its_imports() {
    let source = |module: &str, text: &str| Source {
        module: module.split('/').map(str::to_owned).collect(),
        text: text.to_owned(),
    };
    let clean = [
        source("store/contracts", "use crate::{domain::Siren, error_code::ErrorCode};"),
        source(
            "graphql/limits/walk",
            "use super::super::errors; // crate::http::x\nconst URL: &str = \"crate::http::y\";",
        ),
        source("store", "#[cfg(test)]\nmod tests { use crate::graphql::schema; }"),
        source("db", "#[cfg(test)]\nmod tests;"),
        source("db/tests", "use crate::http::router;"),
    ];
    assert_eq!(violations(&layer_edges(&clean)), Vec::<String>::new());
    let looping = [
        source("config", "pub struct Settings(crate::graphql::limits::Measure);"),
        source("graphql/executor", "use crate::{\n    db::{self, connect},\n};"),
        source("db", "use super::config::DatabaseConfig;"),
    ];
    let found = violations(&layer_edges(&looping));
    assert!(
        found[0].starts_with("import cycle between layers config -> graphql -> db -> config:"),
        "{found:?}"
    );
    assert!(
        found[0].contains("graphql -> db (graphql/executor: crate::db::self)"),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|problem| problem.starts_with("layer config (rank 1) imports layer graphql")),
        "{found:?}"
    );
}
