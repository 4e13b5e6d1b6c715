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
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        let _ = skseal_core::container::Container::parse(&data);
    }
    println!(
        "Container::parse: {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let (hl, _, _) = skseal_core::container::read_preamble(&data).unwrap_or((0, [0; 32], 0));
    let stored = &data[56..56 + hl as usize];
    let t = Instant::now();
    for _ in 0..n {
        let _ = blake3::hash(stored);
    }
    println!(
        "blake3(header): {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    println!("frame content size: {}", frame_size(stored));
    let json = zstd::bulk::decompress(stored, 1 << 20).unwrap_or_default();
    let t = Instant::now();
    for _ in 0..n {
        let _ = zstd::bulk::decompress(stored, 1 << 20);
    }
    println!(
        "zstd (fresh ctx): {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        let _ = skseal_core::graphjson::parse_json(&json);
    }
    println!(
        "parse_json: {:.2} us ({} bytes)",
        t.elapsed().as_secs_f64() * 1e6 / n as f64,
        json.len()
    );
    let v = skseal_core::graphjson::parse_json(&json).unwrap_or_default();
    let t = Instant::now();
    for _ in 0..n {
        let _ = skseal_core::graphjson::decode(&v["graph"], 100);
    }
    println!(
        "graph decode: {:.2} us",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

#[allow(dead_code)]
fn frame_size(stored: &[u8]) -> String {
    format!("{:?}", zstd::zstd_safe::get_frame_content_size(stored))
}
