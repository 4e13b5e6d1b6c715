//! scikit-learn's word analyzer with its defaults, by hand: `str.lower()`
//! (with Python's final-sigma rule), `re.findall(r"(?u)\b\w\w+\b")`, stop
//! words, word n-grams; and `murmurhash3_32` (signed, seed 0) for
//! HashingVectorizer.
//!
//! The character classes are Python's, not Rust's: `unicode.txt` holds
//! what `re`'s `\w` matches, what `str.lower()` maps and the cased /
//! case-ignorable sets, generated from the Python scikit-learn runs on by
//! scripts/gen_text_tables.py (Rust's `char::is_alphanumeric` and
//! `to_lowercase` follow another Unicode version and other definitions).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::error::{NativeError, Result};

const UNICODE: &str = include_str!("unicode.txt");
const STOP_WORDS: &str = include_str!("english_stop_words.txt");
const SIGMA: char = '\u{3a3}';

struct Tables {
    word: Vec<(u32, u32)>,
    space: Vec<(u32, u32)>,
    cased: Vec<(u32, u32)>,
    ignorable: Vec<(u32, u32)>,
    lower: HashMap<char, String>,
    /// strip_accents="unicode" per character (absent: unchanged)
    strip_u: HashMap<char, String>,
    /// strip_accents="ascii" per non-ASCII character (absent: dropped)
    strip_a: HashMap<char, String>,
}

fn parse_tables() -> std::result::Result<Tables, String> {
    let mut t = Tables {
        word: Vec::new(),
        space: Vec::new(),
        cased: Vec::new(),
        ignorable: Vec::new(),
        lower: HashMap::new(),
        strip_u: HashMap::new(),
        strip_a: HashMap::new(),
    };
    let hex = |s: &str| u32::from_str_radix(s, 16).map_err(|e| format!("{s:?}: {e}"));
    for line in UNICODE.lines().filter(|l| !l.starts_with('#')) {
        let mut it = line.split(' ');
        let tag = it.next().unwrap_or("");
        let nums = it
            .map(hex)
            .collect::<std::result::Result<Vec<u32>, String>>()?;
        match (tag, nums.as_slice()) {
            ("W", [a, b]) => t.word.push((*a, *b)),
            ("S", [a, b]) => t.space.push((*a, *b)),
            ("C", [a, b]) => t.cased.push((*a, *b)),
            ("I", [a, b]) => t.ignorable.push((*a, *b)),
            (tag @ ("L" | "U" | "A"), [c, rest @ ..]) => {
                let key = char::from_u32(*c).ok_or(format!("{c:x}"))?;
                let val = rest
                    .iter()
                    .map(|&x| char::from_u32(x).ok_or(format!("{x:x}")))
                    .collect::<std::result::Result<String, String>>()?;
                let map = match tag {
                    "L" => &mut t.lower,
                    "U" => &mut t.strip_u,
                    _ => &mut t.strip_a,
                };
                map.insert(key, val);
            }
            _ => return Err(format!("bad line {line:?}")),
        }
    }
    Ok(t)
}

fn tables() -> Result<&'static Tables> {
    static T: OnceLock<std::result::Result<Tables, String>> = OnceLock::new();
    T.get_or_init(parse_tables)
        .as_ref()
        .map_err(|e| NativeError::Input(format!("internal Unicode table unreadable: {e}")))
}

fn in_ranges(r: &[(u32, u32)], c: char) -> bool {
    let c = c as u32;
    let i = r.partition_point(|&(_, b)| b < c);
    i < r.len() && r[i].0 <= c
}

