//! The part of an ELF header the brand decision needs, and the brand description itself (what FreeBSD's
//! `Elf64_Brandinfo` says about a Linux ABI: machine, byte order, interpreter path, e_flags predicate).

use crate::errno::LinuxErrno;

/// `EM_PPC64`.
pub const EM_PPC64: u16 = 21;
/// `EM_AARCH64`.
pub const EM_AARCH64: u16 = 183;
/// `ELFOSABI_NONE` (System V): what Linux toolchains emit.
pub const ELFOSABI_NONE: u8 = 0;
/// `ELFOSABI_LINUX` (GNU).
pub const ELFOSABI_LINUX: u8 = 3;

/// Byte order of an ELF file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Endian {
    /// `ELFDATA2LSB`.
    Little,
    /// `ELFDATA2MSB`.
    Big,
}

/// The fields of an ELF64 file header that select a brand and start a program.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Elf64Header {
    /// Byte order.
    pub endian: Endian,
    /// `e_ident[EI_OSABI]`.
    pub osabi: u8,
    /// `e_type` (2 = EXEC, 3 = DYN).
    pub e_type: u16,
    /// `e_machine`.
    pub machine: u16,
    /// `e_entry`.
    pub entry: u64,
    /// `e_phoff`.
    pub phoff: u64,
    /// `e_flags`.
    pub flags: u32,
    /// `e_phentsize`.
    pub phentsize: u16,
    /// `e_phnum`.
    pub phnum: u16,
}

impl Elf64Header {
    /// Size of the ELF64 file header.
    pub const SIZE: usize = 64;

    /// Parses the first bytes of a file. `ENOEXEC` for anything that is not a well-formed ELF64
    /// executable or shared object header (short, wrong magic, class, version, type or header sizes).
    pub fn parse(bytes: &[u8]) -> Result<Elf64Header, LinuxErrno> {
        let h = bytes.get(..Self::SIZE).ok_or(LinuxErrno::ENOEXEC)?;
        if h.get(..4) != Some(b"\x7fELF".as_slice()) || h.get(4) != Some(&2) || h.get(6) != Some(&1) {
            return Err(LinuxErrno::ENOEXEC);
        }
        let endian = match h.get(5) {
            Some(1) => Endian::Little,
            Some(2) => Endian::Big,
            _ => return Err(LinuxErrno::ENOEXEC),
        };
        let rd = |off: usize, n: usize| -> Result<u64, LinuxErrno> {
            let b = h.get(off..off.saturating_add(n)).ok_or(LinuxErrno::ENOEXEC)?;
            let mut v = 0u64;
            for i in 0..n {
                let byte = match endian {
                    Endian::Big => b.get(i),
                    Endian::Little => b.get(n.wrapping_sub(1).wrapping_sub(i)),
                };
                v = (v << 8) | u64::from(*byte.ok_or(LinuxErrno::ENOEXEC)?);
            }
            Ok(v)
        };
        let hdr = Elf64Header {
            endian,
            osabi: h.get(7).copied().unwrap_or(0),
            e_type: rd(16, 2)? as u16,
            machine: rd(18, 2)? as u16,
            entry: rd(24, 8)?,
            phoff: rd(32, 8)?,
            flags: rd(48, 4)? as u32,
            phentsize: rd(54, 2)? as u16,
            phnum: rd(56, 2)? as u16,
        };
        let version = rd(20, 4)?;
        let ehsize = rd(52, 2)?;
        if version != 1 || ehsize != Self::SIZE as u64 || !(hdr.e_type == 2 || hdr.e_type == 3) {
            return Err(LinuxErrno::ENOEXEC);
        }
        if hdr.phnum > 0 && hdr.phentsize != 56 {
            return Err(LinuxErrno::ENOEXEC);
        }
        Ok(hdr)
    }
}

/// A rule on `e_flags`: `flags & mask == value`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EflagsRule {
    /// Bits that matter.
    pub mask: u32,
    /// What they must be.
    pub value: u32,
    /// Inverts the rule: match when `flags & mask != value` (ELFv1 is "anything but ELFv2": its objects
    /// carry 0 or 1 in the ABI bits).
    pub negate: bool,
}

impl EflagsRule {
    /// Accepts any flags.
    pub const ANY: EflagsRule = EflagsRule { mask: 0, value: 0, negate: false };

    /// Whether `flags` satisfies the rule.
    pub fn matches(&self, flags: u32) -> bool {
        (flags & self.mask == self.value) != self.negate
    }
}

/// One Linux ABI as FreeBSD's image activator sees it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ElfBrand {
    /// A name for messages ("Linux ELFv1 ppc64").
    pub name: &'static str,
    /// `e_machine`.
    pub machine: u16,
    /// Byte order.
    pub endian: Endian,
    /// The interpreter path that marks a dynamic program of this ABI (NUL-free).
    pub interpreter: &'static str,
    /// Other interpreter paths of the same ABI (musl's, for instance).
    pub alt_interpreters: &'static [&'static str],
    /// The e_flags the ABI's objects carry.
    pub eflags: EflagsRule,
}

