//! Dict keys as Python compares them, so a dict with a duplicated key is
//! refused: CPython's unpickler (and `__dict__.update`, `__setstate__`) keeps
//! the LAST value of a duplicated key, while a reader that looks keys up in
//! order sees the first.

use super::*;

/// A key reduced to what decides Python equality, for the forms a pickle can
/// spell several ways: `str` and `numpy.str_`; `bytes` and `numpy.bytes_`;
/// `bool`, `int`, integral `float` and numpy integer scalars; tuples of those;
/// `None`; globals (the same name is the same object). Anything else
/// (instances, NaN, containers) compares by identity, i.e. by node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Str(String),
    Bytes(Vec<u8>),
    Int(i128),
    BigInt(String),
    Float(u64),
    None,
    Global(String),
    Tuple(Vec<Key>),
    Node(NodeId),
}

/// Tuples nested deeper than this compare by identity (no recursion bomb).
const MAX_KEY_DEPTH: usize = 16;

impl Key {
    /// Bytes this key holds, charged to the VM's memory budget.
    pub(super) fn weight(&self) -> u64 {
        let own = match self {
            Key::Str(s) | Key::BigInt(s) | Key::Global(s) => s.len() as u64,
            Key::Bytes(b) => b.len() as u64,
            Key::Tuple(t) => t.iter().map(Key::weight).sum(),
            _ => 0,
        };
        own + std::mem::size_of::<Key>() as u64
    }

    /// A short form for messages.
    pub(super) fn describe(&self) -> String {
        let mut s = match self {
            Key::Str(s) => format!("{s:?}"),
            Key::Bytes(b) => format!("b{:?}", String::from_utf8_lossy(b)),
            Key::Int(i) => i.to_string(),
            Key::BigInt(s) => s.clone(),
            Key::Float(bits) => f64::from_bits(*bits).to_string(),
            Key::None => "None".to_string(),
            Key::Global(g) => g.clone(),
            Key::Tuple(t) => format!(
                "({})",
                t.iter().map(Key::describe).collect::<Vec<_>>().join(", ")
            ),
            Key::Node(id) => format!("the object of node {id}"),
        };
        if s.len() > 80 {
            let mut cut = 77;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        s
    }
}

impl<'a> Vm<'a> {
    pub(super) fn key_of(&self, id: NodeId) -> Key {
        self.key_at(id, 0)
    }

    fn key_at(&self, id: NodeId, depth: usize) -> Key {
        match self.node(id) {
            Node::Str(s) => Key::Str(s.clone()),
            Node::Bytes(b) => Key::Bytes(b.clone()),
            Node::Int(i) => Key::Int(*i as i128),
            Node::Bool(b) => Key::Int(*b as i128),
            Node::BigInt(s) => Key::BigInt(s.clone()),
            Node::Float(f) => float_key(*f).unwrap_or(Key::Node(id)),
            Node::None => Key::None,
            Node::Global(g) => Key::Global(g.dotted()),
            Node::Tuple(items) if depth < MAX_KEY_DEPTH => {
                Key::Tuple(items.iter().map(|&i| self.key_at(i, depth + 1)).collect())
            }
            Node::Scalar { dtype, data } => scalar_key(dtype, data).unwrap_or(Key::Node(id)),
            _ => Key::Node(id),
        }
    }

    /// Record the keys of `pairs` (key node, value node) for dict `d`; a key
    /// equal to one it already has is refused, naming the key.
    pub(super) fn add_keys(
        &mut self,
        d: NodeId,
        pairs: &[(NodeId, NodeId)],
    ) -> Result<(), PickleError> {
        if self.frozen.contains(&d) {
            return Err(self.refused(
                "item assignment on a dict after it was used as an object's state: pickle \
                 copies a state dict when it applies it, so the object would not see these \
                 items while a reader of the stream would. The file is refused",
            ));
        }
        for &(k, _) in pairs {
            let key = self.key_of(k);
            self.charge(key.weight(), "dict keys")?;
            let seen = self.dict_keys.entry(d).or_default();
            if !seen.insert(key.clone()) {
                return Err(self.refused(format!(
                    "dict key {} appears twice: Python keeps the last value, a first-match \
                     reader the first, so the file could mean two different things. \
                     Duplicated keys are refused",
                    key.describe()
                )));
            }
        }
        Ok(())
    }
}

fn float_key(f: f64) -> Option<Key> {
    if f.is_nan() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 1.7e38 {
        // integral floats equal the int of the same value (and -0.0 == 0)
        return Some(Key::Int(f as i128));
    }
    Some(Key::Float(f.to_bits()))
}

/// numpy scalars that compare equal to Python keys: `numpy.str_`,
/// `numpy.bytes_`, integer, bool and float scalars.
fn scalar_key(dtype: &Dtype, data: &[u8]) -> Option<Key> {
    let Dtype::Simple(s) = dtype else { return None };
    let little = !s.starts_with('>');
    let body = s.trim_start_matches(['<', '>', '|', '=']);
    let kind = body.chars().next()?;
    let fixed = |n: usize| -> Option<[u8; 16]> {
        if data.len() != n {
            return None;
        }
        let mut a = [0u8; 16];
        if little {
            a[..n].copy_from_slice(data);
        } else {
            for (i, b) in data.iter().rev().enumerate() {
                a[i] = *b;
            }
        }
        Some(a)
    };
    match kind {
        'U' => {
            let mut out = String::new();
            for c in data.chunks(4) {
                let b: [u8; 4] = c.try_into().ok()?;
                let cp = if little {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b)
                };
                out.push(char::from_u32(cp)?);
            }
            // numpy.str_ drops trailing NULs
            Some(Key::Str(out.trim_end_matches('\0').to_string()))
        }
        'S' => {
            let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            Some(Key::Bytes(data[..end].to_vec()))
        }
        'b' | '?' => Some(Key::Int((data.first()? != &0) as i128)),
        'i' | 'u' => {
            let n = data.len();
            if !matches!(n, 1 | 2 | 4 | 8) {
                return None;
            }
            let a = fixed(n)?;
            let mut w = [0u8; 16];
            w[..n].copy_from_slice(&a[..n]);
            if kind == 'i' && a[n - 1] & 0x80 != 0 {
                for b in w.iter_mut().skip(n) {
                    *b = 0xff;
                }
            }
            Some(Key::Int(i128::from_le_bytes(w)))
        }
        'f' => {
            let v = match data.len() {
                8 => f64::from_le_bytes(fixed(8)?[..8].try_into().ok()?),
                4 => f32::from_le_bytes(fixed(4)?[..4].try_into().ok()?) as f64,
                _ => return None,
            };
            float_key(v)
        }
        _ => None,
    }
}
