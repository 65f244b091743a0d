//! Building `linux64.ko` the way FreeBSD's `sys/conf/kmod.mk` does on powerpc64 and aarch64.
//!
//! 1. Generate from the project's syscall table what FreeBSD's makesyscalls would
//!    (`gen/linux_syscall.h`, `linux_proto.h`, `linux_sysent.c`, `linux_syscalls.c`,
//!    `linux_systrace_args.c`), plus `gen/linux64_mi.h`, the MI support functions the MD glue calls.
//! 2. Compile the module's C (`crates/linux64-kmod/c`: module declaration, accessors) and the generated
//!    table with the kernel's flags, against the same headers as freebsd-sys; with a FreeBSD source tree
//!    (`--sysdir`) also the MI Linuxulator sources of `sys/compat/linux`.
//! 3. `ld.lld -m <emulation>_fbsd --build-id=sha1 -r` of the C objects and `liblinux64_kmod.a` into
//!    `linux64.kld`; localize every defined global (`llvm-objcopy --keep-global-symbol` of the linker-set
//!    bounds only); `ld.lld -Bshareable -znotext -znorelro --build-id=sha1` into `linux64.ko`.
//!
//! Output: `target/kernel/<arch>/linux64.ko` (`<arch>` = ppc64, ppc64le, arm64).

use crate::arch::Arch;
use crate::deps::{freebsd_headers_dir, Tools};
use crate::err;
use crate::util::{display_cmd, find_tool, output, repo_root, run, Result};
use linux_core::sysno::Sys;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Module name (`DECLARE_MODULE(linux64, ...)`) and file stem.
pub const MODULE: &str = "linux64";
/// `__FreeBSD_version` of the ziglang headers (keep equal to freebsd-sys/build.rs).
pub const ZIG_FREEBSD_VERSION: u32 = 1_500_000;

/// The module's C sources (`crates/linux64-kmod/c`).
pub const C_SOURCES: &[&str] = &["linux64_module.c", "linux64_accessors.c"];
/// Generated sources compiled into the module.
pub const GEN_SOURCES: &[&str] = &["linux_sysent.c", "linux_syscalls.c"];
/// The MI sources of `sys/compat/linux` FreeBSD's linux64 module compiles (sys/modules/linux64/Makefile).
pub const MI_SOURCES: &[&str] = &[
    "linux_elf64.c",
    "linux_event.c",
    "linux_file.c",
    "linux_fork.c",
    "linux_futex.c",
    "linux_getcwd.c",
    "linux_ioctl.c",
    "linux_ipc.c",
    "linux_misc.c",
    "linux_rseq.c",
    "linux_signal.c",
    "linux_socket.c",
    "linux_stats.c",
    "linux_sysctl.c",
    "linux_time.c",
    "linux_timer.c",
    "linux_vdso.c",
    "linux_xattr.c",
];
/// MI support functions (not syscalls) the MD glue calls or puts in its sysentvecs (`src/kpi.rs`).
pub const MI_SUPPORT: &[(&str, &str)] = &[
    ("int", "bsd_to_linux_signal(int)"),
    ("void", "bsd_to_linux_sigset(sigset_t *, l_sigset_t *)"),
    ("void", "linux_to_bsd_sigset(l_sigset_t *, sigset_t *)"),
    ("int", "linux64_copyout_auxargs(struct image_params *, uintptr_t)"),
    ("int", "linux64_copyout_strings(struct image_params *, uintptr_t *)"),
    ("void", "linux64_prepare_notes(struct thread *, struct note_info_list *, size_t *)"),
    ("void", "linux_schedtail(struct thread *)"),
    ("void", "linux_thread_detach(struct thread *)"),
    ("int", "linux_on_exec(struct proc *, struct image_params *)"),
    ("vm_object_t", "elf64_linux_shared_page_init(char **, vm_size_t)"),
    ("int", "linux_map_vdso(struct proc *, vm_object_t, vm_offset_t, vm_offset_t, struct image_params *)"),
    ("void", "linux_on_exit(struct proc *)"),
    ("void", "linux_thread_dtor(struct thread *)"),
    ("int", "linux_setid_allowed_query(struct thread *, struct image_params *)"),
];

