//===- Model.cpp - weights, positional table, input checks ----------------===//
#include "loom/runtime/Model.h"

#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include <tbb/parallel_for.h>

#include <cmath>
#include <random>

namespace loom {

namespace {

int64_t elements(const WeightSpec &w) {
  return w.rank == 1 ? w.dims[0] : w.dims[0] * w.dims[1];
}

std::vector<int64_t> shapeOf(const WeightSpec &w) {
  return std::vector<int64_t>(w.dims, w.dims + w.rank);
}

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::char_traits<char>::length(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

} // namespace

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

StatusOr<std::unique_ptr<Model>> Model::load(const ModelDescription &description,
                                             const char *path, int threads) {
  if (!path)
    return Status::invalidArgument("no weights file given");
  std::vector<TensorSpec> expected;
  for (int i = 0; i < description.numWeights; ++i)
    expected.push_back({description.weights[i].name,
                        shapeOf(description.weights[i]), "F32"});
  StatusOr<SafetensorsReader> reader =
      SafetensorsReader::openChecked(path, expected);
  if (!reader.ok())
    return reader.status();
  std::unique_ptr<Model> model(new Model(description, threads));
  model->values_.resize(description.numWeights);
  for (int i = 0; i < description.numWeights; ++i) {
    const float *data = reader->f32(description.weights[i].name);
    model->values_[i].assign(data, data + elements(description.weights[i]));
  }
  model->buildKernelLayouts();
  return model;
}

StatusOr<std::unique_ptr<Model>>
Model::seeded(const ModelDescription &description, uint64_t seed,
              int threads) {
  std::unique_ptr<Model> model(new Model(description, threads));
  std::mt19937_64 rng(seed);
  model->values_.resize(description.numWeights);
  for (int i = 0; i < description.numWeights; ++i) {
    const WeightSpec &w = description.weights[i];
    std::vector<float> &v = model->values_[i];
    v.assign(elements(w), 0.0f);
    std::string name = w.name;
    if (w.rank == 1) {
      bool normWeight = endsWith(name, ".weight"); // LayerNorm gamma
      std::fill(v.begin(), v.end(), normWeight ? 1.0f : 0.0f);
    } else if (endsWith(name, "embedding.weight")) {
      std::normal_distribution<float> normal(0.0f, 1.0f);
      for (float &x : v)
        x = normal(rng);
    } else {
      float bound = std::sqrt(6.0f / float(w.dims[0] + w.dims[1]));
      std::uniform_real_distribution<float> uniform(-bound, bound);
      for (float &x : v)
        x = uniform(rng);
    }
  }
  model->buildKernelLayouts();
  return model;
}

void Model::buildKernelLayouts() {
  kernel_.assign(description_.numWeights, {});
  for (int i = 0; i < description_.numWeights; ++i) {
    const WeightSpec &w = description_.weights[i];
    if (!w.transposed)
      continue;
    const int64_t rows = w.dims[0], cols = w.dims[1];
    const std::vector<float> &src = values_[i];
    std::vector<float> &dst = kernel_[i];
    dst.resize(src.size());
    parallel_.run([&] {
      tbb::parallel_for(int64_t(0), rows, [&](int64_t r) {
        for (int64_t c = 0; c < cols; ++c)
          dst[c * rows + r] = src[r * cols + c];
      });
    });
  }
}

Status Model::save(const char *path) const {
  if (!path)
    return Status::invalidArgument("no path to save the weights to");
  SafetensorsWriter writer;
  for (int i = 0; i < description_.numWeights; ++i)
    LOOM_RETURN_IF_ERROR(writer.addF32(description_.weights[i].name,
                                       shapeOf(description_.weights[i]),
                                       values_[i].data()));
  return writer.write(path);
}

ConstMat Model::weight(int id) const {
  const WeightSpec &w = description_.weights[id];
  if (w.rank == 1)
    return {values_[id].data(), 1, w.dims[0], w.dims[0]};
  if (w.transposed)
    return {kernel_[id].data(), w.dims[1], w.dims[0], w.dims[0]};
  return {values_[id].data(), w.dims[0], w.dims[1], w.dims[1]};
}

ConstMat Model::positional() const {
  const int64_t d = description_.info.d_model;
  return {positional_.data(), description_.info.max_len, d, d};
}

StatusOr<float *> Model::arena(size_t bytes) {
  LOOM_RETURN_IF_ERROR(arena_.reserve(bytes));
  return arena_.at(0);
}

Status Model::checkTokens(const char *what, const int32_t *tokens,
                          const int32_t *lengths, int64_t batch,
                          int64_t length, int64_t vocab) const {
  const int64_t maxLen = description_.info.max_len;
  std::string input = std::string("input '") + what + "'";
  if (batch < 1)
    return Status::invalidArgument("batch size must be >= 1, got " +
                                   std::to_string(batch));
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
