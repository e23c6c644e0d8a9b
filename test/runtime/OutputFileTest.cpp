//===- OutputFileTest.cpp - The one writer, and files Loom must not read --===//
//
// Special files are made in a temporary directory (mkfifo, a socket, a
// directory); the real /dev/null is never a target here.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/CApi.h"
#include "loom/runtime/MappedFile.h"
#include "loom/runtime/OutputFile.h"
#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include "Npy.h" // runtime/loom-run
#include "TestFiles.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace loom;

namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

Status writeText(const std::string &path, const std::string &text) {
  ByteSpan piece{text.data(), text.size()};
  return writeFileAtomically(path, &piece, 1);
}

/// st_mode of `path` without following a link (0 if it does not exist).
mode_t lmode(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 ? st.st_mode : 0;
}

std::string linkTarget(const std::string &path) {
  char buffer[4096];
  ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer);
  return n < 0 ? "" : std::string(buffer, size_t(n));
}

mode_t currentUmask() {
  mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

/// A bound Unix socket at `path` (closed at once; the file stays).
void makeSocket(const std::string &path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address = {};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof address.sun_path);
  std::strcpy(address.sun_path, path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0) << path;
  ::close(fd);
}

} // namespace

TEST(OutputFile, WritesANewRegularFileWithTheUmasksMode) {
  test::TempDir dir;
  std::string path = dir.file("new.bin");
  ASSERT_TRUE(writeText(path, "hello").ok());
  EXPECT_EQ(test::readText(path), "hello");
  EXPECT_TRUE(S_ISREG(lmode(path)));
  EXPECT_EQ(lmode(path) & 07777, 0666 & ~currentUmask()) << "as any created file";
  EXPECT_EQ(dir.list(), std::vector<std::string>{"new.bin"}) << "no temporary file left";
}

TEST(OutputFile, KeepsAnExistingFilesPermissions) {
  test::TempDir dir;
  for (mode_t mode : {0640, 0600, 0755, 0604}) {
    std::string path = dir.file("kept.bin");
    ASSERT_TRUE(writeText(path, "old").ok());
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    Status s = writeText(path, "new contents");
    ASSERT_TRUE(s.ok()) << s.toString();
    EXPECT_EQ(test::readText(path), "new contents");
    EXPECT_EQ(lmode(path) & 07777, mode) << std::oct << mode;
  }
  EXPECT_EQ(dir.list(), std::vector<std::string>{"kept.bin"});
}

TEST(OutputFile, RefusesAFifoWithoutOpeningIt) {
  test::TempDir dir;
  std::string fifo = dir.file("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  test::FailIfHung guard(20); // opening the FIFO to write would block
  Status s = writeText(fifo, "data");
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_EQ(s.message(), "cannot write '" + fifo +
                             "': it is a FIFO, not a regular file; it was left untouched");
  EXPECT_TRUE(S_ISFIFO(lmode(fifo))) << "still a FIFO";
  EXPECT_EQ(dir.list(), std::vector<std::string>{"fifo"}) << "nothing created";
  // The check alone says the same.
  StatusOr<std::string> checked = checkOutputTarget(fifo);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.status().message(), s.message());
}

TEST(OutputFile, RefusesDirectoriesSocketsAndMissingDirectories) {
  test::TempDir dir;
  std::string sub = dir.file("sub"), socket = dir.file("sock");
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  makeSocket(socket);
  Status s = writeText(sub, "x");
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(s.message(), "cannot write '" + sub + "': it is a directory, not a regular file");
  EXPECT_CONTAINS(writeText(socket, "x").message(), "it is a socket, not a regular file");
  EXPECT_CONTAINS(writeText(sub + "/", "x").message(), "ends with '/'");
  EXPECT_CONTAINS(writeText(dir.file("missing/out.npy"), "x").message(),
                  "cannot write '" + dir.file("missing/out.npy") + "': directory '" +
                      dir.file("missing") + "': No such file or directory");
  EXPECT_CONTAINS(writeText("", "x").message(), "the path is empty");
  EXPECT_TRUE(S_ISDIR(lmode(sub)));
  EXPECT_TRUE(S_ISSOCK(lmode(socket)));
  EXPECT_EQ(sorted(dir.list()), (std::vector<std::string>{"sock", "sub"}));
  struct stat st;
  EXPECT_NE(::stat(dir.file("missing").c_str(), &st), 0) << "no directory created";
}

