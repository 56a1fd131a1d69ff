//! Names for a model's data columns (kind 13) and classes (kind 14), both
//! optional (since 1.4): what the columns and classes were called in the
//! training data, so that every tool showing a sample or a class can say
//! `accel_x` and `walk` rather than `x0` and `1`, and a device can print
//! them. The sampler never reads them.
//!
//! Both kinds share one layout: a count, one length byte per name, then the
//! names' UTF-8 bytes one after another. A name is 1 to [`MAX_NAME_LEN`]
//! bytes of UTF-8 without control characters; the count must be the data
//! dimension (kind 13) or the class count (kind 14).

use super::cursor::Cursor;
use super::{FormatError, SectionKind};

/// Longest name, in bytes.
pub const MAX_NAME_LEN: u32 = 64;

/// The names stored in a column-names or class-names section, read in
/// place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Names<'a> {
    lengths: &'a [u8],
    text: &'a [u8],
}

impl<'a> Names<'a> {
    /// Number of names.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether there are none (never, in a parsed file).
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The names in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let text = self.text;
        self.lengths.iter().scan(0usize, move |start, &len| {
            let end = *start + usize::from(len);
            let name = text.get(*start..end).unwrap_or_default();
            *start = end;
            // Checked at parse: every name is UTF-8.
            Some(core::str::from_utf8(name).unwrap_or_default())
        })
    }

    /// Name `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        self.iter().nth(i)
    }

    /// Index of the first name equal to `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.iter().position(|n| n == name)
    }
}

/// Reads a names section of `kind` that must hold `count` names.
pub(super) fn parse(bytes: &[u8], kind: SectionKind, count: u32) -> Result<Names<'_>, FormatError> {
    let mut c = Cursor::new(bytes, kind);
    let n = c.u32()?;
    c.reserved_u32()?;
    if n == 0 {
        return Err(c.limit(0));
    }
    if n != count {
        return Err(FormatError::Mismatch { section: kind });
    }
    let lengths_at = c.offset();
    let lengths = c.take(n as usize)?;
    if let Some(i) = lengths
        .iter()
        .position(|&l| l == 0 || u32::from(l) > MAX_NAME_LEN)
    {
        return Err(c.limit(lengths_at.saturating_add(i as u32)));
    }
    let text_at = c.offset();
    let total = lengths.iter().map(|&l| usize::from(l)).sum();
    let text = c.take(total)?;
    c.finish()?;
    let mut start = 0usize;
    for &len in lengths {
        let end = start + usize::from(len);
        let printable = text
            .get(start..end)
            .and_then(|name| core::str::from_utf8(name).ok())
            .is_some_and(|name| !name.chars().any(char::is_control));
        if !printable {
            return Err(FormatError::BadName {
                section: kind,
                offset: text_at.saturating_add(start as u32),
            });
        }
        start = end;
    }
    Ok(Names { lengths, text })
}
