//! Hostile values for every input the schema takes. Walks schema.graphql: for every argument
//! of every Query and Mutation field, every argument of nested fields reachable in one
//! document, and every input-object field below them, it sends hostile values (lists at 10x
//! their cap and at 50 000 entries, strings of 500 kB and with control characters, integers
//! at the i32 bounds and -1, floats at ±1e308, signed and out-of-range dates and date-times,
//! broken global ids and cursors, wrong enum values), as literals and through variables;
//! mutations with an admin and a partner key, with `validateOnly: true` and for real (see
//! docs/READ-API.md, "Adversarial test"). Then deep
//! and wide introspection. Each probe must answer below HTTP 500, with no INTERNAL error and a
//! code on every error, within 2 s; the server must answer a trivial query after each group.
//! The probe counts are printed per category. (Random documents: `robustness`.)

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    io::Write,
    sync::Arc,
    time::{Duration, Instant},
};

use async_graphql::parser::types::{BaseType, Type};
use entity::enums::ApiRole;
use serde_json::{Value, json};

use crate::{
    harness::{TestApp, on_both_databases},
    shape::{FieldShape, Shape, clear_problem, named},
};

/// Longest a probe may take to be answered.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// Probes sent at once (then the server must still answer a trivial query).
const GROUP: usize = 4;
/// Entries of the longest hostile lists.
const HUGE_LIST: usize = 50_000;

/// The documented cap of a list input, by its name and item type. Hard-coded here (the caps
/// are documented in docs/READ-API.md, "Bounds"): global-id lists hold at most 500, bulk
/// `items` at most 1 000, every other list at most 100. Probes send 10x the cap, so a cap set
/// lower than assumed here is probed all the same.
fn list_cap(name: &str, item: &Type) -> usize {
    if name == "items" {
        1_000
    } else if named(item) == "ID" {
        500
    } else {
        100
    }
}

/// A GraphQL input value, printable as a literal or as JSON for a variable.
#[derive(Clone, Debug)]
enum Input {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Enum(String),
    List(Vec<Input>),
    Object(Vec<(String, Input)>),
}

impl Input {
    fn literal(&self, out: &mut String) {
        match self {
            Input::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Input::Int(i) => out.push_str(&i.to_string()),
            Input::Float(f) => out.push_str(&format!("{f:e}")),
            Input::Str(s) => out.push_str(&serde_json::to_string(s).unwrap()),
            Input::Enum(e) => out.push_str(e),
            Input::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.literal(out);
                }
                out.push(']');
            }
            Input::Object(fields) => {
                out.push('{');
                for (index, (name, value)) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(name);
                    out.push(':');
                    value.literal(out);
                }
                out.push('}');
            }
        }
    }

    fn json(&self) -> Value {
        match self {
            Input::Bool(b) => json!(b),
            Input::Int(i) => json!(i),
            Input::Float(f) => json!(f),
            Input::Str(s) | Input::Enum(s) => json!(s),
            Input::List(items) => Value::Array(items.iter().map(Input::json).collect()),
            Input::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.clone(), v.json())).collect()),
        }
    }
}

