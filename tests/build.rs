//! Extracts Linux's ABI from the Debian cross uapi headers of every architecture we support.
//!
//! For each architecture this writes two files into `OUT_DIR`:
//!
//! * `consts_<arch>.rs`: `CONSTANTS`, every object-like macro of the wrapper header (`wrappers/linux_*.h`)
//!   that evaluates to an integer, and `LAYOUTS`, `sizeof`/`alignof`/`offsetof` of the structures listed
//!   in [`COMMON_TYPES`], [`PPC64_TYPES`] and [`ARM64_TYPES`]. Both are evaluated by the *target* compiler
//!   (`clang --target=<triple> -c`, read back from the object file), so `_IOR('t', 19, struct termios)`
//!   gets the target's `sizeof`, `_IOC` layout and signedness.
//! * `bindings_<arch>.rs`: bindgen's Rust translation of those structures (its own layout tests are
//!   compile-time assertions), plus `bindgen_layouts()`, the same layout names measured on the Rust types,
//!   so the tests cross-check the two routes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One architecture: its name in the tables, clang triple, Debian package, wrapper header and type list.
struct Arch {
    name: &'static str,
    triple: &'static str,
    package: &'static str,
    wrapper: &'static str,
    types: &'static [Ty],
}

/// A type to measure: its C spelling, and each field as `c_path` or `c_path=rust_path` (bindgen names
/// anonymous members `__bindgen_anon_N`); a trailing `[]` marks a flexible array member (no `sizeof`). `rust: false` keeps a type out of the bindgen cross-check.
struct Ty {
    c: &'static str,
    rust: bool,
    fields: &'static [&'static str],
}

