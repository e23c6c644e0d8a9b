// The schedule shared by the memory-bound kernels that walk rows (norms,
// embed, add): no register tiling, just enough rows per task to amortise the
// parallel loop and vector loads along the row.
#pragma once

#include <Halide.h>

namespace loom::halide {

/// Splits `row` into tasks of `rowsPerTask` rows run in parallel (loops
/// `task`, `rowInTask`; the last task guarded) and, where a row has at least
/// `vectorWidth` elements, vectorises `col`. The default tail shifts the last
/// vector inwards, so it stays inside the row (no scalar tail, no out-of-row
/// access) but computes some elements twice: a kernel that may run in place
/// (its output over an input) must pass GuardWithIf, which computes each
/// element once. A task should move a few hundred KB so the
/// halide_do_par_for overhead (~1 us with TBB) stays small.
inline void scheduleRows(Halide::Func f, Halide::Var col, Halide::Var row, Halide::Expr rowLength,
                         int rowsPerTask, int vectorWidth, Halide::Var task,
                         Halide::Var rowInTask,
                         Halide::TailStrategy tail = Halide::TailStrategy::ShiftInwards) {
  f.split(row, task, rowInTask, rowsPerTask, Halide::TailStrategy::GuardWithIf).parallel(task);
  f.specialize(rowLength >= vectorWidth).vectorize(col, vectorWidth, tail);
}

}  // namespace loom::halide
