//! The initial user stack of a new Linux process, laid out exactly as Linux's `fs/binfmt_elf.c`
//! (`create_elf_tables`) and `fs/exec.c` do it, from the top of the stack down:
//!
//! ```text
//! stack_top      ─┬─ 8 zero bytes            (Linux: bprm->p starts at vm_end - sizeof(void *))
//!                 ├─ execfn string            ← AT_EXECFN
//!                 ├─ envp strings             (envp[0] lowest)
//!                 ├─ argv strings             (argv[0] lowest)
//!   & !15         ├─ platform string          ← AT_PLATFORM        (if the arch has one)
//!                 ├─ base platform string     ← AT_BASE_PLATFORM   (if the arch has one)
//!                 ├─ 16 random bytes          ← AT_RANDOM
//!                 ├─ (padding to 16)
//!                 ├─ auxv pairs, AT_NULL
//!                 ├─ NULL, envp[envc-1] .. envp[0]
//!                 ├─ NULL, argv[argc-1] .. argv[0]
//! sp (16-aligned) ┴─ argc
//! ```
//!
//! Linux also moves the stack down by a random amount (`arch_align_stack`); the caller may do that by
//! passing a lower `stack_top`. Every pointer and integer is written in the guest's byte order.

use crate::auxv::*;
use crate::errno::LinuxErrno;
use crate::hooks::ExecHooks;
use crate::uaccess::{UserAddr, UserMemory};
use core::marker::PhantomData;
use zerocopy::byteorder::{ByteOrder, U64};
use zerocopy::IntoBytes;

/// Linux's `MAX_ARG_STRLEN`: the longest single argument or environment string, NUL included.
pub const MAX_ARG_STRLEN: u64 = 32 * 4096;

/// Linux's `MAX_ARG_STRINGS`.
pub const MAX_ARG_STRINGS: u64 = 0x7FFF_FFFF;

/// The argument and environment strings of an exec, as FreeBSD's `struct image_args` holds them: one
/// buffer of `argc` NUL-terminated argument strings followed by `envc` NUL-terminated environment strings.
#[derive(Clone, Copy, Debug)]
pub struct ExecArgs<'a> {
    strings: &'a [u8],
    argc: u64,
    envc: u64,
}

impl<'a> ExecArgs<'a> {
    /// Checks the buffer: exactly `argc + envc` NUL-terminated strings (else `EINVAL`), none longer than
    /// [`MAX_ARG_STRLEN`] (else `E2BIG`).
    pub fn new(strings: &'a [u8], argc: u64, envc: u64) -> Result<Self, LinuxErrno> {
        let total = argc.checked_add(envc).ok_or(LinuxErrno::E2BIG)?;
        if total > MAX_ARG_STRINGS {
            return Err(LinuxErrno::E2BIG);
        }
        let mut count = 0u64;
        for s in strings.split_inclusive(|&b| b == 0) {
            if s.last() != Some(&0) {
                return Err(LinuxErrno::EINVAL);
            }
            if s.len() as u64 > MAX_ARG_STRLEN {
                return Err(LinuxErrno::E2BIG);
            }
            count = count.saturating_add(1);
        }
        if count != total {
            return Err(LinuxErrno::EINVAL);
        }
        Ok(Self { strings, argc, envc })
    }

    /// Number of arguments.
    pub fn argc(&self) -> u64 {
        self.argc
    }

    /// Number of environment strings.
    pub fn envc(&self) -> u64 {
        self.envc
    }

    /// The whole string area (arguments then environment), each string with its NUL.
    pub fn strings(&self) -> &'a [u8] {
        self.strings
    }

    /// Every string with its NUL, arguments first.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> {
        self.strings.split_inclusive(|&b| b == 0)
    }
}

/// What the image activator learned about the program, for the auxiliary vector.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecImageInfo {
    /// Address of the program headers in the new image (`AT_PHDR`).
    pub phdr: u64,
    /// Size of one program header (`AT_PHENT`, 56 for ELF64).
    pub phent: u64,
    /// Number of program headers (`AT_PHNUM`).
    pub phnum: u64,
    /// Load address of the interpreter, 0 for a static program (`AT_BASE`).
    pub interp_base: u64,
    /// The program's own entry point, relocated (`AT_ENTRY`).
    pub entry: u64,
    /// `AT_FLAGS`.
    pub flags: u64,
    /// `AT_UID`, `AT_EUID`, `AT_GID`, `AT_EGID`.
    pub uid: u64,
    /// Effective uid.
    pub euid: u64,
    /// Real gid.
    pub gid: u64,
    /// Effective gid.
    pub egid: u64,
    /// Set-id exec (`AT_SECURE`).
    pub secure: bool,
    /// `AT_PAGESZ`.
    pub page_size: u64,
    /// `AT_CLKTCK` (Linux reports `USER_HZ`, 100).
    pub clock_ticks: u64,
    /// Base of the vdso mapped into the new image, if any (`AT_SYSINFO_EHDR`).
    pub vdso_base: Option<u64>,
}