const fn ty(c: &'static str, fields: &'static [&'static str]) -> Ty {
    Ty { c, rust: true, fields }
}

const ARCHES: &[Arch] = &[
    Arch {
        name: "ppc64",
        triple: "powerpc64-linux-gnu",
        package: "linux-libc-dev-ppc64-cross",
        wrapper: "linux_ppc64.h",
        types: PPC64_TYPES,
    },
    Arch {
        name: "ppc64le",
        triple: "powerpc64le-linux-gnu",
        package: "linux-libc-dev-ppc64el-cross",
        wrapper: "linux_ppc64.h",
        types: PPC64_TYPES,
    },
    Arch {
        name: "arm64",
        triple: "aarch64-linux-gnu",
        package: "linux-libc-dev-arm64-cross",
        wrapper: "linux_arm64.h",
        types: ARM64_TYPES,
    },
];

/// Types every architecture has (their layout may still differ per architecture).
const COMMON_TYPES: &[Ty] = &[
    ty("stack_t", &["ss_sp", "ss_flags", "ss_size"]),
    ty("sigset_t", &[]),
    ty(
        "siginfo_t",
        &[
            "si_signo=__bindgen_anon_1.__bindgen_anon_1.si_signo",
            "si_errno=__bindgen_anon_1.__bindgen_anon_1.si_errno",
            "si_code=__bindgen_anon_1.__bindgen_anon_1.si_code",
            "_sifields=__bindgen_anon_1.__bindgen_anon_1._sifields",
            "_sifields._kill._pid=__bindgen_anon_1.__bindgen_anon_1._sifields._kill._pid",
            "_sifields._kill._uid=__bindgen_anon_1.__bindgen_anon_1._sifields._kill._uid",
            "_sifields._timer._tid=__bindgen_anon_1.__bindgen_anon_1._sifields._timer._tid",
            "_sifields._timer._overrun=__bindgen_anon_1.__bindgen_anon_1._sifields._timer._overrun",
            "_sifields._timer._sigval=__bindgen_anon_1.__bindgen_anon_1._sifields._timer._sigval",
            "_sifields._rt._sigval=__bindgen_anon_1.__bindgen_anon_1._sifields._rt._sigval",
            "_sifields._sigchld._status=__bindgen_anon_1.__bindgen_anon_1._sifields._sigchld._status",
            "_sifields._sigchld._utime=__bindgen_anon_1.__bindgen_anon_1._sifields._sigchld._utime",
            "_sifields._sigchld._stime=__bindgen_anon_1.__bindgen_anon_1._sifields._sigchld._stime",
            "_sifields._sigfault._addr=__bindgen_anon_1.__bindgen_anon_1._sifields._sigfault._addr",
            "_sifields._sigpoll._band=__bindgen_anon_1.__bindgen_anon_1._sifields._sigpoll._band",
            "_sifields._sigpoll._fd=__bindgen_anon_1.__bindgen_anon_1._sifields._sigpoll._fd",
            "_sifields._sigsys._call_addr=__bindgen_anon_1.__bindgen_anon_1._sifields._sigsys._call_addr",
            "_sifields._sigsys._syscall=__bindgen_anon_1.__bindgen_anon_1._sifields._sigsys._syscall",
            "_sifields._sigsys._arch=__bindgen_anon_1.__bindgen_anon_1._sifields._sigsys._arch",
        ],
    ),
    ty("struct sigaction", &["sa_handler", "sa_flags", "sa_restorer", "sa_mask"]),
    ty(
        "struct stat",
        &[
            "st_dev",
            "st_ino",
            "st_nlink",
            "st_mode",
            "st_uid",
            "st_gid",
            "st_rdev",
            "st_size",
            "st_blksize",
            "st_blocks",
            "st_atime",
            "st_atime_nsec",
            "st_mtime",
            "st_mtime_nsec",
            "st_ctime",
            "st_ctime_nsec",
        ],
    ),
    ty(
        "struct statx",
        &[
            "stx_mask",
            "stx_blksize",
            "stx_attributes",
            "stx_nlink",
            "stx_uid",
            "stx_gid",
            "stx_mode",
            "stx_ino",
            "stx_size",
            "stx_blocks",
            "stx_attributes_mask",
            "stx_atime",
            "stx_btime",
            "stx_ctime",
            "stx_mtime",
            "stx_rdev_major",
            "stx_rdev_minor",
            "stx_dev_major",
            "stx_dev_minor",
            "stx_mnt_id",
        ],
    ),
    ty("struct statx_timestamp", &["tv_sec", "tv_nsec"]),
    ty("struct winsize", &["ws_row", "ws_col", "ws_xpixel", "ws_ypixel"]),
    ty("struct termio", &["c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc"]),
    ty("struct timespec", &["tv_sec", "tv_nsec"]),
    ty("struct __kernel_timespec", &["tv_sec", "tv_nsec"]),
    ty("struct timeval", &["tv_sec", "tv_usec"]),
    ty("struct timezone", &["tz_minuteswest", "tz_dsttime"]),
    ty("struct itimerspec", &["it_interval", "it_value"]),
    ty("struct itimerval", &["it_interval", "it_value"]),
    ty("struct tms", &["tms_utime", "tms_stime", "tms_cutime", "tms_cstime"]),
    ty(
        "struct rusage",
        &["ru_utime", "ru_stime", "ru_maxrss", "ru_minflt", "ru_majflt", "ru_nvcsw", "ru_nivcsw"],
    ),
    ty("struct rlimit", &["rlim_cur", "rlim_max"]),
    ty("struct rlimit64", &["rlim_cur", "rlim_max"]),
    ty("struct new_utsname", &["sysname", "nodename", "release", "version", "machine", "domainname"]),
    ty("struct flock", &["l_type", "l_whence", "l_start", "l_len", "l_pid"]),
    ty("struct pollfd", &["fd", "events", "revents"]),
    ty("struct epoll_event", &["events", "data"]),
    ty("struct iovec", &["iov_base", "iov_len"]),
    ty(
        "struct sysinfo",
        &[
            "uptime",
            "loads",
            "totalram",
            "freeram",
            "sharedram",
            "bufferram",
            "totalswap",
            "freeswap",
            "procs",
            "totalhigh",
            "freehigh",
            "mem_unit",
        ],
    ),
    ty(
        "struct clone_args",
        &[
            "flags",
            "pidfd",
            "child_tid",
            "parent_tid",
            "exit_signal",
            "stack",
            "stack_size",
            "tls",
            "set_tid",
            "set_tid_size",
            "cgroup",
        ],
    ),
    ty("struct robust_list_head", &["list", "futex_offset", "list_op_pending"]),
    ty("struct rseq", &["cpu_id_start", "cpu_id", "rseq_cs", "flags"]),
    ty("struct open_how", &["flags", "mode", "resolve"]),
    ty(
        "struct signalfd_siginfo",
        &["ssi_signo", "ssi_errno", "ssi_code", "ssi_pid", "ssi_uid", "ssi_fd", "ssi_addr", "ssi_syscall"],
    ),
    ty("struct inotify_event", &["wd", "mask", "cookie", "len", "name[]"]),
    ty("struct __user_cap_header_struct", &["version", "pid"]),
    ty("struct __user_cap_data_struct", &["effective", "permitted", "inheritable"]),
    ty("struct seccomp_data", &["nr", "arch", "instruction_pointer", "args"]),
    ty(
        "Elf64_Ehdr",
        &[
            "e_ident",
            "e_type",
            "e_machine",
            "e_version",
            "e_entry",
            "e_phoff",
            "e_shoff",
            "e_flags",
            "e_ehsize",
            "e_phentsize",
            "e_phnum",
            "e_shentsize",
            "e_shnum",
            "e_shstrndx",
        ],
    ),
    ty(
        "Elf64_Phdr",
        &["p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_align"],
    ),
    ty(
        "Elf64_Shdr",
        &[
            "sh_name",
            "sh_type",
            "sh_flags",
            "sh_addr",
            "sh_offset",
            "sh_size",
            "sh_link",
            "sh_info",
            "sh_addralign",
            "sh_entsize",
        ],
    ),
    ty("Elf64_Sym", &["st_name", "st_info", "st_other", "st_shndx", "st_value", "st_size"]),
    ty("Elf64_Dyn", &["d_tag", "d_un"]),
    ty("Elf64_Rela", &["r_offset", "r_info", "r_addend"]),
    ty("Elf64_Nhdr", &["n_namesz", "n_descsz", "n_type"]),
];

/// Linux/powerpc64 (both byte orders): the common types plus these.
const PPC64_TYPES: &[Ty] = &[
    ty(
        "struct pt_regs",
        &[
            "gpr",
            "nip",
            "msr",
            "orig_gpr3",
            "ctr",
            "link",
            "xer",
            "ccr",
            "softe",
            "trap",
            "dar",
            "dsisr",
            "result",
        ],
    ),
    ty(
        "struct sigcontext",
        &[
            "_unused",
            "signal",
            "_pad0",
            "handler",
            "oldmask",
            "regs",
            "gp_regs",
            "fp_regs",
            "v_regs",
            "vmx_reserve",
        ],
    ),
    ty("struct ucontext", &["uc_flags", "uc_link", "uc_stack", "uc_sigmask", "__unused", "uc_mcontext"]),
    ty(
        "struct termios",
        &["c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_cc", "c_line", "c_ispeed", "c_ospeed"],
    ),
    ty("elf_gregset_t", &[]),
    ty("elf_fpregset_t", &[]),
    ty("elf_vrreg_t", &[]),
    ty("elf_vrregset_t", &[]),
];

/// Linux/arm64: the common types plus these.
const ARM64_TYPES: &[Ty] = &[
    ty("struct user_pt_regs", &["regs", "sp", "pc", "pstate"]),
    ty("struct user_fpsimd_state", &["vregs", "fpsr", "fpcr", "__reserved"]),
    ty("struct sigcontext", &["fault_address", "regs", "sp", "pc", "pstate", "__reserved"]),
    ty("struct _aarch64_ctx", &["magic", "size"]),
    ty("struct fpsimd_context", &["head", "fpsr", "fpcr", "vregs"]),
    ty("struct esr_context", &["head", "esr"]),
    ty("struct extra_context", &["head", "datap", "size", "__reserved"]),
    ty("struct sve_context", &["head", "vl", "flags", "__reserved"]),
    ty("struct za_context", &["head", "vl", "__reserved"]),
    ty("struct ucontext", &["uc_flags", "uc_link", "uc_stack", "uc_sigmask", "__unused", "uc_mcontext"]),
    ty("struct termios", &["c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc"]),
    ty(
        "struct termios2",
        &["c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc", "c_ispeed", "c_ospeed"],
    ),
];

/// A value to evaluate with the target compiler: its table name and C expression.
#[derive(Clone)]
struct Candidate {
    name: String,
    expr: String,
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let wrappers = manifest.join("wrappers");
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".to_owned());
    let root = uapi_root();

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=wrappers");
    for entry in std::fs::read_dir(&wrappers).expect("tests/wrappers") {
        println!("cargo:rerun-if-changed={}", entry.expect("wrappers entry").path().display());
    }
    println!("cargo:rerun-if-env-changed=CLANG");
    println!("cargo:rerun-if-env-changed=ABI_UAPI_ROOT");

    for arch in ARCHES {
        let include = include_dir(&root, arch);
        let probe = include.join("asm/unistd.h");
        println!("cargo:rerun-if-changed={}", include.join("linux/version.h").display());
        if !probe.exists() {
            fail(&format!(
                "Linux uapi headers for {} are missing ({} not found): install the Debian package {} \
                 (`cargo xtask test` installs it)",
                arch.name,
                probe.display(),
                arch.package
            ));
        }
    }

    // The target-compiler step is independent per architecture: run the three at once.
    let results: Vec<(String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = ARCHES
            .iter()
            .map(|arch| {
                let (clang, wrappers, out) = (&clang, &wrappers, &out);
                s.spawn(move || constants_for(arch, clang, wrappers, out))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| fail("constant extraction panicked")))
            .collect()
    });
    for (arch, (consts, layouts)) in ARCHES.iter().zip(results) {
        let mut text = String::new();
        text.push_str("// @generated by tests/build.rs from the Linux uapi headers; do not edit.\n");
        text.push_str(&consts);
        text.push_str(&layouts);
        write(&out.join(format!("consts_{}.rs", arch.name)), &text);
    }

    // bindgen (libclang) runs on this thread, one architecture after the other.
    for arch in ARCHES {
        bindings_for(arch, &wrappers, &out);
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: abi-conformance: {msg}");
    std::process::exit(1);
}

fn write(path: &Path, text: &str) {
    // Only touch the file when its contents change, so dependents are not rebuilt needlessly.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
    }
}

