//===- Executor.cpp - views, kernel calls, plan functions -----------------===//
#include "loom/runtime/Executor.h"

#include "loom/runtime/HalideParallel.h"
#include "loom/runtime/Model.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

namespace loom {

Status Session::open(const ModelDescription &description, int64_t b,
                     int64_t s) {
  batch = b;
  sourceLength = s;
  buffers.clear();
  for (const StateSpec &state : description.states) {
    int64_t n = 1;
    for (int64_t d : state.dims) {
      int64_t size = d == dims::B ? b : d == dims::S ? s : d;
      if (size < 1 || n > INT64_MAX / size / 4)
        return Status::outOfMemory("decoding state '" + state.name +
                                   "' is too large");
      n *= size;
    }
    buffers.emplace_back(size_t(n), 0.0f);
  }
  return Status();
}

Status Session::gatherRows(const ModelDescription &description,
                           const std::vector<int64_t> &rows) {
  const int64_t newBatch = int64_t(rows.size());
  for (int64_t row : rows)
    if (row < 0 || row >= batch)
      return Status::internal("decoding state row " + std::to_string(row) +
                              " is outside the batch of " + std::to_string(batch));
  for (size_t i = 0; i < description.states.size(); ++i) {
    const std::vector<int64_t> &dims = description.states[i].dims;
    if (dims.empty() || dims[0] != dims::B || batch == 0)
      continue;
    const std::vector<float> &old = buffers[i];
    const size_t width = old.size() / size_t(batch);
    std::vector<float> gathered(width * size_t(newBatch));
    for (int64_t r = 0; r < newBatch; ++r)
      std::copy_n(old.begin() + rows[r] * width, width,
                  gathered.begin() + r * width);
    buffers[i] = std::move(gathered);
  }
  batch = newBatch;
  return Status();
}

namespace {

const char *planFunctionName(PlanFunctionId id) {
#define LOOM_PLAN_NAME(name, ...)                                              \
  if (id == PlanFunctionId::name)                                              \
    return #name;
  LOOM_PLAN_FUNCTIONS(LOOM_PLAN_NAME)
#undef LOOM_PLAN_NAME
  return "?";
}

/// "1.5 GiB (1610612736 bytes)".
std::string describeBytes(uint64_t bytes) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f GiB (%llu bytes)",
                double(bytes) / double(uint64_t(1) << 30),
                (unsigned long long)bytes);
  return buffer;
}

/// The machine's memory, or 0 if unknown.
uint64_t physicalMemory() {
  long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize) : 0;
}

} // namespace

Status runPlan(Model &model, PlanFunctionId id, Frame &frame) {
  const PlanFunction &plan = model.description().function(id);
  if (!plan.fn)
    return Status::internal("this model has no plan function #" +
                            std::to_string(int(id)));
  int64_t lengths = std::max<int64_t>(
      {1, plan.rowsUseSource ? frame.sourceLength : 0,
       plan.rowsUseTarget ? frame.targetLength : 0});
  // Every size is computed with overflow checks, so a huge batch gets this
  // message rather than a wrapped size or the allocator's.
  auto outOfMemory = [&](const std::string &needs) {
    return Status::outOfMemory(
        std::string("out of memory: ") + planFunctionName(id) + " of model '" +
        model.info().name + "' with batch " + std::to_string(frame.batch) +
        " and sequences of " + std::to_string(lengths) + " needs " + needs +
        "; use a smaller batch or shorter sequences");
  };
  uint64_t rowBytes = 0, total = 0;
  if (__builtin_mul_overflow(frame.batch, lengths, &frame.rowsMax) ||
      __builtin_mul_overflow(uint64_t(plan.arenaRows), uint64_t(frame.rowsMax),
                             &rowBytes) ||
      __builtin_mul_overflow(rowBytes, uint64_t(4), &rowBytes) ||
      rowBytes > UINT64_MAX - 63 ||
      __builtin_add_overflow((rowBytes + 63) / 64 * 64,
                             uint64_t(plan.arenaBytes), &total))
    return outOfMemory("more than 2^64 bytes of scratch memory");
  // An allocation beyond the machine's memory may well succeed (the kernel
  // overcommits) and then get the process killed when it is touched.
  uint64_t machine = physicalMemory();
  if (machine > 0 && total > machine)
    return outOfMemory(describeBytes(total) +
                       " of scratch memory, more than this machine's " +
                       describeBytes(machine));
  // The training blocks the plan reads and writes, allocated (zeroed) on
  // first use, before any scratch memory.
  if (id == PlanFunctionId::train_step || id == PlanFunctionId::apply_gradients)
    LOOM_RETURN_IF_ERROR(model.ensureGradients());
  if (id == PlanFunctionId::apply_gradients)
    LOOM_RETURN_IF_ERROR(model.ensureMoments());
  // This call's own scratch: other calls on the model may be running.
  ArenaPool::Lease arena = model.arenas().acquire();
  Status reserved = arena->reserve(size_t(std::max<uint64_t>(total, 64)));
  if (!reserved.ok())
    return outOfMemory(describeBytes(total) + " of scratch memory, which " +
                       "could not be allocated (" + reserved.message() + ")");
  frame.arenaRows = arena->at(0);
  frame.arenaBytes = arena->as<uint8_t>((rowBytes + 63) / 64 * 64);
  frame.status = Status();
  plan.fn(&frame);
  return frame.status;
}

