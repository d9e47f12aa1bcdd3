//! The items of a generated crate, walked from its code: what [`super::between`] compares.
//!
//! The emitted files are read from the syntax trees the emitters made (with the spec paths they
//! recorded), the runtime's copies from their outlines (see [`crate::runtime::outline`]). The
//! walk follows the crate's modules from its root. An item is public when public modules or
//! re-exports reach it, and is then named by the shortest path that does; every other item is
//! listed as crate-private, so that any change to the code is some item's change.

use std::collections::HashMap;

use crate::emit::CrateCode;
use crate::outline::{self, Kind as Outlined, Visibility};
use crate::runtime::{self, RUNTIME_DIR};

/// What kind of item it is, in the words a change names it by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Package,
    Module,
    ReExport,
    Constant,
    Static,
    Struct,
    Field,
    Enum,
    Variant,
    Union,
    Function,
    Method,
    TypeAlias,
    Trait,
    TraitImpl,
    Macro,
}

/// The namespace of types, modules and variants: where a member's parent is.
const TYPES: u8 = 4;

impl Kind {
    /// Rust's namespaces: a field, a method and a type may share a path.
    pub(super) fn namespace(self) -> u8 {
        match self {
            Kind::Field => 0,
            Kind::Constant | Kind::Static | Kind::Function | Kind::Method | Kind::Macro => 1,
            Kind::TraitImpl => 2,
            Kind::Package => 3,
            _ => TYPES,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Kind::Package => "package",
            Kind::Module => "module",
            Kind::ReExport => "re-export",
            Kind::Constant => "constant",
            Kind::Static => "static",
            Kind::Struct => "struct",
            Kind::Field => "field",
            Kind::Enum => "enum",
            Kind::Variant => "variant",
            Kind::Union => "union",
            Kind::Function => "function",
            Kind::Method => "method",
            Kind::TypeAlias => "type alias",
            Kind::Trait => "trait",
            Kind::TraitImpl => "trait impl",
            Kind::Macro => "macro",
        }
    }
}

/// One item of the crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Item {
    /// Its path from the crate root, as users write it when it is public: `types::Widget::name`,
    /// `Client::get_widget`; a trait impl's is `impl Default for types::Widget`.
    pub path: String,
    pub kind: Kind,
    /// Whether code outside the crate can name it.
    pub public: bool,
    /// The item it comes and goes with (a field's struct, a method's or trait impl's type).
    pub parent: Option<String>,
    /// The trait a trait impl implements (`Default`); its type is its parent.
    pub of_trait: Option<String>,
    pub signature: String,
    pub deprecated: bool,
    pub doc: String,
    /// Its attributes but docs (serde's, mostly): what it means on the wire.
    pub wire: String,
    /// What it does: its body or value, or its members' order.
    pub code: String,
    /// The spec path it comes from, or the runtime file it is copied from.
    pub spec_path: String,
}

impl Item {
    /// How a change names it: ``field `types::Widget::name` ``.
    pub(super) fn name(&self) -> String {
        let private = if self.public { "" } else { "crate-private " };
        match self.kind {
            Kind::Package => "the crate".to_owned(),
            Kind::TraitImpl => format!("{private}`{}`", self.path),
            kind => format!("{private}{} `{}`", kind.word(), self.path),
        }
    }
}

/// One module of the crate, and its items' outlines.
struct Module<'a> {
    /// From the crate root, `::`-separated; the root's is empty.
    path: String,
    items: &'a [outline::Item],
    /// Whether public modules lead to it from the root.
    public: bool,
    spec_path: String,
}

/// An item found by the walk, before its public path and visibility are known.
struct Found {
    item: Item,
    /// Declared `pub`, or public as its parent is (an enum's variants).
    own: bool,
    /// For an item of a module: whether the module is public.
    in_public_module: bool,
}

