//===- Records.cpp - tuning records: one JSON line per tried schedule -----===//
#include "Tuning/Records.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <map>
#include <set>

using namespace loom::tuning;
namespace json = llvm::json;

int64_t loom::tuning::defaultTuningThreads() {
  return llvm::hardware_concurrency().compute_thread_count();
}

Machine loom::tuning::currentMachine(int64_t threads) {
  Machine m;
  m.threads = threads;
  auto text = llvm::MemoryBuffer::getFileAsStream("/proc/cpuinfo");
  if (!text)
    return m;
  // The flags the kernels' targets use (abi::kIsas), in a fixed order.
  static const char *kFeatures[] = {"avx2", "fma", "f16c", "avx512f", "avx512bw",
                                    "avx512dq", "avx512vl", "avx512cd"};
  llvm::SmallVector<llvm::StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  std::set<std::string> flags;
  for (llvm::StringRef line : lines) {
    auto [key, value] = line.split(':');
    key = key.trim();
    if (key == "model name" && m.cpu.empty())
      m.cpu = value.trim().str();
    if (key == "flags" && flags.empty()) {
      llvm::SmallVector<llvm::StringRef> words;
      value.split(words, ' ', -1, false);
      for (llvm::StringRef w : words)
        flags.insert(w.str());
    }
  }
  std::vector<std::string> have;
  for (const char *f : kFeatures)
    if (flags.count(f))
      have.push_back(f);
  m.isaFeatures = llvm::join(have, " ");
  return m;
}

std::string loom::tuning::toJsonLine(const TuningRecord &r) {
  json::Object schedule;
  for (const auto &[name, value] : r.schedule)
    schedule[name] = value;
  json::Array params;
  for (const std::string &p : r.params)
    params.push_back(p);
  json::Object o{
      {"kernel", r.kernel}, {"family", r.family}, {"isa", r.isa},
      {"params", std::move(params)}, {"workload", r.workload}, {"shapes", r.shapes},
      {"functions", r.functions}, {"schedule", std::move(schedule)},
      {"status", r.status}, {"median_us", r.medianMicros},
      {"default_us", r.defaultMicros}, {"flops", r.flops}, {"repeats", r.repeats}, {"error", r.error},
      {"machine", json::Object{{"cpu", r.machine.cpu},
                               {"isa_features", r.machine.isaFeatures},
                               {"threads", r.machine.threads}}},
      {"loom", r.loom}, {"halide", r.halide},
      // JSON numbers are doubles: a 64-bit seed travels as text.
      {"seed", std::to_string(r.seed)}, {"candidate", r.candidate}};
  std::string line;
  llvm::raw_string_ostream(line) << json::Value(std::move(o));
  return line;
}