impl ElfBrand {
    /// Whether a header belongs to this ABI (machine, byte order and e_flags; the interpreter is
    /// checked separately by [`ElfBrand::claims_interpreter`]).
    pub fn header_supported(&self, h: &Elf64Header) -> bool {
        h.machine == self.machine && h.endian == self.endian && self.eflags.matches(h.flags)
    }

    /// Whether `path` is one of this ABI's interpreters.
    pub fn claims_interpreter(&self, path: &[u8]) -> bool {
        path == self.interpreter.as_bytes() || self.alt_interpreters.iter().any(|p| p.as_bytes() == path)
    }
}

/// Picks the brand for a header and optional interpreter path: the first whose header rule matches and,
/// for a dynamic program, which claims its interpreter. `ENOEXEC` when none does.
pub fn select_brand<'b>(
    brands: &'b [ElfBrand],
    header: &Elf64Header,
    interpreter: Option<&[u8]>,
) -> Result<&'b ElfBrand, LinuxErrno> {
    brands
        .iter()
        .find(|b| b.header_supported(header) && interpreter.is_none_or(|i| b.claims_interpreter(i)))
        .ok_or(LinuxErrno::ENOEXEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(endian: Endian, machine: u16, flags: u32) -> [u8; 64] {
        let mut h = [0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = if endian == Endian::Big { 2 } else { 1 };
        h[6] = 1;
        let put = |h: &mut [u8; 64], off: usize, v: u64, n: usize| {
            for i in 0..n {
                let b = (v >> (8 * i)) as u8;
                let at = if endian == Endian::Big { off + n - 1 - i } else { off + i };
                h[at] = b;
            }
        };
        put(&mut h, 16, 2, 2);
        put(&mut h, 18, u64::from(machine), 2);
        put(&mut h, 20, 1, 4);
        put(&mut h, 24, 0x1000_0000, 8);
        put(&mut h, 32, 64, 8);
        put(&mut h, 48, u64::from(flags), 4);
        put(&mut h, 52, 64, 2);
        put(&mut h, 54, 56, 2);
        put(&mut h, 56, 3, 2);
        h
    }

    #[test]
    fn parses_both_byte_orders() {
        let h = Elf64Header::parse(&header(Endian::Big, EM_PPC64, 1)).unwrap();
        assert_eq!(
            (h.endian, h.machine, h.flags, h.entry, h.phnum),
            (Endian::Big, EM_PPC64, 1, 0x1000_0000, 3)
        );
        let h = Elf64Header::parse(&header(Endian::Little, EM_PPC64, 2)).unwrap();
        assert_eq!((h.endian, h.flags, h.phoff), (Endian::Little, 2, 64));
    }

    #[test]
    fn bad_headers_are_enoexec() {
        let good = header(Endian::Big, EM_PPC64, 1);
        assert_eq!(Elf64Header::parse(&good[..63]), Err(LinuxErrno::ENOEXEC));
        for (off, val) in [(0, 0u8), (4, 1), (5, 3), (6, 2), (17, 1), (52, 1), (55, 0x20)] {
            let mut bad = good;
            bad[off] = val;
            assert_eq!(Elf64Header::parse(&bad), Err(LinuxErrno::ENOEXEC), "byte {off} = {val}");
        }
        assert_eq!(Elf64Header::parse(&[]), Err(LinuxErrno::ENOEXEC));
    }

    #[test]
    fn brand_selection_uses_machine_endianness_flags_and_interpreter() {
        let v1 = ElfBrand {
            name: "v1",
            machine: EM_PPC64,
            endian: Endian::Big,
            interpreter: "/lib64/ld64.so.1",
            alt_interpreters: &[],
            eflags: EflagsRule { mask: 3, value: 2, negate: true },
        };
        let v2 = ElfBrand {
            name: "v2",
            machine: EM_PPC64,
            endian: Endian::Big,
            interpreter: "/lib/ld-musl-powerpc64.so.1",
            alt_interpreters: &[],
            eflags: EflagsRule { mask: 3, value: 2, negate: false },
        };
        let brands = [v1, v2];
        let h1 = Elf64Header::parse(&header(Endian::Big, EM_PPC64, 1)).unwrap();
        let h2 = Elf64Header::parse(&header(Endian::Big, EM_PPC64, 2)).unwrap();
        let hl = Elf64Header::parse(&header(Endian::Little, EM_PPC64, 2)).unwrap();
        let ha = Elf64Header::parse(&header(Endian::Big, EM_AARCH64, 0)).unwrap();
        assert_eq!(select_brand(&brands, &h1, None).unwrap().name, "v1");
        assert_eq!(select_brand(&brands, &h2, None).unwrap().name, "v2");
        assert_eq!(select_brand(&brands, &h1, Some(b"/lib64/ld64.so.1")).unwrap().name, "v1");
        assert_eq!(select_brand(&brands, &h2, Some(b"/lib64/ld64.so.1")), Err(LinuxErrno::ENOEXEC));
        assert_eq!(select_brand(&brands, &hl, None), Err(LinuxErrno::ENOEXEC));
        assert_eq!(select_brand(&brands, &ha, None), Err(LinuxErrno::ENOEXEC));
    }
}
