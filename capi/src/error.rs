//! [`tinyscore_error`]: a failed parse's status and its message, the
//! runtime's own description of the defect (which section, which byte,
//! which limit), written into the caller's struct without allocating.
//! Formatting those details links `core::fmt` (about 16 KB on a
//! Cortex-M4F); a library built without feature `messages` writes each
//! status's fixed text instead.

use crate::status::tinyscore_status;
use core::ffi::{CStr, c_char};
use core::fmt;
#[cfg(feature = "messages")]
use core::fmt::Write;

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
        let end = match detail {
            // `Message` never fails; a `Display` that does leaves what it wrote.
            #[cfg(feature = "messages")]
            Some(detail) => {
                let mut message = Message {
                    buffer: &mut self.message,
                    len: 0,
                    full: false,
                };
                let _ = write!(message, "{detail}");
                message.len
            }
            _ if status == tinyscore_status::Ok => 0,
            _ => copy_text(&mut self.message, status.text()),
        };
        if let Some(nul) = self.message.get_mut(end) {
            *nul = 0;
        }
    }
}

/// Copies a status text into `buffer`, keeping one byte for the NUL;
/// returns its length. Byte by byte, with no UTF-8 decoding (a build
/// without `messages` links none): the texts are ASCII and shorter than
/// the buffer (`status_texts_fit_the_message`).
fn copy_text(buffer: &mut [c_char], text: &CStr) -> usize {
    let bytes = text.to_bytes();
    let bytes = bytes.get(..buffer.len().saturating_sub(1)).unwrap_or(bytes);
    for (out, byte) in buffer.iter_mut().zip(bytes) {
        *out = *byte as c_char;
    }
    bytes.len()
}

/// A writer into a byte buffer that keeps one byte for the NUL and stops
/// at the first character that does not fit.
#[cfg(feature = "messages")]
struct Message<'b> {
    buffer: &'b mut [c_char],
    len: usize,
    full: bool,
}

#[cfg(feature = "messages")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_texts_fit_the_message() {
        for status in tinyscore_status::ALL {
            let text = status.text().to_bytes();
            assert!(
                text.is_ascii() && text.len() < TINYSCORE_MESSAGE_LEN,
                "{status:?}"
            );
        }
    }
}
