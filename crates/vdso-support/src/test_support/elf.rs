//! A small ELF64 reader of either byte order (independent of the build's), and the structure checks every
//! image passes: one read+execute PT_LOAD holding everything, nothing writable or to relocate, only the
//! dynamic tags a symbol lookup needs, the exported functions under one version, the notes.

use crate::VdsoSymbol;

/// An ELF64 file of either byte order.
pub struct Elf<'a> {
    pub b: &'a [u8],
    pub little: bool,
}

#[derive(Clone, Debug)]
pub struct Section<'a> {
    pub name: &'a str,
    pub typ: u32,
    pub flags: u64,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
    pub info: u32,
}

#[derive(Clone, Copy, Debug)]
pub struct Segment {
    pub typ: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
}

#[derive(Clone, Debug)]
pub struct Sym<'a> {
    pub name: &'a str,
    pub info: u8,
    pub other: u8,
    pub shndx: u16,
    pub value: u64,
    pub size: u64,
}

impl<'a> Elf<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        assert_eq!(&b[..4], b"\x7fELF", "ELF magic");
        assert_eq!(b[4], 2, "ELFCLASS64");
        Elf { b, little: b[5] == 1 }
    }
    pub fn uint(&self, at: usize, len: usize) -> u64 {
        let s = &self.b[at..at + len];
        let mut v = 0u64;
        for i in 0..len {
            let byte = if self.little { s[len - 1 - i] } else { s[i] };
            v = (v << 8) | u64::from(byte);
        }
        v
    }
    pub fn u16(&self, at: usize) -> u16 {
        self.uint(at, 2) as u16
    }
    pub fn u32(&self, at: usize) -> u32 {
        self.uint(at, 4) as u32
    }
    pub fn u64(&self, at: usize) -> u64 {
        self.uint(at, 8)
    }
    pub fn cstr(&self, at: usize) -> &'a str {
        let rest = &self.b[at..];
        let end = rest.iter().position(|&c| c == 0).expect("NUL");
        std::str::from_utf8(&rest[..end]).expect("UTF-8")
    }
    pub fn e_type(&self) -> u16 {
        self.u16(0x10)
    }
    pub fn e_machine(&self) -> u16 {
        self.u16(0x12)
    }
    pub fn e_flags(&self) -> u32 {
        self.u32(0x30)
    }
    pub fn sections(&self) -> Vec<Section<'a>> {
        let shoff = self.u64(0x28) as usize;
        let shnum = self.u16(0x3c) as usize;
        let shstrndx = self.u16(0x3e) as usize;
        let str_off = self.u64(shoff + shstrndx * 64 + 0x18) as usize;
        (0..shnum)
            .map(|i| {
                let h = shoff + i * 64;
                Section {
                    name: self.cstr(str_off + self.u32(h) as usize),
                    typ: self.u32(h + 4),
                    flags: self.u64(h + 8),
                    addr: self.u64(h + 0x10),
                    offset: self.u64(h + 0x18),
                    size: self.u64(h + 0x20),
                    link: self.u32(h + 0x28),
                    info: self.u32(h + 0x2c),
                }
            })
            .collect()
    }
    pub fn section(&self, name: &str) -> Option<Section<'a>> {
        self.sections().into_iter().find(|s| s.name == name)
    }
    pub fn section_bytes(&self, s: &Section) -> &'a [u8] {
        &self.b[s.offset as usize..(s.offset + s.size) as usize]
    }
    pub fn segments(&self) -> Vec<Segment> {
        let phoff = self.u64(0x20) as usize;
        let phnum = self.u16(0x38) as usize;
        (0..phnum)
            .map(|i| {
                let h = phoff + i * 56;
                Segment {
                    typ: self.u32(h),
                    flags: self.u32(h + 4),
                    offset: self.u64(h + 8),
                    vaddr: self.u64(h + 0x10),
                    filesz: self.u64(h + 0x20),
                    memsz: self.u64(h + 0x28),
                }
            })
            .collect()
    }
    /// The symbols of a SYMTAB/DYNSYM section.
    pub fn symbols(&self, table: &Section) -> Vec<Sym<'a>> {
        let strings = self.sections()[table.link as usize].offset as usize;
        (0..(table.size / 24) as usize)
            .map(|i| {
                let at = table.offset as usize + i * 24;
                Sym {
                    name: self.cstr(strings + self.u32(at) as usize),
                    info: self.b[at + 4],
                    other: self.b[at + 5],
                    shndx: self.u16(at + 6),
                    value: self.u64(at + 8),
                    size: self.u64(at + 16),
                }
            })
            .collect()
    }
    pub fn symbol(&self, name: &str) -> Option<Sym<'a>> {
        let symtab = self.sections().into_iter().find(|s| s.typ == 2)?;
        self.symbols(&symtab).into_iter().find(|s| s.name == name)
    }
    /// A 32-bit instruction word at a file offset (= address: the image is linked at 0).
    pub fn insn(&self, at: u64) -> u32 {
        self.u32(at as usize)
    }
}

