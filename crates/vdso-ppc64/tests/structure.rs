//! The images as ELF files, both byte orders: a position-independent ppc64 ELFv2 shared object with one
//! read+execute PT_LOAD, nothing writable, no relocations, the nine functions exported under
//! LINUX_2.6.15 without descriptors, the trampoline Linux has, and integer-only code that never touches r2.

use vdso_ppc64::{VdsoImage, LINUX_VERSION_CODE, VDSO_BE, VDSO_LE};
use vdso_support::test_support::elf::{self as checks, elf_hash, Elf, DYNAMIC_TAGS, ET_DYN};

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

const EM_PPC64: u16 = 21;

fn for_each_image(f: impl Fn(&str, &VdsoImage, &Elf)) {
    for (name, img) in [("big-endian", &VDSO_BE), ("little-endian", &VDSO_LE)] {
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
    for_each_image(|name, img, elf| checks::check_segments(name, elf, img.map_size(4096)));
}

#[test]
fn nothing_is_writable_and_nothing_needs_relocating() {
    for_each_image(|name, _img, elf| {
        let bad = [".opd", ".plt", ".got", ".toc", ".glink", ".data", ".bss", ".branch_lt", ".rodata"];
        let (soname, _) = checks::check_nothing_writable_or_relocated(name, elf, &bad, &DYNAMIC_TAGS);
        assert_eq!(soname, Some("linux-vdso64.so.1"), "{name}");
    });
}

#[test]
fn exactly_the_linux_functions_are_exported_under_linux_2_6_15_without_descriptors() {
    // glibc looks the symbols up with this hash (VDSO_HASH in sysdeps/unix/sysv/linux/powerpc).
    assert_eq!(elf_hash(b"LINUX_2.6.15"), 123_718_565);
    for_each_image(|name, img, elf| {
        checks::check_exports(name, elf, img.symbols, "linux-vdso64.so.1", "LINUX_2.6.15", &EXPORTS);
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
    for_each_image(|name, _img, elf| checks::check_notes(name, elf, LINUX_VERSION_CODE));
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