/// One hostile value, described (cheap to keep) and built when sent.
#[derive(Clone, Debug)]
enum Hostile {
    /// A list of this many (valid-looking) items.
    List(usize),
    /// A list of one hostile item.
    Item(Box<Hostile>),
    /// A string of this many bytes.
    LongString(usize),
    /// A string of this many words.
    Words(usize),
    /// Control characters and NUL.
    Control,
    /// A date or date-time out of range or impossible.
    Date(&'static str),
    /// A broken global id or cursor.
    BrokenId(&'static str),
    /// A decimal out of range or not a number.
    Decimal(&'static str),
    /// A string of this many base64 characters (a 10 kB global id or cursor).
    LongBase64(usize),
    Int(i64),
    Float(f64),
    WrongEnum,
}

impl Hostile {
    /// The category the probe counts under.
    fn category(&self) -> String {
        match self {
            Hostile::List(len) if *len == HUGE_LIST => "list of 50 000".to_owned(),
            Hostile::List(_) => "list at 10x cap".to_owned(),
            Hostile::Item(inner) => inner.category(),
            Hostile::LongString(_) => "string of 500 kB".to_owned(),
            Hostile::Words(_) => "string of 5 000 words".to_owned(),
            Hostile::Control => "control characters".to_owned(),
            Hostile::Date(_) => "date out of range".to_owned(),
            Hostile::BrokenId(_) | Hostile::LongBase64(_) => "broken id or cursor".to_owned(),
            Hostile::Decimal(_) => "decimal out of range".to_owned(),
            Hostile::Int(_) => "integer bound".to_owned(),
            Hostile::Float(_) => "float bound".to_owned(),
            Hostile::WrongEnum => "wrong enum value".to_owned(),
        }
    }
}

/// Control characters, NUL, an ANSI escape, a bidi override and a lone combining mark.
const CONTROL: &str = "a\0b\u{1}\u{7}\u{8}\u{1b}[2J\u{7f}\r\n\t\u{202e}\u{301}z";
const DATES: [&str; 4] = ["+262142-12-31", "0001-01-01", "9999-12-31", "2026-02-30"];
const DATE_TIMES: [&str; 4] = [
    "+262142-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
];
/// Broken global ids and cursors: random base64, empty, a known type with a broken key,
/// unpadded, non-base64.
const BROKEN_IDS: [&str; 6] = [
    "q83vEjRWeJCrze8SNFZ4kKs=",
    "",
    "T3JnYW5pc2F0aW9uOm5vdC1hLXV1aWQ=",
    "T3JnYW5pc2F0aW9uOg",
    "%%%not base64%%%",
    "Q29udHJhY3Q6LTE=",
];

/// Whether a string argument or field named `name` carries a global id or a cursor.
fn is_id_like(name: &str, scalar: &str) -> bool {
    scalar == "ID" || matches!(name, "after" | "before" | "cursor") || name.ends_with("Id") || name.ends_with("Ids")
}

/// The hostile values for a position of type `ty` named `name`.
fn hostiles(shape: &Shape, name: &str, ty: &Type) -> Vec<Hostile> {
    if let BaseType::List(inner) = &ty.base {
        let mut all = vec![Hostile::List(10 * list_cap(name, inner)), Hostile::List(HUGE_LIST)];
        // Items of scalar lists get the scalar's hostile values (input-object items are walked
        // field by field instead).
        if !shape.inputs.contains_key(named(inner)) {
            all.extend(
                hostiles(shape, name, inner)
                    .into_iter()
                    .map(|h| Hostile::Item(Box::new(h))),
            );
        }
        return all;
    }
    let scalar = named(ty);
    if shape.enums.contains_key(scalar) {
        return vec![Hostile::WrongEnum];
    }
    match scalar {
        "Int" => vec![
            Hostile::Int(i32::MIN.into()),
            Hostile::Int(i32::MAX.into()),
            Hostile::Int(-1),
        ],
        "Float" => vec![Hostile::Float(1e308), Hostile::Float(-1e308)],
        "NaiveDate" => DATES.map(Hostile::Date).to_vec(),
        "DateTime" => DATE_TIMES.map(Hostile::Date).to_vec(),
        "String" | "ID" | "Decimal" => {
            let mut all = vec![Hostile::LongString(500_000), Hostile::Words(5_000), Hostile::Control];
            if is_id_like(name, scalar) {
                all.extend(BROKEN_IDS.map(Hostile::BrokenId));
                all.push(Hostile::LongBase64(10_240));
            }
            if scalar == "Decimal" {
                all.extend(["1e308", "-1e308", "79228162514264337593543950336", "NaN"].map(Hostile::Decimal));
            }
            all
        }
        _ => Vec::new(),
    }
}

/// What a probe needs of the schema: valid-looking values for everything but the probed
/// position.
struct Values<'a> {
    shape: &'a Shape,
    /// The global id of an organisation that exists, for id positions not probed.
    organisation_id: String,
}

impl Values<'_> {
    /// A valid-looking value of `ty` for a position named `name` (required input fields only).
    fn baseline(&self, name: &str, ty: &Type, depth: usize) -> Input {
        if let BaseType::List(inner) = &ty.base {
            return Input::List(vec![self.baseline(name, inner, depth + 1)]);
        }
        let scalar = named(ty);
        if let Some(values) = self.shape.enums.get(scalar) {
            return Input::Enum(values[0].clone());
        }
        if scalar == "ID" || (name.ends_with("Id") && name != "territoryId" && name != "externalId") {
            return Input::Str(self.organisation_id.clone());
        }
        if let Some(fields) = self.shape.inputs.get(scalar) {
            return Input::Object(
                fields
                    .iter()
                    .filter(|(_, field_ty)| !field_ty.nullable && depth < 6)
                    .map(|(field, field_ty)| (field.clone(), self.baseline(field, field_ty, depth + 1)))
                    .collect(),
            );
        }
        match scalar {
            "Int" => Input::Int(1),
            "Float" => Input::Float(1.0),
            "Boolean" => Input::Bool(false),
            "NaiveDate" if name == "to" || name.starts_with("end") => Input::Str("2024-12-31".to_owned()),
            "NaiveDate" => Input::Str("2024-01-01".to_owned()),
            "DateTime" => Input::Str("2024-01-01T00:00:00Z".to_owned()),
            "Decimal" => Input::Str("1000".to_owned()),
            _ => Input::Str(
                match name {
                    "code" => "93",
                    "naf" => "88.10A",
                    "legalCategories" => "9220",
                    "cpvPrefixes" => "45",
                    "supplierSirets" => "55210055400013",
                    "territoryId" => "EPCI:200054807",
                    "siren" => "552100554",
                    "siret" | "buyerSiret" => "55210055400013",
                    "externalId" => "adversarial-1",
                    "name" => "Régie",
                    _ => "x",
                }
                .to_owned(),
            ),
        }
    }

    /// The value of `ty` (named `name`) with `hostile` at `path` (input-field names, lists
    /// crossed through their single item) and valid-looking values elsewhere.
    fn place(&self, name: &str, ty: &Type, path: &[String], hostile: &Hostile, extra: &[(&str, Input)]) -> Input {
        let Some((head, rest)) = path.split_first() else {
            return self.build(name, ty, hostile);
        };
        if let BaseType::List(inner) = &ty.base {
            return Input::List(vec![self.place(name, inner, path, hostile, extra)]);
        }
        let fields = &self.shape.inputs[named(ty)];
        let mut object = Vec::new();
        for (field, field_ty) in fields {
            if field == head {
                object.push((field.clone(), self.place(field, field_ty, rest, hostile, &[])));
            } else if let Some((_, value)) = extra.iter().find(|(name, _)| name == field) {
                object.push((field.clone(), value.clone()));
            } else if !field_ty.nullable {
                object.push((field.clone(), self.baseline(field, field_ty, 1)));
            }
        }
        Input::Object(object)
    }

    /// The hostile value itself, for a position of type `ty`.
    fn build(&self, name: &str, ty: &Type, hostile: &Hostile) -> Input {
        match hostile {
            Hostile::List(len) => {
                let item = match &ty.base {
                    BaseType::List(inner) => self.baseline(name, inner, 1),
                    BaseType::Named(_) => self.baseline(name, ty, 1),
                };
                Input::List(vec![item; *len])
            }
            Hostile::Item(inner) => match &ty.base {
                BaseType::List(item) => Input::List(vec![self.build(name, item, inner)]),
                BaseType::Named(_) => self.build(name, ty, inner),
            },
            Hostile::LongString(len) => Input::Str("Ω".repeat(len / 2)),
            Hostile::Words(count) => Input::Str("mot ".repeat(*count)),
            Hostile::Control => Input::Str(CONTROL.to_owned()),
            Hostile::Date(s) | Hostile::BrokenId(s) | Hostile::Decimal(s) => Input::Str((*s).to_owned()),
            Hostile::LongBase64(len) => Input::Str("QUJD".repeat(len / 4)),
            Hostile::Int(i) => Input::Int(*i),
            Hostile::Float(f) => Input::Float(*f),
            Hostile::WrongEnum => Input::Enum("NOT_A_VALUE".to_owned()),
        }
    }

    /// Every position inside an argument of type `ty`: the argument itself, then each field
    /// of its input objects (recursively, each input type once per path).
    fn positions(
        &self,
        ty: &Type,
        path: &mut Vec<String>,
        seen: &mut Vec<String>,
        out: &mut Vec<(Vec<String>, String, Type)>,
    ) {
        let scalar = named(ty).to_owned();
        let Some(fields) = self.shape.inputs.get(&scalar) else {
            return;
        };
        if seen.contains(&scalar) {
            return;
        }
        seen.push(scalar);
        for (field, field_ty) in fields {
            path.push(field.clone());
            out.push((path.clone(), field.clone(), field_ty.clone()));
            self.positions(field_ty, path, seen, out);
            path.pop();
        }
        seen.pop();
    }

    /// A small selection of a field of type `type_name`: its argument-free fields, three
    /// levels deep.
    fn selection(&self, type_name: &str, depth: usize) -> String {
        if let Some(members) = self.shape.unions.get(type_name) {
            let parts: Vec<String> = members
                .iter()
                .map(|m| format!("... on {m} {}", self.selection(m, depth + 1)))
                .collect();
            return format!("{{ __typename {} }}", parts.join(" "));
        }
        let Some(fields) = self.shape.fields.get(type_name) else {
            return String::new();
        };
        let mut chosen = vec!["__typename".to_owned()];
        for field in fields {
            if !field.arguments.is_empty() {
                continue;
            }
            let child = named(&field.ty);
            if self.shape.is_composite(child) {
                if depth < 2 && !self.shape.implementers.contains_key(child) {
                    chosen.push(format!("{} {}", field.name, self.selection(child, depth + 1)));
                }
            } else {
                chosen.push(field.name.clone());
            }
        }
        format!("{{ {} }}", chosen.join(" "))
    }
}

/// Where a probed field sits: the operation and the selections around it.
#[derive(Clone)]
struct Target {
    mutation: bool,
    /// Selections from the root down to the field's parent, each with its closing part.
    around: Vec<(String, String)>,
    /// `Type.field`, for the report.
    label: String,
    field: FieldShape,
}

/// How the hostile value is sent.
#[derive(Clone, Copy, Debug)]
enum Form {
    Literal,
    Variable,
}

/// Which key sends a mutation, and whether with `validateOnly: true`.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    Admin { validate_only: bool },
    Partner { validate_only: bool },
}

