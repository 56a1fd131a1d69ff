//! Random numbers on the host: seeded xoshiro256++ streams and the few
//! variates the generators and the trainer need, on top of
//! [`rand_core::Rng`](rand_xoshiro::rand_core::Rng).
//!
//! The project depends on `rand_core` only (through `rand_xoshiro`), not on
//! `rand`, so the few distributions the generators need are written here.
//! Each is a fixed, documented function of the generator's output, so a seed
//! names the same data on every machine and with every later version of this
//! module that keeps these definitions. Normal variates come from the
//! runtime's integer-exact [`tinyscore::noise::standard_normal`], which the
//! device uses too.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;

/// The generator used everywhere on the host.
pub type HostRng = Xoshiro256PlusPlus;

/// An independent generator for `(seed, stream)`: training step `k` uses
/// stream `k`, so a resumed run draws exactly what an uninterrupted one
/// would; sample `i` uses stream `i`, as the firmware and the C API do
/// ([`tinyscore::noise::stream`], the one seeding convention).
pub fn stream(seed: u64, stream: u64) -> HostRng {
    tinyscore::noise::stream(seed, stream)
}

/// Uniform in `[0, 1)`: the top 53 bits of one `next_u64`, times 2⁻⁵³.
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in `[lo, hi)` (or exactly `lo` when `lo == hi`): `lo + (hi − lo)·u`.
pub fn uniform_in<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * uniform(rng)
}

/// Uniform integer in `0..n`, without modulo bias (Lemire's multiply-shift
/// with rejection on a 64-bit draw). Returns 0 when `n` is 0 or 1 without
/// drawing.
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    let n = n as u64;
    // Draws whose low product part falls below 2⁶⁴ mod n are rejected.
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = u128::from(rng.next_u64()) * u128::from(n);
        if (m as u64) >= threshold {
            return (m >> 64) as usize;
        }
    }
}

/// Standard normal as `f64`, from [`tinyscore::noise::standard_normal`]
/// (one `next_u64` per draw, truncated at ±6.34).
pub fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    f64::from(tinyscore::noise::standard_normal(rng))
}

/// A fair coin: the top bit of one `next_u64`.
pub fn coin<R: Rng + ?Sized>(rng: &mut R) -> bool {
    rng.next_u64() >> 63 == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_xoshiro::rand_core::SeedableRng;

    #[test]
    fn streams_differ_and_repeat() {
        let a: Vec<u64> = (0..4).map(|k| stream(7, k).next_u64()).collect();
        let b: Vec<u64> = (0..4).map(|k| stream(7, k).next_u64()).collect();
        assert_eq!(a, b);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 4);
        assert_ne!(stream(8, 0).next_u64(), a[0]);
    }

    #[test]
    fn uniform_is_in_range_with_the_right_mean() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let u = uniform(&mut rng);
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }

    #[test]
    fn below_covers_every_value_evenly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        let mut counts = [0usize; 7];
        for _ in 0..70_000 {
            counts[below(&mut rng, 7)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
        assert_eq!(below(&mut rng, 0), 0);
        assert_eq!(below(&mut rng, 1), 0);
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 100_000;
        let (mut s, mut s2) = (0.0, 0.0);
        for _ in 0..n {
            let z = normal(&mut rng);
            s += z;
            s2 += z * z;
        }
        let mean = s / n as f64;
        assert!(mean.abs() < 0.02);
        assert!((s2 / n as f64 - 1.0).abs() < 0.02);
    }
}
