//! Futex atomics on a simulated address space: every operation, both byte orders, faulting and
//! misaligned words, and concurrent updates that must not lose an increment.

use linux_core::errno::LinuxErrno;
use linux_core::futex::{futex_atomic_op, FutexOp};
use linux_core::sim::{Prot, SimUserMemory};
use linux_core::uaccess::{CasOutcome, UserAddr, UserAtomics, UserMemory};
use std::sync::{Arc, Mutex};
use zerocopy::{BigEndian, ByteOrder, LittleEndian};

const WORD: u64 = 0x1000;

fn mem_with<E: ByteOrder>(v: u32) -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(0x1000, 0x1000, Prot::READ | Prot::WRITE);
    m.map(0x2000, 0x1000, Prot::READ);
    m.copy_out(UserAddr(WORD), zerocopy::IntoBytes::as_bytes(&zerocopy::byteorder::U32::<E>::new(v)))
        .unwrap();
    m
}

fn word<E: ByteOrder>(m: &SimUserMemory) -> u32 {
    linux_core::bytes::read_u32::<E>(&m.peek(WORD, 4).unwrap(), 0).unwrap()
}

fn every_op<E: ByteOrder>() {
    for (op, arg, start, end) in [
        (FutexOp::Set, 7, 0x55, 7),
        (FutexOp::Add, 1, 0xffff_ffff, 0),
        (FutexOp::Add, -2, 1, 0xffff_ffff),
        (FutexOp::Or, 0x0f0, 0x101, 0x1f1),
        (FutexOp::AndNot, 0x0f0, 0x1ff, 0x10f),
        (FutexOp::Xor, 0xff, 0x0f0f, 0x0ff0),
    ] {
        let mut m = mem_with::<E>(start);
        assert_eq!(futex_atomic_op::<E, _>(&mut m, op, arg, UserAddr(WORD)), Ok(start), "{op:?}");
        assert_eq!(word::<E>(&m), end, "{op:?}");
    }
}

#[test]
fn every_operation_big_endian() {
    every_op::<BigEndian>();
}

#[test]
fn every_operation_little_endian() {
    every_op::<LittleEndian>();
}

#[test]
fn bad_words_are_efault_or_einval_and_nothing_changes() {
    let mut m = mem_with::<BigEndian>(9);
    assert_eq!(
        futex_atomic_op::<BigEndian, _>(&mut m, FutexOp::Add, 1, UserAddr(0x5000)),
        Err(LinuxErrno::EFAULT)
    );
    assert_eq!(
        futex_atomic_op::<BigEndian, _>(&mut m, FutexOp::Add, 1, UserAddr(0x2000)),
        Err(LinuxErrno::EFAULT)
    );
    assert_eq!(
        futex_atomic_op::<BigEndian, _>(&mut m, FutexOp::Add, 1, UserAddr(WORD + 2)),
        Err(LinuxErrno::EINVAL)
    );
    assert_eq!(m.peek(0x2000, 4).unwrap(), vec![0; 4], "read-only word untouched");
    assert_eq!(word::<BigEndian>(&m), 9);
}

/// A memory whose compare-and-swap loses to another writer a given number of times first.
struct Contended {
    inner: SimUserMemory,
    losses: u32,
}

impl UserMemory for Contended {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        self.inner.copy_in(src, dst)
    }
    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        self.inner.copy_out(dst, src)
    }
}

impl UserAtomics for Contended {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        if self.losses > 0 {
            self.losses -= 1;
            // Another thread added 10 in between.
            let v = u32::from_be_bytes(expected).wrapping_add(10);
            self.inner.copy_out(addr, &v.to_be_bytes())?;
            return Ok(CasOutcome::Changed(v.to_be_bytes()));
        }
        self.inner.cas_u32(addr, expected, new)
    }
}

#[test]
fn a_lost_race_is_retried_with_the_new_value() {
    let mut m = Contended { inner: mem_with::<BigEndian>(100), losses: 3 };
    let old = futex_atomic_op::<BigEndian, _>(&mut m, FutexOp::Add, 1, UserAddr(WORD)).unwrap();
    assert_eq!(old, 130, "the old value is the one the successful swap replaced");
    assert_eq!(word::<BigEndian>(&m.inner), 131);
    // A writer that always wins ends in EAGAIN, not an endless loop.
    let mut m = Contended { inner: mem_with::<BigEndian>(0), losses: u32::MAX };
    assert_eq!(
        futex_atomic_op::<BigEndian, _>(&mut m, FutexOp::Or, 1, UserAddr(WORD)),
        Err(LinuxErrno::EAGAIN)
    );
}

/// One address space shared by threads; each primitive is atomic, but a thread may be preempted between
/// its load and its compare-and-swap, exactly the window the retry loop exists for.
struct Shared(Arc<Mutex<SimUserMemory>>);

impl UserMemory for Shared {
    fn copy_in(&self, src: UserAddr, dst: &mut [u8]) -> Result<(), LinuxErrno> {
        let r = self.0.lock().unwrap().copy_in(src, dst);
        std::thread::yield_now();
        r
    }
    fn copy_out(&mut self, dst: UserAddr, src: &[u8]) -> Result<(), LinuxErrno> {
        self.0.lock().unwrap().copy_out(dst, src)
    }
}

impl UserAtomics for Shared {
    fn cas_u32(&mut self, addr: UserAddr, expected: [u8; 4], new: [u8; 4]) -> Result<CasOutcome, LinuxErrno> {
        self.0.lock().unwrap().cas_u32(addr, expected, new)
    }
}

#[test]
fn concurrent_adds_lose_nothing() {
    let mem = Arc::new(Mutex::new(mem_with::<LittleEndian>(0)));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let mut m = Shared(Arc::clone(&mem));
            std::thread::spawn(move || {
                for _ in 0..5000 {
                    futex_atomic_op::<LittleEndian, _>(&mut m, FutexOp::Add, 1, UserAddr(WORD)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(word::<LittleEndian>(&mem.lock().unwrap()), 20_000);
}
