//===- TrainerState.cpp - DIR/trainer.json: where a training stands -------===//
#include "TrainerState.h"

#include "loom/runtime/Decimal.h"
#include "loom/runtime/JsonReader.h"
#include "loom/runtime/MappedFile.h"
#include "loom/runtime/OutputFile.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <limits>
#include <memory>

namespace loom::train {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void writeFile(Writer &w, const text::FileFingerprint &file) {
  w.StartObject();
  w.Key("path");
  w.String(file.path.c_str());
  w.Key("bytes");
  w.Uint64(file.bytes);
  w.Key("fnv1a64");
  w.String(text::hex64(file.hash).c_str());
  w.EndObject();
}

/// Reads the members of one JSON object, naming the file and the member
/// in every error.
class ObjectReader {
public:
  ObjectReader(const rapidjson::Value &object, std::string where)
      : object_(object), where_(std::move(where)) {}

  Status member(const char *key, const rapidjson::Value *&value) const {
    auto it = object_.FindMember(key);
    if (it == object_.MemberEnd())
      return Status::invalidArgument(where_ + ": missing \"" + key + "\"");
    value = &it->value;
    return Status();
  }
  Status integer(const char *key, int64_t min, int64_t &out) const {
    const rapidjson::Value *v = nullptr;
    LOOM_RETURN_IF_ERROR(member(key, v));
    if (!v->IsInt64() || v->GetInt64() < min)
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be an integer >= " +
                                     std::to_string(min) + ", got " + json::kindName(*v));
    out = v->GetInt64();
    return Status();
  }
  Status unsignedInteger(const char *key, uint64_t &out) const {
    int64_t v = 0;
    LOOM_RETURN_IF_ERROR(integer(key, 0, v));
    out = uint64_t(v);
    return Status();
  }
  Status number(const char *key, double &out) const {
    const rapidjson::Value *v = nullptr;
    LOOM_RETURN_IF_ERROR(member(key, v));
    if (!v->IsNumber() || !(v->GetDouble() >= 0))
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be a number >= 0");
    out = v->GetDouble();
    return Status();
  }
  Status boolean(const char *key, bool &out) const {
    const rapidjson::Value *v = nullptr;
    LOOM_RETURN_IF_ERROR(member(key, v));
    if (!v->IsBool())
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be true or false");
    out = v->GetBool();
    return Status();
  }
  Status string(const char *key, std::string &out) const {
    const rapidjson::Value *v = nullptr;
    LOOM_RETURN_IF_ERROR(member(key, v));
    if (!v->IsString())
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be a string, got " +
                                     json::kindName(*v));
    out = std::string(json::stringOf(*v));
    return Status();
  }
  /// A 64-bit value kept as a decimal string (JSON numbers lose exactness
  /// beyond 2^53 in many readers).
  Status decimal(const char *key, uint64_t &out) const {
    std::string text;
    LOOM_RETURN_IF_ERROR(string(key, text));
    if (!parseDecimal(text, std::numeric_limits<uint64_t>::max(), out))
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be a decimal string");
    return Status();
  }
  Status hash(const char *key, uint64_t &out) const {
    std::string text;
    LOOM_RETURN_IF_ERROR(string(key, text));
    if (text.size() != 16 || text.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be 16 hex digits");
    out = std::strtoull(text.c_str(), nullptr, 16);
    return Status();
  }
  Status object(const char *key, std::unique_ptr<ObjectReader> &out) const {
    const rapidjson::Value *v = nullptr;
    LOOM_RETURN_IF_ERROR(member(key, v));
    if (!v->IsObject())
      return Status::invalidArgument(where_ + ": \"" + key + "\" must be an object");
    out = std::make_unique<ObjectReader>(*v, where_ + ": \"" + key + "\"");
    return Status();
  }
  const std::string &where() const { return where_; }

private:
  const rapidjson::Value &object_;
  std::string where_;
};

