//! Every line the CLI prints to standard output goes through [`line`]: a
//! closed pipe (`skseal inspect big.skseal | head`) ends the program quietly
//! with exit 0, as `cat` or `grep` do, instead of a panic ("failed printing to
//! stdout: Broken pipe"). A command whose exit code is its verdict (`verify`,
//! `scan`, `store`) calls [`finish_when_closed`] first: a closed pipe then
//! stops its output, not its work, and the exit code still says what it found.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set by [`finish_when_closed`]: a closed pipe silences, never exits.
static FINISH: AtomicBool = AtomicBool::new(false);
/// The reader of standard output went away: nothing more is written.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// The exit code of this command is its answer (`skseal verify m.skseal |
/// head -1` under `set -o pipefail` must still fail on a damaged file):
/// on a closed pipe, stop printing but finish the work.
pub fn finish_when_closed() {
    FINISH.store(true, Ordering::Relaxed);
}

/// Whether an output error means the reader went away (nothing left to say).
pub fn is_closed_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// The reader of standard output is gone: stop here, successfully.
pub fn closed_pipe() -> ! {
    std::process::exit(0)
}

/// Write one line to standard output.
pub fn line(args: std::fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let res = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = res.and_then(|()| out.flush()) {
        if is_closed_pipe(&e) {
            if FINISH.load(Ordering::Relaxed) {
                CLOSED.store(true, Ordering::Relaxed);
                return;
            }
            closed_pipe();
        }
        // Another output error (a full disk): say so on stderr and stop.
        eprintln!("skseal: error: writing to standard output: {e}");
        std::process::exit(2);
    }
}

/// `println!` that ends quietly on a closed pipe.
macro_rules! outln {
    () => { $crate::out::line(format_args!("")) };
    ($($t:tt)*) => { $crate::out::line(format_args!($($t)*)) };
}
pub(crate) use outln;

/// A writer to standard output (for bulk output such as predictions) that
/// ends the program quietly when the reader has gone.
pub struct Stdout(pub std::io::StdoutLock<'static>);

/// Standard output, locked, guarded against a closed pipe.
pub fn stdout() -> Stdout {
    Stdout(std::io::stdout().lock())
}

fn guard<T>(r: std::io::Result<T>) -> std::io::Result<T> {
    match r {
        Err(e) if is_closed_pipe(&e) => closed_pipe(),
        other => other,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        guard(self.0.write(buf))
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        guard(self.0.write_all(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        guard(self.0.flush())
    }
}
