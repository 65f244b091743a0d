//! `cargo xtask fuzz`: the libFuzzer targets of `fuzz/` (a workspace of its own), built with the stable
//! toolchain `cargo xtask` runs with and the sanitizer-coverage flags cargo-fuzz passes (no `-Z` flag:
//! without a sanitizer none is needed), into `fuzz/target/`.
//!
//! Each target runs on a scratch corpus (`fuzz/target/work/<target>/`, where libFuzzer writes what it
//! finds) seeded from the checked-in `fuzz/corpus/<target>/`; a crash (a panic, which is how a target
//! reports a violated invariant) leaves its input in `fuzz/artifacts/<target>/` and fails the run.
//! `--update-corpus` merges the scratch corpus into the checked-in one, keeping only inputs that add
//! coverage (libFuzzer `-merge=1`).
//!
//! The smoke run of `cargo xtask test` is [`smoke`]: every target for a few seconds.

use crate::err;
use crate::testrun::Counts;
use crate::util::{display_cmd, repo_root, scrub_cargo_run_env, which, Result};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The targets (binaries of `fuzz/Cargo.toml`, directories of `fuzz/corpus/`).
pub const TARGETS: &[&str] = &[
    "sigreturn_ppc64",
    "sigreturn_arm64",
    "sendsig_ppc64",
    "sendsig_arm64",
    "exec_stack",
    "syscall",
    "ioctl_termios",
    "ptrace_ppc64",
    "ptrace_arm64",
    "futex",
];

/// The flags cargo-fuzz passes on stable for a build without a sanitizer, plus overflow checks and
/// debug assertions (an overflow is a finding).
pub const RUSTFLAGS: &[&str] = &[
    "-Cpasses=sancov-module",
    "-Cllvm-args=-sanitizer-coverage-level=4",
    "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters",
    "-Cllvm-args=-sanitizer-coverage-pc-table",
    "-Cllvm-args=-sanitizer-coverage-trace-compares",
    "--cfg",
    "fuzzing",
    "-Cdebug-assertions",
    "-Coverflow-checks",
];

/// The largest input libFuzzer generates (an arm64 signal frame is 4688 bytes).
const MAX_LEN: u32 = 8192;
/// Seconds per target of the smoke run in `cargo xtask test`.
pub const SMOKE_SECONDS: u64 = 5;

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct FuzzArgs {
    /// Seconds per target (`-max_total_time`).
    pub seconds: Option<u64>,
    /// Executions per target (`-runs`).
    pub runs: Option<u64>,
    /// Targets to run (all when empty).
    pub targets: Vec<String>,
    /// Merge new coverage into `fuzz/corpus/`.
    pub update_corpus: bool,
}

/// How one target's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Target name.
    pub target: String,
    /// Executions libFuzzer reported.
    pub runs: u64,
    /// Whether it ended without a finding.
    pub ok: bool,
}

fn fuzz_dir() -> PathBuf {
    repo_root().join("fuzz")
}

fn target_dir() -> PathBuf {
    fuzz_dir().join("target")
}

/// The host triple of the rustc cargo uses (the binaries are built for it explicitly, so that the
/// coverage flags reach the targets' code but not build scripts and proc macros).
fn host_triple() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| err!("cannot run {}: {e}", rustc.to_string_lossy()))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or_else(|| err!("`rustc -vV` printed no host triple"))
}

/// Builds every fuzz binary; returns the directory they are in.
pub fn build() -> Result<PathBuf> {
    let host = host_triple()?;
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    scrub_cargo_run_env(&mut cmd);
    for k in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        cmd.env_remove(k);
    }
    // libFuzzer is C++ (built by libfuzzer-sys through the cc crate, which runs `c++`): where only
    // clang is installed, name its C++ driver.
    if std::env::var_os("CXX").is_none() && which("c++").is_none() {
        if let Some(clangxx) = which("clang++") {
            cmd.env("CXX", clangxx);
        }
    }
    cmd.current_dir(fuzz_dir())
        .env("RUSTFLAGS", RUSTFLAGS.join(" "))
        .args(["build", "--release", "--features", "libfuzzer", "--bins", "--target", &host, "--target-dir"])
        .arg(target_dir());
    println!("xtask: RUSTFLAGS='{}' {}", RUSTFLAGS.join(" "), display_cmd(&cmd));
    let st = cmd.status().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    if !st.success() {
        return Err(err!("building the fuzz targets failed ({st}); see the cargo output above"));
    }
    Ok(target_dir().join(host).join("release"))
}