/// Limits on the initial stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StackLimits {
    /// Maximum bytes of argument and environment strings plus their pointers (Linux: a quarter of the
    /// stack rlimit, capped at 3/4 of `_STK_LIM`): `E2BIG` beyond it.
    pub max_args_bytes: u64,
    /// Lowest address the stack may reach: `E2BIG` if the tables would go below it.
    pub stack_bottom: u64,
}

impl Default for StackLimits {
    fn default() -> Self {
        // 8 MiB stack rlimit / 4, as Linux computes for the default limit.
        Self { max_args_bytes: 2 * 1024 * 1024, stack_bottom: 0 }
    }
}

/// Where each part of the initial stack went: the stack pointer for exec_setregs, and the addresses
/// the auxiliary vector names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitialStack {
    /// The new stack pointer: address of argc, 16-byte aligned.
    pub sp: u64,
    /// Number of arguments.
    pub argc: u64,
    /// Address of argv[0]'s pointer.
    pub argv: u64,
    /// Address of envp[0]'s pointer.
    pub envp: u64,
    /// Address of the first auxv pair.
    pub auxv: u64,
    /// Number of auxv pairs including AT_NULL.
    pub auxv_len: u64,
    /// Address of the execfn string.
    pub execfn: u64,
    /// Address of the 16 random bytes.
    pub random: u64,
    /// Address of the platform string, if any.
    pub platform: Option<u64>,
    /// Address of the base platform string, if any.
    pub base_platform: Option<u64>,
}

/// Builds the generic auxiliary vector entries, in Linux's order, after the arch's `ARCH_DLINFO`.
fn build_auxv<A: ExecHooks + ?Sized>(
    arch: &A,
    info: &ExecImageInfo,
    strings: &InitialStack,
) -> Result<AuxvBuilder, LinuxErrno> {
    let mut aux = AuxvBuilder::new();
    arch.arch_dlinfo(info, &mut aux)?;
    aux.push(AT_HWCAP, arch.hwcap())?;
    aux.push(AT_PAGESZ, info.page_size)?;
    aux.push(AT_CLKTCK, info.clock_ticks)?;
    aux.push(AT_PHDR, info.phdr)?;
    aux.push(AT_PHENT, info.phent)?;
    aux.push(AT_PHNUM, info.phnum)?;
    aux.push(AT_BASE, info.interp_base)?;
    aux.push(AT_FLAGS, info.flags)?;
    aux.push(AT_ENTRY, info.entry)?;
    aux.push(AT_UID, info.uid)?;
    aux.push(AT_EUID, info.euid)?;
    aux.push(AT_GID, info.gid)?;
    aux.push(AT_EGID, info.egid)?;
    aux.push(AT_SECURE, u64::from(info.secure))?;
    aux.push(AT_RANDOM, strings.random)?;
    if let Some(h2) = arch.hwcap2() {
        aux.push(AT_HWCAP2, h2)?;
    }
    aux.push(AT_EXECFN, strings.execfn)?;
    if let Some(p) = strings.platform {
        aux.push(AT_PLATFORM, p)?;
    }
    if let Some(p) = strings.base_platform {
        aux.push(AT_BASE_PLATFORM, p)?;
    }
    Ok(aux)
}

fn e2big<T>(v: Option<T>) -> Result<T, LinuxErrno> {
    v.ok_or(LinuxErrno::E2BIG)
}

