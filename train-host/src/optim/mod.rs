//! The optimiser side of training: AdamW, global-norm gradient clipping,
//! the warm-up + cosine learning-rate schedule and the weight EMA.
//!
//! Why a module of its own: the trainer's numerics are split into the
//! network (forward/backward over one flat parameter vector) and what is
//! done with its gradient. Everything here works on plain `&[f32]` /
//! `&mut [f32]` slices in the runtime's export order, knows nothing of
//! layers, and keeps its state in plain vectors and integers that a
//! checkpoint can store, so a resumed run continues bit-identically.
//!
//! A training step is, in order:
//!
//! ```text
//! let norm = clip_grad_norm(&mut grads, max_norm);   // skip the step if !norm.is_finite()
//! adamw.step(&mut params, &grads, schedule.lr(step));
//! ema.update(&params);
//! ```

mod adamw;
mod clip;
mod ema;
mod error;
mod schedule;

pub use adamw::{AdamState, AdamW, AdamWConfig};
pub use clip::clip_grad_norm;
pub use ema::Ema;
pub use error::OptimError;
pub use schedule::LrSchedule;
