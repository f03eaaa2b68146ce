//! The commitment Com of the implementer's spec §2.1 (F_Com), bound to session, sender and
//! receiver.
#![forbid(unsafe_code)]

use super::tag;
use super::th::th;
use subtle::ConstantTimeEq;

/// Com(m) of spec §2.1, bound to session, sender and receiver (0 for a broadcast).
pub fn commit(session: &[u8], sender: u16, receiver: u16, salt: &[u8; 64], m: &[u8]) -> [u8; 32] {
    th(
        tag::COMMITMENT,
        &[
            session,
            &sender.to_be_bytes(),
            &receiver.to_be_bytes(),
            salt,
            m,
        ],
    )
}

/// Checks an opening in constant time.
pub fn opens(
    c: &[u8],
    session: &[u8],
    sender: u16,
    receiver: u16,
    salt: &[u8; 64],
    m: &[u8],
) -> bool {
    bool::from(commit(session, sender, receiver, salt, m).ct_eq(c))
}
