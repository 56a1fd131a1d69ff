//! [`Cost`]: what the calls of one task took, measured through the
//! binary's [`Hooks`].

use crate::Hooks;

/// Calls of one task, the clock readings they took, and the stack.
pub struct Cost {
    calls: u32,
    elapsed: Option<u64>,
}

impl Cost {
    /// Starts measuring a task: the stack is marked from here.
    pub fn start(hooks: &mut impl Hooks) -> Self {
        hooks.mark_stack();
        Cost {
            calls: 0,
            elapsed: Some(0),
        }
    }

    /// Runs one call of the task and adds its clock reading.
    pub fn call<T>(&mut self, hooks: &mut impl Hooks, call: impl FnOnce() -> T) -> T {
        let start = hooks.now();
        let result = call();
        self.elapsed = match (self.elapsed, start, hooks.now()) {
            (Some(sum), Some(start), Some(end)) => Some(sum + end.wrapping_sub(start)),
            _ => None,
        };
        self.calls += 1;
        result
    }

    /// Prints `cost <task> calls <n> instructions <total> stack <bytes>`
    /// when the binary measures.
    pub fn report(self, task: &str, hooks: &mut impl Hooks) {
        if let (Some(elapsed), Some(stack)) = (self.elapsed, hooks.stack_peak()) {
            defmt::println!(
                "cost {=str} calls {=u32} instructions {=u64} stack {=usize}",
                task,
                self.calls,
                elapsed,
                stack
            );
        }
    }
}
