//===- CheckpointTest.cpp - training checkpoints and their errors ---------===//
//
// capi::saveCheckpoint / loadCheckpoint (NAME_save_checkpoint and
// NAME_load_checkpoint of every library) on the fake trainer of
// FakeTrainer.h: the round trip, the file's layout, and every refusal,
// each of which must leave the handle exactly as it was. Also the
// safetensors reader's metadata().
//
//===----------------------------------------------------------------------===//
#include "FakeTrainer.h"
#include "TestFiles.h"

#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace loom {
namespace {

using test::Batch;
using test::Handle;
using test::TrainingState;

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

/// A safetensors file as parts, to spoil one at a time: tensors with any
/// dtype, metadata values as JSON text (so that they need not be strings).
struct RawTensor {
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
struct RawFile {
  std::map<std::string, RawTensor> tensors;
  std::map<std::string, std::string> metadata; // key -> JSON value

  static std::string quoted(const std::string &s) { return "\"" + s + "\""; }

  static RawFile read(const std::string &path) {
    RawFile file;
    StatusOr<SafetensorsReader> reader = SafetensorsReader::open(path);
    EXPECT_TRUE(reader.ok()) << reader.status().toString();
    if (!reader.ok())
      return file;
    for (const TensorInfo &t : reader->tensors()) {
      const uint8_t *data = static_cast<const uint8_t *>(reader->data(t));
      file.tensors[t.name] = {t.dtype, t.shape, std::vector<uint8_t>(data, data + (t.end - t.begin))};
    }
    StatusOr<std::map<std::string, std::string>> metadata = reader->metadata();
    EXPECT_TRUE(metadata.ok()) << metadata.status().toString();
    for (const auto &[key, value] : *metadata)
      file.metadata[key] = quoted(value);
    return file;
  }

