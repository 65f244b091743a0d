//! The image as an ELF file: a position-independent AArch64 shared object with one read+execute PT_LOAD,
//! nothing writable, no relocations, exactly Linux/arm64's four functions exported under LINUX_2.6.39,
//! the trampoline Linux has (`nop`, then `mov x8, #139; svc #0`), and integer-only code (no FP/SIMD
//! instruction, by a decoder of the A64 encoding groups and by llvm-objdump's disassembly).

use vdso_arm64::{VdsoImage, LINUX_VERSION_CODE, NR_RT_SIGRETURN, VDSO};
use vdso_support::test_support::elf::{self as checks, elf_hash, Elf, DYNAMIC_TAGS, ET_DYN};

const EXPORTS: [&str; 4] =
    ["__kernel_rt_sigreturn", "__kernel_gettimeofday", "__kernel_clock_gettime", "__kernel_clock_getres"];

const EM_AARCH64: u16 = 183;

const NOP: u32 = 0xd503_201f;
const SVC_0: u32 = 0xd400_0001;

fn image() -> (&'static VdsoImage, Elf<'static>) {
    (&VDSO, Elf::new(VDSO.bytes))
}

#[test]
fn header_says_little_endian_aarch64_shared_object() {
    let (img, elf) = image();
    assert_eq!(elf.e_type(), ET_DYN);
    assert_eq!(elf.e_machine(), EM_AARCH64);
    assert_eq!(elf.e_flags(), 0);
    assert!(elf.little);

    // A second opinion from the object crate.
    use object::{Object, ObjectKind};
    let file = object::File::parse(img.bytes).expect("object parses the image");
    assert_eq!(file.kind(), ObjectKind::Dynamic);
    assert_eq!(file.architecture(), object::Architecture::Aarch64);
    assert!(file.is_little_endian());
}

#[test]
fn one_read_execute_load_segment_holds_headers_dynamic_notes_and_unwind_tables() {
    let (img, elf) = image();
    checks::check_segments("arm64", &elf, img.map_size(4096));
}

#[test]
fn nothing_is_writable_and_nothing_needs_relocating() {
    let (_img, elf) = image();
    let bad = [".plt", ".got", ".got.plt", ".data", ".bss", ".rodata"];
    // No DT_GNU_HASH: Linux links the arm64 vdso with --hash-style=sysv.
    let allowed: Vec<u64> = DYNAMIC_TAGS.into_iter().filter(|&t| t != 0x6fff_fef5).collect();
    let (soname, tags) = checks::check_nothing_writable_or_relocated("arm64", &elf, &bad, &allowed);
    assert_eq!(soname, Some("linux-vdso.so.1"), "Linux/arm64's soname");
    assert!(tags.contains(&4), "a SysV hash table (DT_HASH)");
}

#[test]
fn exactly_the_linux_arm64_functions_are_exported_under_linux_2_6_39() {
    // glibc looks the symbols up with this hash (VDSO_HASH in sysdeps/unix/sysv/linux/aarch64).
    assert_eq!(elf_hash(b"LINUX_2.6.39"), 123_718_537);
    let (img, elf) = image();
    checks::check_exports("arm64", &elf, img.symbols, "linux-vdso.so.1", "LINUX_2.6.39", &EXPORTS);
}

#[test]
fn trampoline_is_linux_s_nop_then_mov_x8_139_svc_0() {
    let (img, elf) = image();
    assert_eq!(NR_RT_SIGRETURN, 139);
    let sym = elf.symbol("__kernel_rt_sigreturn").expect("in .symtab");
    assert_eq!((sym.value, sym.size), (img.sigreturn, 8));
    let words: Vec<u32> = [img.sigreturn - 4, img.sigreturn, img.sigreturn + 4].map(|a| elf.insn(a)).to_vec();
    // movz x8, #139 is 0xd2801168: the word libgcc's aarch64_fallback_frame_state compares with.
    assert_eq!(words, [NOP, 0xd280_1168, SVC_0]);
    assert_eq!(&img.bytes[img.sigreturn as usize..][..4], [0x68, 0x11, 0x80, 0xd2], "little-endian code");
}

#[test]
fn notes_announce_the_linux_version_and_a_build_id() {
    let (_img, elf) = image();
    checks::check_notes("arm64", &elf, LINUX_VERSION_CODE);
}

/// Whether an A64 instruction word uses the FP/SIMD unit: the "Data Processing -- Scalar Floating-Point
/// and Advanced SIMD" encoding group (op0 = x111), a load/store with V = 1 (op0 = x1x0, bit 26), or an
/// MRS/MSR of FPCR/FPSR.
fn is_fp_or_simd(w: u32) -> bool {
    let op0 = (w >> 25) & 0xf;
    let data_processing_fp = op0 & 0b0111 == 0b0111;
    let load_store_fp = op0 & 0b0101 == 0b0100 && w & (1 << 26) != 0;
    let fpcr_fpsr = w & 0xffdf_ffc0 == 0xd51b_4400;
    data_processing_fp || load_store_fp || fpcr_fpsr
}

