//! `x-request-signing`: its JSON Schema applied to the YAML, then its two forms read as one
//! model, a recipe for requests and one for webhooks, with what the schema cannot say checked
//! against the rest of the spec.
//!
//! The legacy form (`algorithm`, `signatureEncoding`, `signedContent`, and the envelope's
//! `timestampProperty` and `timestampUnit`) is the recipe that signs the body alone and puts
//! the timestamp in the envelope; a `recipe` says the rest.

use super::Result;
use super::json_schema;
use super::security::is_header_name;
use crate::error::{Problem, SpecPath};
use crate::model::{
    Algorithm, Encoding, Envelope, Part, Place, Recipe, RecipeTimestamp, Signing, SigningExample,
    TimestampFormat,
};
use crate::spec::{self, Schema};

/// The extension's schema, checked in beside the generator.
pub const SCHEMA: &str = include_str!("../../schemas/x-request-signing.schema.json");

/// `x-request-signing`, once the schema is applied to it.
pub(crate) fn read(extension: Option<&serde_yaml::Value>) -> Result<spec::RequestSigning> {
    let path = SpecPath::root().key("x-request-signing");
    let extension = extension.ok_or_else(|| {
        Problem::new(
            &path,
            "missing signing extension `x-request-signing`: the generator reads the key and \
             signature headers, the algorithm and the request envelope from it",
        )
    })?;
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).map_err(|error| {
        Problem::new(
            &path,
            format!(
                "the generator's schema for this is not JSON ({error}): a bug of the generator's"
            ),
        )
    })?;
    json_schema::apply(&schema, extension, &path)?;
    // The schema admits nothing the model cannot read; should they ever disagree, serde says
    // where.
    serde_yaml::from_value(extension.clone())
        .map_err(|error| Problem::new(&path, error.to_string()))
}

/// `headers`: the key's and the signature's, from their security schemes.
pub(crate) fn check_signing(
    signing: &spec::RequestSigning,
    (key_header, signature_header): (String, String),
    envelope: Option<&Schema>,
) -> Result<Signing> {
    let path = SpecPath::root().key("x-request-signing");
    let envelope_path = path.key("envelope");
    // The envelope's spec and its schema, when there is one.
    let with_schema = signing.envelope.as_ref().zip(envelope);
    if let Some((e, envelope)) = with_schema {
        for (field, property, wanted) in [
            ("accountProperty", &e.account_property, Some("string")),
            ("payloadProperty", &e.payload_property, None),
        ] {
            envelope_property(
                envelope,
                &e.schema,
                property,
                wanted,
                &envelope_path.key(field),
            )?;
        }
    }
    let recipe = match &signing.recipe {
        Some(recipe) => {
            refuse_legacy_beside_recipe(signing)?;
            let recipe_path = path.key("recipe");
            let recipe = read_recipe(recipe, &recipe_path)?;
            check_placements(&recipe, &recipe_path, [&key_header, &signature_header])?;
            for (place, what, wanted) in [
                (
                    recipe.timestamp.as_ref().map(|t| &t.place),
                    "timestamp",
                    recipe.timestamp.as_ref().map(|t| match t.format {
                        TimestampFormat::UnixSeconds | TimestampFormat::UnixMilliseconds => {
                            "integer"
                        }
                        TimestampFormat::Iso8601 | TimestampFormat::Iso8601Utc => "string",
                    }),
                ),
                (recipe.nonce.as_ref(), "nonce", Some("string")),
            ] {
                if let Some(Place::Envelope(property)) = place {
                    let at = recipe_path.key(what).key("envelopeProperty");
                    let Some((e, envelope)) = with_schema else {
                        return Err(Problem::new(
                            &at,
                            format!(
                                "the {what} goes in the envelope, but there is none: add \
                                 `envelope` to `x-request-signing`, or send the {what} in a \
                                 `header`"
                            ),
                        ));
                    };
                    envelope_property(envelope, &e.schema, property, wanted, &at)?;
                }
            }
            recipe
        }
        None => match with_schema {
            Some((e, envelope)) => legacy_recipe(signing, e, envelope)?,
            None => {
                return Err(Problem::new(
                    &path,
                    "missing property `envelope`: the legacy form (`algorithm`, \
                     `signatureEncoding`, `signedContent`) puts the timestamp in the request \
                     envelope; without an envelope, give a `recipe` that sends it in a header",
                ));
            }
        },
    };
    let webhook_recipe = match signing.webhooks.as_ref().and_then(|w| w.recipe.as_ref()) {
        Some(webhook) => {
            let at = path.key("webhooks").key("recipe");
            let webhook = read_recipe(webhook, &at)?;
            check_webhook_recipe(&webhook, &at)?;
            check_placements(&webhook, &at, [&key_header, &signature_header])?;
            webhook
        }
        // Signed like requests: the same parts, with the timestamp and the nonce in the same
        // headers when the requests' are signed there.
        None => {
            let in_header_and_signed = |place: &Place, part: Part| {
                matches!(place, Place::Header(_)) && recipe.signs(&part)
            };
            let webhook = Recipe {
                timestamp: recipe
                    .timestamp
                    .clone()
                    .filter(|t| in_header_and_signed(&t.place, Part::Timestamp)),
                nonce: recipe
                    .nonce
                    .clone()
                    .filter(|place| in_header_and_signed(place, Part::Nonce)),
                ..recipe.clone()
            };
            if signing.webhooks.is_some() {
                let at = path.key("webhooks");
                check_webhook_recipe(&webhook, &at).map_err(|problem| {
                    Problem::new(
                        &at,
                        format!(
                            "webhooks are signed like requests unless `recipe` says \
                             otherwise, and {}",
                            problem.message
                        ),
                    )
                })?;
            }
            webhook
        }
    };
    let example = match &signing.example {
        None => None,
        Some(example) => Some(check_example(example, &recipe, &path.key("example"))?),
    };
    Ok(Signing {
        key_header,
        signature_header,
        max_clock_skew_seconds: signing.max_clock_skew_seconds,
        envelope: signing.envelope.as_ref().map(|e| Envelope {
            account_field: e.account_property.clone(),
            payload_field: e.payload_property.clone(),
        }),
        recipe,
        webhook_recipe,
        timestamp_rejected: signing
            .timestamp_rejected
            .as_ref()
            .map(|r| (r.error_property.clone(), r.error_value.clone())),
        example,
        // Checked against the error body once its type is known.
        refusals: None,
    })
}

