//===- OutputFile.h - The one way Loom writes a file ------------*- C++ -*-===//
//
// Every file Loom writes goes through here: safetensors weights
// (SafetensorsWriter, hence NAME_save_weights), loom-run's .npy outputs and
// its staged --save-weights. The rules, the same for all of them:
//
//  - A target that exists and is not a regular file (a directory, a FIFO, a
//    socket, a device such as /dev/null) is refused with LOOM_ERROR_IO
//    naming it, and nothing is created or changed. (A plain "write a
//    temporary file, rename it over the target" would replace /dev/null
//    itself when run as root.) An existing target the caller may not write
//    (access(W_OK)) is refused the same way.
//  - Symbolic links are written THROUGH, never replaced: a link (or a chain
//    of links, at most kMaxSymlinkHops) at the target is followed to the
//    file it names, and that file is checked and replaced like any target;
//    the link stays a link. This is what shell redirection and `cp` do, and
//    it keeps whatever the link's owner set up (a link to /dev/null is
//    refused, as /dev/null is). A dangling link creates the file it names.
//  - The bytes go to a temporary file in the directory of the (resolved)
//    target, created with O_EXCL and the target's permission bits
//    (mode & 07777; its owner and group too where the caller may set them),
//    or for a new file 0666 less the umask like any created file. The
//    temporary file is flushed with fsync and renamed over the target only
//    once complete, so a reader sees the old file or the new one, never a
//    part of it.
//  - On any failure the temporary file is removed and the target is left
//    as it was.
//
// Known limits: a target with several hard links is replaced by a new file
// under its name (its other links keep the old contents), as with every
// atomic writer; the checks and the rename are separate steps, so a target
// swapped for something else in between can still be replaced (the checks
// are repeated just before the rename to keep that window small).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_OUTPUTFILE_H
#define LOOM_RUNTIME_OUTPUTFILE_H

#include "loom/runtime/Status.h"

#include <cstddef>
#include <string>
#include <vector>

namespace loom {

/// One piece of a file to write.
struct ByteSpan {
  const void *data;
  size_t size;
};

/// Symbolic links followed from an output path before giving up (ELOOP).
constexpr int kMaxSymlinkHops = 40;

/// A file being written: created by create(), filled by write(), made
/// visible by publish(). Destroying one that was not published removes its
/// temporary file. Move-only.
class OutputFile {
public:
  /// Checks `path` by the rules above and creates the temporary file.
  static StatusOr<OutputFile> create(const std::string &path);

  OutputFile(OutputFile &&other) noexcept;
  OutputFile &operator=(OutputFile &&other) noexcept;
  OutputFile(const OutputFile &) = delete;
  OutputFile &operator=(const OutputFile &) = delete;
  ~OutputFile();

  /// Appends the pieces to the temporary file (only before close()).
  Status write(const ByteSpan *pieces, size_t count);

  /// Flushes (fsync) and closes the temporary file. After this, the file
  /// at temporaryPath() may also be replaced by another writer, such as a
  /// library's NAME_save_weights: publish() renames whatever regular file
  /// is there.
  Status close();

  /// close() if needed, checks the target again and renames the temporary
  /// file over it. On failure the temporary file is removed.
  Status publish();

  /// The path as given, for messages.
  const std::string &path() const { return path_; }
  /// The file that will be replaced: symlinks followed, directory canonical.
  const std::string &target() const { return target_; }
  /// The temporary file, in the target's directory ("" once published).
  const std::string &temporaryPath() const { return temporary_; }

private:
  friend Status publishAll(std::vector<OutputFile> &files);
  OutputFile() = default;
  /// close() and the checks publish() makes before renaming.
  Status prepare();
  /// The rename itself, after prepare().
  Status rename();
  void discard();

  std::string path_, target_, directory_, temporary_;
  int fd_ = -1;
};

/// The checks create() makes, without creating anything, for a program that
/// wants to refuse a bad target before it starts working. Returns the file
/// that would be replaced (as OutputFile::target()), so that two paths naming
/// one file can be told apart.
StatusOr<std::string> checkOutputTarget(const std::string &path);

/// Publishes staged files together: each must be closed or closable and its
/// target must still pass the checks, else nothing is renamed and the first
/// problem is returned; then every one is renamed (a rename failing after
/// these checks — the temporary file sits next to its target — is reported,
/// and the files not yet renamed are not published).
Status publishAll(std::vector<OutputFile> &files);

/// create(), write() and publish() in one call.
Status writeFileAtomically(const std::string &path, const ByteSpan *pieces, size_t count);

} // namespace loom

#endif // LOOM_RUNTIME_OUTPUTFILE_H
