//! Model bytes in flash at the alignment the format's zero-copy views need.
//!
//! `include_bytes!` gives a `&'static [u8; N]` with no alignment promise:
//! the array may start at any byte. A `.tsm` file keeps its weights
//! 16-byte aligned *within* the file (docs/FORMAT.md), which only helps if
//! the file itself starts at a 16-byte boundary: the Cortex-M4/M7 DSP
//! kernel reads tiles with word loads when they are aligned and falls back
//! to the slower portable kernel when they are not. [`crate::include_model!`]
//! embeds a file in an [`Aligned`] static, so the bytes it hands out always
//! start on such a boundary.

/// Bytes (or anything else) placed at a 16-byte boundary: the alignment
/// of a `.tsm` file's sections. Use it through [`crate::include_model!`], or wrap
/// a buffer a model is read into: `static mut BUF: Aligned<[u8; 4096]>`.
#[repr(C, align(16))]
pub struct Aligned<B: ?Sized>(pub B);

/// Embeds a file (path relative to the calling source file, as for
/// `include_bytes!`) as a 16-byte-aligned `&'static [u8]`, usable in a
/// `static` or in a function:
///
/// ```
/// static MODEL: &[u8] = tinyscore::include_model!("../firmware/models/fixed.tsm");
/// assert_eq!(MODEL.as_ptr() as usize % 16, 0);
/// let model = tinyscore::format::Model::parse(MODEL)?;
/// # Ok::<(), tinyscore::format::FormatError>(())
/// ```
#[macro_export]
macro_rules! include_model {
    ($path:expr) => {{
        static MODEL: &$crate::Aligned<[u8]> = &$crate::Aligned(*include_bytes!($path));
        &MODEL.0
    }};
}
