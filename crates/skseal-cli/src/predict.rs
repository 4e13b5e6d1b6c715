//! `skseal predict`: run a saved model on CSV or JSON-lines input with
//! skseal-native, no Python.
//!
//! Input: CSV with a header row, or with `--no-header` none (a header made
//! only of numbers is refused: it is a first data row); a column whose every
//! non-empty value parses as a number is numeric, empty cells are missing;
//! any other column holds strings. Or JSON lines (each line an object
//! `{"column": value}` with numbers, strings or null, keys kept in their
//! written order, or an array of numbers), chosen by `--format`, the file's
//! name, or its first character. `--keep COLUMN` passes columns (ids) through.
//! Output: CSV with a header, or JSON lines: one value or array per row, an
//! object when there are class labels (probabilities, decision values) or
//! kept columns. Floats are written in the shortest form that reads back to
//! the same f64.

use std::io::{BufRead, Write};
use std::path::Path;

use serde_json::Value;
use skseal_native::{input, Column, Data, Labels, LoadOptions, Method, Output, Table};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "jsonl" | "json" => Ok(Format::Jsonl),
            _ => Err(format!("unknown format {s:?}: use csv or jsonl")),
        }
    }
    /// From a file name: .jsonl/.json/.ndjson are JSON lines, anything else CSV.
    pub fn guess(p: &Path) -> Format {
        match p.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "json" | "ndjson") => Format::Jsonl,
            _ => Format::Csv,
        }
    }
}

/// Options of the input reader.
pub struct InputOptions {
    /// The CSV input has no header row: columns are taken by position.
    pub no_header: bool,
    /// CSV field separator (and that of CSV output).
    pub delimiter: u8,
    /// Columns passed through to the output, not given to the model
    /// (names; column numbers from 0 when the input has no names).
    pub keep: Vec<String>,
}

/// Columns passed through from the input to the output (`--keep`).
#[derive(Default)]
pub struct Kept {
    pub names: Vec<String>,
    /// `values[column][row]`
    pub values: Vec<Vec<Value>>,
}

/// What was read: the model's input, the kept columns, and whether the
/// column names came from the input (false: made up from positions).
pub struct Input {
    pub data: Data,
    pub kept: Kept,
    pub named: bool,
}

/// Split the kept columns off `names`/`cells` (CSV: cells as text).
fn split_keep<T>(
    keep: &[String],
    names: &mut Vec<String>,
    cells: &mut Vec<Vec<T>>,
    named: bool,
) -> Result<(Vec<String>, Vec<Vec<T>>), String> {
    let mut kept = (Vec::new(), Vec::new());
    for k in keep {
        let pos = names.iter().position(|n| n == k).ok_or_else(|| {
            if named {
                format!(
                    "--keep {k:?}: the input has no such column; it has: {}",
                    names.join(", ")
                )
            } else {
                format!(
                    "--keep {k:?}: the input has no column names, so give a column \
                     number from 0 to {}",
                    names.len().saturating_sub(1)
                )
            }
        })?;
        kept.0.push(names.remove(pos));
        kept.1.push(cells.remove(pos));
    }
    Ok(kept)
}

fn read_csv(r: impl std::io::Read, o: &InputOptions) -> Result<Input, String> {
    let t = input::read_csv(r, o.delimiter, !o.no_header).map_err(|e| format!("input CSV: {e}"))?;
    let mut names = t.names;
    if let Some(hint) = input::delimiter_hint(&names, o.delimiter) {
        eprintln!("skseal: warning: {hint}");
    }
    let mut cells = t.cells;
    let (kept_names, kept_cells) = split_keep(&o.keep, &mut names, &mut cells, t.named)?;
    let kept = Kept {
        names: kept_names,
        values: kept_cells
            .into_iter()
            .map(|c| c.into_iter().map(Value::String).collect())
            .collect(),
    };
    let columns = cells.into_iter().map(input::text_column).collect();
    let data = Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| e.to_string())?;
    Ok(Input {
        data,
        kept,
        named: t.named,
    })
}

