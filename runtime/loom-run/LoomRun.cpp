//===- LoomRun.cpp - Run a compiled Loom model from the command line ------===//
//
// loom-run loads lib<NAME>.so with dlopen, finds the NAME_* entry points of
// the C API (loom_model_api.h), checks every input against the model's
// description (NAME_info) before calling the library, runs one function and
// writes its output as .npy. Modelled on iree-run-module.
//
// The functions are a table (functionTable): one entry per (function,
// architecture) with its inputs in order, made from LOOM_API_CALLS in
// loom_model_api.h, the definition the libraries' exports follow too; the
// code that checks and calls is generic over the entries.
//
// train_step runs NAME_train_step --steps times on one batch (after
// NAME_load_checkpoint for --resume, NAME_set_dropout_seed for
// --dropout-seed); its output is the loss of each step.
//
// Exit status: 0 success, 1 error, 2 usage error. Nothing is written unless
// everything succeeded: every file (--output, --save-weights,
// --save-checkpoint) is staged and published together at the end, by the
// rules of OutputFile.h.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"
#include "ModelLibrary.h"
#include "RunOptions.h"

#include "loom/loom_model_api.h"
#include "loom/runtime/HalideParallel.h" // ParallelContext::threadsFor (inline)
#include "loom/runtime/OutputFile.h"
#include "loom/runtime/SafetensorsReader.h" // formatShape
#include "loom/runtime/Status.h"


#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

namespace loom::run {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

//===----------------------------------------------------------------------===//
// The functions a model exports, by architecture
//===----------------------------------------------------------------------===//

enum class Arch {
  EncoderDecoder = LOOM_ARCH_ENCODER_DECODER,
  Encoder = LOOM_ARCH_ENCODER,
  Decoder = LOOM_ARCH_DECODER
};

const char *archName(Arch arch) {
  switch (arch) {
  case Arch::EncoderDecoder:
    return "encoder_decoder";
  case Arch::Encoder:
    return "encoder";
  case Arch::Decoder:
    return "decoder";
  }
  return "?";
}

bool parseArch(const char *name, Arch &arch) {
  for (Arch a : {Arch::EncoderDecoder, Arch::Encoder, Arch::Decoder})
    if (name && std::strcmp(name, archName(a)) == 0) {
      arch = a;
      return true;
    }
  return false;
}

/// Where an input goes in the C call. Forward takes (src, src_len, tgt,
/// tgt_len) with unused ones NULL; translate/generate take (in, in_len), which
/// are the Src and SrcLen slots; train_step takes forward's and labels.
enum class Slot { Src, SrcLen, Tgt, TgtLen, Labels };
enum class Vocab { None, Src, Tgt };

struct InputSpec {
  const char *name;
  Slot slot;
  Vocab vocab;     // token inputs: the vocabulary their ids index
  const char *dim; // token inputs: the name of the sequence dimension (S, T, P)
  /// [B, dim] arrays of token ids (labels included); the others are [B].
  bool isTokens() const { return slot == Slot::Src || slot == Slot::Tgt || isLabels(); }
  bool isLabels() const { return slot == Slot::Labels; }
};

constexpr InputSpec kSrc{"src", Slot::Src, Vocab::Src, "S"};
constexpr InputSpec kSrcLen{"src_len", Slot::SrcLen, Vocab::None, nullptr};
constexpr InputSpec kTgt{"tgt", Slot::Tgt, Vocab::Tgt, "T"};
constexpr InputSpec kTgtLen{"tgt_len", Slot::TgtLen, Vocab::None, nullptr};
constexpr InputSpec kPrompt{"prompt", Slot::Src, Vocab::Tgt, "P"};
constexpr InputSpec kPromptLen{"prompt_len", Slot::SrcLen, Vocab::None, nullptr};
constexpr InputSpec kLabels{"labels", Slot::Labels, Vocab::Tgt, "T"};

/// How a function is called, i.e. which function-pointer type its symbol has.
enum class Signature {
  Forward,  // loom_forward_fn: float output
  Decode,   // loom_translate_fn / loom_generate_fn: int32 tokens [B, max_new]
  TrainStep // loom_train_step_fn, --steps times: float loss [steps]
};
static_assert(std::is_same_v<loom_translate_fn, loom_generate_fn>,
              "translate and generate are called alike");

/// The output's shape, from the batch, the sequence sizes and the model.
enum class OutputShape { BatchTgtVocab, BatchSrcDModel, BatchMaxNew, Steps };

/// How --max-new is bounded by max_len.
enum class MaxNewLimit { None, MaxLen, MaxLenMinusInput };

struct FunctionEntry {
  std::string function; // --function=... and the symbol suffix (NAME_<function>)
  Arch arch;
  Signature signature;
  std::vector<InputSpec> inputs; // in --input order
  std::string outputName;
  OutputShape outputShape;
  MaxNewLimit maxNewLimit;
};

const InputSpec *inputNamed(const std::string &name) {
  for (const InputSpec *spec :
       {&kSrc, &kSrcLen, &kTgt, &kTgtLen, &kPrompt, &kPromptLen, &kLabels})
    if (name == spec->name)
      return spec;
  return nullptr;
}

/// One row of LOOM_API_CALLS (loom_model_api.h): how an architecture fills
/// a run function's parameters.
FunctionEntry entryFor(const char *function, int arch, const char *inputs,
                       const char *output) {
  FunctionEntry e;
  e.function = function;
  e.arch = Arch(arch);
  bool forward = e.function == "forward";
  bool training = e.function == "train_step";
  e.signature = forward ? Signature::Forward : training ? Signature::TrainStep : Signature::Decode;
  std::string list = inputs;
  for (size_t start = 0; start < list.size();) {
    size_t end = std::min(list.find(' ', start), list.size());
    const InputSpec *spec = inputNamed(list.substr(start, end - start));
    if (spec) // every name LOOM_API_CALLS uses is one of the InputSpecs above
      e.inputs.push_back(*spec);
    start = end + 1;
  }
  std::string out = output;
  e.outputName = out.substr(0, out.find(' '));
  e.outputShape = e.outputName == "logits"   ? OutputShape::BatchTgtVocab
                  : e.outputName == "hidden" ? OutputShape::BatchSrcDModel
                  : training                 ? OutputShape::Steps
                                             : OutputShape::BatchMaxNew;
  e.maxNewLimit = forward || training ? MaxNewLimit::None
                  : e.function == "generate" ? MaxNewLimit::MaxLenMinusInput
                                             : MaxNewLimit::MaxLen;
  return e;
}

const std::vector<FunctionEntry> &functionTable() {
  static const std::vector<FunctionEntry> table = [] {
    std::vector<FunctionEntry> t;
#define LOOM_RUN_ENTRY(fn, arch, inputs, output) t.push_back(entryFor(#fn, arch, inputs, output));
    LOOM_API_CALLS(LOOM_RUN_ENTRY)
#undef LOOM_RUN_ENTRY
    return t;
  }();
  return table;
}

std::vector<std::string> knownFunctions() {
  std::vector<std::string> names;
  for (const FunctionEntry &entry : functionTable())
    if (std::find(names.begin(), names.end(), entry.function) == names.end())
      names.push_back(entry.function);
  return names;
}

const FunctionEntry *findEntry(const std::string &function, Arch arch) {
  for (const FunctionEntry &entry : functionTable())
    if (function == entry.function && entry.arch == arch)
      return &entry;
  return nullptr;
}

/// The entries of `function` (empty if the name is unknown).
std::vector<const FunctionEntry *> entriesOf(const std::string &function) {
  std::vector<const FunctionEntry *> entries;
  for (const FunctionEntry &entry : functionTable())
    if (function == entry.function)
      entries.push_back(&entry);
  return entries;
}

std::string joined(const std::vector<std::string> &items, const char *separator = ", ") {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? separator : "") + items[i];
  return out;
}

