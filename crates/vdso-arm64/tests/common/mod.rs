//! Shared by the vdso tests: a small ELF64 reader (independent of build.rs's).
#![allow(dead_code)]

/// An ELF64 file of either byte order (the arm64 image is little-endian; the reader does not assume it).
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