/// The envelope schema must have `property`, of type `wanted` when one is wanted.
fn envelope_property(
    envelope: &Schema,
    reference: &str,
    property: &str,
    wanted: Option<&str>,
    at: &SpecPath,
) -> Result<()> {
    let Some(schema) = envelope.properties.get(property) else {
        return Err(Problem::new(
            at,
            format!("the envelope schema `{reference}` has no property `{property}`"),
        ));
    };
    match wanted {
        Some(wanted) if schema.single_type() != Some(wanted) => Err(Problem::new(
            at,
            format!("the envelope property `{property}` must be of type {wanted}"),
        )),
        _ => Ok(()),
    }
}

/// The legacy keys say what a recipe says: give one or the other.
fn refuse_legacy_beside_recipe(signing: &spec::RequestSigning) -> Result<()> {
    let path = SpecPath::root().key("x-request-signing");
    let e = signing.envelope.as_ref();
    let legacy = [
        (
            "algorithm",
            signing.algorithm.is_some(),
            path.key("algorithm"),
        ),
        (
            "signatureEncoding",
            signing.signature_encoding.is_some(),
            path.key("signatureEncoding"),
        ),
        (
            "signedContent",
            signing.signed_content.is_some(),
            path.key("signedContent"),
        ),
        (
            "envelope.timestampProperty",
            e.is_some_and(|e| e.timestamp_property.is_some()),
            path.key("envelope").key("timestampProperty"),
        ),
        (
            "envelope.timestampUnit",
            e.is_some_and(|e| e.timestamp_unit.is_some()),
            path.key("envelope").key("timestampUnit"),
        ),
    ];
    match legacy.into_iter().find(|(_, given, _)| *given) {
        Some((name, _, at)) => Err(Problem::new(
            &at,
            format!(
                "`{name}` belongs to the legacy form, which `recipe` replaces: say it in the \
                 recipe (`recipe.algorithm`, `recipe.encoding`, `recipe.parts`, \
                 `recipe.timestamp`) and leave it out here"
            ),
        )),
        None => Ok(()),
    }
}