/// Every item of `code`'s crate: public ones first, each group sorted by path.
pub(super) fn of(code: &CrateCode) -> Vec<Item> {
    let outlines: HashMap<&str, Vec<outline::Item>> = code
        .rust
        .iter()
        .map(|(path, file)| (path.as_str(), outline::of_file(file, true)))
        .collect();
    // A file's outline, and whether it is the runtime's.
    let file_items = |path: &str| -> Option<(&[outline::Item], bool)> {
        if let Some(items) = outlines.get(path) {
            return Some((items.as_slice(), false));
        }
        let copied = code.copies.iter().any(|copy| copy.path == path);
        copied.then(|| (runtime::outline(RUNTIME_DIR, path), true))
    };
    let mut modules = vec![Module {
        path: String::new(),
        items: file_items("src/lib.rs").map_or(&[], |(items, _)| items),
        public: true,
        spec_path: "(the crate root)".to_owned(),
    }];
    add_submodules(&mut modules, 0, "src", &file_items);

    let mut found = vec![Found {
        item: package(code),
        own: true,
        in_public_module: true,
    }];
    for module in &modules {
        found.extend(module_items(module));
    }
    let reexported = reexports(&modules);
    found.extend(impls(&modules, &found));
    finish(found, &reexported)
}

/// Adds the submodules of `modules[at]`, whose files are under `folder`, depth first.
fn add_submodules<'a>(
    modules: &mut Vec<Module<'a>>,
    at: usize,
    folder: &str,
    file_items: &impl Fn(&str) -> Option<(&'a [outline::Item], bool)>,
) {
    let (parent, public, spec_path) = (
        modules[at].path.clone(),
        modules[at].public,
        modules[at].spec_path.clone(),
    );
    let declarations: Vec<&'a outline::Item> = modules[at]
        .items
        .iter()
        .filter(|item| item.kind == Outlined::Module)
        .collect();
    for declaration in declarations {
        let name = declaration.name.as_ref();
        let file = format!("{folder}/{name}.rs");
        let (items, spec_path) = if declaration.children.is_empty() {
            let Some((items, copied)) = file_items(&file) else {
                continue;
            };
            // The runtime's files say where they come from, not what in the spec made them.
            let origin = if copied {
                format!("the runtime's {file}")
            } else {
                spec_path_or(declaration, &spec_path)
            };
            (items, origin)
        } else {
            (
                &*declaration.children,
                spec_path_or(declaration, &spec_path),
            )
        };
        modules.push(Module {
            path: join(&parent, name),
            items,
            public: public && declaration.visibility == Visibility::Public,
            spec_path,
        });
        let child = modules.len() - 1;
        add_submodules(modules, child, &format!("{folder}/{name}"), file_items);
    }
}

/// The module itself (but the root), and the items it defines with their members.
fn module_items(module: &Module<'_>) -> Vec<Found> {
    let mut found = Vec::new();
    if !module.path.is_empty() {
        let names: Vec<&str> = module.items.iter().map(|item| item.name.as_ref()).collect();
        found.push(Found {
            item: Item {
                code: names.join(", "),
                ..bare(Kind::Module, &module.path, &module.spec_path)
            },
            own: true,
            in_public_module: module.public,
        });
    }
    for item in module.items.iter() {
        let kind = match item.kind {
            Outlined::Const => Kind::Constant,
            Outlined::Static => Kind::Static,
            Outlined::Struct => Kind::Struct,
            Outlined::Enum => Kind::Enum,
            Outlined::Union => Kind::Union,
            Outlined::Fn => Kind::Function,
            Outlined::Type => Kind::TypeAlias,
            Outlined::Trait => Kind::Trait,
            Outlined::Macro => Kind::Macro,
            Outlined::Module | Outlined::Use | Outlined::Impl => continue,
            Outlined::Field | Outlined::Variant => continue,
        };
        let path = join(&module.path, &item.name);
        let own = item.visibility == Visibility::Public;
        let first = found.len();
        defined(&mut found, item, kind, &path, own, None, &module.spec_path);
        found[first].in_public_module = module.public;
    }
    found
}

/// An item, its members (fields, variants and theirs) and its derived traits.
fn defined(
    found: &mut Vec<Found>,
    item: &outline::Item,
    kind: Kind,
    path: &str,
    own: bool,
    parent: Option<&str>,
    inherited_spec: &str,
) {
    let spec_path = spec_path_or(item, inherited_spec);
    found.push(Found {
        item: Item {
            parent: parent.map(str::to_owned),
            ..from_outline(item, kind, path, &spec_path)
        },
        own,
        in_public_module: false,
    });
    for member in item.children.iter() {
        let (member_kind, member_own) = match member.kind {
            // A variant's fields are as public as the variant.
            Outlined::Field => (
                Kind::Field,
                member.visibility == Visibility::Public || kind == Kind::Variant,
            ),
            Outlined::Variant => (Kind::Variant, true),
            _ => continue,
        };
        let member_path = join(path, &member.name);
        defined(
            found,
            member,
            member_kind,
            &member_path,
            member_own,
            Some(path),
            &spec_path,
        );
    }
    for derived in item.derives.iter() {
        found.push(Found {
            item: trait_impl(derived, path, &spec_path),
            own: true,
            in_public_module: false,
        });
    }
}

