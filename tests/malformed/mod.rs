//! Malformed `.tsm` files: one minimal mutation of a valid file per defect,
//! each with the exact [`FormatError`] the parser must return.
//!
//! Shared by tests/format.rs (which checks every case) and
//! tests/corpus_replay.rs (which writes them to tests/corpus/ and replays
//! that corpus). Needs feature `std`.
//!
//! Unless a case says otherwise, the mutated file is re-sealed (file length
//! and CRC rewritten) so that the parser gets past the CRC check to the
//! defect. Offsets in the expected errors are those `Model::parse` reports:
//! absolute for the header and section table, relative to the section's
//! start for fields inside a section.
#![allow(
    dead_code, // each test crate uses a different subset
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod backends;
pub mod held_guidance;
mod level_rows;
pub mod names;

use crate::common;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use tinyscore::fixed::{FixedSampler, FixedScratch};
use tinyscore::format::{
    self, Crc32, FLAG_REQUIRED, FormatError, HEADER_LEN, Model, SECTION_ENTRY_LEN, SectionKind,
    TimeConditioning,
};
use tinyscore::net::Denoiser;
use tinyscore::net::Guidance;
use tinyscore::plan::{Compiler, Plan, PlanError, PlanSpec, SamplerKind};
use tinyscore::sampler::{Sampler, SamplerError};
use tinyscore::schedule::ScheduleError;

// Header fields (absolute offsets).
const MAJOR: usize = 8;
const MINOR: usize = 10;
const HEADER_LEN_FIELD: usize = 12;
const FILE_LEN: usize = 16;
const COUNT: usize = 20;
const CRC: usize = 24;
const HEADER_RESERVED: usize = 28;

// Topology section fields.
const TOPO_X_DIM: usize = 0;
const TOPO_LAYERS: usize = 4;
const TOPO_TIME: usize = 8;
const TOPO_EMB: usize = 12;
const TOPO_PERIOD: usize = 16;
const TOPO_SCALE: usize = 20;
const TOPO_PREDICTION: usize = 24;
const TOPO_RESERVED: usize = 28;
const fn record(i: usize) -> usize {
    32 + 16 * i
}
const REC_OP: usize = 0;
const REC_ACT: usize = 1;
const REC_INPUT: usize = 4;
const REC_OUTPUT: usize = 8;
const REC_RESERVED: usize = 12;

// Schedule section fields.
const SCH_KIND: usize = 0;
const SCH_BETA: usize = 4;
const SCH_STEPS: usize = 8;
const SCH_FLAGS: usize = 12;
const fn sch_param(i: usize) -> usize {
    16 + 8 * i
}

// Plan section fields.
const PLAN_SAMPLER: usize = 0;
const PLAN_SPACING: usize = 2;
const PLAN_STEPS: usize = 4;
const PLAN_ROWS: usize = 12;
const PLAN_PREDICTION: usize = 16;
const PLAN_INT: usize = 20;
const PLAN_FLAGS: usize = 24;
const PLAN_CLIP: usize = 28;
const PLAN_REAL: usize = 32;
const PLAN_T_MIN: usize = 40;
const PLAN_INIT_STD: usize = 48;
const PLAN_RESERVED: usize = 52;
const PLAN_HEADER: usize = 64;
const ROW: usize = 48;

// Time-bias section fields.
const TB_PLAN: usize = 0;
const TB_ROWS: usize = 4;
const TB_WIDTH: usize = 8;
const TB_RESERVED: usize = 12;
const TB_VALUES: usize = 16;

