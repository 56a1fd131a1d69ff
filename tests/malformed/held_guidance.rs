//! Malformed held-guidance sections (format 1.8): one mutation per defect
//! of the section (docs/FORMAT.md, kind 18). Byte offsets are into the
//! section of [`held_guidance_base`]: the weight 0..4, reserved 4..8.

use super::{Case, put_u32, section, sections};
use tinyscore::format::{self, FormatError, MAX_HELD_GUIDANCE_Q, SectionKind};

/// [`super::backends::conditional_base`] (three classes) holding guidance
/// 1.5.
pub fn held_guidance_base() -> Vec<u8> {
    sections(&super::backends::conditional_base(), |f| {
        f.sections.push((
            SectionKind::HeldGuidance.code(),
            0,
            format::held_guidance_section(3 << 15),
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
    let held = held_guidance_base();
    let edit = |edit: &dyn Fn(&mut Vec<u8>)| section(&held, K::HeldGuidance, |b| edit(b));
    let limit = E::Limit {
        section: K::HeldGuidance,
        offset: 0,
    };
    add("held_guidance_zero", edit(&|b| put_u32(b, 0, 0)), limit);
    add(
        "held_guidance_above_100",
        edit(&|b| put_u32(b, 0, MAX_HELD_GUIDANCE_Q + 1)),
        limit,
    );
    add(
        "held_guidance_reserved",
        edit(&|b| put_u32(b, 4, 1)),
        E::Reserved { offset: 4 },
    );
    add(
        "held_guidance_short",
        edit(&|b| b.truncate(4)),
        E::SectionLength(K::HeldGuidance),
    );
    add(
        "held_guidance_twice",
        sections(&held, |f| {
            let body = f.body(K::HeldGuidance).clone();
            f.sections.push((K::HeldGuidance.code(), 0, body));
        }),
        E::DuplicateSection(K::HeldGuidance),
    );
    add(
        "held_guidance_in_unconditional_model",
        sections(base, |f| {
            f.sections.push((
                K::HeldGuidance.code(),
                0,
                format::held_guidance_section(1 << 16),
            ));
        }),
        E::Mismatch {
            section: K::HeldGuidance,
        },
    );
}
