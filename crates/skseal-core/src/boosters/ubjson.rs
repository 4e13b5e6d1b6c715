//! A bounded reader of the UBJSON subset XGBoost writes (and of JSON text,
//! into the same [`Value`]).
//!
//! XGBoost's own reader (`UBJReader` in `src/common/json.cc`) copies every
//! primitive and string with `memcpy` without checking the bytes remaining,
//! and sizes vectors from the declared counts before reading them; this
//! reader checks each count against the bytes left before allocating, limits
//! the nesting depth, refuses duplicate keys, invalid UTF-8 and trailing
//! bytes, and reports byte offsets. The accepted language is the one
//! XGBoost's reader accepts: keys and strings with an `L` (int64) length,
//! typed arrays as `[$<type>#L<count>`, counted arrays `[#L<count>`, plain
//! arrays closed by `]`, and the scalar markers `Z T F i U I l L C d D S`.

use std::fmt;

/// Deepest nesting of arrays and objects accepted (XGBoost's documents are
/// about 8 deep).
pub const MAX_DEPTH: usize = 64;

/// A parsed UBJSON or JSON value. Typed UBJSON containers keep their element
/// type (`F32s` for `[$d`, …); objects keep the document's key order.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `Z` / `null`.
    #[default]
    Null,
    /// `T`, `F` / `true`, `false`.
    Bool(bool),
    /// Any integer marker (`i U I l L C`), or a JSON integer.
    Int(i64),
    /// `d` (float32, widened exactly) or `D`, or a JSON number with a
    /// fraction or exponent.
    Float(f64),
    /// `S` / a JSON string.
    Str(String),
    /// An untyped array.
    Array(Vec<Value>),
    /// An object, keys in document order (no duplicates).
    Object(Vec<(String, Value)>),
    /// `[$d`: float32 array.
    F32s(Vec<f32>),
    /// `[$D`: float64 array.
    F64s(Vec<f64>),
    /// `[$i`: int8 array.
    I8s(Vec<i8>),
    /// `[$U`: uint8 array.
    U8s(Vec<u8>),
    /// `[$I`: int16 array.
    I16s(Vec<i16>),
    /// `[$l`: int32 array.
    I32s(Vec<i32>),
    /// `[$L`: int64 array.
    I64s(Vec<i64>),
}

impl Value {
    /// The member `key` of an object (None for other values or a missing key).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A short name of the value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
            Value::F32s(_) => "a float32 array",
            Value::F64s(_) => "a float64 array",
            Value::I8s(_) => "an int8 array",
            Value::U8s(_) => "a uint8 array",
            Value::I16s(_) => "an int16 array",
            Value::I32s(_) => "an int32 array",
            Value::I64s(_) => "an int64 array",
        }
    }

    /// The number of elements of any array kind (None for non-arrays).
    pub fn array_len(&self) -> Option<usize> {
        Some(match self {
            Value::Array(v) => v.len(),
            Value::F32s(v) => v.len(),
            Value::F64s(v) => v.len(),
            Value::I8s(v) => v.len(),
            Value::U8s(v) => v.len(),
            Value::I16s(v) => v.len(),
            Value::I32s(v) => v.len(),
            Value::I64s(v) => v.len(),
            _ => return None,
        })
    }
}

/// A UBJSON or JSON syntax error: the byte offset and what was wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// Byte offset in the buffer (for JSON text: the offset of the line and
    /// column serde_json reports, or 0 when unknown).
    pub offset: usize,
    /// What is wrong and what was expected.
    pub why: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {}: {}", self.offset, self.why)
    }
}

fn err<T>(offset: usize, why: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        offset,
        why: why.into(),
    })
}

