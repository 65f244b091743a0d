//! The CPU description a FreeBSD kernel gives (features, cache line, PVR) becomes what Linux would
//! report: AT_PLATFORM by processor version, else by ISA level; cache blocks; POWER9 geometry.

use arch_ppc64::{platform_of_pvr, Ppc64Cpu};

#[test]
fn platform_names_follow_linux_cputable() {
    for (pvr, name) in [
        (0x0039_0200, "ppc970"),
        (0x0044_0100, "ppc970"),
        (0x003f_0201, "power7"),
        (0x004a_0201, "power7+"),
        (0x004b_0201, "power8"),
        (0x004d_0200, "power8"),
        (0x004e_1202, "power9"),
        (0x0080_0100, "power10"),
    ] {
        assert_eq!(platform_of_pvr(pvr), Some(name), "{pvr:#x}");
    }
    assert_eq!(platform_of_pvr(0x1234_0000), None);
}

#[test]
fn a_power9_from_the_kernel_is_the_power9_description() {
    let p9 = Ppc64Cpu::POWER9;
    let cpu = Ppc64Cpu::from_kernel(p9.features, p9.features2, 128, 0x004e_1202);
    assert_eq!(cpu, p9);
}

#[test]
fn unknown_processors_are_named_by_isa_level_and_report_no_geometry() {
    // PPC_FEATURE2_ARCH_3_1 on an unknown PVR: power10; only ARCH_2_07: power8; nothing: ppc970.
    let p10 = Ppc64Cpu::from_kernel(0xdc00_65c0, 0x0004_0000 | 0x0080_0000, 128, 0x7777_0000);
    assert_eq!(p10.platform, "power10");
    assert_eq!(p10.base_platform, "power10");
    assert_eq!(p10.caches.l1d.size, 0);
    assert_eq!(Ppc64Cpu::from_kernel(0, 0x8000_0000, 128, 0x7777_0000).platform, "power8");
    assert_eq!(Ppc64Cpu::from_kernel(0x100, 0, 128, 0x7777_0000).platform, "power7");
    assert_eq!(Ppc64Cpu::from_kernel(0, 0, 128, 0x7777_0000).platform, "ppc970");
    // A cache line that is not a power of two is not believed (AT_DCACHEBSIZE must be one).
    let odd = Ppc64Cpu::from_kernel(0, 0, 96, 0x004d_0200);
    assert_eq!((odd.dcache_block_size, odd.icache_block_size), (128, 128));
    let p8 = Ppc64Cpu::from_kernel(0, 0, 64, 0x004d_0200);
    assert_eq!((p8.platform, p8.dcache_block_size), ("power8", 64));
}
