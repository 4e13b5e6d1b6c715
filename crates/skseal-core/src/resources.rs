//! Resource limits shared by every entry point (Python module, CLI, native
//! inference): the decompression cap read from `SKSEAL_MAX_DECOMPRESSED` (one
//! parser, used by all), the memory actually available to this process, and
//! the VM's memory budget derived from both.

use crate::error::PickleError;

/// Default cap on the decompressed size of a legacy file (8 GiB).
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 8 << 30;

/// The environment variable that sets the decompression cap (a byte count).
pub const MAX_DECOMPRESSED_VAR: &str = "SKSEAL_MAX_DECOMPRESSED";

/// Parse a value of `SKSEAL_MAX_DECOMPRESSED`: a byte count (digits, `_`
/// allowed as a separator). Empty means the default.
pub fn parse_max_decompressed(v: &str) -> Result<u64, PickleError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(DEFAULT_MAX_DECOMPRESSED);
    }
    let digits: String = t.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PickleError::Config(format!(
            "{MAX_DECOMPRESSED_VAR}={v:?} is not a byte count; set it to a whole number of \
             bytes (e.g. 1073741824 for 1 GiB) or unset it for the default of 8 GiB"
        )));
    }
    digits.parse::<u64>().map_err(|_| {
        PickleError::Config(format!(
            "{MAX_DECOMPRESSED_VAR}={v:?} is larger than 2^64-1 bytes; use a smaller count"
        ))
    })
}

/// The decompression cap configured for this process: `SKSEAL_MAX_DECOMPRESSED`
/// when set, else 8 GiB. The Python module and the CLI both call this.
pub fn configured_max_decompressed() -> Result<u64, PickleError> {
    match std::env::var(MAX_DECOMPRESSED_VAR) {
        Ok(v) => parse_max_decompressed(&v),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_MAX_DECOMPRESSED),
        Err(std::env::VarError::NotUnicode(_)) => Err(PickleError::Config(format!(
            "{MAX_DECOMPRESSED_VAR} is not valid text; set it to a byte count"
        ))),
    }
}

/// Bytes this process can still allocate, as far as the system says: the
/// smaller of `MemAvailable` (/proc/meminfo) and the address-space limit
/// (RLIMIT_AS, /proc/self/limits) minus the address space already used
/// (/proc/self/status `VmSize`). `None` when neither is known (non-Linux).
pub fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| kib_field(&t, "MemAvailable:"));
    let as_left = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| address_space_limit(&t))
        .map(|limit| {
            let used = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|t| kib_field(&t, "VmSize:"))
                .unwrap_or(0);
            limit.saturating_sub(used)
        });
    match (meminfo, as_left) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The soft "Max address space" of /proc/self/limits, in bytes.
fn address_space_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max address space"))?;
    let soft = line["Max address space".len()..]
        .split_whitespace()
        .next()?;
    soft.parse().ok()
}

/// The share of the available memory one decompressed stream may take: the
/// VM and the objects built from it need room too.
const DECOMPRESS_SHARE: u64 = 4;

/// The effective decompression limit: the configured cap, lowered to a
/// quarter of the memory available now. Returns the limit and, when memory
/// decided it, the available figure (for the message).
pub fn decompress_limit(cap: u64) -> (u64, Option<u64>) {
    match available_memory() {
        Some(avail) if avail / DECOMPRESS_SHARE < cap => (avail / DECOMPRESS_SHARE, Some(avail)),
        _ => (cap, None),
    }
}

/// Bytes of VM memory per byte of input, and a floor for small files.
const VM_BYTES_PER_INPUT_BYTE: u64 = 96;
const VM_FLOOR: u64 = 256 << 20;

/// The VM's memory budget for an input of `len` bytes: linear in the input
/// (96 bytes per byte, at least 256 MiB), and never more than half of the
/// memory available.
pub fn vm_budget(len: usize) -> u64 {
    let linear = (len as u64)
        .saturating_mul(VM_BYTES_PER_INPUT_BYTE)
        .saturating_add(VM_FLOOR);
    match available_memory() {
        Some(avail) => linear.min(avail / 2),
        None => linear,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_byte_counts() {
        assert_eq!(parse_max_decompressed(""), Ok(DEFAULT_MAX_DECOMPRESSED));
        assert_eq!(parse_max_decompressed("1048576"), Ok(1 << 20));
        assert_eq!(parse_max_decompressed(" 1_000 "), Ok(1000));
        for bad in ["1G", "-5", "x", "99999999999999999999999"] {
            let e = parse_max_decompressed(bad).expect_err(bad);
            assert!(e.to_string().contains("SKSEAL_MAX_DECOMPRESSED"), "{e}");
        }
    }

    #[test]
    fn reads_proc_fields() {
        let limits = "Limit Soft Limit Hard Limit Units\n\
                      Max address space         2147483648           unlimited            bytes\n";
        assert_eq!(address_space_limit(limits), Some(2 << 30));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes\n";
        assert_eq!(address_space_limit(unlimited), None);
        assert_eq!(
            kib_field("MemAvailable:   1024 kB\n", "MemAvailable:"),
            Some(1 << 20)
        );
        assert!(vm_budget(0) >= 1 << 20);
    }
}
