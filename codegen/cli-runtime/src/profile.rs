//! Credentials and settings: from flags, the environment, or a named profile of the
//! config file, in that order of precedence. Secrets stay in `SecretString`s and are never
//! printed, not in errors either.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use secrecy::SecretString;
use serde::Deserialize;

use crate::contract::{
    BIN_NAME, ENV_ACCOUNT, ENV_API_KEY, ENV_API_SECRET, ENV_CONFIG, ENV_PROFILE, HAS_ACCOUNT,
};
use crate::failure::Failure;

/// The profile used when none is named; it need not exist.
const DEFAULT_PROFILE: &str = "default";

/// Where the credentials come from.
#[derive(Debug, Args)]
pub(crate) struct ProfileArgs {
    /// The profile of the config file to read settings from [default: `default`, if the
    /// file has one]
    #[arg(long, global = true, env = ENV_PROFILE, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The config file [default: $XDG_CONFIG_HOME/<tool>/config.toml, or
    /// ~/.config/<tool>/config.toml]
    #[arg(long, global = true, env = ENV_CONFIG, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// The account every request acts on
    #[arg(long, global = true, env = ENV_ACCOUNT, value_name = "ACCOUNT", hide = !HAS_ACCOUNT)]
    pub(crate) account: Option<String>,
    /// The API key, sent in the key header
    #[arg(long, global = true, env = ENV_API_KEY, value_name = "KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// The API secret, which signs every request; prefer the environment variable or a
    /// profile, since other users can see a command line
    #[arg(long, global = true, env = ENV_API_SECRET, value_name = "SECRET", hide_env_values = true)]
    pub(crate) api_secret: Option<SecretString>,
}

/// One profile of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) base_url: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) api_key: Option<String>,
    pub(crate) api_secret: Option<SecretString>,
    pub(crate) first_page: Option<i64>,
    #[allow(dead_code)] // Read by webhooks.rs, which tools of APIs without webhooks lack.
    pub(crate) webhook_key: Option<String>,
    #[allow(dead_code)] // Read by webhooks.rs, which tools of APIs without webhooks lack.
    pub(crate) webhook_secret: Option<SecretString>,
}

/// The config file: profiles by name.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// What a call needs: every credential, and the profile's settings.
pub(crate) struct Credentials {
    pub(crate) account: String,
    pub(crate) api_key: String,
    pub(crate) api_secret: SecretString,
    pub(crate) base_url: Option<String>,
    pub(crate) first_page: Option<i64>,
}

impl Credentials {
    /// The flags' (or environment's) credentials, each missing one taken from the profile.
    pub(crate) fn resolve(args: &ProfileArgs) -> Result<Self, Failure> {
        let (profile, source) = load(args)?;
        let missing = |what, flag, env, key| missing(what, flag, env, key, &source);
        Ok(Self {
            account: match args.account.clone().or(profile.account) {
                Some(account) => account,
                // Requests without an envelope carry no account.
                None if !HAS_ACCOUNT => String::new(),
                None => return Err(missing("account", "account", ENV_ACCOUNT, "account")),
            },
            api_key: args
                .api_key
                .clone()
                .or(profile.api_key)
                .ok_or_else(|| missing("API key", "api-key", ENV_API_KEY, "api_key"))?,
            api_secret: args
                .api_secret
                .clone()
                .or(profile.api_secret)
                .ok_or_else(|| missing("API secret", "api-secret", ENV_API_SECRET, "api_secret"))?,
            base_url: profile.base_url,
            first_page: profile.first_page,
        })
    }
}

/// A setting given nowhere: where it could have been given.
pub(crate) fn missing(what: &str, flag: &str, env: &str, key: &str, source: &str) -> Failure {
    Failure::usage(format!(
        "no {what}: give --{flag}, set {env}, or set `{key}` in {source}"
    ))
}

/// The profile `args` name (or the default one, if the file has it), and a description of
/// where it is for messages. An empty profile when there is no config file and none was
/// asked for.
pub(crate) fn load(args: &ProfileArgs) -> Result<(Profile, String), Failure> {
    let (path, explicit_path) = match &args.config {
        Some(path) => (Some(path.clone()), true),
        None => (default_path(), false),
    };
    let name = args.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    let Some(path) = path else {
        return match &args.profile {
            Some(name) => Err(Failure::usage(format!(
                "profile `{name}` asked for, but there is no config file: no --config, and \
                 neither XDG_CONFIG_HOME nor HOME is set"
            ))),
            None => Ok((
                Profile::default(),
                "a profile (no config file found)".to_owned(),
            )),
        };
    };
    let source = format!("profile `{name}` of {}", path.display());
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !explicit_path => {
            if args.profile.is_some() {
                return Err(Failure::usage(format!(
                    "profile `{name}` asked for, but {} does not exist",
                    path.display()
                )));
            }
            return Ok((Profile::default(), source));
        }
        Err(error) => {
            return Err(Failure::usage(format!(
                "cannot read the config file {}: {error}",
                path.display()
            )))
        }
    };
    let mut file = parse(&text, &path)?;
    warn_if_readable_by_others(&path, &file);
    match file.profiles.remove(name) {
        Some(profile) => Ok((profile, source)),
        None if args.profile.is_none() => Ok((Profile::default(), source)),
        None => Err(Failure::usage(format!(
            "{} has no profile `{name}` (it has: {})",
            path.display(),
            names(&file)
        ))),
    }
}

