//! `ppc64-bench`: counts guest instructions on the harness's emulated POWER9, for `cargo xtask bench`.
//!
//! ```text
//! ppc64-bench guest PROGRAM [ARGS...]          run a static freestanding program (the kernel-target
//!                                              self test), counting every instruction it executes
//! ppc64-bench vdso IMAGE OFFSET CALLS [fallback]  call the function at IMAGE+OFFSET (a vdso's
//!                                              __kernel_clock_gettime) CALLS times with CLOCK_MONOTONIC
//! ```
//!
//! Both print tab-separated records on stdout (the guest's own output goes to stderr):
//! - `mark NAME ITERS PARAM INSNS`: instructions executed from a `MARK_BEGIN` system call (r0 =
//!   0x7b000001, r3/r4 = name, r5 = iterations, r6 = a parameter) up to and including the matching
//!   `MARK_END` (0x7b000002); see `crates/kernel-selftest/src/bench.rs`.
//! - `total INSNS SYSCALLS EXIT`: the whole guest run.
//! - `vdso CALLS INSNS SYSCALLS`: instructions of CALLS calls, from the function's first instruction to
//!   its return, and the `sc` it made.
//!
//! With `PPC64_BENCH_PROFILE=NAME` in the environment, `guest` also prints `profile ADDRESS COUNT` for
//! every instruction address executed inside the marks named NAME (most executed first), to find where
//! a measured function spends its instructions (`llvm-addr2line -fe PROGRAM ADDRESS` names them).
//!
//! Counting is a unicorn code hook on every address (exact: one callback per executed instruction). The
//! CPU, its MSR and the memory map are the harness's own (`cpu.rs`, `arch/ppc64_cpu.rs`, `vm.rs`,
//! included here as modules);
//! the program gets only `write`, `exit`/`exit_group` and the markers (everything else is ENOSYS).

#[allow(dead_code)]
#[path = "../vm.rs"]
mod vm;

#[allow(dead_code)]
#[path = "../cpu.rs"]
mod cpu;

#[allow(dead_code)]
#[path = "../arch/ppc64_cpu.rs"]
mod ppc64_cpu;

use cpu::{Stop, Uc};
use linux_core::elf::{Elf64Header, Endian};
use ppc64_cpu::{INTR_PROGRAM, INTR_SC};
use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use unicorn_engine::RegisterPPC;
use vm::{page_down, page_up, PROT_EXEC, PROT_READ, PROT_WRITE};

/// Marker numbers (kernel-selftest's `bench::MARK_BEGIN` / `MARK_END`).
const MARK_BEGIN: u64 = 0x7b00_0001;
const MARK_END: u64 = 0x7b00_0002;
const SYS_EXIT: u64 = 1;
const SYS_WRITE: u64 = 4;
const SYS_CLOCK_GETTIME: u64 = 246;
const SYS_EXIT_GROUP: u64 = 234;
const ENOSYS: u64 = 38;
/// CR0.SO.
const CR0_SO: u64 = 0x1000_0000;
/// The guest stack: 1 MiB below this.
const STACK_TOP: u64 = 0x7fff_fff0_0000;
const STACK_SIZE: u64 = 1 << 20;
/// Where the vdso image is mapped (its data page lies one page below).
const VDSO_BASE: u64 = 0x7fff_f7f0_0000;
/// The vdso's data area size (`vdso_ppc64::data::DATA_SIZE`).
const VDSO_DATA_SIZE: u64 = 0x1000;
/// The return address of vdso calls: a `trap` that stops the emulator.
const STUB: u64 = 0x1000_0000;
/// `trap` (tw 31, 0, 0).
const TRAP: u32 = 0x7fe0_0008;
/// `CLOCK_MONOTONIC`.
const CLOCK_MONOTONIC: u64 = 1;

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("ppc64-bench: {msg}");
    std::process::exit(1);
}

/// A value in the guest's byte order.
fn bytes64(v: u64, little: bool) -> [u8; 8] {
    if little {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    }
}

fn bytes32(v: u32, little: bool) -> [u8; 4] {
    if little {
        v.to_le_bytes()
    } else {
        v.to_be_bytes()
    }
}

fn reg(uc: &Uc, r: RegisterPPC) -> u64 {
    uc.reg_read(r).unwrap_or(0)
}

fn set_reg(uc: &mut Uc, r: RegisterPPC, v: u64) {
    if let Err(e) = uc.reg_write(r, v) {
        fail(format!("cannot set {r:?}: {e:?}"));
    }
}

