//! The order of a fixed-point dense layer's int8 weights in the file.
//!
//! Since format 1.3 the weights come in tiles of [`TILE_ROWS`] rows ×
//! [`TILE_COLUMNS`] columns, the unit the Cortex-M4 DSP kernel multiplies:
//! a block of four rows is its tiles one after the other, so one pointer
//! walks all four rows with double-word loads (one register instead of
//! four, which is what leaves the loop enough registers for them). Files
//! of 1.1 and 1.2 hold the weights row-major; they are still read, a row at
//! a time. docs/FORMAT.md, section 4, is the specification.

/// Rows of a tile: the rows the dense kernel sums at once.
pub const TILE_ROWS: usize = 4;
/// Columns of a tile: the activations the DSP kernel loads at once.
pub const TILE_COLUMNS: usize = 8;

/// How a dense layer's weights are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WeightLayout {
    /// Output by output (format 1.1 and 1.2).
    RowMajor,
    /// Blocks of [`TILE_ROWS`] rows in tiles (format 1.3).
    Tiled,
}

impl WeightLayout {
    /// The layout of a code in the section header.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            0 => Some(WeightLayout::RowMajor),
            1 => Some(WeightLayout::Tiled),
            _ => None,
        }
    }

    /// The code stored in the section header.
    pub fn code(self) -> u32 {
        match self {
            WeightLayout::RowMajor => 0,
            WeightLayout::Tiled => 1,
        }
    }
}

/// A dense layer's int8 weights (`rows × columns`), read in place.
#[derive(Clone, Copy, Debug)]
pub struct Int8Matrix<'a> {
    bytes: &'a [u8],
    columns: usize,
    layout: WeightLayout,
}

/// One block of [`TILE_ROWS`] rows of a tiled matrix.
#[derive(Clone, Copy, Debug)]
pub struct TileBlock<'a> {
    /// The tiles of the first `8·⌊columns/8⌋` columns: `32` bytes each,
    /// the four rows' eight weights one row after the other.
    pub tiles: &'a [u8],
    /// The last `columns mod 8` columns of the four rows, row-major.
    pub tails: &'a [u8],
}

impl<'a> Int8Matrix<'a> {
    /// `bytes` (`rows · columns` of them) in `layout`.
    pub(crate) fn new(bytes: &'a [u8], columns: usize, layout: WeightLayout) -> Self {
        Int8Matrix {
            bytes,
            columns,
            layout,
        }
    }

    /// How the weights are ordered.
    pub fn layout(&self) -> WeightLayout {
        self.layout
    }

    /// Columns (the layer's input width).
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The weights as stored.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Bytes of a block of [`TILE_ROWS`] rows.
    fn block_len(&self) -> usize {
        TILE_ROWS.saturating_mul(self.columns).max(1)
    }

    /// Bytes of a block's tiles.
    fn tiles_len(&self) -> usize {
        TILE_ROWS.saturating_mul(self.columns - self.columns % TILE_COLUMNS)
    }

    /// Rows in full blocks of a tiled matrix; none if row-major.
    fn tiled_rows(&self) -> usize {
        match self.layout {
            WeightLayout::Tiled => self.bytes.len() / self.block_len() * TILE_ROWS,
            WeightLayout::RowMajor => 0,
        }
    }

