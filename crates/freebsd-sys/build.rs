//! Generates the FreeBSD kernel bindings of every architecture the module is built for.
//!
//! For each of powerpc64, powerpc64le and aarch64 this writes into `OUT_DIR/<arch>/`:
//!
//! * `bindings.rs`: bindgen's translation (`use_core`, so `no_std`) of the KPI types the module uses
//!   ([`TYPES`]) and of the kernel exports listed in `kpi.txt` (functions and data); `struct thread`,
//!   `struct proc` and the other structures whose layout depends on kernel options are opaque (the glue
//!   reaches their fields through C accessors compiled against the same headers);
//! * `layouts.rs`: `C_LAYOUTS`, `sizeof`/`offsetof` of every field in [`LAYOUTS`] as the *target* C
//!   compiler computes them (clang `-c`, values read back from the object file), and `RUST_LAYOUTS`, the
//!   same names measured on the bindgen types, for the layout tests.
//!
//! Headers, in order: a FreeBSD source tree (`FREEBSD_SYSDIR`, a `sys/` directory: `cargo xtask build
//! --sysdir`), else the FreeBSD headers of the PyPI `ziglang` package (`FREEBSD_ZIG_INCLUDE`, default
//! `<workspace>/target/ziglang-<version>/include`, which `cargo xtask` installs). `__FreeBSD_version` is
//! defined explicitly (`FREEBSD_VERSION`, else the source tree's `sys/param.h`, else the release the
//! ziglang headers describe) and exported as `freebsd_sys::FREEBSD_VERSION`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The ziglang release whose headers are used without a source tree (keep equal to xtask's
/// `deps::ZIGLANG_VERSION`).
const ZIGLANG_VERSION: &str = "0.17.1";
/// The FreeBSD release the ziglang headers describe, and the `__FreeBSD_version` modules built from them
/// declare (the kernel loads a module whose version is in `[v, roundup(v, 100000) - 1]`: any 15.x).
const ZIG_FREEBSD_RELEASE: &str = "15.0";
const ZIG_FREEBSD_VERSION: u32 = 1_500_000;

/// One architecture: module name, clang triple, ziglang machine directory, source-tree machine directory.
struct Arch {
    name: &'static str,
    triple: &'static str,
    zig_machine: &'static str,
    src_machine: &'static str,
}

const ARCHES: &[Arch] = &[
    Arch {
        name: "powerpc64",
        triple: "powerpc64-unknown-freebsd15.0",
        zig_machine: "powerpc64-freebsd-none",
        src_machine: "powerpc",
    },
    Arch {
        name: "powerpc64le",
        triple: "powerpc64le-unknown-freebsd15.0",
        zig_machine: "powerpc64-freebsd-none",
        src_machine: "powerpc",
    },
    Arch {
        name: "aarch64",
        triple: "aarch64-unknown-freebsd15.0",
        zig_machine: "aarch64-freebsd-none",
        src_machine: "arm64",
    },
];

/// Types bindgen generates (and whatever they reach, minus [`OPAQUE`]).
const TYPES: &[&str] = &[
    "sysentvec",
    "sysent",
    "syscall_args",
    "image_params",
    "Elf64_Brandinfo",
    "Elf64_Auxinfo",
    "trapframe",
    "ksiginfo",
    "ksiginfo_t",
    "__sigset",
    "sigset_t",
    "stack_t",
    "sigacts",
    "vdso_timekeep",
    "vdso_timehands",
    "pcb",
    "moduledata",
    "moduledata_t",
    "modeventtype",
    "modeventhand_t",
    "module_t",
    "malloc_type",
    "mod_depend",
    "mod_version",
    "mod_metadata",
    "sysinit",
    "ps_strings",
    "Elf_Brandnote",
    "Elf64_Ehdr",
];

