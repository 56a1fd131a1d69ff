//! Class conditioning folded into the first dense layer (kind 11): one bias
//! row per class, and one more for "no class", added to that layer's own
//! bias (and to the time-bias row of the plan row being run).
//!
//! A class-conditional network sees a one-hot class vector (with one extra
//! slot for the unconditional branch of classifier-free guidance) at its
//! input. The first layer is linear in it, so `W_c·onehot(c)` is column `c`
//! of the class part of `W`: the exporter stores those columns as rows and
//! the device adds one of them. Stored apart from the time-bias rows rather
//! than multiplied out per (row, class), the table costs `(K + 1)` rows
//! instead of `K + 1` times the plan's rows.
//!
//! Float models store the rows in `f32`; fixed-point models in `i32`, in
//! the first dense layer's accumulator units, like their time-bias rows.

use super::cursor::{Cursor, F32s, I32s};
use super::{FormatError, SectionKind};

/// Most classes a model may have.
pub const MAX_CLASSES: u32 = 256;

const SECTION: SectionKind = SectionKind::ClassBias;

/// The stored rows, in the element type of the model's backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClassRows<'a> {
    /// For f32 and f16 models (element code 1).
    F32(F32s<'a>),
    /// For fixed-point models, in accumulator units (element code 2).
    I32(I32s<'a>),
}

/// The class-bias rows of a class-conditional model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClassBias<'a> {
    classes: u32,
    width: u32,
    rows: ClassRows<'a>,
}

impl<'a> ClassBias<'a> {
    /// Number of classes `K`; the labels are `0..K`.
    pub fn classes(&self) -> u32 {
        self.classes
    }

    /// Width of a row (the first dense layer's output).
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The stored rows.
    pub fn rows(&self) -> ClassRows<'a> {
        self.rows
    }

    /// Index of the row for `class`, `None` meaning no class (the
    /// unconditional row, stored last); `None` if `class ≥ K`.
    fn index(&self, class: Option<u32>) -> Option<usize> {
        match class {
            Some(c) if c < self.classes => Some(c as usize),
            Some(_) => None,
            None => Some(self.classes as usize),
        }
    }

    /// The f32 row of `class` (`None`: the unconditional row); `None` for a
    /// fixed-point table or a class out of range.
    pub fn f32_row(&self, class: Option<u32>) -> Option<F32s<'a>> {
        let ClassRows::F32(values) = self.rows else {
            return None;
        };
        let w = self.width as usize;
        values.slice(self.index(class)?.checked_mul(w)?, w)
    }

    /// The i32 row of `class` (`None`: the unconditional row); `None` for a
    /// float table or a class out of range.
    pub fn i32_row(&self, class: Option<u32>) -> Option<I32s<'a>> {
        let ClassRows::I32(values) = self.rows else {
            return None;
        };
        let w = self.width as usize;
        values.slice(self.index(class)?.checked_mul(w)?, w)
    }

    /// Largest `|row[o]|` over all rows of an i32 table (0 for f32).
    pub(super) fn max_i32(&self, o: usize) -> u64 {
        let ClassRows::I32(values) = self.rows else {
            return 0;
        };
        let w = self.width as usize;
        (0..=self.classes as usize)
            .filter_map(|k| values.get(k.checked_mul(w)?.checked_add(o)?))
            .map(|v| u64::from(v.unsigned_abs()))
            .max()
            .unwrap_or(0)
    }
}

pub(super) fn parse(bytes: &[u8]) -> Result<ClassBias<'_>, FormatError> {
    let mut c = Cursor::new(bytes, SECTION);
    let classes_at = c.offset();
    let classes = c.u32()?;
    let width_at = c.offset();
    let width = c.u32()?;
    let element_at = c.offset();
    let element = c.u32()?;
    c.reserved_u32()?;
    if classes == 0 || classes > MAX_CLASSES {
        return Err(c.limit(classes_at));
    }
    if width == 0 {
        return Err(c.limit(width_at));
    }
    let len = (classes as usize + 1)
        .checked_mul(width as usize)
        .and_then(|n| n.checked_mul(4))
        .ok_or(FormatError::SectionLength(SECTION))?;
    let body = c.take(len)?;
    c.finish()?;
    let rows = match element {
        1 => ClassRows::F32(F32s::new(body)),
        2 => ClassRows::I32(I32s::new(body)),
        _ => return Err(c.bad_code(element_at)),
    };
    if let ClassRows::F32(values) = rows
        && let Some(i) = values.first_non_finite()
    {
        return Err(FormatError::NonFinite {
            section: SECTION,
            index: u32::try_from(i).unwrap_or(u32::MAX),
        });
    }
    Ok(ClassBias {
        classes,
        width,
        rows,
    })
}