/// The legacy form as the recipe it is: the body alone, the timestamp in the envelope.
fn legacy_recipe(
    signing: &spec::RequestSigning,
    e: &spec::SigningEnvelope,
    envelope: &Schema,
) -> Result<Recipe> {
    let path = SpecPath::root().key("x-request-signing");
    let missing = |name: &str, at: &SpecPath| {
        Problem::new(
            at,
            format!(
                "missing property `{name}`: give the legacy form's `algorithm`, \
                 `signatureEncoding`, `signedContent` and the envelope's `timestampProperty` \
                 and `timestampUnit`, or a `recipe`"
            ),
        )
    };
    let algorithm = signing
        .algorithm
        .as_deref()
        .ok_or_else(|| missing("algorithm", &path))?;
    let encoding = signing
        .signature_encoding
        .as_deref()
        .ok_or_else(|| missing("signatureEncoding", &path))?;
    if signing.signed_content.is_none() {
        return Err(missing("signedContent", &path));
    }
    let envelope_path = path.key("envelope");
    let property = e
        .timestamp_property
        .as_deref()
        .ok_or_else(|| missing("timestampProperty", &envelope_path))?;
    let unit = e
        .timestamp_unit
        .as_deref()
        .ok_or_else(|| missing("timestampUnit", &envelope_path))?;
    envelope_property(
        envelope,
        &e.schema,
        property,
        Some("integer"),
        &envelope_path.key("timestampProperty"),
    )?;
    Ok(Recipe {
        algorithm: algorithm_named(algorithm, &path.key("algorithm"))?,
        encoding: encoding_named(encoding, &path.key("signatureEncoding"))?,
        parts: vec![Part::Body],
        separator: String::new(),
        terminated: false,
        timestamp: Some(RecipeTimestamp {
            format: if unit == "seconds" {
                TimestampFormat::UnixSeconds
            } else {
                TimestampFormat::UnixMilliseconds
            },
            place: Place::Envelope(property.to_owned()),
        }),
        nonce: None,
    })
}

/// A recipe's names read into the model; each part that needs a value the recipe makes
/// (the timestamp, the nonce) needs that value described, and each value placed once.
fn read_recipe(recipe: &spec::Recipe, path: &SpecPath) -> Result<Recipe> {
    let mut parts = Vec::with_capacity(recipe.parts.len());
    for (index, part) in recipe.parts.iter().enumerate() {
        let at = path.key("parts").index(index);
        parts.push(match part {
            spec::RecipePart::Text { text } => Part::Text(text.clone()),
            spec::RecipePart::Named(name) => match name.as_str() {
                "body" => Part::Body,
                "method" => Part::Method,
                "pathWithQuery" => Part::PathWithQuery,
                "url" => Part::Url,
                "key" => Part::Key,
                "timestamp" if recipe.timestamp.is_none() => {
                    return Err(Problem::new(
                        &at,
                        "the recipe signs a timestamp but does not say how it is written \
                         and where it goes: add `timestamp` (`format`, and `header` or \
                         `envelopeProperty`)",
                    ));
                }
                "timestamp" => Part::Timestamp,
                "nonce" if recipe.nonce.is_none() => {
                    return Err(Problem::new(
                        &at,
                        "the recipe signs a nonce but does not say where it goes: add \
                         `nonce` (`header` or `envelopeProperty`)",
                    ));
                }
                "nonce" => Part::Nonce,
                other => {
                    return Err(Problem::new(
                        &at,
                        format!(
                            "unknown part `{other}`; known: body, method, pathWithQuery, url, \
                             timestamp, nonce, key, or {{text: ...}}"
                        ),
                    ));
                }
            },
        });
    }
    let timestamp = match &recipe.timestamp {
        None => None,
        Some(timestamp) => {
            let at = path.key("timestamp");
            let format = match timestamp.format.as_str() {
                "unix-seconds" => TimestampFormat::UnixSeconds,
                "unix-milliseconds" => TimestampFormat::UnixMilliseconds,
                "iso-8601" => TimestampFormat::Iso8601,
                "iso-8601-utc" => TimestampFormat::Iso8601Utc,
                other => {
                    return Err(Problem::new(
                        &at.key("format"),
                        format!("unsupported timestamp format `{other}`"),
                    ));
                }
            };
            let place = placed(
                timestamp.header.as_deref(),
                timestamp.envelope_property.as_deref(),
                "timestamp",
                &at,
            )?;
            Some(RecipeTimestamp { format, place })
        }
    };
    let nonce = match &recipe.nonce {
        None => None,
        Some(nonce) => Some(placed(
            nonce.header.as_deref(),
            nonce.envelope_property.as_deref(),
            "nonce",
            &path.key("nonce"),
        )?),
    };
    Ok(Recipe {
        algorithm: algorithm_named(&recipe.algorithm, &path.key("algorithm"))?,
        encoding: encoding_named(&recipe.encoding, &path.key("encoding"))?,
        parts,
        separator: recipe.separator.clone(),
        terminated: recipe.terminated,
        timestamp,
        nonce,
    })
}