//===----------------------------------------------------------------------===//
// The module: the library opened by ModelLibrary (dlopen + dlsym)
//===----------------------------------------------------------------------===//

/// The library (ModelLibrary: dlopen, every API function it exports) and
/// the NAME_<function> this run calls, of its entry's Signature.
struct Module {
  ModelLibrary library;
  const void *function = nullptr;

  const std::string &name() const { return library.name(); }
  const std::string &path() const { return library.path(); }
  /// NAME_last_error(), or the status when the library gives no message.
  std::string errorOf(const char *call, loom_status status) const {
    return library.errorOf(call, status).message();
  }
};

//===----------------------------------------------------------------------===//
// Inputs: read and checked before the library sees them
//===----------------------------------------------------------------------===//

struct Input {
  const InputSpec *spec = nullptr;
  std::vector<int64_t> shape;
  std::vector<int32_t> values;
};

std::string describeInput(size_t index, const InputSpec &spec) {
  return "input " + std::to_string(index) + " ('" + spec.name + "')";
}

std::string expectedShape(const InputSpec &spec) {
  return spec.isTokens() ? std::string("[B, ") + spec.dim + "]" : std::string("[B]");
}

std::string dtypeName(NpyDtype dtype) {
  switch (dtype) {
  case NpyDtype::Float32:
    return "float32";
  case NpyDtype::Int32:
    return "int32";
  case NpyDtype::Int64:
    return "int64";
  }
  return "?";
}

/// "[b, s]" of flat element `i` of a [B, N] array (or "[b]" for rank 1).
std::string position(const std::vector<int64_t> &shape, int64_t i) {
  if (shape.size() == 2)
    return "[" + std::to_string(i / shape[1]) + ", " + std::to_string(i % shape[1]) + "]";
  return "[" + std::to_string(i) + "]";
}

