//! `skseal predict`: run a saved model on CSV or JSON-lines input with
//! skseal-native, no Python.
//!
//! Input: CSV with a header row (a column whose every non-empty value parses
//! as a number is numeric, empty cells are missing; any other column holds
//! strings), or JSON lines (each line an object `{"column": value}` with
//! numbers, strings or null, or an array of numbers). Output: CSV with a
//! header, or JSON lines (one value or array per row). Floats are written in
//! the shortest form that reads back to the same f64.

use std::io::{BufRead, Write};
use std::path::Path;

use serde_json::Value;
use skseal_native::{Column, Data, Labels, LoadOptions, Mat, Method, Output, Table};

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

fn read_csv(r: impl std::io::Read) -> Result<Data, String> {
    let mut rd = csv::ReaderBuilder::new().has_headers(true).from_reader(r);
    let names: Vec<String> = rd
        .headers()
        .map_err(|e| format!("input CSV header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut cells: Vec<Vec<String>> = vec![Vec::new(); names.len()];
    for (line, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| format!("input CSV: {e}"))?;
        if rec.len() != names.len() {
            return Err(format!(
                "input CSV row {}: {} fields, the header has {}",
                line + 1,
                rec.len(),
                names.len()
            ));
        }
        for (c, v) in cells.iter_mut().zip(rec.iter()) {
            c.push(v.to_string());
        }
    }
    let columns = cells
        .into_iter()
        .map(|vals| {
            let nums: Option<Vec<f64>> = vals
                .iter()
                .map(|v| {
                    let t = v.trim();
                    if t.is_empty() || t.eq_ignore_ascii_case("nan") {
                        Some(f64::NAN)
                    } else {
                        t.parse::<f64>().ok()
                    }
                })
                .collect();
            match nums {
                Some(n) => Column::F64(n),
                None => Column::Str(
                    vals.into_iter()
                        .map(|v| if v.is_empty() { None } else { Some(v) })
                        .collect(),
                ),
            }
        })
        .collect();
    Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| e.to_string())
}

