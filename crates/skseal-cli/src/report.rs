//! The `--json` documents of `inspect`, `scan` and `verify` (docs/CLI.md),
//! and the one way a verb reports an unreadable input.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::out::outln;

/// The version of the JSON documents `inspect`, `scan` and `verify` print
/// with `--json` (docs/CLI.md); raised when a field changes meaning or goes.
const SCHEMA_VERSION: u32 = 1;

/// A `--json` document: the schema version and the command, then `body`'s fields.
pub fn document(command: &str, body: Value) -> Value {
    let mut m = match body {
        Value::Object(m) => m,
        other => {
            let mut m = serde_json::Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    m.insert("schema_version".into(), json!(SCHEMA_VERSION));
    m.insert("command".into(), json!(command));
    Value::Object(m)
}

pub fn print_json(d: &Value) {
    outln!("{}", serde_json::to_string_pretty(d).unwrap_or_default());
}

/// Report a failure and return exit code 2: on stderr, or as a JSON document
/// on stdout with `--json` (so a script reading stdout always gets JSON).
pub fn fail(command: &str, as_json: bool, path: &Path, message: &str) -> ExitCode {
    if as_json {
        print_json(&document(
            command,
            json!({
                "path": path.display().to_string(),
                "status": "error",
                "error": message,
            }),
        ));
    } else {
        eprintln!("skseal: error: {message}");
    }
    ExitCode::from(2)
}