/// Reads input `index`: dtype, rank, int32 range.
Status readInput(size_t index, const InputSpec &spec, const std::string &path, Input &input) {
  std::string what = describeInput(index, spec);
  StatusOr<NpyArray> array = readNpy(path);
  if (!array.ok())
    return array.status().withPrefix(what);
  if (array->dtype != NpyDtype::Int32 && array->dtype != NpyDtype::Int64)
    return Status::invalidArgument(what + ": dtype is " + dtypeName(array->dtype) + " ('" +
                                   npyDescr(array->dtype) + "'); expected int32 or int64");
  size_t rank = spec.isTokens() ? 2 : 1;
  if (array->shape.size() != rank)
    return Status::invalidArgument(what + ": expected rank " + std::to_string(rank) + ", got " +
                                   std::to_string(array->shape.size()) + " (shape " +
                                   formatShape(array->shape) + "; '" + spec.name + "' is " +
                                   expectedShape(spec) + ")");
  if (array->dtype == NpyDtype::Int64) {
    const int64_t *data = array->i64();
    for (int64_t i = 0, n = array->numElements(); i < n; ++i)
      if (data[i] < std::numeric_limits<int32_t>::min() ||
          data[i] > std::numeric_limits<int32_t>::max())
        return Status::invalidArgument(what + ": value " + std::to_string(data[i]) + " at " +
                                       position(array->shape, i) + " does not fit in int32");
  }
  StatusOr<std::vector<int32_t>> values = npyToInt32(*array, what);
  if (!values.ok())
    return values.status();
  input.spec = &spec;
  input.shape = array->shape;
  input.values = std::move(values.value());
  return Status();
}

int64_t vocabSize(const loom_model_info &info, Vocab vocab) {
  return vocab == Vocab::Src ? info.src_vocab : info.tgt_vocab;
}

const char *vocabName(Vocab vocab) { return vocab == Vocab::Src ? "src_vocab" : "tgt_vocab"; }

/// labels [B, T]: T as tgt's, target token ids (pad_id included), not all
/// pad_id. (Checked after tgt, which comes first in every call.)
Status checkLabels(const std::vector<Input> &inputs, size_t index, const loom_model_info &info) {
  const Input &labels = inputs[index];
  std::string what = describeInput(index, *labels.spec);
  auto tgt = std::find_if(inputs.begin(), inputs.end(),
                          [](const Input &in) { return in.spec->slot == Slot::Tgt; });
  if (tgt == inputs.end())
    return Status::internal(what + ": no tgt input for these labels");
  std::string tgtWhat = describeInput(size_t(tgt - inputs.begin()), *tgt->spec);
  if (labels.shape[1] != tgt->shape[1])
    return Status::invalidArgument(what + ": T = " + std::to_string(labels.shape[1]) +
                                   " (shape " + formatShape(labels.shape) + ") disagrees with " +
                                   tgtWhat + " (T = " + std::to_string(tgt->shape[1]) +
                                   "); labels are [B, T], one per target position");
  const int64_t vocab = info.tgt_vocab;
  bool anyLabel = false;
  for (size_t k = 0; k < labels.values.size(); ++k) {
    int32_t label = labels.values[k];
    if (label < 0 || label >= vocab)
      return Status::invalidArgument(what + ": label " + std::to_string(label) + " at " +
                                     position(labels.shape, int64_t(k)) +
                                     " is out of range [0, " + std::to_string(vocab) +
                                     ") (tgt_vocab = " + std::to_string(vocab) +
                                     "; pad_id = " + std::to_string(info.pad_id) +
                                     " marks a position without a loss)");
    anyLabel = anyLabel || label != info.pad_id;
  }
  if (!anyLabel)
    return Status::invalidArgument(what + ": every label is pad_id (" +
                                   std::to_string(info.pad_id) +
                                   "): the mean loss is undefined (a row of pad_id is fine, "
                                   "a whole batch is not)");
  return Status();
}