/// Where the Debian cross headers live: `$ABI_UAPI_ROOT/<triple>/include`, `/usr` by default.
fn uapi_root() -> PathBuf {
    std::env::var_os("ABI_UAPI_ROOT").map_or_else(|| PathBuf::from("/usr"), PathBuf::from)
}

fn include_dir(root: &Path, arch: &Arch) -> PathBuf {
    root.join(arch.triple).join("include")
}

fn clang_base(clang: &str, arch: &Arch, wrappers: &Path) -> Command {
    let mut cmd = Command::new(clang);
    cmd.arg(format!("--target={}", arch.triple))
        .arg("-nostdinc")
        .arg("-I")
        .arg(include_dir(&uapi_root(), arch))
        .arg("-I")
        .arg(wrappers);
    cmd
}

fn run(mut cmd: Command, what: &str) -> std::process::Output {
    cmd.output().unwrap_or_else(|e| {
        fail(&format!("cannot run {:?} for {what}: {e} (set CLANG to the clang binary)", cmd.get_program()))
    })
}

/// Names of the object-like macros with a non-empty body that `-E -dM` prints for `source`.
fn macro_names(clang: &str, arch: &Arch, wrappers: &Path, source: &Path) -> BTreeSet<String> {
    let mut cmd = clang_base(clang, arch, wrappers);
    cmd.args(["-E", "-dM", "-x", "c"]).arg(source);
    let output = run(cmd, "listing macros");
    if !output.status.success() {
        fail(&format!("clang -E -dM for {} failed:\n{}", arch.name, String::from_utf8_lossy(&output.stderr)));
    }
    let mut names = BTreeSet::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Some(rest) = line.strip_prefix("#define ") else {
            continue;
        };
        let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let (name, body) = rest.split_at(end);
        // Function-like macros have '(' right after the name; include guards have no body.
        if name.is_empty() || body.starts_with('(') || body.trim().is_empty() {
            continue;
        }
        names.insert(name.to_owned());
    }
    names
}

