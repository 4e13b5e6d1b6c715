//! Times the header parse of a file: `cargo run --release --example parse_timing FILE`.
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parse_timing FILE");
        return;
    };
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let n = 50_000;
    let t = Instant::now();
    for _ in 0..n {
        let _ = skseal_core::container::Container::parse(&data);
    }
    println!(
        "Container::parse: {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
