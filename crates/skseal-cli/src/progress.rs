//! Progress for long work (`scan` of large folders, `convert`, `store
//! push`/`store pull` of large files), drawn on
//! stderr only when stderr is a terminal and `--quiet` is not given: piped
//! or redirected output never contains it.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn shown(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

/// A bar over `len` items (hidden when not shown).
pub fn bar(len: u64, quiet: bool, what: &str) -> ProgressBar {
    if !shown(quiet) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg} ({elapsed})")
    {
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_prefix(what.to_string());
    pb
}

/// A spinner for work in steps of unknown length (hidden when not shown).
pub fn spinner(quiet: bool) -> ProgressBar {
    if !shown(quiet) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb
}

/// Files from this size on get progress in `store push` and `store pull`.
pub const LARGE_FILE: u64 = 4 << 20;

/// A spinner for the steps of moving a file of `bytes` bytes to or from a
/// store: shown only for large files on a terminal.
pub fn transfer(bytes: u64) -> ProgressBar {
    spinner(bytes < LARGE_FILE)
}

/// `bytes` as megabytes, for messages.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
