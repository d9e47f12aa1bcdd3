//! The outline of Rust code: each item's kind, name, visibility and signature, with its docs,
//! other attributes and body as text, nested (a struct's fields, an enum's variants, an impl's
//! members, an inline module's items).
//!
//! Two things read it: the checker, for the names the runtime's types already have, and the
//! API change report, which compares the outlines of two generated crates. The runtime's files
//! are outlined when codegen is built (`build.rs` includes this file), the emitted ones when a
//! report needs them, from the same syntax trees that are printed.

use std::borrow::Cow;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;

/// Text of an outline: borrowed in the runtime's outlines, which are static.
pub type Text = Cow<'static, str>;

/// The attribute with which an emitter records the spec path an item comes from:
/// `#[spec_path = "components.schemas.Widget"]`. Read into the outline, and removed before
/// the code is printed.
pub const SPEC_PATH_ATTRIBUTE: &str = "spec_path";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Module,
    Use,
    Const,
    Static,
    Struct,
    Enum,
    Union,
    Fn,
    Type,
    Trait,
    Impl,
    Field,
    Variant,
    Macro,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// `pub`.
    Public,
    /// `pub(crate)`, `pub(super)`, `pub(in ...)`.
    Restricted,
    /// None written: private, or (for a variant, or a trait impl's member) as its parent.
    Inherited,
}

/// One item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    /// Its name; an impl's is its self type's last segment (`Client`), a use's the tree it
    /// imports (`client::*`), a tuple field's its index.
    pub name: Text,
    /// The trait an impl implements (`Default`, `serde::Serialize`), else empty.
    pub of_trait: Text,
    pub visibility: Visibility,
    /// The item as code that uses it sees it, on one line: no docs, no body.
    pub signature: Text,
    pub deprecated: bool,
    /// The traits of its `#[derive(...)]`.
    pub derives: Cow<'static, [Text]>,
    pub doc: Text,
    /// Its other attributes (serde's, `cfg`, ...): what it means on the wire, mostly.
    pub attributes: Text,
    /// What it does or holds: a function's body, a constant's value, an inline module's or a
    /// container's order of members. Empty in the runtime's outlines.
    pub body: Text,
    /// `#[spec_path]`, as the emitter wrote it; empty where it wrote none.
    pub spec_path: Text,
    pub children: Cow<'static, [Item]>,
}

/// The outline of a file's items. `with_text`: keep docs and bodies (the runtime's outlines
/// leave them out: they never differ between two crates of one generator).
pub fn of_file(file: &syn::File, with_text: bool) -> Vec<Item> {
    file.items
        .iter()
        .filter_map(|item| of_item(item, with_text))
        .collect()
}

/// The file's own docs (`//!`), one line each.
pub fn inner_doc(file: &syn::File) -> String {
    doc_lines(&file.attrs).join("\n")
}

fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(line),
                        ..
                    }),
                ..
            }) => Some(line.value()),
            _ => None,
        })
        .collect()
}

