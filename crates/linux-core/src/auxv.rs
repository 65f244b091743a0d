//! The auxiliary vector: the generic `AT_*` types (`linux/auxvec.h`), a bounded builder, and the order in
//! which Linux's `create_elf_tables` emits the generic entries after the architecture's `ARCH_DLINFO`.

use crate::errno::LinuxErrno;

macro_rules! at_types {
    ($($name:ident = $val:expr),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($name), "`.")]
            pub const $name: u64 = $val;
        )*
        /// Every generic `AT_*` type as (name, value), for the conformance tests.
        pub const AUXV_TYPES: &[(&str, u64)] = &[$((stringify!($name), $val)),*];
    };
}

at_types! {
    AT_NULL = 0, AT_IGNORE = 1, AT_EXECFD = 2, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6,
    AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9, AT_NOTELF = 10, AT_UID = 11, AT_EUID = 12, AT_GID = 13,
    AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_BASE_PLATFORM = 24,
    AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51,
}

/// Room for the auxiliary vector: Linux's `AT_VECTOR_SIZE` is about 50 pairs on powerpc.
pub const AUXV_CAPACITY: usize = 64;

/// A bounded auxiliary vector under construction. `AT_NULL` is appended by [`AuxvBuilder::entries`].
#[derive(Clone)]
pub struct AuxvBuilder {
    entries: [(u64, u64); AUXV_CAPACITY],
    len: usize,
}

impl Default for AuxvBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl AuxvBuilder {
    /// An empty vector.
    pub const fn new() -> Self {
        Self { entries: [(0, 0); AUXV_CAPACITY], len: 0 }
    }

    /// Appends one entry. Running out of room is a kernel bug, reported as `ENOMEM` rather than a panic.
    pub fn push(&mut self, key: u64, value: u64) -> Result<(), LinuxErrno> {
        // Keep one slot for AT_NULL.
        if self.len >= AUXV_CAPACITY.saturating_sub(1) {
            return Err(LinuxErrno::ENOMEM);
        }
        if let Some(slot) = self.entries.get_mut(self.len) {
            *slot = (key, value);
            self.len = self.len.saturating_add(1);
        }
        Ok(())
    }

    /// The entries so far, followed by the terminating `(AT_NULL, 0)`.
    pub fn entries(&self) -> &[(u64, u64)] {
        // `len + 1 <= AUXV_CAPACITY` by construction of `push`, and the slot after the last entry is
        // still `(0, 0)`, which is exactly AT_NULL.
        self.entries.get(..=self.len).unwrap_or(&[])
    }

    /// The value of the first entry of type `key`.
    pub fn get(&self, key: u64) -> Option<u64> {
        self.entries().iter().find(|(k, _)| *k == key && key != AT_NULL).map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_terminates_with_at_null_and_refuses_overflow() {
        let mut a = AuxvBuilder::new();
        assert_eq!(a.entries(), &[(AT_NULL, 0)]);
        a.push(AT_PAGESZ, 4096).unwrap();
        a.push(AT_HWCAP, 7).unwrap();
        assert_eq!(a.entries(), &[(AT_PAGESZ, 4096), (AT_HWCAP, 7), (AT_NULL, 0)]);
        assert_eq!(a.get(AT_HWCAP), Some(7));
        assert_eq!(a.get(AT_RANDOM), None);
        for i in 0..(AUXV_CAPACITY - 3) {
            a.push(100 + i as u64, 0).unwrap();
        }
        assert_eq!(a.push(1, 1), Err(LinuxErrno::ENOMEM));
        assert_eq!(a.entries().len(), AUXV_CAPACITY);
        assert_eq!(*a.entries().last().unwrap(), (AT_NULL, 0));
    }
}