/// The public paths that the `pub use` items of public modules give items of the crate, by
/// the items' defined paths; and the re-exports of other crates' items.
fn reexports(modules: &[Module<'_>]) -> Reexports {
    let mut reexports = Reexports::default();
    for module in modules.iter().filter(|module| module.public) {
        let uses = module
            .items
            .iter()
            .filter(|item| item.kind == Outlined::Use && item.visibility == Visibility::Public);
        for item in uses {
            for (target, alias) in use_leaves(&item.name) {
                let Some(last) = target.last() else { continue };
                let local = alias.clone().unwrap_or_else(|| last.clone());
                match resolve(modules, &module.path, &target, 0) {
                    None => reexports.external.push(Item {
                        signature: item.signature.to_string(),
                        ..bare(
                            Kind::ReExport,
                            &join(&module.path, &local),
                            &spec_path_or(item, &module.spec_path),
                        )
                    }),
                    Some(Resolved::Glob(from)) => {
                        for name in public_names(modules, &from) {
                            reexports.add(&join(&from, &name), &join(&module.path, &name));
                        }
                    }
                    Some(Resolved::Item(defined)) => {
                        reexports.add(&defined, &join(&module.path, &local));
                    }
                }
            }
        }
    }
    reexports
}

#[derive(Default)]
struct Reexports {
    /// Defined path → the public paths re-exports give it.
    paths: HashMap<String, Vec<String>>,
    /// Other crates' items, re-exported.
    external: Vec<Item>,
}

impl Reexports {
    fn add(&mut self, defined: &str, public: &str) {
        self.paths
            .entry(defined.to_owned())
            .or_default()
            .push(public.to_owned());
    }

    /// Each re-exported item's shortest public path, longest defined paths first.
    fn shortest(&self) -> Vec<(String, String)> {
        let mut shortest: Vec<(String, String)> = self
            .paths
            .iter()
            .filter_map(|(defined, paths)| {
                let best = paths
                    .iter()
                    .min_by_key(|path| (path.matches("::").count(), path.as_str()))?;
                Some((defined.clone(), best.clone()))
            })
            .collect();
        shortest.sort_by_key(|(defined, _)| std::cmp::Reverse(defined.len()));
        shortest
    }
}

/// The methods of the crate's inherent impls, and its trait impls, wherever they are.
fn impls(modules: &[Module<'_>], found: &[Found]) -> Vec<Found> {
    let mut impls = Vec::new();
    for module in modules {
        for item in module
            .items
            .iter()
            .filter(|item| item.kind == Outlined::Impl)
        {
            let Some(type_path) = type_path(modules, module, found, &item.name) else {
                continue;
            };
            let spec_path = spec_path_or(item, &module.spec_path);
            if !item.of_trait.is_empty() {
                let code: Vec<&str> = item
                    .children
                    .iter()
                    .map(|member| member.body.as_ref())
                    .collect();
                impls.push(Found {
                    item: Item {
                        code: code.join("\n"),
                        ..trait_impl(&item.of_trait, &type_path, &spec_path)
                    },
                    own: true,
                    in_public_module: false,
                });
                continue;
            }
            for member in item.children.iter() {
                let kind = match member.kind {
                    Outlined::Fn => Kind::Method,
                    Outlined::Const => Kind::Constant,
                    Outlined::Type => Kind::TypeAlias,
                    _ => continue,
                };
                let path = join(&type_path, &member.name);
                impls.push(Found {
                    item: Item {
                        parent: Some(type_path.clone()),
                        ..from_outline(member, kind, &path, &spec_path_or(member, &spec_path))
                    },
                    own: member.visibility == Visibility::Public,
                    in_public_module: false,
                });
            }
        }
    }
    impls
}

/// The defined path of the type named `name` that an impl in `module` is for: the module's
/// own, else the one it imports, else the only one of that name.
fn type_path(
    modules: &[Module<'_>],
    module: &Module<'_>,
    found: &[Found],
    name: &str,
) -> Option<String> {
    let is_type = |path: &str| {
        found.iter().any(|found| {
            found.item.path == path
                && matches!(found.item.kind, Kind::Struct | Kind::Enum | Kind::Union)
        })
    };
    let here = join(&module.path, name);
    if is_type(&here) {
        return Some(here);
    }
    let imported = module
        .items
        .iter()
        .filter(|item| item.kind == Outlined::Use)
        .flat_map(|item| use_leaves(&item.name))
        .find(|(target, alias)| {
            alias.as_deref().or(target.last().map(String::as_str)) == Some(name)
        })
        .and_then(
            |(target, _)| match resolve(modules, &module.path, &target, 0)? {
                Resolved::Item(path) => Some(path),
                Resolved::Glob(_) => None,
            },
        );
    if let Some(path) = imported.filter(|path| is_type(path)) {
        return Some(path);
    }
    let mut named = found.iter().filter(|found| {
        matches!(found.item.kind, Kind::Struct | Kind::Enum | Kind::Union)
            && found.item.path.rsplit("::").next() == Some(name)
    });
    match (named.next(), named.next()) {
        (Some(only), None) => Some(only.item.path.clone()),
        _ => None,
    }
}

/// Every item under the path users write, public or not as the modules and re-exports make
/// it, with the crate's type aliases spelled out in its signature: public ones first, each
/// group sorted by path, a type's trait impls after its members.
fn finish(found: Vec<Found>, reexports: &Reexports) -> Vec<Item> {
    // An item of a module is public when the module is, or a re-export names it; a member
    // (field, variant, method, trait impl) when its parent, a type, is.
    let mut public: HashMap<(String, u8), bool> = HashMap::new();
    for entry in &found {
        let path = &entry.item.path;
        let visible = match &entry.item.parent {
            None => (entry.own && entry.in_public_module) || reexports.paths.contains_key(path),
            Some(parent) => {
                entry.own
                    && public
                        .get(&(parent.clone(), TYPES))
                        .copied()
                        .unwrap_or(false)
            }
        };
        public.insert((path.clone(), entry.item.kind.namespace()), visible);
    }
    let aliases: Vec<(String, String)> = found
        .iter()
        .filter(|entry| entry.item.kind == Kind::TypeAlias && !entry.item.code.is_empty())
        .map(|entry| {
            let name = entry.item.path.rsplit("::").next().unwrap_or_default();
            (name.to_owned(), entry.item.code.clone())
        })
        .collect();
    let shortest = reexports.shortest();
    let rename = |path: &str| -> String {
        let renamed = shortest.iter().find_map(|(defined, public)| {
            let rest = path.strip_prefix(defined.as_str())?;
            (rest.is_empty() || rest.starts_with("::")).then(|| format!("{public}{rest}"))
        });
        renamed.unwrap_or_else(|| path.to_owned())
    };
    let mut items: Vec<Item> = found
        .into_iter()
        .map(|entry| {
            let mut item = entry.item;
            item.public = public
                .get(&(item.path.clone(), item.kind.namespace()))
                .copied()
                .unwrap_or(false);
            // A crate-private member of a public type is named by the type's public path too.
            item.parent = item.parent.map(|parent| rename(&parent));
            item.path = match (&item.of_trait, &item.parent) {
                (Some(trait_name), Some(type_path)) => impl_path(trait_name, type_path),
                _ => rename(&item.path),
            };
            if item.public {
                // What a public signature names through a crate-private alias is public too.
                for (alias, target) in &aliases {
                    item.signature = replace_word(&item.signature, alias, target);
                }
            }
            item
        })
        .chain(reexports.external.iter().cloned().map(|item| Item {
            public: true,
            ..item
        }))
        .collect();
    items.sort_by_cached_key(|item| (!item.public, sort_key(item)));
    items
}

/// By path, a type's trait impls after its members.
fn sort_key(item: &Item) -> String {
    match (&item.of_trait, &item.parent) {
        (Some(trait_name), Some(type_path)) => format!("{type_path}::\u{10FFFF}{trait_name}"),
        _ => item.path.clone(),
    }
}

/// `text` with each whole-word `word` replaced by `with`.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + word.len()..].chars().next();
        let whole =
            !before.is_some_and(is_word) && before != Some(':') && !after.is_some_and(is_word);
        out.push_str(&rest[..at]);
        out.push_str(if whole { with } else { word });
        rest = &rest[at + word.len()..];
    }
    out.push_str(rest);
    out
}

/// The crate: its name is part of every path users write; its manifest, its README and its
/// root's docs say what it is.
fn package(code: &CrateCode) -> Item {
    let text = |path: &str| {
        code.text
            .iter()
            .find(|file| file.path == path)
            .map(|file| file.contents.clone())
            .unwrap_or_default()
    };
    let manifest = text("Cargo.toml");
    let name = manifest
        .lines()
        .find_map(|line| line.strip_prefix("name = "))
        .unwrap_or_default()
        .trim_matches('"')
        .to_owned();
    let root_doc = code
        .rust
        .iter()
        .find(|(path, _)| path == "src/lib.rs")
        .map(|(_, file)| outline::inner_doc(file))
        .unwrap_or_default();
    Item {
        signature: format!("package {name} (`{}` in code)", name.replace('-', "_")),
        doc: format!("{root_doc}\n{}", text("README.md")),
        code: manifest,
        ..bare(Kind::Package, "crate", "x-rust-crate")
    }
}

/// The trait impl of `trait_name` for the type at `type_path`: its path is
/// `impl Default for types::Widget`.
fn trait_impl(trait_name: &str, type_path: &str, spec_path: &str) -> Item {
    Item {
        parent: Some(type_path.to_owned()),
        of_trait: Some(trait_name.to_owned()),
        ..bare(
            Kind::TraitImpl,
            &impl_path(trait_name, type_path),
            spec_path,
        )
    }
}

fn impl_path(trait_name: &str, type_path: &str) -> String {
    format!("impl {trait_name} for {type_path}")
}

fn bare(kind: Kind, path: &str, spec_path: &str) -> Item {
    Item {
        path: path.to_owned(),
        kind,
        public: false,
        parent: None,
        of_trait: None,
        signature: String::new(),
        deprecated: false,
        doc: String::new(),
        wire: String::new(),
        code: String::new(),
        spec_path: spec_path.to_owned(),
    }
}

fn from_outline(item: &outline::Item, kind: Kind, path: &str, spec_path: &str) -> Item {
    Item {
        signature: item.signature.to_string(),
        deprecated: item.deprecated,
        doc: item.doc.to_string(),
        wire: item.attributes.to_string(),
        code: item.body.to_string(),
        ..bare(kind, path, spec_path)
    }
}

/// The item's own spec path, else the one it inherits.
fn spec_path_or(item: &outline::Item, inherited: &str) -> String {
    if item.spec_path.is_empty() {
        inherited.to_owned()
    } else {
        item.spec_path.to_string()
    }
}

fn join(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_owned()
    } else {
        format!("{module}::{name}")
    }
}

