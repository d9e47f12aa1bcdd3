//! Merchant accounts and their API key pairs: the demo pair, and extra pairs from a JSON file.

use std::fmt;
use std::path::Path;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The demo merchant account. Its shape (`0x` + 40 hex) follows the provider's guides.
pub const DEMO_ACCOUNT: &str = "0xc195df92dd9db2a8f28e597981f113d6e7582f8b";
/// The demo API key: the public key of the provider's published signing example.
pub const DEMO_API_KEY: &str = "c529e14832b34b74972365cf7bf02430";
/// The demo API secret: the secret of the provider's published signing example. It is public,
/// so the sandbox prints it; secrets loaded from a file are never printed.
pub const DEMO_API_SECRET: &str = "b823a6b9ea72408583cef9ec8d67fa52";

/// One API key pair and the merchant account it acts for.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    /// The merchant account the key belongs to (the body's `account`).
    pub account: String,
    /// The public key, sent in the `Key` header.
    pub api_key: String,
    /// The secret that keys the HMAC-SHA512 signature in the `Sign` header.
    pub api_secret: SecretString,
}

impl Credentials {
    /// A key pair for `account`.
    pub fn new(
        account: impl Into<String>,
        api_key: impl Into<String>,
        api_secret: SecretString,
    ) -> Self {
        Self {
            account: account.into(),
            api_key: api_key.into(),
            api_secret,
        }
    }

    /// The demo account with the provider's published example key pair.
    pub fn demo() -> Self {
        Self::new(
            DEMO_ACCOUNT,
            DEMO_API_KEY,
            SecretString::from(DEMO_API_SECRET),
        )
    }

    /// Whether this is the demo pair, whose secret is public and may be printed.
    pub fn is_demo(&self) -> bool {
        self.api_key == DEMO_API_KEY && self.api_secret.expose_secret() == DEMO_API_SECRET
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account", &self.account)
            .field("api_key", &self.api_key)
            .field("api_secret", &"[redacted]")
            .finish()
    }
}

/// The accounts file: `{"accounts": [{"account": …, "apiKey": …, "apiSecret": …}, …]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountsFile {
    accounts: Vec<Credentials>,
}

/// Reads key pairs from a JSON accounts file. The error names the file and, for bad JSON, the
/// line and column; it never contains a secret.
pub fn load_accounts_file(path: &Path) -> Result<Vec<Credentials>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
    let file: AccountsFile =
        serde_json::from_str(&text).map_err(|error| format!("{}: {error}", path.display()))?;
    for (index, credentials) in file.accounts.iter().enumerate() {
        let empty = [
            ("account", credentials.account.is_empty()),
            ("apiKey", credentials.api_key.is_empty()),
            (
                "apiSecret",
                credentials.api_secret.expose_secret().is_empty(),
            ),
        ];
        if let Some((field, _)) = empty.iter().find(|(_, is_empty)| *is_empty) {
            return Err(format!(
                "{}: accounts[{index}].{field} must not be empty",
                path.display()
            ));
        }
    }
    Ok(file.accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("sandbox-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_key_pairs_and_hides_their_secrets() {
        let path = write(
            "ok.json",
            r#"{"accounts": [{"account": "0xabc", "apiKey": "k1", "apiSecret": "s3cr3t-value"}]}"#,
        );
        let accounts = load_accounts_file(&path).unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].account, "0xabc");
        assert_eq!(accounts[0].api_key, "k1");
        assert_eq!(accounts[0].api_secret.expose_secret(), "s3cr3t-value");
        assert!(!format!("{accounts:?}").contains("s3cr3t-value"));
        assert!(!accounts[0].is_demo());
        assert!(Credentials::demo().is_demo());
    }

    #[test]
    fn bad_files_say_where_and_what() {
        let path = write("syntax.json", "{\"accounts\": [\n  {\"account\": }\n]}");
        let error = load_accounts_file(&path).unwrap_err();
        assert!(error.starts_with(&path.display().to_string()), "{error}");
        assert!(error.contains("line 2 column"), "{error}");

        let path = write(
            "unknown.json",
            r#"{"accounts": [{"account": "a", "apiKey": "k", "apiSecret": "s", "secret": "x"}]}"#,
        );
        let error = load_accounts_file(&path).unwrap_err();
        assert!(error.contains("unknown field `secret`"), "{error}");

        let path = write(
            "empty.json",
            r#"{"accounts": [{"account": "a", "apiKey": "k", "apiSecret": ""}]}"#,
        );
        let error = load_accounts_file(&path).unwrap_err();
        assert!(
            error.ends_with("accounts[0].apiSecret must not be empty"),
            "{error}"
        );

        let error = load_accounts_file(Path::new("/nonexistent/accounts.json")).unwrap_err();
        assert!(
            error.contains("/nonexistent/accounts.json: cannot read"),
            "{error}"
        );
    }
}
