//===- OutputFile.cpp - The one way Loom writes a file --------------------===//

#include "loom/runtime/OutputFile.h"

#include "loom/runtime/MappedFile.h" // fileTypeName

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loom {

namespace {

Status cannotWrite(const std::string &path, const std::string &why) {
  return Status::io("cannot write '" + path + "': " + why);
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string nameOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// What an output path leads to.
struct Target {
  std::string directory; // canonical (realpath)
  std::string name;
  std::string file;      // directory + "/" + name
  bool exists = false;
  struct stat st = {};   // when it exists
};

/// Follows symbolic links from `path` and checks what is at the end: nothing
/// (a new file), or a regular file we may write. Only lstat, readlink,
/// realpath and access: nothing is opened, so a FIFO cannot block us and a
/// device sees no open().
Status resolveTarget(const std::string &path, Target &out) {
  if (path.empty())
    return cannotWrite(path, "the path is empty");
  std::string current = path;
  for (int hops = 0;; ++hops) {
    if (current.back() == '/')
      return cannotWrite(path, "'" + current + "' ends with '/', so it names a directory, "
                               "not a file");
    struct stat st;
    if (::lstat(current.c_str(), &st) != 0) {
      if (errno != ENOENT)
        return cannotWrite(path, "cannot stat '" + current + "': " + std::strerror(errno));
      out.exists = false; // a new file (possibly the target of a dangling link)
      break;
    }
    if (S_ISLNK(st.st_mode)) {
      if (hops == kMaxSymlinkHops)
        return cannotWrite(path, "more than " + std::to_string(kMaxSymlinkHops) +
                                     " symbolic links to follow");
      char buffer[PATH_MAX];
      ssize_t n = ::readlink(current.c_str(), buffer, sizeof buffer);
      if (n < 0)
        return cannotWrite(path, "cannot read symbolic link '" + current +
                                     "': " + std::strerror(errno));
      if (n == 0 || size_t(n) == sizeof buffer)
        return cannotWrite(path, "symbolic link '" + current + "' has an unusable target");
      std::string link(buffer, size_t(n));
      current = link[0] == '/' ? link : directoryOf(current) + "/" + link;
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      std::string what = current == path ? std::string("it is ") + fileTypeName(st.st_mode)
                                          : "it leads (through symbolic links) to '" + current +
                                                "', which is " + fileTypeName(st.st_mode);
      return cannotWrite(path, what + ", not a regular file; it was left untouched");
    }
    out.exists = true;
    out.st = st;
    break;
  }

  // The temporary file goes next to the file it replaces; a canonical
  // directory also makes two paths naming one file compare equal.
  std::string directory = directoryOf(current);
  char *real = ::realpath(directory.c_str(), nullptr);
  if (!real)
    return cannotWrite(path, "directory '" + directory + "': " + std::strerror(errno));
  out.directory = real;
  std::free(real);
  out.name = nameOf(current);
  out.file = (out.directory == "/" ? "" : out.directory) + "/" + out.name;
  if (out.exists && ::access(out.file.c_str(), W_OK) != 0)
    return cannotWrite(path, (out.file == path ? std::string("the file") : "'" + out.file + "'") +
                                 " is not writable (" + std::strerror(errno) +
                                 "); it was left untouched");
  if (!out.exists && ::access(out.directory.c_str(), W_OK | X_OK) != 0)
    return cannotWrite(path, "directory '" + out.directory + "' is not writable: " +
                                 std::strerror(errno));
  return Status();
}

Status writeAll(int fd, const ByteSpan *pieces, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const char *p = static_cast<const char *>(pieces[i].data);
    size_t left = pieces[i].size;
    while (left > 0) {
      ssize_t n = ::write(fd, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return Status::io(std::strerror(errno));
      }
      p += n;
      left -= size_t(n);
    }
  }
  return Status();
}

/// Makes a completed rename durable. Best effort: some file systems cannot
/// fsync a directory, and the file itself was already flushed.
void syncDirectory(const std::string &directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

} // namespace

StatusOr<std::string> checkOutputTarget(const std::string &path) {
  Target target;
  LOOM_RETURN_IF_ERROR(resolveTarget(path, target));
  return target.file;
}

StatusOr<OutputFile> OutputFile::create(const std::string &path) {
  Target target;
  LOOM_RETURN_IF_ERROR(resolveTarget(path, target));
  OutputFile file;
  file.path_ = path;
  file.target_ = target.file;
  file.directory_ = target.directory;

  // A hidden name derived from the target's (cut short so that it stays
  // within NAME_MAX), unique by process and counter; O_EXCL never reuses an
  // existing file, O_NOFOLLOW never follows a link planted under the name.
  static std::atomic<unsigned> counter{0};
  std::string stem = target.directory + (target.directory == "/" ? "." : "/.") +
                     target.name.substr(0, 100) + ".loom-tmp-" + std::to_string(::getpid()) + "-";
  int fd = -1;
  std::string temporary;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temporary = stem + std::to_string(counter++);
    // 0666 less the umask: a new file gets the permissions any program's would.
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0 && errno != EEXIST)
      return cannotWrite(path, "cannot create a temporary file in '" + target.directory +
                                   "': " + std::strerror(errno));
  }
  if (fd < 0)
    return cannotWrite(path, "cannot create a temporary file in '" + target.directory +
                                 "': every name tried exists");
  file.fd_ = fd;
  file.temporary_ = temporary;

  if (target.exists) {
    // Keep the replaced file's owner and group where we may set them (root,
    // or a group we belong to), then its permission bits (after the chown,
    // which may clear set-id bits).
    const struct stat &st = target.st;
    if (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) {
      if (::fchown(fd, st.st_uid, st.st_gid) != 0)
        (void)::fchown(fd, uid_t(-1), st.st_gid);
    }
    if (::fchmod(fd, st.st_mode & 07777) != 0) {
      int err = errno;
      file.discard();
      return cannotWrite(path, "cannot give the new file the permissions of the old one: " +
                                   std::string(std::strerror(err)));
    }
  }
  return StatusOr<OutputFile>(std::move(file));
}

