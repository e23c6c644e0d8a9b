// loom-kernelgen --identity: a hash of this executable's bytes and of the
// Halide library it loaded, so a kernel cache keyed by it is invalidated when
// either the Generators or Halide change.
#include "KernelGenModes.h"

#include <Halide.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace loom::halide {

namespace {

inline uint64_t mixWord(uint64_t lane, uint64_t word) {
  // xor, then multiply by an odd constant and rotate: each step is a bijection
  // of the lane for a given word, so a file that differs in one word always
  // hashes differently; the rotation carries high bits down.
  uint64_t x = (lane ^ word) * 0x9E3779B97F4A7C15ull;
  return (x << 29) | (x >> 35);
}

/// Folds the bytes of `data` into `h`, 32 bytes a step in four independent
/// lanes (a byte-at-a-time hash of libHalide's 25 MB would take ~0.1 s).
uint64_t hashBytes(const unsigned char *data, size_t size, uint64_t h) {
  uint64_t lanes[4] = {h, h ^ 1, h ^ 2, h ^ 3};
  size_t at = 0;
  for (; at + 32 <= size; at += 32)
    for (int j = 0; j < 4; ++j) {
      uint64_t word;
      std::memcpy(&word, data + at + 8 * j, 8);
      lanes[j] = mixWord(lanes[j], word);
    }
  for (; at < size; ++at) lanes[0] = mixWord(lanes[0], data[at]);
  uint64_t out = size;
  for (uint64_t lane : lanes) out = mixWord(out, lane);
  return out;
}

/// hashBytes over the file at `path`; false if it cannot be read.
bool hashFile(const char *path, uint64_t &h) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = fstat(fd, &st) == 0;
  if (ok && st.st_size > 0) {
    void *map = mmap(nullptr, st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ok = map != MAP_FAILED;
    if (ok) {
      h = hashBytes(static_cast<const unsigned char *>(map), st.st_size, h);
      munmap(map, st.st_size);
    }
  }
  close(fd);
  return ok;
}

}  // namespace

int printIdentity() {
  Dl_info halide;
  if (!dladdr(reinterpret_cast<void *>(&Halide::Internal::generate_filter_main), &halide) ||
      !halide.dli_fname) {
    std::fprintf(stderr, "loom-kernelgen: cannot locate the Halide library: %s\n", dlerror());
    return 1;
  }
  uint64_t h = 0x4c6f6f6d4b47ull;  // "LoomKG"
  for (const char *path : {"/proc/self/exe", halide.dli_fname})
    if (!hashFile(path, h)) {
      std::fprintf(stderr, "loom-kernelgen: cannot read %s: %s\n", path, std::strerror(errno));
      return 1;
    }
  std::printf("%016" PRIx64 "\n", h);
  return 0;
}

}  // namespace loom::halide