/// Structures whose layout depends on kernel options or that the module never looks into: opaque blobs
/// of the right size and alignment, without fields (the glue reaches fields through C accessors).
const OPAQUE: &[&str] = &[
    "thread",
    "proc",
    "vmspace",
    "vm_object",
    "vm_map",
    "pmap",
    "ucred",
    "vnode",
    "sysctl_req",
    "uio",
    "pgrp",
    "session",
    "filedesc",
    "prison",
    "rusage_ext",
    "ktr_request",
    "td_sched",
    "sleepqueue",
    "turnstile",
    "kaudit_record",
    "cpuset",
    "kq_timer_cb_data",
    "file",
    "mqueue_notifier",
    "kevent",
];

/// Layouts checked against the C compiler: (C type, bindgen type, [(C field, bindgen field path)]); a C
/// field alone means the same name on both sides. `*` marks a powerpc-only or aarch64-only entry.
type Layout = (&'static str, &'static str, &'static [&'static str]);

const COMMON_LAYOUTS: &[Layout] = &[
    (
        "struct sysentvec",
        "sysentvec",
        &[
            "sv_size",
            "sv_table",
            "sv_fixup",
            "sv_sendsig",
            "sv_sigcode",
            "sv_szsigcode",
            "sv_name",
            "sv_coredump",
            "sv_elf_core_osabi",
            "sv_elf_core_abi_vendor",
            "sv_elf_core_prepare_notes",
            "sv_minsigstksz",
            "sv_minuser",
            "sv_maxuser",
            "sv_usrstack",
            "sv_psstrings",
            "sv_psstringssz",
            "sv_stackprot",
            "sv_copyout_auxargs",
            "sv_copyout_strings",
            "sv_setregs",
            "sv_fixlimit",
            "sv_maxssiz",
            "sv_flags",
            "sv_set_syscall_retval",
            "sv_fetch_syscall_args",
            "sv_syscallnames",
            "sv_timekeep_offset",
            "sv_shared_page_base",
            "sv_shared_page_len",
            "sv_sigcode_offset",
            "sv_shared_page_obj",
            "sv_vdso_offset",
            "sv_schedtail",
            "sv_thread_detach",
            "sv_trap",
            "sv_hwcap",
            "sv_hwcap2",
            "sv_hwcap3",
            "sv_hwcap4",
            "sv_machine_arch",
            "sv_fxrng_gen_offset",
            "sv_onexec_old",
            "sv_onexec",
            "sv_onexit",
            "sv_ontdexit",
            "sv_setid_allowed",
            "sv_set_fork_retval",
            "sv_regset_begin",
            "sv_regset_end",
        ],
    ),
    (
        "struct sysent",
        "sysent",
        &[
            "sy_call",
            "sy_systrace_args_func",
            "sy_narg",
            "sy_auevent",
            "sy_entry",
            "sy_return",
            "sy_flags",
            "sy_thrcnt",
        ],
    ),
    ("struct syscall_args", "syscall_args", &["code", "original_code", "callp", "args"]),
    (
        "struct image_params",
        "image_params",
        &[
            "proc=proc_",
            "execpath",
            "entry_addr",
            "reloc_base",
            "auxargs",
            "interpreted",
            "ps_strings",
            "sysent",
            "stack_sz",
            "canary",
            "pagesizes",
            "execpathp",
            "imgp_flags",
        ],
    ),
    (
        "Elf64_Brandinfo",
        "Elf64_Brandinfo",
        &[
            "brand",
            "machine",
            "compat_3_brand",
            "interp_path",
            "sysvec",
            "interp_newpath",
            "flags",
            "brand_note",
            "header_supported",
        ],
    ),
    ("Elf64_Auxinfo", "Elf64_Auxinfo", &["a_type", "a_un"]),
    ("struct ksiginfo", "ksiginfo", &["ksi_link", "ksi_info", "ksi_flags", "ksi_sigq"]),
    (
        "siginfo_t",
        "siginfo_t",
        &[
            "si_signo",
            "si_errno",
            "si_code",
            "si_pid",
            "si_uid",
            "si_status",
            "si_addr",
            "si_value",
            "_reason",
        ],
    ),
    ("sigset_t", "sigset_t", &["__bits"]),
    ("stack_t", "stack_t", &["ss_sp", "ss_size", "ss_flags"]),
    ("struct vdso_timekeep", "vdso_timekeep", &["tk_ver", "tk_enabled", "tk_current", "tk_th[]"]),
    (
        "struct vdso_timehands",
        "vdso_timehands",
        &["th_algo", "th_gen", "th_scale", "th_offset_count", "th_counter_mask", "th_offset", "th_boottime"],
    ),
    ("struct moduledata", "moduledata", &["name", "evhand", "priv_"]),
    ("struct malloc_type", "malloc_type", &["ks_next", "ks_version", "ks_shortdesc"]),
    ("struct mod_metadata", "mod_metadata", &["md_version", "md_type", "md_data", "md_cval"]),
    ("struct mod_depend", "mod_depend", &["md_ver_minimum", "md_ver_preferred", "md_ver_maximum"]),
    ("struct sysinit", "sysinit", &["subsystem", "order", "func", "udata"]),
    ("struct ps_strings", "ps_strings", &["ps_argvstr", "ps_nargvstr", "ps_envstr", "ps_nenvstr"]),
    ("Elf_Brandnote", "Elf_Brandnote", &["hdr", "vendor", "flags", "trans_osrel"]),
    ("Elf64_Ehdr", "Elf64_Ehdr", &["e_ident", "e_machine", "e_flags"]),
];