/// The cross-input checks: batch sizes agree, 1 <= S <= max_len, token ids in
/// the vocabulary (padding positions included), 1 <= length <= S.
Status checkInputs(const std::vector<Input> &inputs, const loom_model_info &info,
                   const std::string &modelName) {
  const int64_t batch = inputs[0].shape[0];
  if (batch == 0)
    return Status::invalidArgument(describeInput(0, *inputs[0].spec) +
                                   ": batch size is 0; need at least one row");
  for (size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i].shape[0] != batch)
      return Status::invalidArgument(describeInput(i, *inputs[i].spec) + ": batch size " +
                                     std::to_string(inputs[i].shape[0]) + " disagrees with " +
                                     describeInput(0, *inputs[0].spec) + " (batch size " +
                                     std::to_string(batch) + ")");

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Input &input = inputs[i];
    const InputSpec &spec = *input.spec;
    std::string what = describeInput(i, spec);
    if (spec.isLabels()) {
      LOOM_RETURN_IF_ERROR(checkLabels(inputs, i, info));
      continue;
    }
    if (spec.isTokens()) {
      int64_t length = input.shape[1];
      if (length == 0)
        return Status::invalidArgument(what + ": " + spec.dim + " = 0 (shape " +
                                       formatShape(input.shape) +
                                       "); sequences need at least one position");
      if (length > info.max_len)
        return Status::invalidArgument(what + ": " + spec.dim + " = " + std::to_string(length) +
                                       " exceeds max_len = " + std::to_string(info.max_len) +
                                       " of model '" + modelName + "'");
      int64_t vocab = vocabSize(info, spec.vocab);
      for (size_t k = 0; k < input.values.size(); ++k)
        if (input.values[k] < 0 || input.values[k] >= vocab)
          return Status::invalidArgument(
              what + ": token id " + std::to_string(input.values[k]) + " at " +
              position(input.shape, int64_t(k)) + " is out of range [0, " +
              std::to_string(vocab) + ") (" + vocabName(spec.vocab) + " = " +
              std::to_string(vocab) + ")");
      continue;
    }
    // A length input measures the token input in the slot before it.
    Slot tokensSlot = spec.slot == Slot::SrcLen ? Slot::Src : Slot::Tgt;
    auto tokens = std::find_if(inputs.begin(), inputs.end(),
                               [&](const Input &in) { return in.spec->slot == tokensSlot; });
    if (tokens == inputs.end())
      return Status::internal(what + ": no token input for this length input");
    size_t tokensIndex = size_t(tokens - inputs.begin());
    int64_t maxLength = tokens->shape[1];
    for (size_t b = 0; b < input.values.size(); ++b)
      if (input.values[b] < 1 || input.values[b] > maxLength)
        return Status::invalidArgument(
            what + ": length " + std::to_string(input.values[b]) + " at [" + std::to_string(b) +
            "] is out of range [1, " + std::to_string(maxLength) + "] (" + tokens->spec->dim +
            " = " + std::to_string(maxLength) + ", the size of " +
            describeInput(tokensIndex, *tokens->spec) + " dimension 1)");
  }
  return Status();
}

//===----------------------------------------------------------------------===//
// Running
//===----------------------------------------------------------------------===//

/// The pieces of the C call, taken from the inputs by slot.
struct CallArgs {
  int64_t batch = 0;
  int64_t srcMax = 0, tgtMax = 0;
  const int32_t *src = nullptr, *srcLen = nullptr, *tgt = nullptr, *tgtLen = nullptr;
  const int32_t *labels = nullptr;
  int64_t maxNew = 0;
  int64_t beam = 0; // translate --beam (0: greedy translate)
  float lengthPenalty = 0;
  // train_step:
  int64_t steps = 0;
  float lr = 0;
};

CallArgs callArgs(const RunOptions &options, const std::vector<Input> &inputs, int64_t maxNew) {
  CallArgs args;
  args.batch = inputs[0].shape[0];
  args.maxNew = maxNew;
  args.beam = options.beam.value_or(0);
  args.lengthPenalty = options.lengthPenalty.value_or(kDefaultLengthPenalty);
  args.steps = options.steps.value_or(1);
  args.lr = options.lr.value_or(kDefaultLearningRate);
  for (const Input &input : inputs) {
    switch (input.spec->slot) {
    case Slot::Src:
      args.src = input.values.data();
      args.srcMax = input.shape[1];
      break;
    case Slot::SrcLen:
      args.srcLen = input.values.data();
      break;
    case Slot::Tgt:
      args.tgt = input.values.data();
      args.tgtMax = input.shape[1];
      break;
    case Slot::TgtLen:
      args.tgtLen = input.values.data();
      break;
    case Slot::Labels:
      args.labels = input.values.data();
      break;
    }
  }
  return args;
}

std::vector<int64_t> outputShape(const FunctionEntry &entry, const CallArgs &args,
                                 const loom_model_info &info) {
  switch (entry.outputShape) {
  case OutputShape::BatchTgtVocab:
    return {args.batch, args.tgtMax, info.tgt_vocab};
  case OutputShape::BatchSrcDModel:
    return {args.batch, args.srcMax, info.d_model};
  case OutputShape::BatchMaxNew:
    return {args.batch, args.maxNew};
  case OutputShape::Steps:
    return {args.steps};
  }
  return {};
}

/// Whether the function's output is float32 (logits, hidden states, losses)
/// rather than int32 tokens.
bool floatOutput(const FunctionEntry &entry) { return entry.signature != Signature::Decode; }

/// The output buffer: float32 (forward, train_step) or int32 (tokens).
struct Output {
  std::unique_ptr<float[]> f32;
  std::unique_ptr<int32_t[]> i32;
  size_t elements = 0;
};

