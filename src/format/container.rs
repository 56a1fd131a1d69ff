//! The fixed header and the section table: where each section's bytes are.

use super::{
    ALIGN, Crc32, FLAG_REQUIRED, FormatError, HEADER_LEN, MAGIC, MAX_SECTIONS, SECTION_ENTRY_LEN,
    SectionKind, VERSION_MAJOR,
};

/// One entry of the section table, as checked by the parser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SectionEntry {
    /// Kind code.
    pub code: u16,
    /// The kind, if this version knows it.
    pub kind: Option<SectionKind>,
    /// Whether a reader that does not know the kind must reject the file.
    pub required: bool,
    /// Offset in the file.
    pub offset: u32,
    /// Length in bytes.
    pub length: u32,
}

/// One section's table entry and bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Section<'a> {
    pub entry: SectionEntry,
    pub bytes: &'a [u8],
}

/// The sections of a file [`read_sections`] accepted, read in place from
/// its table: no copy of the table is kept.
#[derive(Clone, Copy, Debug)]
pub(super) struct SectionTable<'a> {
    bytes: &'a [u8],
}

impl<'a> SectionTable<'a> {
    /// The sections in file order.
    pub fn iter(self) -> impl Iterator<Item = Section<'a>> {
        let bytes = self.bytes;
        entries(bytes).map(move |entry| Section {
            entry,
            bytes: bytes
                .get(entry.offset as usize..)
                .and_then(|b| b.get(..entry.length as usize))
                .unwrap_or(&[]),
        })
    }

    /// The table's entries, including sections this version skips.
    pub fn entries(self) -> impl Iterator<Item = SectionEntry> + use<'a> {
        entries(self.bytes)
    }

    /// The bodies of the sections of `kind`, in file order.
    pub fn bodies(self, kind: SectionKind) -> impl Iterator<Item = &'a [u8]> {
        let mut from = 0;
        core::iter::from_fn(move || {
            let (i, body) = self.find(kind, from)?;
            from = i + 1;
            Some(body)
        })
    }

    /// The first section of `kind` at index `from` of the table or later:
    /// its index and body. Out of line: every lookup of the parser calls it.
    #[inline(never)]
    fn find(self, kind: SectionKind, from: usize) -> Option<(usize, &'a [u8])> {
        let bytes = self.bytes;
        let (i, entry) = entries(bytes)
            .enumerate()
            .skip(from)
            .find(|(_, e)| e.kind == Some(kind))?;
        let body = bytes
            .get(entry.offset as usize..)?
            .get(..entry.length as usize)?;
        Some((i, body))
    }
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    b.get(at..)
        .and_then(|s| s.first_chunk::<2>())
        .map_or(0, |c| u16::from_le_bytes(*c))
}

fn le_u32(b: &[u8], at: usize) -> u32 {
    b.get(at..)
        .and_then(|s| s.first_chunk::<4>())
        .map_or(0, |c| u32::from_le_bytes(*c))
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Byte offset of the CRC field in the header.
pub(super) const CRC_OFFSET: usize = 24;

/// CRC-32 of a whole file, skipping the CRC field itself.
pub(super) fn file_crc(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes.get(..CRC_OFFSET).unwrap_or(&[]));
    crc.update(bytes.get(CRC_OFFSET + 4..).unwrap_or(&[]));
    crc.finish()
}

/// Rounds `n` up to a multiple of [`ALIGN`].
pub(super) fn align_up(n: usize) -> Option<usize> {
    n.checked_add(ALIGN - 1).map(|v| v / ALIGN * ALIGN)
}

/// Entry `i` of the section table, as stored.
fn entry_at(bytes: &[u8], i: usize) -> SectionEntry {
    let at = HEADER_LEN + i * SECTION_ENTRY_LEN;
    let code = le_u16(bytes, at);
    SectionEntry {
        code,
        kind: SectionKind::from_code(code),
        required: le_u16(bytes, at + 2) & FLAG_REQUIRED != 0,
        offset: le_u32(bytes, at + 4),
        length: le_u32(bytes, at + 8),
    }
}

/// The section table of a file [`read_sections`] accepted, read again
/// from its bytes.
fn entries(bytes: &[u8]) -> impl Iterator<Item = SectionEntry> + '_ {
    let count = (le_u32(bytes, 20) as usize).min(MAX_SECTIONS);
    (0..count).map(move |i| entry_at(bytes, i))
}

/// Checks the header, CRC and table, and returns the table.
pub(super) fn read_sections(bytes: &[u8]) -> Result<SectionTable<'_>, FormatError> {
    let got = len_u32(bytes.len());
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::Truncated {
            needed: HEADER_LEN as u32,
            got,
        });
    }
    if bytes.first_chunk::<8>() != Some(&MAGIC) {
        return Err(FormatError::BadMagic);
    }
    let major = le_u16(bytes, 8);
    if major != VERSION_MAJOR {
        return Err(FormatError::UnsupportedVersion { major });
    }
    let header_len = le_u32(bytes, 12) as usize;
    let file_len = le_u32(bytes, 16);
    let count = le_u32(bytes, 20) as usize;
    if file_len != got {
        return Err(if file_len > got {
            FormatError::Truncated {
                needed: file_len,
                got,
            }
        } else {
            FormatError::FileLength {
                stated: file_len,
                actual: got,
            }
        });
    }
    let stored = le_u32(bytes, CRC_OFFSET);
    let computed = file_crc(bytes);
    if stored != computed {
        return Err(FormatError::Crc { stored, computed });
    }
    if le_u32(bytes, 28) != 0 {
        return Err(FormatError::Reserved { offset: 28 });
    }
    if count > MAX_SECTIONS {
        return Err(FormatError::TooManySections);
    }
    if header_len != HEADER_LEN + count * SECTION_ENTRY_LEN || header_len > bytes.len() {
        return Err(FormatError::HeaderLength);
    }

    let mut end = header_len;
    for i in 0..count {
        let at = HEADER_LEN + i * SECTION_ENTRY_LEN;
        let entry = entry_at(bytes, i);
        let (offset, length) = (entry.offset as usize, entry.length as usize);
        if le_u32(bytes, at + 12) != 0 {
            return Err(FormatError::Reserved {
                offset: len_u32(at + 12),
            });
        }
        if le_u16(bytes, at + 2) & !FLAG_REQUIRED != 0 {
            return Err(FormatError::Reserved {
                offset: len_u32(at + 2),
            });
        }
        let index = len_u32(i);
        let start = align_up(end).ok_or(FormatError::Layout { section: index })?;
        let stop = offset.checked_add(length);
        if offset != start || stop.is_none_or(|s| s > bytes.len()) {
            return Err(FormatError::Layout { section: index });
        }
        let padding = bytes.get(end..start).unwrap_or(&[]);
        if padding.iter().any(|&b| b != 0) {
            return Err(FormatError::Padding { section: index });
        }
        end = offset + length;
        if entry.kind.is_none() && entry.required {
            return Err(FormatError::UnknownRequiredSection { kind: entry.code });
        }
    }
    if end != bytes.len() {
        return Err(FormatError::FileLength {
            stated: len_u32(end),
            actual: got,
        });
    }
    Ok(SectionTable { bytes })
}
