//! Specs too big or too deep to commit, built at run time: each gives a correct result or a
//! clear, located error, without a panic, a stack overflow or a hang.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

fn base() -> String {
    fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/base.yaml"))
        .expect("base spec is readable")
}

/// `base.yaml` with `extra` added to the `Widget` schema's properties (indented for them).
fn with_widget_properties(extra: &str) -> String {
    let anchor = "          description: The widget's id.\n";
    let at = base().rfind(anchor).expect("Widget's last property") + anchor.len();
    let mut spec = base();
    spec.insert_str(at, extra);
    spec
}

/// Runs `f`, failing the test if it takes longer than `limit` (debug builds are slow; the
/// limits are far above what a correct run takes and far below a hang).
fn within<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = f();
    let took = start.elapsed();
    assert!(took < limit, "took {took:?}, more than {limit:?}");
    result
}

/// Inline objects nested `depth` deep under `Widget.properties.nested`.
fn nested_objects(depth: usize) -> String {
    let mut extra = String::new();
    let mut indent = 8;
    for _ in 0..depth {
        let pad = " ".repeat(indent);
        writeln!(
            extra,
            "{pad}nested:\n{pad}  type: object\n{pad}  properties:"
        )
        .unwrap();
        indent += 4;
    }
    writeln!(
        extra,
        "{}leaf:\n{}  type: string",
        " ".repeat(indent),
        " ".repeat(indent)
    )
    .unwrap();
    with_widget_properties(&extra)
}

#[test]
fn inline_objects_nested_50_deep_become_50_types() {
    let files = within(Duration::from_secs(20), || {
        codegen::generate(&nested_objects(50), "deep.yaml")
    })
    .unwrap_or_else(|error| panic!("{error}"));
    let types = &files
        .iter()
        .find(|file| file.path == "src/types.rs")
        .expect("types are generated")
        .contents;
    let innermost = format!("pub struct Widget{} {{", "Nested".repeat(50));
    assert!(types.contains(&innermost), "no `{innermost}`");
    assert!(types.contains("pub leaf: Option<String>,"));
    assert_eq!(types.matches("pub struct WidgetNested").count(), 50);
}

#[test]
fn inline_objects_nested_past_the_yaml_depth_limit_are_refused_with_a_position() {
    let error = codegen::generate(&nested_objects(70), "deeper.yaml").expect_err("too deep");
    let shown = error.to_string();
    assert!(
        shown.contains("nests deeper than the 128 levels"),
        "{shown}"
    );
    let location = error.location.expect("a position");
    assert!(location.line > 70, "{shown}");
}

#[test]
fn yaml_nested_100_000_deep_is_refused_without_overflowing_the_stack() {
    let depth = 100_000;
    let spec = base().replacen(
        "info:\n",
        &format!(
            "x-deep: {}{}\ninfo:\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        1,
    );
    let error = within(Duration::from_secs(20), || {
        codegen::generate(&spec, "deep.yaml")
    })
    .expect_err("too deep");
    assert_eq!(
        error.to_string(),
        "deep.yaml:4:1009: the YAML nests deeper than the 128 levels the generator reads"
    );
}

#[test]
fn an_anchor_aliased_ten_thousand_times_is_refused_fast() {
    // Not nested like "billion laughs", but quadratic: a 2,000-item list repeated 10,000
    // times would be 20 million nodes from a 100 kB file.
    let items = vec!["x"; 2_000].join(", ");
    let aliases = vec!["*big"; 10_000].join(", ");
    let spec = base().replacen(
        "info:\n",
        &format!("x-big: &big [{items}]\nx-many: [{aliases}]\ninfo:\n"),
        1,
    );
    let error = within(Duration::from_secs(20), || {
        codegen::generate(&spec, "aliases.yaml")
    })
    .expect_err("an alias bomb");
    let shown = error.to_string();
    assert!(shown.contains("an alias bomb"), "{shown}");
    assert!(error.location.is_some(), "{shown}");
}

#[test]
fn thousands_of_schemas_and_operations_generate() {
    let count = 2_000;
    let mut paths = String::new();
    let mut schemas = String::new();
    for n in 0..count {
        write!(
            paths,
            "  /widgets/get{n}:\n    post:\n      operationId: getWidget{n}\n      \
             requestBody:\n        content:\n          application/json:\n            schema:\n\
             \x20             allOf:\n                - $ref: '#/components/schemas/Envelope'\n\
             \x20               - type: object\n                  properties:\n\
             \x20                   payload:\n                      $ref: \
             '#/components/schemas/WidgetRequest'\n      responses:\n        '200':\n\
             \x20         description: OK\n          content:\n            application/json:\n\
             \x20             schema:\n                $ref: '#/components/schemas/Widget{n}'\n"
        )
        .unwrap();
        write!(
            schemas,
            "    Widget{n}:\n      type: object\n      properties:\n        id{n}:\n          \
             type: string\n"
        )
        .unwrap();
    }
    let spec = base().replacen("paths:\n", &format!("paths:\n{paths}"), 1) + &schemas;
    let files = within(Duration::from_secs(120), || {
        codegen::generate(&spec, "huge.yaml")
    })
    .unwrap_or_else(|error| panic!("{error}"));
    let file = |path: &str| {
        &files
            .iter()
            .find(|file| file.path == path)
            .expect("generated")
            .contents
    };
    // Every operation but the base's own and every schema are there, once.
    assert_eq!(
        file("src/operations.rs")
            .matches("pub async fn get_widget")
            .count(),
        count + 1
    );
    assert_eq!(
        file("src/types.rs").matches("pub struct Widget").count(),
        count + 2
    );
}

#[test]
fn a_ten_megabyte_description_is_kept_whole() {
    let description = "word ".repeat(2_000_000);
    let spec = base().replacen(
        "      description: A widget.\n",
        &format!("      description: {}\n", description.trim_end()),
        1,
    );
    let files = within(Duration::from_secs(60), || {
        codegen::generate(&spec, "long.yaml")
    })
    .unwrap_or_else(|error| panic!("{error}"));
    let types = &files
        .iter()
        .find(|file| file.path == "src/types.rs")
        .expect("generated")
        .contents;
    assert!(types.contains(description.trim_end()));
}

#[test]
fn a_ten_megabyte_name_is_refused_or_generated_without_panic() {
    let name = "a".repeat(10_000_000);
    let spec = with_widget_properties(&format!("        {name}:\n          type: string\n"));
    let result = within(Duration::from_secs(60), || {
        codegen::generate(&spec, "long-name.yaml")
    });
    match result {
        Ok(files) => {
            let types = &files
                .iter()
                .find(|file| file.path == "src/types.rs")
                .expect("generated")
                .contents;
            assert!(types.contains(&format!("pub {name}: Option<String>")));
        }
        Err(error) => assert!(error.location.is_some(), "{error}"),
    }
}