/// One probe, described; its body is built when it is sent.
#[derive(Clone)]
struct Probe {
    target: Arc<Target>,
    argument: usize,
    path: Vec<String>,
    hostile: Hostile,
    form: Form,
    caller: Caller,
}

impl Probe {
    fn describe(&self) -> String {
        let mut at = self.target.field.arguments[self.argument].0.clone();
        for part in &self.path {
            at.push('.');
            at.push_str(part);
        }
        let hostile = format!("{:?}", self.hostile);
        let hostile: String = hostile.chars().take(60).collect();
        format!(
            "{}({at}) = {hostile} [{:?}, {:?}]",
            self.target.label, self.form, self.caller
        )
    }

    /// The request body.
    fn body(&self, values: &Values) -> String {
        let (argument, argument_ty) = &self.target.field.arguments[self.argument];
        let extra: Vec<(&str, Input)> = match self.caller {
            Caller::Admin { validate_only: true } | Caller::Partner { validate_only: true } => {
                vec![("validateOnly", Input::Bool(true))]
            }
            _ => Vec::new(),
        };
        let mut value = if self.path.is_empty() {
            values.build(argument, argument_ty, &self.hostile)
        } else {
            values.place(argument, argument_ty, &self.path, &self.hostile, &extra)
        };
        if self.path.is_empty()
            && !extra.is_empty()
            && let Input::Object(fields) = &mut value
        {
            fields.retain(|(name, _)| name != "validateOnly");
            fields.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
        }
        let mut arguments = String::new();
        let mut variables = serde_json::Map::new();
        let mut declared = String::new();
        for (index, (name, ty)) in self.target.field.arguments.iter().enumerate() {
            let given = if index == self.argument {
                Some(value.clone())
            } else if !ty.nullable {
                Some(values.baseline(name, ty, 0))
            } else {
                None
            };
            let Some(given) = given else { continue };
            arguments.push_str(name);
            arguments.push(':');
            if index == self.argument && matches!(self.form, Form::Variable) {
                arguments.push_str("$v");
                declared = format!("($v: {ty})");
                variables.insert("v".to_owned(), given.json());
            } else {
                given.literal(&mut arguments);
            }
            arguments.push(' ');
        }
        let selection = values.selection(named(&self.target.field.ty), 0);
        let mut document = String::from(if self.target.mutation {
            "mutation Probe"
        } else {
            "query Probe"
        });
        document.push_str(&declared);
        document.push_str(" { ");
        for (open, _) in &self.target.around {
            document.push_str(open);
            document.push(' ');
        }
        document.push_str(&format!("{}({arguments}) {selection}", self.target.field.name));
        for (_, close) in self.target.around.iter().rev() {
            document.push_str(close);
        }
        document.push_str(" }");
        json!({ "query": document, "variables": variables, "operationName": "Probe" }).to_string()
    }
}