    /// Row `o`'s weights in column order (nothing past the last row).
    pub fn row(&self, o: usize) -> impl Iterator<Item = i8> + use<'a> {
        let n = self.columns;
        let (tiles, rest): (&[u8], &[u8]) = if o < self.tiled_rows() {
            let start = o / TILE_ROWS * self.block_len();
            let block = self.bytes.get(start..).unwrap_or_default();
            let (tiles, tails) = block.split_at_checked(self.tiles_len()).unwrap_or_default();
            let tail = n % TILE_COLUMNS;
            let r = o % TILE_ROWS;
            (
                tiles,
                tails.get(r * tail..(r + 1) * tail).unwrap_or_default(),
            )
        } else {
            let row = self.bytes.get(o * n..(o + 1) * n);
            (&[], row.unwrap_or_default())
        };
        tiles
            .chunks_exact(TILE_COLUMNS)
            .skip(o % TILE_ROWS)
            .step_by(TILE_ROWS)
            .flatten()
            .chain(rest)
            .map(|&w| w as i8)
    }

    /// The full blocks of a tiled matrix and the rows after them
    /// (row-major); for a row-major matrix, no blocks and every row.
    pub fn blocks(&self) -> (impl Iterator<Item = TileBlock<'a>> + use<'a>, &'a [u8]) {
        let tiled = match self.layout {
            WeightLayout::Tiled => self.bytes,
            WeightLayout::RowMajor => &[],
        };
        let blocks = tiled.chunks_exact(self.block_len());
        let rest = self.bytes.get(self.tiled_rows() * self.columns..);
        let tiles_len = self.tiles_len();
        let blocks = blocks.map(move |block| {
            let (tiles, tails) = block.split_at_checked(tiles_len).unwrap_or_default();
            TileBlock { tiles, tails }
        });
        (blocks, rest.unwrap_or_default())
    }

    /// `Σᵢ |w[o, i]|` for every row `o`, in order: what the loader bounds
    /// the accumulators with, read block by block. A row has at most
    /// [`crate::format::MAX_WIDTH`] columns, so its sum fits a `u32`.
    pub fn abs_sums(&self) -> impl Iterator<Item = u32> + use<'a> {
        let (blocks, rest) = self.blocks();
        let block_sums = blocks.flat_map(|block| {
            let mut sums = [0u32; TILE_ROWS];
            let (tiles, _) = block.tiles.as_chunks::<{ TILE_ROWS * TILE_COLUMNS }>();
            // A tile adds at most 4·128 to a lane: 64 tiles stay below 2¹⁶.
            for group in tiles.chunks(64) {
                let mut lanes = [0u32; TILE_ROWS];
                for tile in group {
                    let (rows, _) = tile.as_chunks::<TILE_COLUMNS>();
                    for (lane, row) in lanes.iter_mut().zip(rows) {
                        let (words, _) = row.as_chunks::<4>();
                        for word in words {
                            *lane += pair_lanes(abs4(u32::from_le_bytes(*word)));
                        }
                    }
                }
                for (sum, lane) in sums.iter_mut().zip(lanes) {
                    *sum += fold_lanes(lane);
                }
            }
            let tail = (block.tails.len() / TILE_ROWS).max(1);
            for (sum, row) in sums.iter_mut().zip(block.tails.chunks(tail)) {
                *sum += abs_sum(row);
            }
            sums
        });
        block_sums.chain(rest.chunks(self.columns.max(1)).map(abs_sum))
    }
}

/// The absolute values of the four int8 weights in the bytes of `word`, in
/// its bytes (at most 128 each, so no byte carries into the next): a
/// negative byte's complement plus one.
fn abs4(word: u32) -> u32 {
    let negative = (word >> 7) & 0x0101_0101;
    (word ^ (negative * 0xff)) + negative
}

/// The four bytes of `word` summed in pairs into its two 16-bit lanes.
fn pair_lanes(word: u32) -> u32 {
    (word & 0x00ff_00ff) + ((word >> 8) & 0x00ff_00ff)
}

/// The sum of the two 16-bit lanes of `lanes`.
fn fold_lanes(lanes: u32) -> u32 {
    (lanes & 0xffff) + (lanes >> 16)
}

/// `Σ |w|` over int8 weights, four at a time.
fn abs_sum(bytes: &[u8]) -> u32 {
    let (words, rest) = bytes.as_chunks::<4>();
    // A word adds at most 2·128 to a lane: 128 words stay below 2¹⁶.
    let whole: u32 = words
        .chunks(128)
        .map(|group| {
            let lanes = group
                .iter()
                .fold(0, |l, w| l + pair_lanes(abs4(u32::from_le_bytes(*w))));
            fold_lanes(lanes)
        })
        .sum();
    let rest: u32 = rest
        .iter()
        .map(|&w| u32::from((w as i8).unsigned_abs()))
        .sum();
    whole + rest
}