fn of_item(item: &syn::Item, with_text: bool) -> Option<Item> {
    if is_test_only(item) {
        return None;
    }
    let text = |tokens: &dyn ToTokens| text_if(with_text, tokens);
    let value = |tokens: &dyn ToTokens| value_if(with_text, tokens);
    let head = match item {
        syn::Item::Const(c) => {
            let (vis, ident, ty) = (&c.vis, &c.ident, &c.ty);
            Head::new(
                Kind::Const,
                ident,
                vis,
                &c.attrs,
                quote::quote!(#vis const #ident: #ty),
            )
            .body(value(&c.expr))
        }
        syn::Item::Static(s) => {
            let (vis, mutability, ident, ty) = (&s.vis, &s.mutability, &s.ident, &s.ty);
            let tokens = quote::quote!(#vis static #mutability #ident: #ty);
            Head::new(Kind::Static, ident, vis, &s.attrs, tokens).body(value(&s.expr))
        }
        syn::Item::Struct(s) => {
            let (vis, ident, generics) = (&s.vis, &s.ident, &s.generics);
            let tokens = quote::quote!(#vis struct #ident #generics);
            let fields = fields(&s.fields, with_text);
            Head::new(Kind::Struct, ident, vis, &s.attrs, tokens).members(with_text, fields)
        }
        syn::Item::Enum(e) => {
            let (vis, ident, generics) = (&e.vis, &e.ident, &e.generics);
            let tokens = quote::quote!(#vis enum #ident #generics);
            let variants = (e.variants.iter())
                .map(|variant| variant_outline(variant, with_text))
                .collect();
            Head::new(Kind::Enum, ident, vis, &e.attrs, tokens).members(with_text, variants)
        }
        syn::Item::Union(u) => {
            let (vis, ident) = (&u.vis, &u.ident);
            Head::new(
                Kind::Union,
                ident,
                vis,
                &u.attrs,
                quote::quote!(#vis union #ident),
            )
            .body(text(&u.fields))
        }
        syn::Item::Fn(f) => {
            let (vis, sig) = (&f.vis, &f.sig);
            Head::new(
                Kind::Fn,
                &sig.ident,
                vis,
                &f.attrs,
                quote::quote!(#vis #sig),
            )
            .body(text(&f.block))
        }
        syn::Item::Type(t) => {
            let (vis, ident, generics) = (&t.vis, &t.ident, &t.generics);
            let tokens = quote::quote!(#vis type #ident #generics);
            // Spelled as a signature: a public signature that names the alias names this.
            Head::new(Kind::Type, ident, vis, &t.attrs, tokens).body(value(&t.ty))
        }
        syn::Item::Trait(t) => {
            let (vis, ident, generics) = (&t.vis, &t.ident, &t.generics);
            let tokens = quote::quote!(#vis trait #ident #generics);
            Head::new(Kind::Trait, ident, vis, &t.attrs, tokens).body(text(t))
        }
        syn::Item::Mod(m) => {
            let (vis, ident) = (&m.vis, &m.ident);
            let items = (m.content.iter())
                .flat_map(|(_, items)| items.iter().filter_map(|item| of_item(item, with_text)))
                .collect();
            Head::new(
                Kind::Module,
                ident,
                vis,
                &m.attrs,
                quote::quote!(#vis mod #ident),
            )
            .members(with_text, items)
        }
        syn::Item::Use(u) => {
            let (vis, tree) = (&u.vis, &u.tree);
            let name = signature(tree.to_token_stream());
            Head::new(
                Kind::Use,
                name,
                vis,
                &u.attrs,
                quote::quote!(#vis use #tree),
            )
        }
        syn::Item::Impl(i) => return impl_outline(i, with_text),
        syn::Item::Macro(m) => {
            let name = signature(m.mac.path.to_token_stream());
            let vis = &syn::Visibility::Inherited;
            Head::new(Kind::Macro, name, vis, &m.attrs, TokenStream::new()).body(text(&m.mac))
        }
        _ => return None,
    };
    Some(head.item(with_text))
}

/// What [`of_item`] reads of an item before it makes its outline.
struct Head<'a> {
    kind: Kind,
    name: String,
    vis: &'a syn::Visibility,
    attrs: &'a [syn::Attribute],
    /// The item without docs and body, as tokens.
    tokens: TokenStream,
    body: Text,
    children: Vec<Item>,
}

impl<'a> Head<'a> {
    fn new(
        kind: Kind,
        name: impl ToString,
        vis: &'a syn::Visibility,
        attrs: &'a [syn::Attribute],
        tokens: TokenStream,
    ) -> Self {
        Head {
            kind,
            name: name.to_string(),
            vis,
            attrs,
            tokens,
            body: Text::Borrowed(""),
            children: Vec::new(),
        }
    }

    fn body(self, body: Text) -> Self {
        Head { body, ..self }
    }

    /// Its members, whose order is its body.
    fn members(self, with_text: bool, children: Vec<Item>) -> Self {
        Head {
            body: order(with_text, &children),
            children,
            ..self
        }
    }

    fn item(self, with_text: bool) -> Item {
        let mut signature = signature(self.tokens);
        if matches!(self.kind, Kind::Struct | Kind::Enum) {
            signature = with_marker(self.attrs, signature);
        }
        Item {
            body: self.body,
            children: self.children.into(),
            ..base(
                self.kind, self.name, self.vis, self.attrs, with_text, signature,
            )
        }
    }
}

/// `#[cfg(test)]` code is no part of what a crate offers.
pub(crate) fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => return false,
    };
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Ident>()
                .is_ok_and(|predicate| predicate == "test")
    })
}

fn impl_outline(item: &syn::ItemImpl, with_text: bool) -> Option<Item> {
    let self_type = match &*item.self_ty {
        syn::Type::Path(path) => path.path.segments.last()?.ident.to_string(),
        other => signature(other.to_token_stream()),
    };
    let of_trait = item
        .trait_
        .as_ref()
        .map(|(path, _)| signature(path.to_token_stream()))
        .unwrap_or_default();
    let children: Vec<Item> = item
        .items
        .iter()
        .filter_map(|member| impl_member(member, with_text))
        .collect();
    let generics = &item.generics;
    let self_ty = &item.self_ty;
    let head = match &item.trait_ {
        Some((path, _)) => signature(quote::quote!(impl #generics #path for #self_ty)),
        None => signature(quote::quote!(impl #generics #self_ty)),
    };
    Some(Item {
        of_trait: of_trait.into(),
        body: order(with_text, &children),
        children: children.into(),
        ..base(
            Kind::Impl,
            self_type,
            &syn::Visibility::Inherited,
            &item.attrs,
            with_text,
            head,
        )
    })
}

fn impl_member(member: &syn::ImplItem, with_text: bool) -> Option<Item> {
    let (kind, name, vis, attrs, head, body) = match member {
        syn::ImplItem::Fn(f) => {
            let (vis, sig) = (&f.vis, &f.sig);
            let head = quote::quote!(#vis #sig);
            let body = text_if(with_text, &f.block);
            (Kind::Fn, sig.ident.to_string(), vis, &f.attrs, head, body)
        }
        syn::ImplItem::Const(c) => {
            let (vis, ident, ty) = (&c.vis, &c.ident, &c.ty);
            let head = quote::quote!(#vis const #ident: #ty);
            let body = value_if(with_text, &c.expr);
            (Kind::Const, ident.to_string(), vis, &c.attrs, head, body)
        }
        syn::ImplItem::Type(t) => {
            let (vis, ident) = (&t.vis, &t.ident);
            let head = quote::quote!(#vis type #ident);
            let body = value_if(with_text, &t.ty);
            (Kind::Type, ident.to_string(), vis, &t.attrs, head, body)
        }
        _ => return None,
    };
    Some(Item {
        body,
        ..base(kind, name, vis, attrs, with_text, signature(head))
    })
}

fn fields(fields: &syn::Fields, with_text: bool) -> Vec<Item> {
    fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| index.to_string(), ToString::to_string);
            let (vis, ty) = (&field.vis, &field.ty);
            let signature = match &field.ident {
                Some(ident) => signature(quote::quote!(#vis #ident: #ty)),
                None => signature(quote::quote!(#vis #ty)),
            };
            base(
                Kind::Field,
                name,
                &field.vis,
                &field.attrs,
                with_text,
                signature,
            )
        })
        .collect()
}

fn variant_outline(variant: &syn::Variant, with_text: bool) -> Item {
    let children = fields(&variant.fields, with_text);
    let (ident, shape) = (&variant.ident, &variant.fields);
    let shape = match shape {
        syn::Fields::Named(_) => {
            let names = children.iter().map(|field| field.name.as_ref());
            format!(" {{ {} }}", names.collect::<Vec<_>>().join(", "))
        }
        syn::Fields::Unnamed(fields) => signature(fields.to_token_stream()),
        syn::Fields::Unit => String::new(),
    };
    Item {
        children: children.into(),
        ..base(
            Kind::Variant,
            ident.to_string(),
            &syn::Visibility::Inherited,
            &variant.attrs,
            with_text,
            format!("{ident}{shape}"),
        )
    }
}

/// The fields every kind of item has, from its name, visibility and attributes.
fn base(
    kind: Kind,
    name: String,
    vis: &syn::Visibility,
    attrs: &[syn::Attribute],
    with_text: bool,
    signature: String,
) -> Item {
    let doc = doc_lines(attrs);
    let mut others = Vec::new();
    let mut derives = Vec::new();
    let mut spec_path = String::new();
    let mut deprecated = false;
    for attr in attrs {
        let path = attr.path();
        if path.is_ident("doc") {
            continue;
        } else if path.is_ident(SPEC_PATH_ATTRIBUTE) {
            if let syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(value),
                        ..
                    }),
                ..
            }) = &attr.meta
            {
                spec_path = value.value();
            }
        } else if path.is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                derives.push(Text::from(signature_of_path(&meta.path)));
                Ok(())
            });
        } else if path.is_ident("deprecated") {
            deprecated = true;
        } else if !path.is_ident("non_exhaustive") {
            others.push(self::signature(attr.to_token_stream()));
        }
    }
    Item {
        kind,
        name: name.into(),
        of_trait: Text::Borrowed(""),
        visibility: match vis {
            syn::Visibility::Public(_) => Visibility::Public,
            syn::Visibility::Restricted(_) => Visibility::Restricted,
            syn::Visibility::Inherited => Visibility::Inherited,
        },
        signature: signature.into(),
        deprecated,
        derives: derives.into(),
        doc: if with_text {
            doc.join("\n").into()
        } else {
            Text::Borrowed("")
        },
        attributes: others.join(" ").into(),
        body: Text::Borrowed(""),
        spec_path: spec_path.into(),
        children: Cow::Borrowed(&[]),
    }
}

fn signature_of_path(path: &syn::Path) -> String {
    signature(path.to_token_stream())
}

/// `#[non_exhaustive] ` before a type's signature when it has the attribute: adding or
/// removing it changes what other crates may do with the type.
fn with_marker(attrs: &[syn::Attribute], signature: String) -> String {
    if attrs
        .iter()
        .any(|attr| attr.path().is_ident("non_exhaustive"))
    {
        format!("#[non_exhaustive] {signature}")
    } else {
        signature
    }
}

/// A constant's value, spelled as code is: a change shows it.
fn value_if(with_text: bool, tokens: &(impl ToTokens + ?Sized)) -> Text {
    if with_text {
        signature(tokens.to_token_stream()).into()
    } else {
        Text::Borrowed("")
    }
}

fn text_if(with_text: bool, tokens: &(impl ToTokens + ?Sized)) -> Text {
    if with_text {
        tokens.to_token_stream().to_string().into()
    } else {
        Text::Borrowed("")
    }
}

/// The members' names in their order: a reordering is a change of the container.
fn order(with_text: bool, children: &[Item]) -> Text {
    if !with_text {
        return Text::Borrowed("");
    }
    let names: Vec<&str> = children.iter().map(|child| child.name.as_ref()).collect();
    names.join(", ").into()
}

/// Tokens on one line, spaced as people write Rust: `pub fn get(&self, id: &str) -> Option<&T>`.
pub fn signature(tokens: TokenStream) -> String {
    let mut out = String::new();
    write_tokens(&mut out, tokens);
    // A where clause's trailing comma, as rustfmt writes it.
    let end = out.trim_end_matches([',', ' ']).len();
    out.truncate(end);
    out
}

fn write_tokens(out: &mut String, tokens: TokenStream) {
    // Whether the token before ends a word, so that a word after it needs a space.
    let mut after_word = false;
    // Whether the punctuation before joins the next one (`-` of `->`, `'` of `'a`).
    let mut after_joint = false;
    for token in tokens {
        match token {
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&token.to_string());
                after_word = true;
                after_joint = false;
            }
            TokenTree::Punct(punct) => {
                let c = punct.as_char();
                let joint = punct.spacing() == Spacing::Joint;
                let spaced_before = matches!(c, '=' | '+') || (c == '-' && joint);
                if spaced_before && !after_joint && !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
                out.push(c);
                // `->` and `=>` end on `>`, and are spaced after as before.
                let ends_arrow =
                    c == '>' && after_joint && (out.ends_with("->") || out.ends_with("=>"));
                let spaced_after = !joint
                    && (matches!(c, ',' | ';' | '=' | '+')
                        || ends_arrow
                        || (c == ':' && !out.ends_with("::")));
                if spaced_after {
                    out.push(' ');
                }
                after_word = !joint && matches!(c, '>' | ']') && !ends_arrow;
                after_joint = joint;
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ('(', ')'),
                    Delimiter::Brace => ('{', '}'),
                    Delimiter::Bracket => ('[', ']'),
                    Delimiter::None => {
                        write_tokens(out, group.stream());
                        continue;
                    }
                };
                // `&'static [u8]`, `mut [T]`; but `f(x)` and `#[attr]`.
                if after_word && open != '(' {
                    out.push(' ');
                }
                out.push(open);
                write_tokens(out, group.stream());
                // A trailing comma, as rustfmt leaves in long parameter lists, reads as none.
                if out.ends_with(", ") {
                    out.truncate(out.len() - 2);
                }
                out.push(close);
                after_word = true;
                after_joint = false;
            }
        }
    }
}

/// Removes every `#[spec_path]` attribute from `file`, so that it prints as Rust.
pub fn strip_spec_paths(file: &mut syn::File) {
    for item in &mut file.items {
        strip_item(item);
    }
}

fn strip(attrs: &mut Vec<syn::Attribute>) {
    attrs.retain(|attr| !attr.path().is_ident(SPEC_PATH_ATTRIBUTE));
}

fn strip_item(item: &mut syn::Item) {
    match item {
        syn::Item::Const(item) => strip(&mut item.attrs),
        syn::Item::Static(item) => strip(&mut item.attrs),
        syn::Item::Struct(item) => {
            strip(&mut item.attrs);
            strip_fields(&mut item.fields);
        }
        syn::Item::Enum(item) => {
            strip(&mut item.attrs);
            for variant in &mut item.variants {
                strip(&mut variant.attrs);
                strip_fields(&mut variant.fields);
            }
        }
        syn::Item::Fn(item) => strip(&mut item.attrs),
        syn::Item::Type(item) => strip(&mut item.attrs),
        syn::Item::Mod(item) => {
            strip(&mut item.attrs);
            for item in item.content.iter_mut().flat_map(|(_, items)| items) {
                strip_item(item);
            }
        }
        syn::Item::Use(item) => strip(&mut item.attrs),
        syn::Item::Impl(item) => {
            strip(&mut item.attrs);
            for member in &mut item.items {
                match member {
                    syn::ImplItem::Fn(function) => strip(&mut function.attrs),
                    syn::ImplItem::Const(constant) => strip(&mut constant.attrs),
                    syn::ImplItem::Type(alias) => strip(&mut alias.attrs),
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn strip_fields(fields: &mut syn::Fields) {
    for field in fields.iter_mut() {
        strip(&mut field.attrs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(code: &str) -> Item {
        let file: syn::File = syn::parse_str(code).expect("test code parses");
        of_file(&file, true).remove(0)
    }

    #[test]
    fn signatures_read_as_rust() {
        let cases = [
            (
                "pub async fn get(&self, payload: &crate::types::A) -> Result<Vec<B>, Error> {}",
                "pub async fn get(&self, payload: &crate::types::A) -> Result<Vec<B>, Error>",
            ),
            (
                "pub(crate) const OPS: [Operation; 3] = [];",
                "pub(crate) const OPS: [Operation; 3]",
            ),
            (
                "pub fn s(&self) -> impl Stream<Item = Result<T, E>> + Send + 'static {}",
                "pub fn s(&self) -> impl Stream<Item = Result<T, E>> + Send + 'static",
            ),
            (
                "fn f<'a>(x: &'a str, y: Option<&'static [u8]>) -> &'a str { x }",
                "fn f<'a>(x: &'a str, y: Option<&'static [u8]>) -> &'a str",
            ),
            (
                "pub struct W<T: Into<String>>;",
                "pub struct W<T: Into<String>>",
            ),
            ("fn g(\n    a: u8,\n    b: u8,\n) {}", "fn g(a: u8, b: u8)"),
        ];
        for (code, expected) in cases {
            assert_eq!(one(code).signature, expected, "{code}");
        }
    }

    #[test]
    fn an_item_keeps_its_docs_spec_path_derives_and_wire_attributes() {
        let item = one("/// A widget.\n\
             #[spec_path = \"components.schemas.Widget\"]\n\
             #[derive(Debug, Clone, serde::Serialize)]\n\
             #[non_exhaustive]\n\
             pub struct Widget {\n\
                 /// Its name.\n\
                 #[serde(rename = \"name\")]\n\
                 #[spec_path = \"components.schemas.Widget.properties.name\"]\n\
                 pub name: Option<String>,\n\
             }");
        assert_eq!(item.signature, "#[non_exhaustive] pub struct Widget");
        assert_eq!(item.doc, " A widget.");
        assert_eq!(item.spec_path, "components.schemas.Widget");
        assert_eq!(
            item.derives
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<&str>>(),
            ["Debug", "Clone", "serde::Serialize"]
        );
        let field = &item.children[0];
        assert_eq!(field.signature, "pub name: Option<String>");
        assert_eq!(field.attributes, "#[serde(rename = \"name\")]");
        assert_eq!(field.spec_path, "components.schemas.Widget.properties.name");
    }

    #[test]
    fn an_impl_is_named_by_its_self_type_and_trait() {
        let item = one("impl<T> serde::Serialize for Widget<T> { fn serialize(&self) {} }");
        assert_eq!((item.kind, item.name.as_ref()), (Kind::Impl, "Widget"));
        assert_eq!(item.of_trait, "serde::Serialize");
        assert_eq!(item.children[0].name, "serialize");
    }

    #[test]
    fn spec_paths_are_stripped_everywhere() {
        let mut file: syn::File = syn::parse_str(
            "#[spec_path = \"a\"] pub enum E { #[spec_path = \"b\"] V(#[spec_path = \"c\"] u8) }\n\
             impl E { #[spec_path = \"d\"] pub fn f() {} }\n\
             mod m { #[spec_path = \"e\"] pub struct S { #[spec_path = \"f\"] x: u8 } }",
        )
        .expect("parses");
        strip_spec_paths(&mut file);
        let printed = file.to_token_stream().to_string();
        assert!(!printed.contains("spec_path"), "{printed}");
    }
}