  std::vector<uint8_t> bytes() const {
    std::string header = "{";
    if (!metadata.empty()) {
      header += "\"__metadata__\":{";
      bool first = true;
      for (const auto &[key, value] : metadata) {
        header += (first ? "" : ",") + quoted(key) + ":" + value;
        first = false;
      }
      header += "}";
    }
    uint64_t offset = 0;
    for (const auto &[name, t] : tensors) {
      header += (header.size() > 1 ? "," : "") + quoted(name) + ":{\"dtype\":" +
                quoted(t.dtype) + ",\"shape\":[";
      for (size_t i = 0; i < t.shape.size(); ++i)
        header += (i ? "," : "") + std::to_string(t.shape[i]);
      header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
                std::to_string(offset + t.bytes.size()) + "]}";
      offset += t.bytes.size();
    }
    header += "}";
    header.append((8 - header.size() % 8) % 8, ' ');
    // Built with push_back and append into reserved storage: insert after a
    // vector(8) made GCC 12 warn of a memcpy out of bounds (-Warray-bounds).
    std::vector<uint8_t> out;
    out.reserve(8 + header.size() + offset);
    for (int i = 0; i < 8; ++i)
      out.push_back(uint8_t(uint64_t(header.size()) >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    for (const auto &[name, t] : tensors)
      out.insert(out.end(), t.bytes.begin(), t.bytes.end());
    return out;
  }

  float *f32(const std::string &name) {
    return reinterpret_cast<float *>(tensors.at(name).bytes.data());
  }
};

class CheckpointTest : public ::testing::Test {
protected:
  void SetUp() override { test::trainerLog = test::TrainerLog(); }

  /// A handle of the trainer after `steps` training steps with `seed`.
  static void train(const Handle &h, int steps, uint64_t seed) {
    Batch b;
    float loss = 0;
    ASSERT_EQ(capi::setDropoutSeed(h.model, seed), LOOM_OK);
    for (int i = 0; i < steps; ++i)
      ASSERT_EQ(test::trainStep(h.model, b, 0.01f, &loss), LOOM_OK) << loom_last_error();
  }

  test::TempDir dir;
};

TEST_F(CheckpointTest, RoundTripRestoresWeightsMomentsStepAndSeed) {
  Handle a(test::trainer(), 5);
  train(a, 2, 77);
  const std::string path = dir.file("a.safetensors");
  ASSERT_EQ(capi::saveCheckpoint(a.model, path.c_str()), LOOM_OK) << loom_last_error();

  Handle b(test::trainer(), 9);
  ASSERT_EQ(capi::loadCheckpoint(b.model, path.c_str()), LOOM_OK) << loom_last_error();
  TrainingState sa(*a), sb(*b);
  EXPECT_EQ(sb.parameters, sa.parameters);
  EXPECT_EQ(sb.firstMoment, sa.firstMoment);
  EXPECT_EQ(sb.secondMoment, sa.secondMoment);
  EXPECT_EQ(sb.step, 2);
  EXPECT_EQ(sb.dropoutSeed, 77u);
  EXPECT_NE(sa.firstMoment, std::vector<float>(20, 0.0f)) << "the moments were trained";

  // Training goes on from there exactly as it does on the original.
  Batch batch;
  float lossA = 0, lossB = 0;
  ASSERT_EQ(test::trainStep(a.model, batch, 0.01f, &lossA), LOOM_OK);
  EXPECT_EQ(test::trainerLog.step, 3);
  EXPECT_EQ(test::trainerLog.seed, 77);
  ASSERT_EQ(test::trainStep(b.model, batch, 0.01f, &lossB), LOOM_OK);
  EXPECT_EQ(test::trainerLog.step, 3);
  EXPECT_EQ(test::trainerLog.seed, 77);
  EXPECT_TRUE(TrainingState(*a) == TrainingState(*b));
}

TEST_F(CheckpointTest, TheFileHoldsStateDictLayoutsAndTheMetadata) {
  Handle a(test::trainer(), 5);
  train(a, 1, 12345678901234567890ull);
  const std::string path = dir.file("a.safetensors");
  ASSERT_EQ(capi::saveCheckpoint(a.model, path.c_str()), LOOM_OK) << loom_last_error();
  StatusOr<SafetensorsReader> reader = SafetensorsReader::open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().toString();
  std::vector<std::string> names;
  for (const TensorInfo &t : reader->tensors())
    names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "adam.m.norm.weight", "adam.m.proj.weight", "adam.m.tgt_embedding.weight",
                       "adam.v.norm.weight", "adam.v.proj.weight", "adam.v.tgt_embedding.weight",
                       "norm.weight", "proj.weight", "tgt_embedding.weight"}));
  for (const char *name : {"proj.weight", "adam.m.proj.weight", "adam.v.proj.weight"}) {
    SCOPED_TRACE(name);
    const TensorInfo *t = reader->find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, "F32");
    EXPECT_EQ(t->shape, (std::vector<int64_t>{3, 2}));
  }
  // proj.weight is stored transposed ([2, 3], kernel layout): the file has
  // W[n][k] = stored[k][n], for the weight and both moments alike.
  const Model &m = *a;
  for (auto [name, block] : {std::pair<const char *, const float *>{"proj.weight", m.parameters()},
                             {"adam.m.proj.weight", m.firstMoment()},
                             {"adam.v.proj.weight", m.secondMoment()}}) {
    const float *file = reader->f32(name);
    for (int n = 0; n < 3; ++n)
      for (int k = 0; k < 2; ++k)
        EXPECT_EQ(file[n * 2 + k], block[k * 3 + n]) << name << " [" << n << ", " << k << "]";
  }
  EXPECT_EQ(reader->f32("adam.v.norm.weight")[1], m.secondMoment()[m.weightOffset(1) + 1]);
  // The weights are what save_weights writes.
  const std::string weights = dir.file("w.safetensors");
  ASSERT_EQ(capi::saveWeights(a.model, weights.c_str()), LOOM_OK);
  StatusOr<SafetensorsReader> saved = SafetensorsReader::open(weights);
  ASSERT_TRUE(saved.ok());
  for (const TensorInfo &t : saved->tensors())
    EXPECT_EQ(std::memcmp(saved->data(t), reader->data(*reader->find(t.name)), t.end - t.begin),
              0)
        << t.name;

  StatusOr<std::map<std::string, std::string>> metadata = reader->metadata();
  ASSERT_TRUE(metadata.ok()) << metadata.status().toString();
  EXPECT_EQ(*metadata, (std::map<std::string, std::string>{
                           {"format", "loom.checkpoint.v1"},
                           {"model", "trainer"},
                           {"step", "1"},
                           {"dropout_seed", "12345678901234567890"}}));
}

