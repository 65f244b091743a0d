//! The guest's file system view: guest paths resolve to host files in layers, first match wins:
//! 1. the scratch directory (read-write: everything the guest creates or modifies lands here),
//! 2. the sysroot (read-only; e.g. `/usr/powerpc64-linux-gnu` for `/lib64/ld64.so.1`),
//! 3. the host (read-only), as qemu-user's `-L` prefix does, so host paths given on the command line
//!    and `/etc` work. This layer is explicit: it is on by default (`--host-fs`) and `--no-host-fs`
//!    removes it, leaving only the program named on the command line visible from the host (the
//!    scratch layer then starts with an empty `/tmp`).
//!
//! `/dev/*` and `/proc/*` are always the host's (read-write), with either setting.
//!
//! `/proc/self/exe` names the current program's guest path. Absolute symlinks inside the sysroot are
//! followed through the layers again.

use linux_core::errno::LinuxErrno;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The layers and the guest's working directory.
#[derive(Clone, Debug)]
pub struct Vfs {
    /// Read-only sysroot.
    pub sysroot: Option<PathBuf>,
    /// Read-write scratch directory.
    pub scratch: PathBuf,
    /// Guest working directory (absolute, normalised).
    pub cwd: Vec<u8>,
    /// Guest path of the running program (`/proc/self/exe`).
    pub exe: String,
    /// Whether guest paths found in neither the scratch layer nor the sysroot fall back to the host's
    /// file system (`--host-fs`, the default; `--no-host-fs` turns it off).
    pub host_fs: bool,
    /// Host paths visible without the host layer (the program named on the command line).
    pub host_allowed: Vec<Vec<u8>>,
}

