//===- ParallelText.cpp - parallel (or monolingual) text, encoded once ----===//
#include "ParallelText.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>

namespace loom::text {

uint64_t fnv1a64(const void *data, size_t size, uint64_t hash) {
  const auto *bytes = static_cast<const uint8_t *>(data);
  for (size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

std::string hex64(uint64_t value) {
  char text[17];
  for (int i = 15; i >= 0; --i, value >>= 4)
    text[i] = "0123456789abcdef"[value & 15];
  text[16] = 0;
  return text;
}

StatusOr<LineFile> LineFile::open(const std::string &path) {
  auto map = MappedFile::open(path);
  if (!map.ok())
    return map.status();
  LineFile file;
  file.path_ = path;
  file.map_ = std::move(map.value());
  const char *text = reinterpret_cast<const char *>(file.map_.data());
  const size_t size = file.map_.size();
  size_t begin = 0;
  while (begin < size) {
    const void *newline = std::memchr(text + begin, '\n', size - begin);
    size_t end = newline ? size_t(static_cast<const char *>(newline) - text) : size;
    size_t length = end - begin;
    // Files written on Windows end their lines with "\r\n".
    if (length > 0 && text[end - 1] == '\r')
      --length;
    file.lines_.push_back({begin, length});
    begin = end + 1;
  }
  return file;
}

FileFingerprint LineFile::fingerprint() const {
  return {path_, uint64_t(map_.size()), fnv1a64(map_.data(), map_.size())};
}

namespace {

/// Lines encoded together by one task, their tokens concatenated.
struct Chunk {
  std::vector<int32_t> src, tgt;
  std::vector<uint32_t> srcLength, tgtLength; // per line; tgtLength 0: skipped
  std::vector<uint8_t> truncated;             // per line: cut to fit max_len
};

constexpr size_t kChunkLines = 2048;

void encodeChunk(const Tokenizer &tokenizer, const LineFile *source, const LineFile &target,
                 const EncodeOptions &options, size_t first, size_t last, Chunk &chunk) {
  const size_t maxTarget = size_t(options.maxLen - 1); // bos + y, y + eos
  const size_t maxSource = size_t(options.maxLen - 1); // x + eos
  for (size_t line = first; line < last; ++line) {
    std::vector<int32_t> y = tokenizer.encode(std::string(target.line(line)));
    std::vector<int32_t> x;
    if (source)
      x = tokenizer.encode(std::string(source->line(line)));
    if (y.empty() || (source && x.empty())) {
      chunk.srcLength.push_back(0);
      chunk.tgtLength.push_back(0);
      chunk.truncated.push_back(0);
      continue;
    }
    chunk.truncated.push_back(y.size() > maxTarget || (source && x.size() > maxSource));
    y.resize(std::min(y.size(), maxTarget));
    chunk.tgt.insert(chunk.tgt.end(), y.begin(), y.end());
    chunk.tgtLength.push_back(uint32_t(y.size()));
    if (source) {
      x.resize(std::min(x.size(), maxSource));
      x.push_back(options.eosId);
      chunk.src.insert(chunk.src.end(), x.begin(), x.end());
    }
    chunk.srcLength.push_back(uint32_t(x.size()));
  }
}

} // namespace

StatusOr<EncodedText> encodeText(const Tokenizer &tokenizer, const LineFile *source,
                                 const LineFile &target, const EncodeOptions &options,
                                 int threads) {
  if (source && source->lineCount() != target.lineCount())
    return Status::invalidArgument(
        "'" + source->path() + "' has " + std::to_string(source->lineCount()) + " lines but '" +
        target.path() + "' has " + std::to_string(target.lineCount()) +
        "; parallel text must be line-aligned (one sentence per line on both sides)");
  if (options.maxLen < 2)
    return Status::invalidArgument("max_len " + std::to_string(options.maxLen) +
                                   " leaves no room for a target token and eos");
  if (target.lineCount() >= (size_t(1) << 32) - 1)
    return Status::invalidArgument("'" + target.path() + "' has more than 2^32 - 2 lines");

  const size_t lines = target.lineCount();
  std::vector<Chunk> chunks((lines + kChunkLines - 1) / kChunkLines);
  // SentencePiece's Encode is const and thread-safe; encoding a large
  // corpus on one core would take longer than the first epoch's steps.
  tbb::task_arena arena(threads > 0 ? threads : int(tbb::task_arena::automatic));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<size_t>(0, chunks.size()),
                      [&](const tbb::blocked_range<size_t> &range) {
                        for (size_t c = range.begin(); c != range.end(); ++c)
                          encodeChunk(tokenizer, source, target, options, c * kChunkLines,
                                      std::min(lines, (c + 1) * kChunkLines), chunks[c]);
                      });
  });

  EncodedText text;
  text.hasSource = source != nullptr;
  for (size_t c = 0; c < chunks.size(); ++c) {
    const Chunk &chunk = chunks[c];
    size_t srcAt = 0, tgtAt = 0;
    for (size_t k = 0; k < chunk.tgtLength.size(); ++k) {
      if (options.maxPairs && text.size() == options.maxPairs)
        return text; // the lines after the last kept pair are not counted
      ++text.lines;
      uint32_t srcLength = chunk.srcLength[k], tgtLength = chunk.tgtLength[k];
      if (tgtLength == 0) {
        ++text.skippedEmpty;
        continue;
      }
      text.truncated += chunk.truncated[k];
      text.srcTokens.insert(text.srcTokens.end(), chunk.src.begin() + srcAt,
                            chunk.src.begin() + srcAt + srcLength);
      text.tgtTokens.insert(text.tgtTokens.end(), chunk.tgt.begin() + tgtAt,
                            chunk.tgt.begin() + tgtAt + tgtLength);
      srcAt += srcLength;
      tgtAt += tgtLength;
      text.srcOffsets.push_back(text.srcTokens.size());
      text.tgtOffsets.push_back(text.tgtTokens.size());
      text.lineNumbers.push_back(uint32_t(c * kChunkLines + k + 1));
    }
  }
  return text;
}

} // namespace loom::text
