//! What the firmware prints for a model, computed on the host with the
//! runtime: train-host/src/firmware/lines.rs (which `tinyscore qemu`
//! checks the firmware with), and [`expected`], the lines of the tasks
//! with the firmware's default seed and items. tests/firmware.rs compares
//! the Rust firmware with them, capi/tests the C example on the host and in
//! QEMU.

#[path = "../../train-host/src/firmware/lines.rs"]
mod lines;

pub use lines::*;
use tinyscore::noise::{Generator, stream};

/// The generator of item `i`: the stream of item `i` of [`SEED`].
pub fn item_rng(i: usize) -> Generator {
    stream(SEED, i as u64)
}

/// Every line but the `model` and `cost` ones the firmware prints for
/// `bytes` with the default seed and items, with the values in data units
/// shown as `data_units` says (the C example: [`DataUnits::Words`]).
pub fn expected(bytes: &[u8], data_units: DataUnits) -> Vec<String> {
    let run = Run {
        seed: SEED,
        items: ITEMS,
        data_units,
    };
    expected_tasks(bytes, &run).unwrap()
}