/// A JSON object with its keys in the order written (serde_json's map sorts
/// them, which would reorder the columns of a model without feature names).
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Whether text (its first non-blank byte) looks like JSON lines.
pub fn looks_like_jsonl(head: &[u8]) -> bool {
    matches!(
        head.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

fn read_jsonl(r: impl BufRead, o: &InputOptions) -> Result<Input, String> {
    let mut names: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<(String, Value)>> = Vec::new();
    let mut arrays: Vec<Vec<Value>> = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let line = line.map_err(|e| format!("input: {e}"))?;
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.starts_with('{') {
            if !arrays.is_empty() {
                return Err(format!("input line {}: mixes objects and arrays", i + 1));
            }
            let Ordered(m) =
                serde_json::from_str(t).map_err(|e| format!("input line {}: {e}", i + 1))?;
            for (k, _) in &m {
                if !names.contains(k) {
                    if !rows.is_empty() {
                        return Err(format!(
                            "input line {}: column {k:?} is not in the first line",
                            i + 1
                        ));
                    }
                    names.push(k.clone());
                }
            }
            rows.push(m);
        } else {
            let v: Value =
                serde_json::from_str(t).map_err(|e| format!("input line {}: {e}", i + 1))?;
            let Value::Array(a) = v else {
                return Err(format!(
                    "input line {}: expected an object or an array",
                    i + 1
                ));
            };
            if !rows.is_empty() {
                return Err(format!("input line {}: mixes objects and arrays", i + 1));
            }
            if let Some(first) = arrays.first() {
                if a.len() != first.len() {
                    return Err(format!(
                        "input line {}: {} values, the first line has {}",
                        i + 1,
                        a.len(),
                        first.len()
                    ));
                }
            }
            arrays.push(a);
        }
    }
    let named = arrays.is_empty();
    let mut cells: Vec<Vec<Value>> = if named {
        names
            .iter()
            .map(|name| {
                rows.iter()
                    .map(|r| {
                        r.iter()
                            .find(|(k, _)| k == name)
                            .map_or(Value::Null, |(_, v)| v.clone())
                    })
                    .collect()
            })
            .collect()
    } else {
        let w = arrays.first().map_or(0, Vec::len);
        names = (0..w).map(|j| j.to_string()).collect();
        let mut cols = vec![Vec::with_capacity(arrays.len()); w];
        for a in arrays {
            for (c, v) in cols.iter_mut().zip(a) {
                c.push(v);
            }
        }
        cols
    };
    drop(rows);
    let (kept_names, kept_values) = split_keep(&o.keep, &mut names, &mut cells, named)?;
    let kept = Kept {
        names: kept_names,
        values: kept_values,
    };
    let mut columns = Vec::with_capacity(names.len());
    for (name, vals) in names.iter().zip(cells) {
        let numeric = vals
            .iter()
            .all(|v| matches!(v, Value::Number(_) | Value::Null));
        columns.push(if numeric {
            Column::F64(
                vals.iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
                    .collect(),
            )
        } else if !named {
            return Err(format!(
                "input: value {name} of the arrays is not a number (arrays must hold numbers; \
                 use objects for strings)"
            ));
        } else {
            let mut out = Vec::with_capacity(vals.len());
            for (i, v) in vals.into_iter().enumerate() {
                out.push(match v {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    _ => {
                        return Err(format!(
                            "input row {}: column {name:?} mixes strings and numbers",
                            i + 1
                        ))
                    }
                });
            }
            Column::Str(out)
        });
    }
    let data = Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| e.to_string())?;
    Ok(Input { data, kept, named })
}

fn num(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        format!("{x:?}")
    }
}

fn json_num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn label_json(l: &Labels, i: usize) -> Value {
    match l {
        Labels::Int(v) => Value::from(v[i]),
        Labels::Int32(v) => Value::from(v[i]),
        Labels::Float(v) => json_num(v[i]),
        Labels::Bool(v) => Value::from(v[i]),
        Labels::Str(v) => Value::from(v[i].clone()),
    }
}

