//! A hand-written stand-in for the contract module the generator writes for each spec's
//! command-line tool (`codegen/src/emit/cli/contract.rs`): the names the runtime uses.

/// The tool's name: its binary, its config folder.
pub(crate) const BIN_NAME: &str = "things";

/// What `--help` says the tool is.
pub(crate) const ABOUT: &str = "Calls the Things API, signed, from a shell.";

/// The key header, as the spec writes it.
pub(crate) const KEY_HEADER: &str = "Key";

/// The signature header, as the spec writes it.
pub(crate) const SIGNATURE_HEADER: &str = "Sign";

/// Each operation's id and path, for `--verbose`.
pub(crate) const OPERATIONS: &[(&str, &str)] = &[
    ("getThing", "/api/v1/thing/get"),
    ("createThing", "/api/v1/thing/create"),
    ("findThings", "/api/v1/thing/find"),
];

/// The environment variable of each setting.
pub(crate) const ENV_PROFILE: &str = "THINGS_PROFILE";
pub(crate) const ENV_CONFIG: &str = "THINGS_CONFIG";
pub(crate) const ENV_BASE_URL: &str = "THINGS_BASE_URL";
pub(crate) const ENV_ACCOUNT: &str = "THINGS_ACCOUNT";
pub(crate) const ENV_API_KEY: &str = "THINGS_API_KEY";
pub(crate) const ENV_API_SECRET: &str = "THINGS_API_SECRET";
pub(crate) const ENV_FIRST_PAGE: &str = "THINGS_FIRST_PAGE";
pub(crate) const ENV_TIMEOUT: &str = "THINGS_TIMEOUT";
pub(crate) const ENV_WEBHOOK_KEY: &str = "THINGS_WEBHOOK_KEY";
pub(crate) const ENV_WEBHOOK_SECRET: &str = "THINGS_WEBHOOK_SECRET";
