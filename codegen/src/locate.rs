//! Finds the line and column of a spec path in the YAML text, for error messages.
//!
//! serde_yaml keeps no positions in its values, but it does stamp the position of the
//! node being read onto any error raised while reading it. So we walk the document
//! along the path and raise an error on reaching the target node.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

use crate::error::{Location, Segment, SpecPath};

/// The location of `path`, or of its nearest ancestor that exists in the document
/// (the document's start, for a missing top-level key).
pub fn locate(yaml: &str, path: &SpecPath) -> Option<Location> {
    let mut candidate = Some(path.clone());
    while let Some(path) = candidate {
        if path.segments().is_empty() {
            return Some(Location { line: 1, column: 1 });
        }
        if let Some(location) = locate_exactly(yaml, &path) {
            return Some(location);
        }
        candidate = path.parent();
    }
    None
}

fn locate_exactly(yaml: &str, path: &SpecPath) -> Option<Location> {
    let error = Walk(path.segments())
        .deserialize(serde_yaml::Deserializer::from_str(yaml))
        .err()?;
    if error.to_string().contains(FOUND) {
        error.location().map(|at| Location {
            line: at.line(),
            column: at.column(),
        })
    } else {
        None
    }
}

const FOUND: &str = "<spec path found>";

struct Walk<'a>(&'a [Segment]);

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        if self.0.is_empty() {
            return Err(de::Error::custom(FOUND));
        }
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // When the path ends at a key, the key itself is the place to point at: raise the
        // error while reading it, so that it carries the key's position.
        if let [Segment::Key(last)] = self.0 {
            while map.next_key_seed(KeyProbe(last))?.is_some() {
                map.next_value::<IgnoredAny>()?;
            }
            return Ok(());
        }
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            let wanted = matches!(&self.0[0], Segment::Key(k) if key_matches(&key, k));
            if wanted {
                map.next_value_seed(Walk(&self.0[1..]))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let wanted = self.0[0] == Segment::Index(index);
            let more = if wanted {
                seq.next_element_seed(Walk(&self.0[1..]))?.is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A YAML tag such as `!foo`: nothing to descend into for our paths.
        let (IgnoredAny, variant) = data.variant()?;
        de::VariantAccess::newtype_variant::<IgnoredAny>(variant).map(|_| ())
    }
}

/// Reads a map key, failing with [`FOUND`] when it is the wanted one.
struct KeyProbe<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KeyProbe<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        // The error must rise inside the deserializer's call on the key's node: serde_yaml
        // stamps an error with the position of the node whose call it leaves.
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for KeyProbe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<(), E> {
        self.check(serde_yaml::Value::String(key.to_owned()))
    }
    fn visit_bool<E: de::Error>(self, key: bool) -> Result<(), E> {
        self.check(serde_yaml::Value::Bool(key))
    }
    fn visit_i64<E: de::Error>(self, key: i64) -> Result<(), E> {
        self.check(serde_yaml::Value::Number(key.into()))
    }
    fn visit_u64<E: de::Error>(self, key: u64) -> Result<(), E> {
        self.check(serde_yaml::Value::Number(key.into()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

impl KeyProbe<'_> {
    fn check<E: de::Error>(&self, key: serde_yaml::Value) -> Result<(), E> {
        if key_matches(&key, self.0) {
            return Err(E::custom(FOUND));
        }
        Ok(())
    }
}

/// Keys in YAML may be numbers (`200:`); paths hold them as text.
fn key_matches(key: &serde_yaml::Value, wanted: &str) -> bool {
    match key {
        serde_yaml::Value::String(text) => text == wanted,
        serde_yaml::Value::Number(number) => number.to_string() == wanted,
        serde_yaml::Value::Bool(flag) => flag.to_string() == wanted,
        _ => false,
    }
}