/// The output's columns: their names and, per row, their JSON values.
struct Table2 {
    names: Vec<String>,
    /// Names come from the model's classes (probabilities, decision values).
    labelled: bool,
    rows: usize,
    cell: Box<dyn Fn(usize, usize) -> Value + 'static>,
}

fn output_columns(out: Output, method: Method, classes: Option<&Labels>) -> Table2 {
    match out {
        Output::Matrix(m) => {
            let labels = classes.filter(|c| c.len() == m.cols && method != Method::Transform);
            let names: Vec<String> = match labels {
                // string labels name their columns; numbers would make a
                // header of numbers (read back as data), so they get a prefix
                Some(Labels::Str(c)) => c.clone(),
                Some(c) => (0..m.cols)
                    .map(|j| format!("{}_{}", method.name(), c.text(j)))
                    .collect(),
                None => (0..m.cols)
                    .map(|j| format!("{}{j}", method.name()))
                    .collect(),
            };
            Table2 {
                names,
                labelled: labels.is_some(),
                rows: m.rows,
                cell: Box::new(move |i, j| json_num(m.row(i)[j])),
            }
        }
        Output::Vector(v) => Table2 {
            names: vec![method.name().to_string()],
            labelled: false,
            rows: v.len(),
            cell: Box::new(move |i, _| json_num(v[i])),
        },
        Output::Labels(l) => Table2 {
            names: vec![method.name().to_string()],
            labelled: false,
            rows: l.len(),
            cell: Box::new(move |i, _| label_json(&l, i)),
        },
        // a classifier with several outputs: a column per output ...
        Output::LabelColumns(c) => Table2 {
            names: (0..c.len())
                .map(|k| format!("{}{k}", method.name()))
                .collect(),
            labelled: false,
            rows: c.first().map_or(0, Labels::len),
            cell: Box::new(move |i, k| label_json(&c[k], i)),
        },
        // ... and its probabilities: output k's class j as `{method}{k}_{j}`
        Output::Matrices(ms) => {
            let names = ms
                .iter()
                .enumerate()
                .flat_map(|(k, m)| (0..m.cols).map(move |j| format!("{}{k}_{j}", method.name())))
                .collect();
            let at: Vec<(usize, usize)> = ms
                .iter()
                .enumerate()
                .flat_map(|(k, m)| (0..m.cols).map(move |j| (k, j)))
                .collect();
            Table2 {
                names,
                labelled: false,
                rows: ms.first().map_or(0, |m| m.rows),
                cell: Box::new(move |i, c| {
                    let (k, j) = at[c];
                    json_num(ms[k].row(i)[j])
                }),
            }
        }
    }
}

