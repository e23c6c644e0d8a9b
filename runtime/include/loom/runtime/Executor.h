//===- Executor.h - what generated plan functions call ----------*- C++ -*-===//
//
// loomc lowers each function of the planned IR to C++ (EmitC) that calls
// only what is declared here: it builds Views of its buffers (arena slots,
// the call's inputs and outputs, weights, decoding state, column and head
// windows) and calls one `loom::exec::<family>` per kernel op, with the
// arguments in the order of loom/abi/KernelAbi.def. A Frame carries one
// call's sizes, buffers and status; the first failure is kept and every
// later call in the function does nothing, so generated code needs no
// control flow.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_EXECUTOR_H
#define LOOM_RUNTIME_EXECUTOR_H

#include "loom/runtime/ModelDescription.h"
#include "loom/runtime/Status.h"

#include <vector>

namespace loom {

class Model;

/// Decoding state that outlives one plan call: one buffer per
/// ModelDescription::states entry, sized for a batch and source length.
struct Session {
  int64_t batch = 0, sourceLength = 0;
  std::vector<std::vector<float>> buffers; // 4-byte elements, f32 or i32
  Status open(const ModelDescription &description, int64_t batch,
              int64_t sourceLength);
  /// Row r of every per-row state becomes old row rows[r]; the batch becomes
  /// rows.size() (beam search: hypotheses follow their parents).
  Status gatherRows(const ModelDescription &description,
                    const std::vector<int64_t> &rows);
};

/// One call of a plan function.
struct Frame {
  explicit Frame(Model &model) : model(&model) {}

  Model *model;
  int64_t batch = 0, sourceLength = 0, targetLength = 0;
  const int32_t *inputs[kNumInputSlots] = {};
  void *outputs[kNumOutputSlots] = {};
  int64_t scalars[kNumScalarSlots] = {}; // PlanAbi.def kind integer
  double reals[kNumScalarSlots] = {};    // PlanAbi.def kind real
  Session *session = nullptr;

  // Set by runPlan.
  int64_t rowsMax = 0; // B * max(S, T)
  float *arenaRows = nullptr;
  uint8_t *arenaBytes = nullptr;
  std::vector<int32_t> stepLengths; // scratch of exec::stepLengths
  Status status;                    // the first failure
};

/// Sizes the model's arena for `frame`, runs plan function `id` and returns
/// its status.
Status runPlan(Model &model, PlanFunctionId id, Frame &frame);

namespace exec {

using dims::B;
using dims::S;
using dims::T;
constexpr Element f32 = Element::f32, i32 = Element::i32;

/// A View with `dims` (sizes or B, S, T) resolved for `f`, contiguous.
View shaped(const Frame *f, void *data, Element element,
            std::initializer_list<int64_t> dims);

template <typename... Dims>
View arenaRows(Frame *f, int64_t offset, Element element, Dims... dims) {
  return shaped(f, f->arenaRows + offset * f->rowsMax, element,
                {int64_t(dims)...});
}
template <typename... Dims>
View arenaBytes(Frame *f, int64_t offset, Element element, Dims... dims) {
  return shaped(f, f->arenaBytes + offset, element, {int64_t(dims)...});
}
template <typename... Dims> View input(Frame *f, int slot, Dims... dims) {
  return shaped(f, const_cast<int32_t *>(f->inputs[slot]), Element::i32,
                {int64_t(dims)...});
}
template <typename... Dims>
View output(Frame *f, int slot, Element element, Dims... dims) {
  return shaped(f, f->outputs[slot], element, {int64_t(dims)...});
}
int64_t scalar(const Frame *f, int slot);
/// A scalar of kind real.
float real(const Frame *f, int slot);
/// Weight `id` in its kernel layout.
View weight(const Frame *f, int id);
/// Weight `id`'s gradient in the model's gradient block, in the same
/// layout as weight(f, id) (train_step writes it).
View gradient(const Frame *f, int id);
/// The training blocks, each one flat [P] view of every parameter (P =
/// the model's parameter count) in description order and kernel layout.
enum class TrainingBlock { parameters, gradients, first_moment, second_moment };
View trainingBlock(const Frame *f, int block);
/// The positional table [max_len, d_model].
View positional(const Frame *f);
/// Decoding state buffer `id`.
View state(const Frame *f, int id);
/// An optional kernel argument that is absent.
View none();

/// Columns [offset, offset + width) of every row.
View columns(const View &v, int64_t offset, int64_t width);
/// [B, S, H*Dh] as [B, H, S, Dh].
View splitHeads(const View &v, int64_t heads);
/// [N, d1, ...] at `index` of its leading dim, as [d1, ...].
View slice(const View &v, int64_t index);
/// Rows from `first` on of a [rows, width] buffer (positions from a step).
View rowsFrom(const View &v, int64_t first);
/// [B] int32, every element step + 1.
View stepLengths(Frame *f, int64_t step);
/// cache[b, step + t, :] = rows[b, t, :] for every t < T (rows [B, T, W]).
void cacheAppend(Frame *f, const View &rows, const View &cache, int64_t step);
/// Sets every element of `v` to 0 (a gradient known to be 0).
void zero(Frame *f, const View &v);

/// One call per kernel family, arguments in KernelAbi.def's order.
#define LOOM_EXEC_BUFFER_PARAM(name, type, rank, dir) , const View &name
#define LOOM_EXEC_SCALAR_PARAM(name, type) , type name
#define LOOM_EXEC_DECLARE(family)                                              \
  void family(Frame *f, int kernel LOOM_ABI_##family(LOOM_EXEC_BUFFER_PARAM,   \
                                                     LOOM_EXEC_SCALAR_PARAM));
LOOM_KERNEL_FAMILIES(LOOM_EXEC_DECLARE)
#undef LOOM_EXEC_DECLARE
#undef LOOM_EXEC_SCALAR_PARAM
#undef LOOM_EXEC_BUFFER_PARAM

} // namespace exec

} // namespace loom

#endif // LOOM_RUNTIME_EXECUTOR_H
