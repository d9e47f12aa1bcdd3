//! Any bytes as a spec file: the generator answers with files (the client's and the
//! command-line tool's) or with an error that has a line and column, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    // The client and, from the same model, the command-line tool.
    let result = codegen::spec_text(bytes, "fuzzed.yaml")
        .and_then(|text| codegen::load(text, "fuzzed.yaml"))
        .and_then(|api| {
            codegen::generate_from(&api, "fuzzed.yaml")?;
            codegen::generate_cli(&api, "fuzzed.yaml", "../client")
        });
    if let Err(error) = result {
        assert!(error.location.is_some(), "no line:column in `{error}`");
    }
});