/// Lays out and copies out the whole initial stack (Linux `create_elf_tables` plus the string copies of
/// `do_execveat_common`). `execfn` is the path the program was executed by, without NUL. Nothing is
/// written unless the whole layout fits within `limits`; a fault while writing is `EFAULT`.
pub fn copyout_initial_stack<A: ExecHooks + ?Sized, M: UserMemory + ?Sized>(
    arch: &A,
    mem: &mut M,
    stack_top: u64,
    args: &ExecArgs<'_>,
    execfn: &[u8],
    info: &ExecImageInfo,
    random: &[u8; 16],
    limits: &StackLimits,
) -> Result<InitialStack, LinuxErrno> {
    if execfn.contains(&0) {
        return Err(LinuxErrno::EINVAL);
    }
    // ExecArgs::new checked argc + envc <= MAX_ARG_STRINGS; the checks below still refuse overflow.
    let ptr_bytes = e2big(args.argc.checked_add(args.envc).and_then(|n| n.checked_mul(8)))?;
    let execfn_len = execfn.len() as u64;
    let str_bytes =
        e2big((args.strings.len() as u64).checked_add(execfn_len).and_then(|n| n.checked_add(1)))?;
    if e2big(ptr_bytes.checked_add(str_bytes))? > limits.max_args_bytes {
        return Err(LinuxErrno::E2BIG);
    }

    // Strings, from the top down.
    let top = stack_top & !7;
    let mut layout = InitialStack { argc: args.argc, ..InitialStack::default() };
    let zero_word = e2big(top.checked_sub(8))?;
    layout.execfn = e2big(zero_word.checked_sub(execfn_len.saturating_add(1)))?;
    let strings_at = e2big(layout.execfn.checked_sub(args.strings.len() as u64))?;
    let mut p = strings_at & !15;
    let platform = arch.platform();
    let base_platform = arch.base_platform();
    if let Some(s) = platform {
        p = e2big(p.checked_sub((s.len() as u64).saturating_add(1)))?;
        layout.platform = Some(p);
    }
    if let Some(s) = base_platform {
        p = e2big(p.checked_sub((s.len() as u64).saturating_add(1)))?;
        layout.base_platform = Some(p);
    }
    layout.random = e2big(p.checked_sub(16))?;

    // Tables, from argc up: argc, argv[], NULL, envp[], NULL, auxv.
    let aux = build_auxv(arch, info, &layout)?;
    let aux_words = e2big((aux.entries().len() as u64).checked_mul(2))?;
    // argc, argv[], NULL, envp[], NULL.
    let items = e2big(args.argc.checked_add(args.envc).and_then(|n| n.checked_add(3)))?;
    let table_bytes = e2big(aux_words.checked_add(items).and_then(|w| w.checked_mul(8)))?;
    layout.sp = e2big(layout.random.checked_sub(table_bytes))? & !15;
    if layout.sp < limits.stack_bottom {
        return Err(LinuxErrno::E2BIG);
    }
    // Below `random`, which is below the top of the address space: these cannot wrap.
    let words = |n: u64| n.wrapping_add(1).wrapping_mul(8);
    layout.argv = layout.sp.wrapping_add(8);
    layout.envp = layout.argv.wrapping_add(words(args.argc));
    layout.auxv = layout.envp.wrapping_add(words(args.envc));
    layout.auxv_len = aux.entries().len() as u64;

    // Copy out, strings first.
    mem.copy_out(UserAddr(zero_word), &[0u8; 8])?;
    mem.copy_out(UserAddr(layout.execfn), execfn)?;
    mem.copy_out(UserAddr(layout.execfn).offset(execfn_len)?, &[0])?;
    mem.copy_out(UserAddr(strings_at), args.strings)?;
    for (s, at) in [(platform, layout.platform), (base_platform, layout.base_platform)] {
        if let (Some(s), Some(at)) = (s, at) {
            mem.copy_out(UserAddr(at), s)?;
            mem.copy_out(UserAddr(at).offset(s.len() as u64)?, &[0])?;
        }
    }
    mem.copy_out(UserAddr(layout.random), random)?;

    let mut w = WordWriter::<A::Order, M>::new(mem, layout.sp);
    w.push(args.argc)?;
    let mut strings = args.iter();
    let mut at = strings_at;
    for count in [args.argc, args.envc] {
        for _ in 0..count {
            // ExecArgs::new checked that there are exactly argc + envc strings.
            let s = strings.next().ok_or(LinuxErrno::EINVAL)?;
            w.push(at)?;
            at = at.wrapping_add(s.len() as u64); // within the strings copied out above
        }
        w.push(0)?;
    }
    for (k, v) in aux.entries() {
        w.push(*k)?;
        w.push(*v)?;
    }
    w.flush()?;
    Ok(layout)
}

/// Writes guest-order 64-bit words upward from an address, in chunks, so that building a stack for
/// many arguments costs a copyout per 32 words rather than per word.
struct WordWriter<'m, E: ByteOrder, M: UserMemory + ?Sized> {
    mem: &'m mut M,
    at: u64,
    buf: [U64<E>; 32],
    len: usize,
    _order: PhantomData<E>,
}

