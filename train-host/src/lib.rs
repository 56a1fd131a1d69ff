//! tinyscore-train: the host side of tinyscore — data, training, export,
//! sampling through the runtime, evaluation and plots — behind the
//! `tinyscore` command.
//!
//! The schedules, plans and the model file format come from the runtime
//! crate `tinyscore`; nothing here re-implements them.

pub mod atomic;
pub mod calibrate;
pub mod checkpoint;
pub mod chunks;
pub mod cli;
pub mod console;
pub mod data;
pub mod distill;
pub mod eval;
pub mod export;
pub mod fake_quant;
pub mod firmware;
pub mod fisher;
pub mod host_sampling;
pub mod limits;
pub mod mlp;
pub mod objective;
pub mod optim;
pub mod output;
pub mod parity;
pub mod plot;
pub mod progress;
pub mod random;
pub mod real;
pub mod restore;
pub mod snr_steps;
pub mod spec;
pub mod time_sampling;
pub mod train;
