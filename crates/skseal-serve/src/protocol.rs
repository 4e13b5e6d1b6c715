//! Request bodies to model input, model output to response bodies, for the
//! Open Inference Protocol v2 (KServe, MLServer, Triton) and MLflow's
//! scoring protocol. Every malformed body is a [`BadRequest`] that says what
//! is wrong and where.

use serde_json::{json, Map, Value};
use skseal_native::{input, Column, Data, Labels, Mat, Output, Table};

/// A request the server cannot answer as asked (HTTP 400).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

fn bad(s: impl Into<String>) -> BadRequest {
    BadRequest(s.into())
}

/// A JSON number; NaN and the infinities (which JSON has no literal for) as
/// the strings "NaN", "Infinity" and "-Infinity", as protobuf's JSON mapping
/// of doubles spells them (KServe's REST protocol mirrors its gRPC one), so a
/// `-inf` log-probability survives the trip (`float("-Infinity")` in Python).
pub fn num(x: f64) -> Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => Value::Number(n),
        None if x.is_nan() => Value::from("NaN"),
        None if x > 0.0 => Value::from("Infinity"),
        None => Value::from("-Infinity"),
    }
}

fn label(l: &Labels, i: usize) -> Value {
    match l {
        Labels::Int(v) => Value::from(v[i]),
        Labels::Int32(v) => Value::from(v[i]),
        Labels::Float(v) => num(v[i]),
        Labels::Bool(v) => Value::from(v[i]),
        Labels::Str(v) => Value::from(v[i].clone()),
    }
}

// ---------------------------------------------------------------- columns