/// Evaluates every macro of the arch's wrapper and the layout expressions with the target compiler.
/// Returns the Rust text of `CONSTANTS` and of `LAYOUTS`.
fn constants_for(arch: &Arch, clang: &str, wrappers: &Path, out: &Path) -> (String, String) {
    let work = out.join(format!("cc_{}", arch.name));
    std::fs::create_dir_all(&work).unwrap_or_else(|e| fail(&format!("creating {}: {e}", work.display())));
    let empty = work.join("empty.h");
    write(&empty, "");
    let predefined = macro_names(clang, arch, wrappers, &empty);
    let macros: Vec<Candidate> = macro_names(clang, arch, wrappers, &wrappers.join(arch.wrapper))
        .difference(&predefined)
        .map(|name| Candidate { name: name.clone(), expr: name.clone() })
        .collect();

    let values = evaluate(arch, clang, wrappers, &work, macros.clone());
    // For whoever wonders why a macro is absent from CONSTANTS: the ones that are not integers.
    let skipped: String =
        macros.iter().filter(|c| !values.contains_key(&c.name)).map(|c| format!("{}\n", c.name)).collect();
    write(&work.join("not_integers.txt"), &skipped);
    let layout_cands = layout_candidates(arch);
    let layout_values = evaluate(arch, clang, wrappers, &work, layout_cands.clone());
    let missing: Vec<&str> = layout_cands
        .iter()
        .filter(|c| !layout_values.contains_key(&c.name))
        .map(|c| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        fail(&format!(
            "these layout expressions do not compile for {} (fix the type lists in tests/build.rs): {}",
            arch.name,
            missing.join(", ")
        ));
    }

    let table = |name: &str, doc: &str, values: &BTreeMap<String, i128>| {
        let mut s = format!("/// {doc}\npub const {name}: &[(&str, i128)] = &[\n");
        for (k, v) in values {
            let _ = writeln!(s, "    ({k:?}, {v}),");
        }
        s.push_str("];\n");
        s
    };
    (
        table(
            "CONSTANTS",
            "Every integer-valued object-like macro of the uapi wrapper header, as the target compiler \
             evaluates it, sorted by name.",
            &values,
        ),
        table(
            "LAYOUTS",
            "`sizeof`/`alignof`/`offsetof` of the listed uapi types, by the target compiler, sorted by name.",
            &layout_values,
        ),
    )
}

