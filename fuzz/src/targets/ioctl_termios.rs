//! The ioctl number translation (`arch_ppc64::ioctl::{to_generic, from_generic}`) with any 32-bit
//! number, and the termios/termio conversions (powerpc and generic) with any structure bytes, in both
//! byte orders.
//!
//! Checked on every input:
//! - `to_generic`: a number of the differing table becomes its generic twin; any other number with
//!   powerpc `_IOC` direction bits keeps its type, number and size with the direction re-encoded;
//!   everything else is unchanged;
//! - `from_generic`: the twin of a differing number; `None` exactly when the size needs a 14th bit;
//!   otherwise type, number and size are kept, and translating back gives the generic number again;
//! - termios: translating to generic, back, and to generic again is stable (one normalisation at most);
//!   a `TCGETA` after a `TCSETA` reads back what makes a second `TCSETA` a no-op; the generic
//!   `struct termios`/`termios2`/`termio` conversions read back what they wrote.

use crate::input::Input;
use arch_ppc64::ioctl::{self as ppc, from_generic, to_generic, DIFFERING_IOCTLS};
use arch_ppc64::termios as pt;
use linux_core::ioctl as g;
use linux_core::termios::{self as gt, KTermios};
use zerocopy::byteorder::ByteOrder;
use zerocopy::{BigEndian, FromBytes, LittleEndian};

fn dir_to_generic(d: u32) -> Option<u32> {
    match d {
        1 => Some(g::_IOC_NONE),
        2 => Some(g::_IOC_READ),
        4 => Some(g::_IOC_WRITE),
        6 => Some(g::_IOC_READ | g::_IOC_WRITE),
        _ => None,
    }
}

fn ioctl(cmd: u32) {
    let Some(gen) = to_generic(cmd) else {
        // Only the generic twin of a differently numbered name is refused (ENOTTY, as on Linux/powerpc).
        assert!(
            DIFFERING_IOCTLS.iter().any(|e| e.2 == cmd && e.1 != cmd),
            "to_generic refused {cmd:#x}, which is not the generic twin of a powerpc ioctl"
        );
        return;
    };
    if DIFFERING_IOCTLS.iter().any(|e| e.2 == cmd && e.1 != cmd) {
        panic!("to_generic accepted {cmd:#x}, the generic number of a name powerpc numbers differently");
    }
    match DIFFERING_IOCTLS.iter().find(|e| e.1 == cmd) {
        Some(&(_, _, twin)) => assert_eq!(gen, twin),
        None => match dir_to_generic(ppc::PPC_IOC.ioc_dir(cmd)) {
            Some(gd) => {
                assert_eq!(
                    (g::ioc_dir(gen), g::ioc_type(gen), g::ioc_nr(gen), g::ioc_size(gen)),
                    (gd, ppc::PPC_IOC.ioc_type(cmd), ppc::PPC_IOC.ioc_nr(cmd), ppc::PPC_IOC.ioc_size(cmd)),
                    "to_generic({cmd:#x}) = {gen:#x} does not keep the fields"
                );
            }
            None => assert_eq!(gen, cmd, "to_generic changed a number without powerpc direction bits"),
        },
    }

    // The same bits read as a generic number.
    let back = from_generic(cmd);
    match DIFFERING_IOCTLS.iter().find(|e| e.2 == cmd) {
        Some(&(_, twin, _)) => assert_eq!(back, Some(twin)),
        None if g::ioc_dir(cmd) == g::_IOC_NONE => assert!(back.is_some()),
        None => match back {
            None => assert!(
                g::ioc_size(cmd) > ppc::_IOC_SIZEMASK,
                "from_generic({cmd:#x}) refused a number powerpc can encode"
            ),
            Some(p) => {
                assert_eq!(
                    (ppc::PPC_IOC.ioc_type(p), ppc::PPC_IOC.ioc_nr(p), ppc::PPC_IOC.ioc_size(p)),
                    (g::ioc_type(cmd), g::ioc_nr(cmd), g::ioc_size(cmd)),
                    "from_generic({cmd:#x}) = {p:#x} does not keep the fields"
                );
                // A re-encoded number that happens to be the generic twin of a powerpc name is not a
                // powerpc ioctl (to_generic refuses it, as Linux/powerpc answers ENOTTY).
                if !DIFFERING_IOCTLS.iter().any(|e| e.1 == p || e.2 == p) {
                    assert_eq!(
                        to_generic(p),
                        Some(cmd),
                        "from_generic({cmd:#x}) = {p:#x} does not translate back"
                    );
                }
            }
        },
    }
}

fn termios<E: ByteOrder>(inp: &mut Input<'_>) {
    let mut b = inp.bytes(44).to_vec();
    b.resize(44, 0);
    let t = pt::Termios::<E>::read_from_bytes(&b).expect("44 bytes");
    let k = pt::to_generic(&t);
    let t2 = pt::from_generic::<E>(&k);
    let k2 = pt::to_generic(&t2);
    assert_eq!(k2, k, "termios: generic -> powerpc -> generic is not the identity");
    assert_eq!(pt::from_generic::<E>(&k2), t2);

    let mut b = inp.bytes(20).to_vec();
    b.resize(20, 0);
    let tio = pt::Termio::<E>::read_from_bytes(&b).expect("20 bytes");
    let k3 = pt::apply_termio(&k, &tio);
    let tio2 = pt::termio_from_generic::<E>(&k3);
    assert_eq!(pt::apply_termio(&k3, &tio2), k3, "TCSETA of what TCGETA read changed the settings");
    assert_eq!((k3.c_ispeed, k3.c_ospeed), (k.c_ispeed, k.c_ospeed), "TCSETA changed the speeds");

    // The generic structures.
    let mut kk = KTermios::default();
    kk.apply_termios(&gt::Termios::<E>::new_from(inp));
    let mut k5 = kk;
    k5.apply_termios(&kk.to_termios::<E>());
    assert_eq!(k5, kk);
    let mut k6 = kk;
    k6.apply_termio(&kk.to_termio::<E>());
    assert_eq!(k6, kk);
    let t2b = kk.to_termios2::<E>();
    assert_eq!(KTermios::from_termios2(&t2b).to_termios2::<E>(), t2b);
}

/// Reading a generic structure from input bytes.
trait NewFrom {
    fn new_from(inp: &mut Input<'_>) -> Self;
}

impl<E: ByteOrder> NewFrom for gt::Termios<E> {
    fn new_from(inp: &mut Input<'_>) -> Self {
        let n = core::mem::size_of::<Self>();
        let mut b = inp.bytes(n).to_vec();
        b.resize(n, 0);
        Self::read_from_bytes(&b).expect("size")
    }
}

pub fn run(data: &[u8]) {
    let mut inp = Input::new(data);
    let sel = inp.u8();
    ioctl(inp.u32());
    ioctl(inp.u32());
    if sel & 1 == 0 {
        termios::<BigEndian>(&mut inp);
    } else {
        termios::<LittleEndian>(&mut inp);
    }
}
