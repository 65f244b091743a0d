//! Property tests of linux-core's round trips: the initial stack parses back to what went in, the
//! signal number and signal set maps are inverses where both systems have the signal, and the errno
//! return conventions decode back.

use linux_core::auxv::{AuxvBuilder, AT_EXECFN, AT_RANDOM};
use linux_core::errno::LinuxErrno;
use linux_core::exec::{
    copyout_initial_stack, parse_initial_stack, ExecArgs, ExecImageInfo, InitialStack, StackLimits,
};
use linux_core::hooks::{ArchState, ExecEntry, ExecHooks};
use linux_core::signal::*;
use linux_core::sim::{Prot, SimUserMemory};
use linux_core::uaccess::UserMemory;
use proptest::prelude::*;
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

/// An architecture with a platform string and one ARCH_DLINFO entry, in byte order `E`.
struct Arch<E>(std::marker::PhantomData<E>);
impl<E: ByteOrder> ArchState for Arch<E> {
    type Order = E;
    type Frame = ();
    type Thread = ();
    fn frame(_: &()) -> &() {
        &()
    }
    fn frame_mut(t: &mut ()) -> &mut () {
        t
    }
}
impl<E: ByteOrder> ExecHooks for Arch<E> {
    fn hwcap(&self) -> u64 {
        0xabc
    }
    fn hwcap2(&self) -> Option<u64> {
        Some(7)
    }
    fn platform(&self) -> Option<&[u8]> {
        Some(b"plat")
    }
    fn base_platform(&self) -> Option<&[u8]> {
        None
    }
    fn arch_dlinfo(&self, _: &ExecImageInfo, aux: &mut AuxvBuilder) -> Result<(), LinuxErrno> {
        aux.push(51, 4096)
    }
    fn exec_setregs<M: UserMemory + ?Sized>(
        &self,
        _: &mut (),
        _: &M,
        _: &ExecEntry,
        _: &InitialStack,
    ) -> Result<(), LinuxErrno> {
        Ok(())
    }
}

const TOP: u64 = 0x8000_0000;

fn string() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(1u8..=255, 0..40)
}

fn stack<E: ByteOrder>(
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    execfn: &[u8],
    skew: u64,
) -> Result<(), TestCaseError> {
    let mut block = Vec::new();
    for s in argv.iter().chain(envp) {
        block.extend_from_slice(s);
        block.push(0);
    }
    let args = ExecArgs::new(&block, argv.len() as u64, envp.len() as u64).unwrap();
    let mut m = SimUserMemory::new();
    m.map(TOP - 0x10000, 0x10000, Prot::READ | Prot::WRITE);
    let info = ExecImageInfo { entry: 0x1234, page_size: 4096, clock_ticks: 100, ..Default::default() };
    let arch = Arch::<E>(std::marker::PhantomData);
    let st = copyout_initial_stack(
        &arch,
        &mut m,
        TOP - skew,
        &args,
        execfn,
        &info,
        &[9; 16],
        &StackLimits::default(),
    )
    .unwrap();
    prop_assert_eq!(st.sp % 16, 0);
    let p = parse_initial_stack::<E, _>(&m, st.sp).unwrap();
    prop_assert_eq!(&p.argv[..], argv);
    prop_assert_eq!(&p.envp[..], envp);
    let get = |k| p.auxv.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v).unwrap();
    prop_assert_eq!(m.peek(get(AT_RANDOM), 16).unwrap(), vec![9; 16]);
    let mut want = execfn.to_vec();
    want.push(0);
    prop_assert_eq!(m.peek(get(AT_EXECFN), want.len()).unwrap(), want);
    Ok(())
}

proptest! {
    #[test]
    fn the_initial_stack_parses_back(
        argv in prop::collection::vec(string(), 0..20),
        envp in prop::collection::vec(string(), 0..20),
        execfn in string(),
        skew in 0u64..64,
        big in any::<bool>(),
    ) {
        if big {
            stack::<BigEndian>(&argv, &envp, &execfn, skew)?;
        } else {
            stack::<LittleEndian>(&argv, &envp, &execfn, skew)?;
        }
    }

    #[test]
    fn signal_numbers_map_back(n in 1u64..=64, b in 0u32..200) {
        let sig = LinuxSignal::new(n).unwrap();
        if let Some(bsd) = linux_to_freebsd_signal(sig) {
            prop_assert_eq!(freebsd_to_linux_signal(bsd), Some(sig));
        }
        if let Some(l) = freebsd_to_linux_signal(b) {
            prop_assert_eq!(linux_to_freebsd_signal(l), Some(b));
        }
    }

    #[test]
    fn sigsets_map_back(bits in any::<u64>()) {
        let set = LinuxSigset(bits);
        let lost = LinuxSignal::SIGSTKFLT.mask() | LinuxSignal::SIGPWR.mask();
        prop_assert_eq!(freebsd_to_linux_sigset(&linux_to_freebsd_sigset(set)).0, bits & !lost);
        let bsd = linux_to_freebsd_sigset(set);
        prop_assert_eq!(linux_to_freebsd_sigset(freebsd_to_linux_sigset(&bsd)), bsd);
    }

    #[test]
    fn errno_returns_decode_back(v in 1u16..=133, raw in any::<u64>()) {
        let e = LinuxErrno::new(v).unwrap();
        prop_assert_eq!(LinuxErrno::from_negative_return(e.as_negative_return()), Some(e));
        if let Some(e) = LinuxErrno::from_negative_return(raw) {
            prop_assert_eq!(e.as_negative_return(), raw);
        }
    }
}
