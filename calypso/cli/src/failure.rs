// Copied by `cargo xtask codegen` from codegen/cli-runtime/src/failure.rs. Do not edit: change that file and regenerate.

//! How a command fails: a message for stderr and an exit code that says what kind of
//! failure it was, so that scripts can tell them apart.

use std::process::ExitCode;

/// The exit codes, for `--help`.
pub(crate) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the API answered with an error (its code, message and trace id on stderr)
  2  bad usage: a flag, the payload, the credentials or the config file
  3  no answer: the request could not be sent or the response did not arrive whole
  4  the API answered with success, but with a body that is not JSON or too large
  5  a webhook was refused: its key or signature does not check out, or it is no webhook
  6  the tool's own work failed: a port could not be bound, output could not be written";

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What kind of failure, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Api = 1,
    Usage = 2,
    Transport = 3,
    Response = 4,
    #[allow(dead_code)] // Made by webhooks.rs, which tools of APIs without webhooks lack.
    Webhook = 5,
    Local = 6,
}

/// A failed command.
#[derive(Debug)]
pub(crate) struct Failure {
    kind: Kind,
    message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Kind::Usage, message)
    }

    pub(crate) fn local(message: impl Into<String>) -> Self {
        Self::new(Kind::Local, message)
    }

    pub(crate) fn new(kind: Kind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A failed call of `operation_id`, by what the client says went wrong.
    pub(crate) fn call(operation_id: &str, error: &client::Error) -> Self {
        use client::Error;
        let kind = match error {
            Error::Api(_) | Error::UnexpectedStatus { .. } | Error::Redirect { .. } => Kind::Api,
            Error::Transport(_) | Error::ResponseBody { .. } => Kind::Transport,
            Error::Decode { .. } | Error::ResponseTooLarge { .. } => Kind::Response,
            _ => Kind::Usage,
        };
        let mut message = format!("{operation_id}: {error}");
        if let Some(api) = error.api_error() {
            // The error body's own properties (code, message, trace id), one per line.
            if let Ok(serde_json::Value::Object(body)) = serde_json::to_value(&api.body) {
                message = format!(
                    "{operation_id}: the API refused the request with HTTP {}",
                    api.status
                );
                for (name, value) in body {
                    let value = match value {
                        serde_json::Value::String(text) => text,
                        other => other.to_string(),
                    };
                    message.push_str(&format!("\n  {name}: {value}"));
                }
            }
        }
        if kind == Kind::Transport && !error.request_may_have_reached_server() {
            message.push_str("\n  (nothing reached the server)");
        } else if kind == Kind::Transport {
            message.push_str(
                "\n  (the request may have reached the server: check before repeating a change)",
            );
        }
        Self::new(kind, message)
    }

    #[cfg(test)]
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Prints the message on stderr and returns the exit code.
    pub(crate) fn exit(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        ExitCode::from(self.kind as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_code_listed_in_the_help() {
        let kinds = [
            Kind::Api,
            Kind::Usage,
            Kind::Transport,
            Kind::Response,
            Kind::Webhook,
            Kind::Local,
        ];
        for kind in kinds {
            let code = kind as u8;
            assert!(
                EXIT_CODES_HELP.contains(&format!("\n  {code}  ")),
                "{kind:?}"
            );
            assert_eq!(
                kinds.iter().filter(|other| **other as u8 == code).count(),
                1
            );
        }
    }

    #[test]
    fn an_encoding_error_is_the_user_s_and_a_refused_connection_sent_nothing() {
        let error = client::Error::Encode(serde_json::from_str::<u8>("x").unwrap_err());
        assert_eq!(Failure::call("getThing", &error).kind(), Kind::Usage);
        let unknown = client::Error::UnknownOperation("nope".to_owned());
        let failure = Failure::call("nope", &unknown);
        assert_eq!(failure.kind(), Kind::Usage);
        assert_eq!(failure.message(), "nope: the API has no operation `nope`");
    }
}
