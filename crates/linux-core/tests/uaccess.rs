//! User memory cursors over the simulated address space: forward-only reads and writes, EFAULT on
//! holes, read-only pages and wrapping ranges, and a cursor that does not move on failure.

use linux_core::errno::LinuxErrno;
use linux_core::sim::{Prot, SimUserMemory};
use linux_core::uaccess::{UserAddr, UserMemory, UserReader, UserWriter};
use zerocopy::byteorder::{BigEndian, U32, U64};

fn mem() -> SimUserMemory {
    let mut m = SimUserMemory::new();
    m.map(0x1000, 0x1000, Prot::READ | Prot::WRITE);
    m.map(0x2000, 0x1000, Prot::READ);
    m
}

#[test]
fn reader_moves_forward_and_stops_at_its_end() {
    let mut m = mem();
    m.copy_out(UserAddr(0x1ff0), &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3]).unwrap();
    let mut r = UserReader::new(&m, UserAddr(0x1ff0), 16).unwrap();
    assert_eq!(r.read::<U32<BigEndian>>().unwrap().get(), 1);
    assert_eq!(r.read::<U32<BigEndian>>().unwrap().get(), 2);
    assert_eq!(r.read::<U64<BigEndian>>().unwrap().get(), 3);
    assert_eq!(r.remaining(), 0);
    assert_eq!(r.read::<u8>().unwrap_err(), LinuxErrno::EFAULT, "past the end of the slice");
}

#[test]
fn a_faulting_read_leaves_the_cursor_in_place() {
    let m = mem();
    // 0x2ffc..0x3004 crosses into the unmapped page at 0x3000.
    let mut r = UserReader::new(&m, UserAddr(0x2ff8), 16).unwrap();
    r.skip(4).unwrap();
    assert_eq!(r.read::<u64>().unwrap_err(), LinuxErrno::EFAULT);
    assert_eq!(r.remaining(), 12);
    assert_eq!(r.read::<u32>().unwrap(), 0);
    assert_eq!(r.skip(100).unwrap_err(), LinuxErrno::EFAULT);
}

#[test]
fn writer_refuses_read_only_pages_and_wrapping_ranges() {
    let mut m = mem();
    let mut w = UserWriter::new(&mut m, UserAddr(0x1ffc), 8).unwrap();
    assert_eq!(w.write(&U32::<BigEndian>::new(7)), Ok(()));
    assert_eq!(w.position(), UserAddr(0x2000));
    assert_eq!(w.write(&U32::<BigEndian>::new(8)), Err(LinuxErrno::EFAULT), "0x2000 is read-only");
    assert_eq!(w.remaining(), 4);
    assert_eq!(m.peek(0x1ffc, 4).unwrap(), vec![0, 0, 0, 7]);
    assert!(UserWriter::new(&mut m, UserAddr(u64::MAX - 3), 8).is_err());
    assert!(UserReader::new(&m, UserAddr(u64::MAX), 2).is_err());
    assert_eq!(UserAddr(u64::MAX).offset(1), Err(LinuxErrno::EFAULT));
    assert_eq!(UserAddr(3).below(4), Err(LinuxErrno::EFAULT));
    assert_eq!(UserAddr(0x1007).align_down(8), UserAddr(0x1000));
    assert!(UserAddr(0x1008).is_aligned(8) && !UserAddr(0x1004).is_aligned(8));
}

#[test]
fn typed_values_round_trip_through_user_memory() {
    let mut m = mem();
    m.write_value(UserAddr(0x1100), &U64::<BigEndian>::new(0x0102_0304_0506_0708)).unwrap();
    assert_eq!(m.peek(0x1100, 8).unwrap(), vec![1, 2, 3, 4, 5, 6, 7, 8]);
    let v: U64<BigEndian> = m.read_value(UserAddr(0x1100)).unwrap();
    assert_eq!(v.get(), 0x0102_0304_0506_0708);
    assert_eq!(m.read_value::<u64>(UserAddr(0x5000)).unwrap_err(), LinuxErrno::EFAULT);
}
