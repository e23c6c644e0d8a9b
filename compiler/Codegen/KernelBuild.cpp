//===- KernelBuild.cpp - loom-kernelgen runs and their cache --------------===//
#include "Codegen/KernelBuild.h"

#include "loom_kernel/LoomKernelOps.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <mutex>

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

FailureOr<std::string> loom::kernelgenIdentity(const Toolchain &tc) {
  std::string out, err;
  if (int rc = runCaptured({tc.kernelgen, "--identity"}, 0, out, err)) {
    llvm::errs() << "loomc: error: '" << tc.kernelgen << " --identity' failed"
                 << (rc > 0 ? " with exit status " + std::to_string(rc) : "")
                 << (err.empty() ? "" : ": ") << llvm::StringRef(err).trim() << "\n";
    return failure();
  }
  return llvm::StringRef(out).trim().str();
}

namespace {

/// key=value for every entry of a dictionary of ints and strings.
void appendParams(DictionaryAttr dict, std::vector<std::string> &argv) {
  for (NamedAttribute entry : dict) {
    std::string value;
    if (auto text = dyn_cast<StringAttr>(entry.getValue()))
      value = text.str();
    else
      value = std::to_string(cast<IntegerAttr>(entry.getValue()).getInt());
    argv.push_back((entry.getName().strref() + "=" + value).str());
  }
}

KernelJob makeJob(std::string label, std::string symbol,
                  std::vector<std::string> argv, const Toolchain &tc,
                  StringRef identity) {
  std::string key = llvm::join(argv, " ") + "\n" + identity.str();
  std::string dir =
      tc.kernelCache + "/" + llvm::utohexstr(llvm::xxh3_64bits(key));
  return {std::move(label), std::move(symbol), std::move(argv), dir};
}

} // namespace

KernelJob loom::kernelJob(StringRef family, StringRef symbol, const abi::Isa &isa,
                         ArrayRef<std::string> settings, const Toolchain &tc,
                         StringRef identity) {
  std::vector<std::string> argv = {tc.kernelgen, "-g", family.str(), "-f", symbol.str(),
                                   "-e", "o,h", std::string("target=") + isa.halideTarget};
  argv.insert(argv.end(), settings.begin(), settings.end());
  // scheduler=2 (KernelParams.def): Halide's Adams2019 autoscheduler plans
  // for this machine's threads.
  if (llvm::is_contained(settings, "scheduler=2"))
    argv.insert(argv.end(),
                {"-p", tc.adams2019, "-s", "Adams2019", "auto_schedule=true",
                 "machine_params=" +
                     std::to_string(llvm::hardware_concurrency().compute_thread_count()) +
                     ",33554432,40"});
  std::string label = symbol.str();
  return makeJob(label, symbol.str(), argv, tc, identity);
}

KernelJob loom::halideRuntimeJob(const Toolchain &tc, StringRef identity) {
  return makeJob("Halide runtime", "loom_halide_runtime",
                 {tc.kernelgen, "-r", "loom_halide_runtime", "-e", "o",
                  std::string("target=") + LOOM_HALIDE_RUNTIME_TARGET},
                 tc, identity);
}

std::vector<KernelJob> loom::kernelJobs(ModuleOp module, const Toolchain &tc,
                                        StringRef identity) {
  std::vector<KernelJob> jobs;
  for (InstanceOp instance : module.getOps<InstanceOp>())
    for (const abi::Isa &isa : abi::kIsas) {
      std::string symbol =
          ("loom_" + instance.getSymName() + "_" + isa.name).str();
      std::vector<std::string> settings;
      appendParams(instance.getParams(), settings);
      appendParams(instance.getSchedule(isa.name), settings);
      jobs.push_back(kernelJob(instance.getFamily(), symbol, isa, settings, tc, identity));
      jobs.back().label = (instance.getSymName() + " (" + isa.name + ")").str();
    }
  jobs.push_back(halideRuntimeJob(tc, identity));
  return jobs;
}

/// Creates the kernel cache with its parents (a fresh home has no ~/.cache);
/// false with `log` set on failure.
static bool makeKernelCache(const Toolchain &tc, std::string &log) {
  if (std::error_code ec = llvm::sys::fs::create_directories(tc.kernelCache)) {
    log = "cannot create the kernel cache '" + tc.kernelCache + "': " + ec.message();
    return false;
  }
  return true;
}

bool loom::buildKernel(const KernelJob &job, const Toolchain &tc, std::string &log) {
  if (llvm::sys::fs::exists(job.object()))
    return true;
  if (!makeKernelCache(tc, log))
    return false;
  llvm::SmallString<128> tmp;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory(job.cacheDir + ".tmp", tmp)) {
    log = "cannot create a directory in the kernel cache '" + tc.kernelCache +
          "': " + ec.message();
    return false;
  }
  std::vector<std::string> argv = job.argv;
  argv.insert(argv.end(), {"-o", tmp.str().str()});
  bool ok = succeeded(runProcess(argv, log));
  if (ok && llvm::sys::fs::rename(tmp, job.cacheDir) &&
      !llvm::sys::fs::exists(job.object()))
    ok = false; // neither ours nor a concurrent loomc's result is there
  llvm::sys::fs::remove_directories(tmp);
  return ok;
}

LogicalResult loom::buildKernels(ArrayRef<KernelJob> jobs, const Toolchain &tc,
                                 StringRef modelName) {
  std::string error;
  if (!makeKernelCache(tc, error)) { // (buildKernel too): one error, not one per job
    llvm::errs() << "loomc: error: " << error << "\n";
    return failure();
  }
  std::vector<const KernelJob *> missing;
  for (const KernelJob &job : jobs)
    if (!llvm::sys::fs::exists(job.object()))
      missing.push_back(&job);
  llvm::errs() << llvm::formatv(
      "loomc: {0} kernels for '{1}': {2} cached, {3} to generate\n",
      jobs.size(), modelName, jobs.size() - missing.size(), missing.size());
  std::mutex mutex;
  int done = 0;
  std::string failures;
  llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
  for (const KernelJob *job : missing)
    pool.async([&, job] {
      std::string log;
      bool ok = buildKernel(*job, tc, log);
      std::lock_guard<std::mutex> lock(mutex);
      if (!ok)
        failures += "kernel " + job->label + " failed:\n" + log + "\n";
      else
        llvm::errs() << llvm::formatv("loomc: [{0}/{1}] generated {2}\n",
                                      ++done, missing.size(), job->label);
    });
  pool.wait();
  if (failures.empty())
    return success();
  llvm::errs() << "loomc: error: " << failures;
  return failure();
}