Status allocateOutput(const FunctionEntry &entry, const std::vector<int64_t> &shape,
                      Output &output) {
  uint64_t elements = 1;
  for (int64_t d : shape) {
    if (d != 0 && elements > uint64_t(std::numeric_limits<int64_t>::max()) / 4 / uint64_t(d))
      return Status::outOfMemory("the output " + formatShape(shape) + " is too large");
    elements *= uint64_t(d);
  }
  try {
    // Left uninitialised: the library writes every element or fails, and
    // pages never written cost nothing when it refuses a size up front
    // (an output of 2^31 elements or more, which its kernels cannot index).
    if (floatOutput(entry))
      output.f32.reset(new float[size_t(elements)]);
    else
      output.i32.reset(new int32_t[size_t(elements)]);
  } catch (const std::bad_alloc &) {
    return Status::outOfMemory("out of memory allocating the output " + formatShape(shape) +
                               " (" + std::to_string(elements * 4) + " bytes)");
  }
  output.elements = size_t(elements);
  return Status();
}

Status runFunction(const Module &module, loom_model *model, const FunctionEntry &entry,
                   const CallArgs &a, Output &output) {
  loom_status status = LOOM_ERROR_INTERNAL;
  switch (entry.signature) {
  case Signature::Forward:
    status = reinterpret_cast<loom_forward_fn>(module.function)(
        model, a.batch, a.srcMax, a.src, a.srcLen, a.tgtMax, a.tgt, a.tgtLen, output.f32.get());
    break;
  case Signature::Decode:
    if (a.beam > 0)
      status = module.library.translate_beam(model, a.batch, a.srcMax, a.src, a.srcLen, a.maxNew,
                                    a.beam, a.lengthPenalty, output.i32.get());
    else
      status = reinterpret_cast<loom_translate_fn>(module.function)(
          model, a.batch, a.srcMax, a.src, a.srcLen, a.maxNew, output.i32.get());
    break;
  case Signature::TrainStep:
    for (int64_t k = 0; k < a.steps; ++k) {
      status = reinterpret_cast<loom_train_step_fn>(module.function)(
          model, a.batch, a.srcMax, a.src, a.srcLen, a.tgtMax, a.tgt, a.tgtLen, a.labels, a.lr,
          &output.f32[size_t(k)]);
      if (status != LOOM_OK)
        return Status(status, "train_step (step " + std::to_string(k + 1) + " of --steps=" +
                                  std::to_string(a.steps) + "): " +
                                  module.errorOf(entry.function.c_str(), status));
    }
    return Status();
  }
  if (status != LOOM_OK)
    return Status(status, module.errorOf(entry.function.c_str(), status));
  return Status();
}

double medianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

template <typename T>
void printSummary(const char *name, const char *dtype, const std::vector<int64_t> &shape,
                  const T *values, size_t count) {
  constexpr size_t kShown = 16;
  std::printf("%s: %s %s =", name, dtype, formatShape(shape).c_str());
  for (size_t i = 0; i < count && i < kShown; ++i) {
    if constexpr (std::is_same_v<T, float>)
      std::printf(" %.6g", double(values[i]));
    else
      std::printf(" %" PRId32, values[i]);
  }
  if (count > kShown)
    std::printf(" ... (first %zu of %zu values)", kShown, count);
  std::printf("\n");
}

//===----------------------------------------------------------------------===//
// The steps of a run
//===----------------------------------------------------------------------===//

/// Loads the module (ModelLibrary checks what NAME_info() says).
Status loadModule(const RunOptions &options, Module &module, const loom_model_info *&info,
                  Arch &arch) {
  LOOM_RETURN_IF_ERROR(module.library.open(options.modulePath));
  info = &module.library.modelInfo();
  parseArch(info->architecture, arch); // known: ModelLibrary::open checked it
  return Status();
}

/// The table entry for --function on this architecture, and its symbol.
Status findFunction(const RunOptions &options, Module &module, Arch arch,
                    const FunctionEntry *&entry) {
  entry = findEntry(options.function, arch);
  if (!entry) {
    std::vector<std::string> available;
    for (const FunctionEntry &e : functionTable())
      if (e.arch == arch)
        available.push_back(e.function);
    return Status::invalidArgument("function '" + options.function +
                                   "' does not exist for architecture '" + archName(arch) +
                                   "' of model '" + module.name() + "' (it has: " +
                                   joined(available) + ")");
  }
  const ModelLibrary &library = module.library;
  module.function = library.slot(entry->function);
  LOOM_RETURN_IF_ERROR(library.require(entry->function.c_str(), module.function));
  LOOM_RETURN_IF_ERROR(library.require("save_weights", (const void *)library.save_weights));
  if (options.beam)
    LOOM_RETURN_IF_ERROR(
        library.require("translate_beam", (const void *)library.translate_beam));
  if (entry->signature == Signature::TrainStep) {
    LOOM_RETURN_IF_ERROR(
        library.require("set_dropout_seed", (const void *)library.set_dropout_seed));
    LOOM_RETURN_IF_ERROR(
        library.require("save_checkpoint", (const void *)library.save_checkpoint));
    LOOM_RETURN_IF_ERROR(
        library.require("load_checkpoint", (const void *)library.load_checkpoint));
  }
  return Status();
}

