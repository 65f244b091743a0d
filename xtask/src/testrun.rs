//! `cargo xtask test`: a list of named steps; each reports passed/failed counts.
//!
//! To add a step, push another [`Step`] in [`steps`]. The last line printed is always
//! `xtask test: N passed, M failed`.

use crate::arch::Arch;
use crate::deps::Tools;
use crate::kcheck;
use crate::kernel;
use crate::util::{display_cmd, repo_root, scrub_cargo_run_env, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Passed/failed counts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
}

impl Counts {
    /// One check: passed if `ok`.
    pub fn check(ok: bool) -> Counts {
        if ok {
            Counts { passed: 1, failed: 0 }
        } else {
            Counts { passed: 0, failed: 1 }
        }
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
    }
}

/// State shared by the steps.
pub struct Ctx {
    /// Tool paths.
    pub tools: Tools,
    kernel_builds: Option<BTreeMap<Arch, Result<PathBuf>>>,
}

impl Ctx {
    /// The kernel staticlib of `arch`, building all arches in one cargo run the first time.
    fn kernel_build(&mut self, arch: Arch) -> Result<PathBuf> {
        let tools = &self.tools;
        let builds = self.kernel_builds.get_or_insert_with(|| kernel::build(tools, &Arch::ALL));
        builds.get(&arch).cloned().unwrap_or_else(|| Err(crate::err!("{arch} was not built")))
    }
}

/// A named test step.
pub struct Step {
    /// Shown in the log.
    pub name: String,
    /// Runs the step.
    pub run: Box<dyn FnOnce(&mut Ctx) -> Counts>,
}

/// The steps of `cargo xtask test`, in order.
pub fn steps() -> Vec<Step> {
    let mut steps = vec![Step { name: "host: cargo test --workspace".into(), run: Box::new(host_tests) }];
    for arch in Arch::ALL {
        steps.push(Step {
            name: format!("kernel build + object checks: {arch}"),
            run: Box::new(move |ctx| Counts::check(kernel_step(ctx, arch))),
        });
    }
    steps.push(Step {
        name: "kernel-target self test under qemu-user (ppc64, ppc64le)".into(),
        run: Box::new(|ctx| {
            let mut c = Counts::default();
            for (_, ok) in crate::selftest::run(&ctx.tools) {
                c += Counts::check(ok);
            }
            c
        }),
    });
    steps.push(Step {
        name: "kernel-object checker self-test".into(),
        run: Box::new(|ctx| Counts::check(checker_self_test(&ctx.tools))),
    });
    for arch in Arch::ALL {
        steps.push(Step {
            name: format!("module link + check-kld: {arch}"),
            run: Box::new(move |ctx| Counts::check(kmod_step(ctx, arch))),
        });
    }
    steps.push(Step {
        name: "check-kld self-test".into(),
        run: Box::new(|ctx| {
            let mut c = Counts::default();
            match crate::checkkld::self_test(&ctx.tools) {
                Ok(results) => {
                    for r in results {
                        println!("  {} {}: {}", if r.ok { "ok    " } else { "FAILED" }, r.name, r.detail);
                        c += Counts::check(r.ok);
                    }
                }
                Err(e) => {
                    println!("error: {e}");
                    c += Counts::check(false);
                }
            }
            c
        }),
    });
    steps.push(Step {
        name: "emulator harness: Linux ppc64 programs vs qemu-user".into(),
        run: Box::new(|_ctx| crate::harness::test_step()),
    });
    for arch in Arch::ALL {
        steps.push(Step {
            name: format!("kernel objects: no panic/fmt machinery reachable from the entry points: {arch}"),
            run: Box::new(move |ctx| {
                Counts::check(match ctx.kernel_build(arch).and_then(|lib| crate::panics::check(&lib, arch)) {
                    Ok(ok) => ok,
                    Err(e) => {
                        println!("error: {e}");
                        false
                    }
                })
            }),
        });
    }
    steps.push(Step {
        name: "cargo clippy --workspace (host; the kernel crates deny panicking constructs)".into(),
        run: Box::new(|_ctx| Counts::check(clippy())),
    });
    steps.push(Step {
        name: format!("fuzz smoke run: every libFuzzer target of fuzz/ for {}s", crate::fuzz::SMOKE_SECONDS),
        run: Box::new(|_ctx| crate::fuzz::smoke()),
    });
    steps
}

/// Links linux64.ko of `arch` from the kernel build (with the FreeBSD source tree of SYSDIR if set) and
/// runs check-kld on it.
fn kmod_step(ctx: &mut Ctx, arch: Arch) -> bool {
    match ctx.kernel_build(arch) {
        Ok(lib) => {
            crate::kmod::build_and_check(&ctx.tools, arch, &lib, crate::kmod::find_sysdir(None).as_deref())
        }
        Err(e) => {
            println!("error: {e}");
            false
        }
    }
}