/// The fields with arguments of types reachable from Query in one document: for each object
/// type, the shortest path of argument-free fields (and fragments on union members and
/// interface implementers) from the root.
fn nested_targets(shape: &Shape) -> Vec<Target> {
    let mut paths: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut queue = VecDeque::from([("Query".to_owned(), Vec::new())]);
    let mut seen = BTreeSet::from(["Query".to_owned()]);
    while let Some((type_name, around)) = queue.pop_front() {
        let mut next: Vec<(String, (String, String))> = Vec::new();
        for field in shape.fields.get(&type_name).into_iter().flatten() {
            let child = named(&field.ty);
            if field.arguments.iter().all(|(_, ty)| ty.nullable) && shape.is_composite(child) {
                next.push((child.to_owned(), (format!("{} {{", field.name), "}".to_owned())));
            }
        }
        for member in shape
            .unions
            .get(&type_name)
            .into_iter()
            .chain(shape.implementers.get(&type_name))
            .flatten()
        {
            next.push((member.clone(), (format!("... on {member} {{"), "}".to_owned())));
        }
        for (child, step) in next {
            if seen.insert(child.clone()) {
                let mut path = around.clone();
                path.push(step);
                paths.insert(child.clone(), path.clone());
                queue.push_back((child, path));
            }
        }
    }
    let mut targets = Vec::new();
    for (type_name, around) in paths {
        if shape.implementers.contains_key(&type_name) {
            continue; // an interface's fields are probed on its implementers
        }
        for field in shape.fields.get(&type_name).into_iter().flatten() {
            if !field.arguments.is_empty() {
                targets.push(Target {
                    mutation: false,
                    around: around.clone(),
                    label: format!("{type_name}.{}", field.name),
                    field: field.clone(),
                });
            }
        }
    }
    targets
}