namespace {

bool fromJson(const json::Value &value, TuningRecord &r, std::string &error) {
  json::Path::Root root("record");
  json::ObjectMapper map(value, root);
  const json::Object *machine = value.getAsObject()
                                    ? value.getAsObject()->getObject("machine")
                                    : nullptr;
  const json::Object *schedule = value.getAsObject()
                                     ? value.getAsObject()->getObject("schedule")
                                     : nullptr;
  std::string seed;
  bool ok = map && map.map("kernel", r.kernel) && map.map("family", r.family) &&
            map.map("isa", r.isa) && map.map("params", r.params) &&
            map.map("workload", r.workload) && map.map("shapes", r.shapes) &&
            map.map("functions", r.functions) && map.map("status", r.status) &&
            map.map("median_us", r.medianMicros) && map.map("default_us", r.defaultMicros) &&
            map.mapOptional("flops", r.flops) &&
            map.map("repeats", r.repeats) && map.map("error", r.error) &&
            map.map("loom", r.loom) && map.map("halide", r.halide) &&
            map.map("seed", seed) && map.map("candidate", r.candidate) && machine &&
            schedule;
  if (!ok) {
    error = "not a tuning record (a key is missing or has the wrong type)";
    return false;
  }
  std::optional<llvm::StringRef> cpu = machine->getString("cpu"),
                                 features = machine->getString("isa_features");
  std::optional<int64_t> threads = machine->getInteger("threads");
  if (!cpu || !features || !threads) {
    error = "'machine' needs cpu, isa_features (strings) and threads (an integer)";
    return false;
  }
  // Times and FLOPs are finite and >= 0 (1e999 parses as inf, and JSON
  // cannot write it back).
  for (double v : {r.medianMicros, r.defaultMicros, r.flops})
    if (!std::isfinite(v) || v < 0) {
      error = "median_us, default_us and flops must be finite numbers >= 0";
      return false;
    }
  for (double *v : {&r.medianMicros, &r.defaultMicros, &r.flops})
    *v += 0.0; // -0 becomes 0, which writes back as it reads
  r.machine = {cpu->str(), features->str(), *threads};
  if (llvm::StringRef(seed).getAsInteger(10, r.seed)) {
    error = "'seed' must be a decimal integer in a string";
    return false;
  }
  for (const auto &[name, v] : *schedule) {
    std::optional<int64_t> knob = v.getAsInteger();
    if (!knob) {
      error = "schedule knob '" + name.str() + "' must be an integer";
      return false;
    }
    r.schedule[name.str()] = *knob;
  }
  return true;
}

} // namespace

bool loom::tuning::parseRecords(llvm::StringRef text, llvm::StringRef name,
                                std::vector<TuningRecord> &records, std::string &error) {
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].trim().empty())
      continue;
    std::string why;
    llvm::Expected<json::Value> value = json::parse(lines[i]);
    TuningRecord record;
    if (!value)
      why = llvm::toString(value.takeError());
    else
      fromJson(*value, record, why);
    if (!why.empty()) {
      error = name.str() + ":" + std::to_string(i + 1) + ": " + why;
      return false;
    }
    records.push_back(std::move(record));
  }
  return true;
}

bool loom::tuning::readRecords(const std::string &path, std::vector<TuningRecord> &records,
                               std::string &error) {
  if (!llvm::sys::fs::is_regular_file(path)) {
    error = "'" + path + "' is not a regular file";
    return false;
  }
  auto text = llvm::MemoryBuffer::getFile(path);
  if (!text) {
    error = "cannot read '" + path + "': " + text.getError().message();
    return false;
  }
  return parseRecords((*text)->getBuffer(), path, records, error);
}

bool loom::tuning::appendRecords(const std::string &path,
                                 llvm::ArrayRef<TuningRecord> records, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_Append);
  if (ec) {
    error = "cannot write '" + path + "': " + ec.message();
    return false;
  }
  for (const TuningRecord &r : records)
    out << toJsonLine(r) << "\n";
  out.flush();
  if (out.has_error()) {
    error = "cannot write '" + path + "': " + out.error().message();
    out.clear_error();
    return false;
  }
  return true;
}

bool loom::tuning::isAdams2019Baseline(const TuningRecord &record) {
  auto it = record.schedule.find("scheduler");
  return it != record.schedule.end() && it->second != 1; // 1: Loom's own
}

std::vector<TuningRecord> loom::tuning::distill(llvm::ArrayRef<TuningRecord> records) {
  std::vector<TuningRecord> best;
  std::map<std::string, size_t> index;
  for (const TuningRecord &r : records) {
    if (r.status != "ok" || isAdams2019Baseline(r))
      continue;
    std::string key = r.kernel + "\n" + r.isa + "\n" + r.workload + "\n" + r.machine.cpu +
                      "\n" + r.machine.isaFeatures + "\n" + std::to_string(r.machine.threads);
    auto [it, fresh] = index.try_emplace(key, best.size());
    if (fresh)
      best.push_back(r);
    else if (r.medianMicros < best[it->second].medianMicros)
      best[it->second] = r;
  }
  return best;
}