/// The SysV ELF hash (what `vd_hash` and glibc's `VDSO_HASH` hold).
pub fn elf_hash(name: &[u8]) -> u32 {
    let mut h: u32 = 0;
    for &c in name {
        h = (h << 4).wrapping_add(u32::from(c));
        let g = h & 0xf000_0000;
        if g != 0 {
            h ^= g >> 24;
        }
        h &= !g;
    }
    h
}

pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_NOTE: u32 = 4;
pub const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
pub const PF_X: u32 = 1;
pub const PF_R: u32 = 4;
pub const SHF_WRITE: u64 = 1;
pub const SHF_ALLOC: u64 = 2;
pub const SHT_RELA: u32 = 4;
pub const SHT_REL: u32 = 9;
pub const SHT_DYNSYM: u32 = 11;
pub const SHT_GNU_VERDEF: u32 = 0x6fff_fffd;
pub const SHT_GNU_VERSYM: u32 = 0x6fff_ffff;
pub const STT_FUNC: u8 = 2;
pub const STB_LOCAL: u8 = 0;
/// ET_DYN.
pub const ET_DYN: u16 = 3;

/// The program headers: PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_EH_FRAME; the one PT_LOAD is R+X, maps the
/// file from offset 0 as it is (nothing zero-filled) and holds every other segment and every allocated
/// section at its file offset; it fits in `map_size`.
pub fn check_segments(name: &str, elf: &Elf, map_size: u64) {
    let segs = elf.segments();
    let mut types: Vec<u32> = segs.iter().map(|s| s.typ).collect();
    types.sort_unstable();
    assert_eq!(types, [PT_LOAD, PT_DYNAMIC, PT_NOTE, PT_GNU_EH_FRAME], "{name}: program headers");
    let load = segs.iter().find(|s| s.typ == PT_LOAD).unwrap();
    assert_eq!(load.flags, PF_R | PF_X, "{name}: PT_LOAD flags");
    assert_eq!((load.offset, load.vaddr), (0, 0), "{name}: the headers are mapped");
    assert_eq!(load.filesz, load.memsz, "{name}: nothing zero-filled");
    assert!(map_size >= load.memsz, "{name}");
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
}

/// The dynamic tags a vdso may have: what a symbol lookup needs, no relocation, PLT, TOC, dependency or
/// debug tags (DT_GNU_HASH where the arch links with --hash-style=both).
pub const DYNAMIC_TAGS: [u64; 12] = [
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

/// Nothing writable, no relocation section, none of the `bad` sections, only `allowed` dynamic tags;
/// returns (DT_SONAME, the dynamic tags present).
pub fn check_nothing_writable_or_relocated<'a>(
    name: &str,
    elf: &Elf<'a>,
    bad: &[&str],
    allowed: &[u64],
) -> (Option<&'a str>, Vec<u64>) {
    for s in elf.sections() {
        assert!(s.flags & (SHF_WRITE | SHF_ALLOC) != SHF_WRITE | SHF_ALLOC, "{name}: {} is writable", s.name);
        assert!(s.typ != SHT_RELA && s.typ != SHT_REL, "{name}: relocation section {}", s.name);
        assert!(!bad.contains(&s.name) && !s.name.starts_with(".rela"), "{name}: has {}", s.name);
    }
    let dynamic = elf.section(".dynamic").unwrap();
    let dynstr = elf.section(".dynstr").unwrap();
    let (mut soname, mut tags) = (None, Vec::new());
    for i in 0..(dynamic.size / 16) as usize {
        let at = dynamic.offset as usize + i * 16;
        let (tag, val) = (elf.u64(at), elf.u64(at + 8));
        assert!(allowed.contains(&tag), "{name}: dynamic tag {tag:#x}");
        if tag == 14 {
            soname = Some(elf.cstr(dynstr.offset as usize + val as usize));
        }
        tags.push(tag);
    }
    (soname, tags)
}

