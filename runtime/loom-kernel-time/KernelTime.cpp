//===- KernelTime.cpp - times one AOT kernel in a process of its own ------===//
//
//   loom-kernel-time --library=K.so --function=SYMBOL --buffer=NAME=EXTENTS@STRIDES...
//                    [--scalar=NAME=VALUE...] [--int-fill=NAME=VALUE...]
//                    [--threads=N] [--repeats=N] [--warmup=N]
//                    [--save-outputs=FILE | --compare=FILE [--tolerance=X]]
//
// loomc tune runs one of these per schedule candidate, so that a candidate
// that crashes, hangs or corrupts memory takes down this process and never
// the search. The kernel is any Halide AOT pipeline: its arguments come from
// the pipeline's own metadata (SYMBOL_metadata) and it is called through
// SYMBOL_argv, as Halide's RunGen does, so one harness serves every family.
// Buffers are given in Halide's order (innermost dim first), extents and
// element strides separated by 'x': --buffer=x=512x1024@1x512. Float inputs
// hold seeded values in [-1, 1) (the same for every candidate); i32 inputs
// hold --int-fill's value (a sequence length, so key_lengths see every key).
// The kernel runs on the runtime's TBB halide_do_par_for (this executable
// exports it to K.so) in a ParallelContext of --threads threads.
//
// stdout: one JSON object, {"median_us": ..., "min_us": ..., "repeats": N,
// "max_scaled_error": E} (E only with --compare: max |out - ref| over the
// outputs, divided by max(1, max |ref|); non-finite values must agree
// exactly). Exit status: 0 ok, 1 usage or kernel error, 3 outputs differ.
//
//===----------------------------------------------------------------------===//
#include "CommandLine.h"

#include "loom/runtime/HalideParallel.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>

namespace {

struct Shape {
  std::vector<int32_t> extents, strides;
};

struct Options {
  bool help = false;
  std::string library, function, saveOutputs, compare;
  std::map<std::string, Shape> buffers;
  std::map<std::string, double> scalars;
  std::map<std::string, int64_t> intFills;
  int64_t threads = 1, repeats = 10, warmup = 2;
  double tolerance = 1e-4;
};

enum class Flag { Library, Function, Buffer, Scalar, IntFill, Threads, Repeats,
                  Warmup, SaveOutputs, Compare, Tolerance };

const loom::cli::FlagSpec<Flag> kFlags[] = {
    {"library", Flag::Library, true},       {"function", Flag::Function, true},
    {"buffer", Flag::Buffer, true, true},   {"scalar", Flag::Scalar, true, true},
    {"int-fill", Flag::IntFill, true, true}, {"threads", Flag::Threads, true},
    {"repeats", Flag::Repeats, true},       {"warmup", Flag::Warmup, true},
    {"save-outputs", Flag::SaveOutputs, true}, {"compare", Flag::Compare, true},
    {"tolerance", Flag::Tolerance, true}};

/// "NAME=REST" -> NAME, REST.
bool splitNamed(const std::string &flag, const std::string &text, std::string &name,
                std::string &rest, std::string &error) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    error = "--" + flag + "='" + text + "': expected NAME=VALUE";
    return false;
  }
  name = text.substr(0, eq);
  rest = text.substr(eq + 1);
  return true;
}

/// "4x8x16" -> {4, 8, 16}; each in [0, 2^31).
bool parseDims(const std::string &text, std::vector<int32_t> &out) {
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, 'x')) {
    int64_t v = 0;
    std::string ignored;
    if (!loom::cli::parseInteger("", part, 0, INT32_MAX, v, ignored))
      return false;
    out.push_back(int32_t(v));
  }
  return !out.empty();
}

bool parseShape(const std::string &text, Shape &shape) {
  size_t at = text.find('@');
  return at != std::string::npos && parseDims(text.substr(0, at), shape.extents) &&
         parseDims(text.substr(at + 1), shape.strides) &&
         shape.extents.size() == shape.strides.size();
}

bool applyFlag(Flag id, const std::string &name, const std::string &value, Options &o,
               std::string &error) {
  std::string key, rest;
  double number = 0;
  switch (id) {
  case Flag::Library: o.library = value; return true;
  case Flag::Function: o.function = value; return true;
  case Flag::SaveOutputs: o.saveOutputs = value; return true;
  case Flag::Compare: o.compare = value; return true;
  case Flag::Threads: return loom::cli::parseCount(name, value, 1, o.threads, error);
  case Flag::Repeats: return loom::cli::parseCount(name, value, 1, o.repeats, error);
  case Flag::Warmup: return loom::cli::parseCount(name, value, 0, o.warmup, error);
  case Flag::Tolerance:
    if (loom::cli::parseNumber(value, o.tolerance) && o.tolerance >= 0)
      return true;
    error = "--tolerance='" + value + "': expected a number >= 0";
    return false;
  case Flag::Buffer:
    if (!splitNamed(name, value, key, rest, error))
      return false;
    if (parseShape(rest, o.buffers[key]))
      return true;
    error = "--buffer='" + value + "': expected NAME=E0xE1..@S0xS1.. (as many strides as extents)";
    return false;
  case Flag::Scalar:
    if (!splitNamed(name, value, key, rest, error))
      return false;
    if (loom::cli::parseNumber(rest, number)) {
      o.scalars[key] = number;
      return true;
    }
    error = "--scalar='" + value + "': expected NAME=NUMBER";
    return false;
  case Flag::IntFill:
    if (!splitNamed(name, value, key, rest, error))
      return false;
    return loom::cli::parseInteger(name, rest, INT32_MIN, INT32_MAX, o.intFills[key], error);
  }
  return false;
}