/// What a module build produced.
#[derive(Debug)]
pub struct Linked {
    /// `target/kernel/<arch>/linux64.ko`.
    pub ko: PathBuf,
    /// Every input object of the link (C objects; the staticlib is checked by kcheck).
    pub objects: Vec<PathBuf>,
    /// The generated-code directory (`linux_proto.h`, `linux64_mi.h`).
    #[allow(dead_code)]
    pub gen: PathBuf,
    /// Whether the MI objects are in (a source tree was given and they compiled).
    pub has_mi: bool,
}

/// `target/kernel/<arch>/`.
pub fn out_dir(arch: Arch) -> PathBuf {
    repo_root().join("target").join("kernel").join(arch.name())
}

/// `target/kernel/<arch>/linux64.ko`.
pub fn ko_path(arch: Arch) -> PathBuf {
    out_dir(arch).join(format!("{MODULE}.ko"))
}

/// The FreeBSD source tree: `--sysdir`, else `SYSDIR`, else `/usr/src/sys` on a FreeBSD host; only if it
/// looks like one (`sys/sysent.h`).
pub fn find_sysdir(given: Option<&Path>) -> Option<PathBuf> {
    let candidate = given
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("SYSDIR").map(PathBuf::from))
        .or_else(|| cfg!(target_os = "freebsd").then(|| PathBuf::from("/usr/src/sys")))?;
    candidate.join("sys/sysent.h").is_file().then_some(candidate)
}

/// `__FreeBSD_version` and a description of the headers used.
pub fn freebsd_version(sysdir: Option<&Path>) -> (u32, String) {
    if let Some(sys) = sysdir {
        let param = std::fs::read_to_string(sys.join("sys/param.h")).unwrap_or_default();
        let v = param
            .lines()
            .filter_map(|l| l.strip_prefix("#define"))
            .filter_map(|l| l.trim_start().strip_prefix("__FreeBSD_version"))
            .find_map(|l| l.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        return (v, format!("the FreeBSD source tree {}", sys.display()));
    }
    (
        ZIG_FREEBSD_VERSION,
        format!("the FreeBSD 15.0 headers of PyPI ziglang=={}", crate::deps::ZIGLANG_VERSION),
    )
}

/// clang `--target` of the module's C (ELFv2 on powerpc64 needs the OS version in the triple).
pub fn c_target(arch: Arch) -> &'static str {
    match arch {
        Arch::Ppc64 => "powerpc64-unknown-freebsd15.0",
        Arch::Ppc64le => "powerpc64le-unknown-freebsd15.0",
        Arch::Arm64 => "aarch64-unknown-freebsd15.0",
    }
}

/// ld.lld emulation (FreeBSD's: the `_fbsd` suffix stamps EI_OSABI = FreeBSD).
pub fn emulation(arch: Arch) -> &'static str {
    match arch {
        Arch::Ppc64 => "elf64ppc_fbsd",
        Arch::Ppc64le => "elf64lppc_fbsd",
        Arch::Arm64 => "aarch64elf_fbsd",
    }
}

