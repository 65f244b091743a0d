//! Dependency setup: the Debian packages the build and tests need, installing missing ones, and
//! checking the pinned kernel-side Rust toolchain.
//!
//! To add a dependency, add a line to [`DEBIAN_PACKAGES`] (later: a pip list next to it).
//! Set `XTASK_NO_INSTALL=1` to only check (never run apt-get).

use crate::err;
use crate::util::{output, run, which, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A Debian package and why we need it.
#[derive(Debug, Clone, Copy)]
pub struct Package {
    /// Debian package name.
    pub name: &'static str,
    /// What it is for (printed when it gets installed).
    pub why: &'static str,
}

const fn pkg(name: &'static str, why: &'static str) -> Package {
    Package { name, why }
}

/// Every Debian package the project needs, in one place.
pub const DEBIAN_PACKAGES: &[Package] = &[
    pkg("rustc-web", "rustc 1.96 for the kernel targets (replaces Debian's rustc 1.63)"),
    pkg("cargo-web", "cargo 1.96 for -Zbuild-std"),
    pkg("rust-web-src", "core/alloc source for -Zbuild-std"),
    pkg("clang", "assembling the checker self-test objects; C parts of the module"),
    pkg("lld", "kernel module link"),
    pkg("llvm", "llvm-objdump (kernel-object checks), llvm-ar"),
    pkg("libclang-dev", "bindgen"),
    pkg("cmake", "building unicorn (the emulator harness's CPU)"),
    pkg("linux-libc-dev-ppc64-cross", "Linux powerpc64 UAPI headers"),
    pkg("linux-libc-dev-ppc64el-cross", "Linux ppc64le UAPI headers"),
    pkg("linux-libc-dev-arm64-cross", "Linux arm64 UAPI headers"),
    pkg("qemu-user-static", "running Linux test programs as a reference"),
    pkg("gcc-powerpc64-linux-gnu", "Linux powerpc64 (ELFv1) test programs"),
    pkg("gcc-powerpc64le-linux-gnu", "Linux ppc64le test programs"),
    pkg("gcc-aarch64-linux-gnu", "Linux arm64 test programs"),
    pkg("libc6-dev-ppc64-cross", "glibc for powerpc64 test programs"),
    pkg("libc6-dev-ppc64el-cross", "glibc for ppc64le test programs"),
    pkg("libc6-dev-arm64-cross", "glibc for arm64 test programs"),
];

/// The kernel-side toolchain: Debian's rustc-web (rustup toolchains carry no rust-src).
pub const KERNEL_RUSTC: &str = "/usr/bin/rustc";
/// Debian's cargo-web.
pub const KERNEL_CARGO: &str = "/usr/bin/cargo";
/// Debian's rustdoc (from rustc-web).
pub const KERNEL_RUSTDOC: &str = "/usr/bin/rustdoc";
/// The rustc release the `targets/*.json` files are written for (`major.minor`).
pub const KERNEL_RUSTC_SERIES: (u32, u32) = (1, 96);

/// Paths of the tools the rest of xtask uses, valid after [`ensure`].
#[derive(Debug, Clone)]
pub struct Tools {
    /// Debian cargo for kernel builds.
    pub kernel_cargo: PathBuf,
    /// Debian rustc for kernel builds.
    pub kernel_rustc: PathBuf,
    /// Debian rustdoc.
    pub kernel_rustdoc: PathBuf,
    /// clang (self-test objects).
    pub clang: PathBuf,
    /// llvm-objdump.
    pub objdump: PathBuf,
    /// llvm-ar.
    pub llvm_ar: PathBuf,
}

impl Tools {
    /// Finds the tools without installing anything.
    pub fn find() -> Result<Tools> {
        use crate::util::find_tool;
        let fixed = |p: &str, pkg: &str| -> Result<PathBuf> {
            let p = PathBuf::from(p);
            if p.exists() {
                Ok(p)
            } else {
                Err(err!("{} not found; install the Debian package '{pkg}'", p.display()))
            }
        };
        Ok(Tools {
            kernel_cargo: fixed(KERNEL_CARGO, "cargo-web")?,
            kernel_rustc: fixed(KERNEL_RUSTC, "rustc-web")?,
            kernel_rustdoc: fixed(KERNEL_RUSTDOC, "rustc-web")?,
            clang: find_tool(&["clang", "clang-14"], "clang")?,
            objdump: find_tool(&["llvm-objdump", "llvm-objdump-14"], "llvm")?,
            llvm_ar: find_tool(&["llvm-ar", "llvm-ar-14"], "llvm")?,
        })
    }
}

/// Makes sure every dependency is there (installing Debian packages if we can), then checks the
/// kernel toolchain version and returns the tool paths.
pub fn ensure() -> Result<Tools> {
    install_missing_packages()?;
    check_kernel_toolchain()?;
    ensure_freebsd_headers()?;
    Tools::find()
}

/// The PyPI `ziglang` release whose FreeBSD 15 headers `freebsd-sys` is generated from when no FreeBSD
/// source tree is given (keep equal to `ZIGLANG_VERSION` in `crates/freebsd-sys/build.rs`).
pub const ZIGLANG_VERSION: &str = "0.17.1";

/// `target/ziglang-<version>/include`: the FreeBSD headers of the ziglang package (`generic-freebsd`,
/// `powerpc64-freebsd-none`, `aarch64-freebsd-none`, ...), where `freebsd-sys` looks by default.
pub fn freebsd_headers_dir() -> PathBuf {
    crate::util::repo_root().join("target").join(format!("ziglang-{ZIGLANG_VERSION}")).join("include")
}

/// Installs the FreeBSD headers of the pinned ziglang wheel into [`freebsd_headers_dir`] unless they are
/// there: `python3 -m pip download` of the wheel into the build directory, then only the `*freebsd*`
/// include directories are unpacked (never a system-wide install).
pub fn ensure_freebsd_headers() -> Result<PathBuf> {
    let dir = freebsd_headers_dir();
    if dir.join("generic-freebsd/sys/sysent.h").is_file() {
        return Ok(dir);
    }
    let base = dir.parent().unwrap_or(&dir).to_path_buf();
    let staging = base.with_extension("partial");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| err!("cannot create {}: {e}", staging.display()))?;
    println!(
        "xtask: installing the FreeBSD headers of PyPI ziglang=={ZIGLANG_VERSION} into {}",
        base.display()
    );
    let python =
        which("python3").ok_or_else(|| err!("python3 not found; install the Debian package python3-pip"))?;
    run(Command::new(&python)
        .args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest"])
        .arg(&staging)
        .arg(format!("ziglang=={ZIGLANG_VERSION}")))
    .map_err(|e| err!("{e}; `python3 -m pip` is needed (Debian package python3-pip) to fetch ziglang=={ZIGLANG_VERSION}"))?;
    let unpack = r#"
import sys, zipfile, pathlib
staging = pathlib.Path(sys.argv[1])
wheels = list(staging.glob("ziglang-*.whl"))
if len(wheels) != 1:
    sys.exit("expected one ziglang wheel in %s, found %d" % (staging, len(wheels)))
prefix = "ziglang/lib/libc/include/"
n = 0
with zipfile.ZipFile(wheels[0]) as z:
    for m in z.namelist():
        if not m.startswith(prefix) or m.endswith("/"):
            continue
        rel = m[len(prefix):]
        if "freebsd" not in rel.split("/")[0]:
            continue
        out = staging / "include" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(z.read(m))
        n += 1
wheels[0].unlink()
print("xtask: unpacked %d FreeBSD header files" % n)
"#;
    run(Command::new(&python).arg("-c").arg(unpack).arg(&staging))?;
    if !staging.join("include/generic-freebsd/sys/sysent.h").is_file() {
        return Err(err!(
            "ziglang=={ZIGLANG_VERSION} has no generic-freebsd/sys/sysent.h; pick another ZIGLANG_VERSION"
        ));
    }
    let _ = std::fs::remove_dir_all(&base);
    std::fs::rename(&staging, &base)
        .map_err(|e| err!("cannot rename {} to {}: {e}", staging.display(), base.display()))?;
    Ok(dir)
}

