//! Small libc helpers: `strerror` texts (Redis prints them bare, without Rust's
//! " (os error N)" suffix), `access(2)` and the process umask.

use std::ffi::CString;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

/// The C library's message for an errno value, e.g. "Permission denied".
pub fn strerror(errno: i32) -> String {
    let mut buf = [0 as libc::c_char; 256];
    // SAFETY: buf is writable for its whole length; strerror_r NUL-terminates on success.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {}", errno);
    }
    // SAFETY: strerror_r succeeded, so buf holds a NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

/// `strerror` of an `io::Error`, falling back to its own text when it carries no errno.
pub fn io_strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => strerror(n),
        None => e.to_string(),
    }
}

/// `access(path, mode)`; `Err` carries the errno.
pub fn access(path: &Path, mode: libc::c_int) -> Result<(), i32> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: c is a valid NUL-terminated path.
    if unsafe { libc::access(c.as_ptr(), mode) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO))
    }
}

/// Whether two paths name the same file: the same inode when both exist, else the same
/// absolute path once the directories that exist are resolved (symbolic links, `..`).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        return (x.dev(), x.ino()) == (y.dev(), y.ino());
    }
    let resolve = |p: &Path| match (p.parent(), p.file_name()) {
        (Some(dir), Some(name)) => {
            dir.canonicalize().map(|d| d.join(name)).unwrap_or_else(|_| p.to_path_buf())
        }
        _ => p.to_path_buf(),
    };
    resolve(a) == resolve(b)
}

/// The process umask, read once (Redis also caches it at startup). Reads
/// `/proc/self/status` so that no other thread ever sees a temporarily changed umask.
pub fn umask() -> u32 {
    static UMASK: OnceLock<u32> = OnceLock::new();
    *UMASK.get_or_init(|| {
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            for line in status.lines() {
                if let Some(v) = line.strip_prefix("Umask:") {
                    if let Ok(m) = u32::from_str_radix(v.trim(), 8) {
                        return m;
                    }
                }
            }
        }
        // SAFETY: umask(2) cannot fail; the old value is restored immediately.
        unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m as u32
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_is_the_bare_libc_text() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(libc::EACCES), "Permission denied");
    }

    #[test]
    fn access_reports_errno() {
        assert_eq!(access(Path::new("/nonexistent/x"), libc::F_OK), Err(libc::ENOENT));
        assert_eq!(access(Path::new("/"), libc::F_OK), Ok(()));
    }
}
