//===- Toolchain.cpp - what a library is built with -----------------------===//
#include "Codegen/Toolchain.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"

#include <cstdlib>
#include <mutex>

using namespace loom;

Toolchain Toolchain::fromBuild() {
  auto env = [](const char *name, const std::string &fallback) {
    const char *v = std::getenv(name);
    return std::string(v && *v ? v : fallback);
  };
  Toolchain t;
  t.kernelgen = env("LOOM_KERNELGEN", LOOM_DEFAULT_KERNELGEN);
  t.cxx = env("LOOM_CXX", LOOM_DEFAULT_CXX);
  t.kernelTime = env("LOOM_KERNEL_TIME", LOOM_DEFAULT_KERNEL_TIME);
  t.fmaPeak = env("LOOM_FMA_PEAK", LOOM_DEFAULT_FMA_PEAK);
  t.adams2019 = env("LOOM_ADAMS2019", LOOM_DEFAULT_ADAMS2019);
  t.runtimeLib = env("LOOM_RUNTIME_LIB", LOOM_DEFAULT_RUNTIME_LIB);
  t.exportsSource = env("LOOM_EXPORTS_SOURCE", LOOM_DEFAULT_EXPORTS_SOURCE);
  llvm::SmallVector<llvm::StringRef> dirs;
  llvm::StringRef(LOOM_DEFAULT_INCLUDE_DIRS).split(dirs, ':');
  for (llvm::StringRef d : dirs)
    t.includeDirs.push_back(d.str());
  const char *flags = std::getenv("LOOM_CXXFLAGS");
  llvm::SmallVector<llvm::StringRef> words;
  llvm::SplitString(flags ? flags : LOOM_DEFAULT_CXXFLAGS, words);
  for (llvm::StringRef w : words)
    t.cxxFlags.push_back(w.str());
  std::string home = env("HOME", "/tmp");
  std::string cacheHome = env("XDG_CACHE_HOME", home + "/.cache");
  t.kernelCache = env("LOOM_KERNEL_CACHE", cacheHome + "/loom/kernels");
  return t;
}

int loom::runCaptured(llvm::ArrayRef<std::string> argv, unsigned seconds,
                      std::string &out, std::string &err) {
  // The names are registered for removal on a signal before the files exist
  // (the child creates them): a Ctrl-C at any moment leaves none behind.
  llvm::SmallString<128> outPath, errPath;
  if (llvm::sys::fs::getPotentiallyUniqueTempFileName("loomc", "out", outPath) ||
      llvm::sys::fs::getPotentiallyUniqueTempFileName("loomc", "err", errPath)) {
    err = "no temporary file name for the output of " + argv[0];
    return -3;
  }
  // loomc builds in parallel: one lock orders every thread's (un)registering,
  // which TSan cannot see LLVM's own lazily created lock do.
  static std::mutex registering;
  {
    std::lock_guard<std::mutex> lock(registering);
    for (llvm::StringRef path : {outPath.str(), errPath.str()})
      llvm::sys::RemoveFileOnSignal(path);
  }
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, outPath.str(),
                                                errPath.str()};
  llvm::SmallVector<llvm::StringRef> args(argv.begin(), argv.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(argv[0], args, std::nullopt, redirects,
                                     seconds, 0, &message);
  if (auto text = llvm::MemoryBuffer::getFile(outPath))
    out = (*text)->getBuffer().str();
  if (auto text = llvm::MemoryBuffer::getFile(errPath))
    err = (*text)->getBuffer().take_back(4000).str();
  if (!message.empty())
    err += message;
  std::lock_guard<std::mutex> lock(registering);
  for (llvm::StringRef path : {outPath.str(), errPath.str()}) {
    llvm::sys::fs::remove(path);
    llvm::sys::DontRemoveFileOnSignal(path);
  }
  return rc;
}

mlir::LogicalResult loom::runProcess(llvm::ArrayRef<std::string> argv,
                                     std::string &log) {
  std::string out, err;
  if (runCaptured(argv, 0, out, err) == 0)
    return mlir::success();
  log = llvm::join(argv, " ") + "\n" +
        llvm::StringRef(out).take_back(2000).str() + err;
  return mlir::failure();
}
