//! Malformed column-names and class-names sections (format 1.4): one
//! mutation per defect of their shared layout (docs/FORMAT.md, kinds 13
//! and 14).
//!
//! Byte offsets are into the sections of [`named_base`] (columns `ax`,
//! `ay`: count 0..4, reserved 4..8, lengths 8..10, text 10..14) and
//! [`named_conditional_base`] (classes `idle`, `walk`, `run`).

use super::{Case, put_u32, section, sections};
use tinyscore::format::{self, FormatError, SectionKind};

/// [`super::base`] (two columns) with its columns named `ax` and `ay`.
pub fn named_base(base: &[u8]) -> Vec<u8> {
    sections(base, |f| {
        f.sections.push((
            SectionKind::ColumnNames.code(),
            0,
            format::names_section(&["ax", "ay"]),
        ));
    })
}

/// [`super::backends::conditional_base`] (three classes) with its classes
/// named.
pub fn named_conditional_base() -> Vec<u8> {
    sections(&super::backends::conditional_base(), |f| {
        f.sections.push((
            SectionKind::ClassNames.code(),
            0,
            format::names_section(&["idle", "walk", "run"]),
        ));
    })
}

/// Adds the cases.
pub fn add_cases(cases: &mut Vec<Case>, base: &[u8]) {
    let mut add = |name: &'static str, bytes: Vec<u8>, expected: FormatError| {
        cases.push(Case {
            name,
            bytes,
            expected,
        });
    };
    use FormatError as E;
    use SectionKind as K;
    let named = named_base(base);
    let columns = |edit: &dyn Fn(&mut Vec<u8>)| section(&named, K::ColumnNames, |b| edit(b));
    let limit = |offset| E::Limit {
        section: K::ColumnNames,
        offset,
    };
    add(
        "column_names_none",
        columns(&|b| put_u32(b, 0, 0)),
        limit(0),
    );
    add(
        "column_names_reserved",
        columns(&|b| put_u32(b, 4, 1)),
        E::Reserved { offset: 4 },
    );
    add(
        "column_names_three_of_two",
        columns(&|b| *b = format::names_section(&["ax", "ay", "az"])),
        E::Mismatch {
            section: K::ColumnNames,
        },
    );
    add("column_name_empty", columns(&|b| b[9] = 0), limit(9));
    add(
        "column_name_65_bytes",
        columns(&|b| *b = format::names_section(&["a", &"y".repeat(65)])),
        limit(9),
    );
    add(
        "column_names_short",
        columns(&|b| b.truncate(b.len() - 1)),
        E::SectionLength(K::ColumnNames),
    );
    add(
        "column_names_long",
        columns(&|b| b.push(b'z')),
        E::SectionLength(K::ColumnNames),
    );
    add(
        "column_name_not_utf8",
        columns(&|b| b[12] = 0xFF),
        E::BadName {
            section: K::ColumnNames,
            offset: 12,
        },
    );
    add(
        "column_name_control_character",
        columns(&|b| b[11] = b'\n'),
        E::BadName {
            section: K::ColumnNames,
            offset: 10,
        },
    );
    add(
        "column_names_twice",
        sections(&named, |f| {
            let body = f.body(K::ColumnNames).clone();
            f.sections.push((K::ColumnNames.code(), 0, body));
        }),
        E::DuplicateSection(K::ColumnNames),
    );

    let mismatch = E::Mismatch {
        section: K::ClassNames,
    };
    add(
        "class_names_in_unconditional_model",
        sections(base, |f| {
            f.sections
                .push((K::ClassNames.code(), 0, format::names_section(&["a", "b"])));
        }),
        mismatch,
    );
    add(
        "class_names_two_of_three",
        section(&named_conditional_base(), K::ClassNames, |b| {
            *b = format::names_section(&["idle", "walk"]);
        }),
        mismatch,
    );
}