TEST(OutputFile, WritesThroughSymbolicLinks) {
  test::TempDir dir;
  std::string real = dir.file("real.bin"), link = dir.file("link"), chain = dir.file("chain");
  ASSERT_TRUE(writeText(real, "old").ok());
  ASSERT_EQ(::chmod(real.c_str(), 0640), 0);
  ASSERT_EQ(::symlink("real.bin", link.c_str()), 0); // relative to the link's directory
  ASSERT_EQ(::symlink(link.c_str(), chain.c_str()), 0);
  Status s = writeText(chain, "through two links");
  ASSERT_TRUE(s.ok()) << s.toString();
  EXPECT_TRUE(S_ISLNK(lmode(link)));
  EXPECT_TRUE(S_ISLNK(lmode(chain)));
  EXPECT_EQ(linkTarget(link), "real.bin");
  EXPECT_EQ(test::readText(real), "through two links");
  EXPECT_EQ(lmode(real) & 07777, 0640u) << "the linked file's permissions are kept";
  StatusOr<std::string> target = checkOutputTarget(chain);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(*target, *checkOutputTarget(real)) << "both name one file";

  // A dangling link creates the file it names.
  std::string dangling = dir.file("dangling");
  ASSERT_EQ(::symlink("created.bin", dangling.c_str()), 0);
  ASSERT_TRUE(writeText(dangling, "created").ok());
  EXPECT_TRUE(S_ISLNK(lmode(dangling)));
  EXPECT_EQ(test::readText(dir.file("created.bin")), "created");
  EXPECT_EQ(sorted(dir.list()),
            (std::vector<std::string>{"chain", "created.bin", "dangling", "link", "real.bin"}));
}

TEST(OutputFile, ALinkToSomethingElseIsRefusedLikeItsTarget) {
  test::TempDir dir;
  std::string fifo = dir.file("fifo"), link = dir.file("null-like");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  ASSERT_EQ(::symlink("fifo", link.c_str()), 0);
  test::FailIfHung guard(20);
  Status s = writeText(link, "x");
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(s.message(), "cannot write '" + link + "': it leads (through symbolic links) to '" +
                                   dir.file("fifo") + "', which is a FIFO, not a regular file");
  EXPECT_TRUE(S_ISLNK(lmode(link)));
  EXPECT_TRUE(S_ISFIFO(lmode(fifo)));
  EXPECT_EQ(sorted(dir.list()), (std::vector<std::string>{"fifo", "null-like"}));

  std::string a = dir.file("a"), b = dir.file("b");
  ASSERT_EQ(::symlink("b", a.c_str()), 0);
  ASSERT_EQ(::symlink("a", b.c_str()), 0);
  EXPECT_CONTAINS(writeText(a, "x").message(), "more than 40 symbolic links to follow");
}

TEST(OutputFile, AFailedWriteLeavesTheTargetAndNoTemporaryFile) {
  test::TempDir dir;
  std::string path = dir.file("target.bin");
  ASSERT_TRUE(writeText(path, "the old contents").ok());
  // A file size limit makes the write fail part-way, as a full disk would.
  struct rlimit old;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit limited = old;
  limited.rlim_cur = 4096;
  void (*oldHandler)(int) = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string big(100000, 'x');
  Status s = writeText(path, big);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, oldHandler);
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(s.message(), "cannot write '" + path + "': write failed: File too large");
  EXPECT_EQ(test::readText(path), "the old contents");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"target.bin"}) << "the temporary file is removed";
}

