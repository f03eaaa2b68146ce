//! Native twin of `scripts/bench-core.ts`: per-party compute for DKLs23 keygen and for each
//! signing round, printed as JSON on stdout, so the wasm/native ratio can be reported.
//! Run: `cargo run --release --example bench -- 10` (iterations per signing configuration).

#[path = "../src/test_util.rs"]
mod test_util;

use std::time::Instant;
use tessera_core::common::round::Round;
use tessera_core::dkls23::{keygen as dkg, keys::KeyShare, sign};
use tessera_core::rng;
use test_util::frames;

/// Times each delivery into the receiving party's clock.
fn route<T>(
    ids: &[u16],
    states: &mut [T],
    msgs: &[Vec<u8>],
    mut f: impl FnMut(&mut T, &[u8]),
    clock: &mut [f64],
) {
    test_util::route(ids, msgs, |i, m| {
        let t = Instant::now();
        f(&mut states[i], m);
        clock[i] += t.elapsed().as_secs_f64() * 1e3;
    });
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn main() {
    let iters: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut rng = rng::from_seed(&[9; 32]).unwrap();
    let mut out = Vec::new();
    for (t, n) in [(2u16, 3u16), (3, 3), (3, 5)] {
        eprintln!("[native] keygen {}-of-{}", t, n);
        let ids: Vec<u16> = (1..=n).collect();
        let session = [t as u8 * 16 + n as u8; 32];
        let mut clock = vec![0.0; ids.len()];
        let mut r1: Vec<dkg::Round1> = ids
            .iter()
            .enumerate()
            .map(|(i, me)| {
                let s = Instant::now();
                let r = dkg::round1(
                    dkg::DkgParams {
                        session,
                        threshold: t,
                        parties: n,
                        me: *me,
                    },
                    None,
                    &mut rng,
                )
                .unwrap();
                clock[i] += ms(s);
                r
            })
            .collect();
        let msgs: Vec<Vec<u8>> = r1.iter().flat_map(|s| frames(s.outgoing())).collect();
        route(
            &ids,
            &mut r1,
            &msgs,
            |s, m| s.receive(m).unwrap(),
            &mut clock,
        );
        let mut r2: Vec<dkg::Round2> = r1
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let st = Instant::now();
                let r = s.advance(&mut rng).unwrap();
                clock[i] += ms(st);
                r
            })
            .collect();
        let msgs: Vec<Vec<u8>> = r2.iter().flat_map(|s| frames(s.outgoing())).collect();
        route(
            &ids,
            &mut r2,
            &msgs,
            |s, m| s.receive(m).unwrap(),
            &mut clock,
        );
        let mut r3: Vec<dkg::Round3> = r2
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let st = Instant::now();
                let r = s.advance().unwrap();
                clock[i] += ms(st);
                r
            })
            .collect();
        let msgs: Vec<Vec<u8>> = r3.iter().flat_map(|s| frames(s.outgoing())).collect();
        route(
            &ids,
            &mut r3,
            &msgs,
            |s, m| s.receive(m).unwrap(),
            &mut clock,
        );
        let keys: Vec<_> = r3
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let st = Instant::now();
                let k = s.finish().unwrap();
                clock[i] += ms(st);
                k
            })
            .collect();
        let keygen_ms = mean(&clock);
        // A key share cannot be cloned; each signing run loads its own copy, outside the clock.
        let blobs: Vec<_> = keys.iter().map(|k| k.to_blob().unwrap()).collect();

        eprintln!("[native] signing {}-of-{} x{}", t, n, iters);
        let signers: Vec<u16> = (1..=t).collect();
        let mut rounds = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for it in 0..iters {
            let session = [it as u8 + 1; 32];
            let mut c = vec![[0.0f64; 4]; signers.len()];
            let mut s1 = Vec::new();
            for (i, id) in signers.iter().enumerate() {
                let key = KeyShare::from_blob(&blobs[usize::from(*id - 1)]).unwrap();
                let st = Instant::now();
                s1.push(
                    sign::start(
                        key,
                        sign::SignRequest {
                            session,
                            signers: signers.clone(),
                            digest: [7; 32],
                            path: vec![],
                        },
                        &mut rng,
                    )
                    .unwrap(),
                );
                c[i][0] += ms(st);
            }
            let mut tmp = vec![0.0; signers.len()];
            let msgs: Vec<Vec<u8>> = s1.iter().flat_map(|s| frames(s.outgoing())).collect();
            route(
                &signers,
                &mut s1,
                &msgs,
                |s, m| s.receive(m).unwrap(),
                &mut tmp,
            );
            let mut s2 = Vec::new();
            for (i, s) in s1.into_iter().enumerate() {
                let st = Instant::now();
                s2.push(s.advance(&mut rng).unwrap());
                c[i][1] += ms(st) + tmp[i];
                tmp[i] = 0.0;
            }
            let msgs: Vec<Vec<u8>> = s2.iter().flat_map(|s| frames(s.outgoing())).collect();
            route(
                &signers,
                &mut s2,
                &msgs,
                |s, m| s.receive(m).unwrap(),
                &mut tmp,
            );
            let mut s3 = Vec::new();
            for (i, s) in s2.into_iter().enumerate() {
                let st = Instant::now();
                s3.push(s.advance().unwrap());
                c[i][2] += ms(st) + tmp[i];
                tmp[i] = 0.0;
            }
            let msgs: Vec<Vec<u8>> = s3.iter().flat_map(|s| frames(s.outgoing())).collect();
            route(
                &signers,
                &mut s3,
                &msgs,
                |s, m| s.receive(m).unwrap(),
                &mut tmp,
            );
            for (i, s) in s3.into_iter().enumerate() {
                let st = Instant::now();
                s.finish().unwrap();
                c[i][3] += ms(st) + tmp[i];
            }
            for r in 0..4 {
                rounds[r].push(mean(&c.iter().map(|x| x[r]).collect::<Vec<_>>()));
            }
        }
        out.push(format!(
            "{{\"threshold\":{},\"parties\":{},\"keygenMs\":{:.3},\"signRoundMs\":[{:.3},{:.3},{:.3},{:.3}]}}",
            t, n, keygen_ms, mean(&rounds[0]), mean(&rounds[1]), mean(&rounds[2]), mean(&rounds[3])
        ));
    }
    println!("[{}]", out.join(","));
}
