//===- Checkpoint.cpp - training checkpoints (one safetensors file) -------===//
//
// A checkpoint holds, for every weight <name> of the model, three F32
// tensors in the state_dict's layout: <name> (the weight, as save_weights
// writes it), adam.m.<name> and adam.v.<name> (Adam's moments), and in
// __metadata__ (strings, as safetensors defines it):
//   format        "loom.checkpoint.v1" (kCheckpointFormat)
//   model         the model's name
//   step          the Adam steps taken, decimal
//   dropout_seed  the dropout seed, decimal (a uint64)
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/Decimal.h"
#include "loom/runtime/Model.h"
#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include <limits>

namespace loom {

namespace {

std::string firstMomentName(const std::string &name) { return "adam.m." + name; }
std::string secondMomentName(const std::string &name) { return "adam.v." + name; }

} // namespace

Status Model::saveCheckpoint(const char *path) {
  if (!path)
    return Status::invalidArgument("no path to save the checkpoint to");
  LOOM_RETURN_IF_ERROR(ensureMoments());
  SafetensorsWriter writer;
  const size_t n = description_.weights.size();
  // One scratch buffer per transposed tensor: the writer keeps pointers.
  std::vector<std::vector<float>> scratch(3 * n);
  for (size_t i = 0; i < n; ++i) {
    const WeightSpec &w = description_.weights[i];
    LOOM_RETURN_IF_ERROR(writer.addF32(
        w.name, w.shape, stateDictView(int(i), parameters(), scratch[3 * i])));
    LOOM_RETURN_IF_ERROR(
        writer.addF32(firstMomentName(w.name), w.shape,
                      stateDictView(int(i), firstMoment(), scratch[3 * i + 1])));
    LOOM_RETURN_IF_ERROR(
        writer.addF32(secondMomentName(w.name), w.shape,
                      stateDictView(int(i), secondMoment(), scratch[3 * i + 2])));
  }
  writer.setMetadata("format", kCheckpointFormat);
  writer.setMetadata("model", description_.name);
  writer.setMetadata("step", std::to_string(step_));
  writer.setMetadata("dropout_seed", std::to_string(dropoutSeed_));
  return writer.write(path);
}

Status Model::loadCheckpoint(const char *path) {
  if (!path)
    return Status::invalidArgument("no checkpoint file given");
  StatusOr<SafetensorsReader> reader = SafetensorsReader::open(path, "checkpoint");
  if (!reader.ok())
    return reader.status();
  const std::string where = std::string("checkpoint '") + path + "'";
  auto bad = [&](const std::string &message) {
    return Status::badWeights(where + ": " + message);
  };

  // The metadata first: a file for another model is named as such, not
  // as a list of tensors that do not match.
  StatusOr<std::map<std::string, std::string>> metadata = reader->metadata();
  if (!metadata.ok())
    return metadata.status();
  auto entry = [&](const char *key) -> const std::string * {
    auto it = metadata->find(key);
    return it == metadata->end() ? nullptr : &it->second;
  };
  const std::string *format = entry("format");
  if (!format)
    return bad(std::string("not a Loom training checkpoint: its __metadata__ has no "
                           "\"format\" (expected \"") +
               kCheckpointFormat +
               "\"); a weights file is loaded with NAME_create, not as a checkpoint");
  if (*format != kCheckpointFormat)
    return bad("its format is \"" + *format + "\"; this library reads \"" +
               kCheckpointFormat + "\"");
  const std::string *model = entry("model");
  if (!model)
    return bad("its __metadata__ has no \"model\" (the name of the model it was "
               "written for)");
  if (*model != description_.name)
    return bad("it was written for model '" + *model + "', not for model '" +
               description_.name + "'");
  uint64_t step = 0, seed = 0;
  const std::string *stepText = entry("step");
  if (!stepText || !parseDecimal(*stepText, uint64_t(kMaxTrainingStep), step))
    return bad(stepText ? "its \"step\" is \"" + *stepText +
                              "\", not a step count in [0, " +
                              std::to_string(kMaxTrainingStep) + "]"
                        : std::string("its __metadata__ has no \"step\""));
  const std::string *seedText = entry("dropout_seed");
  if (!seedText ||
      !parseDecimal(*seedText, std::numeric_limits<uint64_t>::max(), seed))
    return bad(seedText ? "its \"dropout_seed\" is \"" + *seedText +
                              "\", not an integer in [0, 2^64)"
                        : std::string("its __metadata__ has no \"dropout_seed\""));

  std::vector<TensorSpec> expected;
  for (const WeightSpec &w : description_.weights) {
    expected.push_back({w.name, w.shape, "F32"});
    expected.push_back({firstMomentName(w.name), w.shape, "F32"});
    expected.push_back({secondMomentName(w.name), w.shape, "F32"});
  }
  LOOM_RETURN_IF_ERROR(reader->checkExpected(expected));
  for (const WeightSpec &w : description_.weights) {
    LOOM_RETURN_IF_ERROR(checkTensorValues(where, w.name, w.shape, reader->f32(w.name),
                                           false, "weights must be finite"));
    std::string m = firstMomentName(w.name), v = secondMomentName(w.name);
    LOOM_RETURN_IF_ERROR(checkTensorValues(where, m, w.shape, reader->f32(m), false,
                                           "Adam's first moments must be finite"));
    LOOM_RETURN_IF_ERROR(checkTensorValues(where, v, w.shape, reader->f32(v), true,
                                           "Adam's second moments must be finite and >= 0"));
  }

  // The one step that can fail is allocating the moments, before anything
  // changes; from here on nothing fails.
  LOOM_RETURN_IF_ERROR(ensureMoments());
  for (size_t i = 0; i < description_.weights.size(); ++i) {
    const std::string &name = description_.weights[i].name;
    store(int(i), reader->f32(name), parameters());
    store(int(i), reader->f32(firstMomentName(name)), firstMoment());
    store(int(i), reader->f32(secondMomentName(name)), secondMoment());
  }
  step_ = int64_t(step);
  dropoutSeed_ = seed;
  return Status();
}

} // namespace loom