impl<'m, E: ByteOrder, M: UserMemory + ?Sized> WordWriter<'m, E, M> {
    fn new(mem: &'m mut M, at: u64) -> Self {
        Self { mem, at, buf: [U64::ZERO; 32], len: 0, _order: PhantomData }
    }

    fn push(&mut self, v: u64) -> Result<(), LinuxErrno> {
        if self.len == self.buf.len() {
            self.flush()?;
        }
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = U64::new(v);
            self.len = self.len.saturating_add(1);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), LinuxErrno> {
        let words = self.buf.get(..self.len).unwrap_or(&[]);
        self.mem.copy_out(UserAddr(self.at), words.as_bytes())?;
        self.at = UserAddr(self.at).offset(words.as_bytes().len() as u64)?.0;
        self.len = 0;
        Ok(())
    }
}

/// An initial stack read back from user memory: what a C runtime's `_start` sees.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedStack {
    /// The argument strings, without NULs.
    pub argv: alloc::vec::Vec<alloc::vec::Vec<u8>>,
    /// The environment strings, without NULs.
    pub envp: alloc::vec::Vec<alloc::vec::Vec<u8>>,
    /// The auxiliary vector, without the terminating AT_NULL.
    pub auxv: alloc::vec::Vec<(u64, u64)>,
}

