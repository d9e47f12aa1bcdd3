//! The names that are taken before a spec is read: the methods of the runtime's types that
//! operations add methods to, and the commands and flags the command-line tool has of its own.
//! All but the language's own (the methods of the standard traits, clap's `help`) are read
//! from the runtime's outlines (see [`crate::runtime::outline`]), so a new runtime method is
//! taken as soon as it is written.
//!
//! The checker renames an operation whose names are taken; the tool's emitter renames a flag.

use std::sync::LazyLock;

use heck::ToKebabCase;

use crate::outline::{Item, Kind};
use crate::runtime::{self, CLI_FILES, CLI_RUNTIME_DIR, FILES, RUNTIME_DIR};

/// The runtime types an operation adds a method to: `Client` (the call, and a paged
/// operation's `_stream` and `_all`) in `operations.rs`, and `MockApi` (the mock's entry
/// point) in `mock_operations.rs`.
pub const OPERATION_HOLDERS: [&str; 2] = ["Client", "MockApi"];

/// The owner of the tool's own names, beside [`OPERATION_HOLDERS`].
pub const TOOL: &str = "the tool";

/// The subcommands every tool has of its own: those its `commands.rs` declares beside the
/// operations' (`webhooks` only for an API with webhooks), and clap's `help`.
pub const TOOL_COMMANDS: [&str; 3] = ["webhooks", "completions", "help"];

/// The flags an operation's subcommand has besides its payload's: clap's `--help`, and
/// `--all` of a paged operation (both from the emitter); the rest are read from the runtime.
const EMITTED_FLAGS: [&str; 2] = ["help", "all"];

/// The runtime's argument struct that every operation's subcommand flattens into its own.
pub const FLATTENED_ARGS: &str = "BodyArgs";

/// The methods of the standard traits that every type has (blanket implementations: `true`),
/// and of those a type may derive or implement. An inherent method of the same name would be
/// called instead of the trait's, by users and by the generated code.
const TRAIT_METHODS: &[(&str, bool, &[&str])] = &[
    ("Any", true, &["type_id"]),
    ("Borrow", true, &["borrow"]),
    ("BorrowMut", true, &["borrow_mut"]),
    ("From", true, &["from"]),
    ("Into", true, &["into"]),
    ("TryFrom", true, &["try_from"]),
    ("TryInto", true, &["try_into"]),
    ("Clone", false, &["clone", "clone_from"]),
    ("ToOwned", false, &["to_owned", "clone_into"]),
    ("Debug", false, &["fmt"]),
    ("Display", false, &["fmt"]),
    ("ToString", false, &["to_string"]),
    ("Default", false, &["default"]),
    ("PartialEq", false, &["eq", "ne"]),
    ("Hash", false, &["hash"]),
    ("Drop", false, &["drop"]),
];

/// The traits a type has because it implements another: `Clone` types are `ToOwned`,
/// `Display` ones `ToString`.
const IMPLIED_TRAITS: &[(&str, &str)] = &[("Clone", "ToOwned"), ("Display", "ToString")];

/// A name taken on a type or in the tool, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    /// `Client`, `MockApi`, or `the tool`.
    pub owner: &'static str,
    pub name: String,
    /// What has it, for messages and docs: ``taken by the runtime's `pub fn verify(&self)
    /// -> ...` ``.
    pub by: String,
    /// The runtime file that has it, if one does: `codegen/client-runtime/src/mock.rs`.
    pub file: Option<String>,
}

/// Every method name taken on each of [`OPERATION_HOLDERS`], then the tool's commands.
pub fn all() -> &'static [Taken] {
    static ALL: LazyLock<Vec<Taken>> = LazyLock::new(|| {
        let mut taken: Vec<Taken> = OPERATION_HOLDERS.into_iter().flat_map(methods_of).collect();
        taken.extend(TOOL_COMMANDS.iter().map(|command| Taken {
            owner: TOOL,
            name: (*command).to_owned(),
            by: format!("taken by the tool's own `{command}` command"),
            file: None,
        }));
        taken
    });
    &ALL
}

/// What takes `name` on `owner` (a type, or `the tool` for a command), if anything does.
pub fn taken(owner: &str, name: &str) -> Option<&'static Taken> {
    all()
        .iter()
        .find(|taken| taken.owner == owner && taken.name == name)
}

/// The long flags every operation's subcommand has (without `--`): clap's, the emitter's,
/// the runtime's global options and its flattened body arguments.
pub fn tool_flags() -> &'static [String] {
    static FLAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut flags: Vec<String> = EMITTED_FLAGS
            .iter()
            .map(|flag| (*flag).to_owned())
            .collect();
        for file in CLI_FILES {
            for item in runtime::outline(CLI_RUNTIME_DIR, file.module.path) {
                if item.kind != Kind::Struct {
                    continue;
                }
                let flattened = item.name == FLATTENED_ARGS;
                for field in item.children.iter() {
                    if let Some(flag) = long_flag(field, flattened) {
                        flags.push(flag);
                    }
                }
            }
        }
        flags.sort();
        flags.dedup();
        flags
    });
    &FLAGS
}

