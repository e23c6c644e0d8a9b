//===- TestFiles.h - Temporary files for runtime tests ----------*- C++ -*-===//
#ifndef LOOM_TEST_RUNTIME_TESTFILES_H
#define LOOM_TEST_RUNTIME_TESTFILES_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
    for (const std::string &name : list())
      ::unlink((path_ + "/" + name).c_str());
    ::rmdir(path_.c_str());
  }
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
