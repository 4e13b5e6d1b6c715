//! One JSON line per event on stderr (requests, loads, reloads), so a log
//! collector can parse it without a pattern.

use serde_json::{Map, Value};

/// Write `{"ts": <unix seconds>, key: value, ...}` as one line to stderr.
pub fn log_event(fields: &[(&str, Value)]) {
    let mut m = Map::new();
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    m.insert("ts".into(), ts.into());
    for (k, v) in fields {
        m.insert((*k).to_string(), v.clone());
    }
    // one write per line: stderr is unbuffered, and `eprintln!` of a Value
    // writes each JSON token separately (58 system calls for a request line)
    let mut line = Value::Object(m).to_string();
    line.push('\n');
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
}
