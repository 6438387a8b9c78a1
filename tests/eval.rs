//! The labelled evaluation set (`tests/eval/`) run through `govwatch eval`: extraction, kinds,
//! topics and clusters must stay at least as good as measured when they were tuned, on the
//! tuning set and on the held-out set alike. A change that makes any of them worse fails here.

mod common;

use common::Home;
use serde_json::Value;

fn eval(file: &str) -> Value {
    let home = Home::new("", true);
    let path = format!("{}/tests/eval/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut lines = home.json_lines(&["eval", &path, "--json"]);
    assert_eq!(lines.len(), 1);
    lines.remove(0)
}

fn at_least(report: &Value, pointer: &str, floor: f64) {
    let got = report
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{pointer} missing"));
    assert!(got >= floor, "{pointer} is {got:.3}, below {floor}");
}

#[test]
fn the_tuning_set_keeps_its_figures() {
    let r = eval("items.toml");
    assert!(r["items"].as_u64().unwrap() >= 150);
    at_least(&r, "/topics_micro/f1", 0.82);
    at_least(&r, "/kind_accuracy", 0.93);
    at_least(&r, "/kinds_macro_f1", 0.90);
    at_least(&r, "/entities/amount/f1", 0.98);
    at_least(&r, "/entities/agency/f1", 0.85);
    at_least(&r, "/entities/org/f1", 0.95);
    at_least(&r, "/entities/identifier/f1", 0.88);
    at_least(&r, "/entities/deadline/f1", 0.95);
    at_least(&r, "/entities/event/f1", 0.90);
    at_least(&r, "/clusters/purity", 0.95);
    at_least(&r, "/clusters/inverse_purity", 0.95);
    at_least(&r, "/threads/precision", 0.95);
}

#[test]
fn the_held_out_set_keeps_its_figures() {
    let r = eval("holdout.toml");
    assert!(r["items"].as_u64().unwrap() >= 60);
    at_least(&r, "/topics_micro/f1", 0.75);
    at_least(&r, "/kind_accuracy", 0.90);
    at_least(&r, "/entities/amount/f1", 0.98);
    at_least(&r, "/entities/agency/f1", 0.84);
    at_least(&r, "/entities/org/f1", 0.94);
    at_least(&r, "/entities/identifier/f1", 0.88);
    at_least(&r, "/clusters/purity", 0.95);
}

#[test]
fn misses_name_the_item_and_a_bad_file_names_the_problem() {
    let home = Home::new("", true);
    let path = format!("{}/tests/eval/items.toml", env!("CARGO_MANIFEST_DIR"));
    let out = home.run(&["eval", &path, "--misses"]);
    assert!(out.contains("kind accuracy"), "{out}");
    assert!(out.contains("misses:"), "{out}");
    let bad = home.path().join("bad.toml");
    std::fs::write(&bad, "[[item]]\nfeed = \"nowhere\"\ntitle = \"T\"\npublished = \"2025-01-01T00:00:00Z\"\nkind = \"news\"\n").unwrap();
    let output = home
        .cmd()
        .args(["eval", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("item 1") && err.contains("nowhere"), "{err}");
}
