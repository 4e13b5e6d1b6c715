//! Time native inference from Rust alone (no Python in the loop):
//!
//!     latency MODEL ROWS.f64 COLS METHOD [CALLS]
//!
//! ROWS.f64 holds little-endian float64 values, row-major, COLS per row.
//! Prints JSON: median/p95 one-row latency over CALLS calls (first row), and
//! the median time of the whole batch over 9 runs.

use std::time::Instant;

use skseal_native::{load_path, LoadOptions, Mat, Method};

fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 5 {
        return Err("usage: latency MODEL ROWS.f64 COLS METHOD [CALLS]".into());
    }
    let model = load_path(a[1].as_ref(), &LoadOptions::default()).map_err(|e| e.to_string())?;
    let raw = std::fs::read(&a[2]).map_err(|e| e.to_string())?;
    let cols: usize = a[3].parse().map_err(|_| "COLS must be a number")?;
    let method = Method::parse(&a[4]).ok_or("unknown method")?;
    let calls: usize = a.get(5).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let data: Vec<f64> = raw
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect();
    let rows = data.len() / cols.max(1);
    let batch = Mat::new(rows, cols, data).map_err(|e| e.to_string())?;
    let one = batch.row(0).to_vec();
    let mut lat = Vec::with_capacity(calls);
    for _ in 0..calls {
        let x = Mat::new(1, cols, one.clone()).map_err(|e| e.to_string())?;
        let t = Instant::now();
        let out = model.run_dense(method, x).map_err(|e| e.to_string())?;
        lat.push(t.elapsed().as_nanos() as f64);
        std::hint::black_box(out);
    }
    lat.sort_by(f64::total_cmp);
    let mut bt = Vec::new();
    for _ in 0..9 {
        let x = batch.clone();
        let t = Instant::now();
        let out = model.run_dense(method, x).map_err(|e| e.to_string())?;
        bt.push(t.elapsed().as_secs_f64());
        std::hint::black_box(out);
    }
    bt.sort_by(f64::total_cmp);
    println!(
        "{{\"one_row_median_us\": {:.3}, \"one_row_p95_us\": {:.3}, \"batch_rows\": {rows}, \"batch_median_ms\": {:.3}, \"threads\": {}}}",
        lat[lat.len() / 2] / 1e3,
        lat[lat.len() * 95 / 100] / 1e3,
        bt[4] * 1e3,
        rayon::current_num_threads()
    );
    Ok(())
}
