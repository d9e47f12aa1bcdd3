//! "Testing your code": the guide to the `mock` feature that the crate docs and the README
//! share. Its example compiles as a doctest in both (the crate's own dev-dependency on
//! itself turns the feature on for its doctests).

use super::rust_types::spelled;
use crate::model::Api;

/// The section's text, without its heading.
pub fn text(api: &Api) -> String {
    let package = &api.package;
    let lib = package.lib_name();
    let op = super::lib_rs::example_operation(api, |op| op.idempotent);
    let (m, payload) = (&op.method, &op.payload);
    let response = spelled(&op.response, "types::");
    format!(
        "The `mock` feature, for your `[dev-dependencies]`, adds `mock::MockApi`: a local mock \
         of the API on 127.0.0.1 (built on wiremock) with a typed entry point per operation. \
         It checks every request as the real API does (the API key, the signature over the \
         exact body bytes, the envelope, the account, the timestamp window) and answers one \
         that fails as the API would, so a test also proves that your client signs correctly.\n\n\
         ```toml\n\
         [dev-dependencies]\n\
         {name} = {{ version = \"{version}\", features = [\"mock\"] }}\n\
         ```\n\n\
         ```rust,no_run\n\
         use {lib}::mock::MockApi;\n\
         use {lib}::{{types, Client, Error}};\n\n\
         // The code under test: it calls the API through the client it is given.\n\
         async fn your_code(client: &Client, payload: &types::{payload}) -> Result<{response}, Error> {{\n    \
             client.{m}(payload).await\n\
         }}\n\n\
         async fn a_test(payload: types::{payload}, canned: {response}) {{\n    \
             let mock = MockApi::start().await;\n    \
             // Answer every call with `canned`, and expect exactly one.\n    \
             mock.{m}().expect(1).respond_with(&canned);\n    \
             // A client pointed at the mock, with the credentials it accepts.\n    \
             let answer = your_code(&mock.client(), &payload).await.unwrap();\n    \
             assert_eq!(answer, canned);\n    \
             // What the mock received, typed.\n    \
             assert_eq!(mock.{m}().calls(), [payload]);\n    \
             mock.verify().unwrap();\n\
         }}\n\
         ```\n\n\
         A stub answers with a response (`respond_with`), the API's error body and a status \
         (`respond_with_error`), or a bare status (`respond_with_status`), optionally after a \
         `delay` and with a `Retry-After` (`retry_after`). It answers every call, the first \
         `times(n)`, or those whose typed payload a predicate accepts (`when`). The most \
         specific stub wins: stubs with `when` before stubs without, and among equals the one \
         added last. `expect(n)` sets how many calls a stub must answer, and `verify()` checks \
         it. `verify()` also reports the calls that no stub answered; the mock answers those \
         `404`, with a body that names the operation and shows the payload. `calls()`, \
         `refused_calls()` and `unmatched_calls()` list what the mock received: raw body and \
         headers, and how each call was answered. `set_clock_skew(seconds)` puts the mock's \
         clock off, to test how the client recovers from a refused timestamp, and \
         `start_with(account, key, secret)` accepts your own test credentials.",
        name = package.name,
        version = package.version,
    )
}