/// The public items' names of the module at `path`.
fn public_names(modules: &[Module<'_>], path: &str) -> Vec<String> {
    modules
        .iter()
        .find(|module| module.path == path)
        .map(|module| {
            module
                .items
                .iter()
                .filter(|item| item.visibility == Visibility::Public)
                .filter(|item| !matches!(item.kind, Outlined::Impl | Outlined::Use))
                .map(|item| item.name.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// What a use path names in the crate.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// Every public item of this module (`client::*`).
    Glob(String),
    /// The item at this defined path.
    Item(String),
}

/// Each path a use tree (as the outline writes it) imports, with its alias:
/// `a::{b, c as d}` → `a::b`, `a::c` as `d`.
fn use_leaves(tree: &str) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(tree: &syn::UseTree, prefix: &[String], out: &mut Vec<(Vec<String>, Option<String>)>) {
        let with = |name: String| {
            let mut path = prefix.to_vec();
            path.push(name);
            path
        };
        match tree {
            syn::UseTree::Path(path) => walk(&path.tree, &with(path.ident.to_string()), out),
            syn::UseTree::Name(name) => out.push((with(name.ident.to_string()), None)),
            syn::UseTree::Rename(rename) => {
                out.push((
                    with(rename.ident.to_string()),
                    Some(rename.rename.to_string()),
                ));
            }
            syn::UseTree::Glob(_) => out.push((with("*".to_owned()), None)),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    walk(tree, prefix, out);
                }
            }
        }
    }
    let mut leaves = Vec::new();
    if let Ok(tree) = syn::parse_str::<syn::UseTree>(tree) {
        walk(&tree, &[], &mut leaves);
    }
    leaves
}

/// Where a use path from `module` leads in the crate, through the uses of the modules on the
/// way; `None` for another crate's.
fn resolve(
    modules: &[Module<'_>],
    module: &str,
    target: &[String],
    depth: usize,
) -> Option<Resolved> {
    let mut base: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_owned).collect()
    };
    let mut rest = target;
    match rest.first().map(String::as_str)? {
        "crate" => {
            base.clear();
            rest = &rest[1..];
        }
        "self" => rest = &rest[1..],
        "super" => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        first => {
            // A name of this module, else of the crate root (2018 paths), else another crate.
            if !names_in(modules, module, first) {
                if names_in(modules, "", first) {
                    base.clear();
                } else {
                    return None;
                }
            }
        }
    }
    let (last, within) = rest.split_last()?;
    let mut path = base;
    path.extend(within.iter().cloned());
    let from = path.join("::");
    if last == "*" {
        return Some(Resolved::Glob(from));
    }
    let module_path = join(&from, last);
    let source = modules.iter().find(|candidate| candidate.path == from)?;
    let defines = modules
        .iter()
        .any(|candidate| candidate.path == module_path)
        || source.items.iter().any(|item| {
            item.name == last.as_str() && !matches!(item.kind, Outlined::Use | Outlined::Impl)
        });
    if defines || depth > 8 {
        return Some(Resolved::Item(module_path));
    }
    // Imported into `from` by a use of its own: follow it.
    source
        .items
        .iter()
        .filter(|item| item.kind == Outlined::Use)
        .flat_map(|item| use_leaves(&item.name))
        .find(|(target, alias)| {
            alias.as_deref().or(target.last().map(String::as_str)) == Some(last)
        })
        .and_then(|(target, _)| resolve(modules, &from, &target, depth + 1))
        .or(Some(Resolved::Item(module_path)))
}