/// The C flags of kernel code (kmod.mk / kern.mk for the arch) and the header search path.
pub fn cflags(arch: Arch, sysdir: Option<&Path>, gen: &Path) -> Result<Vec<String>> {
    let (version, _) = freebsd_version(sysdir);
    let mut f: Vec<String> = [
        format!("--target={}", c_target(arch)),
        "-D_KERNEL".into(),
        "-DKLD_MODULE".into(),
        format!("-D__FreeBSD_version={version}"),
        "-ffreestanding".into(),
        "-nostdinc".into(),
        "-fPIC".into(),
        "-O2".into(),
        "-fno-common".into(),
        "-fno-omit-frame-pointer".into(),
        "-fno-strict-aliasing".into(),
        "-Wall".into(),
        "-Wno-unused-function".into(),
    ]
    .into();
    match arch {
        Arch::Ppc64 | Arch::Ppc64le => {
            f.extend(["-mlongcall", "-mabi=elfv2", "-mno-altivec", "-msoft-float"].map(String::from))
        }
        Arch::Arm64 => f.push("-mgeneral-regs-only".into()),
    }
    let c_dir = repo_root().join("crates/linux64-kmod/c");
    f.push(format!("-I{}", c_dir.display()));
    f.push(format!("-I{}", gen.display()));
    match sysdir {
        Some(sys) => {
            let links = out_dir(arch).join("include");
            std::fs::create_dir_all(&links).map_err(|e| err!("{}: {e}", links.display()))?;
            let machine = links.join("machine");
            let _ = std::fs::remove_file(&machine);
            let md = if arch.is_ppc() { "powerpc" } else { "arm64" };
            std::os::unix::fs::symlink(sys.join(md).join("include"), &machine)
                .map_err(|e| err!("cannot link {}: {e}", machine.display()))?;
            f.push(format!("-I{}", links.display()));
            f.push(format!("-I{}", sys.display()));
            f.push(format!("-I{}", sys.join("contrib/ck/include").display()));
        }
        None => {
            let inc = freebsd_headers_dir();
            let machine = if arch.is_ppc() { "powerpc64-freebsd-none" } else { "aarch64-freebsd-none" };
            f.push(format!("-I{}", inc.join(machine).display()));
            f.push(format!("-I{}", inc.join("generic-freebsd").display()));
        }
    }
    Ok(f)
}

/// The syscall table of an arch: (number, handler) for every slot.
fn table(arch: Arch) -> Vec<(usize, Option<Sys>)> {
    let t: &[Option<Sys>] = match arch {
        Arch::Ppc64 | Arch::Ppc64le => &arch_ppc64::syscall_table::PPC64_SYSCALLS,
        Arch::Arm64 => &arch_arm64::syscall_table::ARM64_SYSCALLS,
    };
    t.iter().copied().enumerate().collect()
}

