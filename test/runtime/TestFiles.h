//===- TestFiles.h - Temporary files for runtime tests ----------*- C++ -*-===//
#ifndef LOOM_TEST_RUNTIME_TESTFILES_H
#define LOOM_TEST_RUNTIME_TESTFILES_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <csignal>
#include <dirent.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace loom::test {

/// A fresh directory, removed (with its files) at the end of the test.
class TempDir {
public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "loom-runtime-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!::mkdtemp(buf.data()))
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = buf.data();
  }
  ~TempDir() {
    for (const std::string &name : list()) // files, links, FIFOs, and empty dirs
      if (::unlink((path_ + "/" + name).c_str()) != 0)
        ::rmdir((path_ + "/" + name).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }
  std::vector<std::string> list() const {
    std::vector<std::string> names;
    if (DIR *d = ::opendir(path_.c_str())) {
      while (dirent *e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..")
          names.push_back(n);
      }
      ::closedir(d);
    }
    return names;
  }

private:
  std::string path_;
};

/// Ends the test program with a message if the scope takes longer than
/// `seconds`: a call that hangs (say, opening a FIFO for reading) fails the
/// run instead of blocking it forever.
class FailIfHung {
public:
  explicit FailIfHung(unsigned seconds) {
    struct sigaction action = {};
    action.sa_handler = [](int) {
      const char message[] = "FAILED: the call hung (FailIfHung timed out)\n";
      (void)!::write(2, message, sizeof message - 1);
      ::_exit(1);
    };
    ::sigaction(SIGALRM, &action, &previous_);
    ::alarm(seconds);
  }
  ~FailIfHung() {
    ::alarm(0);
    ::sigaction(SIGALRM, &previous_, nullptr);
  }

private:
  struct sigaction previous_ = {};
};

inline std::string readText(const std::string &path) {
  std::string text;
  if (FILE *f = std::fopen(path.c_str(), "rb")) {
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0)
      text.append(buffer, n);
    std::fclose(f);
  }
  return text;
}

inline void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  }
  std::fclose(f);
}

} // namespace loom::test

#endif // LOOM_TEST_RUNTIME_TESTFILES_H
