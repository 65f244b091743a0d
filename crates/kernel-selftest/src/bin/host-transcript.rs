//! Prints the transcript of the hook scenarios as the host build computes them, for one byte order.
//! `cargo xtask test` compares it with what the kernel-target build prints under qemu-user.

use std::fmt::Write as _;

fn main() {
    let order = std::env::args().nth(1).unwrap_or_default();
    let mut out = String::new();
    let failures = match order.as_str() {
        "be" => kernel_selftest::run::<zerocopy::BigEndian>(&mut out),
        "le" => kernel_selftest::run::<zerocopy::LittleEndian>(&mut out),
        _ => {
            eprintln!("usage: host-transcript be|le");
            std::process::exit(2);
        }
    };
    let _ = writeln!(out, "failures {failures}");
    print!("{out}");
    std::process::exit(i32::from(failures != 0));
}