/// Little-endian field access on a byte buffer.
pub fn get_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
}
pub fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}
pub fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
pub fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
pub fn put_f32(b: &mut [u8], at: usize, v: f32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
pub fn put_f64(b: &mut [u8], at: usize, v: f64) {
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// One section-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub code: u16,
    pub flags: u16,
    pub offset: usize,
    pub len: usize,
}

/// File offset of section-table entry `i`.
pub const fn entry_at(i: usize) -> usize {
    HEADER_LEN + SECTION_ENTRY_LEN * i
}

/// The section table of a (well-formed) file.
pub fn entries(bytes: &[u8]) -> Vec<Entry> {
    (0..get_u32(bytes, COUNT) as usize)
        .map(|i| {
            let e = entry_at(i);
            Entry {
                code: get_u16(bytes, e),
                flags: get_u16(bytes, e + 2),
                offset: get_u32(bytes, e + 4) as usize,
                len: get_u32(bytes, e + 8) as usize,
            }
        })
        .collect()
}

/// Index and byte range of the first section of `kind`.
pub fn find(bytes: &[u8], kind: SectionKind) -> (usize, core::ops::Range<usize>) {
    entries(bytes)
        .iter()
        .enumerate()
        .find(|(_, e)| e.code == kind.code())
        .map(|(i, e)| (i, e.offset..e.offset + e.len))
        .expect("section present")
}

/// Rewrites only the CRC field (unlike [`format::seal`], which also fixes
/// the file-length field).
pub fn seal_crc_only(bytes: &mut [u8]) {
    put_u32(bytes, CRC, crc_of(bytes));
}

/// The CRC `Model::parse` computes: everything but the CRC field.
pub fn crc_of(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(&bytes[..CRC]);
    c.update(&bytes[CRC + 4..]);
    c.finish()
}

/// A file as a list of sections, to edit and re-assemble.
#[derive(Clone, Debug)]
pub struct File {
    pub minor: u16,
    pub sections: Vec<(u16, u16, Vec<u8>)>,
}

impl File {
    /// Splits a well-formed file into its sections.
    pub fn split(bytes: &[u8]) -> File {
        File {
            minor: get_u16(bytes, MINOR),
            sections: entries(bytes)
                .iter()
                .map(|e| (e.code, e.flags, bytes[e.offset..e.offset + e.len].to_vec()))
                .collect(),
        }
    }

    /// Lays the sections out as the writer does (contiguous, 16-aligned,
    /// zero padding) and seals the result. No validation.
    pub fn assemble(&self) -> Vec<u8> {
        let header_len = entry_at(self.sections.len());
        let mut out = vec![0u8; header_len];
        out[..8].copy_from_slice(&format::MAGIC);
        put_u16(&mut out, MAJOR, format::VERSION_MAJOR);
        put_u16(&mut out, MINOR, self.minor);
        put_u32(&mut out, HEADER_LEN_FIELD, header_len as u32);
        put_u32(&mut out, COUNT, self.sections.len() as u32);
        for (i, (code, flags, body)) in self.sections.iter().enumerate() {
            out.resize(out.len().next_multiple_of(format::ALIGN), 0);
            let e = entry_at(i);
            put_u16(&mut out, e, *code);
            put_u16(&mut out, e + 2, *flags);
            let offset = out.len() as u32;
            put_u32(&mut out, e + 4, offset);
            put_u32(&mut out, e + 8, body.len() as u32);
            out.extend_from_slice(body);
        }
        format::seal(&mut out);
        out
    }

    /// Index of the first section of `kind`.
    pub fn index(&self, kind: SectionKind) -> usize {
        self.sections
            .iter()
            .position(|s| s.0 == kind.code())
            .expect("section present")
    }

    /// Body of the first section of `kind`.
    pub fn body(&mut self, kind: SectionKind) -> &mut Vec<u8> {
        let i = self.index(kind);
        &mut self.sections[i].2
    }
}

/// A malformed file and the error it must give.
#[derive(Clone, Debug)]
pub struct Case {
    /// Names the defect; the corpus file is `<name>.tsm`.
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub expected: FormatError,
}

/// The valid file all sinusoidal-model cases mutate: the fixture MLP with
/// hidden width 4, embedding width 2 and a 3-step plan (736 bytes), so that
/// the committed corpus stays small.
pub fn base() -> Vec<u8> {
    format::write(&common::mlp_spec(4, 2, 3, false)).unwrap()
}

/// The bias-table variant of [`base`].
pub fn base_bias_table() -> Vec<u8> {
    format::write(&common::mlp_spec(4, 2, 3, true)).unwrap()
}

/// `base` with `edit` applied to its bytes, then sealed.
fn patched(base: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = base.to_vec();
    edit(&mut b);
    format::seal(&mut b);
    b
}

/// `base` with `edit` applied to its bytes, not sealed.
fn raw(base: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut b = base.to_vec();
    edit(&mut b);
    b
}

/// `base` with `edit` applied to its section list, re-assembled and sealed.
fn sections(base: &[u8], edit: impl FnOnce(&mut File)) -> Vec<u8> {
    let mut f = File::split(base);
    edit(&mut f);
    f.assemble()
}

/// `base` with `edit` applied to the body of its first `kind` section.
fn section(base: &[u8], kind: SectionKind, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    sections(base, |f| edit(f.body(kind)))
}

/// Replaces the schedule section body of `base`.
fn schedule_body(kind: u32, beta: u32, steps: u32, params: [f64; 4], table: &[f64]) -> Vec<u8> {
    let mut b = vec![0u8; 48];
    put_u32(&mut b, SCH_KIND, kind);
    put_u32(&mut b, SCH_BETA, beta);
    put_u32(&mut b, SCH_STEPS, steps);
    for (i, p) in params.iter().enumerate() {
        put_f64(&mut b, sch_param(i), *p);
    }
    for v in table {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

/// `base` with its schedule replaced by `body`.
fn with_schedule(base: &[u8], body: Vec<u8>) -> Vec<u8> {
    section(base, SectionKind::Schedule, |b| *b = body)
}

/// Every malformed-file case.
pub fn cases() -> Vec<Case> {
    let base = base();
    let bt = base_bias_table();
    let n = base.len();
    let mut cases = Vec::new();
    let mut add = |name: &'static str, bytes: Vec<u8>, expected: FormatError| {
        cases.push(Case {
            name,
            bytes,
            expected,
        });
    };
    use FormatError as E;
    use SectionKind as K;

    // ---- Header -------------------------------------------------------
    add("empty", Vec::new(), E::Truncated { needed: 32, got: 0 });
    add(
        "truncated_header",
        base[..31].to_vec(),
        E::Truncated {
            needed: 32,
            got: 31,
        },
    );
    add(
        "truncated_last_byte",
        base[..n - 1].to_vec(),
        E::Truncated {
            needed: n as u32,
            got: n as u32 - 1,
        },
    );
    add(
        "truncated_to_header",
        base[..HEADER_LEN].to_vec(),
        E::Truncated {
            needed: n as u32,
            got: HEADER_LEN as u32,
        },
    );
    add("bad_magic", patched(&base, |b| b[1] = b'X'), E::BadMagic);
    add(
        "bad_magic_line_ending",
        patched(&base, |b| b[4] = b'\n'),
        E::BadMagic,
    );
    add(
        "unsupported_major_2",
        patched(&base, |b| put_u16(b, MAJOR, 2)),
        E::UnsupportedVersion { major: 2 },
    );
    add(
        "unsupported_major_0",
        patched(&base, |b| put_u16(b, MAJOR, 0)),
        E::UnsupportedVersion { major: 0 },
    );
    add(
        "file_length_stated_short",
        raw(&base, |b| {
            put_u32(b, FILE_LEN, n as u32 - 16);
            seal_crc_only(b);
        }),
        E::FileLength {
            stated: n as u32 - 16,
            actual: n as u32,
        },
    );
    add(
        "file_length_stated_long",
        raw(&base, |b| {
            put_u32(b, FILE_LEN, n as u32 + 16);
            seal_crc_only(b);
        }),
        E::Truncated {
            needed: n as u32 + 16,
            got: n as u32,
        },
    );
    add(
        "trailing_bytes",
        patched(&base, |b| b.extend_from_slice(&[0; 16])),
        E::FileLength {
            stated: n as u32,
            actual: n as u32 + 16,
        },
    );
    {
        let (_, weights) = find(&base, K::WeightsF32);
        let flipped = raw(&base, |b| b[weights.start] ^= 1);
        add(
            "crc_mismatch_in_weights",
            flipped.clone(),
            E::Crc {
                stored: get_u32(&base, CRC),
                computed: crc_of(&flipped),
            },
        );
        let stored = get_u32(&base, CRC) ^ 0x8000_0000;
        add(
            "crc_field_corrupt",
            raw(&base, |b| put_u32(b, CRC, stored)),
            E::Crc {
                stored,
                computed: get_u32(&base, CRC),
            },
        );
        let flipped = raw(&base, |b| b[MINOR] ^= 1);
        add(
            "crc_mismatch_in_header",
            flipped.clone(),
            E::Crc {
                stored: get_u32(&base, CRC),
                computed: crc_of(&flipped),
            },
        );
    }
    add(
        "header_reserved",
        patched(&base, |b| b[HEADER_RESERVED + 3] = 1),
        E::Reserved {
            offset: HEADER_RESERVED as u32,
        },
    );
    add(
        "too_many_sections",
        patched(&base, |b| put_u32(b, COUNT, 33)),
        E::TooManySections,
    );
    add(
        "section_count_huge",
        patched(&base, |b| put_u32(b, COUNT, u32::MAX)),
        E::TooManySections,
    );
    add(
        "header_length_mismatch",
        patched(&base, |b| {
            let v = get_u32(b, HEADER_LEN_FIELD);
            put_u32(b, HEADER_LEN_FIELD, v + 16);
        }),
        E::HeaderLength,
    );
    add(
        "section_count_mismatch",
        patched(&base, |b| {
            let v = get_u32(b, COUNT);
            put_u32(b, COUNT, v - 1);
        }),
        E::HeaderLength,
    );
    add(
        "header_length_past_end",
        // The table of 5 entries would end at byte 112; the file has 48.
        patched(&base[..HEADER_LEN + 16], |_| {}),
        E::HeaderLength,
    );

    // ---- Section table and layout ------------------------------------
    add(
        "entry_reserved",
        patched(&base, |b| b[entry_at(0) + 12] = 1),
        E::Reserved {
            offset: entry_at(0) as u32 + 12,
        },
    );
    add(
        "entry_unknown_flag",
        patched(&base, |b| {
            put_u16(b, entry_at(0) + 2, FLAG_REQUIRED | 0x8000)
        }),
        E::Reserved {
            offset: entry_at(0) as u32 + 2,
        },
    );
    let shift = |delta: i64| {
        patched(&base, move |b| {
            let at = entry_at(1) + 4;
            let v = (i64::from(get_u32(b, at)) + delta) as u32;
            put_u32(b, at, v);
        })
    };
    add("section_misaligned", shift(4), E::Layout { section: 1 });
    add("section_gap", shift(16), E::Layout { section: 1 });
    add("section_overlap", shift(-16), E::Layout { section: 1 });
    add(
        "section_offset_zero",
        shift(-(get_u32(&base, entry_at(1) + 4) as i64)),
        E::Layout { section: 1 },
    );
    let last = entries(&base).len() - 1;
    add(
        "section_past_end",
        patched(&base, |b| {
            let at = entry_at(last) + 8;
            let v = get_u32(b, at) + 16;
            put_u32(b, at, v);
        }),
        E::Layout {
            section: last as u32,
        },
    );
    add(
        "section_length_huge",
        patched(&base, |b| put_u32(b, entry_at(last) + 8, u32::MAX)),
        E::Layout {
            section: last as u32,
        },
    );
    {
        // The first section that does not end on a 16-byte boundary.
        let e = entries(&base);
        let (i, prev) = e
            .windows(2)
            .enumerate()
            .find(|(_, w)| (w[0].offset + w[0].len) % format::ALIGN != 0)
            .map(|(i, w)| (i + 1, w[0]))
            .expect("the base file has padding");
        add(
            "padding_nonzero",
            patched(&base, |b| b[prev.offset + prev.len] = 0xA5),
            E::Padding { section: i as u32 },
        );
    }
    add(
        "shorter_section_leaves_gap",
        patched(&base, |b| {
            let at = entry_at(0) + 8;
            let v = get_u32(b, at) - 16;
            put_u32(b, at, v);
        }),
        E::Layout { section: 1 },
    );
    add(
        "unknown_required_section",
        sections(&base, |f| {
            f.sections.push((0x7777, FLAG_REQUIRED, vec![0; 16]))
        }),
        E::UnknownRequiredSection { kind: 0x7777 },
    );
    add(
        "unknown_required_section_code_0",
        sections(&base, |f| f.sections.insert(1, (0, FLAG_REQUIRED, vec![]))),
        E::UnknownRequiredSection { kind: 0 },
    );
    add(
        "f32_and_f16_weights",
        sections(&base, |f| f.sections.push((3, FLAG_REQUIRED, vec![0; 8]))),
        E::DuplicateSection(K::WeightsF16),
    );
    add(
        "f32_and_fixed_point_weights",
        sections(&base, |f| f.sections.push((4, 0, vec![0; 8]))),
        E::DuplicateSection(K::WeightsFixed),
    );

    // ---- Section presence ----------------------------------------------
    for (name, kind) in [
        ("missing_topology", K::Topology),
        ("missing_schedule", K::Schedule),
        ("missing_normalization", K::Normalization),
        ("missing_weights", K::WeightsF32),
    ] {
        add(
            name,
            sections(&base, |f| {
                let i = f.index(kind);
                f.sections.remove(i);
            }),
            E::MissingSection(kind),
        );
    }
    for (name, kind) in [
        ("duplicate_topology", K::Topology),
        ("duplicate_schedule", K::Schedule),
        ("duplicate_normalization", K::Normalization),
        ("duplicate_weights", K::WeightsF32),
    ] {
        add(
            name,
            sections(&base, |f| {
                let i = f.index(kind);
                let copy = f.sections[i].clone();
                f.sections.insert(i + 1, copy);
            }),
            E::DuplicateSection(kind),
        );
    }
    add(
        "too_many_plans",
        sections(&base, |f| {
            let plan = f.sections[f.index(K::Plan)].clone();
            for _ in 0..format::MAX_PLANS {
                f.sections.push(plan.clone());
            }
        }),
        E::Limit {
            section: K::Plan,
            offset: 0,
        },
    );

    // ---- Topology --------------------------------------------------------
    let topo = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::Topology, |b| edit(b));
    let limit = |offset: usize| E::Limit {
        section: K::Topology,
        offset: offset as u32,
    };
    let bad_code = |offset: usize| E::BadCode {
        section: K::Topology,
        offset: offset as u32,
    };
    let topo_non_finite = E::NonFinite {
        section: K::Topology,
        index: 0,
    };
    add(
        "x_dim_zero",
        topo(&|b| put_u32(b, TOPO_X_DIM, 0)),
        limit(TOPO_X_DIM),
    );
    add(
        "x_dim_over_limit",
        topo(&|b| put_u32(b, TOPO_X_DIM, format::MAX_DIM + 1)),
        limit(TOPO_X_DIM),
    );
    add(
        "input_width_over_limit",
        topo(&|b| put_u32(b, TOPO_X_DIM, format::MAX_DIM - 1)),
        limit(TOPO_EMB),
    );
    add(
        "no_layers",
        topo(&|b| put_u32(b, TOPO_LAYERS, 0)),
        limit(TOPO_LAYERS),
    );
    add(
        "too_many_layers",
        topo(&|b| put_u32(b, TOPO_LAYERS, format::MAX_LAYERS + 1)),
        limit(TOPO_LAYERS),
    );
    add(
        "layer_count_short",
        topo(&|b| put_u32(b, TOPO_LAYERS, 6)),
        E::SectionLength(K::Topology),
    );
    add(
        "layer_count_long",
        topo(&|b| put_u32(b, TOPO_LAYERS, 8)),
        E::SectionLength(K::Topology),
    );
    add(
        "topology_extra_byte",
        topo(&|b| b.push(0)),
        E::SectionLength(K::Topology),
    );
    add(
        "topology_truncated",
        topo(&|b| b.truncate(22)),
        E::SectionLength(K::Topology),
    );
    add(
        "bad_time_code",
        topo(&|b| put_u32(b, TOPO_TIME, 3)),
        bad_code(TOPO_TIME),
    );
    add(
        "time_code_zero",
        topo(&|b| put_u32(b, TOPO_TIME, 0)),
        bad_code(TOPO_TIME),
    );
    add(
        "bad_prediction_code",
        topo(&|b| put_u32(b, TOPO_PREDICTION, 3)),
        bad_code(TOPO_PREDICTION),
    );
    add(
        "topology_reserved",
        topo(&|b| b[TOPO_RESERVED] = 1),
        E::Reserved {
            offset: TOPO_RESERVED as u32,
        },
    );
    add(
        "embedding_dim_odd",
        topo(&|b| put_u32(b, TOPO_EMB, 3)),
        limit(TOPO_EMB),
    );
    add(
        "embedding_dim_zero",
        topo(&|b| put_u32(b, TOPO_EMB, 0)),
        limit(TOPO_EMB),
    );
    add(
        "embedding_dim_over_limit",
        topo(&|b| put_u32(b, TOPO_EMB, format::MAX_WIDTH + 2)),
        limit(TOPO_EMB),
    );
    add(
        "max_period_nan",
        topo(&|b| put_f32(b, TOPO_PERIOD, f32::NAN)),
        topo_non_finite,
    );
    add(
        "max_period_one",
        topo(&|b| put_f32(b, TOPO_PERIOD, 1.0)),
        topo_non_finite,
    );
    add(
        "embedding_scale_infinite",
        topo(&|b| put_f32(b, TOPO_SCALE, f32::INFINITY)),
        topo_non_finite,
    );
    let bt_topo = |edit: &dyn Fn(&mut Vec<u8>)| section(&bt, K::Topology, |b| edit(b));
    add(
        "bias_table_with_embedding_dim",
        bt_topo(&|b| put_u32(b, TOPO_EMB, 2)),
        limit(TOPO_EMB),
    );
    add(
        "bias_table_with_max_period",
        bt_topo(&|b| put_f32(b, TOPO_PERIOD, 10_000.0)),
        limit(TOPO_EMB),
    );
    add(
        "bias_table_first_layer_not_dense",
        bt_topo(&|b| {
            b[record(0) + REC_OP] = 2;
            b[record(0) + REC_ACT] = 2;
        }),
        E::Shape { layer: 0 },
    );

    // Layer records: 0 Dense(4→4), 1 SiLU, 2 Save, 3 Dense(4→4), 4 SiLU,
    // 5 Add, 6 Dense(4→2).
    let reserved_rec = |i: usize| E::Reserved {
        offset: record(i) as u32 + 1,
    };
    add(
        "layer_bad_op",
        topo(&|b| b[record(2) + REC_OP] = 5),
        bad_code(record(2)),
    );
    add(
        "layer_op_zero",
        topo(&|b| b[record(6) + REC_OP] = 0),
        bad_code(record(6)),
    );
    add(
        "activation_bad_code",
        topo(&|b| b[record(1) + REC_ACT] = 4),
        bad_code(record(1)),
    );
    add(
        "activation_code_zero",
        topo(&|b| b[record(4) + REC_ACT] = 0),
        bad_code(record(4)),
    );
    add(
        "layer_reserved_byte",
        topo(&|b| b[record(0) + 3] = 1),
        reserved_rec(0),
    );
    add(
        "layer_reserved_word",
        topo(&|b| b[record(3) + REC_RESERVED] = 1),
        reserved_rec(3),
    );
    add(
        "dense_with_activation_code",
        topo(&|b| b[record(0) + REC_ACT] = 1),
        reserved_rec(0),
    );
    add(
        "residual_with_activation_code",
        topo(&|b| b[record(2) + REC_ACT] = 2),
        reserved_rec(2),
    );
    let set_rec = |i: usize, field: usize, v: u32| topo(&move |b| put_u32(b, record(i) + field, v));
    add(
        "dense_input_mismatch",
        set_rec(0, REC_INPUT, 3),
        E::Shape { layer: 0 },
    );
    add(
        "hidden_dense_input_mismatch",
        set_rec(3, REC_INPUT, 5),
        E::Shape { layer: 3 },
    );
    add(
        "dense_output_zero",
        set_rec(6, REC_OUTPUT, 0),
        E::Shape { layer: 6 },
    );
    add(
        "dense_output_over_limit",
        set_rec(3, REC_OUTPUT, format::MAX_WIDTH + 1),
        E::Shape { layer: 3 },
    );
    add(
        "activation_input_mismatch",
        set_rec(1, REC_INPUT, 5),
        E::Shape { layer: 1 },
    );
    add(
        "activation_output_mismatch",
        set_rec(4, REC_OUTPUT, 2),
        E::Shape { layer: 4 },
    );
    add(
        "output_not_x_dim",
        set_rec(6, REC_OUTPUT, 3),
        E::Shape { layer: 7 },
    );
    add(
        "add_without_save",
        topo(&|b| b[record(2) + REC_OP] = 4),
        E::Residual { layer: 2 },
    );
    add(
        "save_while_pending",
        topo(&|b| b[record(5) + REC_OP] = 3),
        E::Residual { layer: 5 },
    );
    add(
        "save_never_added",
        topo(&|b| {
            b[record(5) + REC_OP] = 2;
            b[record(5) + REC_ACT] = 1;
        }),
        E::Residual { layer: 7 },
    );
    add(
        "residual_width_mismatch",
        topo(&|b| {
            // Dense(4→2), SiLU and AddResidual at width 2; the save was at 4.
            put_u32(b, record(3) + REC_OUTPUT, 2);
            for i in [4, 5] {
                put_u32(b, record(i) + REC_INPUT, 2);
                put_u32(b, record(i) + REC_OUTPUT, 2);
            }
        }),
        E::Residual { layer: 5 },
    );
    add(
        "save_record_width",
        set_rec(2, REC_OUTPUT, 5),
        E::Residual { layer: 2 },
    );
    add(
        "add_record_width",
        set_rec(5, REC_INPUT, 5),
        E::Residual { layer: 5 },
    );

    // ---- Normalization ---------------------------------------------------
    let norm = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::Normalization, |b| edit(b));
    let norm_bad = |index: u32| E::NonFinite {
        section: K::Normalization,
        index,
    };
    add(
        "normalization_short",
        norm(&|b| b.truncate(12)),
        E::SectionLength(K::Normalization),
    );
    add(
        "normalization_long",
        norm(&|b| b.extend_from_slice(&[0; 8])),
        E::SectionLength(K::Normalization),
    );
    add("mean_nan", norm(&|b| put_f32(b, 0, f32::NAN)), norm_bad(0));
    add(
        "mean_infinite",
        norm(&|b| put_f32(b, 4, f32::NEG_INFINITY)),
        norm_bad(1),
    );
    add("scale_zero", norm(&|b| put_f32(b, 8, 0.0)), norm_bad(2));
    add(
        "scale_negative_zero",
        norm(&|b| put_f32(b, 8, -0.0)),
        norm_bad(2),
    );
    add(
        "scale_negative",
        norm(&|b| put_f32(b, 12, -1.0)),
        norm_bad(3),
    );
    add(
        "scale_infinite",
        norm(&|b| put_f32(b, 12, f32::INFINITY)),
        norm_bad(3),
    );
    add("scale_nan", norm(&|b| put_f32(b, 8, f32::NAN)), norm_bad(2));
    // Bounded so that every fixed-point state maps to a finite data value.
    let norm_range = |index: u32| E::NormalizationRange { index };
    add(
        "mean_over_range",
        norm(&|b| put_f32(b, 4, -2.0 * format::MAX_MEAN)),
        norm_range(1),
    );
    add(
        "scale_over_range",
        norm(&|b| put_f32(b, 8, 2.0 * format::MAX_SCALE)),
        norm_range(2),
    );

    // ---- Weights ---------------------------------------------------------
    let weights = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::WeightsF32, |b| edit(b));
    let weight_bad = |index: u32| E::NonFinite {
        section: K::WeightsF32,
        index,
    };
    add(
        "weights_short",
        weights(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::WeightsF32),
    );
    add(
        "weights_long",
        weights(&|b| b.extend_from_slice(&[0; 4])),
        E::SectionLength(K::WeightsF32),
    );
    add(
        "weights_partial_value",
        weights(&|b| b.push(0)),
        E::SectionLength(K::WeightsF32),
    );
    add(
        "weight_nan",
        weights(&|b| put_f32(b, 4 * 7, f32::NAN)),
        weight_bad(7),
    );
    add(
        "weight_infinite",
        weights(&|b| put_f32(b, 0, f32::INFINITY)),
        weight_bad(0),
    );
    add(
        "weight_negative_infinite_last",
        weights(&|b| {
            let at = b.len() - 4;
            put_f32(b, at, f32::NEG_INFINITY);
        }),
        weight_bad(49),
    );
    add(
        "bias_table_weights_nan",
        section(&bt, K::WeightsF32, |b| put_f32(b, 4 * 9, f32::NAN)),
        weight_bad(9),
    );

    // ---- Schedule --------------------------------------------------------
    let sched = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::Schedule, |b| edit(b));
    let sch_err = E::Schedule;
    let sch_non_finite = |index: u32| E::NonFinite {
        section: K::Schedule,
        index,
    };
    add(
        "schedule_bad_kind",
        sched(&|b| put_u32(b, SCH_KIND, 7)),
        E::BadCode {
            section: K::Schedule,
            offset: SCH_KIND as u32,
        },
    );
    add(
        "schedule_kind_zero",
        sched(&|b| put_u32(b, SCH_KIND, 0)),
        E::BadCode {
            section: K::Schedule,
            offset: SCH_KIND as u32,
        },
    );
    add(
        "schedule_bad_beta_kind",
        sched(&|b| put_u32(b, SCH_BETA, 6)),
        E::BadCode {
            section: K::Schedule,
            offset: SCH_BETA as u32,
        },
    );
    add(
        "schedule_train_steps_zero",
        sched(&|b| put_u32(b, SCH_STEPS, 0)),
        sch_err(ScheduleError::TrainSteps),
    );
    add(
        "schedule_train_steps_over_limit",
        sched(&|b| put_u32(b, SCH_STEPS, 100_001)),
        sch_err(ScheduleError::TrainSteps),
    );
    add(
        "schedule_beta_start_zero",
        sched(&|b| put_f64(b, sch_param(0), 0.0)),
        sch_err(ScheduleError::Beta),
    );
    add(
        "schedule_beta_start_after_end",
        sched(&|b| put_f64(b, sch_param(0), 0.03)),
        sch_err(ScheduleError::Beta),
    );
    add(
        "schedule_beta_end_one",
        sched(&|b| put_f64(b, sch_param(1), 1.0)),
        sch_err(ScheduleError::Beta),
    );
    add(
        "schedule_beta_nan",
        sched(&|b| put_f64(b, sch_param(0), f64::NAN)),
        sch_non_finite(0),
    );
    add(
        "schedule_beta_infinite",
        sched(&|b| put_f64(b, sch_param(1), f64::INFINITY)),
        sch_non_finite(1),
    );
    add(
        "schedule_unused_param_nan",
        sched(&|b| put_f64(b, sch_param(3), f64::NAN)),
        sch_non_finite(3),
    );
    add(
        "schedule_degenerate_alpha_bar",
        sched(&|b| {
            put_f64(b, sch_param(0), 0.5);
            put_f64(b, sch_param(1), 0.99);
        }),
        sch_err(ScheduleError::DegenerateAlphaBar),
    );
    add(
        "schedule_unknown_flag",
        sched(&|b| put_u32(b, SCH_FLAGS, 2)),
        E::Reserved {
            offset: SCH_FLAGS as u32,
        },
    );
    add(
        "schedule_discrete_third_param",
        sched(&|b| put_f64(b, sch_param(2), 1.0)),
        E::Reserved {
            offset: SCH_FLAGS as u32,
        },
    );
    add(
        "schedule_discrete_fourth_param",
        sched(&|b| put_f64(b, sch_param(3), 1.0)),
        E::Reserved {
            offset: SCH_FLAGS as u32,
        },
    );
    add(
        "schedule_cosine_with_params",
        with_schedule(
            &base,
            schedule_body(1, 3, 1000, [1e-4, 0.02, 0.0, 0.0], &[]),
        ),
        E::Reserved { offset: 16 },
    );
    add(
        "explicit_betas_with_params",
        with_schedule(
            &base,
            schedule_body(1, 5, 4, [0.0, 0.02, 0.0, 0.0], &[0.1, 0.2, 0.3, 0.4]),
        ),
        E::Reserved { offset: 16 },
    );
    add(
        "schedule_extra_bytes",
        sched(&|b| b.extend_from_slice(&[0; 8])),
        E::SectionLength(K::Schedule),
    );
    add(
        "schedule_truncated",
        sched(&|b| b.truncate(40)),
        E::SectionLength(K::Schedule),
    );
    let explicit = |steps: u32, table: &[f64]| {
        with_schedule(&base, schedule_body(1, 5, steps, [0.0; 4], table))
    };
    add(
        "explicit_betas_short_table",
        explicit(4, &[0.1, 0.2, 0.3]),
        E::SectionLength(K::Schedule),
    );
    add(
        "explicit_betas_long_table",
        explicit(4, &[0.1, 0.2, 0.3, 0.4, 0.5]),
        E::SectionLength(K::Schedule),
    );
    add(
        "explicit_betas_huge_count",
        explicit(u32::MAX, &[0.1, 0.2, 0.3, 0.4]),
        E::SectionLength(K::Schedule),
    );
    add(
        "explicit_beta_above_one",
        explicit(4, &[0.1, 0.2, 1.5, 0.4]),
        sch_err(ScheduleError::ExplicitBetas),
    );
    add(
        "explicit_beta_nan",
        explicit(4, &[0.1, f64::NAN, 0.3, 0.4]),
        sch_err(ScheduleError::ExplicitBetas),
    );
    let sde =
        |kind: u32, params: [f64; 4]| with_schedule(&base, schedule_body(kind, 0, 0, params, &[]));
    let sde_err = sch_err(ScheduleError::SdeParameter);
    add("sde_vp_beta_order", sde(2, [30.0, 20.0, 0.0, 0.0]), sde_err);
    add(
        "sde_sub_vp_beta_zero",
        sde(3, [0.0, 20.0, 0.0, 0.0]),
        sde_err,
    );
    add(
        "sde_ve_sigma_order",
        sde(4, [50.0, 0.01, 0.0, 0.0]),
        sde_err,
    );
    add("sde_ou_t_end_zero", sde(5, [1.0, 1.0, 0.0, 0.0]), sde_err);
    add(
        "sde_third_param",
        sde(2, [0.1, 20.0, 1.0, 0.0]),
        E::Reserved { offset: 32 },
    );
    add(
        "sde_with_train_steps",
        with_schedule(&base, schedule_body(2, 0, 1000, [0.1, 20.0, 0.0, 0.0], &[])),
        E::Reserved { offset: 48 },
    );
    add(
        "sde_with_beta_kind",
        with_schedule(&base, schedule_body(4, 1, 0, [0.01, 50.0, 0.0, 0.0], &[])),
        E::Reserved { offset: 48 },
    );

    // ---- Plan ------------------------------------------------------------
    let plan = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::Plan, |b| edit(b));
    let plan_code = |offset: usize| E::BadCode {
        section: K::Plan,
        offset: offset as u32,
    };
    let plan_reserved = E::Reserved {
        offset: PLAN_FLAGS as u32,
    };
    let plan_non_finite = |index: u32| E::NonFinite {
        section: K::Plan,
        index,
    };
    add(
        "plan_bad_sampler",
        plan(&|b| put_u16(b, PLAN_SAMPLER, 9)),
        plan_code(PLAN_SAMPLER),
    );
    add(
        "plan_sampler_zero",
        plan(&|b| put_u16(b, PLAN_SAMPLER, 0)),
        plan_code(PLAN_SAMPLER),
    );
    add(
        "plan_bad_spacing",
        plan(&|b| put_u16(b, PLAN_SPACING, 4)),
        plan_code(PLAN_SPACING),
    );
    add(
        "plan_bad_prediction",
        plan(&|b| put_u32(b, PLAN_PREDICTION, 3)),
        plan_code(PLAN_PREDICTION),
    );
    add(
        "plan_ddpm_bad_variance",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 1);
            put_u32(b, PLAN_INT, 3);
        }),
        plan_code(PLAN_INT),
    );
    add(
        "plan_wrong_prediction",
        plan(&|b| put_u32(b, PLAN_PREDICTION, 1)),
        E::Mismatch { section: K::Plan },
    );
    add(
        "plan_rows_too_many",
        plan(&|b| put_u32(b, PLAN_ROWS, 4)),
        E::Plan(PlanError::Steps),
    );
    add(
        "plan_rows_too_few",
        plan(&|b| put_u32(b, PLAN_ROWS, 2)),
        E::Plan(PlanError::Steps),
    );
    add(
        "plan_steps_zero",
        plan(&|b| {
            put_u32(b, PLAN_STEPS, 0);
            put_u32(b, PLAN_ROWS, 0);
        }),
        E::Plan(PlanError::Steps),
    );
    add(
        "plan_too_many_rows",
        plan(&|b| {
            put_u32(b, PLAN_STEPS, 70_000);
            put_u32(b, PLAN_ROWS, 70_000);
        }),
        E::Plan(PlanError::Steps),
    );
    add(
        "plan_row_missing",
        plan(&|b| b.truncate(b.len() - ROW)),
        E::SectionLength(K::Plan),
    );
    add(
        "plan_extra_row",
        plan(&|b| b.extend_from_slice(&[0; ROW])),
        E::SectionLength(K::Plan),
    );
    add(
        "plan_header_truncated",
        plan(&|b| b.truncate(60)),
        E::SectionLength(K::Plan),
    );
    add(
        "plan_row_coefficient_nan",
        plan(&|b| put_f32(b, PLAN_HEADER + ROW + 12, f32::NAN)),
        plan_non_finite(1),
    );
    add(
        "plan_row_time_infinite",
        plan(&|b| put_f32(b, PLAN_HEADER + 2 * ROW, f32::INFINITY)),
        plan_non_finite(2),
    );
    add(
        "plan_row_negative_sigma",
        plan(&|b| put_f32(b, PLAN_HEADER + ROW + 44, -0.5)),
        E::NonFinite {
            section: K::Plan,
            index: 1,
        },
    );
    add(
        "plan_reserved_word",
        plan(&|b| b[PLAN_RESERVED + 8] = 1),
        E::Reserved {
            offset: PLAN_RESERVED as u32 + 8,
        },
    );
    add(
        "plan_init_std_zero",
        plan(&|b| put_f32(b, PLAN_INIT_STD, 0.0)),
        plan_non_finite(0),
    );
    add(
        "plan_init_std_nan",
        plan(&|b| put_f32(b, PLAN_INIT_STD, f32::NAN)),
        plan_non_finite(0),
    );
    add(
        "plan_ddim_eta_negative",
        plan(&|b| put_f64(b, PLAN_REAL, -1.0)),
        E::Plan(PlanError::Parameter),
    );
    add(
        "plan_ddim_eta_nan",
        plan(&|b| put_f64(b, PLAN_REAL, f64::NAN)),
        E::Plan(PlanError::Parameter),
    );
    add(
        "plan_unused_int_param",
        plan(&|b| put_u32(b, PLAN_INT, 1)),
        plan_reserved,
    );
    add(
        "plan_unknown_flag",
        plan(&|b| put_u32(b, PLAN_FLAGS, 4)),
        plan_reserved,
    );
    add(
        "plan_snr_rule_flag_on_pc",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 8);
            put_u32(b, PLAN_INT, 1);
            put_f64(b, PLAN_REAL, 0.16);
            put_u32(b, PLAN_FLAGS, 4);
        }),
        plan_reserved,
    );
    add(
        "plan_measured_flag_on_annealed_epsilon",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 7);
            put_u32(b, PLAN_INT, 1);
            put_f64(b, PLAN_REAL, 1e-5);
            put_u32(b, PLAN_FLAGS, 8);
        }),
        plan_reserved,
    );
    add(
        "plan_denoise_flag_on_ddim",
        plan(&|b| put_u32(b, PLAN_FLAGS, 2)),
        plan_reserved,
    );
    add(
        "plan_clip_value_without_flag",
        plan(&|b| put_f32(b, PLAN_CLIP, 1.0)),
        plan_reserved,
    );
    add(
        "plan_unused_real_param",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 4);
            put_f64(b, PLAN_REAL, 0.5);
        }),
        plan_reserved,
    );
    add(
        "plan_clip_zero",
        plan(&|b| put_u32(b, PLAN_FLAGS, 1)),
        E::Plan(PlanError::Parameter),
    );
    add(
        "plan_clip_nan",
        plan(&|b| {
            put_u32(b, PLAN_FLAGS, 1);
            put_f32(b, PLAN_CLIP, f32::NAN);
        }),
        E::Plan(PlanError::Parameter),
    );
    add(
        "plan_t_min_nan",
        plan(&|b| put_f64(b, PLAN_T_MIN, f64::NAN)),
        E::Plan(PlanError::TMin),
    );
    add(
        "plan_langevin_zero_steps_per_level",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 7);
            put_f64(b, PLAN_REAL, 1e-5);
        }),
        E::Plan(PlanError::Parameter),
    );
    add(
        "plan_predictor_corrector_snr_zero",
        plan(&|b| {
            put_u16(b, PLAN_SAMPLER, 8);
            put_u32(b, PLAN_INT, 1);
        }),
        E::Plan(PlanError::Parameter),
    );

    // ---- Time-bias tables ------------------------------------------------
    let tb = |edit: &dyn Fn(&mut Vec<u8>)| section(&bt, K::TimeBias, |b| edit(b));
    let mismatch = E::Mismatch {
        section: K::TimeBias,
    };
    add(
        "time_bias_missing",
        sections(&bt, |f| {
            let i = f.index(K::TimeBias);
            f.sections.remove(i);
        }),
        mismatch,
    );
    add(
        "time_bias_on_sinusoidal_model",
        sections(&base, |f| {
            let table = File::split(&bt).body(K::TimeBias).clone();
            f.sections.push((K::TimeBias.code(), FLAG_REQUIRED, table));
        }),
        mismatch,
    );
    add(
        "time_bias_without_plan",
        sections(&bt, |f| {
            let i = f.index(K::Plan);
            f.sections.remove(i);
        }),
        mismatch,
    );
    add(
        "time_bias_duplicate",
        sections(&bt, |f| {
            let table = f.sections[f.index(K::TimeBias)].clone();
            f.sections.push(table);
        }),
        mismatch,
    );
    add(
        "time_bias_wrong_width",
        tb(&|b| {
            // Rows of width 2 (the first dense layer is 4 wide).
            put_u32(b, TB_WIDTH, 2);
            b.truncate(TB_VALUES + 3 * 2 * 4);
        }),
        mismatch,
    );
    add(
        "time_bias_wrong_rows",
        tb(&|b| {
            put_u32(b, TB_ROWS, 2);
            b.truncate(TB_VALUES + 2 * 4 * 4);
        }),
        mismatch,
    );
    add(
        "time_bias_wrong_plan_index",
        tb(&|b| put_u32(b, TB_PLAN, 1)),
        mismatch,
    );
    add(
        "time_bias_width_zero",
        tb(&|b| {
            put_u32(b, TB_WIDTH, 0);
            b.truncate(TB_VALUES);
        }),
        E::Limit {
            section: K::TimeBias,
            offset: TB_WIDTH as u32,
        },
    );
    add(
        "time_bias_rows_zero",
        tb(&|b| {
            put_u32(b, TB_ROWS, 0);
            b.truncate(TB_VALUES);
        }),
        E::Limit {
            section: K::TimeBias,
            offset: TB_WIDTH as u32,
        },
    );
    add(
        "time_bias_length",
        tb(&|b| b.extend_from_slice(&[0; 4])),
        E::SectionLength(K::TimeBias),
    );
    add(
        "time_bias_rows_huge",
        tb(&|b| put_u32(b, TB_ROWS, u32::MAX)),
        E::SectionLength(K::TimeBias),
    );
    add(
        "time_bias_truncated_header",
        tb(&|b| b.truncate(10)),
        E::SectionLength(K::TimeBias),
    );
    add(
        "time_bias_reserved",
        tb(&|b| b[TB_RESERVED] = 1),
        E::Reserved {
            offset: TB_RESERVED as u32,
        },
    );
    add(
        "time_bias_nan",
        tb(&|b| put_f32(b, TB_VALUES + 4 * 5, f32::NAN)),
        E::NonFinite {
            section: K::TimeBias,
            index: 5,
        },
    );

    backends::add_cases(&mut cases, &base, &bt);
    names::add_cases(&mut cases, &base);
    held_guidance::add_cases(&mut cases, &base);
    level_rows::add_cases(&mut cases, &base);
    cases
}

