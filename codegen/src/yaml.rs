//! Checks the YAML as YAML, before serde reads it into the spec model, for what the model
//! would silently get wrong or could not survive:
//!
//! - a file that is empty, holds more than one document, or is not a mapping;
//! - a key given twice in one mapping (a map in the model would keep only the last);
//! - a merge key `<<` (YAML 1.1 only: serde would drop it, and what it merges, silently);
//! - aliases that expand to far more nodes than the file holds (an alias bomb);
//! - one of the generator's own extensions where it has no effect.
//!
//! Each error is raised while serde_yaml reads the offending node, so that it carries that
//! node's line, column and spec path.

use std::collections::HashSet;
use std::fmt;

use crate::error::Location;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Nodes that aliases may add on top of the ones written out: enough for any real reuse of
/// anchors, far below what a "billion laughs" document expands to.
const ALIAS_ALLOWANCE: usize = 100_000;

/// Extensions that belong at the document root.
const ROOT_EXTENSIONS: &[&str] = &["x-request-signing", "x-rust-crate", "x-webhooks"];

/// Extensions that belong on an operation (`paths.<path>.post`).
const OPERATION_EXTENSIONS: &[&str] = &["x-idempotent", "x-pagination"];

/// Brackets open at once beyond which the text is refused before libyaml reads it: its time
/// grows with the square of the flow nesting (100,000 `[` take it most of a minute).
const MAX_FLOW_BRACKETS: usize = 1_000;

