//! Fuzz targets for every hook a hostile Linux process drives, as library functions: the libFuzzer
//! binaries in `fuzz_targets/` call [`targets`]`::<name>::run`, and `tests/corpus.rs` replays the
//! checked-in corpora through the same functions on a plain `cargo test`.
//!
//! A target does not only look for panics: after every call it checks the invariants of
//! docs/RELIABILITY.md (privileged machine state never changes, a failing hook leaves the thread exactly
//! as it was, every errno is a Linux errno, every byte written to user memory is accounted for) and
//! panics with a message naming the violated one, which libFuzzer reports as a crash.

pub mod check;
pub mod input;
pub mod mem;
pub mod state;
pub mod targets;

/// Every target, by name (the names of the binaries and of the `corpus/` directories).
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("sigreturn_ppc64", targets::sigreturn_ppc64::run),
    ("sigreturn_arm64", targets::sigreturn_arm64::run),
    ("sendsig_ppc64", targets::sendsig_ppc64::run),
    ("sendsig_arm64", targets::sendsig_arm64::run),
    ("exec_stack", targets::exec_stack::run),
    ("syscall", targets::syscall::run),
    ("ioctl_termios", targets::ioctl_termios::run),
    ("ptrace_ppc64", targets::ptrace_ppc64::run),
    ("ptrace_arm64", targets::ptrace_arm64::run),
    ("futex", targets::futex::run),
];
