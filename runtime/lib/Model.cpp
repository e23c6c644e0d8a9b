//===- Model.cpp - parameters, positional table, input checks -------------===//
#include "loom/runtime/Model.h"

#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

namespace loom {

namespace {

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/// dst[c, r] = src[r, c] for src [rows, cols].
void transpose(const float *src, float *dst, int64_t rows, int64_t cols) {
  tbb::parallel_for(int64_t(0), rows, [&](int64_t r) {
    for (int64_t c = 0; c < cols; ++c)
      dst[c * rows + r] = src[r * cols + c];
  });
}

/// "[i, j]": the index of flat element `i` of a tensor of `shape`.
std::string indexOf(const std::vector<int64_t> &shape, int64_t i) {
  std::string index;
  for (size_t d = shape.size(), rest = size_t(i); d-- > 0;) {
    index = std::to_string(rest % shape[d]) + (index.empty() ? "" : ", ") + index;
    rest /= shape[d];
  }
  return "[" + index + "]";
}

} // namespace

std::string formatFloat(float v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", double(v));
  return buffer;
}

Status checkTensorValues(const std::string &file, const std::string &name,
                         const std::vector<int64_t> &shape, const float *data,
                         bool nonNegative, const char *rule) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  int64_t bad = -1;
  for (int64_t i = 0; i < n && bad < 0; ++i)
    if (!std::isfinite(data[i]) || (nonNegative && data[i] < 0))
      bad = i;
  if (bad < 0)
    return Status();
  float v = data[bad];
  std::string value = std::isnan(v)    ? "NaN"
                      : std::isinf(v)  ? (v > 0 ? "+Inf" : "-Inf")
                                       : formatFloat(v);
  return Status::badWeights(file + ": tensor '" + name + "' holds " + value +
                            " at " + indexOf(shape, bad) + "; " + rule);
}

namespace {

/// Refuses a tensor holding NaN or Inf: every kernel passes NaN on as
/// PyTorch does, but an attention kernel skips the keys a mask hides, so a
/// NaN reached only through a hidden key would vanish where PyTorch's
/// output is NaN. No model is built from such weights.
Status checkFinite(const char *path, const WeightSpec &w, const float *data) {
  return checkTensorValues(std::string("weights file '") + path + "'", w.name,
                           w.shape, data, false, "weights must be finite");
}

/// The reference's initialisation of one state_dict tensor.
void initialise(const WeightSpec &w, std::mt19937_64 &rng,
                std::vector<float> &v) {
  v.assign(w.elements(), 0.0f);
  if (w.shape.size() == 1) {
    bool normWeight = endsWith(w.name, ".weight"); // LayerNorm gamma
    std::fill(v.begin(), v.end(), normWeight ? 1.0f : 0.0f);
  } else if (endsWith(w.name, "embedding.weight")) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float &x : v)
      x = normal(rng);
  } else {
    float bound = std::sqrt(6.0f / float(w.shape[0] + w.shape[1]));
    std::uniform_real_distribution<float> uniform(-bound, bound);
    for (float &x : v)
      x = uniform(rng);
  }
}

} // namespace

Status FloatBlock::allocate(int64_t count, const char *what) {
  // aligned_alloc wants a multiple of the alignment.
  uint64_t bytes = 0;
  if (count < 0 ||
      __builtin_mul_overflow(uint64_t(std::max<int64_t>(count, 1)), 4, &bytes) ||
      bytes > uint64_t(SIZE_MAX) - 63)
    return Status::outOfMemory(std::string("cannot allocate the ") + what +
                               " block of " + std::to_string(count) + " floats");
  size_t rounded = size_t((bytes + 63) / 64 * 64);
  auto *block = static_cast<float *>(std::aligned_alloc(64, rounded));
  if (!block)
    return Status::outOfMemory(std::string("out of memory: cannot allocate the ") +
                               what + " block (" + std::to_string(rounded) +
                               " bytes)");
  std::memset(block, 0, rounded);
  data_.reset(block);
  return Status();
}

Model::Model(const ModelDescription &description, int threads)
    : description_(description), parallel_(threads) {
  // P[pos, 2i] = sin(pos / 10000^(2i/d)), P[pos, 2i+1] = cos(...), computed
  // in double and rounded, as the reference does.
  const int64_t len = description.info.max_len, d = description.info.d_model;
  positional_.resize(len * d);
  for (int64_t pos = 0; pos < len; ++pos)
    for (int64_t i = 0; i < d; i += 2) {
      double angle = double(pos) / std::pow(10000.0, double(i) / double(d));
      positional_[pos * d + i] = float(std::sin(angle));
      positional_[pos * d + i + 1] = float(std::cos(angle));
    }
}

StatusOr<std::unique_ptr<Model>> Model::create(const ModelDescription &description,
                                               int threads) {
  std::unique_ptr<Model> model(new Model(description, threads));
  int64_t total = 0;
  for (const WeightSpec &w : description.weights) {
    model->offsets_.push_back(total);
    if (__builtin_add_overflow(total, w.elements(), &total))
      return Status::outOfMemory("model '" + description.name +
                                 "': its parameters do not fit in 64 bits");
  }
  model->parameterCount_ = total;
  LOOM_RETURN_IF_ERROR(model->parameters_.allocate(total, "parameter"));
  return model;
}

