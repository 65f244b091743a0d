//! The kernel-target self test: `crates/kernel-selftest` built for the FreeBSD kernel targets (the code
//! generation the module ships with), linked by ld.lld into a freestanding static Linux program, run
//! under qemu-user, and its transcript compared line for line with the host build's.
//!
//! The self test is a Linux program, so it needs `memcpy` and friends from compiler-builtins
//! (`-Zbuild-std-features=compiler-builtins-mem`; the kernel module takes FreeBSD's instead); that is why
//! it has a target directory of its own, `target/selftest/`.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::kernel::{kernel_cargo, target_json};
use crate::util::{display_cmd, find_tool, repo_root, run_status, scrub_cargo_run_env, Result};
use crate::{err, kernel};
use std::path::PathBuf;
use std::process::Command;

/// The arches whose CPU qemu-user can run here, with the qemu binary, ld.lld emulation and byte order
/// argument of the host transcript.
fn runner(arch: Arch) -> Option<(&'static str, &'static str, &'static str)> {
    match arch {
        Arch::Ppc64 => Some(("qemu-ppc64-static", "elf64ppc", "be")),
        Arch::Ppc64le => Some(("qemu-ppc64le-static", "elf64lppc", "le")),
        Arch::Arm64 => None,
    }
}

/// The arches with a self test.
pub fn arches() -> Vec<Arch> {
    Arch::ALL.into_iter().filter(|a| runner(*a).is_some()).collect()
}

fn target_dir() -> PathBuf {
    repo_root().join("target").join("selftest")
}

/// Builds the self-test staticlib for every arch in one cargo run.
pub fn build_all(tools: &Tools) -> Result<()> {
    let mut cmd = kernel_cargo(tools);
    cmd.arg("build")
        .arg(format!("--profile={}", kernel::PROFILE))
        .arg(format!("-Zbuild-std={}", kernel::BUILD_STD))
        .arg("-Zbuild-std-features=compiler-builtins-mem")
        .arg("-Zjson-target-spec")
        .arg("--target-dir")
        .arg(target_dir())
        .args(["--package", "kernel-selftest", "--lib", "--no-default-features"]);
    for a in arches() {
        cmd.arg("--target").arg(target_json(a));
    }
    println!("xtask: {}", display_cmd(&cmd));
    if run_status(&mut cmd)?.success() {
        Ok(())
    } else {
        Err(err!("the kernel-target self-test build failed; see the cargo output above"))
    }
}

/// The host transcript for byte order `order` ("be"/"le").
fn host_transcript(order: &str) -> Result<String> {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_cargo_run_env(&mut cmd);
    cmd.current_dir(repo_root()).args([
        "run",
        "--quiet",
        "--package",
        "kernel-selftest",
        "--bin",
        "host-transcript",
        "--",
        order,
    ]);
    let out = cmd.output().map_err(|e| err!("running {}: {e}", display_cmd(&cmd)))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Links the self-test program of `arch` (after [`build_all`]); returns it and the qemu-user binary
/// that runs it.
pub fn link(arch: Arch) -> Result<(PathBuf, PathBuf)> {
    let Some((qemu, emulation, _)) = runner(arch) else {
        return Err(err!("no self test for {arch}"));
    };
    let lld = find_tool(&["ld.lld", "ld.lld-14"], "lld")?;
    let qemu = find_tool(&[qemu], "qemu-user-static")?;
    let lib = target_dir().join(arch.kernel_target()).join(kernel::PROFILE).join("libkernel_selftest.a");
    let exe = target_dir().join(format!("selftest-{arch}"));
    let mut link = Command::new(&lld);
    link.args(["-m", emulation, "-static", "-e", "_start", "--gc-sections", "-o"]).arg(&exe).arg(&lib);
    if !run_status(&mut link)?.success() {
        return Err(err!("linking {} failed", exe.display()));
    }
    Ok((exe, qemu))
}

/// Links and runs the self test of `arch`; Ok(true) when its transcript equals the host's and reports no
/// failed check.
fn run_one(arch: Arch) -> Result<bool> {
    let Some((_, _, order)) = runner(arch) else { return Ok(true) };
    let (exe, qemu) = link(arch)?;
    let out = Command::new(&qemu).arg(&exe).output().map_err(|e| err!("running {}: {e}", qemu.display()))?;
    let guest = String::from_utf8_lossy(&out.stdout).into_owned();
    let host = host_transcript(order)?;
    let lines = guest.lines().count();
    if !out.status.success() || !guest.ends_with("failures 0\n") {
        println!("selftest {arch}: the guest reported failures ({}):", out.status);
        for l in guest.lines().filter(|l| l.contains("FAILED") || l.starts_with("panic")) {
            println!("  {l}");
        }
        return Ok(false);
    }
    if let Some((i, (g, h))) = guest.lines().zip(host.lines()).enumerate().find(|(_, (g, h))| g != h) {
        println!("selftest {arch}: line {} differs from the host build:\n  guest: {g}\n  host:  {h}", i + 1);
        return Ok(false);
    }
    if lines != host.lines().count() {
        println!("selftest {arch}: {lines} lines, the host printed {}", host.lines().count());
        return Ok(false);
    }
    println!(
        "selftest {arch}: {lines} transcript lines identical to the host build under {}",
        qemu.display()
    );
    Ok(true)
}

/// Builds once, then runs every arch; one (passed, failed) count per arch.
pub fn run(tools: &Tools) -> Vec<(Arch, bool)> {
    if let Err(e) = build_all(tools) {
        println!("error: {e}");
        return arches().into_iter().map(|a| (a, false)).collect();
    }
    arches()
        .into_iter()
        .map(|a| {
            let ok = run_one(a).unwrap_or_else(|e| {
                println!("error: selftest {a}: {e}");
                false
            });
            (a, ok)
        })
        .collect()
}