/// Every probe: root fields (queries anonymous; mutations with both keys, with and without
/// `validateOnly`) and nested fields, each value as a literal and as a variable.
fn probes(shape: &Shape, values: &Values) -> Vec<Probe> {
    let mut targets: Vec<Target> = Vec::new();
    for (root, mutation) in [("Query", false), ("Mutation", true)] {
        for field in &shape.fields[root] {
            targets.push(Target {
                mutation,
                around: Vec::new(),
                label: format!("{root}.{}", field.name),
                field: field.clone(),
            });
        }
    }
    targets.extend(nested_targets(shape));
    let mut all = Vec::new();
    for target in targets.into_iter().map(Arc::new) {
        for (argument, (name, ty)) in target.field.arguments.iter().enumerate() {
            let mut positions = vec![(Vec::new(), name.clone(), ty.clone())];
            values.positions(ty, &mut Vec::new(), &mut Vec::new(), &mut positions);
            let validate_only = shape
                .inputs
                .get(named(ty))
                .is_some_and(|fields| fields.iter().any(|(f, _)| f == "validateOnly"));
            // Mutations: both keys, both modes and both forms, paired so that each value is
            // sent twice (as a literal by an admin checking, and by a partner for real; through
            // a variable by an admin for real, and by a partner checking).
            let callers = |form: Form| -> Vec<Caller> {
                match (target.mutation, form) {
                    (false, _) => vec![Caller::Anonymous],
                    (true, Form::Literal) => vec![
                        Caller::Admin { validate_only },
                        Caller::Partner { validate_only: false },
                    ],
                    (true, Form::Variable) => vec![
                        Caller::Admin { validate_only: false },
                        Caller::Partner { validate_only },
                    ],
                }
            };
            for (path, position_name, position_ty) in positions {
                for hostile in hostiles(shape, &position_name, &position_ty) {
                    // Nested fields take their values as literals only: the same argument
                    // types get variables at the root.
                    let forms: &[Form] = if target.around.is_empty() {
                        &[Form::Literal, Form::Variable]
                    } else {
                        &[Form::Literal]
                    };
                    for &form in forms {
                        for caller in &callers(form) {
                            all.push(Probe {
                                target: target.clone(),
                                argument,
                                path: path.clone(),
                                hostile: hostile.clone(),
                                form,
                                caller: *caller,
                            });
                        }
                    }
                }
            }
        }
    }
    all
}

