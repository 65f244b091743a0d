//! Cross-building the kernel-side crates for the FreeBSD kernel targets.
//!
//! - Toolchain: Debian's rustc-web 1.96 (`/usr/bin/{cargo,rustc,rustdoc}`), because only it has
//!   the library source `-Zbuild-std` needs; `RUSTC_BOOTSTRAP=1` for the `-Z` flags. The
//!   environment of the surrounding rustup cargo (RUSTUP_TOOLCHAIN, RUSTFLAGS, CARGO_TARGET_DIR,
//!   wrappers, ...) is removed so it cannot leak in.
//! - Targets: `targets/<arch>-unknown-freebsd-kernel.json` (`target_os = "freebsd"`, soft-float,
//!   no vector units, PIC, panic = abort). All requested arches are built in ONE cargo run so the
//!   `core`/`alloc` builds share work.
//! - Output: `target/kernel/<target>/release/` (its own target dir: never fights the host build).
//! - Panic handler: `linux64-kmod` defines `#[panic_handler]` under
//!   `cfg(all(target_os = "freebsd", not(test)))`; host builds (Linux) link `std` instead.
//!   No extra RUSTFLAGS/`--cfg` are passed.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::err;
use crate::util::{display_cmd, repo_root, run_status, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// Packages built for the kernel.
pub const KERNEL_PACKAGES: &[&str] = &["linux64-kmod"];
/// Standard-library crates built with `-Zbuild-std`.
pub const BUILD_STD: &str = "core,alloc";
/// The main artifact (staticlib of `linux64-kmod`).
pub const STATICLIB: &str = "liblinux64_kmod.a";
/// Cargo profile of kernel builds.
pub const PROFILE: &str = "release";

/// `target/kernel`.
pub fn target_dir() -> PathBuf {
    repo_root().join("target").join("kernel")
}

/// `targets/<target>.json`.
pub fn target_json(arch: Arch) -> PathBuf {
    repo_root().join("targets").join(format!("{}.json", arch.kernel_target()))
}

/// Where the staticlib of `arch` ends up.
pub fn staticlib_path(arch: Arch) -> PathBuf {
    target_dir().join(arch.kernel_target()).join(PROFILE).join(STATICLIB)
}

/// Environment variables removed before running the kernel cargo (all `RUSTUP_*`, and these
/// prefixes/names): they belong to the host toolchain or the `cargo run` of xtask.
const SCRUB_PREFIXES: &[&str] =
    &["RUSTUP_", "CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_TARGET_", "CARGO_BUILD_", "CARGO_PROFILE_"];
const SCRUB_NAMES: &[&str] = &[
    "CARGO",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_MAKEFLAGS",
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUSTC",
    "RUSTDOC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "RUSTC_BOOTSTRAP",
];

/// Debian's cargo, with the environment of the surrounding rustup cargo removed and the kernel
/// toolchain set: the base of every kernel-target build (the module, the self test).
pub fn kernel_cargo(tools: &Tools) -> Command {
    let mut cmd = Command::new(&tools.kernel_cargo);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if SCRUB_PREFIXES.iter().any(|p| k.starts_with(p)) || SCRUB_NAMES.contains(&&*k) {
            cmd.env_remove(&*k);
        }
    }
    cmd.current_dir(repo_root())
        .env("RUSTC", &tools.kernel_rustc)
        .env("RUSTDOC", &tools.kernel_rustdoc)
        .env("RUSTC_BOOTSTRAP", "1");
    cmd
}

/// The cargo command building `arches` for the kernel.
pub fn build_command(tools: &Tools, arches: &[Arch]) -> Command {
    let mut cmd = kernel_cargo(tools);
    cmd.arg("build")
        .arg(format!("--profile={PROFILE}"))
        .arg(format!("-Zbuild-std={BUILD_STD}"))
        .arg("-Zjson-target-spec")
        .arg("--target-dir")
        .arg(target_dir());
    for p in KERNEL_PACKAGES {
        cmd.args(["--package", p]);
    }
    for a in arches {
        cmd.arg("--target").arg(target_json(*a));
    }
    cmd
}