namespace exec {

View shaped(const Frame *f, void *data, Element element,
            std::initializer_list<int64_t> dims) {
  View v;
  v.data = data;
  v.element = element;
  v.rank = int(dims.size());
  int i = 0;
  for (int64_t d : dims)
    v.extent[i++] = d == B ? f->batch : d == S ? f->sourceLength
                            : d == T ? f->targetLength : d;
  int64_t stride = 1;
  for (i = v.rank - 1; i >= 0; --i) {
    v.stride[i] = stride;
    stride *= v.extent[i];
  }
  return v;
}

int64_t scalar(const Frame *f, int slot) { return f->scalars[slot]; }

float real(const Frame *f, int slot) { return float(f->reals[slot]); }

namespace {

/// Weight `id` in its kernel layout inside `block` (the parameters or a
/// training block), which every block lays out alike.
View inBlock(const Frame *f, int id, float *block) {
  const Model &model = *f->model;
  const WeightSpec &w = model.description().weights[id];
  std::vector<int64_t> shape = w.kernelShape();
  View v = shaped(f, block ? block + model.weightOffset(id) : nullptr,
                  Element::f32, {});
  v.rank = int(shape.size());
  for (int i = 0; i < v.rank; ++i)
    v.extent[i] = shape[i];
  v.stride[v.rank - 1] = 1;
  if (v.rank == 2)
    v.stride[0] = shape[1];
  return v;
}

/// Records that a plan asked for a training block the runtime did not
/// allocate (runPlan allocates them for train_step and apply_gradients).
/// The Frame is the plan's own (generated code holds it as non-const).
void missingBlock(const Frame *f, const char *block) {
  Frame *frame = const_cast<Frame *>(f);
  if (frame->status.ok())
    frame->status = Status::internal(
        std::string("the model's ") + block +
        " block is not allocated: only train_step and apply_gradients plans "
        "read the training blocks");
}

} // namespace

View weight(const Frame *f, int id) {
  return inBlock(f, id, f->model->parameters());
}

View gradient(const Frame *f, int id) {
  float *block = f->model->gradients();
  if (!block)
    missingBlock(f, "gradient");
  return inBlock(f, id, block);
}

View trainingBlock(const Frame *f, int block) {
  const Model &model = *f->model;
  float *data = nullptr;
  const char *name = "?";
  switch (TrainingBlock(block)) {
  case TrainingBlock::parameters:
    data = model.parameters();
    name = "parameter";
    break;
  case TrainingBlock::gradients:
    data = model.gradients();
    name = "gradient";
    break;
  case TrainingBlock::first_moment:
    data = model.firstMoment();
    name = "Adam first moment";
    break;
  case TrainingBlock::second_moment:
    data = model.secondMoment();
    name = "Adam second moment";
    break;
  }
  if (!data) {
    missingBlock(f, name);
    return View();
  }
  return shaped(f, data, Element::f32, {model.parameterCount()});
}

View positional(const Frame *f) {
  const loom_model_info &info = f->model->info();
  return shaped(f, const_cast<float *>(f->model->positional()), Element::f32,
                {info.max_len, info.d_model});
}

View state(const Frame *f, int id) {
  const StateSpec &spec = f->model->description().states[id];
  View v = shaped(f, f->session->buffers[id].data(), spec.element, {});
  View resolved = shaped(f, v.data, spec.element, {});
  resolved.rank = int(spec.dims.size());
  int64_t stride = 1;
  for (int i = resolved.rank - 1; i >= 0; --i) {
    int64_t d = spec.dims[i];
    resolved.extent[i] = d == B ? f->batch : d == S ? f->sourceLength : d;
    resolved.stride[i] = stride;
    stride *= resolved.extent[i];
  }
  return resolved;
}

View none() { return View(); }

View columns(const View &v, int64_t offset, int64_t width) {
  View out = v;
  out.data = static_cast<uint8_t *>(v.data) + offset * 4;
  out.extent[v.rank - 1] = width;
  return out;
}

View splitHeads(const View &v, int64_t heads) {
  // [B, S, H*Dh] with strides [s0, s1, 1] -> [B, H, S, Dh] with strides
  // [s0, Dh, s1, 1].
  View out = v;
  int64_t dh = v.extent[2] / heads;
  out.rank = 4;
  out.extent[1] = heads;
  out.stride[1] = dh;
  out.extent[2] = v.extent[1];
  out.stride[2] = v.stride[1];
  out.extent[3] = dh;
  out.stride[3] = 1;
  return out;
}

View slice(const View &v, int64_t index) {
  View out = v;
  out.data = static_cast<uint8_t *>(v.data) + index * v.stride[0] * 4;
  out.rank = v.rank - 1;
  for (int i = 0; i < out.rank; ++i) {
    out.extent[i] = v.extent[i + 1];
    out.stride[i] = v.stride[i + 1];
  }
  out.extent[out.rank] = out.stride[out.rank] = 0;
  return out;
}

View rowsFrom(const View &v, int64_t first) {
  View out = v;
  out.data = static_cast<uint8_t *>(v.data) + first * v.stride[0] * 4;
  out.extent[0] = v.extent[0] - first;
  return out;
}

View stepLengths(Frame *f, int64_t step) {
  f->stepLengths.assign(size_t(f->batch), int32_t(step + 1));
  return shaped(f, f->stepLengths.data(), Element::i32, {B});
}

void cacheAppend(Frame *f, const View &rows, const View &cache, int64_t step) {
  if (!f->status.ok())
    return;
  const int64_t positions = rows.extent[1];
  if (step < 0 || step > cache.extent[1] - positions) {
    f->status = Status::internal(
        "decoding positions " + std::to_string(step) + ".." +
        std::to_string(step + positions - 1) + " are outside the cache of " +
        std::to_string(cache.extent[1]));
    return;
  }
  const int64_t width = rows.extent[2];
  for (int64_t b = 0; b < rows.extent[0]; ++b)
    for (int64_t t = 0; t < positions; ++t)
      std::memcpy(static_cast<float *>(cache.data) + b * cache.stride[0] +
                      (step + t) * cache.stride[1],
                  static_cast<const float *>(rows.data) + b * rows.stride[0] +
                      t * rows.stride[1],
                  size_t(width) * 4);
}

void zero(Frame *f, const View &v) {
  if (!f->status.ok() || !v.data)
    return;
  auto *data = static_cast<uint32_t *>(v.data); // f32 and i32: 0 is all zero bits
  if (v.rank == 0) {
    *data = 0;
    return;
  }
  // Rows: every index of the outer dims; each row is the last dim.
  int64_t rows = 1;
  for (int i = 0; i < v.rank - 1; ++i)
    rows *= v.extent[i];
  const int64_t width = v.extent[v.rank - 1], step = v.stride[v.rank - 1];
  if (rows == 0 || width == 0)
    return;
  auto zeroRows = [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t offset = 0;
      for (int64_t i = v.rank - 2, rest = r; i >= 0; --i) {
        offset += rest % v.extent[i] * v.stride[i];
        rest /= v.extent[i];
      }
      uint32_t *row = data + offset;
      if (step == 1)
        std::memset(row, 0, size_t(width) * 4);
      else
        for (int64_t j = 0; j < width; ++j)
          row[j * step] = 0;
    }
  };
  // Large views (an embedding table's gradient) on the model's threads.
  if (rows > 1 && rows * width >= (int64_t(1) << 16))
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows),
                      [&](const tbb::blocked_range<int64_t> &range) {
                        zeroRows(range.begin(), range.end());
                      });
  else
    zeroRows(0, rows);
}

