//===- Tokenizer.cpp - SentencePiece subwords for a compiled model --------===//
#include "Tokenizer.h"

#include "loom/runtime/MappedFile.h" // fileTypeName

#include <cerrno>
#include <cstring>
#include <sentencepiece_processor.h>
#include <sys/stat.h>

namespace loom {

Tokenizer::Tokenizer()
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
Tokenizer::~Tokenizer() = default;

Status Tokenizer::load(const std::string &path) {
  path_ = path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::io("tokenizer '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Status::invalidArgument("tokenizer '" + path + "' is " + fileTypeName(st.st_mode) +
                                   ", not a SentencePiece model file");
  auto status = processor_->Load(path);
  if (!status.ok())
    return Status::invalidArgument("tokenizer '" + path +
                                   "' is not a SentencePiece model: " + status.ToString());
  return Status();
}

Status Tokenizer::checkAgainst(const loom_model_info &info) const {
  const bool encoderDecoder = !std::strcmp(info.architecture, "encoder_decoder");
  const bool usesSource = encoderDecoder || !std::strcmp(info.architecture, "encoder");
  const bool usesTarget = encoderDecoder || !std::strcmp(info.architecture, "decoder");
  std::string where = "tokenizer '" + path_ + "' has " + std::to_string(size()) +
                      " pieces but model '" + info.name + "' has ";
  if (usesSource && info.src_vocab != size())
    return Status::invalidArgument(where + "src_vocab = " + std::to_string(info.src_vocab));
  if (usesTarget && info.tgt_vocab != size())
    return Status::invalidArgument(where + "tgt_vocab = " + std::to_string(info.tgt_vocab));
  struct {
    const char *name;
    int64_t model, tokenizer;
  } ids[] = {{"pad_id", info.pad_id, processor_->pad_id()},
             {"bos_id", info.bos_id, processor_->bos_id()},
             {"eos_id", info.eos_id, processor_->eos_id()}};
  for (const auto &id : ids)
    if (id.model != id.tokenizer)
      return Status::invalidArgument(
          "tokenizer '" + path_ + "' has " + id.name + " = " + std::to_string(id.tokenizer) +
          " but model '" + info.name + "' has " + id.name + " = " + std::to_string(id.model) +
          " (train it with spm_train --" + id.name + "=" + std::to_string(id.model) + ")");
  return Status();
}

int64_t Tokenizer::size() const { return processor_->GetPieceSize(); }

std::vector<int32_t> Tokenizer::encode(const std::string &text) const {
  std::vector<int> ids;
  processor_->Encode(text, &ids);
  return std::vector<int32_t>(ids.begin(), ids.end());
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids) const {
  std::vector<int> kept;
  for (int32_t id : ids) {
    if (id == processor_->eos_id())
      break;
    if (id != processor_->pad_id() && id != processor_->bos_id())
      kept.push_back(id);
  }
  std::string text;
  processor_->Decode(kept, &text);
  return text;
}

std::string Tokenizer::piece(int32_t id) const { return processor_->IdToPiece(id); }

} // namespace loom