/// A JSON value as a CSV cell (floats in their shortest round-trip form).
fn csv_cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => num(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn write_out(
    out: Output,
    method: Method,
    classes: Option<&Labels>,
    kept: &Kept,
    fmt: Format,
    delimiter: u8,
    w: &mut dyn Write,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("output: {e}");
    let is_matrix = !matches!(out, Output::Vector(_) | Output::Labels(_));
    let t = output_columns(out, method, classes);
    let width = t.names.len();
    match fmt {
        Format::Csv => {
            let mut wr = csv::WriterBuilder::new()
                .delimiter(delimiter)
                .from_writer(w);
            let e = |e: csv::Error| format!("output: {e}");
            wr.write_record(kept.names.iter().chain(&t.names))
                .map_err(e)?;
            let mut rec: Vec<String> = Vec::with_capacity(kept.names.len() + width);
            for i in 0..t.rows {
                rec.clear();
                rec.extend(kept.values.iter().map(|c| csv_cell(&c[i])));
                rec.extend((0..width).map(|j| {
                    let v = (t.cell)(i, j);
                    match v {
                        // NaN and infinities have no JSON form: write them as numpy does
                        Value::Null => String::new(),
                        v => csv_cell(&v),
                    }
                }));
                wr.write_record(&rec).map_err(e)?;
            }
            wr.flush().map_err(io)
        }
        Format::Jsonl => {
            for i in 0..t.rows {
                let predictions: Vec<Value> = (0..width).map(|j| (t.cell)(i, j)).collect();
                let v = if kept.names.is_empty() && !t.labelled {
                    // no names to give: a value per row, or an array of them
                    if is_matrix {
                        Value::Array(predictions)
                    } else {
                        predictions.into_iter().next().unwrap_or(Value::Null)
                    }
                } else {
                    let mut obj = serde_json::Map::new();
                    for (n, c) in kept.names.iter().zip(&kept.values) {
                        obj.insert(n.clone(), c[i].clone());
                    }
                    if t.labelled || !is_matrix {
                        for (n, p) in t.names.iter().zip(predictions) {
                            obj.insert(n.clone(), p);
                        }
                    } else {
                        obj.insert(method.name().to_string(), Value::Array(predictions));
                    }
                    Value::Object(obj)
                };
                writeln!(w, "{v}").map_err(io)?;
            }
            Ok(())
        }
    }
}

pub struct Args<'a> {
    pub model: &'a Path,
    pub input: &'a Path,
    pub output: Option<&'a Path>,
    pub method: &'a str,
    pub input_format: Option<Format>,
    pub output_format: Option<Format>,
    pub options: InputOptions,
    pub trusted: Vec<String>,
    pub key: Option<[u8; 32]>,
    /// Print to stderr whether the results are bitwise or bounded on this machine.
    pub explain: bool,
    /// `LoadOptions::mmap`: stored native tree layouts used in place.
    pub mmap: bool,
}

/// Read the whole input (a file, or stdin for "-") in the format given, else
/// by its name (.jsonl/.json/.ndjson, .csv/.tsv), else by its first byte.
fn read_input(a: &Args<'_>, opts: &InputOptions) -> Result<(Input, Format), String> {
    let stdin = a.input == Path::new("-");
    let mut reader: Box<dyn BufRead> = if stdin {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(a.input)
                .map_err(|e| format!("cannot open input {}: {e}", a.input.display()))?,
        ))
    };
    let ext = a
        .input
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let fmt = match (a.input_format, ext.as_deref()) {
        (Some(f), _) => f,
        (None, Some("jsonl" | "json" | "ndjson")) => Format::Jsonl,
        (None, Some("csv" | "tsv" | "txt")) => Format::Csv,
        (None, _) => {
            let head = reader
                .fill_buf()
                .map_err(|e| format!("input {}: {e}", a.input.display()))?;
            if looks_like_jsonl(head) {
                Format::Jsonl
            } else {
                Format::Csv
            }
        }
    };
    if fmt == Format::Jsonl && opts.no_header {
        return Err("--no-header applies to CSV input only".into());
    }
    let input = match fmt {
        Format::Csv => read_csv(reader, opts)?,
        Format::Jsonl => read_jsonl(reader, opts)?,
    };
    Ok((input, fmt))
}

/// Give the model the input it expects (`Model::take_table`, the card's
/// rule too), printing its warning.
fn shape_input(model: &skseal_native::Model, input: Input) -> Result<Data, String> {
    let Data::Table(t) = input.data else {
        return Ok(input.data);
    };
    let (data, warning) = model
        .take_table(t, input.named)
        .map_err(|e| e.to_string())?;
    if let Some(w) = warning {
        eprintln!("skseal: warning: {w}");
    }
    Ok(data)
}