/// The position of a `[` or `{` that opens more than [`MAX_FLOW_BRACKETS`] at once.
///
/// Counted over the raw text, quotes and comments included, so a bracket inside a string
/// counts too; only a thousand unclosed ones would make a false alarm, and the nesting the
/// generator reads is far shallower (128 levels) anyway.
pub(crate) fn too_deep_flow(yaml: &str) -> Option<Location> {
    let mut open = 0usize;
    let (mut line, mut column) = (1, 0);
    for c in yaml.chars() {
        column += 1;
        match c {
            '\n' => (line, column) = (line + 1, 0),
            '[' | '{' => {
                open += 1;
                if open > MAX_FLOW_BRACKETS {
                    return Some(Location { line, column });
                }
            }
            ']' | '}' => open = open.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Checks every document in `yaml`; the error carries the position of the node at fault.
pub(crate) fn check(yaml: &str) -> Result<(), serde_yaml::Error> {
    let mut budget = yaml.len().saturating_add(ALIAS_ALLOWANCE);
    for (index, document) in serde_yaml::Deserializer::from_str(yaml).enumerate() {
        if index == 1 {
            return document.deserialize_any(SecondDocument);
        }
        let root = Node {
            depth: Depth::Root,
            budget: &mut budget,
        };
        root.deserialize(document)?;
    }
    Ok(())
}

/// Where a node sits, as far as extension placement cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Root,
    /// The value of the root key `paths`.
    Paths,
    /// A path item.
    PathItem,
    /// An operation (any method: the checker refuses all but `post`).
    Operation,
    /// The mapping under `properties` or `events`, whose keys are names, not fields.
    Names,
    Other,
}

impl Depth {
    fn child(self, key: Option<&str>) -> Depth {
        match (self, key) {
            (Depth::Root, Some("paths")) => Depth::Paths,
            (Depth::Paths, _) => Depth::PathItem,
            (Depth::PathItem, Some(key)) if key != "parameters" => Depth::Operation,
            (_, Some("properties" | "events")) => Depth::Names,
            _ => Depth::Other,
        }
    }
}

struct Node<'b> {
    depth: Depth,
    budget: &'b mut usize,
}

impl Node<'_> {
    fn spend<E: de::Error>(&mut self) -> Result<(), E> {
        match self.budget.checked_sub(1) {
            Some(left) => {
                *self.budget = left;
                Ok(())
            }
            None => Err(E::custom(
                "the YAML aliases (`*name`) expand to far more nodes than the file holds \
                 (an alias bomb?); the repeated content is here",
            )),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.spend()?;
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key_seed(Key {
            seen: &mut seen,
            depth: self.depth,
        })? {
            let child = Node {
                depth: self.depth.child(key.as_deref()),
                budget: &mut *self.budget,
            };
            map.next_value_seed(child)?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        self.root_must_be_a_mapping("a list")?;
        self.spend()?;
        while seq
            .next_element_seed(Node {
                depth: Depth::Other,
                budget: &mut *self.budget,
            })?
            .is_some()
        {}
        Ok(())
    }

    fn visit_bool<E: de::Error>(mut self, _: bool) -> Result<(), E> {
        self.root_must_be_a_mapping("a boolean")?;
        self.spend()
    }
    fn visit_i64<E: de::Error>(mut self, _: i64) -> Result<(), E> {
        self.root_must_be_a_mapping("a number")?;
        self.spend()
    }
    fn visit_u64<E: de::Error>(mut self, _: u64) -> Result<(), E> {
        self.root_must_be_a_mapping("a number")?;
        self.spend()
    }
    fn visit_f64<E: de::Error>(mut self, _: f64) -> Result<(), E> {
        self.root_must_be_a_mapping("a number")?;
        self.spend()
    }
    fn visit_str<E: de::Error>(mut self, _: &str) -> Result<(), E> {
        self.root_must_be_a_mapping("a string")?;
        self.spend()
    }
    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        if self.depth == Depth::Root {
            return Err(E::custom(
                "the file holds no YAML document (it is empty, or only comments); a spec is \
                 a mapping with `openapi`, `info`, `paths` and `components`",
            ));
        }
        self.spend()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(mut self, data: A) -> Result<(), A::Error> {
        // A value with a YAML tag (`!name value`).
        self.root_must_be_a_mapping("a tagged value")?;
        self.spend()?;
        let (IgnoredAny, variant) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(variant, self)
    }
}

impl Node<'_> {
    fn root_must_be_a_mapping<E: de::Error>(&self, found: &str) -> Result<(), E> {
        if self.depth != Depth::Root {
            return Ok(());
        }
        Err(E::custom(format!(
            "the document is {found}, but a spec is a mapping with `openapi`, `info`, `paths` \
             and `components`"
        )))
    }
}

/// Reads a mapping key: refuses it when it repeats one of the mapping's keys, is a merge key,
/// or is an extension out of place. Yields the key's text, if it is a scalar.
struct Key<'s> {
    seen: &'s mut HashSet<String>,
    depth: Depth,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // The error must rise inside the deserializer's call on the key's node: serde_yaml
        // stamps an error with the position of the node whose call it leaves.
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        self.check(key.to_owned())
    }
    fn visit_bool<E: de::Error>(self, key: bool) -> Result<Self::Value, E> {
        self.check(key.to_string())
    }
    fn visit_i64<E: de::Error>(self, key: i64) -> Result<Self::Value, E> {
        self.check(key.to_string())
    }
    fn visit_u64<E: de::Error>(self, key: u64) -> Result<Self::Value, E> {
        self.check(key.to_string())
    }
    fn visit_f64<E: de::Error>(self, key: f64) -> Result<Self::Value, E> {
        self.check(key.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.check("null".to_owned())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl Key<'_> {
    fn check<E: de::Error>(self, key: String) -> Result<Option<String>, E> {
        if key == "<<" {
            return Err(E::custom(
                "a YAML merge key `<<` (YAML 1.1 only, and not part of OpenAPI): write the \
                 merged keys out, or share a schema with `$ref`",
            ));
        }
        let wanted_depth = if ROOT_EXTENSIONS.contains(&key.as_str()) {
            Some((Depth::Root, "at the top level of the document"))
        } else if OPERATION_EXTENSIONS.contains(&key.as_str()) {
            Some((Depth::Operation, "on an operation (`paths.<path>.post`)"))
        } else {
            None
        };
        if let Some((wanted, place)) = wanted_depth
            && self.depth != wanted
            && self.depth != Depth::Names
        {
            return Err(E::custom(format!(
                "`{key}` has no effect here: it belongs {place}"
            )));
        }
        if !self.seen.insert(key.clone()) {
            return Err(E::custom(format!(
                "duplicate key `{key}`: a key may appear once in a mapping"
            )));
        }
        Ok(Some(key))
    }
}

/// Refuses a second document with the position of its first node.
struct SecondDocument;

impl<'de> Visitor<'de> for SecondDocument {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no second document")
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(second_document())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(second_document())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Err(second_document())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(second_document())
    }
}

fn second_document<E: de::Error>() -> E {
    E::custom("a second YAML document starts here (after `---`); a spec file holds one document")
}