/// (flags, index, hash, name) of each version definition.
pub fn verdefs<'a>(elf: &Elf<'a>, sec: &Section) -> Vec<(u16, u16, u32, &'a str)> {
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

/// Exactly `exports` are in .dynsym, global functions of default visibility in .text, all of version
/// `version` (the only one besides the base `soname`; its hash is what glibc looks up), at the offsets
/// and sizes `symbols` (the crate's `VdsoImage::symbols`) lists.
pub fn check_exports(
    name: &str,
    elf: &Elf,
    symbols: &[VdsoSymbol],
    soname: &str,
    version: &str,
    exports: &[&str],
) {
    let sections = elf.sections();
    let verdef = sections.iter().find(|s| s.typ == SHT_GNU_VERDEF).expect("version definitions");
    let defs = verdefs(elf, verdef);
    assert_eq!(defs.len(), 2, "{name}: {defs:?}");
    assert_eq!((defs[0].0, defs[0].1, defs[0].3), (1, 1, soname), "{name}: base definition");
    assert_eq!((defs[1].0, defs[1].1, defs[1].3), (0, 2, version), "{name}");
    assert_eq!(defs[1].2, elf_hash(version.as_bytes()), "{name}: vd_hash");

    let dynsym = sections.iter().find(|s| s.typ == SHT_DYNSYM).expect(".dynsym");
    let versym = sections.iter().find(|s| s.typ == SHT_GNU_VERSYM).expect(".gnu.version");
    let text_index = sections.iter().position(|s| s.name == ".text").unwrap();
    let text = &sections[text_index];
    let mut exported = Vec::new();
    for (i, sym) in elf.symbols(dynsym).into_iter().enumerate().skip(1) {
        assert_ne!(sym.info >> 4, STB_LOCAL, "{name}: local symbol {} in .dynsym", sym.name);
        assert_eq!(sym.info & 0xf, STT_FUNC, "{name}: {} is a function", sym.name);
        assert_eq!(sym.other, 0, "{name}: {}: default visibility (no ELFv2 local entry)", sym.name);
        assert_eq!(usize::from(sym.shndx), text_index, "{name}: {} in .text", sym.name);
        assert!(sym.size > 0 && sym.value >= text.addr && sym.value + sym.size <= text.addr + text.size);
        assert_eq!(sym.value % 4, 0, "{name}: {}: instruction-aligned", sym.name);
        let ver = elf.u16(versym.offset as usize + i * 2);
        assert_eq!(ver, 2, "{name}: {} has version {version} (not hidden)", sym.name);
        let listed = symbols.iter().find(|s| s.name == sym.name).expect("listed in VdsoImage");
        assert_eq!((listed.offset, listed.size), (sym.value, sym.size), "{name}: {}", sym.name);
        exported.push(sym.name);
    }
    exported.sort_unstable();
    let mut want = exports.to_vec();
    want.sort_unstable();
    assert_eq!(exported, want, "{name}");
    assert_eq!(symbols.len(), exports.len(), "{name}");
}

/// (owner, type, descsz, first word of the descriptor) of every note.
pub fn notes<'a>(elf: &Elf<'a>) -> Vec<(&'a str, u32, usize, u32)> {
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
    found
}

/// The "Linux" note announces `version_code`, and there is a 20-byte GNU build id.
pub fn check_notes(name: &str, elf: &Elf, version_code: u32) {
    let found = notes(elf);
    assert!(found.contains(&("Linux", 0, 4, version_code)), "{name}: {found:?}");
    assert!(found.iter().any(|n| n.0 == "GNU" && n.1 == 3 && n.2 == 20), "{name}: build id: {found:?}");
}
