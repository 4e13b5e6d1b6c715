//! Structure-aware `.skseal` fuzzing: gets past the digests.
//!
//! The input (read with `arbitrary`) picks one of the valid seed files embedded
//! below (fuzz/seeds/*.skseal, written by the Python package from tiny
//! scikit-learn models: see fuzz/seeds/make_seeds.py), then:
//!
//! 1. edits the decompressed header JSON text: replace / graft / delete /
//!    duplicate / wrap whole JSON values, set numbers, strings and keys to
//!    values the reader cares about (dtypes, codecs, class names, limits),
//!    raw byte edits;
//! 2. edits the decoded bytes of arrays (e.g. tree child indices, feature
//!    numbers, sparse indptr) at item-aligned positions;
//! 3. optional fix-ups so the file stays self-consistent where the input
//!    asks for it: re-encode every array (codec, shuffle, chunk size chosen by
//!    the input), recompute offsets / lengths / nbytes / chunks / BLAKE3
//!    digests, then the content fingerprint;
//! 4. re-compresses the header (zstd flag kept or flipped), optionally edits
//!    the stored (compressed) bytes, and ALWAYS recomputes header_len and the
//!    header BLAKE3, so the header passes the digest check;
//! 5. optionally sets the signed flag and appends a signature trailer
//!    (valid for the fuzzers' key, damaged, garbage, or missing);
//! 6. a few raw byte edits in one region of the final file (preamble, header,
//!    padding, blobs), which do break digests: the checks must catch them.
//!
//! Then the same pipeline as the `container` target runs on the result.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use ed25519_dalek::Signer;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use skseal_core::codec::{self, Codec};
use skseal_core::container::{self, ArrayEntry, Container, PREAMBLE};
use skseal_core::graphjson::{dtype_from_json, hex, unhex};
use skseal_core::ir::Order;

static SEED_FILES: &[&[u8]] = &[
    include_bytes!("../seeds/tree.skseal"),
    include_bytes!("../seeds/tree_zstd.skseal"),
    include_bytes!("../seeds/forest_lz4.skseal"),
    include_bytes!("../seeds/logreg.skseal"),
    include_bytes!("../seeds/kdtree.skseal"),
    include_bytes!("../seeds/sparse_zstd.skseal"),
];

/// Largest array the fix-up re-encodes (bigger declarations are left as edited).
const MAX_FIX_NBYTES: u64 = 1 << 20;

struct Seed {
    json: String,
    compressed: bool,
    /// Flag bit 2: the seed stores small arrays in packs.
    packed: bool,
    arrays: Vec<Vec<u8>>,
    /// The seed's data region (everything from data_start on).
    data: Vec<u8>,
}

