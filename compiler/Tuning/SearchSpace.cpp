//===- SearchSpace.cpp - the schedules a tuner may try for a kernel -------===//
#include "Tuning/SearchSpace.h"

#include "loom_kernel/KernelParams.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <optional>

using namespace loom;
using namespace loom::tuning;

namespace {

/// Per ISA (abi::kIsas order): vector registers and f32 lanes.
constexpr int kRegisters[abi::kNumIsas] = {32, 16};
constexpr int kLanes[abi::kNumIsas] = {16, 8};

std::vector<int64_t> powersOfTwo(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t v = from; v <= to; v *= 2)
    out.push_back(v);
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t v = from; v <= to; ++v)
    out.push_back(v);
  return out;
}

/// The values worth trying for a knob, by what its name says it is.
std::vector<int64_t> candidateValues(llvm::StringRef knob, int isa) {
  const int regs = kRegisters[isa];
  // Which scheduler and what it is told: the Adams2019 baseline's, not
  // searched (adams2019Schedule sets them).
  if (knob == "scheduler" || knob.starts_with("estimate_"))
    return {};
  if (knob == "tile_rows")
    return range(1, regs == 32 ? 8 : 6);
  if (knob == "tile_vectors")
    return range(1, regs == 32 ? 6 : 4);
  if (knob == "unroll_k" || knob.ends_with("_unroll"))
    return {1, 2, 4, 8};
  if (knob == "k_block" || knob == "n_block" || knob == "m_block")
    return powersOfTwo(64, 1024);
  if (knob == "k_block_min_k" || knob == "m_block_min_m")
    return {256, 512, 1024, 2048, 4096, int64_t(1) << 30}; // 2^30: never blocked
  if (knob == "query_block" || knob == "key_block" || knob == "block")
    return powersOfTwo(8, 128);
  if (knob == "short_block")
    return {8, 16, 32, 64};
  if (knob == "pack_columns" || knob == "pack_rows")
    return {4, 8, 16};
  if (knob == "elements_per_task")
    return powersOfTwo(4096, 262144);
  if (knob.ends_with("columns_per_task"))
    return powersOfTwo(16, 512);
  if (knob == "heads_per_task")
    return powersOfTwo(1, 16);
  // rows, row tiles or tokens per task, rows per block
  return powersOfTwo(1, 256);
}

int64_t knob(const Schedule &s, const char *name) {
  auto it = s.find(name);
  return it == s.end() ? 0 : it->second;
}

bool divides(int64_t a, int64_t b) { return a > 0 && b % a == 0; }

/// The register tile of a GEMM-like family fits the register file:
/// accumulators, one loaded vector per tile column and one broadcast.
bool tileFits(const Schedule &s, int isa) {
  int64_t rows = knob(s, "tile_rows"), vectors = knob(s, "tile_vectors");
  return !rows || rows * vectors + vectors + 1 <= kRegisters[isa];
}

/// attention's short_block (attention_train has none: 0): whole vectors of
/// queries, blocks that both register tiles divide.
bool shortBlockValid(int64_t shortBlock, const Schedule &s, int lanes) {
  return shortBlock == 0 ||
         (shortBlock % lanes == 0 && divides(knob(s, "score_keys_unroll"), shortBlock) &&
          divides(knob(s, "pv_queries_unroll"), shortBlock));
}

bool structurallyValid(abi::Family family, const Schedule &s, int isa) {
  const int lanes = kLanes[isa];
  switch (family) {
  case abi::Family::linear:
  case abi::Family::linear_grad_weight:
    return tileFits(s, isa) &&
           (family != abi::Family::linear_grad_weight ||
            divides(lanes, knob(s, "bias_columns_per_task")));
  case abi::Family::linear_grad_input:
    return tileFits(s, isa) &&
           divides(knob(s, "pack_columns"), knob(s, "tile_vectors") * lanes);
  case abi::Family::attention:
  case abi::Family::attention_train:
    // The score tile is query-innermost, one vector of queries at least:
    // a shorter query block fails Halide's bounds at build time.
    return knob(s, "query_block") % lanes == 0 &&
           divides(knob(s, "score_keys_unroll"), knob(s, "key_block")) &&
           divides(knob(s, "pv_queries_unroll"), knob(s, "query_block")) &&
           shortBlockValid(knob(s, "short_block"), s, lanes) &&
           (family != abi::Family::attention_train || knob(s, "key_block") % 4 == 0);
  case abi::Family::attention_grad:
    return knob(s, "block") % 8 == 0 &&
           divides(knob(s, "score_keys_unroll"), knob(s, "block")) &&
           divides(knob(s, "rows_unroll"), knob(s, "block") / 2);
  case abi::Family::embed_grad:
    return divides(lanes, knob(s, "columns_per_task"));
  case abi::Family::adam:
    return divides(lanes, knob(s, "elements_per_task"));
  default:
    return true;
  }
}

