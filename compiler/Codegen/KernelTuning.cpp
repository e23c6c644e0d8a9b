//===- KernelTuning.cpp - loomc tune: schedules searched on this machine --===//
#include "Codegen/KernelTuning.h"

#include "Codegen/KernelBuild.h"
#include "Tuning/Records.h"
#include "Tuning/Search.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <csignal>
#include <cstring>
#include <map>

#include <unistd.h>

using namespace mlir;
using namespace loom;
using namespace loom::tuning;

namespace {

constexpr unsigned kHarnessSeconds = 60; // a candidate slower than this has hung
constexpr double kMinShare = 0.25;       // of an even split, for every kernel

double now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string clock(double seconds) {
  int s = int(seconds + 0.5);
  return llvm::formatv("{0}:{1:2}", s / 60, s % 60).str();
}

/// What one candidate measured.
struct Measurement {
  std::string status = "ok"; // as TuningRecord::status
  double micros = 0;         // the workload's time (ok only)
  std::string error;
};


/// The tuning's work directory, for the interrupt handler: LLVM removes the
/// files registered with RemoveFileOnSignal, never a directory.
char interruptedWorkDir[4096];

/// Ctrl-C (after LLVM removed the registered files): the then empty work
/// directory goes too, and the signal kills the process as it would have.
void removeWorkDirAndDie() {
  ::rmdir(interruptedWorkDir); // async-signal-safe
  ::signal(SIGINT, SIG_DFL);
  ::raise(SIGINT);
}

/// Everything a tuning run shares.
struct Tuner {
  const Toolchain &tc;
  const TuneOptions &o;
  std::string identity;
  Machine machine;
  int isa = 0; // index into abi::kIsas: the first this CPU runs
  std::string workDir, runtimeObject;
  double peakGflops = 0; // 0: unknown
  std::vector<TuningRecord> previous; // --resume
  std::map<std::string, std::vector<KernelCall>> probes; // instance -> its calls at B=S=T=1
  int written = 0;

  TuningRecord record(const KernelWorkload &w, const Schedule &s, int64_t candidate) const {
    TuningRecord r;
    r.kernel = w.instance;
    r.family = abi::familyName(w.family);
    r.isa = abi::kIsas[isa].name;
    r.params = w.params;
    r.workload = w.key;
    r.shapes = o.shapes.str();
    r.functions = llvm::join(o.functions, ",");
    r.schedule = s;
    r.repeats = o.repeats;
    r.flops = w.flops();
    r.machine = machine;
    r.loom = identity;
    r.halide = "14";
    r.seed = o.seed;
    r.candidate = candidate;
    return r;
  }

  std::string symbol(const KernelWorkload &w) const {
    return "loom_" + w.instance + "_" + abi::kIsas[isa].name;
  }

  /// Builds the candidate's kernel (cached) and links it into a shared
  /// object; the object's path, or "" with `log` set.
  std::string build(const KernelWorkload &w, const Schedule &s, std::string &log) const {
    std::vector<std::string> settings = w.params;
    for (const auto &[knob, value] : s)
      settings.push_back(knob + "=" + std::to_string(value));
    KernelJob job = kernelJob(abi::familyName(w.family), symbol(w), abi::kIsas[isa], settings,
                              tc, identity);
    if (!buildKernel(job, tc, log))
      return "";
    std::string so = workDir + "/" + llvm::sys::path::filename(job.cacheDir).str() + ".so";
    if (llvm::sys::fs::exists(so))
      return so;
    // Removed on Ctrl-C too (the records file keeps what was measured).
    llvm::sys::RemoveFileOnSignal(so);
    if (failed(runProcess({tc.cxx, "-shared", "-o", so, job.object(), runtimeObject}, log)))
      return "";
    return so;
  }

  /// Runs one call of `w`'s kernel in `so` `repeats` times; the default
  /// schedule saves its outputs to `reference`, every other candidate is
  /// compared with them. The median microseconds, or nullopt with `m` set.
  std::optional<double> runCall(const KernelWorkload &w, const std::string &so,
                                const KernelCall &call, const std::string &reference,
                                bool isDefault, int repeats, Measurement &m) const {
    if (isDefault)
      llvm::sys::RemoveFileOnSignal(reference);
    std::vector<std::string> argv = {
        tc.kernelTime, "--library=" + so, "--function=" + symbol(w),
        "--threads=" + std::to_string(o.threads), "--repeats=" + std::to_string(repeats),
        (isDefault ? "--save-outputs=" : "--compare=") + reference};
    argv.insert(argv.end(), call.harnessArgs.begin(), call.harnessArgs.end());
    std::string out, err;
    int rc = runCaptured(argv, kHarnessSeconds, out, err);
    if (rc != 0) {
      m.status = rc == 3 ? "wrong" : rc == -2 ? "timeout" : "crashed";
      m.error = rc == 3 ? out : err;
      return std::nullopt;
    }
    llvm::Expected<llvm::json::Value> json = llvm::json::parse(out);
    std::optional<double> median =
        json && json->getAsObject() ? json->getAsObject()->getNumber("median_us")
                                    : std::nullopt;
    if (!json)
      llvm::consumeError(json.takeError());
    if (!median) {
      m.status = "crashed";
      m.error = "loom-kernel-time printed no median: " + out;
    }
    return median;
  }