TEST_F(CheckpointTest, ACheckpointBeforeTheFirstStepHasZeroMoments) {
  Handle fresh(test::trainer(), 3);
  const std::string path = dir.file("zero.safetensors");
  ASSERT_EQ(capi::saveCheckpoint(fresh.model, path.c_str()), LOOM_OK) << loom_last_error();
  RawFile file = RawFile::read(path);
  EXPECT_EQ(file.metadata["step"], "\"0\"");
  EXPECT_EQ(file.metadata["dropout_seed"], "\"0\"");
  for (const char *name : {"adam.m.proj.weight", "adam.v.tgt_embedding.weight"})
    for (uint8_t byte : file.tensors.at(name).bytes)
      EXPECT_EQ(byte, 0) << name;

  Handle trained(test::trainer(), 4);
  train(trained, 3, 9);
  ASSERT_EQ(capi::loadCheckpoint(trained.model, path.c_str()), LOOM_OK) << loom_last_error();
  TrainingState loaded(*trained), original(*fresh);
  EXPECT_EQ(loaded.parameters, original.parameters);
  EXPECT_EQ(loaded.firstMoment, std::vector<float>(20, 0.0f));
  EXPECT_EQ(loaded.secondMoment, std::vector<float>(20, 0.0f));
  EXPECT_EQ(loaded.step, 0);
  EXPECT_EQ(loaded.dropoutSeed, 0u);
}

/// One bad checkpoint: how to spoil a good one, and the message.
struct BadCheckpoint {
  const char *name;
  void (*spoil)(RawFile &);
  loom_status code;
  const char *message; // after "checkpoint '<path>': "
};

void setFloat(RawFile &f, const char *tensor, int index, float value) {
  f.f32(tensor)[index] = value;
}

