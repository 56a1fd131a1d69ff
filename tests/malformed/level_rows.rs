//! Malformed compact plans (format 1.9): fixed-point plans stored as level
//! rows (docs/FORMAT.md, section 9, "Level rows") and plan sections that
//! leave out their `f32` rows (section 7, flag bit 4). Byte offsets are
//! into the sections of [`super::backends::embedded_base`], whose 3-step
//! DDIM plan is written in both forms: its fixed-point plan has the common
//! header 0..32, the rule header 32..48 (rule, η, output scale, reserved)
//! and rows of 12 bytes from 48 (α, σ, τ); its plan section is the 64-byte
//! header alone.

use super::backends::embedded_base;
use super::{Case, PLAN_FLAGS, PLAN_SAMPLER, get_u32, put_u16, put_u32, section, sections};
use tinyscore::format::{FormatError, SectionKind};

/// Offset of the rule word and of the first level row in the fixed plan.
const RULE: usize = 32;
const ROWS: usize = 48;

/// Adds the cases.
pub fn add_cases(cases: &mut Vec<Case>, float_base: &[u8]) {
    let mut add = |name: &'static str, bytes: Vec<u8>, expected: FormatError| {
        cases.push(Case {
            name,
            bytes,
            expected,
        });
    };
    use FormatError as E;
    use SectionKind as K;
    let base = embedded_base();
    let plan = |edit: &dyn Fn(&mut Vec<u8>)| section(&base, K::FixedPlan, |b| edit(b));
    let limit = |offset| E::Limit {
        section: K::FixedPlan,
        offset,
    };
    let mismatch = E::Mismatch {
        section: K::FixedPlan,
    };
    // A packed coefficient: mantissa in the top 26 bits, shift in the low 6.
    let packed = |m: i32, shift: u32| ((m as u32) << 6) | shift;

    add(
        "level_rows_unknown_rule",
        plan(&|b| put_u32(b, RULE, 4)),
        E::BadCode {
            section: K::FixedPlan,
            offset: RULE as u32,
        },
    );
    add(
        // DDPM's rule for the base's DDIM plan.
        "level_rows_rule_of_another_sampler",
        plan(&|b| {
            put_u32(b, RULE, 1);
            put_u32(b, RULE + 4, 0);
        }),
        mismatch,
    );
    add(
        "level_rows_negative_eta",
        plan(&|b| put_u32(b, RULE + 4, packed(-1, 0))),
        limit(RULE as u32 + 4),
    );
    add(
        // DDIM η = 1 where the plan section says 0 (a build without float
        // does not read η there and accepts it).
        "level_rows_eta_not_the_plans",
        plan(&|b| put_u32(b, RULE + 4, packed(1 << 24, 24))),
        E::Mismatch { section: K::Plan },
    );
    add(
        "level_rows_eta_on_ddpm",
        plan(&|b| {
            put_u32(b, RULE, 1);
            put_u32(b, RULE + 4, packed(1 << 24, 24));
        }),
        limit(RULE as u32 + 4),
    );
    add(
        "level_rows_output_scale_shift_63",
        plan(&|b| put_u32(b, RULE + 8, packed(1, 63))),
        limit(RULE as u32 + 8),
    );
    add(
        "level_rows_reserved",
        plan(&|b| put_u32(b, RULE + 12, 1)),
        E::Reserved {
            offset: RULE as u32 + 12,
        },
    );
    add(
        "level_rows_with_a_mask",
        plan(&|b| put_u32(b, 12, (1 << 30) | 1)),
        limit(12),
    );
    add(
        // Level rows always carry their time.
        "level_rows_with_time_bias_rows",
        plan(&|b| put_u32(b, 28, 0)),
        limit(28),
    );
    add(
        "level_rows_negative_alpha",
        plan(&|b| put_u32(b, ROWS + 12, packed(-(1 << 20), 20))),
        limit(ROWS as u32 + 12),
    );
    add(
        "level_rows_sigma_shift_63",
        plan(&|b| put_u32(b, ROWS + 4, packed(1, 63))),
        limit(ROWS as u32),
    );
    add(
        "level_rows_truncated",
        plan(&|b| b.truncate(b.len() - 4)),
        E::SectionLength(K::FixedPlan),
    );
    add(
        // Flag bit 4 cleared: the plan section should hold three rows.
        "plan_rows_missing_without_the_flag",
        section(&base, K::Plan, |b| {
            let flags = get_u32(b, PLAN_FLAGS);
            put_u32(b, PLAN_FLAGS, flags & !16);
        }),
        E::SectionLength(K::Plan),
    );
    add(
        // A float file must store the rows its sampler runs.
        "plan_rows_left_out_of_a_float_file",
        sections(float_base, |f| {
            let body = f.body(K::Plan);
            let flags = get_u32(body, PLAN_FLAGS);
            put_u32(body, PLAN_FLAGS, flags | 16);
            body.truncate(64);
        }),
        E::Mismatch { section: K::Plan },
    );
    add(
        // Euler–Maruyama, which needs an SDE schedule: a float build checks
        // the grid of a plan whose rows it would compile (a build without
        // float refuses the level rows, as Euler–Maruyama has no rule).
        "plan_rows_left_out_of_a_plan_that_cannot_compile",
        section(&base, K::Plan, |b| {
            put_u16(b, PLAN_SAMPLER, 3);
        }),
        E::Plan(tinyscore::plan::PlanError::NeedsSde),
    );
}