/// Reads every view of a parsed model and runs a couple of sampler steps,
/// asserting what the parser guarantees: nothing downstream can fail on
/// the file's contents, except that a float model whose numbers overflow
/// f32 is refused with the finite-output contract's error.
pub fn exercise(model: &Model<'_>) {
    let topology = model.topology();
    assert_eq!(topology.layers().count(), topology.len());
    assert!(!topology.is_empty());
    let x_dim = topology.x_dim() as usize;
    let norm = model.normalization();
    assert_eq!(norm.mean().len(), x_dim);
    assert_eq!(norm.scale().len(), x_dim);
    if let Some(names) = model.column_names() {
        assert_eq!(names.iter().filter(|n| !n.is_empty()).count(), x_dim);
    }
    if let Some(names) = model.class_names() {
        assert_eq!(names.iter().count(), model.classes() as usize);
    }
    if let Some(held) = model.held_guidance() {
        assert!(model.classes() > 0 && held.weight_q() > 0);
    }
    let mut x = vec![0.25f32; x_dim];
    norm.to_model(&mut x);
    norm.to_data(&mut x);
    let _ = model.schedule().prior_std();
    for (i, plan) in model.plans().enumerate() {
        let rows = plan.header().rows as usize;
        // Stored rows are all there; compiled ones (a fixed-point file's
        // left-out rows) read as absent where a mutated schedule makes
        // them non-finite.
        for r in 0..rows {
            let row = plan.row(r);
            assert!(row.is_some() || !plan.stores_rows());
            assert!(row.is_none_or(|row| row.to_array().iter().all(|v| v.is_finite())));
        }
        assert!(plan.row(rows).is_none());
        if let Some(table) = model.time_bias(i) {
            assert_eq!(table.rows(), rows);
            for r in 0..rows {
                assert_eq!(table.row(r).unwrap().len(), table.width() as usize);
            }
        }
    }

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    if let Some(net) = model.fixed_network() {
        let need = FixedScratch::of(&net);
        let (mut acts, mut regs) = (vec![0i16; need.activations], vec![0i32; need.registers]);
        let mut state = vec![0i32; x_dim];
        for i in 0..model.plans().count() {
            let mut s = FixedSampler::embedded(model, i, &mut acts, &mut regs).expect("sampler");
            s.init(&mut state, &mut rng).expect("init");
            for _ in 0..2 {
                s.step(&mut state, &mut rng).expect("step");
            }
        }
        if model.classes() > 0 && model.plan(0).is_some() {
            let guidance = Guidance {
                class: model.classes() - 1,
                weight: 3 << 15,
            };
            let mut s = FixedSampler::embedded_guided(model, 0, guidance, &mut acts, &mut regs)
                .expect("guided sampler");
            s.init(&mut state, &mut rng).expect("init");
            for _ in 0..2 {
                s.step(&mut state, &mut rng).expect("step");
            }
        }
        return;
    }
    let mut scratch = vec![0.0f32; model.scratch_len()];
    if model.plan(0).is_some() {
        let mut s = Sampler::embedded(model, 0, &mut scratch).expect("embedded sampler");
        run_float(&mut s, &mut x, &mut rng, 2);
    }
    if model.classes() > 0 && model.plan(0).is_some() {
        let guidance = Guidance {
            class: model.classes() - 1,
            weight: 1.5,
        };
        let mut s =
            Sampler::embedded_guided(model, 0, guidance, &mut scratch).expect("guided sampler");
        run_float(&mut s, &mut x, &mut rng, 2);
    }
    if let TimeConditioning::Sinusoidal { .. } = topology.time() {
        let spec = PlanSpec {
            prediction: topology.prediction(),
            ..PlanSpec::new(SamplerKind::Ddim { eta: 0.0 }, 2)
        };
        if let Ok(compiler) = Compiler::new(model.schedule(), spec) {
            let mut s = Sampler::new(model, compiler, &mut scratch).expect("sampler");
            run_float(&mut s, &mut x, &mut rng, usize::MAX);
            let mut out = vec![0.0f32; x_dim];
            finite_or_refused(s.denoise(&x, 0.5, &mut out), &out);
        }
    }
}

