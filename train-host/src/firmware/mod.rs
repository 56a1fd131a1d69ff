//! A model on the chip, checked against the host: the firmware's output
//! computed with the runtime on the host ([`lines`]), and the firmware
//! built with a model and booted in QEMU ([`qemu`]), for `tinyscore qemu`.

pub mod lines;
pub mod qemu;
