//===- MappedFile.cpp - Read-only memory-mapped files ---------------------===//

#include "loom/runtime/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loom {

const char *fileTypeName(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFREG:
    return "a regular file";
  case S_IFDIR:
    return "a directory";
  case S_IFIFO:
    return "a FIFO";
  case S_IFCHR:
    return "a character device";
  case S_IFBLK:
    return "a block device";
  case S_IFSOCK:
    return "a socket";
  case S_IFLNK:
    return "a symbolic link";
  }
  return "an unknown kind of file";
}

StatusOr<MappedFile> MappedFile::open(const std::string &path) {
  auto notRegular = [&](const struct stat &st) {
    return Status::io("'" + path + "' is " + fileTypeName(st.st_mode) +
                      ", not a regular file");
  };
  // The type first, from the path: opening a FIFO for reading waits for a
  // writer, and opening a device can have effects of its own.
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::io("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return notRegular(st);
  // Then on the descriptor, in case the path was replaced in between.
  // O_NONBLOCK makes even that case return at once instead of hanging; it
  // changes nothing for a regular file, which is mapped, not read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return Status::io("cannot open '" + path + "': " + std::strerror(errno));
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::io("cannot stat '" + path + "': " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return notRegular(st);
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(st.st_size);
  if (file.size_ > 0) {
    void *p = ::mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return Status::io("cannot map '" + path + "': " + std::strerror(err));
    }
    file.data_ = static_cast<const uint8_t *>(p);
  }
  ::close(fd); // the mapping stays valid
  return StatusOr<MappedFile>(std::move(file));
}

MappedFile::MappedFile(MappedFile &&other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile &MappedFile::operator=(MappedFile &&other) noexcept {
  if (this != &other) {
    reset();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { reset(); }

void MappedFile::reset() {
  if (data_)
    ::munmap(const_cast<uint8_t *>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

} // namespace loom
