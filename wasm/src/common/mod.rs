//! What every protocol shares: the wire envelope and the round input it feeds (`wire`, `round`),
//! parameter checks (`params`), typed errors (`error`), host-seeded randomness (`rng`) and
//! exact-size wiped serialisation of secrets (`secret`).

pub mod error;
pub mod params;
pub mod rng;
pub mod round;
pub mod secret;
pub mod wire;