TEST(OutputFile, NothingAppearsUntilPublished) {
  test::TempDir dir;
  std::string path = dir.file("out.bin");
  {
    StatusOr<OutputFile> file = OutputFile::create(path);
    ASSERT_TRUE(file.ok()) << file.status().toString();
    std::string text = "staged";
    ByteSpan piece{text.data(), text.size()};
    ASSERT_TRUE(file->write(&piece, 1).ok());
    EXPECT_EQ(lmode(path), 0u) << "not there before publish()";
    EXPECT_EQ(file->temporaryPath().rfind(dir.path() + "/.out.bin.loom-tmp-", 0), 0u)
        << file->temporaryPath();
  } // destroyed unpublished
  EXPECT_TRUE(dir.list().empty()) << "an unpublished file leaves nothing";

  StatusOr<OutputFile> file = OutputFile::create(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->close().ok());
  // Another writer may fill the staged file by its path (loom-run has the
  // library's NAME_save_weights write there); publish() renames it.
  ASSERT_TRUE(writeText(file->temporaryPath(), "by path").ok());
  ASSERT_TRUE(file->publish().ok());
  EXPECT_EQ(test::readText(path), "by path");
  EXPECT_EQ(file->temporaryPath(), "");
  EXPECT_EQ(dir.list(), std::vector<std::string>{"out.bin"});
}

TEST(OutputFile, PublishAllIsAllOrNothing) {
  test::TempDir dir;
  std::string a = dir.file("a.npy"), b = dir.file("b.safetensors");
  ASSERT_TRUE(writeText(a, "old a").ok());
  std::vector<OutputFile> files;
  for (const std::string &path : {a, b}) {
    StatusOr<OutputFile> file = OutputFile::create(path);
    ASSERT_TRUE(file.ok());
    std::string text = "new " + path;
    ByteSpan piece{text.data(), text.size()};
    ASSERT_TRUE(file->write(&piece, 1).ok());
    files.push_back(std::move(file).value());
  }
  // b's target turns into a directory before publishing: nothing changes.
  ASSERT_EQ(::mkdir(b.c_str(), 0755), 0);
  Status s = publishAll(files);
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(s.message(), "cannot write '" + b + "': it is a directory");
  EXPECT_EQ(test::readText(a), "old a") << "a was not published either";
  EXPECT_EQ(sorted(dir.list()), (std::vector<std::string>{"a.npy", "b.safetensors"}))
      << "no temporary file left";
  ASSERT_EQ(::rmdir(b.c_str()), 0);

  files.clear();
  for (const std::string &path : {a, b}) {
    StatusOr<OutputFile> file = OutputFile::create(path);
    ASSERT_TRUE(file.ok());
    std::string text = "new";
    ByteSpan piece{text.data(), text.size()};
    ASSERT_TRUE(file->write(&piece, 1).ok());
    files.push_back(std::move(file).value());
  }
  ASSERT_TRUE(publishAll(files).ok());
  EXPECT_EQ(test::readText(a), "new");
  EXPECT_EQ(test::readText(b), "new");
}

namespace {
void describeTiny(ModelDescription *d) {
  describe::info(d, "tiny", "encoder", 2, 1, 4, 1, 0, 5, 0, 4, 0, 1, 2);
  describe::weight(d, "norm.weight", false, 2);
}
const ModelDescription kTiny = describeModel(describeTiny);
} // namespace

