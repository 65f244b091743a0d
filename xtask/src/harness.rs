//! The CPU-emulator harness (`harness/`, its own cargo workspace): preparing its inputs, building it,
//! `cargo xtask run`, and the test step.
//!
//! Inputs prepared here, all under `target/`, each only when missing or out of date (a rebuild of the
//! unicorn C code costs ~100 s, so nothing is touched when it is current):
//! - `target/unicorn-patched/`: the pristine `unicorn-engine-sys` 2.1.5 registry sources (located with
//!   `cargo metadata` on `harness/unicorn/fetch/Cargo.toml`, which downloads them) plus
//!   `harness/unicorn/ppc64.patch` applied with `patch -p1`; a stamp file holds the patch's hash.
//!   The harness workspace uses it through `[patch.crates-io]`. Needs cmake (installed if missing).
//! - `target/zig/`: `pip install --target target/zig ziglang` (ELFv2 big-endian musl test programs).
//! - `target/busybox/root/bin/busybox` and `target/busybox-arm64/root/bin/busybox`: Debian's
//!   `busybox-static:ppc64el` and `busybox-static:arm64`, unpacked with `dpkg -x` (the foreign dpkg
//!   architecture is added first if missing).

use crate::err;
use crate::testrun::{parse_test_result, Counts};
use crate::util::{display_cmd, repo_root, run, scrub_cargo_run_env, which, Result};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The unicorn-engine-sys release the patch is written for.
const UNICORN_VERSION: &str = "2.1.5";

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_cargo_run_env(&mut c);
    c
}

/// Where the harness workspace builds: `target/harness`, given explicitly because cargo reads
/// `harness/.cargo/config.toml` only when run from inside `harness/`, and a second build of the
/// unicorn C code elsewhere would cost minutes.
pub fn target_dir() -> PathBuf {
    repo_root().join("target/harness")
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false)
}

/// Installs a Debian package if `tool` is missing (as root only; otherwise says what to run).
fn ensure_tool(tool: &str, package: &str) -> Result<()> {
    if which(tool).is_some() {
        return Ok(());
    }
    if std::env::var_os("XTASK_NO_INSTALL").is_some() || !is_root() {
        return Err(err!("{tool} not found; run `apt-get install {package}`"));
    }
    println!("xtask: installing {package} (for {tool})");
    run(Command::new("apt-get").args(["install", "-y", package]))
}

/// The pristine unicorn-engine-sys sources in the cargo registry (downloaded if needed).
fn unicorn_sources() -> Result<PathBuf> {
    let manifest = repo_root().join("harness/unicorn/fetch/Cargo.toml");
    let out = cargo()
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| err!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(err!("cargo metadata on {} failed", manifest.display()));
    }
    let json = String::from_utf8_lossy(&out.stdout);
    // Find `"manifest_path":".../unicorn-engine-sys-2.1.5/Cargo.toml"` without a JSON parser.
    let needle = format!("unicorn-engine-sys-{UNICORN_VERSION}/Cargo.toml");
    let path = json
        .split("\"manifest_path\":\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|p| p.ends_with(&needle))
        .ok_or_else(|| err!("unicorn-engine-sys {UNICORN_VERSION} not found by cargo metadata"))?;
    Ok(Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default())
}

/// Prepares `target/unicorn-patched/` (a no-op when the stamp matches the patch).
pub fn prepare_unicorn() -> Result<PathBuf> {
    ensure_tool("cmake", "cmake")?;
    ensure_tool("patch", "patch")?;
    let root = repo_root();
    let patch = root.join("harness/unicorn/ppc64.patch");
    let text = std::fs::read(&patch).map_err(|e| err!("cannot read {}: {e}", patch.display()))?;
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    UNICORN_VERSION.hash(&mut h);
    let stamp_value = format!("{:016x}\n", h.finish());
    let dest = root.join("target/unicorn-patched");
    let stamp = dest.join(".xtask-patch-stamp");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(stamp_value.as_str()) {
        return Ok(dest);
    }
    let src = unicorn_sources()?;
    println!("xtask: patching {} into {}", src.display(), dest.display());
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(root.join("target")).map_err(|e| err!("cannot create target/: {e}"))?;
    run(Command::new("cp").arg("-a").arg(&src).arg(&dest))?;
    run(Command::new("patch").args(["-s", "-p1", "-d"]).arg(&dest).arg("-i").arg(&patch))?;
    std::fs::write(&stamp, stamp_value).map_err(|e| err!("cannot write {}: {e}", stamp.display()))?;
    Ok(dest)
}

/// `target/zig/ziglang/zig`, installed with pip into the build directory if missing.
pub fn prepare_zig() -> Result<PathBuf> {
    let dir = repo_root().join("target/zig");
    let zig = dir.join("ziglang/zig");
    if zig.exists() {
        return Ok(zig);
    }
    let pip =
        which("pip3").or_else(|| which("pip")).ok_or_else(|| err!("pip not found (needed for ziglang)"))?;
    println!("xtask: installing ziglang into {}", dir.display());
    run(Command::new(pip).args(["install", "--quiet", "--target"]).arg(&dir).arg("ziglang"))?;
    Ok(zig)
}

/// Debian's static busybox of each harness architecture: ppc64el into `target/busybox/root`, arm64 into
/// `target/busybox-arm64/root`.
pub fn prepare_busybox() -> Result<()> {
    prepare_busybox_for("ppc64el", "target/busybox")?;
    prepare_busybox_for("arm64", "target/busybox-arm64")?;
    Ok(())
}