/// The layout names and C expressions of an architecture's type list.
fn layout_candidates(arch: &Arch) -> Vec<Candidate> {
    let mut v = Vec::new();
    for t in COMMON_TYPES.iter().chain(arch.types) {
        let c = t.c;
        v.push(Candidate { name: format!("sizeof({c})"), expr: format!("sizeof({c})") });
        v.push(Candidate { name: format!("alignof({c})"), expr: format!("_Alignof({c})") });
        for f in t.fields {
            let (cf, flexible) = field_path(f.split('=').next().unwrap_or(f));
            v.push(Candidate {
                name: format!("offsetof({c}, {cf})"),
                expr: format!("__builtin_offsetof({c}, {cf})"),
            });
            if flexible {
                continue;
            }
            v.push(Candidate {
                name: format!("sizeof({c}.{cf})"),
                expr: format!("sizeof(((({c} *)0)->{cf}))"),
            });
        }
    }
    v
}

/// Compiles `cands` for the target and reads their values back; candidates that do not compile, or whose
/// value is an address (a relocation), are left out.
fn evaluate(
    arch: &Arch,
    clang: &str,
    wrappers: &Path,
    work: &Path,
    cands: Vec<Candidate>,
) -> BTreeMap<String, i128> {
    let mut values = BTreeMap::new();
    let mut pending = cands;
    // Error recovery can blame a good line next to a bad one: retry the rejected lines on their own until
    // a round keeps nothing.
    loop {
        let (kept, rejected) = compiling_subset(arch, clang, wrappers, work, pending);
        if kept.is_empty() {
            break;
        }
        for (name, v) in read_values(arch, clang, wrappers, work, &kept) {
            values.insert(name, v);
        }
        if rejected.is_empty() {
            break;
        }
        pending = rejected;
    }
    values
}

fn source_for(arch: &Arch, cands: &[Candidate]) -> String {
    let mut s = format!("#include \"{}\"\n", arch.wrapper);
    for (i, c) in cands.iter().enumerate() {
        // Line i + 2 holds candidate i. The second word says whether the value is negative, so that
        // values above i64::MAX and negative ones both come back exactly.
        let e = &c.expr;
        let _ = writeln!(
            s,
            "__attribute__((__used__)) const unsigned long long cv_{i}[2] = {{ (unsigned long long)({e}), ({e}) < 0 }};"
        );
    }
    s
}

