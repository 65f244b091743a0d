//! What panic machinery the kernel module can reach. The staticlib holds all of `core` (built with
//! `-Zbuild-std`), so the question is asked of what the module uses: every object of
//! `liblinux64_kmod.a` is linked with `ld.lld -r --gc-sections`, rooted at the C entry points the
//! module exports (the defined global `linux64_*` and `linux_*` symbols), and the symbols that survive
//! are listed. The check fails when any `core::fmt` formatting machinery, or a `core::panicking`
//! function (each ends in `panic_fmt`, which formats), is reachable; only the panic bridge (the
//! `#[panic_handler]`, `kernel_panic`, FreeBSD's `panic(9)`) is allowed.

use crate::arch::Arch;
use crate::err;
use crate::util::{display_cmd, find_tool, output, Result, TempDir};
use std::path::Path;
use std::process::Command;

/// The ld.lld emulation of each arch.
fn emulation(arch: Arch) -> &'static str {
    match arch {
        Arch::Ppc64 => "elf64ppc",
        Arch::Ppc64le => "elf64lppc",
        Arch::Arm64 => "aarch64elf",
    }
}

/// Symbols of the panic bridge: allowed to be reachable.
const BRIDGE: &[&str] = &["rust_begin_unwind", "kernel_panic", "linux64_kmod::panic"];

/// Whether a demangled symbol is panic or formatting machinery, and not the bridge.
pub fn is_panic_machinery(sym: &str) -> bool {
    let machinery = sym.contains("core::fmt::")
        || sym.contains("core::panicking::")
        || sym.contains("core::result::unwrap_failed")
        || sym.contains("core::option::expect_failed")
        || sym.contains("core::option::unwrap_failed")
        || sym.contains("core::slice::index::")
        || sym.contains("core::str::slice_error_fail");
    machinery && !BRIDGE.iter().any(|b| sym.contains(b))
}

/// The result for one arch.
pub struct Reachable {
    /// Entry points used as roots.
    pub roots: Vec<String>,
    /// Panic or formatting symbols reachable from them (defined or referenced), demangled.
    pub machinery: Vec<String>,
    /// Bridge symbols reachable.
    pub bridge: Vec<String>,
    /// Symbols defined after garbage collection.
    pub kept: usize,
}

/// The module's entry points in `staticlib`: its defined global `linux64_*` and `linux_*` symbols.
pub fn entry_points(staticlib: &Path) -> Result<Vec<String>> {
    let nm = find_tool(&["llvm-nm", "llvm-nm-14"], "llvm")?;
    let defined = output(Command::new(&nm).args(["--defined-only", "-g", "--format=posix"]).arg(staticlib))?;
    let mut roots: Vec<String> = defined
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (name, kind) = (w.next()?, w.next()?);
            let entry = name.starts_with("linux64_") || name.starts_with("linux_");
            (entry && matches!(kind, "T" | "D" | "R" | "B")).then(|| name.to_string())
        })
        .collect();
    roots.sort();
    roots.dedup();
    if roots.is_empty() {
        return Err(err!("{}: no linux64_*/linux_* entry points", staticlib.display()));
    }
    Ok(roots)
}

