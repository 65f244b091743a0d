//! The images as ELF files, both byte orders: a position-independent ppc64 ELFv2 shared object with one
//! read+execute PT_LOAD, nothing writable, no relocations, the nine functions exported under
//! LINUX_2.6.15 without descriptors, the trampoline Linux has, and integer-only code that never touches r2.

mod common;

use common::{elf_hash, images, Elf, Section};
use vdso_ppc64::{VdsoImage, LINUX_VERSION_CODE};

const EXPORTS: [&str; 9] = [
    "__kernel_clock_gettime",
    "__kernel_clock_getres",
    "__kernel_gettimeofday",
    "__kernel_time",
    "__kernel_get_tbfreq",
    "__kernel_getcpu",
    "__kernel_get_syscall_map",
    "__kernel_sync_dicache",
    "__kernel_sigtramp_rt64",
];

const ET_DYN: u16 = 3;
const EM_PPC64: u16 = 21;
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_NOTE: u32 = 4;
const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
const PF_X: u32 = 1;
const PF_R: u32 = 4;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;
const SHT_RELA: u32 = 4;
const SHT_REL: u32 = 9;
const SHT_DYNSYM: u32 = 11;
const SHT_GNU_VERDEF: u32 = 0x6fff_fffd;
const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;
const STT_FUNC: u8 = 2;
const STB_LOCAL: u8 = 0;

fn for_each_image(f: impl Fn(&str, &VdsoImage, &Elf)) {
    for (name, img) in images() {
        f(name, img, &Elf::new(img.bytes));
    }
}

#[test]
fn header_says_ppc64_elfv2_shared_object_in_its_byte_order() {
    for_each_image(|name, img, elf| {
        assert_eq!(elf.e_type(), ET_DYN, "{name}");
        assert_eq!(elf.e_machine(), EM_PPC64, "{name}");
        // ELFv2 on both byte orders: the code has no descriptors and no TOC (see the crate docs).
        assert_eq!(elf.e_flags(), 2, "{name}");
        assert_eq!(elf.little, img.little_endian, "{name}");

        // A second opinion from the object crate.
        use object::{Object, ObjectKind};
        let file = object::File::parse(img.bytes).expect("object parses the image");
        assert_eq!(file.kind(), ObjectKind::Dynamic, "{name}");
        assert_eq!(file.architecture(), object::Architecture::PowerPc64, "{name}");
        assert_eq!(file.is_little_endian(), img.little_endian, "{name}");
        assert!(
            matches!(file.flags(), object::FileFlags::Elf { e_flags: object::elf::FileFlags(2), .. }),
            "{name}"
        );
    });
}

#[test]
fn one_read_execute_load_segment_holds_headers_dynamic_notes_and_unwind_tables() {
    for_each_image(|name, img, elf| {
        let segs = elf.segments();
        let mut types: Vec<u32> = segs.iter().map(|s| s.typ).collect();
        types.sort_unstable();
        assert_eq!(types, [PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_EH_FRAME], "{name}: program headers");
        let load = segs.iter().find(|s| s.typ == PT_LOAD).unwrap();
        assert_eq!(load.flags, PF_R | PF_X, "{name}: PT_LOAD flags");
        assert_eq!((load.offset, load.vaddr), (0, 0), "{name}: the headers are mapped");
        assert_eq!(load.filesz, load.memsz, "{name}: nothing zero-filled");
        assert!(img.map_size(4096) >= load.memsz, "{name}");
        for s in segs.iter().filter(|s| s.typ != PT_LOAD) {
            assert_eq!(s.flags & !PF_R, 0, "{name}: {:#x} flags", s.typ);
            assert!(s.vaddr + s.memsz <= load.memsz, "{name}: segment {:#x} outside the PT_LOAD", s.typ);
        }
        let in_segment = |typ: u32, section: &str| {
            let seg = segs.iter().find(|s| s.typ == typ).unwrap();
            let sec = elf.section(section).unwrap_or_else(|| panic!("{name}: no {section}"));
            assert_eq!((seg.vaddr, seg.memsz), (sec.addr, sec.size), "{name}: {section}");
        };
        in_segment(PT_DYNAMIC, ".dynamic");
        in_segment(PT_GNU_EH_FRAME, ".eh_frame_hdr");
        in_segment(PT_NOTE, ".note");
        for s in elf.sections().iter().filter(|s| s.flags & SHF_ALLOC != 0) {
            assert!(s.addr + s.size <= load.memsz, "{name}: {} outside the PT_LOAD", s.name);
            assert_eq!(s.addr, s.offset, "{name}: {} is mapped where it lies in the file", s.name);
        }
    });
}

