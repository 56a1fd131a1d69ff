//! tinyscore under QEMU: runs the shared application ([`tinyscore_app::run`])
//! on the embedded model and exits with its status through semihosting.
//!
//! One source for three machines, picked by the target: `mps2-an386`
//! (Cortex-M4F, thumbv7em-none-eabihf), `microbit` (Cortex-M0,
//! thumbv6m-none-eabi) and `virt` (RISC-V, riscv32imac-unknown-none-elf).
//! `defmt` frames go to semihosting stdout and are decoded on the host by
//! `defmt-print` (qemu/run.sh). Every way out exits QEMU: success (0), an
//! error from the application (1), a panic (the `semihosting` crate's
//! handler prints the message to stderr and exits non-zero), and a fault.
#![no_std]
#![no_main]

use defmt_semihosting as _;
use semihosting::process::exit;
use tinyscore_app::{Scratch, include_model, run};

/// The buffers of the embedded model: `DIM`, `FLOAT_SCRATCH`,
/// `ACTIVATIONS`, `REGISTERS` and `MODEL_BYTES`, computed from it by the
/// build script (tinyscore-buffers).
#[allow(dead_code)] // MODEL_BYTES is for feature `misaligned` only
mod buffers {
    include!(concat!(env!("OUT_DIR"), "/buffers.rs"));
}

/// Bytes of the RAM copy of feature `misaligned`: the model and the up to
/// three bytes that put it two bytes past a word boundary.
#[cfg(feature = "misaligned")]
const MISALIGNED_CAPACITY: usize = buffers::MODEL_BYTES + 3;

fn app() -> ! {
    let model = include_model!(env!("TINYSCORE_MODEL_FILE"));
    #[cfg(feature = "misaligned")]
    let mut copy = [0u8; MISALIGNED_CAPACITY];
    #[cfg(feature = "misaligned")]
    let model = match misaligned(model, &mut copy) {
        Some(moved) => moved,
        None => {
            defmt::println!("error model larger than the misaligned copy");
            exit(1)
        }
    };
    let mut float = [0f32; buffers::FLOAT_SCRATCH];
    let mut activations = [0i16; buffers::ACTIVATIONS];
    let mut registers = [0i32; buffers::REGISTERS];
    let scratch = Scratch {
        float: &mut float,
        activations: &mut activations,
        registers: &mut registers,
    };
    match run::<{ buffers::DIM }>(model, scratch, &mut measure::start()) {
        Ok(()) => exit(0),
        Err(e) => {
            defmt::println!("error {}", e);
            exit(1)
        }
    }
}

/// `model` copied into `buffer` at an address two bytes past a word
/// boundary; `None` if it does not fit.
#[cfg(feature = "misaligned")]
fn misaligned<'b>(model: &[u8], buffer: &'b mut [u8]) -> Option<&'b [u8]> {
    let skip = (6 - buffer.as_ptr() as usize % 4) % 4;
    let copy = buffer.get_mut(skip..skip + model.len())?;
    copy.copy_from_slice(model);
    Some(copy)
}

#[cfg(target_arch = "arm")]
mod rt {
    // Linked for its single-core `critical-section` implementation.
    use cortex_m as _;
    use cortex_m_rt::{ExceptionFrame, entry, exception};

    #[entry]
    fn main() -> ! {
        super::app()
    }

    #[exception]
    unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
        defmt::println!("hard fault");
        super::exit(2)
    }

    #[exception]
    unsafe fn DefaultHandler(irq: i16) {
        defmt::println!("unexpected exception {=i16}", irq);
        super::exit(2)
    }
}

#[cfg(target_arch = "riscv32")]
mod rt {
    #[riscv_rt::entry]
    fn main() -> ! {
        super::app()
    }

    #[unsafe(export_name = "ExceptionHandler")]
    fn exception(_frame: &riscv_rt::TrapFrame) -> ! {
        defmt::println!(
            "exception {=usize:x}",
            riscv::register::mcause::read().bits()
        );
        super::exit(2)
    }
}

/// Measurements on mps2-an386 (feature `measure`, run by bench/firmware.sh).
///
/// Instructions: the CMSDK TIMER0 counts them under `qemu -icount shift=0`,
/// where every instruction advances virtual time by 1 ns and the 25 MHz
/// timer counts down once every 40 ns, so one tick is 40 instructions. Not
/// cycles: QEMU does not model them.
///
/// Stack: at each mark, the free stack (up to 64 KiB below the top) is
/// painted from 256 bytes below the stack pointer down; the high-water mark
/// is the deepest word no longer holding the paint, measured from the top
/// of RAM (`_stack_start`), so it includes the scratch buffers `app` keeps
/// on the stack.
#[cfg(all(feature = "measure", machine = "mps2-an386"))]
mod measure {
    use core::ptr::{addr_of, read_volatile, write_volatile};

    const TIMER0: usize = 0x4000_0000;
    const CTRL: *mut u32 = TIMER0 as *mut u32;
    const VALUE: *mut u32 = (TIMER0 + 0x4) as *mut u32;
    const RELOAD: *mut u32 = (TIMER0 + 0x8) as *mut u32;
    /// Instructions per timer tick at `-icount shift=0` (1 GHz / 25 MHz).
    const INSTRUCTIONS_PER_TICK: u64 = 40;
    const PAINT: u32 = 0x5eed_5eed;
    const PAINTED: usize = 64 * 1024;

    unsafe extern "C" {
        static _stack_start: u32;
    }

    fn stack_top() -> usize {
        // Only the address of cortex-m-rt's symbol is taken.
        addr_of!(_stack_start) as usize
    }

    pub struct Meter;

    pub fn start() -> Meter {
        // SAFETY: TIMER0's registers are used by nothing else.
        unsafe {
            write_volatile(RELOAD, u32::MAX);
            write_volatile(VALUE, u32::MAX);
            write_volatile(CTRL, 1);
        }
        Meter
    }

    impl tinyscore_app::Hooks for Meter {
        fn now(&mut self) -> Option<u64> {
            // SAFETY: as above; counting down from u32::MAX, the counter
            // does not wrap within a run (2³² ticks are 1.7·10¹¹
            // instructions).
            let ticks = u32::MAX - unsafe { read_volatile(VALUE) };
            Some(u64::from(ticks) * INSTRUCTIONS_PER_TICK)
        }

        fn mark_stack(&mut self) {
            let sp = cortex_m::register::msp::read() as usize;
            // SAFETY: the words between `top - PAINTED` and 256 bytes below
            // the stack pointer are free stack on a 4 MiB RAM.
            for word in (stack_top() - PAINTED..sp - 256).step_by(4) {
                unsafe { write_volatile(word as *mut u32, PAINT) };
            }
        }

        fn stack_peak(&mut self) -> Option<usize> {
            let top = stack_top();
            let mut word = top - PAINTED;
            // SAFETY: reads the painted words back.
            while word < top && unsafe { read_volatile(word as *const u32) } == PAINT {
                word += 4;
            }
            Some(top - word)
        }
    }
}

#[cfg(not(all(feature = "measure", machine = "mps2-an386")))]
mod measure {
    use tinyscore_app::NoHooks;

    pub fn start() -> NoHooks {
        NoHooks
    }
}