/// scikit-learn's ENGLISH_STOP_WORDS.
pub(crate) fn english_stop_words() -> Vec<String> {
    STOP_WORDS
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Python's `str.lower()`.
pub(crate) fn py_lower(s: &str) -> Result<String> {
    let t = tables()?;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == SIGMA {
            out.push(if final_sigma(t, &chars, i) {
                '\u{3c2}'
            } else {
                '\u{3c3}'
            });
        } else if let Some(l) = t.lower.get(&c) {
            out.push_str(l);
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// scikit-learn's `strip_accents_unicode` (`ascii` false) or
/// `strip_accents_ascii`: NFKD, then the non-combining (or the ASCII)
/// characters, computed per character from the generated tables (NFKD's
/// reordering moves only combining marks, which both drop).
pub(crate) fn strip_accents(s: &str, ascii: bool) -> Result<String> {
    if s.is_ascii() {
        return Ok(s.to_string());
    }
    let t = tables()?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if ascii {
            if let Some(v) = t.strip_a.get(&c) {
                out.push_str(v);
            }
        } else if let Some(v) = t.strip_u.get(&c) {
            out.push_str(v);
        } else if let Some(j) = hangul_jamo(c) {
            out.extend(j);
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// The NFKD of a precomposed Hangul syllable (Unicode's algorithm).
fn hangul_jamo(c: char) -> Option<impl Iterator<Item = char>> {
    const S_BASE: u32 = 0xAC00;
    const N_COUNT: u32 = 588;
    const T_COUNT: u32 = 28;
    let si = (c as u32)
        .checked_sub(S_BASE)
        .filter(|&i| i < 19 * N_COUNT)?;
    let l = 0x1100 + si / N_COUNT;
    let v = 0x1161 + (si % N_COUNT) / T_COUNT;
    let t = 0x11A7 + si % T_COUNT;
    let t = (t != 0x11A7).then_some(t);
    Some(
        [Some(l), Some(v), t]
            .into_iter()
            .flatten()
            .filter_map(char::from_u32),
    )
}

/// CPython's `handle_capital_sigma`: a cased letter before (skipping
/// case-ignorable ones) and none after.
fn final_sigma(t: &Tables, chars: &[char], i: usize) -> bool {
    let before = chars[..i]
        .iter()
        .rev()
        .find(|&&c| !in_ranges(&t.ignorable, c));
    let Some(&b) = before else { return false };
    if !in_ranges(&t.cased, b) {
        return false;
    }
    match chars[i + 1..]
        .iter()
        .find(|&&c| !in_ranges(&t.ignorable, c))
    {
        None => true,
        Some(&c) => !in_ranges(&t.cased, c),
    }
}

/// `re.findall(r"(?u)\b\w\w+\b", s)`: the maximal runs of two or more word
/// characters.
pub(crate) fn tokens(s: &str) -> Result<Vec<&str>> {
    let t = tables()?;
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // byte offset, chars
    for (i, c) in s.char_indices() {
        if in_ranges(&t.word, c) {
            start = Some(match start {
                Some((b, n)) => (b, n + 1),
                None => (i, 1),
            });
        } else if let Some((b, n)) = start.take() {
            if n >= 2 {
                out.push(&s[b..i]);
            }
        }
    }
    if let Some((b, n)) = start {
        if n >= 2 {
            out.push(&s[b..]);
        }
    }
    Ok(out)
}

/// scikit-learn's `_word_ngrams`: stop words removed, then the n-grams for
/// n in `min_n..=max_n`, joined with one space.
pub(crate) fn word_ngrams(
    tokens: Vec<&str>,
    stop: Option<&std::collections::HashSet<String>>,
    (min_n, max_n): (usize, usize),
) -> Vec<String> {
    let toks: Vec<&str> = match stop {
        Some(s) => tokens.into_iter().filter(|w| !s.contains(*w)).collect(),
        None => tokens,
    };
    if max_n == 1 {
        return toks.into_iter().map(str::to_string).collect();
    }
    let mut out = Vec::new();
    let mut lo = min_n;
    if min_n == 1 {
        out.extend(toks.iter().map(|w| w.to_string()));
        lo += 1;
    }
    let n_orig = toks.len();
    for n in lo..=max_n.min(n_orig) {
        for i in 0..=(n_orig - n) {
            out.push(toks[i..i + n].join(" "));
        }
    }
    out
}

/// `re.sub(r"\s\s+", " ", s)` as chars: runs of two or more whitespace
/// characters become one space (a single one stays as it is).
fn squeeze_spaces(t: &Tables, s: &str) -> Vec<char> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && in_ranges(&t.space, chars[j]) {
            j += 1;
        }
        match j - i {
            0 => {
                out.push(chars[i]);
                i += 1;
            }
            1 => {
                out.push(chars[i]);
                i = j;
            }
            _ => {
                out.push(' ');
                i = j;
            }
        }
    }
    out
}

/// scikit-learn's `_char_ngrams`: the character n-grams of the text with
/// whitespace runs squeezed.
pub(crate) fn char_ngrams(s: &str, (min_n, max_n): (usize, usize)) -> Result<Vec<String>> {
    let t = tables()?;
    let text = squeeze_spaces(t, s);
    let len = text.len();
    let mut out: Vec<String> = Vec::new();
    let mut lo = min_n;
    if min_n == 1 {
        out.extend(text.iter().map(|c| c.to_string()));
        lo += 1;
    }
    for n in lo..=max_n.min(len) {
        for i in 0..=(len - n) {
            out.push(text[i..i + n].iter().collect());
        }
    }
    Ok(out)
}

/// scikit-learn's `_char_wb_ngrams`: per whitespace-separated word padded
/// with one space each side, its n-grams (a word shorter than n once).
pub(crate) fn char_wb_ngrams(s: &str, (min_n, max_n): (usize, usize)) -> Result<Vec<String>> {
    let t = tables()?;
    let text = squeeze_spaces(t, s);
    let mut out = Vec::new();
    for word in text
        .split(|&c| in_ranges(&t.space, c))
        .filter(|w| !w.is_empty())
    {
        let mut w = Vec::with_capacity(word.len() + 2);
        w.push(' ');
        w.extend_from_slice(word);
        w.push(' ');
        let wl = w.len();
        for n in min_n..=max_n {
            let mut off = 0;
            out.push(w[off..(off + n).min(wl)].iter().collect());
            while off + n < wl {
                off += 1;
                out.push(w[off..off + n].iter().collect());
            }
            if off == 0 {
                break;
            }
        }
    }
    Ok(out)
}

/// MurmurHash3_x86_32 of `data` with `seed`, as a signed 32-bit integer
/// (scikit-learn's `murmurhash3_bytes_s32`).
pub(crate) fn murmurhash3_s32(data: &[u8], seed: u32) -> i32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for ch in &mut chunks {
        let mut k = u32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    let mut k: u32 = 0;
    for (i, &b) in tail.iter().enumerate() {
        k ^= u32::from(b) << (8 * i);
    }
    if !tail.is_empty() {
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_matches_known_values() {
        // sklearn.utils.murmurhash3_32(b"foo", seed=0) == -156908512
        assert_eq!(murmurhash3_s32(b"foo", 0), -156908512);
        assert_eq!(murmurhash3_s32(b"", 0), 0);
    }

    #[test]
    fn tokens_are_runs_of_two_word_chars() {
        let t = tokens("a bc_d, e1 É! x").unwrap_or_default();
        assert_eq!(t, vec!["bc_d", "e1"]);
    }

    #[test]
    fn char_ngrams_follow_sklearn() {
        // CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)).build_analyzer()("ab  c")
        let g = char_wb_ngrams("ab  c", (2, 3)).unwrap_or_default();
        assert_eq!(g, vec![" a", "ab", "b ", " ab", "ab ", " c", "c ", " c "]);
        // analyzer="char", ngram_range=(1, 2) on "a\tb  c"
        let g = char_ngrams("a\tb  c", (1, 2)).unwrap_or_default();
        assert_eq!(g, vec!["a", "\t", "b", " ", "c", "a\t", "\tb", "b ", " c"]);
    }

    #[test]
    fn strip_accents_follow_sklearn() {
        // strip_accents_unicode("Café ǅ 한 ﬁ") / strip_accents_ascii(...)
        let u = strip_accents("Café ǅ 한 ﬁ", false).unwrap_or_default();
        assert_eq!(u, "Cafe Dz \u{1112}\u{1161}\u{11ab} fi");
        let a = strip_accents("Café ǅ 한 ﬁ", true).unwrap_or_default();
        assert_eq!(a, "Cafe Dz  fi");
    }

    #[test]
    fn lower_follows_python() {
        assert_eq!(py_lower("ΟΔΟΣ Σ").unwrap_or_default(), "οδος σ");
        assert_eq!(py_lower("İ").unwrap_or_default(), "i\u{307}");
    }
}
