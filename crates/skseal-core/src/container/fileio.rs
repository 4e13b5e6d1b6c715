//! File I/O: positioned reads and writes, and atomic replacement of a file.

use std::io::Write;

#[cfg(unix)]
pub(super) fn write_at(f: &std::fs::File, buf: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(buf, offset)
}

#[cfg(windows)]
pub(super) fn write_at(f: &std::fs::File, mut buf: &[u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = f.seek_write(buf, offset)?;
        buf = &buf[n..];
        offset += n as u64;
    }
    Ok(())
}

#[cfg(unix)]
pub(crate) fn read_at(f: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, offset)
}

#[cfg(windows)]
pub(crate) fn read_at(
    f: &std::fs::File,
    mut buf: &mut [u8],
    mut offset: u64,
) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match f.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Write `path` so that no reader ever sees a partial file: the bytes go to a
/// temporary file in the same folder, which is fsynced and renamed over
/// `path`, then the folder is fsynced. On any error the temporary file is
/// removed and `path` is untouched. The one writer of whole files for every
/// crate and for Python.
///
/// A destination that is not a regular file is never replaced: a symbolic
/// link is followed (the file it points to is replaced, the link stays), and
/// a device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe) is
/// written through, after the whole content was built in a temporary file.
/// Renaming over `/dev/null` would turn it into a regular file for the whole
/// machine. A replaced regular file keeps its permissions.
pub fn write_atomic<T, E: From<std::io::Error>>(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<T, E>,
) -> Result<T, E> {
    use std::fs;
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "{} is a symbolic link to a missing file ({e})",
                    path.display()
                ),
            )
        })?,
        _ => path.to_path_buf(),
    };
    let existing = fs::metadata(&target).ok();
    if let Some(m) = &existing {
        if m.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                format!("{} is a folder: give a file name", target.display()),
            )
            .into());
        }
        if !m.is_file() {
            return write_through(&target, write);
        }
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let (tmp, f) = create_temp(&dir, &target)?;
    let result = (|| -> Result<T, E> {
        let out = {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &f);
            let out = write(&mut w)?;
            w.flush()?;
            out
        };
        if let Some(m) = &existing {
            f.set_permissions(m.permissions())?;
        }
        f.sync_all()?;
        fs::rename(&tmp, &target)?;
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(out)
    })();
    drop(f);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The whole content built in a temporary file (the writer may move bytes
/// within it), then copied into a destination that is not a regular file.
fn write_through<T, E: From<std::io::Error>>(
    target: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<T, E>,
) -> Result<T, E> {
    use std::io::{Seek, SeekFrom};
    let (tmp, mut f) = create_temp(&std::env::temp_dir(), target)?;
    let result = (|| -> Result<T, E> {
        let out = {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &f);
            let out = write(&mut w)?;
            w.flush()?;
            out
        };
        f.seek(SeekFrom::Start(0))?;
        let mut dst = std::fs::OpenOptions::new().write(true).open(target)?;
        std::io::copy(&mut f, &mut dst)?;
        dst.flush()?;
        Ok(out)
    })();
    drop(f);
    let _ = std::fs::remove_file(&tmp);
    result
}

/// A new temporary file in `dir`, named after `target`; never an existing one.
fn create_temp(
    dir: &std::path::Path,
    target: &std::path::Path,
) -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let mut last = None;
    for attempt in 0..16u32 {
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            .wrapping_add(attempt);
        let tmp = dir.join(format!(".{name}.{}.{nonce}.tmp", std::process::id()));
        // readable too: the streaming writer moves blobs within the file
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name was free")))
}