OutputFile::OutputFile(OutputFile &&other) noexcept
    : path_(std::move(other.path_)), target_(std::move(other.target_)),
      directory_(std::move(other.directory_)), temporary_(std::move(other.temporary_)),
      fd_(other.fd_) {
  other.temporary_.clear();
  other.fd_ = -1;
}

OutputFile &OutputFile::operator=(OutputFile &&other) noexcept {
  if (this != &other) {
    discard();
    path_ = std::move(other.path_);
    target_ = std::move(other.target_);
    directory_ = std::move(other.directory_);
    temporary_ = std::move(other.temporary_);
    fd_ = other.fd_;
    other.temporary_.clear();
    other.fd_ = -1;
  }
  return *this;
}

OutputFile::~OutputFile() { discard(); }

void OutputFile::discard() {
  if (fd_ >= 0)
    ::close(fd_);
  fd_ = -1;
  if (!temporary_.empty())
    ::unlink(temporary_.c_str());
  temporary_.clear();
}

Status OutputFile::write(const ByteSpan *pieces, size_t count) {
  if (fd_ < 0)
    return Status::internal("cannot write '" + path_ + "': the file is already closed");
  Status written = writeAll(fd_, pieces, count);
  if (!written.ok()) {
    discard();
    return cannotWrite(path_, "write failed: " + written.message());
  }
  return Status();
}

Status OutputFile::close() {
  if (fd_ < 0)
    return temporary_.empty() ? Status::internal("cannot write '" + path_ + "': already published")
                              : Status();
  if (::fsync(fd_) != 0) {
    int err = errno;
    discard();
    return cannotWrite(path_, std::string("fsync failed: ") + std::strerror(err));
  }
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) {
    int err = errno;
    discard();
    return cannotWrite(path_, std::string("close failed: ") + std::strerror(err));
  }
  return Status();
}

Status OutputFile::prepare() {
  LOOM_RETURN_IF_ERROR(close());
  // The target again: it may have been replaced (by a FIFO, by a link
  // elsewhere) while the file was written.
  Target again;
  Status status = resolveTarget(path_, again);
  if (status.ok() && again.file != target_)
    status = cannotWrite(path_, "it now leads to '" + again.file + "' instead of '" + target_ +
                                    "'; it changed while the file was written");
  struct stat st;
  if (status.ok() && (::lstat(temporary_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)))
    status = cannotWrite(path_, "the temporary file '" + temporary_ +
                                    "' is gone or is no longer a regular file");
  if (!status.ok())
    discard();
  return status;
}

Status OutputFile::rename() {
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    discard();
    return cannotWrite(path_, std::string("rename failed: ") + std::strerror(err));
  }
  temporary_.clear();
  syncDirectory(directory_);
  return Status();
}

Status OutputFile::publish() {
  LOOM_RETURN_IF_ERROR(prepare());
  return rename();
}

Status publishAll(std::vector<OutputFile> &files) {
  // Everything that can be checked is checked for all files before the first
  // rename, so that a failure leaves every target as it was.
  for (OutputFile &file : files) {
    Status prepared = file.prepare();
    if (!prepared.ok()) {
      for (OutputFile &other : files)
        other.discard();
      return prepared;
    }
  }
  for (OutputFile &file : files) {
    Status renamed = file.rename();
    if (!renamed.ok()) {
      for (OutputFile &other : files)
        other.discard();
      return renamed;
    }
  }
  return Status();
}

Status writeFileAtomically(const std::string &path, const ByteSpan *pieces, size_t count) {
  StatusOr<OutputFile> file = OutputFile::create(path);
  if (!file.ok())
    return file.status();
  LOOM_RETURN_IF_ERROR(file->write(pieces, count));
  return file->publish();
}

} // namespace loom
