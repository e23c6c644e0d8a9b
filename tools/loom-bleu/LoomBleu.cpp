//===- LoomBleu.cpp - corpus BLEU of a hypothesis file --------------------===//
//
//   loom-bleu HYP_FILE REF_FILE   prints sacreBLEU's line for the two files
//   loom-bleu --tokens FILE       prints FILE's lines 13a-tokenised
//
// One hypothesis per reference line; the score is sacreBLEU's default
// (13a, exp smoothing; ../text/Bleu.h), so the line printed is the one
// `sacrebleu REF_FILE < HYP_FILE` prints. --tokens shows the tokens the
// n-grams are counted on, for checking against another implementation.
//
// Exit status: 0 done, 1 error (a file that cannot be read, line counts that
// differ), 2 usage error.
//
//===----------------------------------------------------------------------===//
#include "Bleu.h"
#include "loom/runtime/MappedFile.h" // fileTypeName

#include "loom/runtime/Decimal.h"
#include "loom/runtime/Status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using loom::Status;

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2;

const char *const kUsage =
    "usage: loom-bleu [--width=N] HYP_FILE REF_FILE\n"
    "       loom-bleu --tokens FILE\n"
    "\n"
    "Corpus BLEU of HYP_FILE against REF_FILE (one hypothesis per reference\n"
    "line; '-' reads stdin), as sacreBLEU computes it by default: 13a\n"
    "tokenisation, n-grams 1..4, 'exp' smoothing, one reference. Prints\n"
    "  BLEU = S P1/P2/P3/P4 (BP = B ratio = R hyp_len = H ref_len = L)\n"
    "with S to N decimals (--width, default 2, at most 17; as sacreBLEU's -w).\n"
    "--tokens prints FILE's lines 13a-tokenised instead (tokens joined by one\n"
    "space). Bytes that are not UTF-8 pass through.\n";

/// The lines of `path` ('-': stdin), split on '\n' only (as sacreBLEU opens
/// files with newline="\n"); a last line without '\n' counts.
Status readLines(const std::string &path, std::vector<std::string> &lines) {
  const bool isStdin = path == "-";
  const std::string name = isStdin ? "standard input" : "'" + path + "'";
  // A named file must be regular, checked before open: opening a FIFO
  // waits for a writer that may never come.
  struct stat named;
  if (!isStdin && ::stat(path.c_str(), &named) == 0 && !S_ISREG(named.st_mode) &&
      !S_ISDIR(named.st_mode))
    return Status::io(name + " is " + loom::fileTypeName(named.st_mode) + ", not a text file");
  int fd = isStdin ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Status::io("cannot open " + name + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    if (!isStdin)
      ::close(fd);
    return Status::io(name + " is a directory, not a text file");
  }
  std::string text;
  char buffer[1 << 16];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int error = errno;
      if (!isStdin)
        ::close(fd);
      return Status::io("cannot read " + name + ": " + std::strerror(error));
    }
    text.append(buffer, size_t(got));
  }
  if (!isStdin)
    ::close(fd);
  lines.clear();
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  if (start < text.size())
    lines.push_back(text.substr(start));
  return Status();
}

/// Writes `text` to stdout; a failed write (a closed pipe, a full disk) is an
/// error, not a silent truncation.
Status writeStdout(const std::string &text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
      std::fflush(stdout) != 0)
    return Status::io(std::string("cannot write to standard output: ") + std::strerror(errno));
  return Status();
}

Status printTokens(const std::string &path) {
  std::vector<std::string> lines;
  LOOM_RETURN_IF_ERROR(readLines(path, lines));
  std::string out;
  for (const std::string &line : lines) {
    const char *separator = "";
    for (const std::string &token : loom::bleu::tokenize13a(line)) {
      out.append(separator).append(token);
      separator = " ";
    }
    out += '\n';
  }
  return writeStdout(out);
}

Status printBleu(const std::string &hypPath, const std::string &refPath, int width) {
  std::vector<std::string> hyps, refs;
  LOOM_RETURN_IF_ERROR(readLines(hypPath, hyps));
  LOOM_RETURN_IF_ERROR(readLines(refPath, refs));
  if (hyps.size() != refs.size())
    return Status::invalidArgument(
        "hypothesis file '" + hypPath + "' has " + std::to_string(hyps.size()) +
        " lines but reference file '" + refPath + "' has " + std::to_string(refs.size()) +
        " (BLEU needs one hypothesis per reference line)");
  return writeStdout(loom::bleu::format(loom::bleu::corpusBleu(hyps, refs), width) + "\n");
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "loom-bleu: error: %s\nRun 'loom-bleu --help' for usage.\n",
               message.c_str());
  return kExitUsage;
}

int runMain(int argc, char **argv) {
  bool tokens = false;
  int width = 2;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (arg == "--tokens") {
      tokens = true;
    } else if (arg.rfind("--width=", 0) == 0) {
      uint64_t value = 0;
      if (!loom::parseDecimal(arg.substr(8), 17, value))
        return usageError("'" + arg + "': expected --width=N with N an integer in [0, 17]");
      width = int(value);
    } else if (arg.size() > 1 && arg[0] == '-') {
      return usageError("unknown flag '" + arg + "'");
    } else {
      files.push_back(arg);
    }
  }
  if (tokens && files.size() != 1)
    return usageError("--tokens takes exactly one FILE, got " + std::to_string(files.size()));
  if (!tokens && files.size() != 2)
    return usageError("expected HYP_FILE REF_FILE, got " + std::to_string(files.size()) +
                      " file argument" + (files.size() == 1 ? "" : "s"));
  if (!tokens && files[0] == "-" && files[1] == "-")
    return usageError("HYP_FILE and REF_FILE cannot both be '-' (standard input)");
  Status status = tokens ? printTokens(files[0]) : printBleu(files[0], files[1], width);
  if (!status.ok()) {
    std::fprintf(stderr, "loom-bleu: error: %s\n", status.message().c_str());
    return kExitError;
  }
  return kExitOk;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "loom-bleu: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "loom-bleu: error: internal error: %s\n", e.what());
  }
  return kExitError;
}
