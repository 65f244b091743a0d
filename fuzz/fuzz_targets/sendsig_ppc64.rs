#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| linux64_fuzz::targets::sendsig_ppc64::run(data));