fn map(uc: &mut Uc, start: u64, end: u64, prot: u32) {
    if cpu::map(uc, start, end, prot).is_err() {
        fail(format!("cannot map {start:#x}..{end:#x}"));
    }
}

fn write_mem(uc: &mut Uc, at: u64, data: &[u8]) {
    if let Err(e) = uc.mem_write(at, data) {
        fail(format!("cannot write {} bytes at {at:#x}: {e:?}", data.len()));
    }
}

/// Returns from a system call the way Linux does: r3 and CR0.SO.
fn sc_return(uc: &mut Uc, value: u64, error: bool) {
    set_reg(uc, RegisterPPC::R3, value);
    let cr = reg(uc, RegisterPPC::CR) & !CR0_SO;
    set_reg(uc, RegisterPPC::CR, cr | if error { CR0_SO } else { 0 });
}

/// Executions per instruction address while profiling is on.
type Profile = Rc<std::cell::RefCell<Option<std::collections::HashMap<u64, u64>>>>;

/// An engine with an instruction counter on every address (and the optional per-address profile).
fn counting_engine(little: bool) -> (Uc, Rc<Cell<u64>>, Profile) {
    let mut uc = ppc64_cpu::new_engine(little).unwrap_or_else(|e| fail(e));
    let count = Rc::new(Cell::new(0u64));
    let profile: Profile = Rc::default();
    let (c, p) = (Rc::clone(&count), Rc::clone(&profile));
    uc.add_code_hook(1, 0, move |_, addr, _| {
        c.set(c.get() + 1);
        if let Some(map) = p.borrow_mut().as_mut() {
            *map.entry(addr).or_insert(0) += 1;
        }
    })
    .unwrap_or_else(|e| fail(format!("code hook: {e:?}")));
    (uc, count, profile)
}

/// Maps the PT_LOAD segments of a static program (one read/write/execute region covering them all).
fn load(uc: &mut Uc, bytes: &[u8], h: &Elf64Header) {
    let little = h.endian == Endian::Little;
    let rd = |at: usize, n: usize| -> u64 {
        let b = bytes.get(at..at + n).unwrap_or_else(|| fail("truncated program header"));
        let mut v = 0u64;
        for i in 0..n {
            v = (v << 8) | u64::from(if little { b[n - 1 - i] } else { b[i] });
        }
        v
    };
    let mut segs = Vec::new();
    for i in 0..h.phnum as usize {
        let at = h.phoff as usize + i * 56;
        if rd(at, 4) == 1 {
            segs.push((rd(at + 8, 8), rd(at + 16, 8), rd(at + 32, 8), rd(at + 40, 8)));
        }
    }
    let lo = segs.iter().map(|s| page_down(s.1)).min().unwrap_or_else(|| fail("no PT_LOAD"));
    let hi = segs.iter().filter_map(|s| page_up(s.1 + s.3)).max().unwrap_or(lo);
    map(uc, lo, hi, PROT_READ | PROT_WRITE | PROT_EXEC);
    for (offset, vaddr, filesz, _) in segs {
        let data = bytes
            .get(offset as usize..(offset + filesz) as usize)
            .unwrap_or_else(|| fail("segment outside the file"));
        write_mem(uc, vaddr, data);
    }
}

/// Builds argc, argv, an empty envp and an empty auxv at the top of a fresh stack; returns the sp.
fn initial_stack(uc: &mut Uc, args: &[String], little: bool) -> u64 {
    map(uc, STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE);
    let mut at = STACK_TOP - 16;
    let mut ptrs = Vec::new();
    for a in args {
        let mut s = a.as_bytes().to_vec();
        s.push(0);
        at -= s.len() as u64;
        write_mem(uc, at, &s);
        ptrs.push(at);
    }
    let mut words = vec![args.len() as u64];
    words.extend(&ptrs);
    words.extend([0, 0, 0, 0]); // argv NULL, envp NULL, AT_NULL
    let sp = (at - words.len() as u64 * 8) & !15;
    let image: Vec<u8> = words.iter().flat_map(|w| bytes64(*w, little)).collect();
    write_mem(uc, sp, &image);
    sp
}