namespace {

/// A View as a halide_buffer_t of the kernel's rank: leading dims fold into
/// one (they are rows, uniformly strided) and the order is reversed
/// (Halide lists the innermost dim first). An absent View becomes a
/// one-element buffer the kernel never reads.
///
/// Halide 14 kernels index with int32: every extent and stride, and the
/// offset of the buffer's last element (the sum of (extent - 1) * stride),
/// must be below 2^31, else problem() says why and the kernel is not called.
class HalideArgument {
public:
  HalideArgument(const View &v, int rank) {
    std::memset(static_cast<void *>(&buffer_), 0, sizeof(buffer_));
    buffer_.type = v.element == Element::i32
                       ? halide_type_t(halide_type_int, 32, 1)
                       : halide_type_t(halide_type_float, 32, 1);
    buffer_.dimensions = rank;
    buffer_.dim = dims_;
    if (v.rank == 0) {
      static int32_t unused[1] = {0};
      buffer_.host = reinterpret_cast<uint8_t *>(unused);
      for (int i = 0; i < rank; ++i)
        dims_[i] = halide_dimension_t(0, 1, 1);
      return;
    }
    buffer_.host = static_cast<uint8_t *>(v.data);
    int folded = v.rank - rank + 1; // leading dims that become dim rank-1
    int64_t extent = 1;
    for (int i = 0; i < folded; ++i)
      if (__builtin_mul_overflow(extent, v.extent[i], &extent))
        extent = INT64_MAX;
    set(rank - 1, extent, v.stride[folded - 1]);
    for (int i = folded; i < v.rank; ++i)
      set(v.rank - 1 - i, v.extent[i], v.stride[i]);
  }
  halide_buffer_t *get() { return &buffer_; }