/// Reads an initial stack back as a program's startup code would (argc, argv, envp, auxv, following the
/// pointers to NUL-terminated strings). For tests and the emulator harness; every read is fault-checked.
#[cfg(feature = "alloc")]
pub fn parse_initial_stack<E: ByteOrder, M: UserMemory + ?Sized>(
    mem: &M,
    sp: u64,
) -> Result<ParsedStack, LinuxErrno> {
    use alloc::vec::Vec;
    let word = |at: u64| -> Result<u64, LinuxErrno> {
        let w: U64<E> = mem.read_value(UserAddr(at))?;
        Ok(w.get())
    };
    let string = |mut at: u64| -> Result<Vec<u8>, LinuxErrno> {
        let mut s = Vec::new();
        loop {
            let mut b = [0u8; 1];
            mem.copy_in(UserAddr(at), &mut b)?;
            if b[0] == 0 || s.len() as u64 > MAX_ARG_STRLEN {
                return Ok(s);
            }
            s.push(b[0]);
            at = at.checked_add(1).ok_or(LinuxErrno::EFAULT)?;
        }
    };
    let mut out = ParsedStack::default();
    let argc = word(sp)?;
    let next = |at: u64, n: u64| at.checked_add(n).ok_or(LinuxErrno::EFAULT);
    let mut at = next(sp, 8)?;
    for _ in 0..argc {
        out.argv.push(string(word(at)?)?);
        at = next(at, 8)?;
    }
    if word(at)? != 0 {
        return Err(LinuxErrno::EINVAL);
    }
    at = next(at, 8)?;
    loop {
        let p = word(at)?;
        at = next(at, 8)?;
        if p == 0 {
            break;
        }
        out.envp.push(string(p)?);
    }
    loop {
        let (k, v) = (word(at)?, word(next(at, 8)?)?);
        at = next(at, 16)?;
        if k == AT_NULL {
            return Ok(out);
        }
        out.auxv.push((k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Prot, SimUserMemory};
    use std::vec;
    use std::vec::Vec;
    use zerocopy::LittleEndian;

    /// An architecture with no platform strings, no AT_HWCAP2 and no ARCH_DLINFO entries.
    struct Plain;
    impl crate::hooks::ArchState for Plain {
        type Order = LittleEndian;
        type Frame = ();
        type Thread = ();
        fn frame(_: &()) -> &() {
            &()
        }
        fn frame_mut(t: &mut ()) -> &mut () {
            t
        }
    }
    impl ExecHooks for Plain {
        fn hwcap(&self) -> u64 {
            0x55
        }
        fn hwcap2(&self) -> Option<u64> {
            None
        }
        fn platform(&self) -> Option<&[u8]> {
            None
        }
        fn base_platform(&self) -> Option<&[u8]> {
            None
        }
        fn arch_dlinfo(&self, _: &ExecImageInfo, _: &mut AuxvBuilder) -> Result<(), LinuxErrno> {
            Ok(())
        }
        fn exec_setregs<M: UserMemory + ?Sized>(
            &self,
            _: &mut (),
            _: &M,
            _: &crate::hooks::ExecEntry,
            _: &InitialStack,
        ) -> Result<(), LinuxErrno> {
            Ok(())
        }
    }

    const TOP: u64 = 0x8000_0000;

    fn mem() -> SimUserMemory {
        let mut m = SimUserMemory::new();
        m.map(TOP - 0x40000, 0x40000, Prot::READ | Prot::WRITE);
        m
    }

    fn block(argv: &[&str], envp: &[&str]) -> Vec<u8> {
        let mut b = Vec::new();
        for s in argv.iter().chain(envp) {
            b.extend_from_slice(s.as_bytes());
            b.push(0);
        }
        b
    }

    #[test]
    fn stack_parses_back_to_what_went_in_for_every_alignment() {
        for extra in 0..40usize {
            let long = "x".repeat(extra);
            let argv = ["/bin/true", long.as_str(), ""];
            let envp = ["HOME=/root", "A="];
            let b = block(&argv, &envp);
            let args = ExecArgs::new(&b, 3, 2).unwrap();
            let mut m = mem();
            let info =
                ExecImageInfo { page_size: 4096, clock_ticks: 100, entry: 0x1234, ..Default::default() };
            let st = copyout_initial_stack(
                &Plain,
                &mut m,
                TOP - extra as u64,
                &args,
                b"/bin/true",
                &info,
                &[7; 16],
                &StackLimits::default(),
            )
            .unwrap();
            assert_eq!(st.sp % 16, 0);
            assert_eq!((st.platform, st.base_platform), (None, None));
            let p = parse_initial_stack::<LittleEndian, _>(&m, st.sp).unwrap();
            let want: Vec<Vec<u8>> = argv.iter().map(|s| s.as_bytes().to_vec()).collect();
            assert_eq!(p.argv, want);
            assert_eq!(p.envp, vec![b"HOME=/root".to_vec(), b"A=".to_vec()]);
            let keys: Vec<u64> = p.auxv.iter().map(|(k, _)| *k).collect();
            assert_eq!(
                keys,
                [
                    AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS, AT_ENTRY,
                    AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN
                ]
            );
            let get = |k| p.auxv.iter().find(|(kk, _)| *kk == k).unwrap().1;
            assert_eq!(get(AT_ENTRY), 0x1234);
            assert_eq!(m.peek(get(AT_RANDOM), 16).unwrap(), vec![7; 16]);
            assert_eq!(m.peek(get(AT_EXECFN), 10).unwrap(), b"/bin/true\0".to_vec());
        }
    }

    #[test]
    fn failure_paths() {
        let b = block(&["a"], &[]);
        let args = ExecArgs::new(&b, 1, 0).unwrap();
        let info = ExecImageInfo::default();
        // Stack not mapped at all: EFAULT.
        let mut empty = SimUserMemory::new();
        let r = copyout_initial_stack(
            &Plain,
            &mut empty,
            TOP,
            &args,
            b"/a",
            &info,
            &[0; 16],
            &StackLimits::default(),
        );
        assert_eq!(r.unwrap_err(), LinuxErrno::EFAULT);
        // Total over the limit: E2BIG, nothing written.
        let mut m = mem();
        let limits = StackLimits { max_args_bytes: 10, stack_bottom: 0 };
        let r = copyout_initial_stack(&Plain, &mut m, TOP, &args, b"/a", &info, &[0; 16], &limits);
        assert_eq!(r.unwrap_err(), LinuxErrno::E2BIG);
        assert_eq!(m.copy_out_calls, 0);
        // A stack top so low that the layout would wrap below zero: E2BIG, not a panic.
        let r =
            copyout_initial_stack(&Plain, &mut m, 64, &args, b"/a", &info, &[0; 16], &StackLimits::default());
        assert_eq!(r.unwrap_err(), LinuxErrno::E2BIG);
        // A NUL inside execfn.
        let r = copyout_initial_stack(
            &Plain,
            &mut m,
            TOP,
            &args,
            b"/a\0b",
            &info,
            &[0; 16],
            &StackLimits::default(),
        );
        assert_eq!(r.unwrap_err(), LinuxErrno::EINVAL);
        // More strings than Linux allows.
        assert_eq!(ExecArgs::new(b"", MAX_ARG_STRINGS, 1).unwrap_err(), LinuxErrno::E2BIG);
        assert_eq!(ExecArgs::new(b"", u64::MAX, 1).unwrap_err(), LinuxErrno::E2BIG);
        // Parsing a garbage stack fails with an errno, not a panic.
        assert!(parse_initial_stack::<LittleEndian, _>(&m, 0x10).is_err());
    }
}