fn compile(
    arch: &Arch,
    clang: &str,
    wrappers: &Path,
    work: &Path,
    cands: &[Candidate],
) -> (bool, String, PathBuf) {
    let src = work.join("values.c");
    let obj = work.join("values.o");
    write(&src, &source_for(arch, cands));
    let mut cmd = clang_base(clang, arch, wrappers);
    cmd.args(["-c", "-O0", "-w", "-ferror-limit=0", "-fno-color-diagnostics", "-fno-caret-diagnostics"])
        .arg(&src)
        .arg("-o")
        .arg(&obj);
    let output = run(cmd, "evaluating constants");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned(), obj)
}

/// Splits `cands` into those that compile together and those that do not.
fn compiling_subset(
    arch: &Arch,
    clang: &str,
    wrappers: &Path,
    work: &Path,
    cands: Vec<Candidate>,
) -> (Vec<Candidate>, Vec<Candidate>) {
    let mut kept = cands;
    let mut rejected = Vec::new();
    loop {
        if kept.is_empty() {
            return (kept, rejected);
        }
        let (ok, stderr, _) = compile(arch, clang, wrappers, work, &kept);
        if ok {
            return (kept, rejected);
        }
        // Errors are reported at the line of the generated file that expands the macro.
        let bad: BTreeSet<usize> = stderr
            .lines()
            .filter(|l| l.contains("error:"))
            .filter_map(|l| {
                let rest = l.split("values.c:").nth(1)?;
                let line: usize = rest.split(':').next()?.parse().ok()?;
                line.checked_sub(2).filter(|&i| i < kept.len())
            })
            .collect();
        if bad.is_empty() {
            // An error we cannot place: bisect.
            if kept.len() == 1 {
                rejected.append(&mut kept);
                return (kept, rejected);
            }
            let second = kept.split_off(kept.len() / 2);
            let (mut k1, mut r1) = compiling_subset(arch, clang, wrappers, work, kept);
            let (mut k2, mut r2) = compiling_subset(arch, clang, wrappers, work, second);
            k1.append(&mut k2);
            rejected.append(&mut r1);
            rejected.append(&mut r2);
            // The halves compile separately; make sure they also compile together.
            let (k, mut r) = compiling_subset(arch, clang, wrappers, work, k1);
            rejected.append(&mut r);
            return (k, rejected);
        }
        let mut next = Vec::with_capacity(kept.len());
        for (i, c) in kept.into_iter().enumerate() {
            if bad.contains(&i) {
                rejected.push(c);
            } else {
                next.push(c);
            }
        }
        kept = next;
    }
}

/// Compiles `cands` (which must compile) and reads `cv_<i>` back from the object file.
fn read_values(
    arch: &Arch,
    clang: &str,
    wrappers: &Path,
    work: &Path,
    cands: &[Candidate],
) -> Vec<(String, i128)> {
    use object::{Object, ObjectSection, ObjectSymbol};

    let (ok, stderr, obj) = compile(arch, clang, wrappers, work, cands);
    if !ok {
        fail(&format!("clang failed on a set that compiled before for {}:\n{stderr}", arch.name));
    }
    let data = std::fs::read(&obj).unwrap_or_else(|e| fail(&format!("reading {}: {e}", obj.display())));
    let file =
        object::File::parse(&*data).unwrap_or_else(|e| fail(&format!("parsing {}: {e}", obj.display())));
    let little = file.is_little_endian();
    let mut out = Vec::new();
    for sym in file.symbols() {
        let Ok(name) = sym.name() else { continue };
        let Some(Ok(index)) = name.strip_prefix("cv_").map(str::parse::<usize>) else {
            continue;
        };
        let Some(cand) = cands.get(index) else {
            continue;
        };
        let Some(sec_index) = sym.section_index() else {
            continue;
        };
        let Ok(section) = file.section_by_index(sec_index) else {
            continue;
        };
        let Ok(bytes) = section.data() else { continue };
        let start = (sym.address() - section.address()) as usize;
        let end = start + 16;
        // A relocation in the value means it is an address (a string or a pointer), not a number.
        if section.relocations().any(|(off, _)| (start..end).contains(&(off as usize))) {
            continue;
        }
        let Some(raw) = bytes.get(start..end) else {
            continue;
        };
        let word = |b: &[u8]| {
            let a: [u8; 8] = b.try_into().expect("8 bytes");
            if little {
                u64::from_le_bytes(a)
            } else {
                u64::from_be_bytes(a)
            }
        };
        let (value, negative) = (word(&raw[..8]), word(&raw[8..]) != 0);
        let v = if negative { value as i64 as i128 } else { value as i128 };
        out.push((cand.name.clone(), v));
    }
    out
}