/// Builds `arches`; returns the staticlib path per arch, or why that arch failed.
///
/// One cargo run for all; if it fails and more than one arch was asked for, each arch is rebuilt
/// alone (cheap: the others are cached) so the failure is attributed to the right arch.
pub fn build(tools: &Tools, arches: &[Arch]) -> BTreeMap<Arch, Result<PathBuf>> {
    let mut results = BTreeMap::new();
    match run_build(tools, arches) {
        Ok(()) => {
            for a in arches {
                results.insert(*a, artifact(*a));
            }
        }
        Err(e) if arches.len() == 1 => {
            results.insert(arches[0], Err(e));
        }
        Err(_) => {
            println!("xtask: combined kernel build failed; building each arch alone to see which fails");
            for a in arches {
                results.insert(*a, run_build(tools, &[*a]).and_then(|()| artifact(*a)));
            }
        }
    }
    results
}

fn run_build(tools: &Tools, arches: &[Arch]) -> Result<()> {
    let mut cmd = build_command(tools, arches);
    let names: Vec<_> = arches.iter().map(|a| a.name()).collect();
    println!("xtask: kernel build ({}): {}", names.join(", "), display_cmd(&cmd));
    let started = std::time::Instant::now();
    let st = run_status(&mut cmd)?;
    println!("xtask: kernel build ({}) took {:.1}s", names.join(", "), started.elapsed().as_secs_f64());
    if st.success() {
        Ok(())
    } else {
        Err(err!("kernel build for {} failed ({st}); see the cargo output above", names.join(", ")))
    }
}

fn artifact(arch: Arch) -> Result<PathBuf> {
    let p = staticlib_path(arch);
    if p.is_file() {
        Ok(p)
    } else {
        Err(err!("kernel build for {arch} succeeded but {} is missing", p.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_files_exist_and_match_arch() {
        for a in Arch::ALL {
            let p = target_json(a);
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(text.contains("\"panic-strategy\": \"abort\""), "{}", p.display());
            assert!(text.contains("\"relocation-model\": \"pic\""), "{}", p.display());
            assert!(text.contains("\"disable-redzone\": true"), "{}", p.display());
            if a.is_ppc() {
                assert!(text.contains("\"llvm-abiname\": \"elfv2\""));
                assert!(text.contains("-altivec,-vsx,-hard-float"));
            } else {
                assert!(text.contains("\"rustc-abi\": \"softfloat\""));
                assert!(text.contains("-neon,-fp-armv8"));
            }
        }
    }

    #[test]
    fn build_command_is_isolated() {
        let tools = Tools {
            kernel_cargo: "/usr/bin/cargo".into(),
            kernel_rustc: "/usr/bin/rustc".into(),
            kernel_rustdoc: "/usr/bin/rustdoc".into(),
            clang: "clang".into(),
            objdump: "llvm-objdump".into(),
            llvm_ar: "llvm-ar".into(),
        };
        let cmd = build_command(&tools, &Arch::ALL);
        let s = display_cmd(&cmd);
        assert!(s.starts_with("/usr/bin/cargo build"));
        assert!(s.contains("-Zbuild-std=core,alloc"));
        assert_eq!(s.matches("--target ").count(), 3);
        assert!(s.contains("target/kernel"));
        let envs: Vec<_> = cmd.get_envs().collect();
        let get = |k: &str| envs.iter().find(|(n, _)| *n == k).and_then(|(_, v)| *v);
        assert_eq!(get("RUSTC"), Some(std::ffi::OsStr::new("/usr/bin/rustc")));
        assert_eq!(get("RUSTC_BOOTSTRAP"), Some(std::ffi::OsStr::new("1")));
    }
}