#[test]
fn nothing_is_writable_and_nothing_needs_relocating() {
    for_each_image(|name, _img, elf| {
        for s in elf.sections() {
            assert!(
                s.flags & (SHF_WRITE | SHF_ALLOC) != SHF_WRITE | SHF_ALLOC,
                "{name}: {} is writable",
                s.name
            );
            assert!(s.typ != SHT_RELA && s.typ != SHT_REL, "{name}: relocation section {}", s.name);
            let bad = [".opd", ".plt", ".got", ".toc", ".glink", ".data", ".bss", ".branch_lt", ".rodata"];
            assert!(!bad.contains(&s.name) && !s.name.starts_with(".rela"), "{name}: has {}", s.name);
        }
        // .dynamic: only what a symbol lookup needs; no relocation, PLT, TOC, dependency or debug tags.
        let dynamic = elf.section(".dynamic").unwrap();
        let allowed = [
            0,           // DT_NULL
            4,           // DT_HASH
            5,           // DT_STRTAB
            6,           // DT_SYMTAB
            10,          // DT_STRSZ
            11,          // DT_SYMENT
            14,          // DT_SONAME
            30,          // DT_FLAGS
            0x6fff_fef5, // DT_GNU_HASH
            0x6fff_fff0, // DT_VERSYM
            0x6fff_fffc, // DT_VERDEF
            0x6fff_fffd, // DT_VERDEFNUM
        ];
        let dynstr = elf.section(".dynstr").unwrap();
        let mut soname = None;
        for i in 0..(dynamic.size / 16) as usize {
            let at = dynamic.offset as usize + i * 16;
            let (tag, val) = (elf.u64(at), elf.u64(at + 8));
            assert!(allowed.contains(&tag), "{name}: dynamic tag {tag:#x}");
            if tag == 14 {
                soname = Some(elf.cstr(dynstr.offset as usize + val as usize));
            }
        }
        assert_eq!(soname, Some("linux-vdso64.so.1"), "{name}");
    });
}

/// (flags, index, hash, name) of each version definition.
fn verdefs<'a>(elf: &Elf<'a>, sec: &Section) -> Vec<(u16, u16, u32, &'a str)> {
    let strings = elf.sections()[sec.link as usize].offset as usize;
    let mut out = Vec::new();
    let mut at = sec.offset as usize;
    loop {
        assert_eq!(elf.u16(at), 1, "vd_version");
        let (flags, ndx, cnt, hash) = (elf.u16(at + 2), elf.u16(at + 4), elf.u16(at + 6), elf.u32(at + 8));
        assert_eq!(cnt, 1, "one name per definition");
        let aux = at + elf.u32(at + 12) as usize;
        out.push((flags, ndx, hash, elf.cstr(strings + elf.u32(aux) as usize)));
        let next = elf.u32(at + 16) as usize;
        if next == 0 {
            return out;
        }
        at += next;
    }
}

#[test]
fn exactly_the_linux_functions_are_exported_under_linux_2_6_15_without_descriptors() {
    for_each_image(|name, img, elf| {
        let sections = elf.sections();
        let verdef = sections.iter().find(|s| s.typ == SHT_GNU_VERDEF).expect("version definitions");
        let defs = verdefs(elf, verdef);
        assert_eq!(defs.len(), 2, "{name}: {defs:?}");
        assert_eq!((defs[0].0, defs[0].1, defs[0].3), (1, 1, "linux-vdso64.so.1"), "{name}: base definition");
        assert_eq!((defs[1].0, defs[1].1, defs[1].3), (0, 2, "LINUX_2.6.15"), "{name}");
        // glibc looks the symbols up with this hash (VDSO_HASH in sysdeps/unix/sysv/linux/powerpc).
        assert_eq!(defs[1].2, 123_718_565, "{name}");
        assert_eq!(elf_hash(b"LINUX_2.6.15"), 123_718_565);

        let dynsym = sections.iter().find(|s| s.typ == SHT_DYNSYM).expect(".dynsym");
        let versym = sections.iter().find(|s| s.typ == SHT_GNU_VERSYM).expect(".gnu.version");
        let text_index = sections.iter().position(|s| s.name == ".text").unwrap();
        let text = &sections[text_index];
        let mut exported = Vec::new();
        for (i, sym) in elf.symbols(dynsym).into_iter().enumerate().skip(1) {
            let bind = sym.info >> 4;
            assert_ne!(bind, STB_LOCAL, "{name}: local symbol {} in .dynsym", sym.name);
            assert_eq!(sym.info & 0xf, STT_FUNC, "{name}: {} is a function", sym.name);
            assert_eq!(sym.other, 0, "{name}: {}: default visibility, no ELFv2 local entry", sym.name);
            assert_eq!(usize::from(sym.shndx), text_index, "{name}: {} in .text", sym.name);
            assert!(sym.size > 0 && sym.value >= text.addr && sym.value + sym.size <= text.addr + text.size);
            let ver = elf.u16(versym.offset as usize + i * 2);
            assert_eq!(ver, 2, "{name}: {} has version LINUX_2.6.15 (not hidden)", sym.name);
            let listed = img.symbols.iter().find(|s| s.name == sym.name).expect("listed in VdsoImage");
            assert_eq!((listed.offset, listed.size), (sym.value, sym.size), "{name}: {}", sym.name);
            exported.push(sym.name);
        }
        exported.sort_unstable();
        let mut want = EXPORTS.to_vec();
        want.sort_unstable();
        assert_eq!(exported, want, "{name}");
        assert_eq!(img.symbols.len(), EXPORTS.len(), "{name}");
    });
}

