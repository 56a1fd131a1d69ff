//! The scalar types the trainer computes in: `f32` for training, `f64` for
//! the gradient checks that compare backward passes with finite differences.
//!
//! Matrix products go through `matrixmultiply`, whose entry points take raw
//! pointers; [`Real::gemm`] is the one safe wrapper around them: it checks
//! every slice length against the dimensions before the call.

use std::fmt::Debug;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// How a matrix operand is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the row-major matrix as stored.
    Plain,
    /// Use the transpose of the row-major matrix as stored.
    Transposed,
}

/// A floating-point scalar with a matrix product.
pub trait Real:
    Copy
    + Debug
    + Default
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Send
    + Sync
    + 'static
{
    /// Conversion from f64 (rounding for f32).
    fn from_f64(v: f64) -> Self;
    /// Conversion to f64 (exact).
    fn to_f64(self) -> f64;
    /// `e^x` (for `f32`, [`exp_f32`]).
    fn exp(self) -> Self;
    /// `tanh x`.
    fn tanh(self) -> Self;

    /// `C ← alpha·op(A)·op(B) + beta·C`, all row-major: `op(A)` is `m×k`,
    /// `op(B)` is `k×n`, `C` is `m×n`.
    ///
    /// # Panics
    /// If a slice is shorter than its dimensions say (a caller bug).
    #[allow(clippy::too_many_arguments)]
    fn gemm(
        m: usize,
        k: usize,
        n: usize,
        alpha: Self,
        a: &[Self],
        op_a: Op,
        b: &[Self],
        op_b: Op,
        beta: Self,
        c: &mut [Self],
    );
}

/// Row and column strides of `op(X)` for a stored row-major matrix whose
/// `op` is `rows×cols`.
fn strides(op: Op, rows: usize, cols: usize) -> (isize, isize) {
    match op {
        Op::Plain => (cols as isize, 1),
        Op::Transposed => (1, rows as isize),
    }
}

fn check(m: usize, k: usize, n: usize, a: usize, b: usize, c: usize) {
    assert!(a >= m * k, "gemm: A has {a} elements, needs {}", m * k);
    assert!(b >= k * n, "gemm: B has {b} elements, needs {}", k * n);
    assert!(c >= m * n, "gemm: C has {c} elements, needs {}", m * n);
}

/// `e^x` in `f32` from basic arithmetic only, so that a loop over a slice
/// compiles to vector instructions (the C library's `expf` is a call per
/// element) and the bits are the same on every target.
///
/// Cody–Waite reduction `x = n·ln 2 + r`, `|r| ≤ ln 2 / 2`, with `n`
/// rounded to nearest by adding and subtracting 1.5·2²³; `e^r` by its
/// Taylor polynomial of degree 7 (truncation error below 2·10⁻⁹ relative);
/// `2ⁿ` built in the exponent bits. `x` is clamped to `[−87, 88]`, where
/// `2ⁿ` stays a normal number: below, the result is `e^−87 ≈ 1.6·10⁻³⁸`
/// instead of smaller, above `e^88 ≈ 1.7·10³⁸` instead of larger. The
/// relative error is within a few units in the last place (tested).
pub fn exp_f32(x: f32) -> f32 {
    const ROUND: f32 = 12_582_912.0; // 1.5·2²³
    const LN2_HI: f32 = 0.693_145_75; // ln 2 with its last 12 bits zero
    const LN2_LO: f32 = 1.428_606_8e-6; // ln 2 − LN2_HI
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * std::f32::consts::LOG2_E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.0 / 5040.0;
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = p * r + c;
    }
    // The low mantissa bits of `shifted` hold n (two's complement).
    let n_bits = shifted.to_bits().wrapping_sub(ROUND.to_bits());
    p * f32::from_bits((n_bits.wrapping_add(127)) << 23)
}

macro_rules! real_impl {
    ($t:ty, $exp:path, $gemm:path) => {
        impl Real for $t {
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn exp(self) -> Self {
                $exp(self)
            }
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            fn gemm(
                m: usize,
                k: usize,
                n: usize,
                alpha: Self,
                a: &[Self],
                op_a: Op,
                b: &[Self],
                op_b: Op,
                beta: Self,
                c: &mut [Self],
            ) {
                check(m, k, n, a.len(), b.len(), c.len());
                if m == 0 || n == 0 {
                    return;
                }
                let (rsa, csa) = strides(op_a, m, k);
                let (rsb, csb) = strides(op_b, k, n);
                // SAFETY: `check` proved that A holds m·k, B k·n and C m·n
                // elements; the strides address exactly those row-major
                // (or transposed row-major) elements, and C does not alias
                // A or B (it is a distinct &mut slice).
                #[allow(unsafe_code)]
                unsafe {
                    $gemm(
                        m,
                        k,
                        n,
                        alpha,
                        a.as_ptr(),
                        rsa,
                        csa,
                        b.as_ptr(),
                        rsb,
                        csb,
                        beta,
                        c.as_mut_ptr(),
                        n as isize,
                        1,
                    );
                }
            }
        }
    };
}

real_impl!(f32, exp_f32, matrixmultiply::sgemm);
real_impl!(f64, f64::exp, matrixmultiply::dgemm);

#[cfg(test)]
mod tests {
    use super::{Op, Real, exp_f32};

    #[test]
    fn exp_f32_is_within_four_ulp() {
        // Against the f64 exponential rounded once, over the whole clamped
        // range in steps of about 2⁻¹⁰ (180 000 points) and at the ends.
        let mut x = -87.0f32;
        while x <= 88.0 {
            let exact = f64::from(x).exp();
            let got = f64::from(exp_f32(x));
            let ulp = f64::from((exact as f32).abs()) * f64::from(f32::EPSILON);
            assert!(
                (got - exact).abs() <= 4.0 * ulp,
                "exp({x}) = {got}, not {exact}"
            );
            x += 1.0 / 1024.0;
        }
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-1000.0), exp_f32(-87.0));
        assert_eq!(exp_f32(1000.0), exp_f32(88.0));
        assert!(exp_f32(f32::NAN).is_nan());
    }

    #[test]
    fn gemm_all_transpositions() {
        // A = [[1,2,3],[4,5,6]] (2×3), B = [[1,0],[0,1],[1,1]] (3×2):
        // A·B = [[4,5],[10,11]] by hand.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let mut c = [0.0f64; 4];
        f64::gemm(2, 3, 2, 1.0, &a, Op::Plain, &b, Op::Plain, 0.0, &mut c);
        assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
        // Aᵀ stored as 3×2 and Bᵀ stored as 2×3 give the same product.
        let at = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
        let bt = [1.0, 0.0, 1.0, 0.0, 1.0, 1.0];
        let mut c2 = [1.0f64; 4];
        f64::gemm(
            2,
            3,
            2,
            1.0,
            &at,
            Op::Transposed,
            &bt,
            Op::Transposed,
            1.0,
            &mut c2,
        );
        assert_eq!(c2, [5.0, 6.0, 11.0, 12.0]);
    }
}