const BadCheckpoint kBadCheckpoints[] = {
    {"missing tensor", [](RawFile &f) { f.tensors.erase("adam.v.norm.weight"); },
     LOOM_ERROR_BAD_WEIGHTS, "missing tensor 'adam.v.norm.weight' (expected F32 [2])"},
    {"missing weight", [](RawFile &f) { f.tensors.erase("proj.weight"); },
     LOOM_ERROR_BAD_WEIGHTS, "missing tensor 'proj.weight' (expected F32 [3, 2])"},
    {"extra tensor",
     [](RawFile &f) { f.tensors["adam.m.bogus"] = {"F32", {1}, std::vector<uint8_t>(4, 0)}; },
     LOOM_ERROR_BAD_WEIGHTS, "unexpected tensor 'adam.m.bogus' (F32 [1])"},
    {"wrong shape", [](RawFile &f) { f.tensors["adam.m.proj.weight"].shape = {2, 3}; },
     LOOM_ERROR_BAD_WEIGHTS, "tensor 'adam.m.proj.weight' has shape [2, 3], expected [3, 2]"},
    {"wrong dtype",
     [](RawFile &f) {
       f.tensors["adam.v.norm.weight"] = {"F64", {2}, std::vector<uint8_t>(16, 0)};
     },
     LOOM_ERROR_BAD_WEIGHTS, "tensor 'adam.v.norm.weight' has dtype F64, expected F32"},
    {"no metadata", [](RawFile &f) { f.metadata.clear(); }, LOOM_ERROR_BAD_WEIGHTS,
     "not a Loom training checkpoint: its __metadata__ has no \"format\" (expected "
     "\"loom.checkpoint.v1\"); a weights file is loaded with NAME_create, not as a checkpoint"},
    {"another format", [](RawFile &f) { f.metadata["format"] = "\"loom.checkpoint.v2\""; },
     LOOM_ERROR_BAD_WEIGHTS,
     "its format is \"loom.checkpoint.v2\"; this library reads \"loom.checkpoint.v1\""},
    {"no model name", [](RawFile &f) { f.metadata.erase("model"); }, LOOM_ERROR_BAD_WEIGHTS,
     "its __metadata__ has no \"model\" (the name of the model it was written for)"},
    {"another model", [](RawFile &f) { f.metadata["model"] = "\"other\""; },
     LOOM_ERROR_BAD_WEIGHTS, "it was written for model 'other', not for model 'trainer'"},
    {"no step", [](RawFile &f) { f.metadata.erase("step"); }, LOOM_ERROR_BAD_WEIGHTS,
     "its __metadata__ has no \"step\""},
    {"step not a number", [](RawFile &f) { f.metadata["step"] = "\"two\""; },
     LOOM_ERROR_BAD_WEIGHTS, "its \"step\" is \"two\", not a step count in [0, 2147483647]"},
    {"negative step", [](RawFile &f) { f.metadata["step"] = "\"-1\""; },
     LOOM_ERROR_BAD_WEIGHTS, "its \"step\" is \"-1\", not a step count in [0, 2147483647]"},
    {"step past the limit", [](RawFile &f) { f.metadata["step"] = "\"2147483648\""; },
     LOOM_ERROR_BAD_WEIGHTS, "its \"step\" is \"2147483648\", not a step count in [0, 2147483647]"},
    {"empty step", [](RawFile &f) { f.metadata["step"] = "\"\""; }, LOOM_ERROR_BAD_WEIGHTS,
     "its \"step\" is \"\", not a step count in [0, 2147483647]"},
    {"step as a JSON number", [](RawFile &f) { f.metadata["step"] = "2"; },
     LOOM_ERROR_BAD_WEIGHTS, "\"__metadata__\" entry 'step' is an integer, not a string"},
    {"no dropout seed", [](RawFile &f) { f.metadata.erase("dropout_seed"); },
     LOOM_ERROR_BAD_WEIGHTS, "its __metadata__ has no \"dropout_seed\""},
    {"dropout seed of 2^64",
     [](RawFile &f) { f.metadata["dropout_seed"] = "\"18446744073709551616\""; },
     LOOM_ERROR_BAD_WEIGHTS,
     "its \"dropout_seed\" is \"18446744073709551616\", not an integer in [0, 2^64)"},
    {"NaN in a weight",
     [](RawFile &f) { setFloat(f, "proj.weight", 2, std::numeric_limits<float>::quiet_NaN()); },
     LOOM_ERROR_BAD_WEIGHTS, "tensor 'proj.weight' holds NaN at [1, 0]; weights must be finite"},
    {"Inf in a first moment",
     [](RawFile &f) {
       setFloat(f, "adam.m.tgt_embedding.weight", 11, std::numeric_limits<float>::infinity());
     },
     LOOM_ERROR_BAD_WEIGHTS,
     "tensor 'adam.m.tgt_embedding.weight' holds +Inf at [5, 1]; Adam's first moments must be "
     "finite"},
    {"negative second moment", [](RawFile &f) { setFloat(f, "adam.v.norm.weight", 1, -0.5f); },
     LOOM_ERROR_BAD_WEIGHTS,
     "tensor 'adam.v.norm.weight' holds -0.5 at [1]; Adam's second moments must be finite and "
     ">= 0"},
};

TEST_F(CheckpointTest, EveryRefusalNamesTheProblemAndChangesNothing) {
  Handle source(test::trainer(), 5);
  train(source, 2, 77);
  const std::string good = dir.file("good.safetensors");
  ASSERT_EQ(capi::saveCheckpoint(source.model, good.c_str()), LOOM_OK) << loom_last_error();

  Handle target(test::trainer(), 6);
  train(target, 1, 3);
  const TrainingState before(*target);
  for (const BadCheckpoint &c : kBadCheckpoints) {
    SCOPED_TRACE(c.name);
    RawFile file = RawFile::read(good);
    c.spoil(file);
    const std::string path = dir.file("bad.safetensors");
    test::writeBytes(path, file.bytes());
    EXPECT_EQ(capi::loadCheckpoint(target.model, path.c_str()), c.code);
    EXPECT_EQ(std::string(loom_last_error()), "checkpoint '" + path + "': " + c.message);
    EXPECT_TRUE(TrainingState(*target) == before);
  }
  // The unspoilt file loads.
  test::writeBytes(dir.file("again.safetensors"), RawFile::read(good).bytes());
  EXPECT_EQ(capi::loadCheckpoint(target.model, dir.file("again.safetensors").c_str()), LOOM_OK)
      << loom_last_error();
  EXPECT_EQ(target->step(), 2);
}