/// A column from JSON values: numbers (null = NaN) or strings (null = missing).
fn column(name: &str, vals: &[&Value]) -> Result<Column, BadRequest> {
    let strings = vals.iter().any(|v| v.is_string());
    if strings {
        let mut out = Vec::with_capacity(vals.len());
        for (i, v) in vals.iter().enumerate() {
            match v {
                Value::String(s) => out.push(Some(s.clone())),
                Value::Null => out.push(None),
                other => {
                    return Err(bad(format!(
                    "column {name:?} mixes strings with {} at row {i}; send one type per column",
                    kind(other)
                )))
                }
            }
        }
        Ok(Column::Str(out))
    } else {
        let mut out = Vec::with_capacity(vals.len());
        for (i, v) in vals.iter().enumerate() {
            out.push(number(v).ok_or_else(|| {
                bad(format!(
                    "column {name:?}, row {i}: expected a number or null, found {}",
                    kind(v)
                ))
            })?);
        }
        Ok(Column::F64(out))
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::Null => Some(f64::NAN),
        Value::String(s) if s == "NaN" => Some(f64::NAN),
        Value::String(s) if s == "Infinity" => Some(f64::INFINITY),
        Value::String(s) if s == "-Infinity" => Some(f64::NEG_INFINITY),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Rows of equal-length lists: a dense matrix when every value is a number,
/// otherwise a table with columns named by position or `names`.
fn rows_to_data(
    rows: &[Value],
    names: Option<Vec<String>>,
    what: &str,
) -> Result<Data, BadRequest> {
    let width = match rows.first() {
        Some(Value::Array(r)) => r.len(),
        Some(v) => {
            return Err(bad(format!(
                "{what}: each row must be a list, found {}",
                kind(v)
            )))
        }
        None => return Err(bad(format!("{what}: no rows"))),
    };
    let mut cols: Vec<Vec<&Value>> = vec![Vec::with_capacity(rows.len()); width];
    for (i, r) in rows.iter().enumerate() {
        let Value::Array(r) = r else {
            return Err(bad(format!("{what}: row {i} is {}, not a list", kind(r))));
        };
        if r.len() != width {
            return Err(bad(format!(
                "{what}: row {i} has {} values, the first row has {width}",
                r.len()
            )));
        }
        for (c, v) in cols.iter_mut().zip(r) {
            c.push(v);
        }
    }
    let names = match names {
        Some(n) if n.len() != width => {
            return Err(bad(format!(
                "{what}: {} column names for rows of {width} values",
                n.len()
            )))
        }
        Some(n) => Some(n),
        None => None,
    };
    let all_numbers = cols.iter().flatten().all(|v| number(v).is_some());
    if all_numbers && names.is_none() {
        let mut data = Vec::with_capacity(rows.len() * width);
        for i in 0..rows.len() {
            for c in &cols {
                data.push(number(c[i]).unwrap_or(f64::NAN));
            }
        }
        return Mat::new(rows.len(), width, data)
            .map(Data::Dense)
            .map_err(|e| bad(e.to_string()));
    }
    let names = names.unwrap_or_else(|| (0..width).map(|j| j.to_string()).collect());
    table(names, &cols)
}

/// A table of the named columns of JSON values.
fn table(names: Vec<String>, cols: &[Vec<&Value>]) -> Result<Data, BadRequest> {
    let columns = names
        .iter()
        .zip(cols)
        .map(|(n, c)| column(n, c))
        .collect::<Result<Vec<_>, _>>()?;
    Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| bad(e.to_string()))
}

/// `[{col: value}, ...]` records: a table with the first record's keys.
fn records_to_data(recs: &[Value], what: &str) -> Result<Data, BadRequest> {
    let Some(Value::Object(first)) = recs.first() else {
        return Err(bad(format!("{what}: expected a non-empty list of objects")));
    };
    let names: Vec<String> = first.keys().cloned().collect();
    let mut cols: Vec<Vec<&Value>> = vec![Vec::with_capacity(recs.len()); names.len()];
    for (i, r) in recs.iter().enumerate() {
        let Value::Object(r) = r else {
            return Err(bad(format!(
                "{what}: record {i} is {}, not an object",
                kind(r)
            )));
        };
        if r.len() != names.len() {
            return Err(bad(format!(
                "{what}: record {i} has {} fields, the first has {}",
                r.len(),
                names.len()
            )));
        }
        for (n, c) in names.iter().zip(cols.iter_mut()) {
            c.push(
                r.get(n)
                    .ok_or_else(|| bad(format!("{what}: record {i} has no field {n:?}")))?,
            );
        }
    }
    table(names, &cols)
}

/// `{col: [values]}`: a table.
fn columns_to_data(obj: &Map<String, Value>, what: &str) -> Result<Data, BadRequest> {
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (n, v) in obj {
        let Value::Array(vals) = v else {
            return Err(bad(format!(
                "{what}: column {n:?} is {}, not a list",
                kind(v)
            )));
        };
        let refs: Vec<&Value> = vals.iter().collect();
        names.push(n.clone());
        columns.push(column(n, &refs)?);
    }
    Table::new(names, columns)
        .map(Data::Table)
        .map_err(|e| bad(format!("{what}: {e}")))
}

// ---------------------------------------------------------------- MLflow

/// The input of an MLflow `/invocations` JSON body, and its `params.method`.
pub fn mlflow_json(body: &Value) -> Result<(Data, Option<String>), BadRequest> {
    let Value::Object(o) = body else {
        return Err(bad(
            "expected a JSON object with one of dataframe_split, dataframe_records, instances or inputs",
        ));
    };
    let method = o
        .get("params")
        .and_then(|p| p.get("method"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let data = if let Some(split) = o.get("dataframe_split") {
        let rows = split
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("dataframe_split needs \"data\": a list of rows"))?;
        let names = match split.get("columns") {
            None => None,
            Some(Value::Array(c)) => Some(
                c.iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        v => Err(bad(format!(
                            "dataframe_split.columns: {} is not a name",
                            kind(v)
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(v) => {
                return Err(bad(format!(
                    "dataframe_split.columns is {}, not a list",
                    kind(v)
                )))
            }
        };
        rows_to_data(rows, names, "dataframe_split.data")?
    } else if let Some(recs) = o.get("dataframe_records") {
        let recs = recs
            .as_array()
            .ok_or_else(|| bad("dataframe_records must be a list of objects"))?;
        records_to_data(recs, "dataframe_records")?
    } else if let Some(v) = o.get("instances").or_else(|| o.get("inputs")) {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_object) => {
                records_to_data(items, "instances")?
            }
            // a 1-D list of strings: one document per row (a text pipeline)
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {
                let docs = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                Table::new(vec![TEXT_INPUT_NAME.into()], vec![Column::Str(docs)])
                    .map(Data::Table)
                    .map_err(|e| bad(e.to_string()))?
            }
            Value::Array(items) => rows_to_data(items, None, "instances")?,
            Value::Object(cols) => columns_to_data(cols, "inputs")?,
            v => {
                return Err(bad(format!(
                    "instances/inputs is {}, not a list or object",
                    kind(v)
                )))
            }
        }
    } else {
        return Err(bad(
            "no input: send one of dataframe_split, dataframe_records, instances or inputs",
        ));
    };
    Ok((data, method))
}

/// A CSV body with a header row, read as `skseal predict` reads a file
/// (`skseal_native::input`: one column per header field, numeric when every
/// non-blank value parses as a number, blank = missing; a header of numbers
/// only is refused).
pub fn csv_body(body: &[u8]) -> Result<Data, BadRequest> {
    let t = input::read_csv(body, b',', true).map_err(|e| bad(format!("CSV body: {e}")))?;
    let columns = t.cells.into_iter().map(input::text_column).collect();
    Table::new(t.names, columns)
        .map(Data::Table)
        .map_err(|e| bad(e.to_string()))
}

fn row(m: &Mat, i: usize) -> Value {
    Value::Array(m.row(i).iter().map(|&x| num(x)).collect())
}

/// MLflow's response: `{"predictions": [...]}`, one item per row: a number
/// or a label, a list for 2-D outputs (a classifier with several outputs:
/// its labels, or a list of each output's probabilities).
pub fn mlflow_response(out: &Output) -> Value {
    let preds: Vec<Value> = match out {
        Output::Matrix(m) => (0..m.rows).map(|i| row(m, i)).collect(),
        Output::Vector(v) => v.iter().map(|&x| num(x)).collect(),
        Output::Labels(l) => (0..l.len()).map(|i| label(l, i)).collect(),
        Output::LabelColumns(c) => (0..out.rows())
            .map(|i| Value::Array(c.iter().map(|l| label(l, i)).collect()))
            .collect(),
        Output::Matrices(ms) => (0..out.rows())
            .map(|i| Value::Array(ms.iter().map(|m| row(m, i)).collect()))
            .collect(),
    };
    json!({ "predictions": preds })
}

// ---------------------------------------------------------------- Open Inference Protocol v2

fn flatten<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| flatten(x, out)),
        x => out.push(x),
    }
}

/// The input of a v2 `infer` body and its `parameters.method`: one 2-D
/// tensor (a dense matrix), or one 1-D tensor per column (a table; BYTES
/// tensors are string columns).
pub fn v2_infer(body: &Value) -> Result<(Data, Option<String>), BadRequest> {
    let method = body
        .get("parameters")
        .and_then(|p| p.get("method"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("expected \"inputs\": a list of tensors"))?;
    if inputs.is_empty() {
        return Err(bad("\"inputs\" is empty"));
    }
    let mut tensors = Vec::with_capacity(inputs.len());
    for (k, t) in inputs.iter().enumerate() {
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("inputs[{k}] has no \"name\"")))?;
        let shape: Vec<usize> = t
            .get("shape")
            .and_then(Value::as_array)
            .ok_or_else(|| bad(format!("input {name:?} has no \"shape\"")))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<_>>()
            .ok_or_else(|| {
                bad(format!(
                    "input {name:?}: shape must be non-negative integers"
                ))
            })?;
        let dt = t
            .get("datatype")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("input {name:?} has no \"datatype\"")))?;
        let mut flat = Vec::new();
        flatten(
            t.get("data")
                .ok_or_else(|| bad(format!("input {name:?} has no \"data\"")))?,
            &mut flat,
        );
        let count: usize = shape.iter().product();
        if count != flat.len() {
            return Err(bad(format!(
                "input {name:?}: shape {shape:?} holds {count} values, data has {}",
                flat.len()
            )));
        }
        tensors.push((name.to_string(), shape, dt.to_ascii_uppercase(), flat));
    }
    if tensors.len() == 1 && tensors[0].1.len() == 2 && tensors[0].2 != "BYTES" {
        let (name, shape, dt, flat) = &tensors[0];
        check_dtype(name, dt)?;
        let data = flat
            .iter()
            .enumerate()
            .map(|(i, v)| {
                number(v).ok_or_else(|| {
                    bad(format!(
                        "input {name:?} ({dt}), value {i}: {} is not a number",
                        kind(v)
                    ))
                })
            })
            .collect::<Result<Vec<f64>, _>>()?;
        let m = Mat::new(shape[0], shape[1], data).map_err(|e| bad(e.to_string()))?;
        return Ok((Data::Dense(m), method));
    }
    let mut names = Vec::new();
    let mut columns = Vec::new();
    for (name, shape, dt, flat) in &tensors {
        if !(shape.len() == 1 || (shape.len() == 2 && shape[1] == 1)) {
            return Err(bad(format!(
                "input {name:?}: with several inputs each is one column, shape [rows] or [rows, 1]; got {shape:?}"
            )));
        }
        let col = if dt == "BYTES" {
            Column::Str(
                flat.iter()
                    .enumerate()
                    .map(|(i, v)| match v {
                        Value::String(s) => Ok(Some(s.clone())),
                        Value::Null => Ok(None),
                        v => Err(bad(format!(
                            "input {name:?} (BYTES), value {i}: {} is not a string",
                            kind(v)
                        ))),
                    })
                    .collect::<Result<_, _>>()?,
            )
        } else {
            check_dtype(name, dt)?;
            match column(name, flat)? {
                Column::Str(_) => {
                    return Err(bad(format!(
                        "input {name:?} is {dt} but holds strings; send strings as BYTES"
                    )))
                }
                c => c,
            }
        };
        names.push(name.clone());
        columns.push(col);
    }
    let t = Table::new(names, columns).map_err(|e| bad(e.to_string()))?;
    Ok((Data::Table(t), method))
}