#[test]
fn trampoline_is_bctrl_then_addi_li_sc_in_the_image_byte_order() {
    for_each_image(|name, img, elf| {
        let start = elf.symbol("__kernel_start_sigtramp_rt64").expect("trampoline entry in .symtab");
        assert_eq!(start.value, img.sigtramp_start, "{name}");
        assert_eq!(img.sigtramp, img.sigtramp_start + 4, "{name}");
        assert_eq!(img.symbol("__kernel_sigtramp_rt64"), Some(img.sigtramp), "{name}");
        let words: Vec<u32> = (0..4).map(|i| elf.insn(img.sigtramp_start + 4 * i)).collect();
        assert_eq!(words, [0x4e80_0421, 0x3821_0080, 0x3800_00ac, 0x4400_0002], "{name}");
        let raw = &img.bytes[img.sigtramp_start as usize..][..4];
        let bctrl = if img.little_endian { [0x21, 0x04, 0x80, 0x4e] } else { [0x4e, 0x80, 0x04, 0x21] };
        assert_eq!(raw, bctrl, "{name}: byte order");
    });
}

#[test]
fn notes_announce_the_linux_version_and_a_build_id() {
    for_each_image(|name, _img, elf| {
        let note = elf.segments().into_iter().find(|s| s.typ == PT_NOTE).unwrap();
        let (mut at, end) = (note.offset as usize, (note.offset + note.filesz) as usize);
        let mut found = Vec::new();
        while at < end {
            let (namesz, descsz, typ) = (elf.u32(at) as usize, elf.u32(at + 4) as usize, elf.u32(at + 8));
            let owner = elf.cstr(at + 12);
            let desc = at + 12 + namesz.div_ceil(4) * 4;
            found.push((owner, typ, descsz, elf.u32(desc)));
            at = desc + descsz.div_ceil(4) * 4;
        }
        assert!(found.contains(&("Linux", 0, 4, LINUX_VERSION_CODE)), "{name}: {found:?}");
        assert!(found.iter().any(|n| n.0 == "GNU" && n.1 == 3 && n.2 == 20), "{name}: build id: {found:?}");
    });
}

/// Floating-point, AltiVec and VSX instructions (primary opcodes, and the indexed forms of opcode 31).
fn is_fp_or_vector(w: u32) -> bool {
    const X31: [u32; 53] = [
        535, 567, 599, 631, 663, 695, 727, 759, 983, 855, 887, 791, 919, // FP loads/stores
        103, 359, 231, 487, 7, 39, 71, 135, 167, 199, 6, 38, 822, 342, 374, // AltiVec
        588, 844, 332, 780, 716, 972, 908, 12, 76, 140, 524, 652, 268, 396, 876, 812, 940, 1004, // VSX
        51, 115, 179, 211, 243, 307, 435, // VSX moves
    ];
    match w >> 26 {
        4 | 48..=55 | 57 | 59 | 60 | 61 | 63 => true,
        31 => X31.contains(&((w >> 1) & 0x3ff)),
        _ => false,
    }
}

#[test]
fn code_is_integer_only_reads_the_timebase_and_never_sets_r2() {
    for_each_image(|name, _img, elf| {
        let text = elf.section(".text").unwrap();
        let mut mftb = 0;
        for at in (text.offset..text.offset + text.size).step_by(4) {
            let w = elf.insn(at);
            assert!(!is_fp_or_vector(w), "{name}: FP/vector instruction {w:#010x} at {at:#x}");
            let op = w >> 26;
            let rt = (w >> 21) & 31;
            // addi/addis/ld/lwz into r2 (a TOC setup or restore), or mr r2,x.
            assert!(
                !(matches!(op, 14 | 15 | 32 | 58) && rt == 2),
                "{name}: r2 written at {at:#x}: {w:#010x}"
            );
            assert!(
                !(op == 31 && (w >> 1) & 0x3ff == 444 && (w >> 16) & 31 == 2),
                "{name}: mr r2 at {at:#x}"
            );
            if w & 0xfc1f_ffff == 0x7c0c_42a6 {
                mftb += 1; // mfspr rX, 268
            }
        }
        // clock_gettime and gettimeofday (time() is coarse: no counter read).
        assert!(mftb >= 2, "{name}: the clock functions read the timebase ({mftb})");
    });
}