/// `guest PROGRAM ARGS...`.
fn guest(args: &[String]) {
    let Some(path) = args.first() else { fail("guest needs a program") };
    let bytes = std::fs::read(path).unwrap_or_else(|e| fail(format!("{path}: {e}")));
    let h = Elf64Header::parse(&bytes).unwrap_or_else(|_| fail(format!("{path}: not an ELF64 program")));
    let little = h.endian == Endian::Little;
    let (mut uc, count, profile) = counting_engine(little);
    let profile_name = std::env::var("PPC64_BENCH_PROFILE").ok();
    load(&mut uc, &bytes, &h);
    let sp = initial_stack(&mut uc, args, little);
    set_reg(&mut uc, RegisterPPC::R1, sp);
    cpu::set_pc(&mut uc, h.entry);

    let mut open: Option<(String, u64)> = None;
    let mut syscalls = 0u64;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let code = loop {
        match cpu::run_for(&mut uc, 0) {
            Stop::Interrupt(INTR_SC) => {}
            other => fail(format!("the guest stopped at {:#x}: {other:?}", cpu::pc(&uc))),
        }
        let f = ppc64_cpu::read_frame(&uc);
        let [nr, a, b, c, d] = [f.fixreg[0], f.fixreg[3], f.fixreg[4], f.fixreg[5], f.fixreg[6]];
        match nr {
            MARK_BEGIN | MARK_END => {
                let mut name = vec![0u8; b.min(256) as usize];
                let _ = uc.mem_read(a, &mut name);
                let name = String::from_utf8_lossy(&name).into_owned();
                let now = count.get();
                if profile_name.as_deref() == Some(name.as_str()) {
                    let mut p = profile.borrow_mut();
                    if nr == MARK_BEGIN {
                        *p = Some(Default::default());
                    } else if let Some(map) = p.take() {
                        let mut v: Vec<(u64, u64)> = map.into_iter().collect();
                        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                        for (addr, n) in v {
                            let _ = writeln!(out, "profile\t{addr:#x}\t{n}");
                        }
                    }
                }
                if nr == MARK_BEGIN {
                    open = Some((name, now));
                } else {
                    match open.take() {
                        Some((n, start)) if n == name => {
                            let _ = writeln!(out, "mark\t{name}\t{c}\t{d}\t{}", now - start);
                        }
                        _ => fail(format!("MARK_END {name} without its MARK_BEGIN")),
                    }
                }
                sc_return(&mut uc, 0, false);
            }
            SYS_WRITE => {
                syscalls += 1;
                let mut buf = vec![0u8; c.min(1 << 20) as usize];
                if uc.mem_read(b, &mut buf).is_err() {
                    sc_return(&mut uc, 14, true);
                    continue;
                }
                let _ = std::io::stderr().write_all(&buf);
                sc_return(&mut uc, buf.len() as u64, false);
            }
            SYS_EXIT | SYS_EXIT_GROUP => break a as i32,
            _ => {
                syscalls += 1;
                sc_return(&mut uc, ENOSYS, true);
            }
        }
    };
    let _ = writeln!(out, "total\t{}\t{syscalls}\t{code}", count.get());
    let _ = out.flush();
    std::process::exit(if code == 0 { 0 } else { 1 });
}

/// The vdso data page: the `vdso_ppc64::data` layout (header, then FreeBSD's `vdso_timekeep` at
/// `TK_DEFAULT_OFFSET` 0x200 with one current timehands of the PPC timebase algorithm).
fn vdso_data(little: bool, enabled: bool) -> Vec<u8> {
    let mut d = vec![0u8; VDSO_DATA_SIZE as usize];
    let mut put = |at: usize, b: &[u8]| d[at..at + b.len()].copy_from_slice(b);
    put(0x000, &bytes64(512_000_000, little)); // tb_freq
    put(0x008, &bytes64(0x200, little)); // tk_offset
    put(0x010, &bytes64(2, little)); // hres_ns
    put(0x018, &bytes64(10_000_000, little)); // coarse_ns
    put(0x200, &bytes32(1, little)); // tk_ver = VDSO_TK_VER_1
    put(0x204, &bytes32(u32::from(enabled), little)); // tk_enabled
    put(0x208, &bytes32(0, little)); // tk_current
    let th = 0x210;
    put(th, &bytes32(1, little)); // th_algo = VDSO_TH_ALGO_PPC_TB
    put(th + 4, &bytes32(1, little)); // th_gen
    put(th + 8, &bytes64(((1u128 << 64) / 512_000_000) as u64, little)); // th_scale
    put(th + 16, &bytes32(0, little)); // th_offset_count
    put(th + 20, &bytes32(u32::MAX, little)); // th_counter_mask
    put(th + 24, &bytes64(1000, little)); // th_offset.sec
    put(th + 40, &bytes64(1_700_000_000, little)); // th_boottime.sec
    d
}

