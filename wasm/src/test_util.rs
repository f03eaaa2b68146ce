//! The test harness every `tests.rs` shares: splitting framed output and routing messages.

/// Splits the core's framed output into messages (the test-side twin of `wire::frame`).
pub(crate) fn frames(buf: &[u8]) -> Vec<Vec<u8>> {
    let n = usize::from(u16::from_be_bytes([buf[0], buf[1]]));
    let (mut out, mut at) = (Vec::new(), 2);
    for _ in 0..n {
        let len = u32::from_be_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
        out.push(buf[at + 4..at + 4 + len].to_vec());
        at += 4 + len;
    }
    out
}

/// Delivers each message to the parties `ids` it is addressed to (a broadcast reaches
/// everyone but its sender); `deliver` gets the receiver's index in `ids`.
pub(crate) fn route(ids: &[u16], msgs: &[Vec<u8>], mut deliver: impl FnMut(usize, &[u8])) {
    for m in msgs {
        let (from, to) = (u16::from_be_bytes([m[35], m[36]]), u16::from_be_bytes([m[37], m[38]]));
        for (i, id) in ids.iter().enumerate() {
            if *id != from && (to == 0 || to == *id) {
                deliver(i, m);
            }
        }
    }
}