void Model::store(int id, const float *stateDict, float *block) {
  const WeightSpec &w = description_.weights[id];
  float *stored = block + offsets_[id];
  if (!w.transposed) {
    std::copy(stateDict, stateDict + w.elements(), stored);
    return;
  }
  parallel_.run([&] { transpose(stateDict, stored, w.shape[0], w.shape[1]); });
}

const float *Model::stateDictView(int id, const float *block,
                                  std::vector<float> &scratch) const {
  const WeightSpec &w = description_.weights[id];
  const float *data = block + offsets_[id];
  if (!w.transposed)
    return data;
  // Stored [K, N]: transposing back gives the state_dict's [N, K].
  scratch.resize(w.elements());
  parallel_.run([&] { transpose(data, scratch.data(), w.shape[1], w.shape[0]); });
  return scratch.data();
}

Status Model::ensure(FloatBlock &block, const char *what) {
  std::lock_guard<std::mutex> lock(allocation_);
  if (block.allocated())
    return Status();
  return block.allocate(parameterCount_, what);
}

Status Model::ensureGradients() { return ensure(gradients_, "gradient"); }

Status Model::ensureMoments() {
  LOOM_RETURN_IF_ERROR(ensure(firstMoment_, "Adam first moment"));
  return ensure(secondMoment_, "Adam second moment");
}

StatusOr<std::unique_ptr<Model>> Model::load(const ModelDescription &description,
                                             const char *path, int threads) {
  if (!path)
    return Status::invalidArgument("no weights file given");
  std::vector<TensorSpec> expected;
  for (const WeightSpec &w : description.weights)
    expected.push_back({w.name, w.shape, "F32"});
  StatusOr<SafetensorsReader> reader =
      SafetensorsReader::openChecked(path, expected);
  if (!reader.ok())
    return reader.status();
  for (const WeightSpec &w : description.weights)
    LOOM_RETURN_IF_ERROR(checkFinite(path, w, reader->f32(w.name)));
  StatusOr<std::unique_ptr<Model>> model = create(description, threads);
  if (!model.ok())
    return model;
  for (size_t i = 0; i < description.weights.size(); ++i)
    (*model)->store(int(i), reader->f32(description.weights[i].name),
                    (*model)->parameters());
  return model;
}

StatusOr<std::unique_ptr<Model>>
Model::seeded(const ModelDescription &description, uint64_t seed,
              int threads) {
  StatusOr<std::unique_ptr<Model>> model = create(description, threads);
  if (!model.ok())
    return model;
  std::mt19937_64 rng(seed);
  std::vector<float> values;
  for (size_t i = 0; i < description.weights.size(); ++i) {
    initialise(description.weights[i], rng, values);
    (*model)->store(int(i), values.data(), (*model)->parameters());
  }
  return model;
}

Status Model::save(const char *path) const {
  if (!path)
    return Status::invalidArgument("no path to save the weights to");
  SafetensorsWriter writer;
  std::vector<std::vector<float>> scratch(description_.weights.size());
  for (size_t i = 0; i < description_.weights.size(); ++i) {
    const WeightSpec &w = description_.weights[i];
    LOOM_RETURN_IF_ERROR(writer.addF32(
        w.name, w.shape, stateDictView(int(i), parameters(), scratch[i])));
  }
  return writer.write(path);
}

Status Model::checkTokens(const char *what, const int32_t *tokens,
                          const int32_t *lengths, int64_t batch,
                          int64_t length, int64_t vocab) const {
  const int64_t maxLen = description_.info.max_len;
  std::string input = std::string("input '") + what + "'";
  if (batch < 1)
    return Status::invalidArgument("batch size must be >= 1, got " +
                                   std::to_string(batch));
  // Every [B, length] or [B, max_new] index below stays in int64.
  if (batch > std::numeric_limits<int64_t>::max() / maxLen)
    return Status::invalidArgument("batch size " + std::to_string(batch) +
                                   " is too large: batch * max_len (" +
                                   std::to_string(maxLen) +
                                   ") must fit in 64 bits");
  if (length < 1 || length > maxLen)
    return Status::invalidArgument(input + ": sequence length " +
                                   std::to_string(length) +
                                   " is outside [1, max_len = " +
                                   std::to_string(maxLen) + "]");
  if (!tokens || !lengths)
    return Status::invalidArgument(input + ": NULL array");
  for (int64_t b = 0; b < batch; ++b)
    if (lengths[b] < 1 || lengths[b] > length)
      return Status::invalidArgument(
          input + ": length of row " + std::to_string(b) + " is " +
          std::to_string(lengths[b]) + ", outside [1, " +
          std::to_string(length) + "]");
  for (int64_t i = 0; i < batch * length; ++i)
    if (tokens[i] < 0 || tokens[i] >= vocab)
      return Status::invalidArgument(
          input + "[" + std::to_string(i / length) + ", " +
          std::to_string(i % length) + "] = " + std::to_string(tokens[i]) +
          " is not a token id (vocabulary size " + std::to_string(vocab) +
          ")");
  return Status();
}

} // namespace loom