/// Runs bindgen over the wrapper for `arch` and writes `bindings_<arch>.rs` with the types and
/// `bindgen_layouts()`.
fn bindings_for(arch: &Arch, wrappers: &Path, out: &Path) {
    let types: Vec<&Ty> = COMMON_TYPES.iter().chain(arch.types).filter(|t| t.rust).collect();
    let mut builder = bindgen::Builder::default()
        .header(wrappers.join(arch.wrapper).to_string_lossy())
        .clang_args([
            format!("--target={}", arch.triple),
            "-nostdinc".to_owned(),
            format!("-I{}", include_dir(&uapi_root(), arch).display()),
            format!("-I{}", wrappers.display()),
        ])
        .use_core()
        .ctypes_prefix("::core::ffi")
        .generate_comments(false)
        .layout_tests(true)
        .derive_default(false)
        .derive_debug(false)
        .derive_copy(true)
        .allowlist_recursively(true)
        .wrap_unsafe_ops(true)
        .formatter(bindgen::Formatter::Prettyplease);
    for t in &types {
        builder = builder.allowlist_type(rust_name(t.c));
    }
    let bindings = builder
        .generate()
        .unwrap_or_else(|e| fail(&format!("bindgen failed for {}: {e}", arch.name)))
        .to_string();

    let mut text = String::new();
    text.push_str("// @generated by tests/build.rs (bindgen) from the Linux uapi headers; do not edit.\n");
    text.push_str("/// The uapi types as bindgen translates them for this architecture.\n");
    text.push_str(
        "#[allow(non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code, missing_docs, \
         unnecessary_transmutes, clippy::all, clippy::undocumented_unsafe_blocks, \
         clippy::missing_safety_doc)]\npub mod types {\n",
    );
    text.push_str(&bindings);
    text.push_str("\n}\n\n");
    text.push_str(
        "/// The `LAYOUTS` names measured on the bindgen types, to cross-check them with the target compiler.\n\
         pub fn bindgen_layouts() -> ::std::vec::Vec<(&'static str, usize)> {\n\
         \x20   #[allow(unused_imports)]\n    use types::*;\n    use ::core::mem::{align_of, offset_of, size_of};\n\
         \x20   fn field_size<T, F>(_: fn(&T) -> &F) -> usize {\n        size_of::<F>()\n    }\n    vec![\n",
    );
    for t in &types {
        let (c, r) = (t.c, rust_name(t.c));
        let _ = writeln!(text, "        ({:?}, size_of::<{r}>()),", format!("sizeof({c})"));
        let _ = writeln!(text, "        ({:?}, align_of::<{r}>()),", format!("alignof({c})"));
        for f in t.fields {
            let (cf, rf) = f.split_once('=').unwrap_or((f, f));
            let ((cf, flexible), (rf, _)) = (field_path(cf), field_path(rf));
            let _ = writeln!(text, "        ({:?}, offset_of!({r}, {rf})),", format!("offsetof({c}, {cf})"));
            // Fields reached through anonymous unions need `unsafe` to borrow: measure direct ones only.
            if !rf.contains('.') && !flexible {
                let _ = writeln!(
                    text,
                    "        ({:?}, field_size(|s: &{r}| &s.{rf})),",
                    format!("sizeof({c}.{cf})")
                );
            }
        }
    }
    text.push_str("    ]\n}\n");
    write(&out.join(format!("bindings_{}.rs", arch.name)), &text);
}

/// The Rust name bindgen gives a C type: `struct x` -> `x`, a typedef keeps its name.
fn rust_name(c: &str) -> &str {
    c.strip_prefix("struct ").or_else(|| c.strip_prefix("union ")).unwrap_or(c)
}

/// A field path without its flexible-array marker, and whether it had one.
fn field_path(f: &str) -> (&str, bool) {
    match f.strip_suffix("[]") {
        Some(p) => (p, true),
        None => (f, false),
    }
}