fn check_dtype(name: &str, dt: &str) -> Result<(), BadRequest> {
    match dt {
        "FP64" | "FP32" | "FP16" | "INT64" | "INT32" | "INT16" | "INT8" | "UINT64" | "UINT32"
        | "UINT16" | "UINT8" | "BOOL" => Ok(()),
        other => Err(bad(format!(
            "input {name:?}: datatype {other:?} is not one of FP64, FP32, INT64, INT32, ..., BOOL, BYTES"
        ))),
    }
}

/// The name of a text pipeline's one input (its documents), in the v2
/// metadata and for MLflow's `{"instances": ["doc", ...]}`.
pub const TEXT_INPUT_NAME: &str = "text";

/// The v2 datatype a column of a table travels as: BYTES for strings.
pub fn column_dtype(c: &Column) -> &'static str {
    match c {
        Column::F64(_) => "FP64",
        Column::Str(_) | Column::Codes(_) => "BYTES",
    }
}

/// The v2 datatype of class labels.
pub fn labels_dtype(l: &Labels) -> &'static str {
    match l {
        Labels::Int(_) => "INT64",
        Labels::Int32(_) => "INT32",
        Labels::Float(_) => "FP64",
        Labels::Bool(_) => "BOOL",
        Labels::Str(_) => "BYTES",
    }
}

