//! The image activator: checks a program (and its interpreter) before the point of no return, picks
//! the brand with `linux_core::elf::select_brand` over the brands of the architecture of its
//! `e_machine` (`arch_ppc64::BRANDS`, `arch_arm64::BRANDS`: [`ALL_BRANDS`], or only the running
//! process's for `execve`), maps the segments with their protections, and builds the initial stack
//! with `linux_core::exec::copyout_initial_stack`.

use crate::cpu::{self, Uc};
use crate::vfs::Vfs;
use crate::vm::{page_down, page_up, PAGE, PROT_EXEC, PROT_READ, PROT_WRITE};
use linux_core::bytes::{read_u32, read_u64};
use linux_core::elf::{select_brand, Elf64Header, ElfBrand, Endian, EM_AARCH64, EM_PPC64};
use linux_core::errno::LinuxErrno;
use zerocopy::{BigEndian, LittleEndian};

/// Size of the stack area (Linux's default 8 MiB rlimit). Where it and the rest go is the
/// architecture's `crate::arch::Layout`.
pub const STACK_SIZE: u64 = 8 << 20;

/// The brands of every architecture the harness runs, one set per `e_machine`.
pub const ALL_BRANDS: &[&[ElfBrand]] = &[&arch_ppc64::BRANDS, &arch_arm64::BRANDS];

/// The name of a machine, for messages.
fn machine_name(machine: u16) -> String {
    match machine {
        EM_PPC64 => "powerpc64".into(),
        EM_AARCH64 => "arm64".into(),
        m => format!("e_machine {m}"),
    }
}

/// "powerpc64", "powerpc64 or arm64": the machines of `sets`.
fn machines_of(sets: &[&[ElfBrand]]) -> String {
    let names: Vec<String> = sets.iter().filter_map(|s| s.first()).map(|b| machine_name(b.machine)).collect();
    names.join(" or ")
}

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const PT_PHDR: u32 = 6;