Status readFile(const ObjectReader &r, text::FileFingerprint &file) {
  LOOM_RETURN_IF_ERROR(r.string("path", file.path));
  LOOM_RETURN_IF_ERROR(r.unsignedInteger("bytes", file.bytes));
  return r.hash("fnv1a64", file.hash);
}

std::string describe(const text::FileFingerprint &file) {
  return std::to_string(file.bytes) + " bytes, fnv1a64 " + text::hex64(file.hash);
}

bool same(const text::FileFingerprint &a, const text::FileFingerprint &b) {
  return a.bytes == b.bytes && a.hash == b.hash;
}

} // namespace

Status writeTrainerState(const std::string &path, const TrainerState &state) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartObject();
  w.Key("format");
  w.String(kTrainerStateFormat);
  w.Key("model");
  w.String(state.model.c_str());
  w.Key("step");
  w.Int64(state.step);
  w.Key("epoch");
  w.Int64(state.epoch);
  w.Key("batch");
  w.Int64(state.batch);
  w.Key("batches_per_epoch");
  w.Int64(state.batchesPerEpoch);
  w.Key("elapsed_s");
  w.Double(state.elapsedSeconds);
  w.Key("last_valid_s");
  w.Double(state.lastValidSeconds);
  w.Key("last_valid_step");
  w.Int64(state.lastValidStep);
  w.Key("pending_validation");
  w.Bool(state.pendingValidation);
  w.Key("data_order");
  w.StartObject();
  w.Key("seed");
  w.String(std::to_string(state.seed).c_str());
  w.Key("batch_tokens");
  w.Int64(state.batchTokens);
  w.Key("max_len");
  w.Int64(state.maxLen);
  w.EndObject();
  w.Key("schedule");
  w.StartObject();
  w.Key("lr_schedule");
  w.String(scheduleName(state.schedule.kind));
  w.Key("lr");
  w.Double(state.schedule.lr);
  w.Key("warmup");
  w.Int64(state.schedule.warmup);
  w.EndObject();
  w.Key("data");
  w.StartObject();
  w.Key("pairs");
  w.Int64(state.data.pairs);
  w.Key("files");
  w.StartArray();
  for (const auto &file : state.data.files)
    writeFile(w, file);
  w.EndArray();
  w.Key("tokenizer");
  writeFile(w, state.data.tokenizer);
  w.EndObject();
  w.EndObject();
  std::string text = std::string(buffer.GetString(), buffer.GetSize()) + "\n";
  ByteSpan piece{text.data(), text.size()};
  return writeFileAtomically(path, &piece, 1);
}

