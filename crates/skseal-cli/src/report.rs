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

/// `message` without the " (os error N)" Rust appends to an I/O error: the
/// system's own words ("No such file or directory") already say it.
pub fn plain(message: &str) -> String {
    const TAG: &str = " (os error ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(TAG) {
        let after = &rest[at + TAG.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str(&rest[..at]);
            rest = &after[digits + 1..];
        } else {
            out.push_str(&rest[..at + TAG.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Print `message` as the command's error on stderr.
pub fn error(message: impl std::fmt::Display) {
    eprintln!("skseal: error: {}", plain(&message.to_string()));
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
                "error": plain(message),
            }),
        ));
    } else {
        error(message);
    }
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn plain_drops_rust_os_error_codes() {
        assert_eq!(
            super::plain("cannot read m.skseal: No such file or directory (os error 2)"),
            "cannot read m.skseal: No such file or directory"
        );
        assert_eq!(super::plain("a (os error x) b"), "a (os error x) b");
        assert_eq!(super::plain("no error here"), "no error here");
    }
}
