#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linux64_fuzz::targets::ioctl_termios::run(data));