/// Links `staticlib` with the entry points as roots and lists what panic machinery survives.
pub fn reachable(staticlib: &Path, arch: Arch) -> Result<Reachable> {
    let nm = find_tool(&["llvm-nm", "llvm-nm-14"], "llvm")?;
    let lld = find_tool(&["ld.lld", "ld.lld-14"], "lld")?;
    let roots = entry_points(staticlib)?;
    let tmp = TempDir::new("panics")?;
    let out = tmp.path().join("reachable.o");
    let mut link = Command::new(&lld);
    link.args(["-m", emulation(arch), "-r", "--gc-sections"]);
    for r in &roots {
        link.arg(format!("--undefined={r}"));
    }
    link.arg("--whole-archive").arg(staticlib).arg("-o").arg(&out);
    let st = link.status().map_err(|e| err!("cannot run {}: {e}", display_cmd(&link)))?;
    if !st.success() {
        return Err(err!("`{}` failed ({st})", display_cmd(&link)));
    }
    let syms = output(Command::new(&nm).args(["-C", "--format=posix"]).arg(&out))?;
    let mut machinery = Vec::new();
    let mut bridge = Vec::new();
    let mut kept = 0;
    for l in syms.lines() {
        // posix format: "<name> <type> [<value> <size>]"; names (demangled) may contain spaces.
        let Some((name, rest)) = split_posix(l) else { continue };
        if rest != "U" {
            kept += 1;
        }
        if is_panic_machinery(name) {
            machinery.push(format!("{name} ({rest})"));
        } else if BRIDGE.iter().any(|b| name.contains(b)) || name == "panic" {
            bridge.push(name.to_string());
        }
    }
    machinery.sort();
    machinery.dedup();
    Ok(Reachable { roots, machinery, bridge, kept })
}

/// Splits a `llvm-nm --format=posix` line into the (demangled) name and the type letter.
fn split_posix(line: &str) -> Option<(&str, &str)> {
    let words: Vec<&str> = line.split(' ').collect();
    // The type is the first one-letter word after the name: scan from the right for it.
    let i = words.iter().rposition(|w| w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()))?;
    let name_end = words.iter().take(i).map(|w| w.len() + 1).sum::<usize>().checked_sub(1)?;
    Some((line.get(..name_end)?, words.get(i)?))
}

/// The xtask step for one arch: prints the list; Ok(true) when no machinery is reachable.
pub fn check(staticlib: &Path, arch: Arch) -> Result<bool> {
    let r = reachable(staticlib, arch)?;
    println!(
        "{arch}: {} entry points, {} symbols kept after --gc-sections; panic bridge reachable: {}",
        r.roots.len(),
        r.kept,
        if r.bridge.is_empty() { "no".to_string() } else { r.bridge.join(", ") }
    );
    if r.machinery.is_empty() {
        println!("{arch}: no core::panicking / core::fmt symbol is reachable from the entry points");
        Ok(true)
    } else {
        println!("{arch}: panic/formatting machinery reachable from the entry points:");
        for m in &r.machinery {
            println!("  {m}");
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert!(is_panic_machinery("core::fmt::write"));
        assert!(is_panic_machinery("core::panicking::panic_bounds_check"));
        assert!(is_panic_machinery("core::result::unwrap_failed"));
        assert!(!is_panic_machinery("linux64_kmod::kernel::kernel_panic"));
        assert!(!is_panic_machinery("__rustc::rust_begin_unwind"));
        assert!(!is_panic_machinery("arch_ppc64::signal::sendsig::<zerocopy::byteorder::BigEndian, X>"));
    }

    #[test]
    fn posix_lines() {
        assert_eq!(split_posix("core::fmt::write T 0 10"), Some(("core::fmt::write", "T")));
        assert_eq!(split_posix("<a as b>::c U"), Some(("<a as b>::c", "U")));
        assert_eq!(split_posix("x::y<A, B> t 10 20"), Some(("x::y<A, B>", "t")));
    }

    /// On whatever kernel staticlibs a previous `cargo xtask build` left: the analysis runs and finds
    /// the entry points (what it finds is the test step's business).
    #[test]
    fn analysis_runs_on_built_staticlibs() {
        for arch in Arch::ALL {
            let lib = crate::kernel::staticlib_path(arch);
            if !lib.exists() || find_tool(&["ld.lld", "ld.lld-14"], "lld").is_err() {
                continue;
            }
            let r = reachable(&lib, arch).unwrap();
            assert!(r.roots.iter().any(|s| s.starts_with("linux64_")), "{arch}: {:?}", r.roots);
            println!("{arch}: {} roots, {} kept, machinery {:?}", r.roots.len(), r.kept, r.machinery);
        }
    }
}
