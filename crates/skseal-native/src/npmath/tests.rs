//! numpy 2.4.6 test vectors for the SVML ports (exp, log, power) and the
//! C-library fallbacks; see scripts/gen_npmath_vectors.py.

use super::*;

mod exp_cases;
mod expm1_cases;
mod log1p_cases;
mod log_cases;
mod pow_cases;

use exp_cases::EXP_CASES;
use expm1_cases::EXPM1_CASES;
use log1p_cases::LOG1P_CASES;
use log_cases::LOG_CASES;
use pow_cases::POW_CASES;

fn check(name: &str, f: fn(f64) -> f64, cases: &[(u64, u64)]) {
    for &(x, want) in cases {
        let got = f(f64::from_bits(x)).to_bits();
        assert_eq!(
            got, want,
            "{name}({x:#018x}) = {got:#018x}, numpy gives {want:#018x}"
        );
    }
}

#[test]
fn exp_port_matches_numpy() {
    check("exp", exp, &EXP_CASES);
}

#[test]
fn log_port_matches_numpy() {
    check("log", log, &LOG_CASES);
}

#[test]
fn log1p_port_matches_numpy() {
    check("log1p", log1p, &LOG1P_CASES);
    let diff = LOG1P_CASES
        .iter()
        .filter(|&&(x, y)| f64::from_bits(x).ln_1p().to_bits() != y)
        .count();
    assert!(diff >= 350, "{diff}");
}

#[test]
fn expm1_port_matches_numpy() {
    check("expm1", expm1, &EXPM1_CASES);
    let diff = EXPM1_CASES
        .iter()
        .filter(|&&(x, y)| f64::from_bits(x).exp_m1().to_bits() != y)
        .count();
    assert!(diff >= 350, "{diff}");
}