/// One argument of the pipeline: a buffer with its memory, or a scalar.
struct Argument {
  const halide_filter_argument_t *meta;
  std::vector<uint8_t> memory; // buffers
  std::vector<halide_dimension_t> dims;
  halide_buffer_t buffer{};
  uint64_t scalar = 0; // the scalar's bytes (at most 8)
  void *pointer() { return meta->kind == halide_argument_kind_input_scalar
                               ? static_cast<void *>(&scalar) : static_cast<void *>(&buffer); }
};

/// The scalar `value` in the argument's type, in its bytes.
bool setScalar(Argument &a, double value, std::string &error) {
  const halide_type_t t = a.meta->type;
  if (t.code == halide_type_float && t.bits == 32) {
    float f = float(value);
    std::memcpy(&a.scalar, &f, 4);
  } else if (t.code == halide_type_float && t.bits == 64) {
    std::memcpy(&a.scalar, &value, 8);
  } else if ((t.code == halide_type_int || t.code == halide_type_uint) && t.bits <= 64 &&
             value == std::floor(value)) {
    int64_t i = int64_t(value);
    std::memcpy(&a.scalar, &i, t.bits / 8 ? t.bits / 8 : 1); // little-endian
  } else {
    error = std::string("scalar '") + a.meta->name + "' cannot hold " + std::to_string(value);
    return false;
  }
  return true;
}

/// Allocates the buffer (the span its strides reach) and fills an input.
bool setBuffer(Argument &a, const Shape &shape, const Options &o, std::string &error) {
  const halide_filter_argument_t &m = *a.meta;
  if (int(shape.extents.size()) != m.dimensions) {
    error = std::string("buffer '") + m.name + "' has " + std::to_string(m.dimensions) +
            " dims, --buffer gave " + std::to_string(shape.extents.size());
    return false;
  }
  int64_t elements = 1;
  for (int i = 0; i < m.dimensions; ++i) {
    a.dims.push_back(halide_dimension_t(0, shape.extents[i], shape.strides[i]));
    elements += int64_t(shape.extents[i] > 0 ? shape.extents[i] - 1 : 0) * shape.strides[i];
  }
  const int bytes = m.type.bytes();
  a.memory.assign(size_t(elements) * bytes, 0);
  a.buffer.host = a.memory.data();
  a.buffer.type = m.type;
  a.buffer.dimensions = m.dimensions;
  a.buffer.dim = a.dims.data();
  if (m.kind != halide_argument_kind_input_buffer)
    return true;
  if (m.type.code == halide_type_float && bytes == 4) {
    std::mt19937 rng(uint32_t(std::hash<std::string>()(m.name))); // same data every run
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    auto *f = reinterpret_cast<float *>(a.memory.data());
    for (int64_t i = 0; i < elements; ++i)
      f[i] = uniform(rng);
  } else if (m.type.code == halide_type_int && bytes == 4) {
    auto fill = o.intFills.find(m.name);
    if (fill == o.intFills.end()) {
      error = std::string("i32 input '") + m.name + "' needs --int-fill=" + m.name + "=VALUE";
      return false;
    }
    std::fill_n(reinterpret_cast<int32_t *>(a.memory.data()), elements, int32_t(fill->second));
  } else {
    error = std::string("input '") + m.name + "' has an element type this harness does not fill";
    return false;
  }
  return true;
}

bool setArguments(const halide_filter_metadata_t &meta, const Options &o,
                  std::vector<Argument> &args, std::string &error) {
  args.resize(meta.num_arguments);
  for (int i = 0; i < meta.num_arguments; ++i) {
    Argument &a = args[i];
    a.meta = &meta.arguments[i];
    if (a.meta->kind == halide_argument_kind_input_scalar) {
      auto value = o.scalars.find(a.meta->name);
      if (value == o.scalars.end()) {
        error = std::string("scalar '") + a.meta->name + "' needs --scalar=" + a.meta->name + "=VALUE";
        return false;
      }
      if (!setScalar(a, value->second, error))
        return false;
      continue;
    }
    auto shape = o.buffers.find(a.meta->name);
    if (shape == o.buffers.end()) {
      error = std::string("buffer '") + a.meta->name + "' needs --buffer=" + a.meta->name +
              "=EXTENTS@STRIDES";
      return false;
    }
    if (!setBuffer(a, shape->second, o, error))
      return false;
  }
  return true;
}