const PPC_LAYOUTS: &[Layout] = &[
    (
        "struct trapframe",
        "trapframe",
        &[
            "fixreg",
            "lr",
            "cr",
            "xer",
            "ctr",
            "srr0",
            "srr1",
            "exc",
            "dar",
            "cpu",
            "cpu.aim.dsisr",
            "cpu.booke.esr",
            "cpu.booke.dbcr0",
        ],
    ),
    (
        "struct pcb",
        "pcb",
        &[
            "pcb_flags",
            "pcb_fpu",
            "pcb_fpu.fpr",
            "pcb_fpu.fpscr",
            "pcb_vec",
            "pcb_vec.vr",
            "pcb_vec.vrsave",
            "pcb_vec.vscr",
        ],
    ),
];

const ARM64_LAYOUTS: &[Layout] = &[
    ("struct trapframe", "trapframe", &["tf_sp", "tf_lr", "tf_elr", "tf_spsr", "tf_esr", "tf_far", "tf_x"]),
    (
        "struct pcb",
        "pcb",
        &[
            "pcb_x",
            "pcb_sp",
            "pcb_tpidr_el0",
            "pcb_tpidrro_el0",
            "pcb_fpflags",
            "pcb_fpusaved",
            "pcb_fpustate",
        ],
    ),
];

/// Macros the module uses, evaluated by the target C compiler and exported as `u64` constants in each
/// architecture's `kconst` module (a second column restricts an entry to arches starting with it).
const CONSTS: &[&str] = &[
    "PAGE_SIZE",
    "VM_MIN_ADDRESS",
    "VM_MAXUSER_ADDRESS",
    "SHAREDPAGE",
    "USRSTACK",
    "SV_ABI_LINUX",
    "SV_LP64",
    "SV_SHP",
    "SV_TIMEKEEP",
    "SV_SIG_DISCIGN",
    "SV_SIG_WAITNDQ",
    "SV_DSO_SIG",
    "SV_ASLR",
    "ELFOSABI_LINUX",
    "ELFOSABI_NONE",
    "EM_PPC64",
    "EM_AARCH64",
    "BI_CAN_EXEC_DYN",
    "BI_BRAND_NOTE",
    "BN_TRANSLATE_OSREL",
    "NT_GNU_ABI_TAG",
    "M_WAITOK",
    "M_NOWAIT",
    "M_ZERO",
    "MOD_LOAD",
    "MOD_UNLOAD",
    "MOD_SHUTDOWN",
    "MOD_QUIESCE",
    "EBUSY",
    "EINVAL",
    "EPERM",
    "EFAULT",
    "ENOSYS",
    "EJUSTRETURN",
    "ERESTART",
    "SIGSEGV",
    "SIGILL",
    "SIGBUS",
    "SIGFPE",
    "SIGTRAP",
    "SIG_SETMASK",
    "SS_ONSTACK",
    "SS_DISABLE",
    "SI_USER",
    "SI_QUEUE",
    "SI_TIMER",
    "SI_ASYNCIO",
    "SI_MESGQ",
    "SI_KERNEL",
    "SI_LWP",
    "VM_PROT_READ",
    "VM_PROT_WRITE",
    "VM_PROT_EXECUTE",
    "PSL_FP powerpc",
    "PSL_VEC powerpc",
    "PSL_VSX powerpc",
    "PCB_FPU powerpc",
    "PCB_FPREGS powerpc",
    "PCB_VEC powerpc",
    "PCB_VECREGS powerpc",
    "PCB_VSX powerpc",
];

