//! The panic handler of the bare-metal library.
//!
//! A `no_std` static library must bring a `#[panic_handler]`, and the C
//! program that links it cannot provide one. No function of this library
//! or the runtime can branch to a panic (tests/firmware.rs checks the
//! disassembly of a firmware that links the library), so the handler is
//! never reached; should a later change make it reachable, it parks the
//! core in a loop rather than returning into corrupt state, where a
//! watchdog or a debugger finds it. Hosted targets use the standard
//! library's handler.

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