/// Where a value goes: exactly one of a header and an envelope property.
fn placed(
    header: Option<&str>,
    property: Option<&str>,
    what: &str,
    at: &SpecPath,
) -> Result<Place> {
    match (header, property) {
        (Some(header), None) => Ok(Place::Header(header.to_owned())),
        (None, Some(property)) => Ok(Place::Envelope(property.to_owned())),
        (None, None) => Err(Problem::new(
            at,
            format!(
                "the {what} is placed nowhere: give `header` (a header's name) or \
                 `envelopeProperty` (a property of the request envelope)"
            ),
        )),
        (Some(_), Some(_)) => Err(Problem::new(
            &at.key("envelopeProperty"),
            format!("the {what} goes in one place: `header` or `envelopeProperty`, not both"),
        )),
    }
}

/// The headers a recipe places values in: valid names, none the key's, the signature's or
/// another value's.
fn check_placements(
    recipe: &Recipe,
    path: &SpecPath,
    [key, signature]: [&String; 2],
) -> Result<()> {
    let mut names: Vec<(&str, &str)> = vec![(key, "the API key"), (signature, "the signature")];
    let headers = [
        (recipe.timestamp.as_ref().map(|t| &t.place), "timestamp"),
        (recipe.nonce.as_ref(), "nonce"),
    ];
    for (place, what) in headers {
        let Some(Place::Header(header)) = place else {
            continue;
        };
        let at = path.key(what).key("header");
        if !is_header_name(header) {
            return Err(Problem::new(
                &at,
                format!("`{header}` is not a valid HTTP header name"),
            ));
        }
        if let Some((_, other)) = names
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(header))
        {
            return Err(Problem::new(
                &at,
                format!("the header `{header}` already carries {other}"),
            ));
        }
        names.push((
            header,
            if what == "nonce" {
                "the nonce"
            } else {
                "the timestamp"
            },
        ));
    }
    Ok(())
}

/// The webhook verifier reads a delivery's headers and body, knows its method (webhooks are
/// POSTed), and is told the URL the API delivers to, as registered, when the recipe signs it:
/// a webhook recipe signs the body, the method, that URL, the key, fixed text, and a
/// timestamp and a nonce read from headers; not the path alone.
fn check_webhook_recipe(recipe: &Recipe, path: &SpecPath) -> Result<()> {
    if let Some(index) = recipe
        .parts
        .iter()
        .position(|part| matches!(part, Part::PathWithQuery))
    {
        return Err(Problem::new(
            &path.key("parts").index(index),
            "a webhook recipe cannot sign the path: the webhook verifier is told the whole URL \
             the API delivers to, as registered (`url`); it signs the body, the method, that \
             URL, the key, fixed text, and a timestamp and a nonce sent in headers",
        ));
    }
    for (index, part) in recipe.parts.iter().enumerate() {
        let unplaced = match part {
            Part::Timestamp => recipe.timestamp.is_none(),
            Part::Nonce => recipe.nonce.is_none(),
            _ => false,
        };
        if unplaced {
            return Err(Problem::new(
                &path.key("parts").index(index),
                "the requests' recipe signs a value they carry in the envelope, which a \
                 webhook does not have: give the webhooks a `recipe` of their own",
            ));
        }
    }
    let values = [
        (
            recipe.timestamp.as_ref().map(|t| &t.place),
            Part::Timestamp,
            "timestamp",
        ),
        (recipe.nonce.as_ref(), Part::Nonce, "nonce"),
    ];
    for (place, part, what) in values {
        let Some(place) = place else { continue };
        let at = path.key(what);
        if let Place::Envelope(_) = place {
            return Err(Problem::new(
                &at.key("envelopeProperty"),
                format!(
                    "a webhook's {what} is read from a header: give `header`; a webhook's \
                     body is its event, not the request envelope"
                ),
            ));
        }
        if !recipe.signs(&part) {
            return Err(Problem::new(
                &at,
                format!(
                    "the webhook recipe does not sign the {what}: the verifier reads it only \
                     to check the signature, so sign it (`{what}` in `parts`) or leave it out"
                ),
            ));
        }
    }
    Ok(())
}

