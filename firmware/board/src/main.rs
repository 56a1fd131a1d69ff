//! tinyscore on a Nordic nRF52840-DK (Cortex-M4F at 64 MHz): draws the
//! samples of the shared application ([`tinyscore_app::run`]) from the
//! fixed-point fixture model, streams each over the board's USB serial
//! port (UARTE0 on P0.06, the J-Link's virtual COM port, 115200 8N1) as a
//! line `index word…` in hex, toggles LED1 per sample and waits
//! [`PACE_MS`] between samples. `defmt` output goes over RTT to `probe-rs`.
//!
//! The board-specific part is `main`; [`Board`] only uses the
//! `embedded-hal` 1.0 and `embedded-io` traits, so another HAL's pin,
//! delay and serial port fit it unchanged. Flashing: firmware/README.md.
#![no_std]
#![no_main]

use core::fmt::Write as _;
use cortex_m::singleton;
use cortex_m_rt::entry;
use defmt_rtt as _;
use embedded_hal::delay::DelayNs;
use embedded_hal::digital::StatefulOutputPin;
use embedded_io::Write;
use nrf52840_hal::Delay;
use nrf52840_hal::gpio::{Level, p0};
use nrf52840_hal::pac::{CorePeripherals, Peripherals};
use nrf52840_hal::uarte::{Baudrate, Parity, Pins, Uarte};
use panic_probe as _;
use tinyscore_app::{Hooks, Scratch, include_model, run};

/// The buffers of the embedded model (`DIM`, `ACTIVATIONS`, `REGISTERS`,
/// …), computed from it by the build script (tinyscore-buffers).
#[allow(dead_code)] // the float scratch and the model's length are not used
mod buffers {
    include!(concat!(env!("OUT_DIR"), "/buffers.rs"));
}

/// Pause between samples, so that the LED's blinking can be seen.
const PACE_MS: u32 = 250;

/// The pieces of the board a run uses, through the `embedded-hal` traits.
struct Board<L, S, D> {
    led: L,
    serial: S,
    delay: D,
}

impl<L: StatefulOutputPin, S: Write, D: DelayNs> Hooks for Board<L, S, D> {
    fn sample(&mut self, index: u32, words: &[u32]) {
        let mut line = heapless::String::<{ 12 + 9 * buffers::DIM }>::new();
        let _ = write!(line, "{index}");
        for w in words {
            let _ = write!(line, " {w:08x}");
        }
        let _ = line.push('\n');
        if self.serial.write_all(line.as_bytes()).is_err() {
            defmt::warn!("serial write failed for sample {=u32}", index);
        }
        let _ = self.led.toggle();
        self.delay.delay_ms(PACE_MS);
    }
}

#[entry]
fn main() -> ! {
    let (Some(p), Some(core)) = (Peripherals::take(), CorePeripherals::take()) else {
        defmt::panic!("peripherals taken twice");
    };
    let port0 = p0::Parts::new(p.P0);
    let pins = Pins {
        txd: port0.p0_06.into_push_pull_output(Level::High).degrade(),
        rxd: port0.p0_08.into_floating_input().degrade(),
        cts: None,
        rts: None,
    };
    let uarte = Uarte::new(p.UARTE0, pins, Parity::EXCLUDED, Baudrate::BAUD115200);
    let (Some(tx_buf), Some(rx_buf)) = (
        singleton!(: [u8; 64] = [0; 64]),
        singleton!(: [u8; 1] = [0]),
    ) else {
        defmt::panic!("buffers taken twice");
    };
    let Ok((serial, _rx)) = uarte.split(tx_buf, rx_buf) else {
        defmt::panic!("UARTE buffers are not in RAM");
    };
    let mut board = Board {
        // LED1 is active low: start with it off.
        led: port0.p0_13.into_push_pull_output(Level::High),
        serial,
        delay: Delay::new(core.SYST),
    };
    let model = include_model!(env!("TINYSCORE_MODEL_FILE"));
    let mut activations = [0i16; buffers::ACTIVATIONS];
    let mut registers = [0i32; buffers::REGISTERS];
    let scratch = Scratch {
        float: &mut [],
        activations: &mut activations,
        registers: &mut registers,
    };
    match run::<{ buffers::DIM }>(model, scratch, &mut board) {
        Ok(_) => defmt::println!("done"),
        Err(e) => defmt::error!("run failed: {}", e),
    }
    loop {
        cortex_m::asm::wfi();
    }
}