/// The [`CONSTS`] names that apply to `arch`.
fn consts_of(arch: &Arch) -> Vec<&'static str> {
    CONSTS
        .iter()
        .filter_map(|c| match c.split_once(' ') {
            Some((name, only)) => arch.name.starts_with(only).then_some(name),
            None => Some(*c),
        })
        .collect()
}

fn fail(msg: &str) -> ! {
    eprintln!("error: freebsd-sys: {msg}");
    std::process::exit(1);
}

fn workspace_root(manifest: &Path) -> PathBuf {
    manifest.ancestors().nth(2).map_or_else(|| manifest.to_path_buf(), Path::to_path_buf)
}

/// Where the headers come from.
enum Headers {
    /// A FreeBSD `sys/` source tree.
    SysDir(PathBuf),
    /// ziglang's `lib/libc/include`.
    Zig(PathBuf),
}

impl Headers {
    fn describe(&self) -> String {
        match self {
            Headers::SysDir(p) => format!("FreeBSD source tree {}", p.display()),
            Headers::Zig(p) => {
                format!("ziglang {ZIGLANG_VERSION} FreeBSD {ZIG_FREEBSD_RELEASE} headers ({})", p.display())
            }
        }
    }

    /// `-I` arguments for `arch`; `scratch` holds the `machine` link of a source tree.
    fn includes(&self, arch: &Arch, scratch: &Path) -> Vec<String> {
        match self {
            Headers::SysDir(sys) => {
                // A kernel build links machine/ to <arch>/include; do the same in a scratch directory.
                let links = scratch.join(format!("machine-{}", arch.name));
                let _ = std::fs::create_dir_all(&links);
                for (name, target) in [("machine", arch.src_machine)] {
                    let link = links.join(name);
                    let _ = std::fs::remove_file(&link);
                    #[cfg(unix)]
                    let _ = std::os::unix::fs::symlink(sys.join(target).join("include"), &link);
                }
                vec![
                    format!("-I{}", links.display()),
                    format!("-I{}", sys.display()),
                    format!("-I{}", sys.join("contrib/ck/include").display()),
                ]
            }
            Headers::Zig(inc) => {
                vec![
                    format!("-I{}", inc.join(arch.zig_machine).display()),
                    format!("-I{}", inc.join("generic-freebsd").display()),
                ]
            }
        }
    }
}

fn headers(root: &Path) -> Headers {
    if let Some(sys) = std::env::var_os("FREEBSD_SYSDIR").filter(|s| !s.is_empty()) {
        let sys = PathBuf::from(sys);
        if !sys.join("sys/sysent.h").is_file() {
            fail(&format!("FREEBSD_SYSDIR={} is not a FreeBSD sys/ tree (no sys/sysent.h)", sys.display()));
        }
        return Headers::SysDir(sys);
    }
    let inc = std::env::var_os("FREEBSD_ZIG_INCLUDE").filter(|s| !s.is_empty()).map_or_else(
        || root.join("target").join(format!("ziglang-{ZIGLANG_VERSION}")).join("include"),
        PathBuf::from,
    );
    if !inc.join("generic-freebsd/sys/sysent.h").is_file() {
        fail(&format!(
            "FreeBSD headers not found at {}: run `cargo xtask build` once (it installs the PyPI package \
             ziglang=={ZIGLANG_VERSION} there), or set FREEBSD_SYSDIR to a FreeBSD sys/ tree",
            inc.display()
        ));
    }
    Headers::Zig(inc)
}

