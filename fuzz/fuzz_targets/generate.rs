//! Any bytes as a spec file: the generator answers with files or with an error that has a
//! line and column, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let result = codegen::spec_text(bytes, "fuzzed.yaml")
        .and_then(|text| codegen::generate(text, "fuzzed.yaml"));
    if let Err(error) = result {
        assert!(error.location.is_some(), "no line:column in `{error}`");
    }
});