/// Names of the packages in [`DEBIAN_PACKAGES`].
pub fn package_names() -> Vec<&'static str> {
    DEBIAN_PACKAGES.iter().map(|p| p.name).collect()
}

fn is_debian() -> bool {
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    os_release_is_debian(&os_release) && which("dpkg-query").is_some()
}

/// True if an `/etc/os-release` text describes Debian or a derivative (Ubuntu, ...).
pub fn os_release_is_debian(text: &str) -> bool {
    text.lines().any(|l| {
        let (k, v) = l.split_once('=').unwrap_or(("", ""));
        let v = v.trim_matches('"');
        (k == "ID" && (v == "debian" || v == "ubuntu"))
            || (k == "ID_LIKE" && v.split_whitespace().any(|w| w == "debian" || w == "ubuntu"))
    })
}

/// Parses `dpkg-query -W -f='${Package}\t${Status}\n'` output into the installed package names.
pub fn parse_dpkg_status(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| {
            let (name, status) = l.split_once('\t')?;
            let name = name.split(':').next().unwrap_or(name); // strip :arch if any
            (status.split_whitespace().nth(2) == Some("installed")).then_some(name)
        })
        .collect()
}

/// Packages of `wanted` not installed according to dpkg.
fn missing_packages(wanted: &[&'static str]) -> Result<Vec<&'static str>> {
    // One dpkg-query for all; unknown packages go to stderr and make it exit 1: ignore both.
    let out = Command::new("dpkg-query")
        .arg("-W")
        .arg("-f=${Package}\t${Status}\n")
        .args(wanted)
        .stderr(std::process::Stdio::null())
        .output()
        .map_err(|e| err!("cannot run dpkg-query: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let installed = parse_dpkg_status(&text);
    Ok(wanted.iter().copied().filter(|w| !installed.contains(w)).collect())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false)
}

/// The apt-get command line that installs `pkgs`.
pub fn apt_install_command(pkgs: &[&str]) -> String {
    format!("DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {}", pkgs.join(" "))
}

fn install_missing_packages() -> Result<()> {
    let wanted = package_names();
    if !is_debian() {
        return Err(err!(
            "not a Debian/Ubuntu system; install the equivalents of these Debian packages yourself \
             (and Debian's rustc-web 1.96 at {KERNEL_RUSTC}): {}",
            wanted.join(" ")
        ));
    }
    let missing = missing_packages(&wanted)?;
    if missing.is_empty() {
        return Ok(());
    }
    let fix = apt_install_command(&missing);
    if std::env::var_os("XTASK_NO_INSTALL").is_some_and(|v| !v.is_empty() && v != "0") {
        return Err(err!("missing Debian packages (XTASK_NO_INSTALL is set); run: apt-get update && {fix}"));
    }
    let sudo: &[&str] = if is_root() {
        &[]
    } else if which("sudo").is_some() {
        &["sudo"]
    } else {
        return Err(err!(
            "missing Debian packages and not root (no sudo); run as root: apt-get update && {fix}"
        ));
    };
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    for p in DEBIAN_PACKAGES.iter().filter(|p| missing.contains(&p.name)) {
        println!("xtask:   {}: {}", p.name, p.why);
    }
    let apt = |args: &[&str]| {
        let mut argv: Vec<&str> = sudo.to_vec();
        argv.extend_from_slice(&["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        argv.extend_from_slice(args);
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]);
        c
    };
    run(&mut apt(&["update"]))?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)?;
    let still = missing_packages(&wanted)?;
    if !still.is_empty() {
        return Err(err!(
            "apt-get did not install: {}; run: {}",
            still.join(" "),
            apt_install_command(&still)
        ));
    }
    Ok(())
}

/// Parses `rustc --version` output (`rustc 1.96.0 (hash date)`) into (major, minor, patch).
pub fn parse_rustc_version(s: &str) -> Option<(u32, u32, u32)> {
    let v = s.split_whitespace().nth(1)?;
    let v = v.split(['-', '+']).next()?;
    let mut it = v.split('.').map(|x| x.parse::<u32>().ok());
    Some((it.next()??, it.next()??, it.next()??))
}

fn check_kernel_toolchain() -> Result<()> {
    let rustc = Path::new(KERNEL_RUSTC);
    if !rustc.exists() {
        return Err(err!("{KERNEL_RUSTC} not found; install the Debian package rustc-web"));
    }
    let version = output(Command::new(rustc).arg("--version"))?;
    let version = version.trim();
    let (want_major, want_minor) = KERNEL_RUSTC_SERIES;
    match parse_rustc_version(version) {
        Some((ma, mi, _)) if (ma, mi) == KERNEL_RUSTC_SERIES => {}
        _ => {
            return Err(err!(
                "{KERNEL_RUSTC} is '{version}', but targets/*.json are written for rustc \
                 {want_major}.{want_minor}; install Debian's rustc-web {want_major}.{want_minor} \
                 (rustc-web cargo-web rust-web-src) or re-derive targets/*.json for the new version"
            ))
        }
    }
    let sysroot = output(Command::new(rustc).arg("--print").arg("sysroot"))?;
    let library = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library");
    if !library.join("core").is_dir() {
        return Err(err!(
            "Rust library source not found at {}; install the Debian package rust-web-src",
            library.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_list_is_complete_and_unique() {
        let names = package_names();
        for must in [
            "rustc-web",
            "cargo-web",
            "rust-web-src",
            "clang",
            "lld",
            "llvm",
            "libclang-dev",
            "qemu-user-static",
            "gcc-powerpc64-linux-gnu",
            "libc6-dev-arm64-cross",
        ] {
            assert!(names.contains(&must), "{must} missing");
        }
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate package");
        assert!(names.iter().all(|n| !n.is_empty() && !n.contains(' ')));
    }

    #[test]
    fn ziglang_version_matches_freebsd_sys() {
        let build_rs = std::fs::read_to_string(crate::util::repo_root().join("crates/freebsd-sys/build.rs"))
            .expect("freebsd-sys/build.rs");
        assert!(build_rs.contains(&format!("const ZIGLANG_VERSION: &str = \"{ZIGLANG_VERSION}\";")));
    }

    #[test]
    fn apt_command() {
        assert_eq!(
            apt_install_command(&["clang", "lld"]),
            "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang lld"
        );
    }

    #[test]
    fn dpkg_status_parsing() {
        let text = "clang\tinstall ok installed\nlld\tdeinstall ok config-files\n\
                    llvm:amd64\thold ok installed\nqemu-user-static\tunknown ok not-installed\n";
        assert_eq!(parse_dpkg_status(text), vec!["clang", "llvm"]);
    }

    #[test]
    fn os_release() {
        assert!(os_release_is_debian("PRETTY_NAME=\"Debian GNU/Linux 12\"\nID=debian\n"));
        assert!(os_release_is_debian("ID=ubuntu\nID_LIKE=debian\n"));
        assert!(os_release_is_debian("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n"));
        assert!(!os_release_is_debian("ID=fedora\nID_LIKE=\"rhel centos\"\n"));
    }

    #[test]
    fn rustc_version() {
        assert_eq!(parse_rustc_version("rustc 1.96.0 (ac68faa20 2026-05-25)"), Some((1, 96, 0)));
        assert_eq!(parse_rustc_version("rustc 1.97.0-nightly (x 2026-01-01)"), Some((1, 97, 0)));
        assert_eq!(parse_rustc_version("garbage"), None);
    }
}