/// Normalises an absolute path lexically (`.`, `..`, repeated slashes).
pub fn normalize(p: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in p.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::new();
    for c in parts {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn join(root: &Path, guest_abs: &[u8]) -> PathBuf {
    root.join(OsStr::from_bytes(guest_abs.strip_prefix(b"/").unwrap_or(guest_abs)))
}

fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

impl Vfs {
    /// The absolute, normalised guest path for `path` (relative to the working directory).
    pub fn abs(&self, path: &[u8]) -> Vec<u8> {
        if path.starts_with(b"/") {
            normalize(path)
        } else {
            let mut p = self.cwd.clone();
            p.push(b'/');
            p.extend_from_slice(path);
            normalize(&p)
        }
    }

    fn special(&self, abs: &[u8]) -> Option<Vec<u8>> {
        if abs == b"/proc/self/exe" {
            return Some(normalize(self.exe.as_bytes()));
        }
        None
    }

    /// The host path of an existing guest file (the first layer that has it).
    pub fn resolve(&self, path: &[u8]) -> Result<PathBuf, LinuxErrno> {
        self.resolve_depth(path, 0)
    }

    fn resolve_depth(&self, path: &[u8], depth: u32) -> Result<PathBuf, LinuxErrno> {
        if path.is_empty() {
            return Err(LinuxErrno::ENOENT);
        }
        let mut abs = self.abs(path);
        if let Some(s) = self.special(&abs) {
            abs = s;
        }
        if abs.starts_with(b"/dev/") || abs.starts_with(b"/proc/") {
            return Ok(PathBuf::from(OsStr::from_bytes(&abs)));
        }
        let s = join(&self.scratch, &abs);
        if exists(&s) {
            return Ok(s);
        }
        if let Some(root) = &self.sysroot {
            let p = join(root, &abs);
            if exists(&p) {
                if let Ok(target) = std::fs::read_link(&p) {
                    let t = target.as_os_str().as_bytes();
                    if t.starts_with(b"/") && depth < 8 {
                        return self.resolve_depth(t, depth + 1);
                    }
                }
                return Ok(p);
            }
        }
        if !self.host_fs && !self.host_allowed.contains(&abs) {
            return Err(LinuxErrno::ENOENT);
        }
        let h = PathBuf::from(OsStr::from_bytes(&abs));
        if exists(&h) {
            return Ok(h);
        }
        Err(LinuxErrno::ENOENT)
    }

    /// The host path to create or modify a guest file at: in the scratch layer (copying an existing
    /// lower-layer file up first when `copy_up`), except for devices.
    pub fn resolve_write(&self, path: &[u8], copy_up: bool) -> Result<PathBuf, LinuxErrno> {
        let abs = self.abs(path);
        if abs.starts_with(b"/dev/") || abs.starts_with(b"/proc/") {
            return Ok(PathBuf::from(OsStr::from_bytes(&abs)));
        }
        let s = join(&self.scratch, &abs);
        if exists(&s) {
            return Ok(s);
        }
        // The parent must exist in some layer as a directory.
        let parent = match abs.iter().rposition(|&b| b == b'/') {
            Some(0) => b"/".to_vec(),
            Some(i) => abs[..i].to_vec(),
            None => b"/".to_vec(),
        };
        let host_parent = self.resolve(&parent)?;
        if !host_parent.is_dir() {
            return Err(LinuxErrno::ENOTDIR);
        }
        if let Some(sp) = s.parent() {
            std::fs::create_dir_all(sp).map_err(|_| LinuxErrno::EROFS)?;
        }
        if copy_up {
            if let Ok(lower) = self.resolve(&abs) {
                if lower.is_file() {
                    std::fs::copy(&lower, &s).map_err(|_| LinuxErrno::EACCES)?;
                }
            }
        }
        Ok(s)
    }

    /// Whether the file exists only in a read-only layer (removing or renaming it is `EROFS`).
    pub fn only_read_only(&self, path: &[u8]) -> bool {
        let abs = self.abs(path);
        !exists(&join(&self.scratch, &abs)) && self.resolve(path).is_ok() && !abs.starts_with(b"/dev/")
    }

    /// Reads an executable: its absolute guest path and contents. `EACCES` unless it is a regular file
    /// with an execute bit.
    pub fn read_executable(&self, path: &[u8]) -> Result<(String, Vec<u8>), LinuxErrno> {
        let host = self.resolve(path)?;
        let md = std::fs::metadata(&host).map_err(|_| LinuxErrno::ENOENT)?;
        if !md.is_file() || md.permissions().mode() & 0o111 == 0 {
            return Err(LinuxErrno::EACCES);
        }
        let bytes = std::fs::read(&host).map_err(|_| LinuxErrno::EACCES)?;
        let mut abs = self.abs(path);
        if let Some(s) = self.special(&abs) {
            abs = s;
        }
        Ok((String::from_utf8_lossy(&abs).into_owned(), bytes))
    }

    /// The guest path of a host path (the scratch or sysroot prefix removed; a host path outside
    /// both is the guest's as it is), e.g. a `/proc/self/fd` link or a bound AF_UNIX socket's name.
    pub fn guest_path_of(&self, host: &[u8]) -> Vec<u8> {
        let h = Path::new(OsStr::from_bytes(host));
        for root in [Some(&self.scratch), self.sysroot.as_ref()].into_iter().flatten() {
            if let Ok(rest) = h.strip_prefix(root) {
                return normalize(&[b"/".as_slice(), rest.as_os_str().as_bytes()].concat());
            }
        }
        host.to_vec()
    }

    /// The layers, for messages.
    pub fn describe_roots(&self) -> String {
        match (&self.sysroot, self.host_fs) {
            (Some(s), true) => format!("looked in the sysroot {} and the host", s.display()),
            (Some(s), false) => format!("looked in the sysroot {} (--no-host-fs)", s.display()),
            (None, true) => "no --sysroot given; looked on the host".to_string(),
            (None, false) => "no --sysroot given and --no-host-fs: only the scratch layer".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalize(b"/a/./b/../c//d/"), b"/a/c/d".to_vec());
        assert_eq!(normalize(b"/.."), b"/".to_vec());
    }
}
