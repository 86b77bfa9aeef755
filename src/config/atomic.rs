//! Crash-safe replacement of the config file (`config.c: rewriteConfigOverwriteFile`).
//!
//! The new content goes to a temp file in the same directory, is written fully and
//! `fsync`ed, gets the mode of the file it replaces (`0644 & ~umask` for a new file), is
//! `rename`d over the config (atomic on POSIX) and the directory is `fsync`ed so the rename
//! itself survives a power loss. At any moment the config path names either the complete old
//! file or the complete new one.
//!
//! Redis gives the rewritten file `0644 & ~umask` whatever the old mode was, so a config
//! holding passwords that was made private (`chmod 600`) becomes readable by everyone at the
//! first rewrite; keeping the old mode is one of the Redis bugs rsentinel fixes.
//!
//! On failure the temp file is removed and the error carries Redis's log text with the
//! cause, e.g. `Could not create tmp config file (Permission denied)`.
//!
//! The temp file is `<config>.tmp.<pid>.<random>`. A process killed while writing leaves its
//! temp file behind; the first save of a later process removes such leftovers (only those of
//! processes that no longer exist), so they never accumulate.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use rand::distributions::Alphanumeric;
use rand::Rng;

use super::sys::{io_strerror, umask};

/// Serialises saves within the process, so two flushes never interleave their
/// read-modify-write of the same file.
pub fn save_lock() -> &'static Mutex<()> {
    static LOCK: Mutex<()> = Mutex::new(());
    &LOCK
}

/// Replace `path` with `content` atomically.
pub fn write_atomically(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the config path has no file name"))?
        .to_string_lossy()
        .into_owned();
    remove_stale_temps_once(&dir, &name);

    let mode = replacement_mode(path);
    let (tmp, file) = create_temp(&dir, &name)?;
    let result = fill_and_replace(file, &tmp, path, &dir, content, mode);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The permission bits the new file gets: those of the file it replaces, else
/// `0644 & ~umask` (what Redis gives every rewritten file).
fn replacement_mode(path: &Path) -> u32 {
    match fs::metadata(path) {
        Ok(m) => m.permissions().mode() & 0o7777,
        Err(_) => 0o644 & !umask(),
    }
}

fn with_cause(e: io::Error, what: impl FnOnce(String) -> String) -> io::Error {
    let msg = what(io_strerror(&e));
    io::Error::new(e.kind(), msg)
}

fn create_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut last = None;
    for _ in 0..100 {
        let suffix: String = rand::thread_rng().sample_iter(&Alphanumeric).take(6).map(char::from).collect();
        let tmp = dir.join(format!("{}.tmp.{}.{}", name, pid, suffix));
        match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(with_cause(e, |c| format!("Could not create tmp config file ({})", c))),
        }
    }
    let e = last.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists));
    Err(with_cause(e, |c| format!("Could not create tmp config file ({})", c)))
}

fn fill_and_replace(
    mut file: File,
    tmp: &Path,
    path: &Path,
    dir: &Path,
    content: &[u8],
    mode: u32,
) -> io::Result<()> {
    let mut offset = 0;
    while offset < content.len() {
        match file.write(&content[offset..]) {
            Ok(0) => {
                let e = io::Error::from(io::ErrorKind::WriteZero);
                return Err(with_cause(e, |c| {
                    format!("Failed after writing ({}) bytes to tmp config file ({})", offset, c)
                }));
            }
            Ok(n) => offset += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(with_cause(e, |c| {
                    format!("Failed after writing ({}) bytes to tmp config file ({})", offset, c)
                }))
            }
        }
    }
    file.sync_all()
        .map_err(|e| with_cause(e, |c| format!("Could not sync tmp config file to disk ({})", c)))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| with_cause(e, |c| format!("Could not chmod config file ({})", c)))?;
    drop(file);
    fs::rename(tmp, path)
        .map_err(|e| with_cause(e, |c| format!("Could not rename tmp config file ({})", c)))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| with_cause(e, |c| format!("Could not sync config file dir ({})", c)))
}

/// Remove `<name>.tmp.<pid>.<6 chars>` files left by dead processes, once per directory and
/// name per process (our own temp files never outlive a save).
fn remove_stale_temps_once(dir: &Path, name: &str) {
    static DONE: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    let key = dir.join(name);
    {
        let mut done =
            DONE.get_or_init(|| Mutex::new(HashSet::new())).lock().unwrap_or_else(|e| e.into_inner());
        if !done.insert(key) {
            return;
        }
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!("{}.tmp.", name);
    for e in entries.flatten() {
        let file_name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix) else { continue };
        let Some((pid, suffix)) = rest.split_once('.') else { continue };
        let Ok(pid) = pid.parse::<i32>() else { continue };
        if suffix.len() != 6 || !suffix.bytes().all(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        if pid as u32 != std::process::id() && !process_exists(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}

fn process_exists(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks whether the process exists.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o7777
    }

    /// The probe: a `chmod 600` config holding passwords became `0644 & ~umask` at the first
    /// rewrite.
    #[test]
    fn the_rewrite_keeps_the_mode_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentinel.conf");
        fs::write(&path, "port 26379\n").unwrap();
        for mode in [0o600, 0o640, 0o664] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            write_atomically(&path, b"port 26379\nsentinel sentinel-pass secret\n").unwrap();
            assert_eq!(mode_of(&path), mode);
        }
        let new = dir.path().join("new.conf");
        write_atomically(&new, b"port 1\n").unwrap();
        assert_eq!(mode_of(&new), 0o644 & !umask());
    }
}