/// The example gives every part the recipe signs, and a signature written as it writes one.
fn check_example(
    example: &spec::SigningExample,
    recipe: &Recipe,
    path: &SpecPath,
) -> Result<SigningExample> {
    let given = [
        ("method", Part::Method, &example.method),
        (
            "pathWithQuery",
            Part::PathWithQuery,
            &example.path_with_query,
        ),
        ("url", Part::Url, &example.url),
        ("timestamp", Part::Timestamp, &example.timestamp),
        ("nonce", Part::Nonce, &example.nonce),
        ("key", Part::Key, &example.key),
    ];
    for (name, part, value) in &given {
        match (recipe.signs(part), value.is_some()) {
            (true, false) => {
                return Err(Problem::new(
                    path,
                    format!("the recipe signs the {name}: the example must give it (`{name}`)"),
                ));
            }
            (false, true) => {
                return Err(Problem::new(
                    &path.key(*name),
                    format!("the recipe does not sign the {name}: leave it out of the example"),
                ));
            }
            _ => {}
        }
    }
    let signature = &example.signature;
    let len = recipe.algorithm.digest_len();
    let (well_written, written) = match recipe.encoding {
        Encoding::LowercaseHex => (
            signature.len() == 2 * len
                && signature
                    .chars()
                    .all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            format!("{} lowercase hex digits", 2 * len),
        ),
        Encoding::UppercaseHex => (
            signature.len() == 2 * len
                && signature
                    .chars()
                    .all(|c| matches!(c, '0'..='9' | 'A'..='F')),
            format!("{} uppercase hex digits", 2 * len),
        ),
        Encoding::Base64 => {
            let chars = len.div_ceil(3) * 4;
            let padding = (3 - len % 3) % 3;
            (
                signature.len() == chars
                    && signature[..chars - padding]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/')
                    && signature[chars - padding..].chars().all(|c| c == '='),
                format!("{chars} base64 characters"),
            )
        }
    };
    if !well_written {
        return Err(Problem::new(
            &path.key("signature"),
            format!("an {} signature is {written}", recipe.algorithm.name()),
        ));
    }
    Ok(SigningExample {
        secret: example.secret.clone(),
        body: example.body.clone(),
        signature: example.signature.clone(),
        method: example.method.clone(),
        path_with_query: example.path_with_query.clone(),
        url: example.url.clone(),
        timestamp: example.timestamp.clone(),
        nonce: example.nonce.clone(),
        key: example.key.clone(),
    })
}

fn algorithm_named(name: &str, at: &SpecPath) -> Result<Algorithm> {
    match name {
        "HMAC-SHA256" => Ok(Algorithm::HmacSha256),
        "HMAC-SHA512" => Ok(Algorithm::HmacSha512),
        other => Err(Problem::new(at, format!("unsupported algorithm `{other}`"))),
    }
}