/// `busybox-static:<debian_arch>` unpacked into `<dir>/root` (a no-op when it is there).
fn prepare_busybox_for(debian_arch: &str, dir: &str) -> Result<PathBuf> {
    let package = format!("busybox-static:{debian_arch}");
    let dir = repo_root().join(dir);
    let bb = dir.join("root/bin/busybox");
    if bb.exists() {
        return Ok(bb);
    }
    if !is_root() {
        return Err(err!("{package} missing; run `cargo xtask test` as root once"));
    }
    std::fs::create_dir_all(&dir).map_err(|e| err!("cannot create {}: {e}", dir.display()))?;
    let archs =
        Command::new("dpkg").arg("--print-foreign-architectures").output().map_err(|e| err!("dpkg: {e}"))?;
    if !String::from_utf8_lossy(&archs.stdout).lines().any(|l| l.trim() == debian_arch) {
        run(Command::new("dpkg").args(["--add-architecture", debian_arch]))?;
        let _ = Command::new("apt-get").arg("update").status();
    }
    let download = |d: &Path| Command::new("apt-get").args(["download", &package]).current_dir(d).status();
    if !download(&dir).map(|s| s.success()).unwrap_or(false) {
        let _ = Command::new("apt-get").arg("update").status();
        run(Command::new("apt-get").args(["download", &package]).current_dir(&dir))?;
    }
    let deb = std::fs::read_dir(&dir)
        .map_err(|e| err!("{e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| err!("apt-get download {package} produced no .deb"))?;
    run(Command::new("dpkg").arg("-x").arg(&deb).arg(dir.join("root")))?;
    Ok(bb)
}

/// Builds the harness; returns the binary.
pub fn build() -> Result<PathBuf> {
    prepare_unicorn()?;
    let manifest = repo_root().join("harness/Cargo.toml");
    let mut cmd = cargo();
    cmd.args(["build", "--quiet", "--manifest-path"]).arg(&manifest).arg("--target-dir").arg(target_dir());
    run(&mut cmd)?;
    Ok(target_dir().join("debug/ppc64-harness"))
}

/// `cargo xtask run --arch <ppc64|ppc64le|arm64> [--sysroot DIR] [--strace] [--no-host-fs] -- PROGRAM ARGS...`: runs
/// a Linux program under the harness; returns its exit status (128 + signal when killed).
pub fn run_program(
    arch: crate::arch::Arch,
    sysroot: Option<PathBuf>,
    strace: bool,
    host_fs: bool,
    program: &[String],
) -> Result<i32> {
    use crate::arch::Arch;
    let default_sysroot = match arch {
        Arch::Ppc64 => "/usr/powerpc64-linux-gnu",
        Arch::Ppc64le => "/usr/powerpc64le-linux-gnu",
        Arch::Arm64 => "/usr/aarch64-linux-gnu",
    };
    let prog = program
        .first()
        .ok_or_else(|| err!("no program given; usage: cargo xtask run --arch <arch> -- PROGRAM [ARGS...]"))?;
    // A powerpc64 program's byte order must match --arch (the harness itself would run either).
    if let Ok(bytes) = std::fs::read(prog) {
        if arch != Arch::Arm64 && bytes.len() > 5 && bytes.starts_with(b"\x7fELF") {
            let le = bytes[5] == 1;
            if le != (arch == Arch::Ppc64le) {
                return Err(err!(
                    "{prog} is a {}-endian program but --arch is {arch}",
                    if le { "little" } else { "big" }
                ));
            }
        }
    }
    let bin = build()?;
    let mut cmd = Command::new(bin);
    let harness_arch = if arch == Arch::Arm64 { "arm64" } else { "ppc64" };
    cmd.args(["--arch", harness_arch])
        .arg("--sysroot")
        .arg(sysroot.unwrap_or_else(|| PathBuf::from(default_sysroot)));
    if strace {
        cmd.args(["--strace", "--report"]);
    }
    if !host_fs {
        cmd.arg("--no-host-fs");
    }
    cmd.arg("--").args(program);
    let st = cmd.status().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0)))
}

/// The test step: prepares everything, then `cargo test` in the harness workspace (unit tests and the
/// program comparisons against qemu-user), counting libtest's results.
pub fn test_step() -> Counts {
    for (what, r) in [
        ("unicorn", prepare_unicorn().map(|_| ())),
        ("zig", prepare_zig().map(|_| ())),
        ("busybox", prepare_busybox().map(|_| ())),
    ] {
        if let Err(e) = r {
            eprintln!("error: harness: preparing {what}: {e}");
            return Counts::check(false);
        }
    }
    let mut cmd = cargo();
    cmd.args(["test", "--no-fail-fast", "--manifest-path"])
        .arg(repo_root().join("harness/Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir())
        .stdout(Stdio::piped());
    println!("xtask: {}", display_cmd(&cmd));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot run cargo test for the harness: {e}");
            return Counts::check(false);
        }
    };
    let mut total = Counts::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(std::result::Result::ok) {
            println!("{line}");
            if let Some(c) = parse_test_result(&line) {
                total += c;
            }
        }
    }
    let ok = child.wait().map(|s| s.success()).unwrap_or(false);
    if !ok && total.failed == 0 {
        total.failed = 1;
    }
    total
}