/// The v2 output tensors: one named after the method, or for a
/// classifier's probabilities of several outputs one per output
/// (`{method}_{k}`, as scikit-learn's list).
pub fn v2_outputs(method: &str, out: &Output) -> Vec<Value> {
    if let Output::Matrices(ms) = out {
        return ms
            .iter()
            .enumerate()
            .map(|(k, m)| v2_output(&format!("{method}_{k}"), &Output::Matrix(m.clone())))
            .collect();
    }
    vec![v2_output(method, out)]
}

/// One v2 output tensor named `name`.
fn v2_output(name: &str, out: &Output) -> Value {
    let (shape, datatype, data): (Vec<usize>, &str, Vec<Value>) = match out {
        Output::Matrix(m) => (
            vec![m.rows, m.cols],
            "FP64",
            m.data.iter().map(|&x| num(x)).collect(),
        ),
        Output::Vector(v) => (vec![v.len()], "FP64", v.iter().map(|&x| num(x)).collect()),
        Output::Labels(l) => (
            vec![l.len()],
            labels_dtype(l),
            (0..l.len()).map(|i| label(l, i)).collect(),
        ),
        Output::LabelColumns(c) => {
            let n = out.rows();
            (
                vec![n, c.len()],
                c.first().map_or("INT64", labels_dtype),
                (0..n)
                    .flat_map(|i| c.iter().map(move |l| label(l, i)))
                    .collect(),
            )
        }
        Output::Matrices(ms) => (
            vec![out.rows(), ms.iter().map(|m| m.cols).sum()],
            "FP64",
            (0..out.rows())
                .flat_map(|i| {
                    ms.iter()
                        .flat_map(move |m| m.row(i).iter().map(|&x| num(x)))
                })
                .collect(),
        ),
    };
    json!({ "name": name, "shape": shape, "datatype": datatype, "data": data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlflow_bodies() {
        let (d, m) = mlflow_json(&json!({"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"], [2.5, null]]}, "params": {"method": "predict_proba"}})).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.as_deref(), Some("predict_proba"));
        let Data::Table(t) = d else { panic!("table") };
        assert_eq!(t.columns[1], Column::Str(vec![Some("x".into()), None]));
        let (d, _) =
            mlflow_json(&json!({"instances": [[1, 2], [3, 4]]})).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(d, Data::Dense(m) if m.data == vec![1.0, 2.0, 3.0, 4.0]));
        assert!(mlflow_json(&json!({"instances": [[1, 2], [3]]})).is_err());
        // a list of documents is one string column
        let (d, _) =
            mlflow_json(&json!({"instances": ["a b", "c"]})).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(d, Data::Table(ref t) if t.rows == 2 && matches!(t.columns[..], [Column::Str(_)]))
        );
        assert!(mlflow_json(&json!({"instances": ["a", 1]})).is_err());
        assert!(mlflow_json(&json!({"nothing": 1})).is_err());
        assert!(mlflow_json(&json!({"dataframe_records": [{"a": 1}, {"b": 2}]})).is_err());
    }

    #[test]
    fn v2_bodies() {
        let (d, _) = v2_infer(&json!({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3, 4]}]})).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(d, Data::Dense(_)));
        assert!(v2_infer(&json!({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3]}]})).is_err());
        assert!(v2_infer(&json!({"inputs": [{"name": "x", "shape": [2, 1], "datatype": "COMPLEX", "data": [1, 2]}]})).is_err());
        let (d, _) = v2_infer(&json!({"inputs": [
            {"name": "a", "shape": [2], "datatype": "FP64", "data": [1, 2]},
            {"name": "c", "shape": [2], "datatype": "BYTES", "data": ["x", "y"]}]}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(d, Data::Table(t) if t.names == vec!["a", "c"]));
    }

    #[test]
    fn csv_columns() {
        let d = csv_body(b"a,b\n1,x\n,y\n").unwrap_or_else(|e| panic!("{e}"));
        let Data::Table(t) = d else { panic!("table") };
        assert!(matches!(&t.columns[0], Column::F64(v) if v[0] == 1.0 && v[1].is_nan()));
        assert!(csv_body(b"a,b\n1\n").is_err());
    }
}