fn parse(text: &str, path: &Path) -> Result<ConfigFile, Failure> {
    toml::from_str(text).map_err(|error| {
        // The message alone: toml's Display quotes the line, which may hold a secret.
        Failure::usage(
            format!(
                "the config file {} is not valid: {}",
                path.display(),
                error.message()
            ) + &position(text, error.span()),
        )
    })
}

/// ` (line L, column C)` for a byte span of `text`.
fn position(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |line| line.chars().count())
        + 1;
    format!(" (line {line}, column {column})")
}

fn names(file: &ConfigFile) -> String {
    if file.profiles.is_empty() {
        return "none".to_owned();
    }
    file.profiles
        .keys()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$XDG_CONFIG_HOME/<tool>/config.toml`, else `$HOME/.config/<tool>/config.toml` (on
/// Windows `%APPDATA%\<tool>\config.toml`).
fn default_path() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty());
    let base = non_empty("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".config")))
        .or_else(|| non_empty("APPDATA").map(PathBuf::from))?;
    Some(base.join(BIN_NAME).join("config.toml"))
}

/// A file with secrets that other users can read deserves a word (Unix only).
fn warn_if_readable_by_others(path: &Path, file: &ConfigFile) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let has_secret = file
            .profiles
            .values()
            .any(|profile| profile.api_secret.is_some() || profile.webhook_secret.is_some());
        let open = std::fs::metadata(path).is_ok_and(|meta| meta.permissions().mode() & 0o077 != 0);
        if has_secret && open {
            eprintln!(
                "warning: {} holds secrets and other users may read it; `chmod 600` it",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = (path, file);
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn args(config: &Path, profile: Option<&str>) -> ProfileArgs {
        ProfileArgs {
            profile: profile.map(str::to_owned),
            config: Some(config.to_owned()),
            account: None,
            api_key: Some("from-flag".to_owned()),
            api_secret: None,
        }
    }

    fn config_file(name: &str, text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("cli-runtime-{}-{name}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_flag_wins_over_the_profile_which_fills_the_rest() {
        let path = config_file(
            "fills",
            "[profiles.sandbox]\naccount = \"acc\"\napi_key = \"from-file\"\napi_secret = \"s3cret\"\nbase_url = \"http://127.0.0.1:1\"\nfirst_page = 0\n",
        );
        let credentials = Credentials::resolve(&args(&path, Some("sandbox"))).unwrap();
        assert_eq!(credentials.account, "acc");
        assert_eq!(credentials.api_key, "from-flag");
        assert_eq!(credentials.api_secret.expose_secret(), "s3cret");
        assert_eq!(credentials.base_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(credentials.first_page, Some(0));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn a_missing_profile_or_credential_is_named_with_where_to_give_it() {
        let path = config_file("missing", "[profiles.one]\naccount = \"acc\"\n");
        let error = Credentials::resolve(&args(&path, Some("two")))
            .err()
            .unwrap();
        assert!(
            error
                .message()
                .contains("has no profile `two` (it has: `one`)"),
            "{}",
            error.message()
        );
        let error = Credentials::resolve(&args(&path, Some("one")))
            .err()
            .unwrap();
        assert!(
            error
                .message()
                .starts_with("no API secret: give --api-secret, set "),
            "{}",
            error.message()
        );
        assert!(
            error.message().contains("profile `one` of"),
            "{}",
            error.message()
        );
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn an_account_is_asked_for_only_when_requests_carry_one() {
        let path = config_file("account", "[profiles.one]\napi_secret = \"s3cret\"\n");
        let resolved = Credentials::resolve(&args(&path, Some("one")));
        std::fs::remove_file(path).unwrap();
        if HAS_ACCOUNT {
            let error = resolved.err().unwrap();
            assert!(
                error
                    .message()
                    .starts_with("no account: give --account, set "),
                "{}",
                error.message()
            );
        } else {
            assert_eq!(resolved.ok().map(|c| c.account).as_deref(), Some(""));
        }
    }

    #[test]
    fn a_bad_config_file_is_refused_with_its_line_and_without_the_secret() {
        let path = config_file(
            "bad",
            "[profiles.one]\napi_secret = \"hush-hush\"\naccuont = \"acc\"\n",
        );
        let error = Credentials::resolve(&args(&path, Some("one")))
            .err()
            .unwrap();
        let message = error.message();
        assert!(message.contains("unknown field `accuont`"), "{message}");
        assert!(message.contains("(line 3, column 1)"), "{message}");
        assert!(!message.contains("hush-hush"), "{message}");
        std::fs::remove_file(path).unwrap();
    }
}