/// Whether the module at `module` has an item or a submodule named `name`.
fn names_in(modules: &[Module<'_>], module: &str, name: &str) -> bool {
    let path = join(module, name);
    modules.iter().any(|candidate| candidate.path == path)
        || modules
            .iter()
            .find(|candidate| candidate.path == module)
            .is_some_and(|candidate| {
                candidate
                    .items
                    .iter()
                    .any(|item| item.name == name && item.kind != Outlined::Impl)
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_use_path_leads_through_the_modules_uses_and_stops_at_another_crate() {
        let sources = [
            ("", "pub mod a; pub mod c; pub use a::b::Thing;"),
            (
                "a",
                "pub mod b; pub use self::b::Thing as Alias; use crate::c::Other; impl Other {}",
            ),
            ("a::b", "pub struct Thing; pub use super::super::c::Other;"),
            ("c", "pub struct Other; use std::fmt;"),
        ];
        let outlines: Vec<Vec<outline::Item>> = sources
            .iter()
            .map(|(_, source)| outline::of_file(&syn::parse_file(source).expect("Rust"), false))
            .collect();
        let modules: Vec<Module<'_>> = sources
            .iter()
            .zip(&outlines)
            .map(|((path, _), items)| Module {
                path: (*path).to_owned(),
                items,
                public: true,
                spec_path: String::new(),
            })
            .collect();
        let resolved = |module: &str, target: &str| {
            let target: Vec<String> = target.split("::").map(str::to_owned).collect();
            resolve(&modules, module, &target, 0)
        };
        let item = |path: &str| Some(Resolved::Item(path.to_owned()));
        assert_eq!(resolved("", "a::b::Thing"), item("a::b::Thing"));
        assert_eq!(resolved("", "a::Alias"), item("a::b::Thing"));
        assert_eq!(resolved("a::b", "super::super::c::Other"), item("c::Other"));
        // An impl of an imported type defines nothing: the use says where the type is.
        assert_eq!(resolved("", "a::Other"), item("c::Other"));
        assert_eq!(
            resolved("a", "b::*"),
            Some(Resolved::Glob("a::b".to_owned()))
        );
        // A path from the crate root, written in a module that has no item of that name.
        assert_eq!(resolved("c", "a::b::Thing"), item("a::b::Thing"));
        // Another crate's paths, from a module with items and uses of its own.
        assert_eq!(resolved("c", "std::fmt::Display"), None);
        assert_eq!(resolved("a", "serde::Serialize"), None);
    }

    #[test]
    fn only_a_whole_word_outside_a_path_is_replaced() {
        let signature = "fn f(a: Amount, b: AmountList, c: Vec<Amount>, d: types::Amount, e: my_Amount, f: Amount2) -> Amount";
        assert_eq!(
            replace_word(signature, "Amount", "Decimal"),
            "fn f(a: Decimal, b: AmountList, c: Vec<Decimal>, d: types::Amount, e: my_Amount, f: Amount2) -> Decimal"
        );
    }
}
