//! `FUTEX_WAKE_OP`: `WakeOp::decode` of any `val3`, and `futex_atomic_op` with any operation, operand,
//! address (aligned or not, mapped read-write, read-only or not at all) and initial value, against a
//! user word that other threads change between the load and the compare-and-swap, and a CAS that fails
//! spuriously (as `casueword32` may on load-linked/store-conditional machines).
//!
//! Checked on every input:
//! - decode: an unknown operation or comparison is ENOSYS; otherwise every field is the encoded one
//!   (12-bit operands sign-extended; with `FUTEX_OP_OPARG_SHIFT`, `1 << (oparg & 31)`);
//! - the atomic op: `Ok(old)` means the word went from `old` to `op(old, oparg)` in one CAS, and `old`
//!   is a value the word really held; `Err` is EFAULT, EINVAL or EAGAIN, and the op changed nothing.

use crate::check::assert_errno;
use crate::input::Input;
use crate::mem::map_region;
use linux_core::errno::LinuxErrno;
use linux_core::futex::{futex_atomic_op, FutexCmp, FutexOp, WakeOp};
use linux_core::sim::SimUserMemory;
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
use std::collections::VecDeque;
use zerocopy::byteorder::{ByteOrder, U32};
use zerocopy::{BigEndian, IntoBytes, LittleEndian};

const PAGE: u64 = 0x2000_0000;

fn sext12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

fn decode(enc: u32) {
    let (op, cmp) = ((enc >> 28) & 7, (enc >> 24) & 0xf);
    match WakeOp::decode(enc) {
        Err(e) => {
            assert_eq!(e, LinuxErrno::ENOSYS);
            assert!(op > 4 || cmp > 5, "decode refused {enc:#x}");
        }
        Ok(w) => {
            let ops = [FutexOp::Set, FutexOp::Add, FutexOp::Or, FutexOp::AndNot, FutexOp::Xor];
            let cmps = [FutexCmp::Eq, FutexCmp::Ne, FutexCmp::Lt, FutexCmp::Le, FutexCmp::Gt, FutexCmp::Ge];
            assert_eq!(Some(&w.op), ops.get(op as usize));
            assert_eq!(Some(&w.cmp), cmps.get(cmp as usize));
            let raw = sext12((enc >> 12) & 0xfff);
            let oparg = if enc & (8 << 28) != 0 { 1i32.wrapping_shl((raw & 31) as u32) } else { raw };
            assert_eq!((w.oparg, w.cmparg), (oparg, sext12(enc & 0xfff)));
            let _ = w.compare(enc.rotate_left(7));
        }
    }
}

/// User memory whose CAS races with other threads, as the input schedules.
struct Racy {
    sim: SimUserMemory,
    schedule: VecDeque<(u8, [u8; 4])>,
    /// Every value the word held, in order.
    history: Vec<[u8; 4]>,
    addr: u64,
}

impl UserMemory for Racy {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        self.sim.copy_in(src, dst)
    }
    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        self.sim.copy_out(dst, src)
    }
}

impl UserAtomics for Racy {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        match self.schedule.pop_front() {
            Some((1, v)) if self.sim.poke(self.addr, &v) => self.history.push(v),
            Some((2, _)) => {
                let r = self.sim.cas_u32(addr, expected, expected)?;
                let now = self.sim.peek(self.addr, 4).map(|b| [b[0], b[1], b[2], b[3]]).unwrap_or(expected);
                return Ok(match r {
                    CasOutcome::Swapped => CasOutcome::Changed(now),
                    c => c,
                });
            }
            _ => {}
        }
        let r = self.sim.cas_u32(addr, expected, new)?;
        if r == CasOutcome::Swapped {
            self.history.push(new);
        }
        Ok(r)
    }
}

fn atomic<E: ByteOrder>(inp: &mut Input<'_>) {
    let op =
        [FutexOp::Set, FutexOp::Add, FutexOp::Or, FutexOp::AndNot, FutexOp::Xor][usize::from(inp.u8() % 5)];
    let oparg = inp.u32() as i32;
    let mut sim = SimUserMemory::new();
    map_region(&mut sim, PAGE, 1, u64::from(inp.u8() % 3), 0);
    let addr = if inp.u8() & 0x80 != 0 { inp.u64() } else { PAGE + u64::from(inp.u16() % 4100) };
    let initial = U32::<E>::new(inp.u32());
    let mut init = [0u8; 4];
    init.copy_from_slice(initial.as_bytes());
    let watch = sim.prot_at(addr).is_some() && sim.poke(addr, &init);
    let mut schedule = VecDeque::new();
    while !inp.is_empty() && schedule.len() < 64 {
        let k = inp.u8() % 3;
        let v = inp.u32().to_ne_bytes();
        schedule.push_back((k, v));
    }
    let mut m = Racy { sim, schedule, history: vec![init], addr };
    let r = futex_atomic_op::<E, _>(&mut m, op, oparg, UserAddr(addr));
    match r {
        Err(e) => {
            assert_errno(e, "futex_atomic_op");
            assert!(matches!(e, LinuxErrno::EFAULT | LinuxErrno::EINVAL | LinuxErrno::EAGAIN), "{e:?}");
            if watch {
                let now = m.sim.peek(addr, 4).expect("mapped");
                assert_eq!(Some(&now[..]), m.history.last().map(|v| &v[..]), "a failed op changed the word");
            }
        }
        Ok(old) => {
            let a = oparg as u32;
            let new = match op {
                FutexOp::Set => a,
                FutexOp::Add => old.wrapping_add(a),
                FutexOp::Or => old | a,
                FutexOp::AndNot => old & !a,
                FutexOp::Xor => old ^ a,
            };
            let now = m.sim.peek(addr, 4).expect("the op succeeded on an unmapped word");
            assert_eq!(now[..], *U32::<E>::new(new).as_bytes(), "the word is not op(old)");
            let old_bytes = U32::<E>::new(old);
            let n = m.history.len();
            assert!(
                n >= 2 && m.history[n - 2][..] == *old_bytes.as_bytes(),
                "old {old:#x} is not what the word held"
            );
        }
    }
}

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    decode(inp.u32());
    if inp.u8() & 1 == 0 {
        atomic::<BigEndian>(&mut inp)
    } else {
        atomic::<LittleEndian>(&mut inp)
    }
}
