//! Zero-sharing (spec §2.6; DKLs23 Functionality 3.4): pairwise seeds agreed at key generation
//! give each signer ζ_i with Σ_{i∈S} ζ_i = 0, re-randomizing the additive key shares per signing.
#![forbid(unsafe_code)]

use crate::hash::{hs, tag};
use k256::Scalar;

/// ζ_i = Σ_{j∈S∖{i}} ±Hs(tag_zero, sid_Z, seed_ij): minus when i < j, plus otherwise.
pub fn zeta(me: u16, sid_z: &[u8; 32], seeds: &[(u16, [u8; 32])]) -> Scalar {
    seeds.iter().fold(Scalar::ZERO, |acc, (j, seed)| {
        let h = hs(tag::ZERO_SHARE, &[sid_z, seed]);
        if me < *j {
            acc - h
        } else {
            acc + h
        }
    })
}