/// Runs one target; prints libFuzzer's output tail and returns how it ended.
fn run_target(
    bin_dir: &std::path::Path,
    target: &str,
    seconds: Option<u64>,
    runs: Option<u64>,
) -> Result<Outcome> {
    let work = target_dir().join("work").join(target);
    let seeds = fuzz_dir().join("corpus").join(target);
    let artifacts = fuzz_dir().join("artifacts").join(target);
    for d in [&work, &seeds, &artifacts] {
        std::fs::create_dir_all(d).map_err(|e| err!("cannot create {}: {e}", d.display()))?;
    }
    let mut cmd = Command::new(bin_dir.join(target));
    cmd.arg(&work).arg(&seeds);
    cmd.arg(format!("-max_len={MAX_LEN}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg("-print_final_stats=1");
    if let Some(s) = seconds {
        cmd.arg(format!("-max_total_time={s}"));
    }
    if let Some(n) = runs {
        cmd.arg(format!("-runs={n}"));
    }
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    println!("xtask: {}", display_cmd(&cmd));
    let mut child = cmd.spawn().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    let mut executed = 0u64;
    let mut tail: Vec<String> = Vec::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(std::result::Result::ok) {
            if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
                executed = n.trim().parse().unwrap_or(executed);
            }
            let interesting = line.contains("panicked")
                || line.contains("SUMMARY")
                || line.contains("artifact")
                || line.contains("DONE")
                || line.contains("INITED")
                || line.starts_with("Done ");
            if interesting {
                println!("  {target}: {line}");
            }
            tail.push(line);
            if tail.len() > 40 {
                tail.remove(0);
            }
        }
    }
    let st = child.wait().map_err(|e| err!("waiting for {target}: {e}"))?;
    if !st.success() {
        println!("  {target}: FINDING ({st}); the last lines libFuzzer printed:");
        for l in &tail {
            println!("    {l}");
        }
    }
    println!(
        "xtask fuzz: {target}: {executed} executions, {}",
        if st.success() { "no finding" } else { "FINDING" }
    );
    Ok(Outcome { target: target.to_string(), runs: executed, ok: st.success() })
}

/// Merges the scratch corpus of `target` into `fuzz/corpus/<target>/` (only inputs with new coverage).
fn update_corpus(bin_dir: &std::path::Path, target: &str) -> Result<()> {
    let work = target_dir().join("work").join(target);
    let seeds = fuzz_dir().join("corpus").join(target);
    let mut cmd = Command::new(bin_dir.join(target));
    cmd.arg("-merge=1").arg(format!("-max_len={MAX_LEN}")).arg(&seeds).arg(&work);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    println!("xtask: {}", display_cmd(&cmd));
    let st = cmd.status().map_err(|e| err!("cannot run {}: {e}", display_cmd(&cmd)))?;
    if st.success() {
        Ok(())
    } else {
        Err(err!("merging the corpus of {target} failed ({st})"))
    }
}

/// `cargo xtask fuzz`: Ok(false) if a target found something.
pub fn run(args: &FuzzArgs) -> Result<bool> {
    let targets: Vec<&str> =
        if args.targets.is_empty() {
            TARGETS.to_vec()
        } else {
            let mut v = Vec::new();
            for t in &args.targets {
                let known = TARGETS.iter().find(|k| **k == t.as_str());
                v.push(*known.ok_or_else(|| {
                    err!("unknown fuzz target '{t}'; expected one of: {}", TARGETS.join(", "))
                })?);
            }
            v
        };
    let bin_dir = build()?;
    let seconds = match (args.seconds, args.runs) {
        (None, None) => Some(60),
        (s, _) => s,
    };
    let mut ok = true;
    let mut outcomes = Vec::new();
    for t in targets {
        let o = run_target(&bin_dir, t, seconds, args.runs)?;
        ok &= o.ok;
        if args.update_corpus && o.ok {
            update_corpus(&bin_dir, t)?;
        }
        outcomes.push(o);
    }
    println!("\nxtask fuzz summary:");
    for o in &outcomes {
        println!("  {:6} {:16} {:>12} executions", if o.ok { "ok" } else { "FAILED" }, o.target, o.runs);
    }
    Ok(ok)
}