/// One program header.
#[derive(Clone, Copy, Debug)]
pub struct Phdr {
    /// `p_type`.
    pub p_type: u32,
    /// `p_flags` (PF_X 1, PF_W 2, PF_R 4).
    pub flags: u32,
    /// `p_offset`.
    pub offset: u64,
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_memsz`.
    pub memsz: u64,
}

/// A checked ELF file.
#[derive(Clone, Debug)]
pub struct ElfFile {
    /// Guest path it was found at.
    pub guest_path: String,
    /// File contents.
    pub bytes: Vec<u8>,
    /// Header.
    pub hdr: Elf64Header,
    /// Program headers.
    pub phdrs: Vec<Phdr>,
}

/// Everything an exec needs, checked before the old image is destroyed.
#[derive(Clone, Debug)]
pub struct ExecPlan {
    /// The program.
    pub main: ElfFile,
    /// Its interpreter, for a dynamic program.
    pub interp: Option<ElfFile>,
    /// The brand that claimed it.
    pub brand: &'static ElfBrand,
    /// The path as passed to exec (`AT_EXECFN`).
    pub execfn: Vec<u8>,
    /// Absolute guest path of the program (`/proc/self/exe`).
    pub exe: String,
    /// Arguments.
    pub argv: Vec<Vec<u8>>,
    /// Environment.
    pub envp: Vec<Vec<u8>>,
}

/// An exec failure: the errno for `execve`, and a one-line message for the command line.
#[derive(Clone, Debug)]
pub struct ExecError {
    /// What `execve` returns.
    pub errno: LinuxErrno,
    /// Why, for humans.
    pub msg: String,
}

fn fail(errno: LinuxErrno, msg: String) -> ExecError {
    ExecError { errno, msg }
}

fn rd64(e: Endian, b: &[u8], off: usize) -> Option<u64> {
    match e {
        Endian::Big => read_u64::<BigEndian>(b, off),
        Endian::Little => read_u64::<LittleEndian>(b, off),
    }
}

fn rd32(e: Endian, b: &[u8], off: usize) -> Option<u32> {
    match e {
        Endian::Big => read_u32::<BigEndian>(b, off),
        Endian::Little => read_u32::<LittleEndian>(b, off),
    }
}

/// Parses and checks an ELF file: an ELF64 executable or shared object of one of the machines of `sets`
/// whose program headers and segments lie within the file.
pub fn parse_elf(guest_path: &str, bytes: Vec<u8>, sets: &[&[ElfBrand]]) -> Result<ElfFile, ExecError> {
    let hdr = Elf64Header::parse(&bytes).map_err(|e| {
        let what = if bytes.len() < 64 && bytes.starts_with(b"\x7fELF") {
            "truncated ELF header"
        } else {
            "not an ELF64 executable"
        };
        fail(e, format!("{guest_path}: {what}"))
    })?;
    if !sets.iter().any(|s| s.iter().any(|b| b.machine == hdr.machine)) {
        return Err(fail(
            LinuxErrno::ENOEXEC,
            format!("{guest_path}: not a Linux {} program (e_machine {})", machines_of(sets), hdr.machine),
        ));
    }
    let e = hdr.endian;
    let mut phdrs = Vec::new();
    for i in 0..u64::from(hdr.phnum) {
        let off = hdr.phoff.checked_add(i * 56).and_then(|o| usize::try_from(o).ok());
        let ph = off.and_then(|o| {
            Some(Phdr {
                p_type: rd32(e, &bytes, o)?,
                flags: rd32(e, &bytes, o + 4)?,
                offset: rd64(e, &bytes, o + 8)?,
                vaddr: rd64(e, &bytes, o + 16)?,
                filesz: rd64(e, &bytes, o + 32)?,
                memsz: rd64(e, &bytes, o + 40)?,
            })
        });
        let ph = ph.ok_or_else(|| {
            fail(LinuxErrno::ENOEXEC, format!("{guest_path}: truncated ELF file (program headers)"))
        })?;
        if ph.p_type == PT_LOAD || ph.p_type == PT_INTERP {
            let end = ph.offset.checked_add(ph.filesz);
            if end.is_none_or(|end| end > bytes.len() as u64) || ph.filesz > ph.memsz && ph.p_type == PT_LOAD
            {
                return Err(fail(
                    LinuxErrno::ENOEXEC,
                    format!("{guest_path}: truncated ELF file (segment past the end)"),
                ));
            }
        }
        phdrs.push(ph);
    }
    if !phdrs.iter().any(|p| p.p_type == PT_LOAD) {
        return Err(fail(LinuxErrno::ENOEXEC, format!("{guest_path}: no loadable segment")));
    }
    Ok(ElfFile { guest_path: guest_path.to_string(), bytes, hdr, phdrs })
}

fn interp_path(f: &ElfFile) -> Option<Vec<u8>> {
    let p = f.phdrs.iter().find(|p| p.p_type == PT_INTERP)?;
    let s = f.bytes.get(p.offset as usize..(p.offset + p.filesz) as usize)?;
    Some(s.split(|&b| b == 0).next().unwrap_or(s).to_vec())
}

/// Checks everything about an exec that can fail: file, `#!` scripts, ELF, brand (one of `sets`),
/// interpreter.
pub fn prepare(
    vfs: &Vfs,
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    sets: &[&'static [ElfBrand]],
) -> Result<ExecPlan, ExecError> {
    prepare_depth(vfs, path, argv, envp, sets, 0)
}

fn prepare_depth(
    vfs: &Vfs,
    path: &[u8],
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    sets: &[&'static [ElfBrand]],
    depth: u32,
) -> Result<ExecPlan, ExecError> {
    let shown = String::from_utf8_lossy(path).into_owned();
    let (exe, bytes) = vfs.read_executable(path).map_err(|e| {
        let why = match e {
            LinuxErrno::ENOENT => "no such file",
            LinuxErrno::EACCES => "not executable",
            _ => "cannot read it",
        };
        fail(e, format!("{shown}: {why}"))
    })?;
    if bytes.starts_with(b"#!") {
        if depth >= 4 {
            return Err(fail(LinuxErrno::ELOOP, format!("{shown}: too many levels of #! interpreters")));
        }
        let line = bytes[2..].split(|&b| b == b'\n').next().unwrap_or(&[]);
        let line: Vec<u8> = line.iter().copied().skip_while(|b| *b == b' ' || *b == b'\t').collect();
        let mut parts = line.splitn(2, |b| *b == b' ' || *b == b'\t');
        let interp = parts.next().unwrap_or(&[]).to_vec();
        if interp.is_empty() {
            return Err(fail(LinuxErrno::ENOEXEC, format!("{shown}: empty #! line")));
        }
        let arg = parts.next().map(|a| a.trim_ascii().to_vec()).filter(|a| !a.is_empty());
        let mut new_argv = vec![interp.clone()];
        new_argv.extend(arg);
        new_argv.push(path.to_vec());
        if !argv.is_empty() {
            argv.remove(0);
        }
        new_argv.extend(argv);
        return prepare_depth(vfs, &interp, new_argv, envp, sets, depth + 1);
    }
    let main = parse_elf(&shown, bytes, sets)?;
    let interp_name = interp_path(&main);
    let brands: &'static [ElfBrand] =
        sets.iter().copied().find(|s| s.iter().any(|b| b.machine == main.hdr.machine)).unwrap_or(&[]);
    let machine = machine_name(main.hdr.machine);
    let brand = select_brand(brands, &main.hdr, interp_name.as_deref()).map_err(|e| {
        let order = if main.hdr.endian == Endian::Big { "big-endian" } else { "little-endian" };
        let msg = match &interp_name {
            Some(i) if select_brand(brands, &main.hdr, None).is_ok() => format!(
                "{shown}: interpreter {} is not one of a Linux {machine} brand",
                String::from_utf8_lossy(i)
            ),
            _ => format!(
                "{shown}: no Linux {machine} brand for this {order} ELF (e_flags {:#x})",
                main.hdr.flags
            ),
        };
        fail(e, msg)
    })?;
    let interp = match interp_name {
        None => None,
        Some(name) => {
            let iname = String::from_utf8_lossy(&name).into_owned();
            let (_, ibytes) = vfs.read_executable(&name).map_err(|e| {
                fail(e, format!("{shown}: interpreter {iname} not found ({})", vfs.describe_roots()))
            })?;
            let f = parse_elf(&iname, ibytes, &[brands])?;
            if f.hdr.endian != main.hdr.endian || !brand.header_supported(&f.hdr) {
                return Err(fail(
                    LinuxErrno::ELIBBAD,
                    format!("{shown}: interpreter {iname} is not of the program's ABI"),
                ));
            }
            Some(f)
        }
    };
    Ok(ExecPlan { main, interp, brand, execfn: path.to_vec(), exe, argv, envp })
}

/// Where one ELF file went.
#[derive(Clone, Copy, Debug, Default)]
pub struct Placed {
    /// Highest mapped address (page-aligned).
    pub end: u64,
}

fn prot_of(flags: u32) -> u32 {
    let mut p = 0;
    if flags & 4 != 0 {
        p |= PROT_READ;
    }
    if flags & 2 != 0 {
        p |= PROT_WRITE;
    }
    if flags & 1 != 0 {
        p |= PROT_EXEC;
    }
    p
}

/// Maps the PT_LOAD segments of `f` at `bias` (for ET_EXEC, 0).
pub fn place(uc: &mut Uc, f: &ElfFile, bias: u64) -> Result<Placed, ExecError> {
    let oom = |what: &str| fail(LinuxErrno::ENOMEM, format!("{}: cannot map {what}", f.guest_path));
    let mut end_max = 0;
    for ph in f.phdrs.iter().filter(|p| p.p_type == PT_LOAD && p.memsz > 0) {
        let va = ph.vaddr.checked_add(bias).ok_or_else(|| oom("segment"))?;
        let start = page_down(va);
        let end = va.checked_add(ph.memsz).and_then(page_up).ok_or_else(|| oom("segment"))?;
        let prot = prot_of(ph.flags);
        // Pages shared with an earlier segment get the union of both protections.
        let mut at = start;
        for (s, e, p) in uc.get_data().vm.pieces(start, end) {
            if at < s {
                cpu::map(uc, at, s, prot).map_err(|_| oom("segment"))?;
            }
            cpu::protect(uc, s, e, p | prot).map_err(|_| oom("segment"))?;
            at = e;
        }
        if at < end {
            cpu::map(uc, at, end, prot).map_err(|_| oom("segment"))?;
        }
        let data = &f.bytes[ph.offset as usize..(ph.offset + ph.filesz) as usize];
        uc.mem_write(va, data).map_err(|_| oom("segment contents"))?;
        end_max = end_max.max(end);
    }
    Ok(Placed { end: end_max })
}

/// The span of the loadable segments: (lowest page, size).
pub fn span(f: &ElfFile) -> (u64, u64) {
    let loads = f.phdrs.iter().filter(|p| p.p_type == PT_LOAD);
    let lo = loads.clone().map(|p| page_down(p.vaddr)).min().unwrap_or(0);
    let hi = loads.map(|p| p.vaddr.saturating_add(p.memsz)).max().unwrap_or(0);
    (lo, page_up(hi).unwrap_or(hi).saturating_sub(lo).max(PAGE))
}

/// Address of the program headers in memory (`AT_PHDR`).
pub fn phdr_addr(f: &ElfFile, bias: u64) -> u64 {
    if let Some(p) = f.phdrs.iter().find(|p| p.p_type == PT_PHDR) {
        return p.vaddr.wrapping_add(bias);
    }
    f.phdrs
        .iter()
        .find(|p| p.p_type == PT_LOAD && p.offset <= f.hdr.phoff && f.hdr.phoff < p.offset + p.filesz)
        .map_or(0, |p| p.vaddr.wrapping_add(f.hdr.phoff - p.offset).wrapping_add(bias))
}
