//! Replays every checked-in corpus file (fuzz/corpus/<target>/*) through its target, without
//! libFuzzer: a regression test for every finding whose reproducer was added to a corpus, and for the
//! invariants on the seeds. Also feeds each target a few fixed inputs (empty, all zeros, all ones).

use std::path::Path;

#[test]
fn corpora_replay_without_findings() {
    // LINUX64_FUZZ_CORPUS=<dir> replays another set of corpora (e.g. fuzz/target/work after a run).
    let root = match std::env::var_os("LINUX64_FUZZ_CORPUS") {
        Some(d) => Path::new(&d).to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
    };
    let mut total = 0;
    for (name, run) in linux64_fuzz::TARGETS {
        for fixed in [vec![], vec![0u8; 64], vec![0xff; 4096], (0..=255u8).cycle().take(6000).collect()] {
            run(&fixed);
        }
        let dir = root.join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).expect("read corpus file");
            run(&data);
            total += 1;
        }
    }
    println!("replayed {total} corpus files");
}
