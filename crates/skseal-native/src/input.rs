//! Rules for tabular text input (CSV), shared by `skseal predict`
//! (crates/skseal-cli/src/predict.rs) and the model card's evaluation
//! (crates/skseal-card/src/eval.rs), so that both read a file the same way.
//! The rule for a model fitted without feature names is
//! [`crate::Model::by_position`].

use std::path::Path;

/// Whether `names` are pandas' default column names `0, 1, ..., n-1`
/// (`DataFrame(X).to_csv()`): names made from positions, not real names.
pub fn positional_names(names: &[String]) -> bool {
    names.iter().enumerate().all(|(i, n)| *n == i.to_string())
}

/// Whether a CSV header is a first data row: every field a number, pandas'
/// default names excepted.
pub fn numeric_header(names: &[String]) -> bool {
    let numbers = !names.is_empty()
        && names
            .iter()
            .all(|n| !n.trim().is_empty() && n.trim().parse::<f64>().is_ok());
    numbers && !positional_names(names)
}

/// Parse a delimiter option: one ASCII character, or `tab` / `\t`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!(
            "delimiter {s:?}: give one character (for example ';' or tab)"
        )),
    }
}

/// The delimiter of a file when none is given: tab for `.tsv`, else comma.
pub fn default_delimiter(path: &Path) -> u8 {
    let tsv = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    if tsv {
        b'\t'
    } else {
        b','
    }
}

/// A hint when a CSV file read with `delimiter` gave one column whose name
/// holds another likely separator (`;`, tab, `|`): pass `--delimiter`.
pub fn delimiter_hint(names: &[String], delimiter: u8) -> Option<String> {
    match names {
        [one] if delimiter == b',' && one.contains([';', '\t', '|']) => Some(format!(
            "the input has a single column {one:?}; if its fields are separated by \
             something other than commas, pass --delimiter"
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_header_of_numbers_is_a_data_row_except_pandas_default() {
        assert!(numeric_header(&names(&["5.1", "3.5", "1.4", "0.2"])));
        assert!(numeric_header(&names(&["1", "2"])));
        assert!(!numeric_header(&names(&["0", "1", "2", "3"])));
        assert!(!numeric_header(&names(&["sl", "3.5"])));
        assert!(!numeric_header(&names(&["x0", "x1"])));
        assert!(!numeric_header(&[]));
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert!(parse_delimiter(";;").is_err());
        assert_eq!(default_delimiter(Path::new("a.TSV")), b'\t');
        assert_eq!(default_delimiter(Path::new("a.csv")), b',');
        assert!(delimiter_hint(&names(&["a;b"]), b',').is_some());
        assert!(delimiter_hint(&names(&["a;b"]), b';').is_none());
        assert!(delimiter_hint(&names(&["a", "b"]), b',').is_none());
    }
}
