//! The public API of the crates generated from the real spec, the bookshop fixture and the
//! CoinPayments fixture, one line per item with the spec path behind it: a spec edit's API
//! change shows here as a short diff, beside the crate's full diff in the checked-in crate.

use std::fs;
use std::path::Path;

fn public_api(spec: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = fs::read_to_string(root.join(spec)).expect("the spec is readable");
    let api = codegen::load(&text, spec).unwrap_or_else(|error| panic!("{error}"));
    codegen::changes::public_api(&api)
        .unwrap_or_else(|error| panic!("{error}"))
        .join("\n")
}

#[test]
fn customer_purse() {
    insta::assert_snapshot!(public_api("spec/customer-purse.yaml"));
}

#[test]
fn bookshop() {
    insta::assert_snapshot!(public_api("tests/fixtures/bookshop/spec.yaml"));
}

/// Its crate has what only some specs give: parameter types, and `WebhookVerifier::with_url`,
/// an impl of a runtime type emitted in another module.
#[test]
fn coinpayments() {
    insta::assert_snapshot!(public_api("tests/fixtures/coinpayments/spec.yaml"));
}