/// Deep and wide introspection documents, by name.
fn introspection_documents() -> Vec<(&'static str, String)> {
    let mut of_type = String::from("name kind");
    for _ in 0..40 {
        of_type = format!("name kind ofType {{ {of_type} }}");
    }
    let walk = format!(
        "__schema {{ types {{ name kind fields(includeDeprecated: true) {{ name args {{ name type {{ {of_type} }} }} type {{ {of_type} }} }} \
         inputFields {{ name type {{ {of_type} }} }} enumValues(includeDeprecated: true) {{ name }} interfaces {{ name }} possibleTypes {{ name }} }} \
         queryType {{ name fields {{ name }} }} directives {{ name args {{ name type {{ {of_type} }} }} }} }}"
    );
    let aliases: Vec<String> = (0..29).map(|i| format!("a{i}: {walk}")).collect();
    let mut nested_types = String::from("name");
    for _ in 0..12 {
        nested_types = format!("name fields {{ type {{ fields {{ type {{ {nested_types} }} }} }} }}");
    }
    vec![
        (
            "29 aliases of a deep __schema walk",
            format!("{{ {} }}", aliases.join(" ")),
        ),
        ("one deep __schema walk", format!("{{ {walk} }}")),
        (
            "ofType chain 40 deep on every field",
            format!(
                "{{ __type(name: \"Query\") {{ fields {{ type {{ {of_type} }} args {{ type {{ {of_type} }} }} }} }} }}"
            ),
        ),
        (
            "fields of fields 12 deep",
            format!("{{ __schema {{ types {{ {nested_types} }} }} }}"),
        ),
        (
            "__type with a 500 kB name",
            format!("{{ __type(name: \"{}\") {{ name }} }}", "Q".repeat(500_000)),
        ),
        (
            "__type with control characters",
            format!(
                "{{ __type(name: {}) {{ name }} }}",
                serde_json::to_string(CONTROL).unwrap()
            ),
        ),
        (
            "500 aliases of __typename",
            format!(
                "{{ {} }}",
                (0..500)
                    .map(|i| format!("t{i}: __typename"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ),
    ]
}

/// What one probe got: its problem (if any) and how long it took.
struct Outcome {
    problem: Option<String>,
    elapsed: Duration,
}

async fn send(addr: std::net::SocketAddr, body: String, key: Option<String>) -> Outcome {
    let oversized = body.len() > api::http::transport::MAX_BODY_BYTES;
    let mut request = hyper::Request::post(format!("http://{addr}/graphql")).header("content-type", "application/json");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let request = request
        .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
        .unwrap();
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(20), crate::harness::try_exchange(request))
        .await
        .ok();
    let elapsed = started.elapsed();
    let problem = match answer {
        None => Some("no answer within 20 s".to_owned()),
        // A body over the HTTP limit is answered 413 before it is read whole, and the
        // connection closed: the client may see that as a broken pipe while still writing.
        Some(Err(_)) if oversized => None,
        Some(Err(error)) => Some(format!("no HTTP answer: {error}")),
        Some(Ok(answer)) => clear_problem(&answer).or_else(|| {
            (elapsed > ANSWER_WITHIN).then(|| format!("slow: answered in {elapsed:?} (HTTP {})", answer.status))
        }),
    };
    Outcome { problem, elapsed }
}

/// The server still answers a trivial query.
async fn assert_alive(addr: std::net::SocketAddr, after: &str) {
    let answer = send(addr, json!({ "query": "{ __typename }" }).to_string(), None).await;
    assert!(
        answer.problem.is_none(),
        "server not answering after {after}: {:?}",
        answer.problem
    );
}

/// The first line of a problem, short, for grouping failures by cause.
fn cause(problem: &str) -> String {
    let message = serde_json::from_str::<Value>(problem.split_once(": ").map_or("", |(_, rest)| rest))
        .ok()
        .and_then(|error| error["message"].as_str().map(str::to_owned));
    let head = problem.split(": ").next().unwrap_or(problem);
    let detail = message.unwrap_or_else(|| problem.chars().skip(head.len()).take(90).collect());
    let detail: String = detail.chars().take(90).collect();
    format!("{head}: {detail}")
}

on_both_databases! {
    async fn hostile_values_for_every_input_get_clear_answers(app: &TestApp) {
        super::hostile_values_for_every_input_get_clear_answers(app).await;
    }

    async fn a_nul_in_any_text_input_is_refused_naming_its_place(app: &TestApp) {
        super::a_nul_in_any_text_input_is_refused_naming_its_place(app).await;
    }
}

/// A NUL character in a filter (literal or variable) or in a written field is refused as
/// BAD_USER_INPUT naming where it was, before the database (PostgreSQL text cannot hold it),
/// and nothing is written.
async fn a_nul_in_any_text_input_is_refused_naming_its_place(app: &TestApp) {
    let refused = |response: &Value, place: &str| {
        let error = &response["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{response}");
        assert_eq!(error["extensions"]["field"], place, "{response}");
        assert!(error["message"].as_str().unwrap().contains("NUL"), "{response}");
    };
    let literal = app
        .graphql(
            r#"{ organisations(filter: { name: "Régie\u0000" }) { totalCount } }"#,
            json!({}),
        )
        .await;
    refused(&literal, "organisations(filter.name)");
    let variable = app
        .graphql(
            "query($f: OrganisationFilterInput) { organisations(filter: $f) { totalCount } }",
            json!({ "f": { "name": "Régie\u{0}" } }),
        )
        .await;
    refused(&variable, "$f.name");
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let body = json!({
        "query": "mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) { organisation { id } } }",
        "variables": { "input": { "organisation": { "name": "Coop\u{0}érative" } } },
    });
    let request = hyper::Request::post(format!("http://{}/graphql", app.addr))
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {admin}"))
        .body(http_body_util::Full::new(hyper::body::Bytes::from(body.to_string())))
        .unwrap();
    let written = crate::harness::exchange(request).await;
    assert_eq!(written.status, 200, "{}", written.body);
    refused(&written.json(), "$input.organisation.name");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM organisation WHERE name LIKE 'Coop%'")
            .await,
        0
    );
}

async fn hostile_values_for_every_input_get_clear_answers(app: &TestApp) {
    let started = Instant::now();
    let organisation = crate::organisations::write_association(&app.db).await;
    let shape = Shape::served();
    let values = Values {
        shape: &shape,
        organisation_id: api::graphql::node::global_id("Organisation", organisation).0,
    };
    // One client sends everything: the rate limit must not be what answers.
    let addr = app
        .sibling(|serve| {
            serve.rate_limit_points = 1_000_000_000;
            serve.rate_limit_restore = 1_000_000_000;
        })
        .await;
    let admin = crate::writes::key(app, ApiRole::Admin, None).await;
    let partner = crate::writes::key(app, ApiRole::Partner, Some("PARTNER:adversarial")).await;

    let all = probes(&shape, &values);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut slowest = (Duration::ZERO, String::new());
    for group in all.chunks(GROUP) {
        let mut running = tokio::task::JoinSet::new();
        for probe in group {
            let body = probe.body(&values);
            let key = match probe.caller {
                Caller::Anonymous => None,
                Caller::Admin { .. } => Some(admin.clone()),
                Caller::Partner { .. } => Some(partner.clone()),
            };
            let describe = probe.describe();
            *counts.entry(probe.hostile.category()).or_default() += 1;
            running.spawn(async move { (describe, send(addr, body, key).await) });
        }
        while let Some(done) = running.join_next().await {
            let (describe, outcome) = done.unwrap();
            if outcome.elapsed > slowest.0 {
                slowest = (outcome.elapsed, describe.clone());
            }
            if let Some(problem) = outcome.problem {
                failures.entry(cause(&problem)).or_default().push(describe);
            }
        }
        assert_alive(addr, &group[0].describe()).await;
    }
    for (name, document) in introspection_documents() {
        *counts.entry("introspection".to_owned()).or_default() += 1;
        let outcome = send(addr, json!({ "query": document }).to_string(), None).await;
        if let Some(problem) = outcome.problem {
            failures.entry(cause(&problem)).or_default().push(name.to_owned());
        }
        assert_alive(addr, name).await;
    }

    let total: usize = counts.values().sum();
    // Written to the process's standard error, past the test harness's capture, so that the
    // count shows in every run's log (CI's included), passed or failed.
    let summary = format!(
        "adversarial probes on {:?}: {total} in {:?} (slowest {:?}: {}); by category: {counts:?}",
        app.backend(),
        started.elapsed(),
        slowest.0,
        slowest.1
    );
    let _ = writeln!(std::io::stderr(), "{summary}");
    let failed: usize = failures.values().map(Vec::len).sum();
    for (cause, probes) in &failures {
        eprintln!("FAILED x{}: {cause}", probes.len());
        for probe in probes.iter().take(40) {
            eprintln!("    {probe}");
        }
    }
    assert!(failures.is_empty(), "{failed} of {total} probes failed (see above)");
}