TEST_F(CheckpointTest, DamagedFilesAndOtherFilesAreRefused) {
  Handle source(test::trainer(), 5);
  train(source, 1, 7);
  const std::string good = dir.file("good.safetensors");
  ASSERT_EQ(capi::saveCheckpoint(source.model, good.c_str()), LOOM_OK);
  std::string bytes = test::readText(good);

  Handle target(test::trainer(), 6);
  const TrainingState before(*target);
  auto refuse = [&](const std::string &path, loom_status code, const std::string &message) {
    EXPECT_EQ(capi::loadCheckpoint(target.model, path.c_str()), code);
    EXPECT_CONTAINS(loom_last_error(), message);
    EXPECT_TRUE(TrainingState(*target) == before);
  };
  // Truncated: the last tensor (by offset, tgt_embedding.weight) is cut.
  test::writeBytes(dir.file("cut.safetensors"),
                   std::vector<uint8_t>(bytes.begin(), bytes.end() - 4));
  refuse(dir.file("cut.safetensors"), LOOM_ERROR_BAD_WEIGHTS,
         "checkpoint '" + dir.file("cut.safetensors") + "': tensor 'tgt_embedding.weight'");
  test::writeBytes(dir.file("short.safetensors"), std::vector<uint8_t>(bytes.begin(),
                                                                     bytes.begin() + 5));
  refuse(dir.file("short.safetensors"), LOOM_ERROR_BAD_WEIGHTS,
         "too short for the 8-byte header length");
  std::vector<uint8_t> garbage = {16, 0, 0, 0, 0, 0, 0, 0};
  for (char c : std::string("{not json at all"))
    garbage.push_back(uint8_t(c));
  test::writeBytes(dir.file("garbage.safetensors"), garbage);
  refuse(dir.file("garbage.safetensors"), LOOM_ERROR_BAD_WEIGHTS, "header is not valid JSON");
  refuse(dir.file("nonexistent.safetensors"), LOOM_ERROR_IO,
         "checkpoint '" + dir.file("nonexistent.safetensors") + "'");
  // A weights file is not a checkpoint.
  ASSERT_EQ(capi::saveWeights(source.model, dir.file("weights.safetensors").c_str()), LOOM_OK);
  refuse(dir.file("weights.safetensors"), LOOM_ERROR_BAD_WEIGHTS,
         "not a Loom training checkpoint");
  // A checkpoint of another model (same tensors) is refused naming both.
  Handle other(test::otherTrainer(), 5);
  ASSERT_EQ(capi::saveCheckpoint(other.model, dir.file("other.safetensors").c_str()), LOOM_OK);
  refuse(dir.file("other.safetensors"), LOOM_ERROR_BAD_WEIGHTS,
         "it was written for model 'other', not for model 'trainer'");
  // A checkpoint of a model with other tensors is refused by its name too.
  Handle lm(test::languageModel(), 5);
  ASSERT_EQ(capi::saveCheckpoint(lm.model, dir.file("lm.safetensors").c_str()), LOOM_OK);
  refuse(dir.file("lm.safetensors"), LOOM_ERROR_BAD_WEIGHTS, "written for model 'lm'");
  // A directory.
  refuse(dir.path(), LOOM_ERROR_IO, dir.path());
}

TEST_F(CheckpointTest, SavingToATargetThatCannotBeWrittenFailsCleanly) {
  Handle h(test::trainer(), 5);
  EXPECT_EQ(capi::saveCheckpoint(h.model, dir.path().c_str()), LOOM_ERROR_IO);
  EXPECT_CONTAINS(loom_last_error(), dir.path());
  EXPECT_EQ(capi::saveCheckpoint(h.model, dir.file("no_dir/ck.safetensors").c_str()),
            LOOM_ERROR_IO);
  EXPECT_TRUE(dir.list().empty()) << "no temporary file left behind";
}

