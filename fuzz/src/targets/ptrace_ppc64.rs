//! powerpc64 ptrace register writes from a tracer: `set_regset` with any set, length and bytes,
//! `poke_user`/`peek_user` at any offset, `get_regset` into short buffers, in both byte orders.
//!
//! Checked on every input:
//! - on `Err`: a Linux errno (EINVAL/EIO), the thread exactly as it was (a write is applied whole or
//!   not at all);
//! - on `Ok`: the MSR differs at most in the trace bits SE and BE (`MSR_DEBUGCHANGE`); `booke_dbcr0`,
//!   DAR, DSISR are unchanged; a changed trap number keeps only bits 0xfff0; CR stays 32 bits;
//! - what `get_regset` returns for a set is what `peek_user` returns word by word for `pt_regs`.

use crate::check::assert_errno;
use crate::input::Input;
use crate::state::ppc_thread;
use arch_ppc64::abi::PT_REGS_COUNT;
use arch_ppc64::frame::Ppc64Thread;
use arch_ppc64::ptrace::{
    fixed_request, get_regset, peek_user, poke_user, set_regset, Regset, MSR_DEBUGCHANGE,
};
use linux_core::errno::LinuxErrno;
use zerocopy::byteorder::{ByteOrder, U64};
use zerocopy::{BigEndian, FromBytes, LittleEndian};

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    if inp.u8() & 1 == 0 {
        go::<BigEndian>(&mut inp)
    } else {
        go::<LittleEndian>(&mut inp)
    }
}

fn check(before: &Ppc64Thread, after: &Ppc64Thread, r: Result<(), LinuxErrno>, what: &str) {
    match r {
        Err(e) => {
            assert_errno(e, what);
            assert!(e == LinuxErrno::EIO || e == LinuxErrno::EINVAL, "{what}: {e:?}");
            assert_eq!(after, before, "{what} failed but changed the thread");
        }
        Ok(()) => {
            let (a, b) = (&after.frame, &before.frame);
            assert_eq!((a.srr1 ^ b.srr1) & !MSR_DEBUGCHANGE, 0, "{what} changed a privileged MSR bit");
            assert_eq!((a.booke_dbcr0, a.dar, a.dsisr), (b.booke_dbcr0, b.dar, b.dsisr), "{what}");
            if a.exc != b.exc {
                assert_eq!(a.exc & !0xfff0, 0, "{what}: trap number");
            }
            if a.cr != b.cr {
                assert!(a.cr <= 0xffff_ffff, "{what}: CR");
            }
        }
    }
}

fn go<E: ByteOrder>(inp: &mut Input<'_>) {
    let mut t = ppc_thread(inp);
    for _ in 0..4 {
        if inp.is_empty() {
            break;
        }
        let before = t;
        match inp.u8() % 5 {
            0 => {
                let set = Regset::from_note(u64::from(inp.u16() & 0x1ff)).unwrap_or(Regset::Prstatus);
                let n = usize::from(inp.u16() % 600);
                let data = inp.bytes(n);
                let r = set_regset::<E>(&mut t, set, data);
                check(&before, &t, r, "set_regset");
            }
            1 => {
                let off = if inp.bool() { u64::from(inp.u16() % 0x300) } else { inp.u64() };
                let v = inp.u64();
                let r = poke_user(&mut t, off, v);
                check(&before, &t, r, "poke_user");
            }
            2 => {
                let off = if inp.bool() { u64::from(inp.u16() % 0x300) } else { inp.u64() };
                if let Err(e) = peek_user(&t, off) {
                    assert_eq!(e, LinuxErrno::EIO);
                }
            }
            3 => {
                let set = Regset::from_note(u64::from(inp.u16() & 0x1ff)).unwrap_or(Regset::Vmx);
                let mut out = vec![0u8; usize::from(inp.u16() % 700)];
                let n = get_regset::<E>(&t, set, &mut out);
                assert_eq!(n, out.len().min(set.size()));
                if set == Regset::Prstatus {
                    for i in 0..(n / 8).min(PT_REGS_COUNT) {
                        let w = U64::<E>::read_from_bytes(&out[i * 8..i * 8 + 8]).map(|v| v.get()).ok();
                        assert_eq!(
                            peek_user(&t, 8 * i as u64).ok(),
                            w,
                            "PEEKUSR and GETREGSET disagree at {i}"
                        );
                    }
                }
            }
            _ => {
                if let Some((set, len, _)) = fixed_request(u64::from(inp.u8())) {
                    let mut image = vec![0u8; len];
                    get_regset::<E>(&t, set, &mut image);
                    // Writing back what was read changes nothing but the units in use.
                    let r = set_regset::<E>(&mut t, set, &image);
                    check(&before, &t, r, "set_regset(get_regset)");
                    let mut norm = before;
                    assert!(t.vector.used.contains(before.vector.used));
                    norm.vector.used = t.vector.used;
                    if set == Regset::Prstatus {
                        norm.frame.cr &= 0xffff_ffff;
                        norm.frame.exc &= 0xfff0;
                    }
                    assert_eq!(t, norm, "set_regset(get_regset) is not the identity");
                }
            }
        }
    }
}