  /// Times every call of `w` with the kernel in `so`, after running it once
  /// on the probe calls: the same kernel at B = S = T = 1 (a decoding step's
  /// one-row calls), which a schedule must get right too though they are
  /// not timed. (Not the Adams2019 baseline: compile never takes it.)
  Measurement measure(const KernelWorkload &w, const std::string &so, bool isDefault,
                      bool withProbes = true) const {
    Measurement m;
    auto probe = probes.find(w.instance);
    if (withProbes && probe != probes.end())
      for (size_t i = 0; i < probe->second.size(); ++i)
        if (!runCall(w, so, probe->second[i],
                     workDir + "/" + w.key + ".probe" + std::to_string(i) + ".ref", isDefault,
                     1, m)) {
          m.error = "at B=S=T=1: " + m.error;
          return m;
        }
    for (size_t i = 0; i < w.calls.size(); ++i) {
      std::optional<double> median =
          runCall(w, so, w.calls[i], workDir + "/" + w.key + "." + std::to_string(i) + ".ref",
                  isDefault, o.repeats, m);
      if (!median)
        return m;
      m.micros += *median * double(w.calls[i].count);
    }
    return m;
  }

  /// A previous record (--resume) of this schedule, if any.
  const TuningRecord *find(const KernelWorkload &w, const Schedule &s) const {
    for (const TuningRecord &r : previous)
      if (r.kernel == w.instance && r.workload == w.key && r.isa == abi::kIsas[isa].name &&
          r.machine == machine && r.seed == o.seed && r.schedule == s)
        return &r;
    return nullptr;
  }

  std::string percent(const KernelWorkload &w, double micros) const {
    if (peakGflops <= 0 || w.flops() <= 0 || micros <= 0)
      return "";
    return llvm::formatv(" ({0:f1}% of peak)", w.flops() / (micros * 1e3) / peakGflops * 100)
        .str();
  }
};

/// One kernel's search; its records go to the records file as they come.
struct KernelSearch {
  Tuner &t;
  const KernelWorkload &w;
  ScheduleSearch search;
  double defaultMicros = 0;
  std::string defaultProblem; // why the default did not run, if it did not
  std::optional<double> adams2019Micros; // the autoscheduler's baseline, if timed
  std::string adams2019Status;           // its record's status ("" if not tried)
  int64_t tried = 0, failed = 0;

  KernelSearch(Tuner &t, const KernelWorkload &w)
      : t(t), w(w),
        search(searchSpace(w.family, t.isa),
               [&t, &w](const Schedule &s) { return admissible(w, t.isa, t.o.threads, s); },
               t.o.seed) {}

  /// Measures (or takes from --resume) a batch built in parallel; false if
  /// the records file cannot be written.
  bool runBatch(const std::vector<Schedule> &batch, std::string &error,
                bool baseline = false) {
    // The default (the first candidate) always runs: its outputs are the
    // reference of every other candidate, also when --resume has its time.
    auto runs = [&](size_t i) { return (tried == 0 && i == 0) || !t.find(w, batch[i]); };
    std::vector<std::string> objects(batch.size()), logs(batch.size());
    {
      llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
      for (size_t i = 0; i < batch.size(); ++i)
        if (runs(i))
          pool.async([&, i] { objects[i] = t.build(w, batch[i], logs[i]); });
      pool.wait();
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      TuningRecord r = t.record(w, batch[i], tried);
      if (const TuningRecord *seen = t.find(w, batch[i])) {
        r = *seen;
        if (tried == 0 && (objects[0].empty() || t.measure(w, objects[0], true).status != "ok"))
          r.status = "crashed"; // no reference: the search cannot go on
      } else {
        Measurement m = objects[i].empty()
                            ? Measurement{"build_failed", 0, logs[i]}
                            : t.measure(w, objects[i], tried == 0, /*withProbes=*/!baseline);
        r.status = m.status;
        r.medianMicros = m.micros;
        r.error = m.error;
        // The first candidate is the default: every record carries its time.
        r.defaultMicros = tried == 0 ? m.micros : defaultMicros;
        if (!appendRecords(t.o.recordsPath, {r}, error))
          return false;
        ++t.written;
      }
      if (tried == 0 && r.status == "ok")
        defaultMicros = r.medianMicros;
      else if (tried == 0)
        defaultProblem = r.status + ": " + llvm::StringRef(r.error).trim().take_back(600).str();
      ++tried;
      failed += r.status != "ok";
      std::optional<double> cost =
          r.status == "ok" ? std::optional<double>(r.medianMicros) : std::nullopt;
      if (baseline) { // outside the search's space: compared with, not bred from
        adams2019Micros = cost;
        adams2019Status = r.status;
      }
      else
        search.report(batch[i], cost);
    }
    return true;
  }