#[test]
fn expm1_special_values() {
    assert_eq!(expm1(0.0).to_bits(), 0);
    assert_eq!(expm1(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(expm1(f64::INFINITY), f64::INFINITY);
    assert_eq!(expm1(f64::NEG_INFINITY), -1.0);
    assert_eq!(expm1(-800.0), -1.0);
    assert_eq!(expm1(710.0), f64::INFINITY);
    assert_eq!(expm1(5e-324).to_bits(), 1);
    assert_eq!(expm1(-5e-324).to_bits(), 0x8000_0000_0000_0001);
    // NaNs come back unchanged, signalling ones too (as numpy gives them).
    for nan in [0x7ff0_0000_0000_0001u64, 0xfff8_0000_dead_beef] {
        assert_eq!(expm1(f64::from_bits(nan)).to_bits(), nan);
    }
}

#[test]
fn expm1_dispatch_picks_the_implementation_numpy_uses() {
    let svml = numpy_uses_avx512f();
    let mut seen = 0;
    for &(x, _) in EXPM1_CASES.iter() {
        let x = f64::from_bits(x);
        let (port, libm) = (expm1(x), x.exp_m1());
        if port.to_bits() != libm.to_bits() {
            let want = if svml { port } else { libm };
            assert_eq!(np_expm1(x).to_bits(), want.to_bits(), "np_expm1({x:e})");
            seen += 1;
        }
    }
    assert!(seen >= 100, "only {seen} inputs tell the two apart");
}

#[test]
fn log1p_special_values() {
    assert_eq!(log1p(0.0).to_bits(), 0);
    assert_eq!(log1p(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(log1p(-1.0), f64::NEG_INFINITY);
    assert_eq!(log1p(f64::INFINITY), f64::INFINITY);
    assert_eq!(log1p(-2.0).to_bits(), X86_DEFAULT_NAN);
    assert_eq!(log1p(f64::NEG_INFINITY).to_bits(), X86_DEFAULT_NAN);
    assert_eq!(log1p(5e-324).to_bits(), 1);
    assert_eq!(log1p(-5e-324).to_bits(), 0x8000_0000_0000_0001);
    for nan in [0x7ff0_0000_0000_0001u64, 0xfff8_0000_dead_beef] {
        assert_eq!(log1p(f64::from_bits(nan)).to_bits(), nan | QUIET_BIT);
    }
}

#[test]
fn log1p_dispatch_picks_the_implementation_numpy_uses() {
    let svml = numpy_uses_avx512f();
    let mut seen = 0;
    for &(x, _) in LOG1P_CASES.iter() {
        let x = f64::from_bits(x);
        let (port, libm) = (log1p(x), x.ln_1p());
        if port.to_bits() != libm.to_bits() {
            let want = if svml { port } else { libm };
            assert_eq!(np_log1p(x).to_bits(), want.to_bits(), "np_log1p({x:e})");
            seen += 1;
        }
    }
    assert!(seen >= 100, "only {seen} inputs tell the two apart");
}

fn check_pow(name: &str, f: fn(f64, f64) -> f64) {
    for &(x, y, want) in &POW_CASES {
        let got = f(f64::from_bits(x), f64::from_bits(y)).to_bits();
        assert_eq!(
            got, want,
            "{name}({x:#018x}, {y:#018x}) = {got:#018x}, numpy gives {want:#018x}"
        );
    }
}

#[test]
fn pow_port_matches_numpy() {
    check_pow("pow", pow);
}

#[test]
fn dispatch_matches_numpy_on_avx512() {
    if numpy_uses_avx512f() {
        check("np_exp", np_exp, &EXP_CASES);
        check("np_log", np_log, &LOG_CASES);
        check("np_log1p", np_log1p, &LOG1P_CASES);
        check("np_expm1", np_expm1, &EXPM1_CASES);
        check_pow("np_pow", np_pow);
    }
}

/// The dispatch itself: on inputs where the SVML ports and the C library
/// disagree, `np_exp`/`np_log` must return the one numpy uses here (a
/// dispatch stuck on either side fails on one machine kind or the other).
#[test]
fn dispatch_picks_the_implementation_numpy_uses() {
    let svml = numpy_uses_avx512f();
    let mut seen = 0;
    for &(x, _) in EXP_CASES.iter() {
        let x = f64::from_bits(x);
        let (port, libm) = (exp(x), x.exp());
        if port.to_bits() != libm.to_bits() {
            let want = if svml { port } else { libm };
            assert_eq!(np_exp(x).to_bits(), want.to_bits(), "np_exp({x:e})");
            seen += 1;
        }
    }
    for &(x, _) in LOG_CASES.iter() {
        let x = f64::from_bits(x);
        let (port, libm) = (log(x), x.ln());
        if port.to_bits() != libm.to_bits() {
            let want = if svml { port } else { libm };
            assert_eq!(np_log(x).to_bits(), want.to_bits(), "np_log({x:e})");
            seen += 1;
        }
    }
    assert!(seen >= 100, "only {seen} inputs tell the two apart");
}

#[test]
fn cases_include_libm_disagreements() {
    // Guards against a table that only holds easy cases.
    let exp_diff = EXP_CASES
        .iter()
        .filter(|&&(x, y)| f64::from_bits(x).exp().to_bits() != y)
        .count();
    let log_diff = LOG_CASES
        .iter()
        .filter(|&&(x, y)| f64::from_bits(x).ln().to_bits() != y)
        .count();
    assert!(exp_diff >= 250 && log_diff >= 250, "{exp_diff} {log_diff}");
    let pow_diff = POW_CASES
        .iter()
        .filter(|&&(x, y, z)| f64::from_bits(x).powf(f64::from_bits(y)).to_bits() != z)
        .count();
    assert!(pow_diff >= 300, "{pow_diff}");
}

#[test]
fn special_values() {
    assert_eq!(exp(0.0).to_bits(), 1.0f64.to_bits());
    assert_eq!(exp(-0.0).to_bits(), 1.0f64.to_bits());
    assert_eq!(exp(f64::INFINITY), f64::INFINITY);
    assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0);
    assert_eq!(exp(710.0), f64::INFINITY);
    assert_eq!(exp(-746.0).to_bits(), 0);
    assert_eq!(log(1.0).to_bits(), 0);
    assert_eq!(log(0.0), f64::NEG_INFINITY);
    assert_eq!(log(-0.0), f64::NEG_INFINITY);
    assert_eq!(log(f64::INFINITY), f64::INFINITY);
    assert_eq!(log(-1.0).to_bits(), X86_DEFAULT_NAN);
    assert_eq!(log(f64::NEG_INFINITY).to_bits(), X86_DEFAULT_NAN);
    // NaNs keep sign and payload and come out quiet.
    for nan in [
        0x7ff0_0000_0000_0001u64,
        0xfff8_0000_dead_beef,
        0x7ff8_0000_0000_0000,
    ] {
        let want = nan | QUIET_BIT;
        assert_eq!(exp(f64::from_bits(nan)).to_bits(), want);
        assert_eq!(log(f64::from_bits(nan)).to_bits(), want);
    }
}

#[test]
fn pow_special_values() {
    let nan = X86_DEFAULT_NAN;
    // 2 ** -d, IsolationForest's use: exact powers of two stay exact.
    for d in 0..=50 {
        let want = f64::from_bits((1023 - d as u64) << 52);
        assert_eq!(
            pow(2.0, -f64::from(d)).to_bits(),
            want.to_bits(),
            "2 ** -{d}"
        );
    }
    assert_eq!(pow(2.0, 0.5).to_bits(), std::f64::consts::SQRT_2.to_bits());
    assert_eq!(pow(0.5, 3.0), 0.125);
    assert_eq!(pow(-2.0, 3.0), -8.0);
    assert_eq!(pow(-2.0, 2.0), 4.0);
    assert_eq!(pow(-8.0, 1.0 / 3.0).to_bits(), nan);
    assert_eq!(pow(0.0, -1.0), f64::INFINITY);
    assert_eq!(pow(-0.0, -1.0), f64::NEG_INFINITY);
    assert_eq!(pow(-0.0, -2.0), f64::INFINITY);
    assert_eq!(pow(-0.0, 3.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(pow(-0.0, 0.5).to_bits(), 0);
    assert_eq!(pow(f64::INFINITY, -1.0).to_bits(), 0);
    assert_eq!(pow(f64::NEG_INFINITY, 3.0), f64::NEG_INFINITY);
    assert_eq!(pow(f64::NEG_INFINITY, -3.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(pow(0.5, f64::INFINITY).to_bits(), 0);
    assert_eq!(pow(0.5, f64::NEG_INFINITY), f64::INFINITY);
    assert_eq!(pow(-1.0, f64::INFINITY), 1.0);
    assert_eq!(pow(10.0, 400.0), f64::INFINITY);
    assert_eq!(pow(10.0, -400.0).to_bits(), 0);
    assert_eq!(pow(2.0, -1074.0).to_bits(), 1);
    assert_eq!(pow(2.0, -1075.0).to_bits(), 0);
    assert_eq!(pow(2.0, 1023.0).to_bits(), 0x7fe0_0000_0000_0000);
    // Tiny exponents, including products below 2^-1074, give exactly 1.
    for (x, y) in [
        (0.6, 5e-324),
        (0.6, -5e-324),
        (1.5, 1e-310),
        (0.999, 1e-200),
    ] {
        assert_eq!(pow(x, y), 1.0, "{x} ** {y}");
    }
    // pow(1, y) and pow(x, +-0) are 1 even for NaN; other NaNs come back
    // quiet with their payload (x's if both are NaN).
    let snan = f64::from_bits(0x7ff0_0000_0000_0001);
    let qnan = f64::from_bits(0xfff8_0000_dead_beef);
    assert_eq!(pow(1.0, snan), 1.0);
    assert_eq!(pow(snan, -0.0), 1.0);
    assert_eq!(pow(snan, 2.0).to_bits(), 0x7ff8_0000_0000_0001);
    assert_eq!(pow(2.0, qnan).to_bits(), qnan.to_bits());
    assert_eq!(pow(qnan, snan).to_bits(), qnan.to_bits());
    assert_eq!(pow(snan, qnan).to_bits(), 0x7ff8_0000_0000_0001);
}

#[test]
fn pow_scalar_exponent_fast_paths() {
    for x in [0.3f64, 1.7, 123.456, -2.5, 0.0, -0.0, f64::INFINITY] {
        assert_eq!(np_pow_scalar_exponent(x, 2.0).to_bits(), (x * x).to_bits());
        assert_eq!(
            np_pow_scalar_exponent(x, -1.0).to_bits(),
            (1.0 / x).to_bits()
        );
        assert_eq!(np_pow_scalar_exponent(x, 0.5).to_bits(), x.sqrt().to_bits());
        assert_eq!(np_pow_scalar_exponent(x, 1.0).to_bits(), x.to_bits());
        assert_eq!(np_pow_scalar_exponent(x, -0.0), 1.0);
        assert_eq!(
            np_pow_scalar_exponent(x, 3.0).to_bits(),
            np_pow(x, 3.0).to_bits()
        );
    }
}

#[test]
fn rcp_steps_are_increasing_and_near_the_midpoints() {
    for (i, w) in LOG_RCP_STEPS.windows(2).enumerate() {
        assert!(w[0] < w[1], "step {i}");
    }
    // Step s is where 1/m crosses (63 - 2s)/64, give or take 2^-14.
    for (s, &p) in (0u32..).zip(LOG_RCP_STEPS.iter()) {
        let m = 1.0 + f64::from(p) / 65536.0;
        let mid = 64.0 / f64::from(63 - 2 * s);
        assert!((m - mid).abs() < 4.0 / 65536.0, "step {s}: {m} vs {mid}");
    }
    for (i, w) in POW_RCP_STEPS.windows(2).enumerate() {
        assert!(w[0] < w[1], "pow step {i}");
    }
    // For m in [0.5, 1), step s is where 1/m crosses (127 - 2s)/64.
    for (s, &p) in (0u32..).zip(POW_RCP_STEPS.iter()) {
        let m = 0.5 + f64::from(p) / 131_072.0;
        let mid = 64.0 / f64::from(127 - 2 * s);
        assert!(
            (m - mid).abs() < 2.0 / 65536.0,
            "pow step {s}: {m} vs {mid}"
        );
    }
}

/// The hardware-FMA copies (`crate::fma`) of the ports give the portable
/// copies' bits over the test vectors and many binades.
#[test]
fn fma_copies_match_the_portable_ports() {
    let mut s = 7u64;
    let mut xs: Vec<f64> = EXP_CASES.iter().map(|&(x, _)| f64::from_bits(x)).collect();
    xs.extend(LOG_CASES.iter().map(|&(x, _)| f64::from_bits(x)));
    for _ in 0..20_000 {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        xs.push(f64::from_bits(s >> 1) * if s & 1 == 1 { -1.0 } else { 1.0 });
        xs.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1500.0);
    }
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(
            exp::exp(x).to_bits(),
            exp::exp_any(x).to_bits(),
            "exp({x:e})"
        );
        assert_eq!(
            log::log(x).to_bits(),
            log::log_any(x).to_bits(),
            "log({x:e})"
        );
        let y = xs[(i * 7 + 3) % xs.len()] / 64.0;
        assert_eq!(
            pow::pow(x.abs(), y).to_bits(),
            pow::pow_any(x.abs(), y).to_bits(),
            "pow({x:e}, {y:e})"
        );
    }
}

/// Every vector `scripts/gen_npmath_vectors.py --out DIR` wrote, against the
/// ports (run on an AVX-512 machine with `NPMATH_VECTORS=DIR cargo test -p
/// skseal-native --release -- --ignored npmath_vector_files`), or against the
/// dispatching `np_*` functions with `NPMATH_DISPATCH=1` (for vectors written
/// by numpy on the other CPU path). Files that are absent are skipped.
#[test]
#[ignore]
fn npmath_vector_files() {
    let Ok(dir) = std::env::var("NPMATH_VECTORS") else {
        return;
    };
    let dispatch = std::env::var("NPMATH_DISPATCH").is_ok();
    let read = |name: &str| -> Option<Vec<u64>> {
        let bytes = std::fs::read(format!("{dir}/{name}")).ok()?;
        Some(
            bytes
                .chunks_exact(8)
                .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
                .collect(),
        )
    };
    type F = fn(f64) -> f64;
    let funcs: [(&str, F, F); 4] = [
        ("exp", exp, np_exp),
        ("log", log, np_log),
        ("log1p", log1p, np_log1p),
        ("expm1", expm1, np_expm1),
    ];
    for (name, port, np) in funcs {
        let (Some(xs), Some(ys)) = (
            read(&format!("{name}_in.bin")),
            read(&format!("{name}_out.bin")),
        ) else {
            continue;
        };
        let f = if dispatch { np } else { port };
        let mut bad = 0usize;
        for (&x, &want) in xs.iter().zip(&ys) {
            let got = f(f64::from_bits(x)).to_bits();
            if got != want {
                if bad < 10 {
                    eprintln!("{name}({x:#018x}) = {got:#018x}, numpy gives {want:#018x}");
                }
                bad += 1;
            }
        }
        eprintln!("{name}: {} vectors, {bad} mismatches", xs.len());
        assert_eq!(bad, 0, "{name}");
    }
}
