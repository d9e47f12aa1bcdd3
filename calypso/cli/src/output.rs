// Copied by `cargo xtask codegen` from codegen/cli-runtime/src/output.rs. Do not edit: change that file and regenerate.

//! What the tool prints on stdout: JSON as the server sent it, indented or on one line.
//!
//! The layout changes only whitespace between tokens, so numbers keep the exact digits
//! they were sent with: nothing passes through `f64`. (serde_json keeps them only with its
//! `arbitrary_precision` feature, which would change how the client reads numbers.)

use std::io::Write;

use crate::failure::Failure;

/// How JSON is laid out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    compact: bool,
}

impl Output {
    pub(crate) fn new(compact: bool) -> Self {
        Self { compact }
    }

    /// Prints one JSON document, laid out as asked.
    pub(crate) fn json(&self, json: &str) -> Result<(), Failure> {
        let mut text = if self.compact {
            layout(json, None)
        } else {
            layout(json, Some("  "))
        };
        text.push('\n');
        write_stdout(text.as_bytes())
    }
}

/// Writes to stdout and flushes, so that a reader sees each item as it comes. A closed
/// pipe (`| head`) ends the program quietly and successfully: the reader has what it wants.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(error) => Err(Failure::local(format!("cannot write to stdout: {error}"))),
    }
}

/// `json` with its whitespace between tokens replaced: each value of an object or array on
/// its own line under `indent`, or with none at all. Everything else, strings and numbers
/// included, is copied as it is. `json` must be valid JSON (a `RawValue`'s text).
pub(crate) fn layout(json: &str, indent: Option<&str>) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        if let Some(indent) = indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(indent);
            }
        }
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            ' ' | '\t' | '\n' | '\r' => {}
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|next| next.is_ascii_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                if !out.ends_with(['{', '[']) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => {
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = r#" {"amount": 125.50000000000000000001, "big":12345678901234567890123,
        "text":"a \"quoted\" {brace}, [bracket]: \\", "empty":{}, "none": [ ],
        "list":[1,{"x":null}], "e":1E+400 } "#;

    #[test]
    fn pretty_output_indents_and_keeps_every_token_as_sent() {
        assert_eq!(
            layout(SENT, Some("  ")),
            r#"{
  "amount": 125.50000000000000000001,
  "big": 12345678901234567890123,
  "text": "a \"quoted\" {brace}, [bracket]: \\",
  "empty": {},
  "none": [],
  "list": [
    1,
    {
      "x": null
    }
  ],
  "e": 1E+400
}"#
        );
    }

    #[test]
    fn compact_output_is_one_line_with_the_same_tokens() {
        let compact = layout(SENT, None);
        assert_eq!(
            compact,
            r#"{"amount":125.50000000000000000001,"big":12345678901234567890123,"text":"a \"quoted\" {brace}, [bracket]: \\","empty":{},"none":[],"list":[1,{"x":null}],"e":1E+400}"#
        );
        // The same document as sent, by a reader that keeps numbers as text.
        let sent: Box<serde_json::value::RawValue> = serde_json::from_str(SENT).unwrap();
        let pretty = layout(SENT, Some("\t"));
        let reread: Box<serde_json::value::RawValue> = serde_json::from_str(&pretty).unwrap();
        assert_eq!(layout(reread.get(), None), layout(sent.get(), None));
    }

    #[test]
    fn scalars_and_unicode_pass_through() {
        assert_eq!(layout(" \"ünï \\u00e9\" ", Some("  ")), "\"ünï \\u00e9\"");
        assert_eq!(layout("-0.0e-7", Some("  ")), "-0.0e-7");
        assert_eq!(layout("[ \"x\" ]", Some("  ")), "[\n  \"x\"\n]");
    }
}
