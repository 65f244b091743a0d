//! Small helpers: errors, paths, finding and running programs, scratch directories.

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A one-line, user-facing error: what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Result with a one-line error.
pub type Result<T> = std::result::Result<T, Error>;

/// Builds an [`Error`] from `format!` arguments.
#[macro_export]
macro_rules! err {
    ($($t:tt)*) => { $crate::util::Error(format!($($t)*)) };
}

/// The workspace root (parent of the `xtask` directory).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Looks `name` up in `PATH` (or takes it as is when it contains a `/`).
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

/// The first of `names` found in `PATH`, or an error naming the Debian package that has it.
pub fn find_tool(names: &[&str], debian_package: &str) -> Result<PathBuf> {
    names.iter().find_map(|n| which(n)).ok_or_else(|| {
        err!(
            "{} not found in PATH; install the Debian package '{debian_package}' \
             (cargo xtask installs it when run as root on Debian)",
            names[0]
        )
    })
}

/// Shows a command the way a shell user would type it.
pub fn display_cmd(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
            s.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
        } else {
            s.push(' ');
            s.push_str(&a);
        }
    }
    s
}

/// Runs `cmd` with inherited stdio and returns its exit status.
pub fn run_status(cmd: &mut Command) -> Result<ExitStatus> {
    cmd.status().map_err(|e| err!("cannot run {}: {e}", display_cmd(cmd)))
}

/// Runs `cmd` with inherited stdio; error if it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    let st = run_status(cmd)?;
    if st.success() {
        Ok(())
    } else {
        Err(err!("`{}` failed ({st})", display_cmd(cmd)))
    }
}

/// Runs `cmd`, captures stdout (stderr inherited); error if it cannot start or exits non-zero.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| err!("cannot run {}: {e}", display_cmd(cmd)))?;
    if !out.status.success() {
        return Err(err!("`{}` failed ({})", display_cmd(cmd), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Removes the variables `cargo run` sets for the program it runs, so a cargo we start does not
/// see them (they describe the xtask package, not what we are building).
pub fn scrub_cargo_run_env(cmd: &mut Command) {
    for (k, _) in env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_MANIFEST_")
            || matches!(&*k, "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE")
        {
            cmd.env_remove(&*k);
        }
    }
}

/// A scratch directory removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, empty directory under the system temp dir.
    pub fn new(tag: &str) -> Result<TempDir> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = env::temp_dir().join(format!("xtask-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| err!("cannot create {}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
