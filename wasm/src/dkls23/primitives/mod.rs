//! The DKLs23 building blocks of spec §2, one module each: `dlog` (§2.2 Fischlin proof of
//! knowledge), `base_ot` (§2.3 endemic OT with hash-to-curve h), `ot_ext` (§2.4 KOS/SoftSpoken
//! k = 1), `mul` (§2.5 RVOLE), `zero` (§2.6 zero-sharing). None of them knows about rounds or
//! the wire: the protocols in `keygen` and `sign` carry their messages.

pub mod base_ot;
pub mod dlog;
pub mod mul;
pub mod ot_ext;
pub mod zero;