/// The generated files (name, contents) for `arch`.
pub fn generate(arch: Arch) -> Vec<(&'static str, String)> {
    let rows = table(arch);
    let head = |what: &str| {
        format!(
            "/*\n * {what} of the Linux {} system calls.\n *\n * @generated by `cargo xtask build` (xtask/src/kmod.rs) from the project's syscall table\n * (tools/syscalls/<arch>.tbl via tools/gen-syscalls.py); do not edit.\n */\n\n",
            arch.name()
        )
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut proto = head("Prototypes and argument structures");
    proto.push_str("#ifndef _LINUX64_LINUX_PROTO_H_\n#define _LINUX64_LINUX_PROTO_H_\n\n#include <sys/types.h>\n\nstruct thread;\n\n");
    proto.push_str(
        "/*\n * The table has names and argument counts, not argument types: every argument is one register_t\n \
         * slot. FreeBSD's MI code expects the typed structures of its syscalls.master.\n */\n",
    );
    let mut header = head("Numbers");
    header.push_str("#ifndef _LINUX64_LINUX_SYSCALL_H_\n#define _LINUX64_LINUX_SYSCALL_H_\n\n");
    let mut names = head("Names");
    names.push_str("const char *linux_syscallnames[] = {\n");
    let mut sysent = head("The sysent table");
    sysent.push_str("#include <sys/param.h>\n#include <sys/sysent.h>\n#include \"linux_proto.h\"\n\n#define AS(name) (sizeof(struct name) / sizeof(register_t))\n\nstruct sysent linux_sysent[] = {\n");
    let mut systrace = head("DTrace systrace argument conversion");
    systrace.push_str("static void\nsystrace_args(int sysnum, void *params, uint64_t *uarg, int *n_args)\n{\n\tint64_t *iarg = (int64_t *)uarg;\n\n\tswitch (sysnum) {\n");
    for (nr, sys) in &rows {
        match sys {
            Some(s) => {
                let (name, n) = (s.name(), usize::from(s.nargs()));
                let _ = writeln!(header, "#define\tLINUX_SYS_{name}\t{nr}");
                let _ = writeln!(names, "\t\"{name}\",\t\t\t/* {nr} = {name} */");
                if seen.insert(name) {
                    let _ = writeln!(
                        proto,
                        "struct linux_{name}_args {{\n\tregister_t arg[{}];\n}};\nint\tlinux_{name}(struct thread *, struct linux_{name}_args *);",
                        n.max(1)
                    );
                }
                let narg = if n == 0 { "0".to_string() } else { format!("AS(linux_{name}_args)") };
                let _ = writeln!(
                    sysent,
                    "\t{{ .sy_narg = {narg}, .sy_call = (sy_call_t *)linux_{name}, .sy_auevent = 0, .sy_flags = 0, .sy_thrcnt = SY_THR_STATIC }},\t/* {nr} = {name} */"
                );
                let _ = writeln!(
                    systrace,
                    "\tcase {nr}: {{\t/* linux_{name} */\n\t\tstruct linux_{name}_args *p = params;"
                );
                for i in 0..n {
                    let _ = writeln!(systrace, "\t\tiarg[{i}] = p->arg[{i}];");
                }
                if n == 0 {
                    systrace.push_str("\t\t(void)p;\n");
                }
                let _ = writeln!(systrace, "\t\t*n_args = {n};\n\t\tbreak;\n\t}}");
            }
            None => {
                let _ = writeln!(names, "\t\"#{nr}\",\t\t\t/* {nr} = unimplemented */");
                let _ = writeln!(
                    sysent,
                    "\t{{ .sy_narg = 0, .sy_call = (sy_call_t *)nosys, .sy_auevent = 0, .sy_flags = 0, .sy_thrcnt = SY_THR_ABSENT }},\t/* {nr} */"
                );
            }
        }
    }
    let _ = writeln!(header, "#define\tLINUX_SYS_MAXSYSCALL\t{}\n\n#endif", rows.len());
    proto.push_str("\n#endif\n");
    names.push_str("};\n");
    sysent.push_str("};\n");
    systrace.push_str("\tdefault:\n\t\t*n_args = 0;\n\t\tbreak;\n\t}\n}\n");
    let mut mi = head("MI support functions the MD glue calls (sys/compat/linux)");
    mi.push_str("#ifndef _LINUX64_MI_H_\n#define _LINUX64_MI_H_\n\n");
    for (ret, sig) in MI_SUPPORT {
        let _ = writeln!(mi, "{ret}\t{sig};");
    }
    mi.push_str("\n#endif\n");
    vec![
        ("linux_syscall.h", header),
        ("linux_proto.h", proto),
        ("linux_syscalls.c", names),
        ("linux_sysent.c", sysent),
        ("linux_systrace_args.c", systrace),
        ("linux64_mi.h", mi),
    ]
}

/// The MI symbol names: every function declared in the generated `linux_proto.h` and `linux64_mi.h`.
pub fn mi_symbols(gen: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for f in ["linux_proto.h", "linux64_mi.h"] {
        let p = gen.join(f);
        let text = std::fs::read_to_string(&p).map_err(|e| err!("cannot read {}: {e}", p.display()))?;
        for line in text.lines() {
            let Some((before, _)) = line.split_once('(') else {
                continue;
            };
            if line.starts_with([' ', '\t', '#', '/', '*', '}', 's']) {
                continue;
            }
            if let Some(name) = before.split_whitespace().last().map(|n| n.trim_start_matches('*')) {
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
                    out.push(name.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).map_err(|e| err!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

fn compile(clang: &Path, flags: &[String], src: &Path, obj: &Path) -> Result<()> {
    let mut cmd = Command::new(clang);
    cmd.args(flags).arg("-c").arg(src).arg("-o").arg(obj);
    run(&mut cmd).map_err(|e| err!("compiling {}: {e}", src.display()))
}

/// Builds `linux64.ko` for `arch` from the kernel staticlib.
pub fn build(tools: &Tools, arch: Arch, staticlib: &Path, sysdir: Option<&Path>) -> Result<Linked> {
    let lld = find_tool(&["ld.lld", "ld.lld-14"], "lld")?;
    let objcopy = find_tool(&["llvm-objcopy", "llvm-objcopy-14"], "llvm")?;
    let dir = out_dir(arch);
    let gen = dir.join("gen");
    let obj = dir.join("obj");
    for d in [&gen, &obj] {
        std::fs::create_dir_all(d).map_err(|e| err!("cannot create {}: {e}", d.display()))?;
    }
    for (name, text) in generate(arch) {
        write_if_changed(&gen.join(name), &text)?;
    }
    let flags = cflags(arch, sysdir, &gen)?;
    let c_dir = repo_root().join("crates/linux64-kmod/c");
    let mut objects = Vec::new();
    let sources = C_SOURCES.iter().map(|s| c_dir.join(s)).chain(GEN_SOURCES.iter().map(|s| gen.join(s)));
    for src in sources {
        let o = obj.join(src.file_name().unwrap_or_default()).with_extension("o");
        compile(&tools.clang, &flags, &src, &o)?;
        objects.push(o);
    }
    let mut has_mi = false;
    if let Some(sys) = sysdir {
        // Untested here (no source tree on this machine): FreeBSD's MI sources with our generated
        // headers. They also need the powerpc64 MD headers (linux.h, linux_sigframe.h) the port provides.
        let mut ok = true;
        for s in MI_SOURCES {
            let src = sys.join("compat/linux").join(s);
            let o = obj.join(s).with_extension("o");
            match compile(&tools.clang, &flags, &src, &o) {
                Ok(()) => objects.push(o),
                Err(e) => {
                    println!("xtask: {arch}: {e}");
                    ok = false;
                }
            }
        }
        has_mi = ok;
    }
    let kld = dir.join(format!("{MODULE}.kld"));
    let ko = ko_path(arch);
    let mut common: Vec<String> =
        vec!["-m".into(), emulation(arch).into(), "--warn-common".into(), "--build-id=sha1".into()];
    match arch {
        Arch::Ppc64 | Arch::Ppc64le => common.push("--no-toc-optimize".into()),
        Arch::Arm64 => common.push("--no-relax".into()),
    }
    let rust = dir.join("linux64_rust.o");
    let roots = rust_part(&lld, &common, &objects, staticlib, &rust)?;
    println!("xtask: {arch}: Rust part {} (kept what {roots} roots reach)", rust.display());
    let mut r = Command::new(&lld);
    r.args(&common).arg("-r").arg("-o").arg(&kld).args(&objects).arg(&rust);
    println!("xtask: {arch}: {}", display_cmd(&r));
    run(&mut r)?;
    // Localize every defined global: nothing is exported but the linker-set bounds the kernel linker
    // looks up (`__start_set_*`/`__stop_set_*`, defined by the final link).
    let mut loc = Command::new(&objcopy);
    loc.args(["--wildcard", "--keep-global-symbol=__start_set_*", "--keep-global-symbol=__stop_set_*"])
        .arg(&kld);
    run(&mut loc)?;
    let mut so = Command::new(&lld);
    so.args(&common).args(["-Bshareable", "-znotext", "-znorelro", "-o"]).arg(&ko).arg(&kld);
    println!("xtask: {arch}: {}", display_cmd(&so));
    run(&mut so)?;
    Ok(Linked { ko, objects, gen, has_mi })
}

/// The Rust part of the module: `staticlib` (which holds all of `core`, built by `-Zbuild-std`) linked
/// `-r --gc-sections` into `out`, rooted at what the C objects call and at the defined global
/// `linux64_*`/`linux_*` entry points, so the module carries only the code its entry points reach (as
/// the panic check sees it). Returns the number of roots.
fn rust_part(
    lld: &Path,
    common: &[String],
    objects: &[PathBuf],
    staticlib: &Path,
    out: &Path,
) -> Result<usize> {
    let nm = find_tool(&["llvm-nm", "llvm-nm-14"], "llvm")?;
    let mut roots = crate::panics::entry_points(staticlib)?;
    for o in objects {
        let undefined = output(Command::new(&nm).args(["--undefined-only", "--format=posix"]).arg(o))?;
        roots.extend(undefined.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string));
    }
    roots.sort();
    roots.dedup();
    let mut link = Command::new(lld);
    link.args(common).args(["-r", "--gc-sections"]);
    for r in &roots {
        link.arg(format!("--undefined={r}"));
    }
    link.arg("--whole-archive").arg(staticlib).arg("--no-whole-archive").arg("-o").arg(out);
    run(&mut link)?;
    Ok(roots.len())
}

/// Links the module of `arch` and runs check-kld on it (and on the C input objects), printing the result
/// and which FreeBSD release it was built for; true when it passed.
pub fn build_and_check(tools: &Tools, arch: Arch, staticlib: &Path, sysdir: Option<&Path>) -> bool {
    let linked = match build(tools, arch, staticlib, sysdir) {
        Ok(l) => l,
        Err(e) => {
            println!("error: {arch}: module link: {e}");
            return false;
        }
    };
    let inputs: Vec<&Path> = linked.objects.iter().map(PathBuf::as_path).collect();
    let (version, headers) = freebsd_version(sysdir);
    match crate::checkkld::check_file(&linked.ko, Some(arch), &inputs, tools) {
        Ok((_, findings)) => {
            let ok = crate::checkkld::report(&linked.ko, arch, &findings);
            println!(
                "xtask: {arch}: {} built for FreeBSD {}.x (__FreeBSD_version {version}, {headers})",
                linked.ko.display(),
                version / 100_000
            );
            if !linked.has_mi {
                let data = std::fs::read(&linked.ko).unwrap_or_default();
                let (kpi, mi) = match (crate::checkkld::kpi_names(arch), crate::checkkld::mi_names(arch)) {
                    (Ok(k), Ok(m)) => crate::checkkld::undefined_classes(&data, &k, &m),
                    _ => (0, 0),
                };
                println!(
                    "xtask: {arch}: linux64.ko cannot load yet: {mi} MI Linuxulator symbols (sys/compat/linux) are unresolved \
                     ({kpi} kernel exports are fine); link them in with `cargo xtask build --arch {arch} --sysdir /usr/src/sys` \
                     (or SYSDIR=<FreeBSD sys/ tree>)"
                );
            }
            ok
        }
        Err(e) => {
            println!("error: {arch}: check-kld: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_table_matches_the_syscall_table() {
        let files = generate(Arch::Ppc64);
        let get = |n: &str| files.iter().find(|(f, _)| *f == n).map(|(_, t)| t.clone()).expect(n);
        let header = get("linux_syscall.h");
        assert!(header.contains("#define\tLINUX_SYS_read\t3\n"));
        assert!(header.contains("#define\tLINUX_SYS_rt_sigreturn\t172\n"));
        assert!(header
            .contains(&format!("LINUX_SYS_MAXSYSCALL\t{}", arch_ppc64::syscall_table::PPC64_NR_MAX + 1)));
        let sysent = get("linux_sysent.c");
        assert_eq!(sysent.matches(".sy_call").count() as u32, arch_ppc64::syscall_table::PPC64_NR_MAX + 1);
        assert!(sysent.contains("(sy_call_t *)linux_write, .sy_auevent = 0, .sy_flags = 0, .sy_thrcnt = SY_THR_STATIC },\t/* 4 = write */"));
        assert!(sysent.contains("(sy_call_t *)nosys"));
        let names = get("linux_syscalls.c");
        assert!(names.contains("\"read\",\t\t\t/* 3 = read */"));
    }

    #[test]
    fn mi_symbols_come_from_the_generated_headers() {
        let dir = crate::util::TempDir::new("kmod-gen").unwrap();
        for (name, text) in generate(Arch::Ppc64) {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let syms = mi_symbols(dir.path()).unwrap();
        for s in ["linux_read", "linux_rt_sigreturn", "linux_execve", "bsd_to_linux_signal", "linux_on_exec"]
        {
            assert!(syms.iter().any(|x| x == s), "{s} missing");
        }
        assert!(!syms.iter().any(|x| x == "copyin" || x == "linux_sysent"));
    }

    #[test]
    fn zig_version_matches_freebsd_sys() {
        let b = std::fs::read_to_string(repo_root().join("crates/freebsd-sys/build.rs")).unwrap();
        assert!(b.contains("const ZIG_FREEBSD_VERSION: u32 = 1_500_000;"));
        assert_eq!(ZIG_FREEBSD_VERSION, 1_500_000);
    }
}