fn encoding_named(name: &str, at: &SpecPath) -> Result<Encoding> {
    match name {
        "lowercase-hex" => Ok(Encoding::LowercaseHex),
        "uppercase-hex" => Ok(Encoding::UppercaseHex),
        "base64" => Ok(Encoding::Base64),
        other => Err(Problem::new(at, format!("unsupported encoding `{other}`"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A signature written as the recipe writes it is accepted, for each algorithm and
    /// encoding (base64 with one `=` of padding for SHA-256, two for SHA-512).
    #[test]
    fn a_well_written_example_signature_is_accepted() {
        let cases = [
            (
                Algorithm::HmacSha256,
                Encoding::LowercaseHex,
                "ab".repeat(32),
            ),
            (
                Algorithm::HmacSha512,
                Encoding::UppercaseHex,
                "AB".repeat(64),
            ),
            (
                Algorithm::HmacSha256,
                Encoding::Base64,
                format!("{}=", "a+/B".repeat(10) + "abc"),
            ),
            (
                Algorithm::HmacSha512,
                Encoding::Base64,
                format!("{}==", "a+/B".repeat(21) + "ab"),
            ),
        ];
        for (algorithm, encoding, signature) in cases {
            let recipe = Recipe {
                algorithm,
                encoding,
                parts: vec![Part::Body],
                separator: String::new(),
                terminated: false,
                timestamp: None,
                nonce: None,
            };
            let example = spec::SigningExample {
                secret: "secret".to_owned(),
                body: "{}".to_owned(),
                signature: signature.clone(),
                method: None,
                path_with_query: None,
                url: None,
                timestamp: None,
                nonce: None,
                key: None,
            };
            let checked = check_example(&example, &recipe, &SpecPath::root());
            assert!(
                checked.is_ok(),
                "{algorithm:?} {encoding:?} {signature}: {checked:?}"
            );
            let mut wrong = example;
            wrong.signature.replace_range(0..1, "*");
            assert!(check_example(&wrong, &recipe, &SpecPath::root()).is_err());
        }
    }

    /// Webhooks signed like requests take the request recipe's parts, and its timestamp and
    /// nonce only when it signs them in headers: a webhook has no request envelope, and the
    /// verifier reads no value it does not check.
    #[test]
    fn webhooks_signed_like_requests_keep_only_the_values_signed_in_headers() {
        let spec = include_str!("../../tests/specs/bad/webhooks-signed-like-requests-by-path.yaml");
        let load = |parts: &str| {
            let spec = spec.replace(
                "parts: [method, pathWithQuery, timestamp, body]",
                &format!("parts: {parts}\n    nonce: {{header: X-Nonce}}"),
            );
            crate::load(&spec, "spec.yaml").unwrap_or_else(|error| panic!("{error}"))
        };
        let unsigned = load("[body]");
        let (requests, webhooks) = (&unsigned.signing.recipe, &unsigned.signing.webhook_recipe);
        assert!(requests.timestamp.is_some() && requests.nonce.is_some());
        assert_eq!(webhooks.parts, [Part::Body]);
        assert!(webhooks.timestamp.is_none(), "{webhooks:?}");
        assert!(webhooks.nonce.is_none(), "{webhooks:?}");
        let signed = load("[timestamp, nonce, body]");
        let (requests, webhooks) = (&signed.signing.recipe, &signed.signing.webhook_recipe);
        assert_eq!(webhooks.parts, [Part::Timestamp, Part::Nonce, Part::Body]);
        assert_eq!(webhooks.timestamp, requests.timestamp);
        assert_eq!(webhooks.nonce, requests.nonce);
    }

    #[test]
    fn the_schema_is_json_with_only_keywords_the_checker_applies() {
        let schema: serde_json::Value = serde_json::from_str(SCHEMA).unwrap();
        // Applying it to an empty mapping walks only its root; walk every definition too.
        let empty = serde_yaml::Value::Mapping(serde_yaml::Mapping::new());
        let problem = json_schema::apply(&schema, &empty, &SpecPath::root()).unwrap_err();
        assert!(
            problem.message.starts_with("missing property"),
            "{problem:?}"
        );
        fn walk(schema: &serde_json::Value, found: &mut Vec<String>) {
            match schema {
                serde_json::Value::Object(map) => {
                    for (key, value) in map {
                        found.push(key.clone());
                        if !matches!(key.as_str(), "properties" | "$defs") {
                            walk(value, found);
                        } else if let Some(map) = value.as_object() {
                            map.values().for_each(|value| walk(value, found));
                        }
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
                _ => {}
            }
        }
        let mut keywords = Vec::new();
        walk(&schema, &mut keywords);
        for keyword in &keywords {
            let probe = serde_json::json!({ keyword.as_str(): null });
            let refused = json_schema::apply(&probe, &serde_yaml::Value::Null, &SpecPath::root())
                .err()
                .is_some_and(|problem| problem.message.contains("cannot apply"));
            assert!(
                !refused,
                "the schema uses `{keyword}`, which the checker cannot apply"
            );
        }
    }
}