/// Parse a whole buffer as one UBJSON value (no trailing bytes).
pub fn parse_ubjson(buf: &[u8]) -> Result<Value, ParseError> {
    let mut r = Reader { buf, pos: 0 };
    let v = r.value(0)?;
    if r.pos != buf.len() {
        return err(
            r.pos,
            format!(
                "{} trailing bytes after the document's end",
                buf.len() - r.pos
            ),
        );
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Fixed-size big-endian element of a typed array.
trait Elem: Sized {
    const SIZE: usize;
    fn from_be(b: &[u8]) -> Self;
}

macro_rules! elem {
    ($t:ty, $n:expr) => {
        impl Elem for $t {
            const SIZE: usize = $n;
            fn from_be(b: &[u8]) -> Self {
                let mut a = [0u8; $n];
                a.copy_from_slice(b);
                <$t>::from_be_bytes(a)
            }
        }
    };
}
elem!(i8, 1);
elem!(u8, 1);
elem!(i16, 2);
elem!(i32, 4);
elem!(i64, 8);
elem!(f32, 4);
elem!(f64, 8);

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ParseError> {
        if n > self.remaining() {
            return err(
                self.pos,
                format!(
                    "truncated: {what} needs {n} bytes, {} left",
                    self.remaining()
                ),
            );
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self, what: &str) -> Result<u8, ParseError> {
        Ok(self.take(1, what)?[0])
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), ParseError> {
        let at = self.pos;
        let got = self.byte(what)?;
        if got != want {
            return err(
                at,
                format!(
                    "{what}: expected '{}', found {}",
                    want as char,
                    show_byte(got)
                ),
            );
        }
        Ok(())
    }

    fn prim<T: Elem>(&mut self, what: &str) -> Result<T, ParseError> {
        Ok(T::from_be(self.take(T::SIZE, what)?))
    }

    /// An `L`-marked int64 count, checked non-negative and (times `unit`
    /// bytes each) within the bytes remaining.
    fn count(&mut self, unit: usize, what: &str) -> Result<usize, ParseError> {
        self.expect(
            b'L',
            &format!("{what} length marker (XGBoost writes int64 'L')"),
        )?;
        let at = self.pos;
        let n: i64 = self.prim(what)?;
        if n < 0 {
            return err(at, format!("{what}: negative length {n}"));
        }
        let need = (n as u64).checked_mul(unit as u64);
        match need {
            Some(b) if b <= self.remaining() as u64 => Ok(n as usize),
            _ => err(
                at,
                format!(
                    "{what}: declared length {n} needs at least {} bytes, only {} left",
                    need.map_or_else(|| "2^64".to_string(), |b| b.to_string()),
                    self.remaining()
                ),
            ),
        }
    }

    fn string(&mut self, what: &str) -> Result<String, ParseError> {
        let n = self.count(1, what)?;
        let at = self.pos;
        let bytes = self.take(n, what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(e) => err(at + e.valid_up_to(), format!("{what} is not valid UTF-8")),
        }
    }

    fn typed<T: Elem>(&mut self, n: usize) -> Vec<T> {
        // `count` has checked n * T::SIZE <= remaining.
        let bytes = &self.buf[self.pos..self.pos + n * T::SIZE];
        self.pos += n * T::SIZE;
        bytes.chunks_exact(T::SIZE).map(T::from_be).collect()
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        let at = self.pos;
        let m = self.byte("a value marker")?;
        Ok(match m {
            b'Z' => Value::Null,
            b'T' => Value::Bool(true),
            b'F' => Value::Bool(false),
            b'i' => Value::Int(self.prim::<i8>("int8")? as i64),
            b'U' => Value::Int(self.prim::<u8>("uint8")? as i64),
            b'C' => Value::Int(self.prim::<i8>("char")? as i64),
            b'I' => Value::Int(self.prim::<i16>("int16")? as i64),
            b'l' => Value::Int(self.prim::<i32>("int32")? as i64),
            b'L' => Value::Int(self.prim::<i64>("int64")?),
            b'd' => Value::Float(self.prim::<f32>("float32")? as f64),
            b'D' => Value::Float(self.prim::<f64>("float64")?),
            b'S' => Value::Str(self.string("string")?),
            b'[' | b'{' => {
                if depth >= MAX_DEPTH {
                    return err(at, format!("nesting deeper than {MAX_DEPTH}"));
                }
                if m == b'[' {
                    self.array(depth + 1)?
                } else {
                    self.object(depth + 1)?
                }
            }
            b'H' => {
                return err(
                    at,
                    "high-precision numbers ('H') are not supported by XGBoost",
                )
            }
            other => return err(at, format!("unknown UBJSON marker {}", show_byte(other))),
        })
    }

    fn array(&mut self, depth: usize) -> Result<Value, ParseError> {
        let at = self.pos;
        match self.buf.get(self.pos) {
            Some(b'$') => {
                self.pos += 1;
                let tat = self.pos;
                let t = self.byte("typed array element type")?;
                self.expect(b'#', "typed array count")?;
                Ok(match t {
                    b'd' => Value::F32s(self.typed_n::<f32>()?),
                    b'D' => Value::F64s(self.typed_n::<f64>()?),
                    b'i' => Value::I8s(self.typed_n::<i8>()?),
                    b'U' => Value::U8s(self.typed_n::<u8>()?),
                    b'I' => Value::I16s(self.typed_n::<i16>()?),
                    b'l' => Value::I32s(self.typed_n::<i32>()?),
                    b'L' => Value::I64s(self.typed_n::<i64>()?),
                    other => {
                        return err(
                            tat,
                            format!(
                                "typed array of {} is not supported (XGBoost reads d D i U I l L)",
                                show_byte(other)
                            ),
                        )
                    }
                })
            }
            Some(b'#') => {
                self.pos += 1;
                // every element takes at least one byte
                let n = self.count(1, "counted array")?;
                let mut out = Vec::with_capacity(n);
                for _ in 0..n {
                    out.push(self.value(depth)?);
                }
                Ok(Value::Array(out))
            }
            Some(_) => {
                let mut out = Vec::new();
                loop {
                    match self.buf.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Value::Array(out));
                        }
                        Some(_) => out.push(self.value(depth)?),
                        None => return err(self.pos, "truncated: array not closed by ']'"),
                    }
                }
            }
            None => err(at, "truncated: array body missing"),
        }
    }

    fn typed_n<T: Elem>(&mut self) -> Result<Vec<T>, ParseError> {
        let n = self.count(T::SIZE, "typed array")?;
        Ok(self.typed::<T>(n))
    }

    fn object(&mut self, depth: usize) -> Result<Value, ParseError> {
        let mut out: Vec<(String, Value)> = Vec::new();
        let mut key_at = Vec::new();
        loop {
            match self.buf.get(self.pos) {
                Some(b'}') => {
                    self.pos += 1;
                    check_duplicates(&out, &key_at)?;
                    return Ok(Value::Object(out));
                }
                Some(_) => {
                    key_at.push(self.pos);
                    let k = self.string("object key")?;
                    let v = self.value(depth)?;
                    out.push((k, v));
                }
                None => return err(self.pos, "truncated: object not closed by '}'"),
            }
        }
    }
}

