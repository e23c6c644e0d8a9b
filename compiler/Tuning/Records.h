//===- Records.h - tuning records: one JSON line per tried schedule -*- C++ -*-===//
//
// A records file is JSON lines, one object per schedule the tuner tried:
//   {"kernel": "linear_relu", "family": "linear", "isa": "avx512",
//    "params": ["activation=relu", ...], "workload": "<hex key>",
//    "shapes": "B=8,S=128,T=128", "functions": "forward",
//    "schedule": {"tile_rows": 6, ...}, "status": "ok",
//    "median_us": 812.5, "default_us": 901.2, "flops": 2.1e9, "repeats": 10, "error": "",
//    "machine": {"cpu": "...", "isa_features": "avx2 avx512f ...", "threads": 2},
//    "loom": "<kernelgen identity>", "halide": "14", "seed": 1, "candidate": 7}
// median_us is the workload's time: the sum over its distinct calls of the
// median of `repeats` timed runs times how often the model makes the call.
// status is ok, build_failed, wrong (outputs differ from the default
// schedule's), crashed, or timeout. A record applies only where kernel, isa,
// workload and machine all match the compilation's (Loom and Halide
// versions are kept for the reader; a schedule whose knobs are no longer the
// family's is ignored).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TUNING_RECORDS_H
#define LOOM_TUNING_RECORDS_H

#include "Tuning/SearchSpace.h"

namespace loom::tuning {

/// Where a schedule was measured.
struct Machine {
  std::string cpu;         // /proc/cpuinfo's model name
  std::string isaFeatures; // the vector ISA flags Loom's kernels depend on
  int64_t threads = 0;
  bool operator==(const Machine &o) const {
    return cpu == o.cpu && isaFeatures == o.isaFeatures && threads == o.threads;
  }
};

/// The thread count tuning and compiling assume when not told: the cores
/// this process may run on (as the runtime's default).
int64_t defaultTuningThreads();

/// This machine, running `threads` threads.
Machine currentMachine(int64_t threads);

struct TuningRecord {
  std::string kernel, family, isa, workload, shapes, functions;
  std::vector<std::string> params;
  Schedule schedule;
  std::string status; // ok | build_failed | wrong | crashed | timeout
  double medianMicros = 0, defaultMicros = 0;
  double flops = 0; // of the workload's matrix products (0: none counted)
  int64_t repeats = 0;
  std::string error;
  Machine machine;
  std::string loom, halide;
  uint64_t seed = 0;
  int64_t candidate = 0;
};

std::string toJsonLine(const TuningRecord &record);

/// Parses records text; false with `error` ("NAME:LINE: ...") on the first
/// line that is not a record. Blank lines are skipped.
bool parseRecords(llvm::StringRef text, llvm::StringRef name,
                  std::vector<TuningRecord> &records, std::string &error);

/// parseRecords on a regular file's contents (a FIFO or a device is refused
/// before it is opened).
bool readRecords(const std::string &path, std::vector<TuningRecord> &records,
                 std::string &error);

/// Appends `records` as lines (creating the file).
bool appendRecords(const std::string &path, llvm::ArrayRef<TuningRecord> records,
                   std::string &error);

/// A record of Halide's Adams2019 autoscheduler (knob scheduler not 1): a
/// baseline loomc tune compares with, never a schedule to compile with (it
/// holds at the sizes it was told, and decoding calls the same kernel at
/// others: one row, read before the buffers' start).
bool isAdams2019Baseline(const TuningRecord &record);

/// The fastest ok record of each (kernel, isa, workload, machine), in the
/// order those keys first occur; Adams2019 baselines are left out.
std::vector<TuningRecord> distill(llvm::ArrayRef<TuningRecord> records);

} // namespace loom::tuning

#endif // LOOM_TUNING_RECORDS_H