fn seeds() -> &'static [Seed] {
    static S: OnceLock<Vec<Seed>> = OnceLock::new();
    S.get_or_init(|| {
        SEED_FILES
            .iter()
            .map(|f| {
                let c = Container::parse(f).expect("seed parses");
                let arrays = (0..c.header.arrays.len())
                    .map(|i| {
                        let mut b = vec![0u8; c.header.arrays[i].nbytes as usize];
                        c.decode_into(i, &mut b).expect("seed decodes");
                        b
                    })
                    .collect();
                let flags = u32::from_le_bytes([f[12], f[13], f[14], f[15]]);
                Seed {
                    json: c.header.text.clone(),
                    compressed: flags & container::FLAG_HEADER_ZSTD != 0,
                    packed: flags & container::FLAG_PACKS != 0,
                    arrays,
                    data: f[c.header.data_start as usize..].to_vec(),
                }
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------
// A forgiving JSON scanner: finds value spans (and member keys) in text that
// may no longer be valid JSON after earlier edits. No recursion.

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Str,
    Num,
    Lit,
    Obj,
    Arr,
}

#[derive(Clone, Copy, Debug)]
struct Span {
    start: usize,
    end: usize,
    kind: Kind,
    /// The member key span when this value is an object member.
    key: Option<(usize, usize)>,
    depth: usize,
}

impl Span {
    fn member_start(&self) -> usize {
        self.key.map_or(self.start, |k| k.0)
    }
}

fn string_end(t: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < t.len() {
        match t[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

fn next_non_ws(t: &[u8], mut i: usize) -> Option<(usize, u8)> {
    while i < t.len() {
        if !t[i].is_ascii_whitespace() {
            return Some((i, t[i]));
        }
        i += 1;
    }
    None
}

fn prev_non_ws(t: &[u8], mut i: usize) -> Option<(usize, u8)> {
    while i > 0 {
        i -= 1;
        if !t[i].is_ascii_whitespace() {
            return Some((i, t[i]));
        }
    }
    None
}

/// (values, keys)
fn scan(t: &[u8]) -> (Vec<Span>, Vec<(usize, usize)>) {
    let mut vals = Vec::new();
    let mut keys = Vec::new();
    let mut stack: Vec<(usize, Kind, Option<(usize, usize)>)> = Vec::new();
    let mut pending: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'"' => {
                let Some(e) = string_end(t, i) else { break };
                if matches!(next_non_ws(t, e), Some((_, b':'))) {
                    keys.push((i, e));
                    pending = Some((i, e));
                } else {
                    vals.push(Span {
                        start: i,
                        end: e,
                        kind: Kind::Str,
                        key: pending.take(),
                        depth: stack.len(),
                    });
                }
                i = e;
                continue;
            }
            b'{' | b'[' => {
                let k = if t[i] == b'{' { Kind::Obj } else { Kind::Arr };
                stack.push((i, k, pending.take()));
            }
            b'}' | b']' => {
                if let Some((s, k, key)) = stack.pop() {
                    vals.push(Span {
                        start: s,
                        end: i + 1,
                        kind: k,
                        key,
                        depth: stack.len(),
                    });
                }
            }
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i < t.len() && matches!(t[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
                {
                    i += 1;
                }
                vals.push(Span {
                    start: s,
                    end: i,
                    kind: Kind::Num,
                    key: pending.take(),
                    depth: stack.len(),
                });
                continue;
            }
            b't' | b'f' | b'n' => {
                let s = i;
                while i < t.len() && t[i].is_ascii_alphabetic() {
                    i += 1;
                }
                vals.push(Span {
                    start: s,
                    end: i,
                    kind: Kind::Lit,
                    key: pending.take(),
                    depth: stack.len(),
                });
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (vals, keys)
}

// ---------------------------------------------------------------------------
// Edits

const STRINGS: &[&str] = &[
    // dtypes
    "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "|u1", "|b1", "?", ">i8", ">i4", "=i8", "<f8", "<f4",
    "<f2", ">f8", "<c16", "<U3", "|S2", "|S0", "|V8", "|V0", "|O", "O", "<M8", "",
    // codecs, orders
    "none", "lz4", "zstd", "zlib", "C", "F", "K",
    // globals
    "sklearn.tree._tree:Tree", "sklearn.tree._classes:DecisionTreeClassifier",
    "sklearn.tree._classes:DecisionTreeRegressor", "sklearn.ensemble._forest:RandomForestRegressor",
    "sklearn.ensemble._gb:GradientBoostingClassifier", "sklearn.neighbors._kd_tree:KDTree",
    "sklearn.neighbors._ball_tree:BallTree", "scipy.sparse._csr:csr_matrix",
    "scipy.sparse._csc:csc_matrix", "scipy.sparse._coo:coo_matrix", "scipy.sparse._bsr:bsr_matrix",
    "numpy.ma.core:_mareconstruct", "numpy:ndarray", "numpy:dtype", "builtins:dict",
    "builtins:list", "builtins:getattr", "builtins:eval", "os:system", "copyreg:_reconstructor",
    "collections:OrderedDict", "a:b", ":", "x",
    // field / state names the validators look at
    "left_child", "right_child", "feature", "threshold", "n_node_samples", "missing_go_to_left",
    "nodes", "values", "node_count", "max_depth", "capacity", "tree_", "n_features_in_",
    "estimators_", "estimators_features_", "n_outputs_", "n_classes_", "classes_", "indices",
    "indptr", "data", "shape", "_shape", "row", "col", "blocksize", "node_data", "idx_array",
    "node_bounds", "n_nodes", "leaf_size", "n_levels", "is_leaf", "idx_start", "idx_end", "radius",
    "_sklearn_version", "1.9.1", "0.0", "nan", "inf", "-inf", "-nan",
    "0000000000000000000000000000000000000000000000000000000000000000", "00", "0", "ff", "zz",
];

const KEYS: &[&str] = &[
    "root", "probe", "shared", "ref", "int", "float", "bytes", "bytearray", "list", "tuple", "set",
    "frozenset", "dict", "global", "object", "call", "array", "objarray", "dtype", "scalar", "args",
    "state", "items", "shape", "order", "hex", "names", "formats", "offsets", "itemsize", "axes",
    "offset", "length", "nbytes", "codec", "shuffle", "chunk", "chunks", "blake3", "arrays",
    "graph", "metadata", "fingerprint", "format", "version", "evil",
];

const SNIPPETS: &[&str] = &[
    "null", "true", "false", "0", "1", "-1", "[]", "{}", "[0]", "[1,2]", "[0,0]", "[[]]",
    "{\"ref\":0}", "{\"ref\":1}", "{\"ref\":99}", "{\"array\":0}", "{\"array\":1}",
    "{\"array\":2}", "{\"array\":3}", "{\"array\":4294967296}", "{\"int\":\"123456789012345678901234567890\"}",
    "{\"int\":\"-\"}", "{\"float\":\"nan\"}", "{\"float\":\"inf\"}", "{\"bytes\":\"00ff\"}",
    "{\"list\":[]}", "{\"tuple\":[1,2]}", "{\"dict\":[]}", "{\"dict\":[[\"a\",1]]}",
    "{\"global\":\"builtins:eval\"}", "{\"global\":\"numpy:float64\"}",
    "{\"object\":\"sklearn.tree._tree:Tree\"}", "{\"call\":\"sklearn.tree._tree:Tree\",\"args\":[3,{\"array\":1},1]}",
    "{\"call\":\"copyreg:__newobj__\",\"args\":[{\"global\":\"sklearn.tree._tree:Tree\"}]}",
    "{\"objarray\":[],\"shape\":[0]}", "{\"objarray\":[1],\"shape\":[1],\"order\":\"F\"}",
    "{\"dtype\":\"<i8\"}", "{\"scalar\":\"<i8\",\"hex\":\"0100000000000000\"}",
    "{\"scalar\":\"<f8\",\"hex\":\"000000000000f07f\"}",
    "{\"names\":[\"a\"],\"formats\":[\"<i8\"],\"offsets\":[0],\"itemsize\":8}",
    "{\"names\":[\"a\",\"b\"],\"formats\":[\"<i8\",\"<i8\"],\"offsets\":[0,4],\"itemsize\":12}",
    "{\"names\":[\"left_child\"],\"formats\":[\"<i4\"],\"offsets\":[0],\"itemsize\":4}",
    "1e308", "-1e308", "1.5", "18446744073709551615", "18446744073709551616",
    "-9223372036854775808", "9223372036854775807", "\"\"", "\"<i8\"",
];

const NUMS: &[i128] = &[
    0, 1, -1, 2, 3, 7, 8, 15, 16, 63, 64, 65, 255, 256, 4095, 4096, 4097, 65535, 1 << 20,
    (1 << 26) + 1, i32::MAX as i128, i32::MAX as i128 + 1, u32::MAX as i128, u32::MAX as i128 + 1,
    i64::MAX as i128, i64::MIN as i128, u64::MAX as i128, -2, -3,
];

#[derive(Arbitrary, Debug)]
enum Text {
    Table(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Num {
    Table(u8),
    Small(i8),
    I64(i64),
    U64(u64),
    F64(f64),
}

#[derive(Arbitrary, Debug)]
enum JsonEdit {
    Replace { k: u16, with: u8 },
    Graft { from: u16, to: u16 },
    Delete { k: u16 },
    Duplicate { k: u16 },
    Number { k: u16, v: Num },
    Str { k: u16, s: Text },
    Key { k: u16, s: Text },
    Wrap { k: u16, obj: bool },
    Byte { pos: u16, b: u8 },
    Insert { pos: u16, with: u8 },
    Cut { pos: u16, len: u8 },
}

#[derive(Arbitrary, Debug)]
enum DataEdit {
    /// Write an interesting integer at item `item`, field byte offset `off`, width 1/2/4/8.
    Int { array: u8, item: u16, off: u8, width: u8, v: Num },
    Byte { array: u8, pos: u16, b: u8 },
    /// Resize the decoded data (before the fix-up resizes to nbytes).
    Fill { array: u8, b: u8 },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Region {
    Preamble,
    Header,
    Padding,
    Data,
    Anywhere,
}

#[derive(Arbitrary, Debug)]
struct RawEdit {
    region: Region,
    pos: u32,
    xor: u8,
}

#[derive(Arbitrary, Debug)]
struct Plan {
    seed: u8,
    json_edits: Vec<JsonEdit>,
    data_edits: Vec<DataEdit>,
    fix_arrays: bool,
    /// Per-array codec override: 0 keep, 1 none, 2 lz4, 3 zstd.
    codecs: Vec<u8>,
    shuffle: Vec<bool>,
    /// chunk size = chunk_items * itemsize when non-zero, else the writer's default.
    chunk_items: u8,
    fix_fingerprint: bool,
    flip_header_compression: bool,
    stored_edits: Vec<(u16, u8)>,
    /// 0: unsigned; 1: flag + valid trailer (fuzz key); 2: flag + trailer with
    /// damaged signature; 3: flag + garbage trailer; 4: flag only.
    sign: u8,
    sign_xor: (u8, u8),
    raw_edits: Vec<RawEdit>,
    truncate: Option<u16>,
}

fn num_text(v: &Num) -> String {
    match v {
        Num::Table(i) => NUMS[*i as usize % NUMS.len()].to_string(),
        Num::Small(i) => i.to_string(),
        Num::I64(i) => i.to_string(),
        Num::U64(u) => u.to_string(),
        Num::F64(f) if f.is_finite() => format!("{f:?}"),
        Num::F64(_) => "1e400".into(),
    }
}

fn num_i128(v: &Num) -> i128 {
    match v {
        Num::Table(i) => NUMS[*i as usize % NUMS.len()],
        Num::Small(i) => *i as i128,
        Num::I64(i) => *i as i128,
        Num::U64(u) => *u as i128,
        Num::F64(f) => f.to_bits() as i128,
    }
}

fn text_json(t: &Text, table: &[&str]) -> String {
    let s = match t {
        Text::Table(i) => table[*i as usize % table.len()].to_string(),
        Text::Raw(s) => s.chars().take(64).collect(),
    };
    Value::String(s).to_string()
}

const MAX_TEXT: usize = 1 << 20;

fn apply_json_edit(text: &mut Vec<u8>, e: &JsonEdit) {
    let (vals, keys) = scan(text);
    let pick = |k: u16, want: Option<Kind>| -> Option<Span> {
        let c: Vec<&Span> = vals
            .iter()
            .filter(|s| want.is_none_or(|w| s.kind == w))
            .collect();
        (!c.is_empty()).then(|| *c[k as usize % c.len()])
    };
    let splice = |text: &mut Vec<u8>, s: usize, e: usize, with: &[u8]| {
        if text.len() - (e - s) + with.len() <= MAX_TEXT {
            text.splice(s..e, with.iter().copied());
        }
    };
    match e {
        JsonEdit::Replace { k, with } => {
            if let Some(s) = pick(*k, None) {
                let w = SNIPPETS[*with as usize % SNIPPETS.len()];
                splice(text, s.start, s.end, w.as_bytes());
            }
        }
        JsonEdit::Graft { from, to } => {
            if let (Some(a), Some(b)) = (pick(*from, None), pick(*to, None)) {
                let src = text[a.start..a.end].to_vec();
                splice(text, b.start, b.end, &src);
            }
        }
        JsonEdit::Delete { k } => {
            if let Some(s) = pick(*k, None) {
                let (mut a, mut b) = (s.member_start(), s.end);
                if let Some((j, b',')) = next_non_ws(text, b) {
                    b = j + 1;
                } else if let Some((j, b',')) = prev_non_ws(text, a) {
                    a = j;
                }
                splice(text, a, b, b"");
            }
        }
        JsonEdit::Duplicate { k } => {
            if let Some(s) = pick(*k, None) {
                if s.depth > 0 {
                    let mut m = b",".to_vec();
                    m.extend_from_slice(&text[s.member_start()..s.end]);
                    splice(text, s.end, s.end, &m);
                }
            }
        }
        JsonEdit::Number { k, v } => {
            if let Some(s) = pick(*k, Some(Kind::Num)) {
                splice(text, s.start, s.end, num_text(v).as_bytes());
            }
        }
        JsonEdit::Str { k, s: t } => {
            if let Some(s) = pick(*k, Some(Kind::Str)) {
                splice(text, s.start, s.end, text_json(t, STRINGS).as_bytes());
            }
        }
        JsonEdit::Key { k, s: t } => {
            if !keys.is_empty() {
                let (a, b) = keys[*k as usize % keys.len()];
                splice(text, a, b, text_json(t, KEYS).as_bytes());
            }
        }
        JsonEdit::Wrap { k, obj } => {
            if let Some(s) = pick(*k, None) {
                let inner = text[s.start..s.end].to_vec();
                let mut w = if *obj { b"{\"list\":[".to_vec() } else { b"[".to_vec() };
                w.extend_from_slice(&inner);
                w.extend_from_slice(if *obj { b"]}" } else { b"]" });
                splice(text, s.start, s.end, &w);
            }
        }
        JsonEdit::Byte { pos, b } => {
            if !text.is_empty() {
                let p = *pos as usize % text.len();
                text[p] = *b;
            }
        }
        JsonEdit::Insert { pos, with } => {
            let p = *pos as usize % (text.len() + 1);
            let w = SNIPPETS[*with as usize % SNIPPETS.len()];
            splice(text, p, p, w.as_bytes());
        }
        JsonEdit::Cut { pos, len } => {
            if !text.is_empty() {
                let p = *pos as usize % text.len();
                let e = (p + *len as usize).min(text.len());
                splice(text, p, e, b"");
            }
        }
    }
}

fn apply_data_edit(arrays: &mut [Vec<u8>], e: &DataEdit) {
    if arrays.is_empty() {
        return;
    }
    match e {
        DataEdit::Int { array, item, off, width, v } => {
            let a = &mut arrays[*array as usize % arrays.len()];
            let w = [1usize, 2, 4, 8][*width as usize % 4];
            // items of 8 bytes by default; struct fields at 8-byte offsets in trees
            let p = *item as usize * 8 + (*off as usize % 64);
            let le = (num_i128(v) as i64).to_le_bytes();
            if p + w <= a.len() {
                a[p..p + w].copy_from_slice(&le[..w]);
            }
        }
        DataEdit::Byte { array, pos, b } => {
            let a = &mut arrays[*array as usize % arrays.len()];
            if !a.is_empty() {
                let p = *pos as usize % a.len();
                a[p] = *b;
            }
        }
        DataEdit::Fill { array, b } => {
            let a = &mut arrays[*array as usize % arrays.len()];
            a.iter_mut().for_each(|x| *x = *b);
        }
    }
}

/// Top-level member value span of `name` (depth 1 value whose key is "name").
fn top_member(text: &[u8], name: &str) -> Option<Span> {
    let (vals, _) = scan(text);
    let want = format!("\"{name}\"");
    vals.into_iter()
        .find(|s| s.depth == 1 && s.key.is_some_and(|(a, b)| &text[a..b] == want.as_bytes()))
}

fn u64s(v: &Value) -> Option<Vec<u64>> {
    v.as_array()?.iter().map(Value::as_u64).collect()
}

/// Re-encode the arrays per the (edited) array table; returns the data region.
fn fix_arrays(text: &mut Vec<u8>, arrays: &[Vec<u8>], plan: &Plan) -> Option<Vec<u8>> {
    let span = top_member(text, "arrays")?;
    let mut table: Value = skseal_core::graphjson::parse_json(&text[span.start..span.end]).ok()?;
    let entries = table.as_array_mut()?;
    let mut data = Vec::new();
    let mut cursor = 0u64;
    for (i, e) in entries.iter_mut().enumerate() {
        let Some(m) = e.as_object_mut() else { continue };
        // every array gets a blob of its own here (the packs are dropped below)
        m.remove("pack");
        let dtype = m.get("dtype").and_then(|d| dtype_from_json(d, 0).ok());
        let shape = m.get("shape").and_then(u64s);
        let (Some(dtype), Some(shape)) = (dtype, shape) else { continue };
        let Some(nbytes) = shape
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .and_then(|c| c.checked_mul(dtype.itemsize()?))
            .filter(|&n| n <= MAX_FIX_NBYTES)
        else {
            continue;
        };
        let mut raw = arrays.get(i).cloned().unwrap_or_default();
        raw.resize(nbytes as usize, 0);
        let item = dtype.itemsize().unwrap_or(1).max(1) as usize;
        let codec = match plan.codecs.get(i).map(|c| c % 4).unwrap_or(0) {
            1 => Codec::None,
            2 => Codec::Lz4,
            3 => Codec::Zstd(1),
            _ => match m.get("codec").and_then(Value::as_str) {
                Some("lz4") => Codec::Lz4,
                Some("zstd") => Codec::Zstd(1),
                _ => Codec::None,
            },
        };
        let shuffle = plan.shuffle.get(i).copied().unwrap_or(false);
        let blob: Vec<u8>;
        if codec == Codec::None {
            blob = raw.clone();
            m.remove("chunk");
            m.remove("chunks");
            m.remove("shuffle");
        } else {
            let chunk = if plan.chunk_items > 0 {
                (plan.chunk_items as usize).saturating_mul(item)
            } else {
                codec::chunk_size(item)
            };
            let parts = codec::compress_array(&raw, codec, shuffle.then_some(item), chunk).ok()?;
            m.insert("chunk".into(), chunk.into());
            m.insert(
                "chunks".into(),
                parts.iter().map(|p| p.len() as u64).collect::<Vec<_>>().into(),
            );
            m.insert("shuffle".into(), shuffle.into());
            blob = parts.concat();
        }
        let length = blob.len() as u64;
        let offset = container::blob_offset(cursor, length);
        m.insert("codec".into(), codec.name().into());
        m.insert("nbytes".into(), nbytes.into());
        m.insert("length".into(), length.into());
        m.insert("offset".into(), offset.into());
        m.insert("blake3".into(), hex(blake3::hash(&raw).as_bytes()).into());
        data.resize(offset as usize, 0);
        data.extend_from_slice(&blob);
        cursor = offset + length;
    }
    let new = serde_json::to_vec(&table).ok()?;
    text.splice(span.start..span.end, new);
    if let Some(packs) = top_member(text, "packs") {
        text.splice(packs.start..packs.end, b"[]".iter().copied());
    }
    Some(data)
}

/// Recompute the content fingerprint the way the reader does.
fn fix_fingerprint(text: &mut Vec<u8>) -> Option<()> {
    #[derive(serde::Deserialize)]
    struct H<'a> {
        #[serde(borrow)]
        graph: &'a serde_json::value::RawValue,
        arrays: Vec<Value>,
    }
    if skseal_core::graphjson::text_depth(text) > skseal_core::graphjson::MAX_JSON_DEPTH {
        return None;
    }
    let h: H = serde_json::from_slice(text).ok()?;
    let mut entries = Vec::new();
    for a in &h.arrays {
        entries.push(ArrayEntry {
            dtype: dtype_from_json(a.get("dtype")?, 0).ok()?,
            shape: u64s(a.get("shape")?)?,
            order: if a.get("order")?.as_str()? == "F" { Order::F } else { Order::C },
            axes: match a.get("axes") {
                None => None,
                Some(ax) => Some(u64s(ax)?),
            },
            offset: 0,
            length: 0,
            nbytes: 0,
            codec: Codec::None,
            shuffle: false,
            chunk: 0,
            chunks: Vec::new(),
            digest: unhex(a.get("blake3")?.as_str()?)?.try_into().ok()?,
            pack: None,
        });
    }
    let fp = container::fingerprint_of(h.graph.get().as_bytes(), &entries);
    let span = top_member(text, "fingerprint")?;
    text.splice(span.start..span.end, format!("\"{fp}\"").into_bytes());
    Some(())
}

fn build(u: &mut Unstructured) -> arbitrary::Result<Vec<u8>> {
    let plan = Plan::arbitrary(u)?;
    let seeds = seeds();
    let seed = &seeds[plan.seed as usize % seeds.len()];

    let mut text = seed.json.clone().into_bytes();
    for e in plan.json_edits.iter().take(16) {
        apply_json_edit(&mut text, e);
    }
    let mut arrays = seed.arrays.clone();
    for e in plan.data_edits.iter().take(16) {
        apply_data_edit(&mut arrays, e);
    }
    let data_region = if plan.fix_arrays {
        fix_arrays(&mut text, &arrays, &plan)
    } else {
        None
    };
    // the seed's packs stay unless the arrays were re-encoded one by one
    let packed = seed.packed && data_region.is_none();
    let data_region = data_region.unwrap_or_else(|| seed.data.clone());
    if plan.fix_fingerprint {
        fix_fingerprint(&mut text);
    }

    let compressed = seed.compressed ^ plan.flip_header_compression;
    let mut stored = if compressed {
        zstd::bulk::compress(&text, 1).unwrap_or_else(|_| text.clone())
    } else {
        text
    };
    for &(pos, x) in plan.stored_edits.iter().take(4) {
        if !stored.is_empty() {
            let p = pos as usize % stored.len();
            stored[p] ^= x;
        }
    }

    let mut out = Vec::with_capacity(PREAMBLE + stored.len() + 64 + data_region.len());
    out.extend_from_slice(&container::MAGIC);
    out.extend_from_slice(&container::VERSION.to_le_bytes());
    let flags = if compressed { container::FLAG_HEADER_ZSTD } else { 0 }
        | if packed { container::FLAG_PACKS } else { 0 };
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&(stored.len() as u64).to_le_bytes());
    out.extend_from_slice(blake3::hash(&stored).as_bytes());
    out.extend_from_slice(&stored);
    let hend = out.len();
    out.resize(hend.div_ceil(64) * 64, 0);
    let data_start = out.len();
    out.extend_from_slice(&data_region);

    let sign = plan.sign % 8; // 5..7: unsigned (keeps most inputs unsigned)
    if (1..=4).contains(&sign) {
        let flags = u32::from_le_bytes([out[12], out[13], out[14], out[15]]) | container::FLAG_SIGNED;
        out[12..16].copy_from_slice(&flags.to_le_bytes());
        let mut hh = [0u8; 32];
        hh.copy_from_slice(&out[24..56]);
        let (key, pk) = skseal_fuzz::fuzz_key();
        let sig = key.sign(&container::signed_message(&hh)).to_bytes();
        let mut t = container::SIG_MAGIC.to_vec();
        t.extend_from_slice(pk);
        t.extend_from_slice(&sig);
        match sign {
            1 => out.extend_from_slice(&t),
            2 => {
                let p = 8 + plan.sign_xor.0 as usize % 96;
                t[p] ^= plan.sign_xor.1.max(1);
                out.extend_from_slice(&t);
            }
            3 => out.extend(std::iter::repeat_n(plan.sign_xor.1, container::SIG_TRAILER as usize)),
            _ => {}
        }
    }

    for r in plan.raw_edits.iter().take(4) {
        let (a, b) = match r.region {
            Region::Preamble => (0, PREAMBLE),
            Region::Header => (PREAMBLE, hend),
            Region::Padding => (hend, data_start),
            Region::Data => (data_start, out.len()),
            Region::Anywhere => (0, out.len()),
        };
        if b > a {
            out[a + r.pos as usize % (b - a)] ^= r.xor.max(1);
        }
    }
    if let Some(t) = plan.truncate {
        let t = t as usize;
        if t < out.len() {
            out.truncate(out.len() - t.min(out.len()));
        }
    }
    Ok(out)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    if let Ok(file) = build(&mut u) {
        // SKSEAL_FUZZ_DUMP=path: write the file this input builds (to turn a
        // finding into a plain .skseal reproducer; run with -runs=0 on one input).
        if let Some(p) = std::env::var_os("SKSEAL_FUZZ_DUMP") {
            let _ = std::fs::write(p, &file);
        }
        skseal_fuzz::run_container(&file);
    }
});
