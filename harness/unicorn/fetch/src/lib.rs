//! Empty: this package only exists to fetch unicorn-engine-sys (see Cargo.toml).
