//! The Markdown templates beside the runtimes (`codegen/client-runtime/templates/`,
//! `codegen/cli-runtime/templates/`): the generated crates' docs, READMEs and manifests, with
//! named slots that the emitters fill from [`super::template_view`]. Embedded like the runtime
//! files, and compiled once.
//!
//! Whitespace is Jinja's default: a template's final newline is dropped, so that a
//! `{% include %}` works in the middle of a sentence as on a line of its own, and tags that
//! should leave no line behind say so with `{%-`.

use std::sync::LazyLock;

use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, State, UndefinedBehavior};

/// `template!("client-runtime", "client", "lib.md")`: the template's name, under the runtime's
/// short name (`client/lib.md`), and its text.
macro_rules! template {
    ($runtime:literal, $short:literal, $path:literal) => {
        (
            concat!($short, "/", $path),
            include_str!(concat!("../../", $runtime, "/templates/", $path)),
        )
    };
}

/// Every template, by name: `client/…` from the client runtime's folder, `cli/…` from the
/// tools'. A template includes another by its name.
const TEMPLATES: &[(&str, &str)] = &[
    template!("client-runtime", "client", "Cargo.toml"),
    template!("client-runtime", "client", "docs/all.md"),
    template!("client-runtime", "client", "docs/mock-operation.md"),
    template!("client-runtime", "client", "docs/operation.md"),
    template!("client-runtime", "client", "docs/stream.md"),
    template!("client-runtime", "client", "docs/with-url.md"),
    template!("client-runtime", "client", "facts/errors.md"),
    template!("client-runtime", "client", "facts/redirects.md"),
    template!("client-runtime", "client", "facts/retries.md"),
    template!("client-runtime", "client", "facts/tls-features.md"),
    template!("client-runtime", "client", "lib.md"),
    template!("client-runtime", "client", "README.md"),
    template!("client-runtime", "client", "testing.md"),
    template!("cli-runtime", "cli", "Cargo.toml"),
    template!("cli-runtime", "cli", "docs/commands.md"),
    template!("cli-runtime", "cli", "docs/main.md"),
    template!("cli-runtime", "cli", "facts/exit-codes.md"),
    template!("cli-runtime", "cli", "README.md"),
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut environment = Environment::new();
    // A slot the view does not fill is a mistake in the template, not an empty string.
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.add_filter("toml", toml_filter);
    environment.add_filter("item", item);
    for (name, source) in TEMPLATES {
        environment
            .add_template(name, source)
            .unwrap_or_else(|error| panic!("internal error: the template {name}: {error:#}"));
    }
    environment
});

/// The text of template `name` with the slots of `context` (see [`super::template_view`]).
///
/// The templates are part of the generator, embedded when it is built, and every one of them
/// is rendered for each test spec: a failure here is a mistake in a template (a slot the view
/// lacks), never in a spec, so it is reported as an internal error.
pub fn render(name: &str, context: Value) -> String {
    ENVIRONMENT
        .get_template(name)
        .and_then(|template| template.render(context))
        .unwrap_or_else(|error| panic!("internal error: the template {name}: {error:#}"))
}

/// `{{ text|toml }}`: a TOML basic string; `{{ list|toml }}`, an array of them.
fn toml_filter(value: Value) -> Result<String, Error> {
    if let Some(text) = value.as_str() {
        return Ok(toml_string(text));
    }
    let items = value
        .try_iter()?
        .map(toml_filter)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("[{}]", items.join(", ")))
}

/// A TOML basic string.
pub(crate) fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// `{{ "Client::clock"|item }}`: an item of the crate's API, as a link where rustdoc reads the
/// text (a view whose `rustdoc` is true) and as code elsewhere (a README on crates.io).
/// `{{ "clock"|item("Client::clock") }}` shows another text than the path.
fn item(state: &State, path: &str, target: Option<&str>) -> Result<String, Error> {
    let rustdoc = state
        .lookup("rustdoc")
        .ok_or_else(|| Error::new(ErrorKind::UndefinedError, "the view has no `rustdoc`"))?;
    Ok(match (rustdoc.is_true(), target) {
        (true, None) => format!("[`{path}`]"),
        (true, Some(target)) => format!("[`{path}`]({target})"),
        (false, _) => format!("`{path}`"),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every file of the runtimes' `templates/` folders is embedded: none is left behind.
    #[test]
    fn every_template_file_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut found = Vec::new();
        for (runtime, short) in [("client-runtime", "client"), ("cli-runtime", "cli")] {
            let templates = root.join(runtime).join("templates");
            let mut folders = vec![templates.clone()];
            while let Some(folder) = folders.pop() {
                for entry in std::fs::read_dir(&folder).expect("the folder is listed") {
                    let path = entry.expect("an entry").path();
                    if path.is_dir() {
                        folders.push(path);
                    } else {
                        let relative = path.strip_prefix(&templates).expect("under templates");
                        found.push(format!("{short}/{}", relative.display()));
                    }
                }
            }
        }
        found.sort();
        let mut listed: Vec<String> = super::TEMPLATES
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
        listed.sort();
        assert_eq!(found, listed);
    }
}
