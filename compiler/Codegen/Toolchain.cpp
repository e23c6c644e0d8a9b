//===- Toolchain.cpp - what a library is built with -----------------------===//
#include "Codegen/Toolchain.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char **environ;

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

namespace {

/// A pipe whose ends close with it; both ends close-on-exec, so that no other
/// child (loomc builds in parallel) inherits one and keeps it open.
struct Pipe {
  int fd[2] = {-1, -1};
  bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
  void close(int end) {
    if (fd[end] >= 0)
      ::close(fd[end]);
    fd[end] = -1;
  }
  ~Pipe() {
    close(0);
    close(1);
  }
};

using Clock = std::chrono::steady_clock;

/// Milliseconds left until `deadline` for poll(), -1 without one.
int millisLeft(std::optional<Clock::time_point> deadline) {
  if (!deadline)
    return -1;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
  return int(std::max<int64_t>(0, left.count()));
}

/// How reading a child's output ended.
enum class ReadEnd { Closed, Deadline, PollFailed };

/// Reads the child's stdout and stderr until both close, `deadline` comes or
/// poll() fails (then errno says why).
ReadEnd readUntilClosed(Pipe &outPipe, Pipe &errPipe, std::string &out, std::string &err,
                        std::optional<Clock::time_point> deadline) {
  std::string *sinks[] = {&out, &err};
  pollfd fds[] = {{outPipe.fd[0], POLLIN, 0}, {errPipe.fd[0], POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    int ready = ::poll(fds, 2, millisLeft(deadline));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      return ReadEnd::PollFailed;
    if (ready == 0)
      return ReadEnd::Deadline;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !fds[i].revents)
        continue;
      char buffer[65536];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0)
        sinks[i]->append(buffer, size_t(n));
      else if (n == 0 || errno != EINTR)
        fds[i].fd = -1; // closed: poll ignores negative descriptors
    }
  }
  return ReadEnd::Closed;
}

/// Waits for `pid` to end and sets `status`; false if `deadline` came first.
/// (status stays unset where the child was not ours to wait for.)
bool waitUntilEnded(pid_t pid, std::optional<int> &status,
                    std::optional<Clock::time_point> deadline) {
  while (true) {
    int raw = 0;
    pid_t done = ::waitpid(pid, &raw, deadline ? WNOHANG : 0);
    if (done == pid)
      status = raw;
    if (done == pid || (done < 0 && errno != EINTR))
      return true;
    if (done == 0 && millisLeft(deadline) == 0)
      return false;
    if (done == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

} // namespace

// The output comes through pipes, not LLVM's ExecuteAndWait's redirection
// files: a child creates those itself, so a Ctrl-C while one starts could
// leave its file behind after the interrupt handler removed the name; and
// its time limit is alarm(), one per process, which parallel runs share.
int loom::runCaptured(llvm::ArrayRef<std::string> argv, unsigned seconds,
                      std::string &out, std::string &err) {
  out.clear();
  err.clear();
  Pipe outPipe, errPipe;
  if (!outPipe.open() || !errPipe.open()) {
    err = "no pipe for the output of " + argv[0] + ": " + std::strerror(errno);
    return -3;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, outPipe.fd[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, errPipe.fd[1], STDERR_FILENO);
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int spawned = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  outPipe.close(1);
  errPipe.close(1);
  if (spawned != 0) {
    err = "cannot run " + argv[0] + ": " + std::strerror(spawned);
    return -1;
  }
  std::optional<Clock::time_point> deadline;
  if (seconds)
    deadline = Clock::now() + std::chrono::seconds(seconds);
  std::optional<int> status;
  ReadEnd read = readUntilClosed(outPipe, errPipe, out, err, deadline);
  int pollErrno = errno;
  bool ended = read == ReadEnd::Closed && waitUntilEnded(pid, status, deadline);
  err = llvm::StringRef(err).take_back(4000).str();
  if (!ended) {
    ::kill(pid, SIGKILL);
    waitUntilEnded(pid, status, std::nullopt);
    if (read == ReadEnd::PollFailed) {
      err += "cannot read the output of " + argv[0] + ": " + std::strerror(pollErrno);
      return -1;
    }
    err += llvm::formatv("{0} timed out after {1} s", argv[0], seconds).str();
    return -2;
  }
  if (status && WIFEXITED(*status))
    return WEXITSTATUS(*status);
  if (status && WIFSIGNALED(*status))
    err += argv[0] + " ended by signal " + std::to_string(WTERMSIG(*status)) + " (" +
           ::strsignal(WTERMSIG(*status)) + ")";
  else
    err += "no exit status of " + argv[0];
  return -1;
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