StatusOr<TrainerState> readTrainerState(const std::string &path) {
  const std::string where = "trainer state '" + path + "'";
  auto file = MappedFile::open(path);
  if (!file.ok())
    return file.status();
  auto parsed =
      json::parse(std::string_view(reinterpret_cast<const char *>(file->data()), file->size()));
  if (!parsed.ok())
    return parsed.status().withPrefix(where);
  const rapidjson::Document &doc = parsed.value();
  if (!doc.IsObject())
    return Status::invalidArgument(where + ": expected a JSON object");
  ObjectReader r(doc, where);
  std::string format;
  LOOM_RETURN_IF_ERROR(r.string("format", format));
  if (format != kTrainerStateFormat)
    return Status::invalidArgument(where + ": format \"" + format + "\", expected \"" +
                                   kTrainerStateFormat + "\"");
  TrainerState state;
  LOOM_RETURN_IF_ERROR(r.string("model", state.model));
  LOOM_RETURN_IF_ERROR(r.integer("step", 0, state.step));
  LOOM_RETURN_IF_ERROR(r.integer("epoch", 0, state.epoch));
  LOOM_RETURN_IF_ERROR(r.integer("batch", 0, state.batch));
  LOOM_RETURN_IF_ERROR(r.integer("batches_per_epoch", 1, state.batchesPerEpoch));
  LOOM_RETURN_IF_ERROR(r.number("elapsed_s", state.elapsedSeconds));
  LOOM_RETURN_IF_ERROR(r.number("last_valid_s", state.lastValidSeconds));
  LOOM_RETURN_IF_ERROR(r.integer("last_valid_step", -1, state.lastValidStep));
  LOOM_RETURN_IF_ERROR(r.boolean("pending_validation", state.pendingValidation));

  std::unique_ptr<ObjectReader> order, schedule, data, tokenizer;
  LOOM_RETURN_IF_ERROR(r.object("data_order", order));
  LOOM_RETURN_IF_ERROR(order->decimal("seed", state.seed));
  LOOM_RETURN_IF_ERROR(order->integer("batch_tokens", 1, state.batchTokens));
  LOOM_RETURN_IF_ERROR(order->integer("max_len", 1, state.maxLen));

  LOOM_RETURN_IF_ERROR(r.object("schedule", schedule));
  std::string kind;
  LOOM_RETURN_IF_ERROR(schedule->string("lr_schedule", kind));
  if (kind != "noam" && kind != "constant")
    return Status::invalidArgument(schedule->where() + ": \"lr_schedule\" must be \"noam\" or "
                                                       "\"constant\"");
  state.schedule.kind = kind == "noam" ? LrSchedule::Noam : LrSchedule::Constant;
  LOOM_RETURN_IF_ERROR(schedule->number("lr", state.schedule.lr));
  LOOM_RETURN_IF_ERROR(schedule->integer("warmup", 0, state.schedule.warmup));

  LOOM_RETURN_IF_ERROR(r.object("data", data));
  LOOM_RETURN_IF_ERROR(data->integer("pairs", 0, state.data.pairs));
  const rapidjson::Value *files = nullptr;
  LOOM_RETURN_IF_ERROR(data->member("files", files));
  if (!files->IsArray() || files->Size() < 1 || files->Size() > 2)
    return Status::invalidArgument(data->where() + ": \"files\" must be an array of 1 or 2 "
                                                   "objects");
  for (rapidjson::SizeType i = 0; i < files->Size(); ++i) {
    if (!(*files)[i].IsObject())
      return Status::invalidArgument(data->where() + ": \"files\"[" + std::to_string(i) +
                                     "] must be an object");
    ObjectReader fileReader((*files)[i], data->where() + ": \"files\"[" + std::to_string(i) + "]");
    LOOM_RETURN_IF_ERROR(readFile(fileReader, state.data.files.emplace_back()));
  }
  LOOM_RETURN_IF_ERROR(data->object("tokenizer", tokenizer));
  LOOM_RETURN_IF_ERROR(readFile(*tokenizer, state.data.tokenizer));

  if (state.batch >= state.batchesPerEpoch ||
      state.step != state.epoch * state.batchesPerEpoch + state.batch)
    return Status::invalidArgument(where + ": step " + std::to_string(state.step) +
                                   " is not epoch " + std::to_string(state.epoch) + " x " +
                                   std::to_string(state.batchesPerEpoch) + " batches + batch " +
                                   std::to_string(state.batch));
  return state;
}

std::string describeDataChange(const DataFingerprint &then, const DataFingerprint &now) {
  if (then.files.size() != now.files.size())
    return "the training used " + std::to_string(then.files.size()) + " file(s), now " +
           std::to_string(now.files.size());
  for (size_t i = 0; i < now.files.size(); ++i)
    if (!same(then.files[i], now.files[i]))
      return "'" + now.files[i].path + "' has " + describe(now.files[i]) +
             " but the training was on '" + then.files[i].path + "' with " +
             describe(then.files[i]);
  if (!same(then.tokenizer, now.tokenizer))
    return "the tokenizer '" + now.tokenizer.path + "' has " + describe(now.tokenizer) +
           " but the training used one with " + describe(then.tokenizer);
  if (then.pairs != now.pairs)
    return std::to_string(now.pairs) + " training pairs, the training had " +
           std::to_string(then.pairs);
  return "";
}

} // namespace loom::train