  void progress(const std::string &position, double remaining, bool final) const {
    auto best = search.best();
    std::string line = llvm::formatv("{0} {1}: {2} tried ({3} failed), best ", position,
                                     w.instance, tried, failed)
                           .str();
    line += best ? llvm::formatv("{0:f1} us{1}, default {2:f1} us", best->second,
                                 t.percent(w, best->second), defaultMicros)
                       .str()
                 : std::string("none");
    if (!final)
      line += ", ETA " + clock(remaining);
    static const bool tty = llvm::sys::Process::StandardErrIsDisplayed();
    llvm::errs() << (tty ? "\r\033[K" : "") << "loomc: " << line
                 << (final || !tty ? "\n" : "");
    llvm::errs().flush();
  }
};

double measurePeak(const Toolchain &tc, int threads) {
  if (tc.fmaPeak.empty() || !llvm::sys::fs::can_execute(tc.fmaPeak))
    return 0;
  std::string out, err;
  if (runCaptured({tc.fmaPeak, std::to_string(threads)}, 60, out, err) != 0)
    return 0;
  double peak = 0;
  llvm::StringRef(out).trim().split('=').second.getAsDouble(peak);
  return peak;
}

/// The first ISA of abi::kIsas this CPU has every feature of.
int cpuIsa(const Machine &m) {
  bool avx512 = llvm::StringRef(m.isaFeatures).contains("avx512bw") &&
                llvm::StringRef(m.isaFeatures).contains("avx512vl");
  return avx512 ? 0 : 1;
}

LogicalResult prepare(Tuner &t) {
  const TuneOptions &o = t.o;
  std::string error;
  if (llvm::sys::fs::exists(o.recordsPath)) {
    if (!o.resume) {
      llvm::errs() << "loomc: error: '" << o.recordsPath
                   << "' exists: give --resume to continue it, or another file\n";
      return failure();
    }
    if (!readRecords(o.recordsPath, t.previous, error)) {
      llvm::errs() << "loomc: error: " << error << "\n";
      return failure();
    }
  }
  // Writable before hours of work; a file made here goes again if the rest
  // of the preparation fails, so that the same command can simply be rerun.
  const bool created = !llvm::sys::fs::exists(o.recordsPath);
  if (!appendRecords(o.recordsPath, {}, error)) {
    llvm::errs() << "loomc: error: " << error << "\n";
    return failure();
  }
  bool prepared = false;
  auto removeCreated = llvm::make_scope_exit([&] {
    if (created && !prepared)
      llvm::sys::fs::remove(o.recordsPath);
  });
  FailureOr<std::string> identity = kernelgenIdentity(t.tc);
  if (failed(identity))
    return failure();
  t.identity = *identity;
  KernelJob runtime = halideRuntimeJob(t.tc, t.identity);
  std::string log;
  llvm::SmallString<128> dir;
  if (!buildKernel(runtime, t.tc, log)) {
    llvm::errs() << "loomc: error: cannot prepare the tuning: " << log << "\n";
    return failure();
  }
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory("loom-tune", dir)) {
    llvm::errs() << "loomc: error: cannot create the tuning's work directory in the "
                    "temporary directory: " << ec.message() << "\n";
    return failure();
  }
  t.runtimeObject = runtime.object();
  t.workDir = dir.str().str();
  if (t.workDir.size() < sizeof interruptedWorkDir) {
    std::memcpy(interruptedWorkDir, t.workDir.c_str(), t.workDir.size() + 1);
    llvm::sys::SetInterruptFunction(removeWorkDirAndDie);
  }

  t.peakGflops = measurePeak(t.tc, o.threads);
  prepared = true;
  return success();
}

} // namespace

