//! Rules for tabular text input (CSV), shared by `skseal predict`
//! (crates/skseal-cli/src/predict.rs), the model card's evaluation
//! (crates/skseal-card/src/eval.rs) and `skseal serve`'s CSV bodies
//! (crates/skseal-serve/src/protocol.rs), so that all read a file the same
//! way: [`read_csv`] and [`text_column`]. The rule for a model fitted
//! without feature names is [`crate::Model::take_table`].

use std::path::Path;

use crate::data::Column;

/// What is wrong with CSV text (the caller says which file or request).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CsvError {
    /// The header row is made of numbers only: it is a first data row.
    #[error(
        "the first row ({0}) is all numbers, so it looks like data rather than a header; \
         if the file has no header row say so (--no-header, or no_header=True in Python), \
         or add one"
    )]
    NumericHeader(String),
    /// A row whose number of fields differs from the first row's.
    #[error("row {row}: {got} fields, the {first} has {want}")]
    Width {
        /// 1-based data row.
        row: usize,
        got: usize,
        want: usize,
        /// "header" or "first row".
        first: &'static str,
    },
    /// The text is not CSV (the csv crate's words, with its position).
    #[error("{0}")]
    Syntax(String),
}

/// CSV text read into columns of text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvText {
    /// The header's names, or `0, 1, ..., n-1` without a header.
    pub names: Vec<String>,
    /// `cells[column][row]`.
    pub cells: Vec<Vec<String>>,
    /// Whether the names came from a header row.
    pub named: bool,
}

/// Read CSV text separated by `delimiter`, with a header row when `header`
/// (a header made only of numbers is refused: [`numeric_header`]), every
/// row as wide as the first.
pub fn read_csv(r: impl std::io::Read, delimiter: u8, header: bool) -> Result<CsvText, CsvError> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(header)
        .delimiter(delimiter)
        // rows of another width get this reader's error, which names the row
        .flexible(true)
        .from_reader(r);
    let mut names: Vec<String> = Vec::new();
    if header {
        names = rd
            .headers()
            .map_err(|e| CsvError::Syntax(format!("header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        if numeric_header(&names) {
            return Err(CsvError::NumericHeader(names.join(", ")));
        }
    }
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| CsvError::Syntax(e.to_string()))?;
        if !header && i == 0 {
            names = (0..rec.len()).map(|j| j.to_string()).collect();
            cells = vec![Vec::new(); names.len()];
        }
        if rec.len() != names.len() {
            return Err(CsvError::Width {
                row: i + 1,
                got: rec.len(),
                want: names.len(),
                first: if header { "header" } else { "first row" },
            });
        }
        for (c, v) in cells.iter_mut().zip(rec.iter()) {
            c.push(v.to_string());
        }
    }
    Ok(CsvText {
        names,
        cells,
        named: header,
    })
}

/// Whether a text cell is a missing value: empty or blank.
fn missing(cell: &str) -> bool {
    cell.trim().is_empty()
}

/// A column of text cells: numbers when every non-missing cell parses as
/// one (Rust's `f64` syntax, which takes `nan`, `inf` and exponents; blank
/// cells are missing, NaN), else strings (blank cells missing, `None`).
pub fn text_column(cells: Vec<String>) -> Column {
    let nums: Option<Vec<f64>> = cells
        .iter()
        .map(|c| {
            if missing(c) {
                Some(f64::NAN)
            } else {
                c.trim().parse::<f64>().ok()
            }
        })
        .collect();
    match nums {
        Some(n) => Column::F64(n),
        None => Column::Str(
            cells
                .into_iter()
                .map(|c| if missing(&c) { None } else { Some(c) })
                .collect(),
        ),
    }
}

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
    fn one_reader_with_and_without_a_header() {
        let t = read_csv("a,b\n1,x\n, \n".as_bytes(), b',', true).unwrap();
        assert_eq!(t.names, names(&["a", "b"]));
        assert!(t.named);
        let cols: Vec<Column> = t.cells.into_iter().map(text_column).collect();
        match &cols[0] {
            Column::F64(v) => assert!(v[0] == 1.0 && v[1].is_nan()),
            c => panic!("{c:?}"),
        }
        assert_eq!(cols[1], Column::Str(vec![Some("x".into()), None]));
        let t = read_csv("5.1,3\n4,2\n".as_bytes(), b',', false).unwrap();
        assert_eq!(t.names, names(&["0", "1"]));
        assert_eq!(t.cells[0], vec!["5.1".to_string(), "4".to_string()]);
        assert!(!t.named);
        let e = read_csv("5.1,3\n4,2\n".as_bytes(), b',', true).unwrap_err();
        assert_eq!(e, CsvError::NumericHeader("5.1, 3".into()));
        assert!(e.to_string().contains("--no-header"), "{e}");
        let e = read_csv("a,b\n1\n".as_bytes(), b',', true).unwrap_err();
        assert_eq!(e.to_string(), "row 1: 1 fields, the header has 2");
        let e = read_csv("1,2\n1\n".as_bytes(), b',', false).unwrap_err();
        assert_eq!(e.to_string(), "row 2: 1 fields, the first row has 2");
        assert_eq!(read_csv("".as_bytes(), b',', false).unwrap().names.len(), 0);
    }

    #[test]
    fn text_columns_read_numbers_nan_and_blanks_alike() {
        let c = |v: &[&str]| text_column(v.iter().map(|s| s.to_string()).collect());
        match c(&["1e3", " 2 ", "nan", "NaN", "", "  ", "-inf"]) {
            Column::F64(v) => {
                assert_eq!(v[0], 1000.0);
                assert_eq!(v[1], 2.0);
                assert!(v[2..6].iter().all(|x| x.is_nan()));
                assert_eq!(v[6], f64::NEG_INFINITY);
            }
            c => panic!("{c:?}"),
        }
        assert_eq!(
            c(&["a", " ", "1"]),
            Column::Str(vec![Some("a".into()), None, Some("1".into())])
        );
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
