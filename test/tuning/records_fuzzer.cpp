//===- records_fuzzer.cpp - libFuzzer target: tuning records --------------===//
//
// Any bytes must end in parsed records or an error naming a line, never a
// crash; what parses must write back to lines that parse to the same
// records (one JSON line each), and distill must take them.
//
//===----------------------------------------------------------------------===//
#include "Tuning/Records.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace loom::tuning;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  std::vector<TuningRecord> records;
  std::string error;
  if (!parseRecords(text, "fuzz", records, error)) {
    if (error.rfind("fuzz:", 0) != 0)
      std::abort(); // an error must name the line
    return 0;
  }
  std::string lines;
  for (const TuningRecord &r : records)
    lines += toJsonLine(r) + "\n";
  std::vector<TuningRecord> again;
  if (!parseRecords(lines, "again", again, error) || again.size() != records.size())
    std::abort();
  for (size_t i = 0; i < records.size(); ++i)
    if (toJsonLine(again[i]) != toJsonLine(records[i]))
      std::abort();
  distill(records);
  return 0;
}