TEST_F(CheckpointTest, ACheckpointLoadsIntoAFreshHandleAndTrainingResumes) {
  // 2 steps, checkpoint, 2 more == 4 straight (the fake plans are
  // deterministic, as the real ones are).
  Handle straight(test::trainer(), 5), first(test::trainer(), 5);
  train(straight, 4, 11);
  train(first, 2, 11);
  ASSERT_EQ(capi::saveCheckpoint(first.model, dir.file("c.safetensors").c_str()), LOOM_OK);
  Handle resumed(test::trainer(), 99);
  ASSERT_EQ(capi::loadCheckpoint(resumed.model, dir.file("c.safetensors").c_str()), LOOM_OK)
      << loom_last_error();
  Batch b;
  float loss = 0;
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(test::trainStep(resumed.model, b, 0.01f, &loss), LOOM_OK);
  TrainingState s(*straight), r(*resumed);
  EXPECT_EQ(r.parameters, s.parameters);
  EXPECT_EQ(r.firstMoment, s.firstMoment);
  EXPECT_EQ(r.secondMoment, s.secondMoment);
  EXPECT_EQ(r.step, 4);
  EXPECT_EQ(r.dropoutSeed, 11u);
}

//===----------------------------------------------------------------------===//
// SafetensorsReader::metadata
//===----------------------------------------------------------------------===//

StatusOr<std::map<std::string, std::string>> metadataOf(const std::string &header) {
  std::string padded = header;
  padded.append((8 - padded.size() % 8) % 8, ' ');
  std::vector<uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i)
    bytes[i] = uint8_t(uint64_t(padded.size()) >> (8 * i));
  bytes.insert(bytes.end(), padded.begin(), padded.end());
  StatusOr<SafetensorsReader> reader = SafetensorsReader::fromBytes(bytes, "m", "checkpoint");
  if (!reader.ok())
    return reader.status();
  return reader->metadata();
}

TEST(SafetensorsMetadataTest, StringsAreReadOtherValuesRefused) {
  auto m = metadataOf(R"({"__metadata__":{"a":"1","b":"x\u0000y"},"t":)"
                      R"({"dtype":"F32","shape":[0],"data_offsets":[0,0]}})");
  ASSERT_TRUE(m.ok()) << m.status().toString();
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"a", "1"}, {"b", std::string("x\0y", 3)}}));
  auto none = metadataOf(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}})");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // A tensor entry's strings are not metadata.
  auto after = metadataOf(R"({"__metadata__":{},"t":{"dtype":"F32","shape":[0],)"
                          R"("data_offsets":[0,0]}})");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());

  struct {
    const char *value, *kind;
  } bad[] = {{"1", "an integer"}, {"1.5", "a number"}, {"null", "a null"},
             {"true", "a boolean"}, {"[\"x\"]", "an array"}, {"{\"k\":\"v\"}", "an object"}};
  for (const auto &c : bad) {
    SCOPED_TRACE(c.value);
    auto refused = metadataOf(std::string(R"({"__metadata__":{"ok":"y","step":)") + c.value + "}}");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), LOOM_ERROR_BAD_WEIGHTS);
    EXPECT_EQ(refused.status().message(),
              std::string("checkpoint 'm': \"__metadata__\" entry 'step' is ") + c.kind +
                  ", not a string");
  }
}

TEST(SafetensorsMetadataTest, EntriesBeyondTheLimitAreRefused) {
  auto header = [](size_t n) {
    std::string h = R"({"__metadata__":{)";
    for (size_t i = 0; i < n; ++i)
      h += (i ? "," : "") + ("\"k" + std::to_string(i) + "\":\"v\"");
    return h + "}}";
  };
  auto most = metadataOf(header(kMaxSafetensorsMetadataEntries));
  ASSERT_TRUE(most.ok()) << most.status().toString();
  EXPECT_EQ(most->size(), kMaxSafetensorsMetadataEntries);
  auto over = metadataOf(header(kMaxSafetensorsMetadataEntries + 1));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().message(),
            "checkpoint 'm': \"__metadata__\" has more than 1024 entries, the limit");
  // Opening the file does not read the metadata: a weights file with many
  // entries still loads.
  std::string h = header(kMaxSafetensorsMetadataEntries + 1);
  std::vector<uint8_t> bytes(8);
  h.append((8 - h.size() % 8) % 8, ' ');
  for (int i = 0; i < 8; ++i)
    bytes[i] = uint8_t(uint64_t(h.size()) >> (8 * i));
  bytes.insert(bytes.end(), h.begin(), h.end());
  EXPECT_TRUE(SafetensorsReader::fromBytes(bytes, "w").ok());
}

} // namespace
} // namespace loom