/// `__FreeBSD_version` and the release name for the build.
fn freebsd_version(h: &Headers) -> (u32, String) {
    if let Some(v) = std::env::var("FREEBSD_VERSION").ok().and_then(|v| v.trim().parse().ok()) {
        return (v, release_of(v));
    }
    match h {
        Headers::SysDir(sys) => {
            let param = std::fs::read_to_string(sys.join("sys/param.h")).unwrap_or_default();
            let v = param
                .lines()
                .filter_map(|l| l.strip_prefix("#define"))
                .map(str::trim_start)
                .filter_map(|l| l.strip_prefix("__FreeBSD_version"))
                .find_map(|l| l.split_whitespace().next()?.parse().ok())
                .unwrap_or_else(|| fail("no `#define __FreeBSD_version` in FREEBSD_SYSDIR/sys/param.h"));
            (v, release_of(v))
        }
        Headers::Zig(_) => (ZIG_FREEBSD_VERSION, ZIG_FREEBSD_RELEASE.to_owned()),
    }
}

fn release_of(v: u32) -> String {
    format!("{}.x", v / 100_000)
}

fn clang_args(arch: &Arch, h: &Headers, scratch: &Path, version: u32) -> Vec<String> {
    let mut a = vec![
        format!("--target={}", arch.triple),
        "-D_KERNEL".into(),
        "-DKLD_MODULE".into(),
        "-ffreestanding".into(),
        "-nostdinc".into(),
        format!("-D__FreeBSD_version={version}"),
    ];
    a.extend(h.includes(arch, scratch));
    a
}

fn write(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| fail(&format!("writing {}: {e}", path.display())));
    }
}

/// The `kpi.txt` names that apply to `arch` and are declared by the headers (a second column restricts a
/// line to arches whose name starts with it, `save_fpu powerpc`, or marks a macro-only name, `bcmp macro`,
/// which is left out).
fn kpi_names(manifest: &Path, arch: &Arch) -> Vec<String> {
    let text =
        std::fs::read_to_string(manifest.join("kpi.txt")).unwrap_or_else(|e| fail(&format!("kpi.txt: {e}")));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let name = w.next()?;
            match w.next() {
                Some("macro") => None,
                Some(only) if !arch.name.starts_with(only) => None,
                _ => Some(name.to_owned()),
            }
        })
        .collect()
}

fn layouts_of(arch: &Arch) -> Vec<&'static Layout> {
    let md = if arch.name.starts_with("powerpc") { PPC_LAYOUTS } else { ARM64_LAYOUTS };
    COMMON_LAYOUTS.iter().chain(md).collect()
}

/// (name, C expression, Rust expression) of every layout value.
fn layout_exprs(arch: &Arch) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for (c, r, fields) in layouts_of(arch) {
        v.push((format!("sizeof({c})"), format!("sizeof({c})"), format!("::core::mem::size_of::<{r}>()")));
        for f in *fields {
            let (f, flexible) = match f.strip_suffix("[]") {
                Some(f) => (f, true),
                None => (*f, false),
            };
            let (cf, rf) = f.split_once('=').unwrap_or((f, f));
            // bindgen renames a field called `priv` (a Rust keyword) to `priv_`.
            let cf = cf.strip_suffix('_').unwrap_or(cf);
            v.push((
                format!("offsetof({c}, {cf})"),
                format!("__builtin_offsetof({c}, {cf})"),
                format!("::core::mem::offset_of!({r}, {rf})"),
            ));
            if flexible {
                continue;
            }
            v.push((
                format!("sizeof({c}.{cf})"),
                format!("sizeof((({c} *)0)->{cf})"),
                format!("{{ let u = ::core::mem::MaybeUninit::<{r}>::uninit(); pointee_size(unsafe {{ ::core::ptr::addr_of!((*u.as_ptr()).{rf}) }}) }}"),
            ));
        }
    }
    v
}