#[test]
fn the_fp_simd_decoder_knows_both_kinds() {
    // Encodings from llvm-mc --triple=aarch64 -show-encoding.
    let fp = [
        0x9e67_0000, // fmov d0, x0
        0x3dc0_0000, // ldr q0, [x0]
        0x6dbf_27e8, // stp d8, d9, [sp, #-16]!
        0x4ea1_8400, // add v0.4s, v0.4s, v1.4s
        0x4c40_7000, // ld1 {v0.16b}, [x0]
        0xd53b_4400, // mrs x0, fpcr
        0xd51b_4421, // msr fpsr, x1
        0x1e62_2820, // fadd d0, d1, d2
        0x9e62_0020, // scvtf d0, x1
        0xbd40_0443, // ldr s3, [x2, #4]
        0x7d00_03e1, // str h1, [sp]
        0xad40_0400, // ldp q0, q1, [x0]
    ];
    let integer = [
        NOP,
        0xd280_1168, // mov x8, #139
        SVC_0,
        0xf940_0020, // ldr x0, [x1]
        0xa9be_7bfd, // stp x29, x30, [sp, #-32]!
        0xd65f_03c0, // ret
        0x9bd1_7c43, // umulh x3, x2, x17
        0xd53b_e051, // mrs x17, cntvct_el0
        0xd53b_e022, // mrs x2, cntpct_el0
        0x88df_fd70, // ldar w16, [x11]
        0xd503_3fdf, // isb
        0xd503_39bf, // dmb ishld
        0x9000_0008, // adrp x8, 0
        0x9b0a_260b, // madd x11, x16, x10, x9
    ];
    for w in fp {
        assert!(is_fp_or_simd(w), "{w:#010x} is FP/SIMD");
    }
    for w in integer {
        assert!(!is_fp_or_simd(w), "{w:#010x} is not FP/SIMD");
    }
}

#[test]
fn code_is_integer_only_and_reads_the_generic_timer() {
    let (_img, elf) = image();
    let text = elf.section(".text").unwrap();
    let (mut virt, mut phys) = (0, 0);
    for at in (text.offset..text.offset + text.size).step_by(4) {
        let w = elf.insn(at);
        assert!(!is_fp_or_simd(w), "FP/SIMD instruction {w:#010x} at {at:#x}");
        virt += usize::from(w & !31 == 0xd53b_e040); // mrs xN, cntvct_el0
        phys += usize::from(w & !31 == 0xd53b_e020); // mrs xN, cntpct_el0
    }
    // clock_gettime and gettimeofday, each for both counters (th_physical).
    assert!(virt >= 2 && phys >= 2, "the clock functions read the counter ({virt} virtual, {phys} physical)");
}

#[test]
fn llvm_objdump_sees_no_fp_simd_register_either() {
    // A second opinion: disassemble .text and look at every operand.
    let objdump =
        ["llvm-objdump", "llvm-objdump-14", "llvm-objdump-15", "llvm-objdump-16", "llvm-objdump-19"]
            .iter()
            .find_map(|n| {
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                    .map(|d| d.join(n))
                    .find(|p| p.is_file())
            })
            .expect("llvm-objdump: install the Debian package llvm");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("vdso-arm64-structure.so");
    std::fs::write(&path, VDSO.bytes).unwrap();
    let out = std::process::Command::new(objdump)
        .args(["-d", "--no-show-raw-insn", "--section=.text"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut insns = 0;
    // Instruction lines: "     2c4:      \tmov\tx8, #139".
    for line in text.lines().filter(|l| l.starts_with(' ') && l.contains('\t')) {
        let insn = line.split_once(':').unwrap().1.trim();
        let (mnemonic, operands) = insn.split_once('\t').unwrap_or((insn, ""));
        insns += 1;
        assert!(!mnemonic.starts_with('f') && !mnemonic.starts_with("scvtf"), "FP instruction: {line}");
        let operands = operands.split('<').next().unwrap(); // drop "<symbol+off>" comments
        for op in operands.split(|c: char| !c.is_ascii_alphanumeric()) {
            let fp_reg = op.len() >= 2
                && matches!(op.as_bytes()[0], b'v' | b'q' | b'd' | b's' | b'h' | b'b' | b'z' | b'p')
                && op[1..].parse::<u32>().is_ok_and(|n| n < 32);
            assert!(!fp_reg, "FP/SIMD register {op}: {line}");
            assert!(!op.eq_ignore_ascii_case("fpcr") && !op.eq_ignore_ascii_case("fpsr"), "{line}");
        }
    }
    assert!(insns > 100, "disassembled {insns} instructions:\n{text}");
}