/// Runs all steps; returns the totals (the caller prints the final line).
pub fn run_all(tools: Tools) -> Counts {
    let mut ctx = Ctx { tools, kernel_builds: None };
    let mut total = Counts::default();
    let mut summary = Vec::new();
    for step in steps() {
        println!("\n==> {}", step.name);
        let started = Instant::now();
        let c = (step.run)(&mut ctx);
        let secs = started.elapsed().as_secs_f64();
        let verdict = if c.failed == 0 { "ok" } else { "FAILED" };
        println!("==> {}: {verdict} ({} passed, {} failed, {secs:.1}s)", step.name, c.passed, c.failed);
        summary.push(format!(
            "  {verdict:6} {} ({} passed, {} failed, {secs:.1}s)",
            step.name, c.passed, c.failed
        ));
        total += c;
    }
    println!("\nxtask test summary:");
    for s in summary {
        println!("{s}");
    }
    total
}

/// Parses a libtest summary line: `test result: ok. 3 passed; 1 failed; 0 ignored; ...`.
pub fn parse_test_result(line: &str) -> Option<Counts> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let mut counts = Counts::default();
    let mut seen = false;
    for part in rest.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        let n = |w: &[&str]| w.iter().rev().nth(1).and_then(|x| x.parse::<u64>().ok());
        match words.last() {
            Some(&"passed") => {
                counts.passed = n(&words)?;
                seen = true;
            }
            Some(&"failed") => counts.failed = n(&words)?,
            _ => {}
        }
    }
    seen.then_some(counts)
}

/// `cargo test --workspace --no-fail-fast` (every test binary runs even after a failure) with the
/// host toolchain: output streamed and parsed.
fn host_tests(_ctx: &mut Ctx) -> Counts {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    scrub_cargo_run_env(&mut cmd);
    cmd.current_dir(repo_root()).args(["test", "--workspace", "--no-fail-fast"]).stdout(Stdio::piped());
    println!("xtask: {}", display_cmd(&cmd));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            println!("error: cannot run {}: {e}", display_cmd(&cmd));
            return Counts::check(false);
        }
    };
    let mut counts = Counts::default();
    if let Some(out) = child.stdout.take() {
        let stdout = std::io::stdout();
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            let mut lock = stdout.lock();
            let _ = writeln!(lock, "{line}");
            let _ = lock.flush();
            if let Some(c) = parse_test_result(&line) {
                counts += c;
            }
        }
    }
    match child.wait() {
        Ok(st) if st.success() => {}
        Ok(st) => {
            println!("xtask: cargo test exited with {st}");
            if counts.failed == 0 {
                counts.failed += 1; // e.g. a compile error: no result line says so
            }
        }
        Err(e) => {
            println!("xtask: waiting for cargo test: {e}");
            counts.failed += 1;
        }
    }
    counts
}

/// `cargo clippy --workspace` (the libraries and binaries; test code may unwrap): fails on any error, which includes every use of the lints
/// linux-core, arch-ppc64, arch-arm64 and vdso-ppc64 deny in non-test code (`unwrap`, `expect`,
/// `panic!`, unchecked indexing and arithmetic, `unreachable!`, `todo!`, `unimplemented!`).
fn clippy() -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    scrub_cargo_run_env(&mut cmd);
    cmd.current_dir(repo_root()).args(["clippy", "--workspace"]);
    println!("xtask: {}", display_cmd(&cmd));
    match cmd.status() {
        Ok(st) => st.success(),
        Err(e) => {
            println!("error: cannot run {}: {e}", display_cmd(&cmd));
            false
        }
    }
}

fn kernel_step(ctx: &mut Ctx, arch: Arch) -> bool {
    let lib = match ctx.kernel_build(arch) {
        Ok(p) => p,
        Err(e) => {
            println!("error: {e}");
            return false;
        }
    };
    match kcheck::check_file(&lib, arch, &ctx.tools) {
        Ok(report) => {
            report.print(&format!("{arch} {}", lib.display()), 50);
            report.ok()
        }
        Err(e) => {
            println!("error: {e}");
            false
        }
    }
}

fn checker_self_test(tools: &Tools) -> bool {
    match kcheck::self_test(tools) {
        Ok(results) => {
            for r in &results {
                println!("  {} {}: {}", if r.ok { "ok    " } else { "FAILED" }, r.name, r.detail);
            }
            results.iter().all(|r| r.ok)
        }
        Err(e) => {
            println!("error: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_result_lines() {
        assert_eq!(
            parse_test_result("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s"),
            Some(Counts { passed: 12, failed: 0 })
        );
        assert_eq!(
            parse_test_result(
                "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out"
            ),
            Some(Counts { passed: 3, failed: 2 })
        );
        assert_eq!(parse_test_result("running 3 tests"), None);
        assert_eq!(parse_test_result("test foo ... ok"), None);
    }

    #[test]
    fn steps_are_named_and_unique() {
        let names: Vec<String> = steps().into_iter().map(|s| s.name).collect();
        assert!(names[0].contains("cargo test --workspace"));
        for arch in Arch::ALL {
            assert!(names.iter().any(|n| n.contains("kernel build") && n.ends_with(arch.name())), "{arch}");
        }
        assert!(names.iter().any(|n| n.contains("checker self-test")));
        assert!(names.iter().any(|n| n.contains("self test under qemu-user")));
        for arch in Arch::ALL {
            assert!(
                names.iter().any(|n| n.starts_with("module link + check-kld") && n.ends_with(arch.name())),
                "{arch}"
            );
        }
        assert!(names.iter().any(|n| n == "check-kld self-test"));
        let mut d = names.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), names.len());
    }
}
