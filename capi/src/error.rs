//! [`tinyscore_error`]: a failed parse's status and its message, the
//! runtime's own description of the defect (which section, which byte,
//! which limit), written into the caller's struct without allocating.
//! Formatting those details links `core::fmt` (about 16 KB on a
//! Cortex-M4F); a library built without feature `messages` writes each
//! status's fixed text instead.

use crate::status::tinyscore_status;
use core::ffi::c_char;
use core::fmt::{self, Write};

/// Bytes of `tinyscore_error.message`, its terminating NUL included.
pub const TINYSCORE_MESSAGE_LEN: usize = 120;

/// Why a model was refused, in detail.
#[allow(non_camel_case_types)] // C naming
#[repr(C)]
pub struct tinyscore_error {
    /// The status the call returned.
    pub status: tinyscore_status,
    /// The runtime's description, NUL-terminated (UTF-8, cut at a
    /// character boundary if longer than the buffer).
    pub message: [c_char; TINYSCORE_MESSAGE_LEN],
}

impl tinyscore_error {
    /// Records `status` with the runtime's description `detail` as its
    /// message when the library is built with feature `messages`, with
    /// the status's text otherwise (and for a status with no detail); the
    /// message of success is empty.
    pub(crate) fn set(&mut self, status: tinyscore_status, detail: Option<&dyn fmt::Display>) {
        self.status = status;
        let mut message = Message {
            buffer: &mut self.message,
            len: 0,
            full: false,
        };
        match detail {
            // `Message` never fails; a `Display` that does leaves what it wrote.
            #[cfg(feature = "messages")]
            Some(detail) => drop(write!(message, "{detail}")),
            _ if status == tinyscore_status::Ok => {}
            _ => drop(message.write_str(status.text().to_str().unwrap_or_default())),
        }
        let end = message.len;
        if let Some(nul) = self.message.get_mut(end) {
            *nul = 0;
        }
    }
}

/// A writer into a byte buffer that keeps one byte for the NUL and stops
/// at the first character that does not fit.
struct Message<'b> {
    buffer: &'b mut [c_char],
    len: usize,
    full: bool,
}

impl Write for Message<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buffer.len().saturating_sub(1);
        for c in s.chars() {
            let end = self.len + c.len_utf8();
            let slot = self.buffer.get_mut(self.len..end);
            match slot {
                Some(slot) if end <= room && !self.full => {
                    let mut utf8 = [0; 4];
                    for (out, byte) in slot.iter_mut().zip(c.encode_utf8(&mut utf8).bytes()) {
                        *out = byte as c_char;
                    }
                    self.len = end;
                }
                _ => self.full = true,
            }
        }
        Ok(())
    }
}
