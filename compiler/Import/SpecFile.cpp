//===- SpecFile.cpp - reading a spec file ---------------------------------===//
//
// A spec path may name anything: a FIFO (opening it for reading blocks until
// a writer comes, reading it may never end), /dev/zero (endless), a
// directory, a 2 GB file. The file is therefore opened with O_NONBLOCK (so
// opening a FIFO returns at once), checked with fstat on that descriptor (so
// what is checked is what is read), and only a regular file no larger than
// kMaxSpecBytes is read, at most kMaxSpecBytes + 1 bytes of it: a file that
// grows meanwhile, or one that reports size 0 (as /proc files do) and is
// larger, is still refused.
//
//===----------------------------------------------------------------------===//
#include "Import/ModelSpec.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace {

/// What a non-regular file is, for the message.
const char *fileKind(mode_t mode) {
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO (named pipe)";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

std::string tooLarge(StringRef path, const Twine &size) {
  return ("'" + path + "' is " + size + ": a spec may be at most " +
          Twine(loom::kMaxSpecBytes) + " bytes (1 MiB)")
      .str();
}

} // namespace

std::unique_ptr<MemoryBuffer> loom::readSpecFile(StringRef path,
                                                 std::string &error) {
  std::string name = path.str();
  auto fail = [&](const Twine &message) {
    error = message.str();
    return nullptr;
  };
  auto systemError = [&](const char *what) {
    return fail("cannot " + Twine(what) + " '" + path +
                "': " + std::strerror(errno));
  };
  auto notRegular = [&](mode_t mode) {
    return fail("'" + path + "' is " + fileKind(mode) +
                ", not a regular file: a spec must be a regular file");
  };

  // Refuse what is plainly not a regular file without opening it: opening a
  // device can have effects of its own.
  struct stat st;
  if (::stat(name.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    return notRegular(st.st_mode);

  int fd;
  do
    fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return systemError("open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  if (::fstat(fd, &st) != 0)
    return systemError("stat");
  if (!S_ISREG(st.st_mode))
    return notRegular(st.st_mode);
  if (uint64_t(st.st_size) > kMaxSpecBytes)
    return fail(tooLarge(path, Twine(uint64_t(st.st_size)) + " bytes"));
  // A regular file: blocking reads from here on.
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    return systemError("read");

  std::string text;
  text.resize(kMaxSpecBytes + 1);
  size_t size = 0;
  while (size < text.size()) {
    ssize_t got = ::read(fd, &text[size], text.size() - size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return systemError("read");
    if (got == 0)
      break;
    size += size_t(got);
  }
  if (size > kMaxSpecBytes)
    return fail(tooLarge(path, "more than " + Twine(kMaxSpecBytes) +
                                   " bytes"));
  text.resize(size);
  return MemoryBuffer::getMemBufferCopy(text, path);
}