fn check_duplicates(kv: &[(String, Value)], key_at: &[usize]) -> Result<(), ParseError> {
    if kv.len() < 2 {
        return Ok(());
    }
    let mut idx: Vec<usize> = (0..kv.len()).collect();
    idx.sort_by(|&a, &b| kv[a].0.cmp(&kv[b].0).then(a.cmp(&b)));
    for w in idx.windows(2) {
        if kv[w[0]].0 == kv[w[1]].0 {
            let second = w[0].max(w[1]);
            return err(
                key_at.get(second).copied().unwrap_or(0),
                format!("duplicate key {:?} in an object", kv[second].0),
            );
        }
    }
    Ok(())
}

fn show_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

/// Parse a whole buffer as JSON text into a [`Value`] (serde_json's own
/// recursion limit, then [`MAX_DEPTH`]; duplicate keys refused). Integers
/// become `Int` (an unsigned beyond i64 is refused), other numbers `Float`.
pub fn parse_json(buf: &[u8]) -> Result<Value, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(buf);
    let v: JsonValue = match serde::Deserialize::deserialize(&mut de).and_then(|v| {
        de.end()?;
        Ok(v)
    }) {
        Ok(v) => v,
        Err(e) => {
            return err(
                line_col_offset(buf, e.line(), e.column()),
                format!("JSON text: {e}"),
            )
        }
    };
    if depth(&v.0) > MAX_DEPTH {
        return err(0, format!("JSON nesting deeper than {MAX_DEPTH}"));
    }
    Ok(v.0)
}

