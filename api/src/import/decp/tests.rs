//! Tests of the DECP importer: document reading, field checks and record preparation.

#![expect(clippy::unwrap_used, reason = "a test fails loudly on an unexpected result")]

use std::io::Read;

use serde_json::{Value, json};

use super::{
    document::{Hint, RawRecord, read_records},
    fields::{is_missing, read_siret},
    *,
};

fn records(text: &str) -> Vec<(Hint, Value)> {
    let mut found = Vec::new();
    read_records(text.as_bytes(), |r| {
        found.push((r.hint, r.value));
        true
    })
    .unwrap();
    found
}

#[test]
fn both_formats_stream_record_by_record() {
    let v2019 = records(r#"{"$schema": "x", "marches": [{"id": "a"}, {"id": "b", "_type": "Contrat de concession"}]}"#);
    assert_eq!(v2019.len(), 2);
    assert_eq!(v2019[0].0, Hint::Unknown);
    let v2022 = records(r#"{"marches": {"marche": [{"id": "a"}], "contrat-concession": [{"id": "c"}]}, "autre": [1]}"#);
    assert_eq!(
        v2022.iter().map(|(h, v)| (*h, v["id"].clone())).collect::<Vec<_>>(),
        vec![(Hint::Contract, json!("a")), (Hint::Concession, json!("c"))]
    );
    let single = records(r#"{"marches": {"marche": {"id": "seul"}}}"#);
    assert_eq!(single.len(), 1);
    assert!(read_records(&b"{\"autre\": []}"[..], |_| true).is_err());
    assert!(read_records(&b"{\"marches\": [{\"id\": \"a\"}"[..], |_| true).is_err());
}

/// A reader handing out one byte at a time, so tokens are cut at every boundary.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((byte, rest)), Some(slot)) => {
                *slot = *byte;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn bare_non_finite_tokens_are_missing_values_and_strings_are_untouched() {
    let text = r#"{"marches": [{"id": "NaN", "montant": NaN, "dureeMois": Infinity,
        "x": [-Infinity, -1, "a \"NaN\" \\ Infinity"], "y": {"z": NaN}, "n": -2.5e3}]}"#;
    for whole in [true, false] {
        let mut found = Vec::new();
        let sink = |r: RawRecord| {
            found.push(r);
            true
        };
        if whole {
            read_records(text.as_bytes(), sink).unwrap();
        } else {
            read_records(Trickle(text.as_bytes()), sink).unwrap();
        }
        let record = &found[0];
        assert_eq!(record.value["id"], "NaN");
        assert_eq!(record.value["montant"], Value::Null);
        assert_eq!(record.value["x"], json!([null, -1, "a \"NaN\" \\ Infinity"]));
        assert_eq!(record.value["n"], json!(-2500.0));
        let mut fields = record.non_finite.clone();
        fields.sort();
        assert_eq!(
            fields,
            vec![
                ("dureeMois".to_owned(), "Infinity"),
                ("montant".to_owned(), "NaN"),
                ("x.0".to_owned(), "-Infinity"),
                ("y.z".to_owned(), "NaN"),
            ]
        );
    }
    // A cut token at the end of the file is an error, not a wait.
    assert!(read_records(Trickle(br#"{"marches": [{"a": Na"#), |_| true).is_err());
    assert!(read_records(&br#"{"marches": [{"a": Nope}]}"#[..], |_| true).is_err());
}

#[test]
fn missing_markers_and_lost_leading_zeros() {
    for missing in [json!(null), json!(""), json!("nan"), json!("NC"), json!(" NaN ")] {
        assert!(is_missing(&missing), "{missing}");
    }
    assert!(!is_missing(&json!("0")));
    // 01234567800012 is not a real SIRET; build a valid one with a leading zero.
    let valid = (0..100_000u32)
        .map(|nic| format!("012345674{nic:05}"))
        .find(|s| Siret::parse(s).is_ok())
        .unwrap();
    let (siret, padded) = read_siret(&valid[1..]).unwrap();
    assert_eq!((siret.as_str(), padded), (valid.as_str(), true));
    assert!(read_siret("12345").is_err());
}
