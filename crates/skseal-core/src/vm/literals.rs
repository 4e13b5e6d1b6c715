//! Literal arguments of text-protocol and LONG opcodes: decimal and
//! two's-complement integers, Python 2 string literals, raw-unicode-escape.

use super::*;

impl<'a> Vm<'a> {
    /// The argument of INT or LONG, accepted only in the canonical decimal
    /// form Python writes (`-?(0|[1-9][0-9]*)`, an optional trailing `\r`).
    /// CPython reads these lines with C `strtol(s, 0)` and then
    /// `int(s, 0)`, so other spellings mean something else there: `011` is
    /// octal 9, `0x1f` is 31, `+1` and `-0` are booleans, an empty line is
    /// 0. skseal refuses them rather than guess which reading was meant.
    pub(super) fn parse_decimal(&self, l: &str) -> Result<Node, PickleError> {
        let t = l.strip_suffix('\r').unwrap_or(l);
        let digits = t.strip_prefix('-').unwrap_or(t);
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
            && t != "-0";
        if !canonical {
            return Err(self.malformed(format!(
                "integer literal {l:?} is not in canonical decimal form \
                 (pickle would read leading zeros as octal, 0x as hex, signs and \
                 spaces its own way); re-save the file with a current Python"
            )));
        }
        if let Ok(v) = t.parse::<i64>() {
            return Ok(Node::Int(v));
        }
        if digits.len() > self.opts.limits.max_int_bytes * 3 {
            return Err(PickleError::Limit {
                offset: self.op_pos,
                why: "integer literal too long".into(),
            });
        }
        Ok(Node::BigInt(t.to_string()))
    }

    pub(super) fn long_from_bytes(&self, b: &[u8]) -> Result<Node, PickleError> {
        if b.is_empty() {
            return Ok(Node::Int(0));
        }
        if b.len() <= 8 {
            let neg = b[b.len() - 1] & 0x80 != 0;
            let mut a = if neg { [0xffu8; 8] } else { [0u8; 8] };
            a[..b.len()].copy_from_slice(b);
            return Ok(Node::Int(i64::from_le_bytes(a)));
        }
        Ok(Node::BigInt(twos_complement_to_decimal(b)))
    }

    pub(super) fn py_string_literal(&self, l: &[u8]) -> Result<Vec<u8>, PickleError> {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.len() < 2 || l[0] != l[l.len() - 1] || (l[0] != b'\'' && l[0] != b'"') {
            return Err(self.malformed("STRING argument is not a quoted literal"));
        }
        let body = &l[1..l.len() - 1];
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            let c = body[i];
            if c != b'\\' {
                out.push(c);
                i += 1;
                continue;
            }
            let Some(&e) = body.get(i + 1) else {
                return Err(self.malformed("dangling backslash in STRING"));
            };
            i += 2;
            match e {
                b'\\' => out.push(b'\\'),
                b'\'' => out.push(b'\''),
                b'"' => out.push(b'"'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'x' => {
                    let h = body
                        .get(i..i + 2)
                        .ok_or_else(|| self.malformed("short \\x escape"))?;
                    let s = std::str::from_utf8(h).map_err(|_| self.malformed("bad \\x escape"))?;
                    out.push(
                        u8::from_str_radix(s, 16).map_err(|_| self.malformed("bad \\x escape"))?,
                    );
                    i += 2;
                }
                b'0'..=b'7' => {
                    let mut v: u32 = (e - b'0') as u32;
                    let mut k = 0;
                    while k < 2 && i < body.len() && (b'0'..=b'7').contains(&body[i]) {
                        v = v * 8 + (body[i] - b'0') as u32;
                        i += 1;
                        k += 1;
                    }
                    out.push((v & 0xff) as u8);
                }
                other => {
                    out.push(b'\\');
                    out.push(other);
                }
            }
        }
        Ok(out)
    }

    pub(super) fn raw_unicode_escape(&self, l: &[u8]) -> Result<String, PickleError> {
        let mut out = String::with_capacity(l.len());
        let mut i = 0;
        while i < l.len() {
            if l[i] == b'\\' && i + 1 < l.len() && (l[i + 1] == b'u' || l[i + 1] == b'U') {
                let n = if l[i + 1] == b'u' { 4 } else { 8 };
                let h = l
                    .get(i + 2..i + 2 + n)
                    .ok_or_else(|| self.malformed("short unicode escape"))?;
                let s = std::str::from_utf8(h).map_err(|_| self.malformed("bad unicode escape"))?;
                let cp =
                    u32::from_str_radix(s, 16).map_err(|_| self.malformed("bad unicode escape"))?;
                let ch = char::from_u32(cp)
                    .ok_or_else(|| self.malformed("unicode escape is not a scalar value"))?;
                out.push(ch);
                i += 2 + n;
            } else {
                out.push(l[i] as char);
                i += 1;
            }
        }
        Ok(out)
    }
}

pub(super) fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

pub(super) fn latin1_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(c as u32).ok()).collect()
}

/// Little-endian two's complement bytes to decimal text.
pub fn twos_complement_to_decimal(b: &[u8]) -> String {
    let neg = b.last().is_some_and(|&x| x & 0x80 != 0);
    let mut mag: Vec<u8> = b.to_vec();
    if neg {
        // magnitude = ~x + 1
        let mut carry = 1u16;
        for byte in mag.iter_mut() {
            let v = (!*byte) as u16 + carry;
            *byte = v as u8;
            carry = v >> 8;
        }
    }
    // Big-endian base-256 digits -> repeated division by 1e9.
    let mut digits: Vec<u32> = mag.iter().rev().map(|&x| x as u32).collect();
    let mut chunks: Vec<u32> = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rem: u64 = 0;
        for d in digits.iter_mut() {
            let cur = (rem << 8) | *d as u64;
            *d = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        while digits.first() == Some(&0) {
            digits.remove(0);
        }
    }
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    match chunks.split_last() {
        None => s.push('0'),
        Some((first, rest)) => {
            s.push_str(&first.to_string());
            for c in rest.iter().rev() {
                s.push_str(&format!("{c:09}"));
            }
        }
    }
    s
}