fn line_col_offset(buf: &[u8], line: usize, col: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let mut off = 0;
    for (i, l) in buf.split(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return off + col.saturating_sub(1).min(l.len());
        }
        off += l.len() + 1;
    }
    buf.len()
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(kv) => 1 + kv.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}

struct JsonValue(Value);

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Null))
    }
    fn visit_bool<E>(self, b: bool) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Bool(b)))
    }
    fn visit_i64<E>(self, i: i64) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Int(i)))
    }
    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<JsonValue, E> {
        i64::try_from(u)
            .map(|i| JsonValue(Value::Int(i)))
            .map_err(|_| E::custom(format!("integer {u} does not fit int64")))
    }
    fn visit_f64<E>(self, f: f64) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Float(f)))
    }
    fn visit_str<E>(self, s: &str) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Str(s.to_string())))
    }
    fn visit_string<E>(self, s: String) -> Result<JsonValue, E> {
        Ok(JsonValue(Value::Str(s)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonValue, A::Error> {
        let mut out = Vec::new();
        while let Some(JsonValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(JsonValue(Value::Array(out)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonValue, A::Error> {
        let mut out: Vec<(String, Value)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(k) = map.next_key::<String>()? {
            if !seen.insert(k.clone()) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key {k:?} in an object"
                )));
            }
            let JsonValue(v) = map.next_value()?;
            out.push((k, v));
        }
        Ok(JsonValue(Value::Object(out)))
    }
}

impl<'de> serde::Deserialize<'de> for JsonValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_typed_arrays() {
        let mut b = vec![b'{', b'L'];
        b.extend(1i64.to_be_bytes());
        b.push(b'a');
        b.extend([b'[', b'$', b'd', b'#', b'L']);
        b.extend(2i64.to_be_bytes());
        b.extend(1.5f32.to_be_bytes());
        b.extend((-2.0f32).to_be_bytes());
        b.push(b'}');
        let v = parse_ubjson(&b).unwrap();
        assert_eq!(v.get("a"), Some(&Value::F32s(vec![1.5, -2.0])));
    }

    #[test]
    fn huge_count_fails_fast() {
        let mut b = vec![b'[', b'$', b'L', b'#', b'L'];
        b.extend((i64::MAX / 4).to_be_bytes());
        let e = parse_ubjson(&b).unwrap_err();
        assert_eq!(e.offset, 5);
        let mut b = vec![b'[', b'#', b'L'];
        b.extend((-1i64).to_be_bytes());
        assert!(parse_ubjson(&b).unwrap_err().why.contains("negative"));
    }

    #[test]
    fn json_duplicates_and_depth() {
        assert!(parse_json(br#"{"a":1,"a":2}"#).is_err());
        let deep = "[".repeat(70) + &"]".repeat(70);
        assert!(parse_json(deep.as_bytes()).is_err());
        assert_eq!(
            parse_json(br#"{"a":[1,2.5,"x",null,true]}"#).unwrap(),
            Value::Object(vec![(
                "a".into(),
                Value::Array(vec![
                    Value::Int(1),
                    Value::Float(2.5),
                    Value::Str("x".into()),
                    Value::Null,
                    Value::Bool(true)
                ])
            )])
        );
    }
}