/// Compiles the layout constants with the target compiler and reads them back.
fn c_layouts(
    clang: &str,
    args: &[String],
    wrapper: &Path,
    work: &Path,
    exprs: &[(String, String, String)],
    consts: &[&str],
) -> (Vec<u64>, Vec<i64>) {
    let src = work.join("layouts.c");
    let obj = work.join("layouts.o");
    let mut s = format!(
        "#include \"{}\"\n__attribute__((__used__)) const unsigned long long freebsd_sys_layouts[] = {{\n",
        wrapper.display()
    );
    for (_, c, _) in exprs {
        let _ = writeln!(s, "    (unsigned long long)({c}),");
    }
    s.push_str("};\n");
    for c in consts {
        // The value and whether it is negative (so that negative errnos come back right).
        let _ = writeln!(
            s,
            "__attribute__((__used__)) const long long freebsd_sys_const_{c} = (long long)({c});"
        );
    }
    write(&src, &s);
    let out = Command::new(clang)
        .args(args)
        .args(["-c", "-O0", "-w", "-o"])
        .arg(&obj)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run {clang} (set CLANG): {e}")));
    if !out.status.success() {
        fail(&format!(
            "layout constants do not compile ({}):\n{}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(&obj).unwrap_or_else(|e| fail(&format!("{}: {e}", obj.display())));
    let file = object::File::parse(&*data).unwrap_or_else(|e| fail(&format!("{}: {e}", obj.display())));
    let sym = file
        .symbols()
        .find(|s| s.name() == Ok("freebsd_sys_layouts"))
        .unwrap_or_else(|| fail("freebsd_sys_layouts missing from the layout object"));
    let section = sym
        .section_index()
        .and_then(|i| file.section_by_index(i).ok())
        .unwrap_or_else(|| fail("layout section"));
    let bytes = section.data().unwrap_or_else(|e| fail(&format!("layout section: {e}")));
    let start = (sym.address() - section.address()) as usize;
    let word = |b: [u8; 8]| {
        if file.is_little_endian() {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        }
    };
    let const_values = consts
        .iter()
        .map(|c| {
            let name = format!("freebsd_sys_const_{c}");
            let sym = file
                .symbols()
                .find(|s| s.name() == Ok(name.as_str()))
                .unwrap_or_else(|| fail(&format!("{name} missing")));
            let section = sym
                .section_index()
                .and_then(|i| file.section_by_index(i).ok())
                .unwrap_or_else(|| fail("const section"));
            let bytes = section.data().unwrap_or_else(|e| fail(&format!("const section: {e}")));
            let at = (sym.address() - section.address()) as usize;
            let b: [u8; 8] = bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_else(|| fail("const truncated"));
            word(b) as i64
        })
        .collect();
    let layouts = (0..exprs.len())
        .map(|i| {
            let b: [u8; 8] = bytes
                .get(start + 8 * i..start + 8 * i + 8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_else(|| fail("layout array truncated"));
            word(b)
        })
        .collect();
    (layouts, const_values)
}

fn bindings(arch: &Arch, args: &[String], wrapper: &Path, kpi: &[String]) -> String {
    let mut b = bindgen::Builder::default()
        .header(wrapper.to_string_lossy())
        .clang_args(args)
        .use_core()
        .ctypes_prefix("::core::ffi")
        .generate_comments(false)
        .layout_tests(true)
        .derive_default(false)
        .derive_debug(false)
        .derive_copy(true)
        .wrap_unsafe_ops(true)
        .merge_extern_blocks(true)
        .sort_semantically(true)
        .formatter(bindgen::Formatter::Prettyplease);
    for t in TYPES {
        b = b.allowlist_type(t);
    }
    for t in OPAQUE {
        b = b.opaque_type(format!("(struct )?{t}"));
    }
    for name in kpi {
        b = b.allowlist_function(name).allowlist_var(name);
    }
    let text =
        b.generate().unwrap_or_else(|e| fail(&format!("bindgen failed for {}: {e}", arch.name))).to_string();
    // Every kpi.txt name must be declared by the headers (as a function or a variable).
    let missing: Vec<&str> = kpi
        .iter()
        .map(String::as_str)
        .filter(|n| {
            !text.contains(&format!("pub fn {n}("))
                && !text.contains(&format!("pub static mut {n}:"))
                && !text.contains(&format!("pub static {n}:"))
        })
        .collect();
    if !missing.is_empty() {
        fail(&format!(
            "kpi.txt names not declared by the FreeBSD headers for {}: {}",
            arch.name,
            missing.join(", ")
        ));
    }
    text
}

fn main() {
    let manifest =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| fail("CARGO_MANIFEST_DIR")));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_else(|| fail("OUT_DIR")));
    let root = workspace_root(&manifest);
    for v in ["FREEBSD_SYSDIR", "FREEBSD_ZIG_INCLUDE", "FREEBSD_VERSION", "CLANG"] {
        println!("cargo:rerun-if-env-changed={v}");
    }
    for f in ["build.rs", "wrapper.h", "kpi.txt"] {
        println!("cargo:rerun-if-changed={f}");
    }
    let clang = std::env::var("CLANG").unwrap_or_else(|_| "clang".to_owned());
    let h = headers(&root);
    let (version, release) = freebsd_version(&h);
    let wrapper = manifest.join("wrapper.h");

    // Which arches: all on the host (tests), the target's own for a kernel build.
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let target_endian = std::env::var("CARGO_CFG_TARGET_ENDIAN").unwrap_or_default();
    let wanted = |a: &Arch| {
        target_os != "freebsd"
            || match a.name {
                "powerpc64" => target_arch == "powerpc64" && target_endian == "big",
                "powerpc64le" => target_arch == "powerpc64" && target_endian == "little",
                other => target_arch == other,
            }
    };

    let results: Vec<(&Arch, String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = ARCHES
            .iter()
            .filter(|a| wanted(a))
            .map(|arch| {
                let (h, out, wrapper, clang, manifest) = (&h, &out, &wrapper, &clang, &manifest);
                s.spawn(move || {
                    let work = out.join(arch.name);
                    std::fs::create_dir_all(&work).unwrap_or_else(|e| fail(&format!("{}: {e}", work.display())));
                    let args = clang_args(arch, h, &work, version);
                    let exprs = layout_exprs(arch);
                    let consts = consts_of(arch);
                    let (values, const_values) = c_layouts(clang, &args, wrapper, &work, &exprs, &consts);
                    let mut lay = String::from("/// `sizeof`/`offsetof` as the target C compiler computes them from the headers.\npub const C_LAYOUTS: &[(&str, u64)] = &[\n");
                    for ((name, _, _), v) in exprs.iter().zip(&values) {
                        let _ = writeln!(lay, "    ({name:?}, {v}),");
                    }
                    lay.push_str("];\n/// The size of what `_p` points to.\nconst fn pointee_size<T>(_p: *const T) -> usize {\n    ::core::mem::size_of::<T>()\n}\n/// The same names measured on the bindgen types.\n#[allow(unused_unsafe, clippy::undocumented_unsafe_blocks)]\npub const RUST_LAYOUTS: &[(&str, usize)] = &[\n");
                    for (name, _, r) in &exprs {
                        let _ = writeln!(lay, "    ({name:?}, {r}),");
                    }
                    lay.push_str("];\n");
                    let mut kc = String::new();
                    for (c, v) in consts.iter().zip(&const_values) {
                        let _ = writeln!(kc, "/// `{c}` as the target C compiler evaluates it.\npub const {c}: i64 = {v};");
                    }
                    write(&work.join("kconst.rs"), &kc);
                    (arch, bindings(arch, &args, wrapper, &kpi_names(manifest, arch)), lay)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| fail("generator thread panicked"))).collect()
    });
    for (arch, b, lay) in results {
        let dir = out.join(arch.name);
        write(&dir.join("bindings.rs"), &b);
        write(&dir.join("layouts.rs"), &lay);
    }
    write(
        &out.join("release.rs"),
        &format!(
            "/// `__FreeBSD_version` the bindings (and the module) were built for.\npub const FREEBSD_VERSION: u32 = {version};\n\
             /// The FreeBSD release that number belongs to.\npub const FREEBSD_RELEASE: &str = {release:?};\n\
             /// Where the headers came from.\npub const HEADERS: &str = {:?};\n",
            h.describe()
        ),
    );
}
