//===- ModelLibrary.cpp - a compiled Loom library opened with dlopen ------===//
#include "ModelLibrary.h"

#include "loom/runtime/MappedFile.h" // fileTypeName

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <vector>

namespace loom {
namespace {

bool isCIdentifier(const std::string &s) {
  if (s.empty() || !(std::isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum((unsigned char)c) || c == '_';
  });
}

std::string baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// NAME of lib<NAME>.so, or "" when `base` is not so named.
std::string modelNameOf(const std::string &base) {
  if (base.size() > 6 && base.compare(0, 3, "lib") == 0 &&
      base.compare(base.size() - 3, 3, ".so") == 0)
    return base.substr(3, base.size() - 6);
  return "";
}

} // namespace

ModelLibrary::~ModelLibrary() {
  if (handle_)
    dlclose(handle_);
}

Status ModelLibrary::open(const std::string &path) {
  path_ = path;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Status::io("module '" + path + "': " + std::strerror(errno));
  if (S_ISDIR(st.st_mode))
    return Status::invalidArgument("module '" + path +
                                   "' is a directory; expected DIR/lib<name>.so");
  // dlopen would open anything else, and wait forever on a FIFO.
  if (!S_ISREG(st.st_mode))
    return Status::invalidArgument("module '" + path + "' is " + fileTypeName(st.st_mode) +
                                   ", not a regular file; expected DIR/lib<name>.so");
  name_ = modelNameOf(baseName(path));
  if (!isCIdentifier(name_))
    return Status::invalidArgument("module '" + path + "': the file name must be lib<name>.so " +
                                   "with <name> the model's name (a C identifier), got '" +
                                   baseName(path) + "'");
  // A path without '/' would be searched for in the library path instead.
  std::string loadPath = path.find('/') == std::string::npos ? "./" + path : path;
  dlerror();
  // RTLD_NODELETE: the library stays mapped after dlclose. Its TBB worker
  // threads outlive NAME_free, and unmapping the code they run crashed one
  // exit in five.
  handle_ = dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!handle_) {
    const char *why = dlerror();
    return Status::invalidArgument("cannot load module '" + path + "': " +
                                   (why ? why : "unknown dlopen error"));
  }
#define LOOM_MODEL_LIBRARY_RESOLVE(fn, ret, params, archs, doc)                \
  fn = reinterpret_cast<loom_##fn##_fn>(dlsym(handle_, (name_ + "_" #fn).c_str()));
  LOOM_API_FUNCTIONS(LOOM_MODEL_LIBRARY_RESOLVE)
#undef LOOM_MODEL_LIBRARY_RESOLVE
  LOOM_RETURN_IF_ERROR(require("info", (const void *)info));
  LOOM_RETURN_IF_ERROR(require("last_error", (const void *)last_error));
  LOOM_RETURN_IF_ERROR(require("create", (const void *)create));
  LOOM_RETURN_IF_ERROR(require("create_seeded", (const void *)create_seeded));
  LOOM_RETURN_IF_ERROR(require("free", (const void *)free));

  std::string where = "module '" + path + "': " + name_ + "_info()";
  info_ = info();
  if (!info_)
    return Status::internal(where + " returned NULL");
  const char *arch = info_->architecture;
  if (!arch || (std::strcmp(arch, "encoder_decoder") && std::strcmp(arch, "encoder") &&
                std::strcmp(arch, "decoder")))
    return Status::internal(where + " reports an unknown architecture '" +
                            (arch ? arch : "(null)") + "'");
  // Enough that sizes computed from the description cannot overflow.
  const int64_t limit = int64_t(1) << 31;
  struct {
    const char *field;
    int64_t value;
    bool used;
  } sizes[] = {
      {"d_model", info_->d_model, true},
      {"max_len", info_->max_len, true},
      {"src_vocab", info_->src_vocab, !hasArchitecture(LOOM_ARCH_DECODER)},
      {"tgt_vocab", info_->tgt_vocab, !hasArchitecture(LOOM_ARCH_ENCODER)},
  };
  for (const auto &size : sizes)
    if (size.used && (size.value < 1 || size.value >= limit))
      return Status::internal(where + " reports " + size.field + " = " +
                              std::to_string(size.value) + ", not in [1, 2^31)");
  return Status();
}

Status ModelLibrary::openInDirectory(const std::string &dir) {
  DIR *d = opendir(dir.c_str());
  if (!d)
    return Status::io("model directory '" + dir + "': " + std::strerror(errno));
  std::vector<std::string> found;
  while (dirent *entry = readdir(d))
    if (!modelNameOf(entry->d_name).empty())
      found.push_back(entry->d_name);
  closedir(d);
  if (found.size() != 1)
    return Status::invalidArgument(
        "model directory '" + dir + "' must hold exactly one lib<name>.so, found " +
        std::to_string(found.size()) + (found.empty() ? "" : " (" + found[0] + ", ...)"));
  return open(dir + "/" + found[0]);
}

bool ModelLibrary::hasArchitecture(int archBit) const {
  const char *arch = info_ ? info_->architecture : "";
  int bit = !std::strcmp(arch, "encoder_decoder") ? LOOM_ARCH_ENCODER_DECODER
            : !std::strcmp(arch, "encoder")       ? LOOM_ARCH_ENCODER
            : !std::strcmp(arch, "decoder")       ? LOOM_ARCH_DECODER
                                                  : 0;
  return (bit & archBit) != 0;
}

Status ModelLibrary::errorOf(const char *call, loom_status status) const {
  const char *message = last_error ? last_error() : nullptr;
  if (message && *message)
    return Status(status, message);
  return Status(status, name_ + "_" + call + " failed with status " +
                            std::to_string(int(status)) + " (" +
                            statusCodeName(status) + ") and no message");
}

Status ModelLibrary::require(const char *fn, const void *slot) const {
  if (slot)
    return Status();
  return Status::invalidArgument("module '" + path_ + "' is not a Loom library for model '" +
                                 name_ + "': it has no symbol '" + name_ + "_" + fn + "'");
}

const void *ModelLibrary::slot(const std::string &fn) const {
#define LOOM_MODEL_LIBRARY_SLOT_BY_NAME(f, ret, params, archs, doc)            \
  if (fn == #f)                                                                \
    return (const void *)f;
  LOOM_API_FUNCTIONS(LOOM_MODEL_LIBRARY_SLOT_BY_NAME)
#undef LOOM_MODEL_LIBRARY_SLOT_BY_NAME
  return nullptr;
}

Status createModel(const ModelLibrary &library, const std::string &weightsPath,
                   uint64_t seed, int threads, ModelHandle &model) {
  loom_model *raw = nullptr;
  loom_status status = weightsPath.empty()
                           ? library.create_seeded(seed, threads, &raw)
                           : library.create(weightsPath.c_str(), threads, &raw);
  if (status != LOOM_OK)
    return library.errorOf(weightsPath.empty() ? "create_seeded" : "create", status);
  model = ModelHandle(raw, ModelDeleter{library.free});
  return Status();
}

} // namespace loom