/// The outputs' bytes, in argument order.
std::string outputBytes(const std::vector<Argument> &args) {
  std::string out;
  for (const Argument &a : args)
    if (a.meta->kind == halide_argument_kind_output_buffer)
      out.append(reinterpret_cast<const char *>(a.memory.data()), a.memory.size());
  return out;
}

/// max |got - ref| / max(1, max |ref|) over f32 outputs; -1 if the outputs
/// differ in size, in an i32 value or in where they are not finite.
double scaledError(const std::vector<Argument> &args, const std::string &reference) {
  if (outputBytes(args).size() != reference.size())
    return -1;
  double worst = 0, scale = 1;
  size_t offset = 0;
  for (const Argument &a : args) {
    if (a.meta->kind != halide_argument_kind_output_buffer)
      continue;
    const size_t n = a.memory.size() / 4;
    const char *ref = reference.data() + offset;
    offset += a.memory.size();
    if (a.meta->type.code != halide_type_float) {
      if (std::memcmp(ref, a.memory.data(), a.memory.size()) != 0)
        return -1;
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      float g, r;
      std::memcpy(&g, a.memory.data() + 4 * i, 4);
      std::memcpy(&r, ref + 4 * i, 4);
      if (!std::isfinite(r) || !std::isfinite(g)) {
        if (std::memcmp(&g, &r, 4) != 0 && !(std::isnan(g) && std::isnan(r)))
          return -1;
        continue;
      }
      worst = std::max(worst, double(std::fabs(g - r)));
      scale = std::max(scale, double(std::fabs(r)));
    }
  }
  return worst / scale;
}

int fail(const std::string &message) {
  std::fprintf(stderr, "loom-kernel-time: error: %s\n", message.c_str());
  return 1;
}

const char kUsage[] =
    "usage: loom-kernel-time --library=K.so --function=SYMBOL --buffer=NAME=EXTENTS@STRIDES...\n"
    "         [--scalar=NAME=VALUE...] [--int-fill=NAME=VALUE...] [--threads=N]\n"
    "         [--repeats=N] [--warmup=N] [--save-outputs=FILE | --compare=FILE [--tolerance=X]]\n"
    "Times one Halide AOT kernel (loomc tune runs one per schedule candidate).\n";

/// Runs the kernel warmup + repeats times; per-call microseconds.
bool timeKernel(int (*argv)(void **), std::vector<Argument> &args, const Options &o,
                std::vector<double> &times, std::string &error) {
  std::vector<void *> pointers;
  for (Argument &a : args)
    pointers.push_back(a.pointer());
  loom::ParallelContext context(int(o.threads));
  for (int64_t i = 0; i < o.warmup + o.repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    int rc = context.run([&] { return argv(pointers.data()); });
    auto end = std::chrono::steady_clock::now();
    if (rc != 0) {
      error = loom::kernelStatus(rc, o.function.c_str()).message();
      return false;
    }
    if (i >= o.warmup)
      times.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  std::string error;
  if (!loom::cli::parseFlags(argc, argv, kFlags, {}, applyFlag, o, error))
    return fail(error);
  if (o.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (o.library.empty() || o.function.empty())
    return fail("give --library and --function (see --help)");
  if (!o.saveOutputs.empty() && !o.compare.empty())
    return fail("give --save-outputs or --compare, not both");
  // A name without '/' would be looked up on the library path, not here.
  if (o.library.find('/') == std::string::npos)
    o.library = "./" + o.library;
  void *handle = dlopen(o.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(std::string("cannot load '") + o.library + "': " + dlerror());
  using Metadata = const halide_filter_metadata_t *(*)();
  auto metadata = reinterpret_cast<Metadata>(dlsym(handle, (o.function + "_metadata").c_str()));
  auto entry = reinterpret_cast<int (*)(void **)>(dlsym(handle, (o.function + "_argv").c_str()));
  if (!metadata || !entry)
    return fail("'" + o.library + "' has no Halide pipeline '" + o.function + "'");
  std::vector<Argument> args;
  if (!setArguments(*metadata(), o, args, error))
    return fail(error);
  std::vector<double> times;
  if (!timeKernel(entry, args, o, times, error))
    return fail(error);
  std::sort(times.begin(), times.end());
  std::printf("{\"median_us\": %.3f, \"min_us\": %.3f, \"repeats\": %zu", times[times.size() / 2],
              times.front(), times.size());
  int rc = 0;
  if (!o.saveOutputs.empty()) {
    std::ofstream out(o.saveOutputs, std::ios::binary);
    out << outputBytes(args);
    if (!out.flush())
      return fail("cannot write '" + o.saveOutputs + "'");
  } else if (!o.compare.empty()) {
    std::ifstream in(o.compare, std::ios::binary);
    std::stringstream reference;
    reference << in.rdbuf();
    if (!in)
      return fail("cannot read '" + o.compare + "'");
    double e = scaledError(args, reference.str());
    if (e < 0)
      std::printf(", \"max_scaled_error\": null"); // differ in shape, ints or non-finite
    else
      std::printf(", \"max_scaled_error\": %.3g", e);
    rc = e < 0 || e > o.tolerance ? 3 : 0;
  }
  std::printf("}\n");
  return rc;
}