/// `vdso IMAGE OFFSET CALLS [fallback]`.
fn vdso(args: &[String]) {
    let [image, offset, calls, rest @ ..] = args else { fail("usage: vdso IMAGE OFFSET CALLS [fallback]") };
    let bytes = std::fs::read(image).unwrap_or_else(|e| fail(format!("{image}: {e}")));
    let little = bytes.get(5) == Some(&1);
    let offset =
        u64::from_str_radix(offset.trim_start_matches("0x"), 16).unwrap_or_else(|_| fail("OFFSET is hex"));
    let calls: u64 = calls.parse().unwrap_or_else(|_| fail("CALLS is a number"));
    let fallback = rest.first().is_some_and(|a| a == "fallback");
    let (mut uc, count, _) = counting_engine(little);
    map(&mut uc, VDSO_BASE - VDSO_DATA_SIZE, VDSO_BASE, PROT_READ);
    write_mem(&mut uc, VDSO_BASE - VDSO_DATA_SIZE, &vdso_data(little, !fallback));
    let end = page_up(VDSO_BASE + bytes.len() as u64).unwrap_or_else(|| fail("image too large"));
    map(&mut uc, VDSO_BASE, end, PROT_READ | PROT_EXEC);
    write_mem(&mut uc, VDSO_BASE, &bytes);
    map(&mut uc, STUB, STUB + 0x1000, PROT_READ | PROT_EXEC);
    write_mem(&mut uc, STUB, &bytes32(TRAP, little));
    map(&mut uc, STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE);
    let ts = STACK_TOP - 0x100;

    // One call from `pc`: the instructions up to the return (the trap at STUB included) and the sc made.
    let call = |uc: &mut Uc, pc: u64| -> (u64, u64) {
        set_reg(uc, RegisterPPC::R1, STACK_TOP - 0x1000);
        set_reg(uc, RegisterPPC::R3, CLOCK_MONOTONIC);
        set_reg(uc, RegisterPPC::R4, ts);
        set_reg(uc, RegisterPPC::R12, pc);
        set_reg(uc, RegisterPPC::LR, STUB);
        cpu::set_pc(uc, pc);
        let start = count.get();
        let mut syscalls = 0;
        loop {
            match cpu::run_for(uc, 0) {
                Stop::Interrupt(INTR_PROGRAM) => break,
                Stop::Interrupt(INTR_SC) if reg(uc, RegisterPPC::R0) == SYS_CLOCK_GETTIME => {
                    syscalls += 1;
                    // What a kernel would store: any valid timespec.
                    let mut t = bytes64(1000, little).to_vec();
                    t.extend(bytes64(500, little));
                    write_mem(uc, reg(uc, RegisterPPC::R4), &t);
                    sc_return(uc, 0, false);
                }
                other => fail(format!("the vdso call stopped at {:#x}: {other:?}", cpu::pc(uc))),
            }
        }
        if pc != STUB && (reg(uc, RegisterPPC::R3) != 0 || reg(uc, RegisterPPC::CR) & CR0_SO != 0) {
            fail(format!(
                "clock_gettime(CLOCK_MONOTONIC) failed in the vdso: r3 {:#x} cr {:#x} pc {:#x}",
                reg(uc, RegisterPPC::R3),
                reg(uc, RegisterPPC::CR),
                cpu::pc(uc)
            ));
        }
        (count.get() - start, syscalls)
    };
    // The trap alone: what every call's count includes besides the function.
    let (trap, _) = call(&mut uc, STUB);
    let (mut insns, mut syscalls) = (0, 0);
    for _ in 0..calls {
        let (n, s) = call(&mut uc, VDSO_BASE + offset);
        insns += n - trap;
        syscalls += s;
    }
    let mut nsec = [0u8; 8];
    let _ = uc.mem_read(ts + 8, &mut nsec);
    let nsec = if little { u64::from_le_bytes(nsec) } else { u64::from_be_bytes(nsec) };
    if nsec >= 1_000_000_000 {
        fail(format!("tv_nsec {nsec} out of range"));
    }
    println!("vdso\t{calls}\t{insns}\t{syscalls}");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("guest") => guest(&args[1..]),
        Some("vdso") => vdso(&args[1..]),
        _ => fail("usage: ppc64-bench guest PROGRAM [ARGS...] | vdso IMAGE OFFSET CALLS [fallback]"),
    }
}