fn read_jsonl(r: impl BufRead) -> Result<Data, String> {
    let mut names: Vec<String> = Vec::new();
    let mut rows: Vec<serde_json::Map<String, Value>> = Vec::new();
    let mut dense: Vec<f64> = Vec::new();
    let mut width: Option<usize> = None;
    let mut n = 0usize;
    for (i, line) in r.lines().enumerate() {
        let line = line.map_err(|e| format!("input: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("input line {}: {e}", i + 1))?;
        match v {
            Value::Object(m) => {
                if width.is_some() {
                    return Err(format!("input line {}: mixes objects and arrays", i + 1));
                }
                for k in m.keys() {
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
            }
            Value::Array(a) => {
                if !rows.is_empty() {
                    return Err(format!("input line {}: mixes objects and arrays", i + 1));
                }
                let w = *width.get_or_insert(a.len());
                if a.len() != w {
                    return Err(format!(
                        "input line {}: {} values, the first line has {w}",
                        i + 1,
                        a.len()
                    ));
                }
                for (j, x) in a.iter().enumerate() {
                    dense.push(match x {
                        Value::Number(num) => num.as_f64().unwrap_or(f64::NAN),
                        Value::Null => f64::NAN,
                        _ => {
                            return Err(format!(
                                "input line {}, value {j}: arrays must hold numbers (use objects for strings)",
                                i + 1
                            ))
                        }
                    });
                }
                n += 1;
            }
            _ => {
                return Err(format!(
                    "input line {}: expected an object or an array",
                    i + 1
                ))
            }
        }
    }
    if let Some(w) = width {
        return Mat::new(n, w, dense)
            .map(Data::Dense)
            .map_err(|e| e.to_string());
    }
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        let vals: Vec<&Value> = rows
            .iter()
            .map(|r| r.get(name).unwrap_or(&Value::Null))
            .collect();
        let numeric = vals
            .iter()
            .all(|v| matches!(v, Value::Number(_) | Value::Null));
        columns.push(if numeric {
            Column::F64(
                vals.iter()
                    .map(|v| v.as_f64().unwrap_or(f64::NAN))
                    .collect(),
            )
        } else {
            let mut out = Vec::with_capacity(vals.len());
            for (i, v) in vals.iter().enumerate() {
                out.push(match v {
                    Value::String(s) => Some(s.clone()),
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
    Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| e.to_string())
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

fn write_out(
    out: &Output,
    method: Method,
    classes: Option<&Labels>,
    fmt: Format,
    w: &mut dyn Write,
) -> Result<(), String> {
    let io = |e: std::io::Error| format!("output: {e}");
    match fmt {
        Format::Csv => {
            let mut wr = csv::Writer::from_writer(w);
            let e = |e: csv::Error| format!("output: {e}");
            match out {
                Output::Matrix(m) => {
                    let header: Vec<String> = match classes {
                        Some(c) if c.len() == m.cols && method != Method::Transform => {
                            (0..m.cols).map(|j| c.text(j)).collect()
                        }
                        _ => (0..m.cols)
                            .map(|j| format!("{}{j}", method.name()))
                            .collect(),
                    };
                    wr.write_record(&header).map_err(e)?;
                    for i in 0..m.rows {
                        wr.write_record(m.row(i).iter().map(|&x| num(x)))
                            .map_err(e)?;
                    }
                }
                Output::Vector(v) => {
                    wr.write_record([method.name()]).map_err(e)?;
                    for &x in v {
                        wr.write_record([num(x)]).map_err(e)?;
                    }
                }
                Output::Labels(l) => {
                    wr.write_record([method.name()]).map_err(e)?;
                    for i in 0..l.len() {
                        wr.write_record([l.text(i)]).map_err(e)?;
                    }
                }
            }
            wr.flush().map_err(io)
        }
        Format::Jsonl => {
            let mut line = |v: Value| writeln!(w, "{v}").map_err(io);
            match out {
                Output::Matrix(m) => {
                    for i in 0..m.rows {
                        line(Value::Array(
                            m.row(i).iter().map(|&x| json_num(x)).collect(),
                        ))?;
                    }
                }
                Output::Vector(v) => {
                    for &x in v {
                        line(json_num(x))?;
                    }
                }
                Output::Labels(l) => {
                    for i in 0..l.len() {
                        line(label_json(l, i))?;
                    }
                }
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
    pub trusted: Vec<String>,
    pub key: Option<[u8; 32]>,
    /// Print to stderr whether the results are bitwise or bounded on this machine.
    pub explain: bool,
}

pub fn run(a: Args<'_>) -> Result<(), String> {
    let method = Method::parse(a.method).ok_or_else(|| {
        format!(
            "unknown method {:?}: use one of {}",
            a.method,
            Method::ALL.map(Method::name).join(", ")
        )
    })?;
    let opts = LoadOptions {
        trusted: a.trusted,
        public_key: a.key,
        max_decompressed: skseal_core::resources::configured_max_decompressed()
            .map_err(|e| e.to_string())?,
        blas: None,
    };
    let model = skseal_native::load_path(a.model, &opts)
        .map_err(|e| format!("{}: {e}", a.model.display()))?;
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
    let fmt_in = a.input_format.unwrap_or_else(|| Format::guess(a.input));
    let data = {
        let stdin = a.input == Path::new("-");
        let reader: Box<dyn BufRead> = if stdin {
            Box::new(std::io::BufReader::new(std::io::stdin()))
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(a.input).map_err(|e| format!("{}: {e}", a.input.display()))?,
            ))
        };
        match fmt_in {
            Format::Csv => read_csv(reader)?,
            Format::Jsonl => read_jsonl(reader)?,
        }
    };
    // A table whose columns are all numeric and the model has no names: dense.
    let data = match data {
        Data::Table(t)
            if model.feature_names_in().is_none()
                && t.columns.iter().all(|c| matches!(c, Column::F64(_))) =>
        {
            Data::Dense(
                Data::Table(t)
                    .into_dense("the model")
                    .map_err(|e| e.to_string())?,
            )
        }
        d => d,
    };
    let out = model.run(method, data).map_err(|e| e.to_string())?;
    let fmt_out = a
        .output_format
        .or(a.output.map(Format::guess))
        .unwrap_or(fmt_in);
    match a.output {
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_out(&out, method, model.classes(), fmt_out, &mut lock)
        }
        Some(p) => {
            // Written next to the destination, then renamed: no partial output file.
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let tmp = dir.join(format!(
                ".{}.tmp{}",
                p.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
                std::process::id()
            ));
            let res = (|| {
                let mut f = std::io::BufWriter::new(
                    std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?,
                );
                write_out(&out, method, model.classes(), fmt_out, &mut f)?;
                f.flush().map_err(|e| format!("output: {e}"))?;
                drop(f);
                std::fs::rename(&tmp, p).map_err(|e| format!("{}: {e}", p.display()))
            })();
            if res.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            res
        }
    }
}