  /// "" if Halide can index the buffer, else what is too large.
  std::string problem(const char *argument) const {
    if (fits_ && highest_ <= INT32_MAX)
      return "";
    std::string shape, strides;
    for (int i = buffer_.dimensions - 1; i >= 0; --i) {
      shape += std::to_string(extents_[i]) + (i ? ", " : "");
      strides += std::to_string(strides_[i]) + (i ? ", " : "");
    }
    std::string what =
        !fits_ ? std::string("has an extent or stride of 2^31 or more")
        : highest_ == INT64_MAX
            ? std::string("spans element offsets beyond 2^63")
            : "spans element offsets up to " + std::to_string(highest_);
    return "argument '" + std::string(argument) + "' (extents [" + shape +
           "], strides [" + strides + "]) " + what;
  }

private:
  void set(int dim, int64_t extent, int64_t stride) {
    extents_[dim] = extent;
    strides_[dim] = stride;
    fits_ = fits_ && extent >= 0 && extent <= INT32_MAX && stride >= 0 &&
            stride <= INT32_MAX;
    int64_t span = 0;
    if (extent > 0 && (__builtin_mul_overflow(extent - 1, stride, &span) ||
                       __builtin_add_overflow(highest_, span, &highest_)))
      highest_ = INT64_MAX;
    dims_[dim] = halide_dimension_t(0, int32_t(extent), int32_t(stride));
  }

  halide_buffer_t buffer_;
  halide_dimension_t dims_[View::kMaxRank];
  int64_t extents_[View::kMaxRank] = {}, strides_[View::kMaxRank] = {};
  bool fits_ = true;
  int64_t highest_ = 0; // the offset of the last element
};

template <typename Fn, typename... Args>
Status invoke(const KernelEntry &kernel, Fn *fn, Args... args) {
  return kernelStatus(fn(args...), kernel.name.c_str());
}

} // namespace

#define LOOM_EXEC_BUFFER_PARAM(name, type, rank, dir) , const View &name
#define LOOM_EXEC_SCALAR_PARAM(name, type) , type name
#define LOOM_EXEC_CONVERT(name, type, rank, dir)                               \
  HalideArgument name##_arg(name, rank);                                       \
  if (problem_.empty())                                                        \
    problem_ = name##_arg.problem(#name);
#define LOOM_EXEC_NO_CONVERSION(name, type)
#define LOOM_EXEC_PASS_BUFFER(name, type, rank, dir) , name##_arg.get()
#define LOOM_EXEC_PASS_SCALAR(name, type) , name
#define LOOM_EXEC_DEFINE(family)                                               \
  void family(Frame *f, int kernel LOOM_ABI_##family(LOOM_EXEC_BUFFER_PARAM,   \
                                                     LOOM_EXEC_SCALAR_PARAM)) { \
    if (!f->status.ok())                                                       \
      return;                                                                  \
    std::string problem_;                                                      \
    LOOM_ABI_##family(LOOM_EXEC_CONVERT, LOOM_EXEC_NO_CONVERSION);             \
    /* (ABI arguments may be called k, hence the long local names.) */        \
    const KernelEntry &entry_ = f->model->description().kernels[kernel];       \
    if (!problem_.empty()) {                                                   \
      f->status = Status::outOfMemory(                                         \
          "kernel '" + entry_.name + "': " + problem_ +                        \
          "; Halide kernels index with 32 bits, so a buffer must span "        \
          "fewer than 2^31 elements: use a smaller batch or shorter "          \
          "sequences");                                                        \
      return;                                                                  \
    }                                                                          \
    f->status = invoke(entry_, reinterpret_cast<abi::family##_fn *>(entry_.fn) \
                                   LOOM_ABI_##family(LOOM_EXEC_PASS_BUFFER,    \
                                                     LOOM_EXEC_PASS_SCALAR));  \
  }
LOOM_KERNEL_FAMILIES(LOOM_EXEC_DEFINE)

} // namespace exec

} // namespace loom
