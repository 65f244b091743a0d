//! Evaluating a trampoline's DWARF CFI (with gimli) against a signal frame in simulated memory: finding
//! the FDE directly and through `.eh_frame_hdr`, evaluating the CFA and register-rule expressions, and
//! checking that every exported function has unwind information. The arch's test builds the frame with
//! its `sendsig` and knows which register is where.

use super::elf::Elf;
use crate::VdsoSymbol;
use gimli::{
    BaseAddresses, EhFrame, EhFrameHdr, EndianSlice, EvaluationResult, Location, Register, RunTimeEndian,
    UnwindSection, Value,
};

/// The section reader the tests use.
pub type R<'a> = EndianSlice<'a, RunTimeEndian>;

/// A deterministic xorshift generator for distinct register values.
pub struct Rng(pub u64);

impl Rng {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// An image's unwind tables.
pub struct Unwind<'a> {
    /// `.eh_frame`.
    pub eh_frame: EhFrame<R<'a>>,
    /// `.eh_frame_hdr`'s bytes.
    pub hdr: &'a [u8],
    /// The section addresses.
    pub bases: BaseAddresses,
    /// The image's byte order.
    pub endian: RunTimeEndian,
}

impl<'a> Unwind<'a> {
    /// The tables of the image `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        let elf = Elf::new(bytes);
        let endian = if elf.little { RunTimeEndian::Little } else { RunTimeEndian::Big };
        let eh = elf.section(".eh_frame").expect(".eh_frame");
        let hdr = elf.section(".eh_frame_hdr").expect(".eh_frame_hdr");
        let text = elf.section(".text").expect(".text");
        Unwind {
            eh_frame: EhFrame::new(elf.section_bytes(&eh), endian),
            hdr: elf.section_bytes(&hdr),
            bases: BaseAddresses::default()
                .set_eh_frame(eh.addr)
                .set_eh_frame_hdr(hdr.addr)
                .set_text(text.addr),
            endian,
        }
    }

    /// The FDE covering `pc`, from `.eh_frame`.
    pub fn fde(&self, pc: u64) -> gimli::FrameDescriptionEntry<R<'a>> {
        self.eh_frame
            .fde_for_address(&self.bases, pc, EhFrame::cie_from_offset)
            .unwrap_or_else(|e| panic!("no FDE covers {pc:#x}: {e}"))
    }

    /// Unwinders find the FDE through the binary search table of `.eh_frame_hdr`: at every pc of `pcs`
    /// that is the FDE starting at `start`.
    pub fn check_hdr_lookup(&self, name: &str, pcs: &[u64], start: u64) {
        let parsed = EhFrameHdr::new(self.hdr, self.endian).parse(&self.bases, 8).expect(".eh_frame_hdr");
        let table = parsed.table().expect("a search table");
        for &pc in pcs {
            let found = table
                .fde_for_address(&self.eh_frame, &self.bases, pc, EhFrame::cie_from_offset)
                .expect("lookup");
            assert_eq!(found.initial_address(), start, "{name}: pc {pc:#x}");
        }
    }

    /// gdb and libgcc can unwind out of every exported function (a profiler's signal may land anywhere):
    /// an FDE covers its first and last instruction.
    pub fn check_every_function_has_cfi(&self, name: &str, symbols: &[VdsoSymbol]) {
        for sym in symbols {
            for pc in [sym.offset, sym.offset + sym.size - 4] {
                let fde = self.eh_frame.fde_for_address(&self.bases, pc, EhFrame::cie_from_offset);
                assert!(fde.is_ok(), "{name}: no FDE for {} at {pc:#x}", sym.name);
            }
        }
    }
}

/// An unsigned integer of `bytes` in the image's byte order.
pub fn uint(bytes: &[u8], little: bool) -> u128 {
    let fold = |v: u128, &b: &u8| (v << 8) | u128::from(b);
    if little {
        bytes.iter().rev().fold(0, fold)
    } else {
        bytes.iter().fold(0, fold)
    }
}

/// Evaluates a CFI expression with the stack pointer (DWARF register `sp_reg`) = `sp`, reading 8-byte
/// words through `read`; returns the resulting address.
pub fn evaluate(
    expr: gimli::Expression<R<'_>>,
    enc: gimli::Encoding,
    sp_reg: u16,
    sp: u64,
    read: impl Fn(u64) -> u64,
) -> u64 {
    let mut ev = expr.evaluation(enc);
    let mut res = ev.evaluate().expect("evaluate");
    loop {
        res = match res {
            EvaluationResult::Complete => break,
            EvaluationResult::RequiresRegister { register, .. } => {
                assert_eq!(register, Register(sp_reg), "only the stack pointer is read");
                ev.resume_with_register(Value::Generic(sp)).expect("resume")
            }
            EvaluationResult::RequiresMemory { address, size, .. } => {
                assert_eq!(size, 8);
                ev.resume_with_memory(Value::Generic(read(address))).expect("resume")
            }
            other => panic!("unexpected {other:?}"),
        };
    }
    let pieces = ev.result();
    assert_eq!(pieces.len(), 1);
    match pieces[0].location {
        Location::Address { address } => address,
        ref other => panic!("unexpected location {other:?}"),
    }
}