/// Starts `s` on `x` and runs up to `steps` rows, each call held to the
/// finite-output contract ([`finite_or_refused`]); stops at a refusal.
fn run_float<N: Denoiser, P: Plan>(
    s: &mut Sampler<'_, '_, N, P>,
    x: &mut [f32],
    rng: &mut Xoshiro256PlusPlus,
    steps: usize,
) {
    if finite_or_refused(s.init(x, rng), x).is_none() {
        return;
    }
    for _ in 0..steps {
        match finite_or_refused(s.step(x, rng), x) {
            Some(true) => {}
            _ => return,
        }
    }
}

/// A float sampler call under the finite-output contract: `Ok` with every
/// value of `values` finite (`Some`), or the contract's typed refusal
/// (`None`); anything else fails.
pub fn finite_or_refused<T>(result: Result<T, SamplerError>, values: &[f32]) -> Option<T> {
    match result {
        Ok(v) => {
            assert!(values.iter().all(|v| v.is_finite()), "{values:?}");
            Some(v)
        }
        Err(e) => {
            assert!(e.is_non_finite(), "{e:?}");
            None
        }
    }
}

/// Valid files to seed the fuzzer with (`fuzz/corpus/parse/<name>.tsm`):
/// the fixtures, and small models that reach the other schedule kinds,
/// samplers, explicit betas and skipped optional sections.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    use tinyscore::plan::{DdpmVariance, LangevinStep, Prediction, SnrStep};
    use tinyscore::schedule::{
        BetaSchedule, DiscreteSchedule, ExplicitBetas, Schedule, Sde, Spacing,
    };

    let tiny = || common::mlp_spec(4, 2, 3, false);

    let mut sde = tiny();
    sde.schedule = Schedule::Sde(Sde::Vp {
        beta_min: 0.1,
        beta_max: 20.0,
    });
    let plan = |kind, steps| common::compile_plan(sde.schedule, PlanSpec::new(kind, steps));
    sde.plans = vec![
        plan(SamplerKind::EulerMaruyama, 4),
        plan(
            SamplerKind::PredictorCorrector {
                corrector_steps: 1,
                step: SnrStep::new(0.16),
            },
            3,
        ),
        plan(
            SamplerKind::AnnealedLangevin {
                steps_per_level: 2,
                step: LangevinStep::Annealed { epsilon: 2e-5 },
                denoise_final: true,
            },
            3,
        ),
        plan(SamplerKind::PfOdeHeun { churn: 0.0 }, 3),
        common::compile_plan(
            sde.schedule,
            PlanSpec {
                clip: Some(3.0),
                ..PlanSpec::new(SamplerKind::DpmSolverPp2m, 4)
            },
        ),
    ];

    let betas: Vec<u8> = (0..20)
        .flat_map(|i| (0.01 + 0.02 * f64::from(i)).to_le_bytes())
        .collect();
    let mut explicit = tiny();
    explicit.schedule = Schedule::Discrete(DiscreteSchedule {
        betas: BetaSchedule::Explicit(ExplicitBetas::from_le_bytes(&betas).unwrap()),
        train_steps: 20,
        zero_terminal_snr: true,
    });
    explicit.prediction = Prediction::Velocity;
    explicit.plans = vec![common::compile_plan(
        explicit.schedule,
        PlanSpec {
            spacing: Spacing::Trailing,
            prediction: Prediction::Velocity,
            ..PlanSpec::new(
                SamplerKind::Ddpm {
                    variance: DdpmVariance::FixedSmall,
                },
                4,
            )
        },
    )];
    let explicit = format::write(&explicit).unwrap();

    let mut optional = File::split(&base());
    optional.minor = format::VERSION_MINOR + 1;
    optional.sections.insert(2, (0x7777, 0, vec![1, 2, 3]));
    optional.sections.push((0x7778, 0, vec![0; 100]));

    vec![
        ("seed_small", common::small_model_bytes()),
        ("seed_bias_table", common::bias_table_model_bytes()),
        ("seed_tiny", base()),
        ("seed_tiny_bias_table", base_bias_table()),
        ("seed_sde_plans", format::write(&sde).unwrap()),
        ("seed_explicit_betas", explicit),
        ("seed_optional_sections", optional.assemble()),
        ("seed_f16", backends::f16_base()),
        ("seed_fixed", backends::fixed_base()),
        ("seed_conditional", backends::conditional_base()),
        ("seed_fixed_conditional", backends::fixed_conditional_base()),
        ("seed_dynamic_threshold", backends::dynamic_threshold_base()),
        ("seed_fixed_embedded", backends::embedded_base()),
        // The 1.1 plan layout and row-major weights, as 1.2 wrote them.
        (
            "seed_fixed_1_2",
            format::with_row_major_weights(&backends::fixed_base()).unwrap(),
        ),
    ]
}