TEST(OutputFile, EveryWriterFollowsTheRules) {
  test::TempDir dir;
  std::string fifo = dir.file("fifo"), sub = dir.file("sub");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  test::FailIfHung guard(20);
  float values[2] = {1, 2};
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addF32("w", {2}, values).ok());
  loom_model *model = nullptr;
  ASSERT_EQ(capi::createSeeded(kTiny, 1, 1, &model), LOOM_OK);
  for (const std::string &target : {fifo, sub}) {
    EXPECT_CONTAINS(writer.write(target).message(), "cannot write '" + target + "': it is a");
    EXPECT_CONTAINS(writeNpy(target, {2}, values).message(), "cannot write '" + target + "': it is a");
    EXPECT_EQ(capi::saveWeights(model, target.c_str()), LOOM_ERROR_IO); // NAME_save_weights
    EXPECT_CONTAINS(loom_last_error(), "cannot write '" + target + "': it is a");
  }
  EXPECT_TRUE(S_ISFIFO(lmode(fifo)));
  EXPECT_TRUE(S_ISDIR(lmode(sub)));
  EXPECT_EQ(sorted(dir.list()), (std::vector<std::string>{"fifo", "sub"}));

  // Through a link, keeping the linked file's mode.
  std::string real = dir.file("w.safetensors"), link = dir.file("link.safetensors");
  ASSERT_TRUE(writeText(real, "old").ok());
  ASSERT_EQ(::chmod(real.c_str(), 0640), 0);
  ASSERT_EQ(::symlink("w.safetensors", link.c_str()), 0);
  ASSERT_EQ(capi::saveWeights(model, link.c_str()), LOOM_OK) << loom_last_error();
  EXPECT_TRUE(S_ISLNK(lmode(link)));
  EXPECT_EQ(lmode(real) & 07777, 0640u);
  StatusOr<SafetensorsReader> saved = SafetensorsReader::open(link);
  ASSERT_TRUE(saved.ok()) << saved.status().toString();
  EXPECT_EQ(saved->f32("norm.weight")[0], 1.0f);
  capi::destroy(model);
}

// Reading: a file that is not a regular one is refused before any read, and
// a FIFO never makes the reader wait for a writer.
TEST(InputFiles, NonRegularFilesAreRefusedWithoutHanging) {
  test::TempDir dir;
  std::string fifo = dir.file("fifo"), sub = dir.file("sub"), socket = dir.file("sock");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0);
  makeSocket(socket);
  test::FailIfHung guard(20);

  StatusOr<MappedFile> mapped = MappedFile::open(fifo);
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.status().code(), LOOM_ERROR_IO);
  EXPECT_EQ(mapped.status().message(), "'" + fifo + "' is a FIFO, not a regular file");
  EXPECT_EQ(MappedFile::open(sub).status().message(),
            "'" + sub + "' is a directory, not a regular file");
  EXPECT_EQ(MappedFile::open(socket).status().message(),
            "'" + socket + "' is a socket, not a regular file");

  StatusOr<SafetensorsReader> weights = SafetensorsReader::open(fifo);
  ASSERT_FALSE(weights.ok());
  EXPECT_EQ(weights.status().code(), LOOM_ERROR_IO);
  EXPECT_EQ(weights.status().message(),
            "weights file '" + fifo + "': '" + fifo + "' is a FIFO, not a regular file");
  loom_model *model = nullptr;
  EXPECT_EQ(capi::create(kTiny, fifo.c_str(), 1, &model), LOOM_ERROR_IO); // NAME_create
  EXPECT_EQ(model, nullptr);
  EXPECT_CONTAINS(loom_last_error(), "is a FIFO, not a regular file");

  StatusOr<NpyArray> npy = readNpy(fifo);
  ASSERT_FALSE(npy.ok());
  EXPECT_EQ(npy.status().message(),
            "npy file '" + fifo + "': '" + fifo + "' is a FIFO, not a regular file");
  EXPECT_CONTAINS(readNpy(sub).status().message(), "is a directory, not a regular file");

  // A regular file reached through a link is fine.
  std::string real = dir.file("x.npy"), link = dir.file("link.npy");
  float v[2] = {3, 4};
  ASSERT_TRUE(writeNpy(real, {2}, v).ok());
  ASSERT_EQ(::symlink("x.npy", link.c_str()), 0);
  StatusOr<NpyArray> linked = readNpy(link);
  ASSERT_TRUE(linked.ok()) << linked.status().toString();
  EXPECT_EQ(linked->f32()[1], 4.0f);
}