/// Refuses, before any work, a file the run could not write in the end: a
/// target that is a FIFO, a directory, a device, one not writable, or in a
/// missing directory (the same checks OutputFile makes when it writes), and
/// two of --output, --save-weights and --save-checkpoint naming one file.
Status checkOutputTargets(const RunOptions &options, const FunctionEntry &entry) {
  struct Target {
    std::string flag, what, resolved;
  };
  std::vector<Target> targets;
  auto check = [&](const std::string &path, const std::string &flag,
                   const std::string &what) -> Status {
    StatusOr<std::string> target = checkOutputTarget(path);
    if (!target.ok())
      return target.status().withPrefix(what);
    for (const Target &other : targets)
      if (other.resolved == *target)
        return Status::invalidArgument(other.flag + " and " + flag + " name the same file '" +
                                       *target + "'");
    targets.push_back({flag, what, *target});
    return Status();
  };
  if (!options.outputPaths.empty())
    LOOM_RETURN_IF_ERROR(
        check(options.outputPaths[0], "--output", "output '" + entry.outputName + "'"));
  if (options.saveWeightsPath)
    LOOM_RETURN_IF_ERROR(check(*options.saveWeightsPath, "--save-weights", "--save-weights"));
  if (options.saveCheckpointPath)
    LOOM_RETURN_IF_ERROR(
        check(*options.saveCheckpointPath, "--save-checkpoint", "--save-checkpoint"));
  return Status();
}

/// Reads and checks every input before the model is created.
Status readInputs(const RunOptions &options, const FunctionEntry &entry,
                  const loom_model_info &info, const Module &module, Arch arch,
                  std::vector<Input> &inputs) {
  if (options.inputPaths.size() != entry.inputs.size()) {
    std::vector<std::string> names;
    for (const InputSpec &spec : entry.inputs)
      names.push_back(std::string(spec.name) + " " + expectedShape(spec));
    return Status::invalidArgument(
        "function '" + std::string(entry.function) + "' of " + archName(arch) + " model '" +
        module.name() + "' takes " + std::to_string(entry.inputs.size()) + " inputs (" +
        joined(names) + "), got " + std::to_string(options.inputPaths.size()) + " --input");
  }
  inputs.assign(entry.inputs.size(), Input());
  for (size_t i = 0; i < inputs.size(); ++i)
    LOOM_RETURN_IF_ERROR(readInput(i, entry.inputs[i], options.inputPaths[i], inputs[i]));
  return checkInputs(inputs, info, module.name());
}

/// --max-new: the default is kDefaultMaxNew, lowered to what max_len allows;
/// an explicit value beyond that is an error. (0 for forward.)
Status chooseMaxNew(const RunOptions &options, const FunctionEntry &entry,
                    const std::vector<Input> &inputs, const loom_model_info &info,
                    const std::string &modelName, int64_t &maxNew) {
  maxNew = 0;
  if (entry.signature != Signature::Decode)
    return Status();
  std::string model = "model '" + modelName + "' with max_len = " + std::to_string(info.max_len);
  int64_t limit = info.max_len; // in [1, 2^31) (checkInfo)
  std::string why = std::string(entry.function) + " produces at most max_len tokens";
  if (entry.maxNewLimit == MaxNewLimit::MaxLenMinusInput) {
    const char *dim = entry.inputs[0].dim;
    std::string what = describeInput(0, *inputs[0].spec) + " has " + dim + " = " +
                       std::to_string(inputs[0].shape[1]);
    limit -= inputs[0].shape[1]; // the length is in [1, max_len] (checkInputs)
    if (limit < 1)
      return Status::invalidArgument(what + ", which leaves no room for new tokens in " + model +
                                     " (" + entry.function + " needs " + dim +
                                     " + max_new <= max_len)");
    why = std::string(entry.function) + " needs " + dim + " + max_new <= max_len; " + what;
  }
  // --max-new itself is in [1, INT_MAX] (parseRunOptions).
  maxNew = options.maxNew.value_or(std::min(kDefaultMaxNew, limit));
  if (maxNew > limit)
    return Status::invalidArgument("--max-new=" + std::to_string(maxNew) + " is too large for " +
                                   model + " (" + why + ")");
  return Status();
}

