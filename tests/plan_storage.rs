//! The three ways to hold a plan give the same rows.
#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use tinyscore::plan::{
    CompiledPlan, Compiler, Plan, PlanError, PlanRow, PlanSpec, RowsPlan, SamplerKind,
};
use tinyscore::schedule::{Schedule, Sde};

fn compiler() -> Compiler<'static> {
    let vp = Schedule::Sde(Sde::Vp {
        beta_min: 0.1,
        beta_max: 20.0,
    });
    Compiler::new(vp, PlanSpec::new(SamplerKind::PfOdeHeun { churn: 0.0 }, 20)).unwrap()
}

#[test]
fn lazy_heapless_and_buffer_plans_agree() {
    let c = compiler();
    assert_eq!(c.header().rows, 39);
    let heap: CompiledPlan<64> = CompiledPlan::compile(&c).unwrap();
    let mut buffer = [PlanRow::from_array([0.0; 12]); 50];
    let rows = RowsPlan::compile(&c, &mut buffer).unwrap();
    assert_eq!(rows.rows().len(), 39);
    for i in 0..39 {
        let lazy = c.row(i).unwrap();
        assert_eq!(heap.row(i), Some(lazy));
        assert_eq!(rows.row(i), Some(lazy));
    }
    assert_eq!(c.row(39), None);
    assert_eq!(heap.row(39), None);
    assert_eq!(rows.row(39), None);
    assert_eq!(heap.header(), c.header());
    assert_eq!(rows.header(), c.header());
}

#[test]
fn too_small_storage_is_a_capacity_error() {
    let c = compiler();
    assert!(matches!(
        CompiledPlan::<38>::compile(&c),
        Err(PlanError::Capacity)
    ));
    let mut buffer = [PlanRow::from_array([0.0; 12]); 38];
    assert!(matches!(
        RowsPlan::compile(&c, &mut buffer),
        Err(PlanError::Capacity)
    ));
    assert_eq!(c.compute_row(39), Err(PlanError::RowOutOfRange));
}