pub fn run(mut a: Args<'_>) -> Result<(), String> {
    let method = Method::parse(a.method).ok_or_else(|| {
        format!(
            "unknown method {:?}: use one of {}",
            a.method,
            Method::ALL.map(Method::name).join(", ")
        )
    })?;
    let opts = LoadOptions {
        trusted: std::mem::take(&mut a.trusted),
        public_key: a.key,
        max_decompressed: skseal_core::resources::configured_max_decompressed()
            .map_err(|e| e.to_string())?,
        blas: None,
        mmap: a.mmap,
    };
    let model = skseal_native::load_path(a.model, &opts).map_err(|e| match &e {
        skseal_native::NativeError::Core(skseal_core::CoreError::Untrusted(u)) => format!(
            "{}: {e}; nothing was run. {}",
            a.model.display(),
            crate::convert::trust_hint(u)
        ),
        _ => format!("{}: {e}", a.model.display()),
    })?;
    if !model.supports(method) {
        let have: Vec<&str> = model.methods().into_iter().map(Method::name).collect();
        return Err(format!(
            "{} has no method {}; it has: {}",
            model.class(),
            method.name(),
            have.join(", ")
        ));
    }
    if a.explain {
        let b = model.blas();
        eprintln!(
            "skseal: {} {}: {} (numpy's OpenBLAS reproduced: {} kernels, {} threads)",
            model.class(),
            method.name(),
            model.exactness(method).describe(),
            b.core.name(),
            b.threads
        );
    }
    let options = std::mem::replace(
        &mut a.options,
        InputOptions {
            no_header: false,
            delimiter: b',',
            keep: Vec::new(),
        },
    );
    let (mut input, fmt_in) = read_input(&a, &options)?;
    let kept = std::mem::take(&mut input.kept);
    let data = shape_input(&model, input)?;
    let out = model.run(method, data).map_err(|e| match e {
        // Name the input, the model and the fix, not only scikit-learn's words.
        skseal_native::NativeError::Input(why) => format!(
            "{} does not fit the model {}: {why}; give it the columns the model was \
             fitted on (`skseal inspect {}` lists them), or check --delimiter and --no-header",
            a.input.display(),
            a.model.display(),
            a.model.display()
        ),
        other => other.to_string(),
    })?;
    let fmt_out = a
        .output_format
        .or(a.output.map(Format::guess))
        .unwrap_or(fmt_in);
    let write = |w: &mut dyn Write| {
        write_out(
            out,
            method,
            model.classes(),
            &kept,
            fmt_out,
            options.delimiter,
            w,
        )
    };
    match a.output {
        None => {
            let mut stdout = std::io::BufWriter::new(crate::out::stdout());
            write(&mut stdout)?;
            stdout.flush().map_err(|e| format!("output: {e}"))
        }
        Some(p) => {
            // The one whole-file writer: no partial output file, and a
            // device or a link is written through, never replaced.
            let mut err = None;
            skseal_core::container::write_atomic(p, |f| {
                write(f).map_err(|e| {
                    err = Some(e);
                    std::io::Error::other("output not written")
                })?;
                Ok(())
            })
            .map_err(|e: std::io::Error| {
                err.take()
                    .unwrap_or_else(|| format!("{}: {e}", p.display()))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_jsonl(b"  \n{\"a\": 1}"));
        assert!(looks_like_jsonl(b"[1, 2]"));
        assert!(!looks_like_jsonl(b"a,b\n1,2"));
    }

    #[test]
    fn csv_without_header_and_kept_columns() {
        let o = InputOptions {
            no_header: true,
            delimiter: b',',
            keep: vec!["0".into()],
        };
        let input =
            read_csv("id7,1.5,2\nid8,3,4\n".as_bytes(), &o).unwrap_or_else(|e| panic!("{e}"));
        assert!(!input.named);
        assert_eq!(input.kept.names, ["0"]);
        assert_eq!(input.kept.values[0], [json!("id7"), json!("id8")]);
        assert_eq!(input.data.cols(), 2);
        let o = InputOptions {
            no_header: false,
            delimiter: b',',
            keep: vec![],
        };
        let err = read_csv("5.1,3.5\n1,2\n".as_bytes(), &o)
            .err()
            .unwrap_or_default();
        assert!(err.contains("--no-header"), "{err}");
    }

    #[test]
    fn jsonl_keys_keep_their_written_order() {
        let o = InputOptions {
            no_header: false,
            delimiter: b',',
            keep: vec![],
        };
        let input = read_jsonl("{\"x2\": 1, \"x10\": 2, \"x1\": 3}\n".as_bytes(), &o)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(input.data.names(), Some(&names(&["x2", "x10", "x1"])[..]));
    }
}
