//! The freestanding Linux runtime of the kernel-target self test: `_start`, `write` and `exit_group`
//! through `sc`, the benchmark markers, a bump allocator, and a panic handler. Only built for the FreeBSD kernel targets (whose
//! code generation is what is under test); the result runs as a static Linux program under qemu-user.

use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};

const SYS_WRITE: u64 = 4;
const SYS_EXIT_GROUP: u64 = 234;

/// A raw Linux/ppc64 system call with three arguments; returns r3 (errors are not distinguished: the
/// self test only writes to stdout and exits).
fn syscall3(nr: u64, a: u64, b: u64, c: u64) -> u64 {
    let mut r3 = a;
    // SAFETY: `sc` with r0 = a Linux syscall number that only reads (write) or ends the process
    // (exit_group); every register Linux clobbers across `sc` is declared as clobbered.
    unsafe {
        core::arch::asm!(
            "sc",
            inout("r0") nr => _,
            inout("r3") r3,
            inout("r4") b => _,
            inout("r5") c => _,
            out("r6") _, out("r7") _, out("r8") _, out("r9") _, out("r10") _, out("r11") _, out("r12") _,
            out("cr0") _, out("ctr") _, out("xer") _,
            options(nostack)
        );
    }
    r3
}

struct Stdout;

impl core::fmt::Write for Stdout {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let mut rest = s.as_bytes();
        while !rest.is_empty() {
            let n = syscall3(SYS_WRITE, 1, rest.as_ptr() as u64, rest.len() as u64);
            if n == 0 || n > rest.len() as u64 {
                return Err(core::fmt::Error);
            }
            rest = rest.get(n as usize..).unwrap_or(&[]);
        }
        Ok(())
    }
}

const HEAP_SIZE: usize = 64 << 20;

#[repr(C, align(4096))]
struct Heap(core::cell::UnsafeCell<[u8; HEAP_SIZE]>);

// SAFETY: the heap bytes are only handed out by `Bump::alloc`, which gives each caller a disjoint
// range; the program is single-threaded.
unsafe impl Sync for Heap {}

static HEAP: Heap = Heap(core::cell::UnsafeCell::new([0; HEAP_SIZE]));

struct Bump {
    next: AtomicUsize,
}

// SAFETY: `alloc` returns disjoint, suitably aligned ranges inside HEAP (or null when it is exhausted);
// `dealloc` never reuses memory, which is always sound.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = HEAP.0.get() as usize;
        let mut cur = self.next.load(Ordering::Relaxed);
        loop {
            let start = (base + cur).next_multiple_of(layout.align()) - base;
            let Some(end) = start.checked_add(layout.size()) else { return core::ptr::null_mut() };
            if end > HEAP_SIZE {
                return core::ptr::null_mut();
            }
            match self.next.compare_exchange(cur, end, Ordering::Relaxed, Ordering::Relaxed) {
                // SAFETY: start + size <= HEAP_SIZE, so the pointer stays inside HEAP.
                Ok(_) => return unsafe { (HEAP.0.get() as *mut u8).add(start) },
                Err(now) => cur = now,
            }
        }
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump { next: AtomicUsize::new(0) };

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = core::fmt::Write::write_fmt(&mut Stdout, format_args!("panic: {info}\n"));
    syscall3(SYS_EXIT_GROUP, 101, 0, 0);
    loop {}
}

/// The command-line arguments from the initial stack (argc, then argv pointers to NUL-terminated strings).
fn arguments(sp: *const u64) -> Vec<&'static [u8]> {
    let mut args = Vec::new();
    if sp.is_null() {
        return args;
    }
    // SAFETY: `sp` is the stack pointer the kernel started the program with: it points at argc,
    // followed by argc pointers to NUL-terminated strings that live (unchanged) for the whole run.
    unsafe {
        let argc = *sp;
        for i in 0..argc as usize {
            let s = *sp.add(1 + i) as *const u8;
            let mut len = 0;
            while *s.add(len) != 0 {
                len += 1;
            }
            args.push(core::slice::from_raw_parts(s, len));
        }
    }
    args
}

/// A benchmark marker: `sc` with a number outside Linux's (see [`crate::bench::MARK_BEGIN`]); the bench
/// runner counts instructions between them, anything else returns ENOSYS.
fn mark(nr: u64, name: &str, iters: u64, param: u64) {
    // SAFETY: as `syscall3`: `sc` with every register Linux clobbers declared; the runner (or a kernel,
    // with ENOSYS) only reads the registers and the name.
    unsafe {
        core::arch::asm!(
            "sc",
            inout("r0") nr => _,
            inout("r3") name.as_ptr() as u64 => _,
            inout("r4") name.len() as u64 => _,
            inout("r5") iters => _,
            inout("r6") param => _,
            out("r7") _, out("r8") _, out("r9") _, out("r10") _, out("r11") _, out("r12") _,
            out("cr0") _, out("ctr") _, out("xer") _,
            options(nostack)
        );
    }
}

/// Entered from `_start` with the stack the kernel set up (`sp`: its argc). No arguments: the self
/// test; `bench`: the benchmarks between markers; `spin K`: the CPU-bound workload K times.
#[no_mangle]
extern "C" fn selftest_main(sp: *const u64) -> ! {
    let mut out = Stdout;
    let args = arguments(sp);
    let failures = match args.get(1).copied() {
        Some(b"bench") => crate::bench::measure_all(&mut out, &mut mark),
        Some(b"spin") => {
            let k = args
                .get(2)
                .and_then(|a| core::str::from_utf8(a).ok())
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            crate::bench::spin(k)
        }
        _ => crate::run::<zerocopy::NativeEndian>(&mut out),
    };
    let _ = core::fmt::Write::write_fmt(&mut out, format_args!("failures {failures}\n"));
    syscall3(SYS_EXIT_GROUP, u64::from(failures != 0), 0, 0);
    loop {}
}

// _start: ELFv2 global entry convention wants r12 = the callee's address; r2 is derived from it. r3 =
// the initial stack pointer (argc).
core::arch::global_asm!(
    ".globl _start",
    ".type _start,@function",
    "_start:",
    "  mr 3, 1",
    "  clrrdi 1, 1, 4",
    "  li 0, 0",
    "  stdu 0, -128(1)",
    "  bl 1f",
    "1: mflr 12",
    "  addis 12, 12, (selftest_main - 1b)@ha",
    "  addi 12, 12, (selftest_main - 1b)@l",
    "  mtctr 12",
    "  bctrl",
    "  b .",
);