/// The smoke run of `cargo xtask test`: build, then every target for [`SMOKE_SECONDS`] on its seeds;
/// one check per target (and one for the build).
pub fn smoke() -> Counts {
    let bin_dir = match build() {
        Ok(d) => d,
        Err(e) => {
            println!("error: {e}");
            return Counts::check(false);
        }
    };
    let mut c = Counts::check(true);
    for t in TARGETS {
        let ok = match run_target(&bin_dir, t, Some(SMOKE_SECONDS), None) {
            Ok(o) => o.ok && o.runs > 0,
            Err(e) => {
                println!("error: {e}");
                false
            }
        };
        c += Counts::check(ok);
    }
    c
}

/// Parses the arguments of `cargo xtask fuzz`.
pub fn parse(args: &[String]) -> std::result::Result<FuzzArgs, String> {
    let mut out = FuzzArgs { seconds: None, runs: None, targets: Vec::new(), update_corpus: false };
    let mut it = args.iter();
    let number = |flag: &str, v: Option<&String>| -> std::result::Result<u64, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a number"))?;
        v.parse().map_err(|_| format!("{flag} needs a number, not '{v}'"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--time" => out.seconds = Some(number("--time", it.next())?),
            "--runs" => out.runs = Some(number("--runs", it.next())?),
            "--target" => out.targets.push(it.next().ok_or("--target needs a name")?.clone()),
            "--update-corpus" => out.update_corpus = true,
            s if s.starts_with("--time=") => {
                out.seconds = Some(number("--time", Some(&s["--time=".len()..].to_string()))?)
            }
            s if s.starts_with("--runs=") => {
                out.runs = Some(number("--runs", Some(&s["--runs=".len()..].to_string()))?)
            }
            s if s.starts_with("--target=") => out.targets.push(s["--target=".len()..].to_string()),
            s => return Err(format!("unexpected argument '{s}' for fuzz; see `cargo xtask fuzz --help`")),
        }
    }
    for t in &out.targets {
        if !TARGETS.contains(&t.as_str()) {
            return Err(format!("unknown fuzz target '{t}'; expected one of: {}", TARGETS.join(", ")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(a: &[&str]) -> std::result::Result<FuzzArgs, String> {
        parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn args() {
        assert_eq!(
            p(&[]).unwrap(),
            FuzzArgs { seconds: None, runs: None, targets: vec![], update_corpus: false }
        );
        let a = p(&["--time", "30", "--target", "futex", "--target=syscall", "--runs=5", "--update-corpus"])
            .unwrap();
        assert_eq!(a.seconds, Some(30));
        assert_eq!(a.runs, Some(5));
        assert_eq!(a.targets, ["futex", "syscall"]);
        assert!(a.update_corpus);
        assert!(p(&["--time"]).unwrap_err().contains("needs a number"));
        assert!(p(&["--time", "x"]).unwrap_err().contains("not 'x'"));
        assert!(p(&["--target", "nope"]).unwrap_err().starts_with("unknown fuzz target 'nope'"));
        assert!(p(&["--fast"]).unwrap_err().starts_with("unexpected argument"));
    }

    #[test]
    fn every_target_has_a_binary_and_a_corpus() {
        let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
        for t in TARGETS {
            assert!(manifest.contains(&format!("name = \"{t}\"")), "{t} is not a binary of fuzz/Cargo.toml");
            assert!(fuzz_dir().join("fuzz_targets").join(format!("{t}.rs")).exists(), "{t}");
            assert!(fuzz_dir().join("corpus").join(t).is_dir(), "fuzz/corpus/{t} is missing");
        }
    }
}