/// `weights` (row-major, `columns` per row, as `i8`) in the tiled layout,
/// as the writer stores them.
#[cfg(feature = "std")]
pub fn tile(weights: &[i8], columns: usize) -> std::vec::Vec<u8> {
    let n = columns.max(1);
    let mut out = std::vec::Vec::with_capacity(weights.len());
    let mut blocks = weights.chunks_exact(TILE_ROWS * n);
    let byte = |w: &i8| *w as u8;
    for block in &mut blocks {
        let split = n - n % TILE_COLUMNS;
        for g in (0..split).step_by(TILE_COLUMNS) {
            for row in block.chunks_exact(n) {
                out.extend(
                    row.get(g..g + TILE_COLUMNS)
                        .unwrap_or_default()
                        .iter()
                        .map(byte),
                );
            }
        }
        for row in block.chunks_exact(n) {
            out.extend(row.get(split..).unwrap_or_default().iter().map(byte));
        }
    }
    out.extend(blocks.remainder().iter().map(byte));
    out
}

#[cfg(all(test, feature = "std"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Int8Matrix, WeightLayout, tile};
    use proptest::prelude::*;
    use std::vec::Vec;

    proptest! {
        #[test]
        fn rows_read_back_as_written(
            (columns, weights) in (1usize..20, 0usize..11).prop_flat_map(|(columns, rows)| {
                (Just(columns), proptest::collection::vec(any::<i8>(), columns * rows))
            })
        ) {
            let tiled = tile(&weights, columns);
            prop_assert_eq!(tiled.len(), weights.len());
            let row_major: Vec<u8> = weights.iter().map(|&w| w as u8).collect();
            for (bytes, layout) in [(&tiled, WeightLayout::Tiled), (&row_major, WeightLayout::RowMajor)] {
                let matrix = Int8Matrix::new(bytes, columns, layout);
                for (o, want) in weights.chunks(columns).enumerate() {
                    prop_assert_eq!(matrix.row(o).collect::<Vec<_>>(), want.to_vec());
                }
                let sums: Vec<u32> = weights
                    .chunks(columns)
                    .map(|row| row.iter().map(|w| u32::from(w.unsigned_abs())).sum())
                    .collect();
                prop_assert_eq!(matrix.abs_sums().collect::<Vec<_>>(), sums);
                prop_assert_eq!(matrix.row(weights.len() / columns).count(), 0);
            }
        }
    }

    #[test]
    fn the_widest_rows_sum_without_overflowing_a_lane() {
        // 5 rows of 4 096 weights of magnitude 127 or 128 (two flushes of
        // the tile lanes, 512 tiles per block, and 1 024-word rows left
        // over): each sum is the magnitude times 4 096.
        for w in [127i8, -127, -128] {
            let weights = std::vec![w; 5 * 4096];
            let tiled = tile(&weights, 4096);
            let want = std::vec![u32::from(w.unsigned_abs()) * 4096; 5];
            let matrix = Int8Matrix::new(&tiled, 4096, WeightLayout::Tiled);
            assert_eq!(matrix.abs_sums().collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn a_block_is_its_tiles_then_its_tails() {
        // 4 rows × 10 columns, weight = 10·row + column: one tile of
        // columns 0–7 (row after row), then columns 8–9 of each row; the
        // fifth row follows row-major.
        let weights: Vec<i8> = (0..50).collect();
        let bytes = tile(&weights, 10);
        let mut want: Vec<u8> = Vec::new();
        for r in 0..4 {
            want.extend((0..8).map(|c| 10 * r + c));
        }
        for r in 0..4 {
            want.extend([10 * r + 8, 10 * r + 9]);
        }
        want.extend(40..50);
        assert_eq!(bytes, want);
        let matrix = Int8Matrix::new(&bytes, 10, WeightLayout::Tiled);
        let (mut blocks, rest) = matrix.blocks();
        let block = blocks.next().unwrap();
        assert_eq!(
            (block.tiles.len(), block.tails.len(), rest.len()),
            (32, 8, 10)
        );
        assert!(blocks.next().is_none());
    }
}
