//! Domain-separated, length-prefixed hashing for every Fiat–Shamir challenge and key derivation
//! the core defines itself, so that H([a, b]) can never equal H([a ‖ b]) (TSSHOCK α-shuffle).
#![forbid(unsafe_code)]

use sha2::{Digest, Sha512};

/// A SHA-512 transcript: a domain label, then each field as `len u32 | bytes`.
pub struct Transcript(Sha512);

impl Transcript {
    /// Starts a transcript under `domain`.
    pub fn new(domain: &[u8]) -> Self {
        let mut t = Transcript(Sha512::new());
        t.append(domain);
        t
    }

    /// Appends one length-prefixed field.
    pub fn append(&mut self, field: &[u8]) -> &mut Self {
        self.0.update((field.len() as u32).to_be_bytes());
        self.0.update(field);
        self
    }

    /// The 64-byte digest.
    pub fn finish(self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(&self.0.finalize());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Transcript;

    #[test]
    fn fields_are_length_prefixed() {
        let mut a = Transcript::new(b"d");
        a.append(b"ab").append(b"c");
        let mut b = Transcript::new(b"d");
        b.append(b"a").append(b"bc");
        let mut c = Transcript::new(b"d");
        c.append(b"abc");
        assert_ne!(a.finish(), b.finish());
        let mut a2 = Transcript::new(b"d");
        a2.append(b"ab").append(b"c");
        assert_ne!(a2.finish(), c.finish());
    }
}