/// NAME_create or NAME_create_seeded, with --threads; for train_step, then
/// --resume (NAME_load_checkpoint) and --dropout-seed.
Status createModel(const RunOptions &options, const Module &module, ModelHandle &model) {
  // The library bounds the thread count (ParallelContext::threadsFor); say so
  // when it will use fewer than asked for.
  int threads = ParallelContext::threadsFor(options.threads);
  if (options.threads > threads)
    std::fprintf(stderr,
                 "loom-run: note: --threads=%d is more than the %d cores this process may "
                 "use; using %d\n",
                 options.threads, threads, threads);
  loom_model *raw = nullptr;
  // --resume: any weights do, the checkpoint replaces them (seed 0 is cheap).
  loom_status status = options.weightsPath
                           ? module.library.create(options.weightsPath->c_str(), options.threads, &raw)
                           : module.library.create_seeded(options.seed.value_or(0), options.threads, &raw);
  model = ModelHandle(raw, ModelDeleter{module.library.free});
  const char *createCall = options.weightsPath ? "create" : "create_seeded";
  if (status != LOOM_OK)
    return Status(status, module.errorOf(createCall, status));
  if (!model)
    return Status::internal(module.name() + "_" + createCall + " returned no model");
  if (options.resumePath) {
    status = module.library.load_checkpoint(model.get(), options.resumePath->c_str());
    if (status != LOOM_OK)
      return Status(status, "--resume: " + module.errorOf("load_checkpoint", status));
  }
  if (options.dropoutSeed) {
    status = module.library.set_dropout_seed(model.get(), *options.dropoutSeed);
    if (status != LOOM_OK)
      return Status(status, "--dropout-seed: " + module.errorOf("set_dropout_seed", status));
  }
  return Status();
}