/// Parallel tasks of `call` under `s`, where the split is known: row
/// families split rows, attention splits (b, h, query blocks).
std::optional<int64_t> tasks(abi::Family family, const Schedule &s, const KernelCall &call) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  if (family == abi::Family::attention || family == abi::Family::attention_train) {
    const std::vector<int64_t> &q = call.extents.at("q"); // (e, s, h, b)
    return q[3] * q[2] * ceilDiv(q[1], knob(s, "query_block"));
  }
  int64_t perTask = knob(s, "rows_per_task");
  auto first = call.extents.find("x");
  if (!perTask || first == call.extents.end() || first->second.size() != 2)
    return std::nullopt;
  return ceilDiv(first->second[1], perTask);
}

} // namespace

std::vector<KnobDomain> loom::tuning::searchSpace(abi::Family family, int isa) {
  std::vector<KnobDomain> space;
  for (const kernel::ScheduleKnob &k : kernel::scheduleKnobs(family)) {
    KnobDomain d{k.name, candidateValues(k.name, isa), k.defaults[isa]};
    if (!llvm::is_contained(d.values, d.defaultValue)) {
      d.values.push_back(d.defaultValue);
      llvm::sort(d.values);
    }
    space.push_back(std::move(d));
  }
  return space;
}

Schedule loom::tuning::defaultSchedule(const std::vector<KnobDomain> &space) {
  Schedule s;
  for (const KnobDomain &d : space)
    s[d.name] = d.defaultValue;
  return s;
}

bool loom::tuning::admissible(const KernelWorkload &workload, int isa, int threads,
                              const Schedule &schedule) {
  if (!structurallyValid(workload.family, schedule, isa))
    return false;
  // The largest call (by flops, else the first) must keep every thread busy
  // unless the default schedule cannot either.
  const KernelCall *largest = &workload.calls.front();
  for (const KernelCall &call : workload.calls)
    if (call.flops > largest->flops)
      largest = &call;
  std::optional<int64_t> n = tasks(workload.family, schedule, *largest);
  if (!n || *n >= threads)
    return true;
  Schedule defaults = defaultSchedule(searchSpace(workload.family, isa));
  std::optional<int64_t> byDefault = tasks(workload.family, defaults, *largest);
  return byDefault && *byDefault < threads;
}

std::optional<Schedule> loom::tuning::adams2019Schedule(const KernelWorkload &workload,
                                                        int isa) {
  if (workload.calls.empty())
    return std::nullopt;
  // The largest call: by FLOPs, then (families without) by elements moved.
  auto size = [](const KernelCall &call) {
    double elements = 0;
    for (const auto &[name, extents] : call.extents)
      elements += std::accumulate(extents.begin(), extents.end(), 1.0, std::multiplies<>());
    return std::pair(call.flops, elements);
  };
  const KernelCall *largest = &workload.calls.front();
  for (const KernelCall &call : workload.calls)
    if (size(call) > size(*largest))
      largest = &call;
  Schedule s = defaultSchedule(searchSpace(workload.family, isa));
  s["scheduler"] = 2;
  // The estimates: the largest call's sizes (extents in Halide order).
  if (workload.family == abi::Family::linear) {
    const std::vector<int64_t> &x = largest->extents.at("x"), &y = largest->extents.at("y");
    s["estimate_m"] = x[1];
    s["estimate_n"] = y[0];
    s["estimate_k"] = x[0];
    return s;
  }
  if (workload.family == abi::Family::attention) {
    const std::vector<int64_t> &q = largest->extents.at("q"), &k = largest->extents.at("k");
    s["estimate_sq"] = q[1];
    s["estimate_h"] = q[2];
    s["estimate_b"] = q[3];
    s["estimate_sk"] = k[1];
    return s;
  }
  if (workload.family == abi::Family::layer_norm || workload.family == abi::Family::add_norm ||
      workload.family == abi::Family::add_norm_sum) {
    const std::vector<int64_t> &x = largest->extents.at("x");
    s["estimate_d"] = x[0];
    s["estimate_m"] = x[1];
    return s;
  }
  return std::nullopt;
}
