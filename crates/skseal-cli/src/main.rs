//! `skseal`: inspect, scan, convert, sign, verify and serve skseal files without Python.

// Standard output goes through `out::line` (a closed pipe ends quietly).
#![deny(clippy::print_stdout)]

mod args;
mod card;
mod convert;
mod files;
mod inspect;
mod out;
mod predict;
mod progress;
mod report;
mod scan;
mod signing;
mod store;
mod verify;

use out::outln;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Cmd};
use report::{fail, print_json};
use signing::read_key;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug, never an answer: report it in one line and exit 2
    // (not 101 with a backtrace hint), like every other error.
    let location = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let loc = location.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let (Some(l), Ok(mut s)) = (info.location(), loc.lock()) {
            *s = format!("{}:{}", l.file(), l.line());
        }
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli))) {
        Ok(code) => code,
        Err(payload) => {
            let at = location.lock().map(|s| s.clone()).unwrap_or_default();
            eprintln!(
                "skseal: internal error: {} (at {at}). This is a bug in skseal, not in your \
                 command: please report it with the file that triggers it",
                skseal_native::panic_message(payload.as_ref())
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> ExitCode {
    if matches!(
        cli.cmd,
        Cmd::Verify { .. } | Cmd::Scan { .. } | Cmd::Store(_)
    ) {
        out::finish_when_closed();
    }
    match cli.cmd {
        Cmd::Keygen { key } => match signing::keygen(&key) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                crate::report::error(e);
                ExitCode::from(2)
            }
        },
        Cmd::Sign { file, key } => match signing::sign(&file, &key) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                crate::report::error(e);
                ExitCode::from(2)
            }
        },
        Cmd::Verify { file, key, json } => match verify::verify(&file, key.as_deref(), json) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            Err(e) => fail("verify", json, &file, &e),
        },
        Cmd::Scan {
            paths,
            json,
            trusted,
            quiet,
        } => scan::scan(&paths, json, trusted, quiet),
        Cmd::Convert {
            src,
            dst,
            trusted,
            compress,
            native_layout,
            quiet,
        } => match convert::convert(&src, &dst, trusted, &compress, native_layout, quiet) {
            Ok(fp) => {
                outln!("wrote {} (fingerprint {fp})", dst.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                crate::report::error(e);
                ExitCode::from(2)
            }
        },
        Cmd::Serve {
            models,
            store,
            admin_key,
            host,
            port,
            require_key,
            trusted,
            max_body_bytes,
            max_rows,
            timeout_ms,
            reload_ms,
            batch_wait_us,
            max_batch_rows,
            mmap,
        } => {
            let res = (|| {
                let store = match store
                    .or_else(|| std::env::var("SKSEAL_STORE").ok().filter(|s| !s.is_empty()))
                {
                    Some(uri) => Some(std::sync::Arc::new(store::open(Some(uri), admin_key)?)),
                    None => None,
                };
                let models = skseal_serve::model_list(&models, store.as_ref())?;
                let ip: std::net::IpAddr = host
                    .parse()
                    .map_err(|e| format!("--host {host:?}: {e} (give an IP address)"))?;
                let load = skseal_native::LoadOptions {
                    trusted,
                    public_key: require_key.as_deref().map(read_key).transpose()?,
                    max_decompressed: skseal_core::resources::configured_max_decompressed()
                        .map_err(|e| e.to_string())?,
                    blas: None,
                    mmap,
                };
                skseal_serve::serve_blocking(skseal_serve::Config {
                    models,
                    addr: std::net::SocketAddr::new(ip, port),
                    load,
                    max_body_bytes,
                    max_rows,
                    timeout: std::time::Duration::from_millis(timeout_ms),
                    reload_every: std::time::Duration::from_millis(reload_ms.max(10)),
                    batch: (batch_wait_us > 0).then(|| skseal_serve::BatchConfig {
                        wait: std::time::Duration::from_micros(batch_wait_us),
                        max_rows: usize::try_from(max_batch_rows).unwrap_or(usize::MAX),
                    }),
                })
                .map_err(|e| e.to_string())
            })();
            match res {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    crate::report::error(e);
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Predict {
            model,
            input,
            no_header,
            delimiter,
            keep,
            method,
            output,
            input_format,
            output_format,
            trusted,
            key,
            explain,
            mmap,
        } => {
            let res = (|| {
                let fi = input_format
                    .as_deref()
                    .map(predict::Format::parse)
                    .transpose()?;
                let fo = output_format
                    .as_deref()
                    .map(predict::Format::parse)
                    .transpose()?;
                let key = key.as_deref().map(read_key).transpose()?;
                let delimiter = delimiter
                    .as_deref()
                    .map(skseal_native::input::parse_delimiter)
                    .transpose()?
                    .unwrap_or_else(|| skseal_native::input::default_delimiter(&input));
                predict::run(predict::Args {
                    options: predict::InputOptions {
                        no_header,
                        delimiter,
                        keep,
                    },
                    model: &model,
                    input: &input,
                    output: output.as_deref(),
                    method: &method,
                    input_format: fi,
                    output_format: fo,
                    trusted,
                    key,
                    explain,
                    mmap,
                })
            })();
            match res {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    crate::report::error(e);
                    ExitCode::from(2)
                }
            }
        }
        Cmd::Store(a) => store::run(a),
        Cmd::Card(args) => card::run(args),
        Cmd::Inspect {
            file,
            json,
            summary,
        } => match inspect::describe_file(&file) {
            Ok(d) => {
                if json {
                    print_json(&d);
                } else {
                    inspect::print_text(&d, summary);
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail("inspect", json, &file, &e),
        },
        Cmd::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "skseal", &mut buf);
            outln!("{}", String::from_utf8_lossy(&buf).trim_end());
            ExitCode::SUCCESS
        }
    }
}