/// The methods the runtime gives `type_name`: its inherent methods, of any visibility (two
/// definitions of one name do not compile), and those of the traits it derives or implements.
fn methods_of(type_name: &'static str) -> Vec<Taken> {
    let mut taken = Vec::new();
    let mut traits: Vec<String> = Vec::new();
    for file in FILES {
        let path = file.module.path;
        for item in runtime::outline(RUNTIME_DIR, path) {
            if item.kind == Kind::Struct && item.name == type_name {
                traits.extend(item.derives.iter().map(|name| last_segment(name)));
            }
            if item.kind != Kind::Impl || item.name != type_name {
                continue;
            }
            if !item.of_trait.is_empty() {
                traits.push(last_segment(&item.of_trait));
                continue;
            }
            for method in item
                .children
                .iter()
                .filter(|member| member.kind == Kind::Fn)
            {
                taken.push(Taken {
                    owner: type_name,
                    name: method.name.to_string(),
                    by: format!("taken by the runtime's `{}`", method.signature),
                    file: Some(format!("{RUNTIME_DIR}/{path}")),
                });
            }
        }
    }
    for (implied_by, implied) in IMPLIED_TRAITS {
        if traits.iter().any(|name| name == implied_by) {
            traits.push((*implied).to_owned());
        }
    }
    for (trait_name, blanket, methods) in TRAIT_METHODS {
        if !blanket && !traits.iter().any(|name| name == trait_name) {
            continue;
        }
        for method in *methods {
            if taken.iter().any(|taken| taken.name == *method) {
                continue;
            }
            let by = if *blanket {
                format!("taken by `{trait_name}::{method}`, which every type has")
            } else {
                format!("taken by `{trait_name}::{method}`, which `{type_name}` has")
            };
            taken.push(Taken {
                owner: type_name,
                name: (*method).to_owned(),
                by,
                file: None,
            });
        }
    }
    taken
}

/// The long flag of a clap argument field: `--name` for `#[arg(long)]` (the field's name in
/// kebab case) or `#[arg(long = "name")]`; only global ones, unless `all` (the fields of a
/// flattened struct).
fn long_flag(field: &Item, all: bool) -> Option<String> {
    let attribute: syn::Attribute = syn::parse_str::<AttributeText>(&field.attributes)
        .ok()?
        .0
        .into_iter()
        .find(|attribute| attribute.path().is_ident("arg"))?;
    let mut long = None;
    let mut global = false;
    let _ = attribute.parse_nested_meta(|meta| {
        if meta.path.is_ident("long") {
            long = Some(match meta.value() {
                Ok(value) => value.parse::<syn::LitStr>()?.value(),
                Err(_) => field.name.to_kebab_case(),
            });
        } else if meta.path.is_ident("global") {
            global = meta.value()?.parse::<syn::LitBool>()?.value;
        } else if meta.input.peek(syn::Token![=]) {
            // Another setting's value (`env = ENV_X`, `value_name = "N"`): skip it.
            meta.value()?.parse::<syn::Expr>()?;
        }
        Ok(())
    });
    long.filter(|_| global || all)
}

/// A field's attributes as the outline keeps them, one after the other.
struct AttributeText(Vec<syn::Attribute>);

impl syn::parse::Parse for AttributeText {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        syn::Attribute::parse_outer(input).map(AttributeText)
    }
}

fn last_segment(path: &str) -> String {
    path.rsplit("::").next().unwrap_or(path).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_s_methods_are_taken_on_their_types() {
        for (owner, name) in [
            ("Client", "builder"),
            ("Client", "call_raw"),
            ("Client", "call"),
            ("Client", "signed_request"),
            ("Client", "clone"),
            ("Client", "fmt"),
            ("Client", "into"),
            ("MockApi", "verify"),
            ("MockApi", "start"),
            ("MockApi", "client"),
            ("MockApi", "operation"),
            (TOOL, "completions"),
        ] {
            assert!(taken(owner, name).is_some(), "{owner}::{name} is not taken");
        }
        assert!(taken("Client", "verify").is_none());
        assert!(taken("MockApi", "call_raw").is_none());
        let verify = taken("MockApi", "verify").expect("taken");
        assert!(
            verify.file.as_deref() == Some("codegen/client-runtime/src/mock.rs")
                && verify.by.contains("pub fn verify"),
            "{}",
            verify.by
        );
    }

    #[test]
    fn the_tool_s_flags_are_read_from_its_runtime() {
        let flags = tool_flags();
        for flag in [
            "help",
            "all",
            "body",
            "body-file",
            "profile",
            "config",
            "account",
            "api-key",
            "api-secret",
            "base-url",
            "first-page",
            "timeout",
            "compact",
            "verbose",
        ] {
            assert!(
                flags.iter().any(|taken| taken == flag),
                "--{flag}: {flags:?}"
            );
        }
        // `webhooks listen`'s own options are not global: a payload field may take them.
        assert!(!flags.iter().any(|taken| taken == "listen"), "{flags:?}");
    }
}