/// --repeat: N more runs into a scratch output, timed.
Status timeRepeats(const RunOptions &options, const Module &module, loom_model *model,
                   const FunctionEntry &entry, const CallArgs &args,
                   const std::vector<int64_t> &shape) {
  if (options.repeat <= 0)
    return Status();
  Output scratch;
  LOOM_RETURN_IF_ERROR(allocateOutput(entry, shape, scratch));
  std::vector<double> times;
  for (int r = 0; r < options.repeat; ++r) {
    auto start = std::chrono::steady_clock::now();
    LOOM_RETURN_IF_ERROR(runFunction(module, model, entry, args, scratch));
    auto end = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::fprintf(stderr, "time_ms median=%.3f min=%.3f max=%.3f\n", medianOf(times),
               *std::min_element(times.begin(), times.end()),
               *std::max_element(times.begin(), times.end()));
  return Status();
}

/// Writes every file the run produces, or none: each is staged as an
/// OutputFile (a temporary file next to its target; the library writes
/// --save-weights and --save-checkpoint over theirs) and they are published
/// together only once all are complete. (Writing --save-weights first and
/// then failing on --output used to leave new weights behind.) Without
/// --output the output's summary goes to stdout.
Status writeResults(const RunOptions &options, const Module &module, loom_model *model,
                    const FunctionEntry &entry, const std::vector<int64_t> &shape,
                    const Output &output) {
  std::vector<OutputFile> staged;
  if (options.saveWeightsPath) {
    const std::string &path = *options.saveWeightsPath;
    StatusOr<OutputFile> file = OutputFile::create(path);
    if (!file.ok())
      return file.status().withPrefix("--save-weights");
    LOOM_RETURN_IF_ERROR(file->close());
    // The library writes its weights file by the same rules, over the
    // staged temporary file; publishing renames that to the target.
    loom_status status = module.library.save_weights(model, file->temporaryPath().c_str());
    if (status != LOOM_OK)
      return Status(status, "--save-weights '" + path + "': " +
                                module.errorOf("save_weights", status));
    staged.push_back(std::move(file).value());
  }
  if (options.saveCheckpointPath) {
    const std::string &path = *options.saveCheckpointPath;
    StatusOr<OutputFile> file = OutputFile::create(path);
    if (!file.ok())
      return file.status().withPrefix("--save-checkpoint");
    LOOM_RETURN_IF_ERROR(file->close());
    loom_status status = module.library.save_checkpoint(model, file->temporaryPath().c_str());
    if (status != LOOM_OK)
      return Status(status, "--save-checkpoint '" + path + "': " +
                                module.errorOf("save_checkpoint", status));
    staged.push_back(std::move(file).value());
  }
  bool forward = floatOutput(entry);
  const char *dtype = forward ? "float32" : "int32";
  if (!options.outputPaths.empty()) {
    const std::string &path = options.outputPaths[0];
    std::string what = "output '" + entry.outputName + "'";
    StatusOr<OutputFile> file = OutputFile::create(path);
    if (!file.ok())
      return file.status().withPrefix(what);
    std::vector<uint8_t> header;
    std::vector<ByteSpan> pieces;
    const void *data = forward ? static_cast<const void *>(output.f32.get())
                               : static_cast<const void *>(output.i32.get());
    Status written = npyPieces(forward ? NpyDtype::Float32 : NpyDtype::Int32, shape, data,
                               header, pieces, path);
    if (written.ok())
      written = file->write(pieces.data(), pieces.size());
    if (!written.ok())
      return written.withPrefix(what);
    staged.push_back(std::move(file).value());
  }
  LOOM_RETURN_IF_ERROR(publishAll(staged));
  if (options.outputPaths.empty()) {
    if (forward)
      printSummary(entry.outputName.c_str(), dtype, shape, output.f32.get(), output.elements);
    else
      printSummary(entry.outputName.c_str(), dtype, shape, output.i32.get(), output.elements);
    std::fflush(stdout);
  }
  return Status();
}

/// Everything after the command line was accepted, step by step: each step
/// checks what it can before the next one spends time, and no file is
/// written until every step has succeeded. Returns the failure to report
/// (exit status 1).
Status run(const RunOptions &options) {
  Module module;
  const loom_model_info *info = nullptr;
  Arch arch = Arch::EncoderDecoder;
  LOOM_RETURN_IF_ERROR(loadModule(options, module, info, arch));
  const FunctionEntry *entry = nullptr;
  LOOM_RETURN_IF_ERROR(findFunction(options, module, arch, entry));
  LOOM_RETURN_IF_ERROR(checkOutputTargets(options, *entry));

  std::vector<Input> inputs;
  LOOM_RETURN_IF_ERROR(readInputs(options, *entry, *info, module, arch, inputs));
  int64_t maxNew = 0;
  LOOM_RETURN_IF_ERROR(chooseMaxNew(options, *entry, inputs, *info, module.name(), maxNew));
  CallArgs args = callArgs(options, inputs, maxNew);
  std::vector<int64_t> shape = outputShape(*entry, args, *info);
  Output output;
  LOOM_RETURN_IF_ERROR(allocateOutput(*entry, shape, output));

  ModelHandle model;
  LOOM_RETURN_IF_ERROR(createModel(options, module, model));
  LOOM_RETURN_IF_ERROR(runFunction(module, model.get(), *entry, args, output));
  LOOM_RETURN_IF_ERROR(timeRepeats(options, module, model.get(), *entry, args, shape));
  return writeResults(options, module, model.get(), *entry, shape, output);
}

int usageError(const std::string &message) {
  std::fprintf(stderr, "loom-run: error: %s\nRun 'loom-run --help' for usage.\n",
               message.c_str());
  return kExitUsage;
}

/// Command-line checks that need the function table but not the module:
/// the function exists, and every flag given applies to it.
int checkFunctionOptions(const RunOptions &options) {
  std::vector<const FunctionEntry *> entries = entriesOf(options.function);
  if (entries.empty())
    return usageError("unknown function '" + options.function +
                      "'; expected one of: " + joined(knownFunctions()));
  Signature signature = entries[0]->signature;
  if (options.maxNew && signature != Signature::Decode)
    return usageError("--max-new applies only to translate and generate, not to '" +
                      options.function + "'");
  if ((options.beam || options.lengthPenalty) && options.function != "translate")
    return usageError(std::string(options.beam ? "--beam" : "--length-penalty") +
                      " applies only to translate, not to '" + options.function + "'");
  if (options.lengthPenalty && !options.beam)
    return usageError("--length-penalty needs --beam=N (greedy translate has no length "
                      "penalty)");
  if (signature == Signature::TrainStep) {
    if (options.repeat > 0)
      return usageError("--repeat does not apply to train_step: every step changes the "
                        "model (use --steps=K to run K steps)");
    return kExitOk;
  }
  const std::pair<bool, const char *> trainingFlags[] = {
      {options.lr.has_value(), "--lr"},
      {options.steps.has_value(), "--steps"},
      {options.dropoutSeed.has_value(), "--dropout-seed"},
      {options.resumePath.has_value(), "--resume"},
      {options.saveCheckpointPath.has_value(), "--save-checkpoint"}};
  for (const auto &[given, flag] : trainingFlags)
    if (given)
      return usageError(std::string(flag) + " applies only to train_step, not to '" +
                        options.function + "'");
  return kExitOk;
}

int runMain(int argc, char **argv) {
  RunOptions options;
  std::string error;
  if (!parseRunOptions(argc, argv, options, error))
    return usageError(error);
  if (options.help) {
    std::fputs(usageText().c_str(), stdout);
    return kExitOk;
  }
  if (int code = checkFunctionOptions(options))
    return code;
  Status status = run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "loom-run: error: %s\n", status.message().c_str());
    return kExitError;
  }
  return kExitOk;
}

} // namespace
} // namespace loom::run

int main(int argc, char **argv) {
  try {
    return loom::run::runMain(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "loom-run: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "loom-run: error: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "loom-run: error: internal error: unknown exception\n");
  }
  return 1;
}