LogicalResult loom::tuneKernels(ModuleOp module, const Toolchain &tc, const TuneOptions &o,
                                StringRef modelName) {
  Tuner t{tc, o, "", currentMachine(o.threads)};
  t.isa = cpuIsa(t.machine);
  std::vector<KernelWorkload> all = collectWorkloads(module, o.shapes, o.functions);
  for (KernelWorkload &w : collectWorkloads(module, TuningShapes{1, 1, 1}, o.functions))
    t.probes[w.instance] = std::move(w.calls);
  std::vector<const KernelWorkload *> tuned;
  for (const KernelWorkload &w : all) {
    if (!w.untunableWhy.empty())
      llvm::errs() << "loomc: note: " << w.instance << " keeps its default schedule: "
                   << w.untunableWhy << "\n";
    else
      tuned.push_back(&w);
  }
  if (tuned.empty()) {
    llvm::errs() << "loomc: error: '" << modelName << "' calls no kernel the tuner can time in "
                 << llvm::join(o.functions, ", ") << "\n";
    return failure();
  }
  if (failed(prepare(t)))
    return failure();
  // The work directory goes however the run ends (Ctrl-C: prepare's handler).
  auto removeWorkDir = llvm::make_scope_exit([&] {
    llvm::sys::SetInterruptFunction(nullptr);
    llvm::sys::fs::remove_directories(t.workDir);
  });
  const double start = now();
  llvm::errs() << llvm::formatv(
      "loomc: tuning {0} kernels of '{1}' ({2}, {3}, {4} threads, seed {5}) for {6:f0} s; FMA "
      "peak {7:f1} GFLOP/s\n",
      tuned.size(), modelName, abi::kIsas[t.isa].name, o.shapes.str(), o.threads, o.seed,
      o.budgetSeconds, t.peakGflops);

  // The defaults first: they are every candidate's reference, and their
  // times decide how the budget is shared.
  std::vector<std::unique_ptr<KernelSearch>> searches;
  std::string error;
  double total = 0;
  for (const KernelWorkload *w : tuned) {
    searches.push_back(std::make_unique<KernelSearch>(t, *w));
    KernelSearch &s = *searches.back();
    if (!s.runBatch(s.search.propose(1), error)) {
      llvm::errs() << "loomc: error: " << error << "\n";
      return failure();
    }
    if (s.defaultMicros <= 0) {
      llvm::errs() << "loomc: error: the default schedule of " << w->instance
                   << " did not run (" << s.defaultProblem << "); nothing is tuned\n";
      return failure();
    }
    total += s.defaultMicros;
    std::optional<Schedule> adams = adams2019Schedule(*w, t.isa);
    if (adams && !tc.adams2019.empty() && !s.runBatch({*adams}, error, /*baseline=*/true)) {
      llvm::errs() << "loomc: error: " << error << "\n";
      return failure();
    }
  }
  const double searchStart = now(), budget = std::max(0.0, o.budgetSeconds - (searchStart - start));
  const unsigned width = std::max(1u, llvm::hardware_concurrency().compute_thread_count());
  for (size_t k = 0; k < searches.size(); ++k) {
    KernelSearch &s = *searches[k];
    double share = budget * (kMinShare / searches.size() +
                             (1 - kMinShare) * s.defaultMicros / total);
    double begin = now();
    std::string position = llvm::formatv("[{0}/{1}]", k + 1, searches.size()).str();
    while (now() - begin < share) {
      std::vector<Schedule> batch = s.search.propose(width);
      if (batch.empty())
        break; // the space is exhausted
      if (!s.runBatch(batch, error)) {
        llvm::errs() << "\nloomc: error: " << error << "\n";
        return failure();
      }
      s.progress(position, std::max(0.0, share - (now() - begin)), false);
    }
    s.progress(position, 0, true);
  }

  llvm::outs() << "| kernel | calls | default us | tuned us | speedup | Adams2019 us | tried | "
                  "failed |\n"
               << "|---|---|---|---|---|---|---|---|\n";
  for (const auto &s : searches) {
    auto best = s->search.best();
    int64_t calls = 0;
    for (const KernelCall &c : s->w.calls)
      calls += c.count;
    std::string adams = s->adams2019Status.empty() ? "-" : s->adams2019Status;
    if (s->adams2019Micros)
      adams = llvm::formatv("{0:f1}{1}", *s->adams2019Micros,
                            t.percent(s->w, *s->adams2019Micros));
    llvm::outs() << llvm::formatv(
        "| {0} | {1} | {2:f1}{3} | {4:f1}{5} | {6:f2}x | {7} | {8} | {9} |\n", s->w.instance,
        calls, s->defaultMicros, t.percent(s->w, s->defaultMicros), best->second,
        t.percent(s->w, best->second), s->defaultMicros / best->second, adams, s->tried,
        s->failed);
  }
  llvm::errs() << llvm::formatv("loomc: {0} records appended to {1} in {2}\n", t.written,
                                o.recordsPath, clock(now() - start));
  return success();
}
