//===- EmitLibrary.cpp - plan -> lib<name>.so + <name>.h ------------------===//
//
// The glue is straight-line C++: one runtime call per kernel step, operands
// as views into the arena, the weights or the caller's arrays. Kernels are
// AOT-compiled by loom-kernelgen (a separate process: Halide links LLVM 14,
// loomc links LLVM 19) for an AVX-512 and an AVX2 target, chosen at run time,
// and cached by signature so recompiling a spec reuses them.
//
//===----------------------------------------------------------------------===//
#include "Codegen/EmitLibrary.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ThreadPool.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <atomic>
#include <map>
#include <cstdlib>
#include <mutex>

using namespace mlir;
using namespace loom;
using llvm::formatv;

namespace {

/// The Halide targets every kernel is built for, and their symbol suffixes.
struct KernelTarget {
  const char *suffix, *target;
};
constexpr KernelTarget kTargets[] = {
    {"avx512", "x86-64-linux-avx512_cannonlake-no_runtime"},
    {"avx2", "x86-64-linux-avx2-fma-f16c-no_runtime"},
};
constexpr const char *kRuntimeTarget = "x86-64-linux";

/// What a kernel variant is: its C function type and loom-kernelgen flags.
struct VariantInfo {
  std::string cType;
  std::vector<std::string> flags;
};

VariantInfo describeVariant(llvm::StringRef variant) {
  if (variant.consume_front("linear")) {
    std::string act = variant.empty() ? "none" : variant.drop_front().str();
    return {"LinearFn", {"--family=linear", "--activation=" + act}};
  }
  if (variant.consume_front("attention_")) {
    auto [mask, dh] = variant.rsplit("_d");
    return {"AttentionFn",
            {"--family=attention", "--mask=" + mask.str(),
             "--head-dim=" + dh.str()}};
  }
  if (variant == "layer_norm")
    return {"LayerNormFn", {"--family=layer_norm"}};
  if (variant == "add_norm")
    return {"AddNormFn", {"--family=add_norm"}};
  if (variant == "add_norm_sum")
    return {"AddNormSumFn", {"--family=add_norm", "--with-sum"}};
  if (variant == "embed")
    return {"EmbedFn", {"--family=embed"}};
  if (variant == "argmax_rows")
    return {"ArgmaxFn", {"--family=argmax_rows"}};
  llvm_unreachable("unknown kernel variant");
}

/// The kernel a step calls; attention kernels are specialised by head width.
std::string kernelKey(const KernelStep &step) {
  if (step.kind == KernelKind::Attention)
    return formatv("{0}_d{1}", step.variant, step.headDim).str();
  return step.variant;
}

//===----------------------------------------------------------------------===//
// Model description from the module
//===----------------------------------------------------------------------===//

struct SpecView {
  DictionaryAttr dict;
  int64_t i(StringRef key) const {
    return cast<IntegerAttr>(dict.get(key)).getInt();
  }
  std::string s(StringRef key) const {
    return cast<StringAttr>(dict.get(key)).str();
  }
};

/// A float literal that round-trips exactly (formatv would print 2 digits).
std::string floatLiteral(float value) {
  char text[48];
  snprintf(text, sizeof(text), "%.9gf /* %a */", value, value);
  return text;
}

SpecView specOf(ModuleOp module) {
  return {module->getAttrOfType<DictionaryAttr>("loom.spec")};
}

//===----------------------------------------------------------------------===//
// Glue
//===----------------------------------------------------------------------===//

/// Which function of the glue is being written. Forward runs the whole
/// plan; decoding splits it: DecodeInit runs the source side once, with the
/// cross-attention keys/values going to DecodeState::cross, and DecodeStep
/// runs the target side for one position of every row (T = 1) over the
/// self-attention caches.
enum class Mode { Forward, DecodeInit, DecodeStep };

class GlueWriter {
public:
  GlueWriter(ModuleOp module, const Plan &plan);
  std::string write();

private:
  void writeKernelTable();
  void writeForward();
  void writeDecodeInit();
  void writeDecodeStep();
  void writeSteps();
  void writeStep(const KernelStep &step, size_t index);
  void writeSelfAttentionStep(const KernelStep &step, int cache);
  void writeApi();
  bool decodes() const { return spec.s("architecture") != "encoder"; }

  std::string rows(RowSpace r) const {
    return r == RowSpace::Source ? "rowsS" : "rowsT";
  }
  std::string length(RowSpace r) const {
    return r == RowSpace::Source ? "S" : "T";
  }
  /// Pointer to the first element an operand views.
  std::string pointer(const Operand &o) const {
    switch (o.kind) {
    case Operand::Buffer: {
      auto cross = crossSlot.find(o.index);
      if (mode != Mode::Forward && cross != crossSlot.end())
        return formatv("st.cross[{0}].data() + {1}", cross->second, o.column);
      return formatv("a + {0} * rowsMax + {1}", plan.buffers[o.index].offset,
                     o.column);
    }
    case Operand::Output:
      if (mode == Mode::DecodeStep)
        return formatv("st.logits.data() + {0}", o.column);
      return formatv("out + {0}", o.column);
    case Operand::Weight:
      return formatv("m.weight({0}).data + {1}", o.index, o.column);
    case Operand::Input:
      if (mode == Mode::DecodeStep && !plan.inputs[o.index].isLengths &&
          plan.inputs[o.index].rows == RowSpace::Target)
        return "tokens";
      return plan.inputs[o.index].name;
    }
    llvm_unreachable("operand kind");
  }
  std::string mat(const Operand &o, RowSpace r, bool isConst) const {
    if (o.kind == Operand::Weight)
      return formatv("columns(m.weight({0}), {1}, {2})", o.index, o.column,
                     o.width);
    return formatv("{0}{{{1}, {2}, {3}, {4}}", isConst ? "ConstMat" : "Mat",
                   pointer(o), rows(r), o.width, o.rowStride);
  }
  std::string heads(const Operand &o, RowSpace r, const KernelStep &s) const {
    return formatv("Heads{{{0}, B, {1}, {2}, {3}, {4}}", pointer(o),
                   length(r), s.heads, s.headDim, o.rowStride);
  }

  SpecView spec;
  const Plan &plan;
  std::string name;
  Mode mode = Mode::Forward;
  /// Source-side buffers that target-side attention reads (the projected
  /// memory of each cross-attention), and their slots in DecodeState::cross.
  std::map<int, int> crossSlot;
  std::vector<int64_t> crossWidths;
  /// Target-side self-attention steps and their slots in the KV cache.
  std::map<size_t, int> selfSlot;
  std::string text;
  llvm::raw_string_ostream os{text};
};

GlueWriter::GlueWriter(ModuleOp module, const Plan &plan)
    : spec(specOf(module)), plan(plan), name(spec.s("name")) {
  for (auto [i, step] : llvm::enumerate(plan.steps)) {
    if (step.kind != KernelKind::Attention || step.rows != RowSpace::Target)
      continue;
    if (step.keyRows == RowSpace::Target) {
      int slot = selfSlot.size();
      selfSlot[i] = slot;
      continue;
    }
    const Operand &kv = step.inputs[1];
    if (kv.kind == Operand::Buffer && !crossSlot.count(kv.index)) {
      int slot = crossSlot.size();
      crossSlot[kv.index] = slot;
      crossWidths.push_back(kv.rowStride);
    }
  }
}

std::string GlueWriter::write() {
  os << "// Generated by loomc for model '" << name
     << "': the inference plan as kernel calls.\n"
     << "// Do not edit; recompile the spec instead.\n"
     << "#include \"loom/runtime/CApi.h\"\n"
     << "#include \"loom/runtime/Decoding.h\"\n\n"
     << "#include <algorithm>\n\n"
     << "using namespace loom;\n\n";
  writeKernelTable();
  os << "namespace {\n\n";
  os << "const WeightSpec kWeights[] = {\n";
  for (const PlannedWeight &w : plan.weights) {
    os << formatv("    {{\"{0}\", {1}, {{{2}, {3}}, {4}},\n", w.name,
                  w.shape.size(), w.shape[0],
                  w.shape.size() > 1 ? w.shape[1] : 0,
                  w.transposed ? "true" : "false");
  }
  os << "};\n\n";
  os << formatv("const ModelDescription kModel = {{\n"
                "    {{\"{0}\", \"{1}\", {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9},"
                " {10}, {11}, {12}},\n"
                "    kWeights, {13}};\n\n",
                name, spec.s("architecture"), spec.i("d_model"),
                spec.i("heads"), spec.i("ffn_hidden"),
                spec.i("encoder_layers"), spec.i("decoder_layers"),
                spec.i("src_vocab"), spec.i("tgt_vocab"), spec.i("max_len"),
                spec.i("pad_id"), spec.i("bos_id"), spec.i("eos_id"),
                plan.weights.size());
  os << formatv("// Arena size in units of rowsMax = B * max(S, T) floats.\n"
                "constexpr int64_t kArenaUnits = {0};\n\n",
                plan.arenaUnits);
  writeForward();
  if (decodes()) {
    if (spec.s("architecture") == "encoder_decoder")
      writeDecodeInit();
    writeDecodeStep();
  }
  os << "} // namespace\n\n";
  writeApi();
  return text;
}

void GlueWriter::writeKernelTable() {
  std::vector<std::string> keys = kernelVariants(plan, decodes());
  os << "// The AOT kernels: one per signature and target.\nextern \"C\" {\n";
  for (const std::string &key : keys) {
    llvm::StringRef fn = describeVariant(key).cType;
    for (const KernelTarget &t : kTargets)
      os << formatv("{0}Sig loom_{1}_{2};\n", fn.drop_back(2), key, t.suffix);
  }
  os << "}\n\nnamespace {\n\n"
     << "// Each kernel's AVX-512 variant where the CPU has it, else AVX2.\n"
     << "struct Kernels {\n";
  for (const std::string &key : keys)
    os << formatv("  Kernel<{0}> {1} = pick<{0}>(loom_{1}_avx512, "
                  "loom_{1}_avx2, \"{1}\");\n",
                  describeVariant(key).cType, key);
  os << "};\n\nconst Kernels &kernels() {\n  static const Kernels k;\n"
     << "  return k;\n}\n\n} // namespace\n\n";
}

void GlueWriter::writeSteps() {
  for (auto [i, step] : llvm::enumerate(plan.steps)) {
    if ((mode == Mode::DecodeInit && step.rows == RowSpace::Target) ||
        (mode == Mode::DecodeStep && step.rows == RowSpace::Source))
      continue;
    auto self = selfSlot.find(i);
    if (mode == Mode::DecodeStep && self != selfSlot.end())
      writeSelfAttentionStep(step, self->second);
    else
      writeStep(step, i);
  }
}

/// Decoding: the new position's key and value join the cache, and the query
/// attends over positions 0..t (st.keyLengths = t + 1; no causal mask is
/// needed for a single query at the newest position).
void GlueWriter::writeSelfAttentionStep(const KernelStep &step, int cache) {
  const std::vector<Operand> &in = step.inputs;
  os << formatv("  // self-attention over the KV cache, layer {0}\n", cache);
  os << formatv("  DecodeState::append(st.selfKeys[{0}], st.capacity, t, {1});\n",
                cache, mat(in[1], RowSpace::Target, true));
  os << formatv("  DecodeState::append(st.selfValues[{0}], st.capacity, t, "
                "{1});\n",
                cache, mat(in[2], RowSpace::Target, true));
  std::string cached = "Heads{{st.{0}[{1}].data(), B, st.capacity, {2}, {3}, {4}}";
  os << formatv("  LOOM_RETURN_IF_ERROR(runAttention(k.attention_key_padding_d{0}"
                ", {1}, {2}, {3}, st.keyLengths.data(), {4}, {5}));\n",
                step.headDim, heads(in[0], RowSpace::Target, step),
                formatv(cached.c_str(), "selfKeys", cache, step.heads,
                        step.headDim, step.heads * step.headDim)
                    .str(),
                formatv(cached.c_str(), "selfValues", cache, step.heads,
                        step.headDim, step.heads * step.headDim)
                    .str(),
                floatLiteral(step.scale),
                heads(step.outputs[0], RowSpace::Target, step));
}

void GlueWriter::writeStep(const KernelStep &step, size_t index) {
  os << formatv("  // {0}: {1}", index, step.variant);
  if (!step.location.empty())
    os << "  (" << step.location << ")";
  os << "\n  LOOM_RETURN_IF_ERROR(";
  const std::vector<Operand> &in = step.inputs;
  RowSpace r = step.rows;
  std::string key = kernelKey(step);
  switch (step.kind) {
  case KernelKind::Embed:
    // Decoding embeds one token per row at position t: the table's row t.
    os << formatv("runEmbed(k.{0}, {1}, B, {2}, m.weight({3}), {4}, {5})", key,
                  pointer(in[1]), length(r), in[0].index,
                  mode == Mode::DecodeStep ? "rowsFrom(m.positional(), t)"
                                           : "m.positional()",
                  mat(step.outputs[0], r, false));
    break;
  case KernelKind::Linear:
    os << formatv("runLinear(k.{0}, {1}, {2}, {3}, {4})", key,
                  mat(in[0], r, true), mat(in[1], r, true), pointer(in[2]),
                  mat(step.outputs[0], r, false));
    break;
  case KernelKind::Attention: {
    RowSpace kr = step.keyRows;
    std::string lengths =
        step.keyLengthsInput >= 0
            ? plan.inputs[step.keyLengthsInput].name
            : (kr == RowSpace::Source ? "src_len" : "tgt_len");
    os << formatv("runAttention(k.{0}, {1}, {2}, {3}, {4}, {5}, {6})", key,
                  heads(in[0], r, step), heads(in[1], kr, step),
                  heads(in[2], kr, step), lengths, floatLiteral(step.scale),
                  heads(step.outputs[0], r, step));
    break;
  }
  case KernelKind::LayerNorm:
    os << formatv("runLayerNorm(k.{0}, {1}, {2}, {3}, {4}, {5})", key,
                  mat(in[0], r, true), pointer(in[1]), pointer(in[2]),
                  floatLiteral(step.epsilon), mat(step.outputs[0], r, false));
    break;
  case KernelKind::AddNorm:
    if (step.outputs.size() == 2)
      os << formatv("runAddNormSum(k.{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7})",
                    key, mat(in[0], r, true), mat(in[1], r, true),
                    pointer(in[2]), pointer(in[3]), floatLiteral(step.epsilon),
                    mat(step.outputs[0], r, false),
                    mat(step.outputs[1], r, false));
    else
      os << formatv("runAddNorm(k.{0}, {1}, {2}, {3}, {4}, {5}, {6})", key,
                    mat(in[0], r, true), mat(in[1], r, true), pointer(in[2]),
                    pointer(in[3]), floatLiteral(step.epsilon),
                    mat(step.outputs[0], r, false));
    break;
  case KernelKind::Add:
    os << formatv("runAdd({0}, {1}, {2})", mat(in[0], r, true),
                  mat(in[1], r, true), mat(step.outputs[0], r, false));
    break;
  }
  os << ");\n";
}

void GlueWriter::writeForward() {
  os << "/// The forward plan: S and T are 0 where the architecture has no\n"
     << "/// source or target side.\n"
     << "Status forward(Model &m, int64_t B, int64_t S, const int32_t *src,\n"
     << "               const int32_t *src_len, int64_t T, const int32_t *tgt,\n"
     << "               const int32_t *tgt_len, float *out) {\n"
     << "  const Kernels &k = kernels();\n"
     << "  const int64_t rowsS = B * S, rowsT = B * T;\n"
     << "  const int64_t rowsMax = B * std::max(S, T);\n"
     << "  StatusOr<float *> arena =\n"
     << "      m.arena(size_t(kArenaUnits) * size_t(rowsMax) * sizeof(float));\n"
     << "  if (!arena.ok())\n    return arena.status();\n"
     << "  float *a = *arena;\n"
     << "  (void)a; (void)rowsS; (void)rowsT; (void)src; (void)src_len;\n"
     << "  (void)tgt; (void)tgt_len;\n";
  writeSteps();
  os << "  return Status();\n}\n\n";
}

void GlueWriter::writeDecodeInit() {
  mode = Mode::DecodeInit;
  os << "/// Decoding, once per call: the source side of the plan. Each\n"
     << "/// cross-attention's projected memory goes to st.cross.\n"
     << "Status decodeInit(Model &m, DecodeState &st, int64_t B, int64_t S,\n"
     << "                  const int32_t *src, const int32_t *src_len) {\n"
     << "  const Kernels &k = kernels();\n";
  os << formatv("  st.reset(B, S, {0}, {1}, {2}, {{", spec.i("max_len"),
                selfSlot.size(), spec.i("d_model"));
  llvm::interleaveComma(crossWidths, os);
  os << formatv("}, {0});\n", spec.i("tgt_vocab"));
  os << "  const int64_t T = 0, rowsS = B * S, rowsT = 0, rowsMax = B * S;\n"
     << "  StatusOr<float *> arena =\n"
     << "      m.arena(size_t(kArenaUnits) * size_t(rowsMax) * sizeof(float));\n"
     << "  if (!arena.ok())\n    return arena.status();\n"
     << "  float *a = *arena;\n"
     << "  (void)k; (void)a; (void)T; (void)rowsS; (void)rowsT; (void)src;\n"
     << "  (void)src_len;\n";
  writeSteps();
  os << "  return Status();\n}\n\n";
  mode = Mode::Forward;
}

void GlueWriter::writeDecodeStep() {
  mode = Mode::DecodeStep;
  os << "/// Decoding, once per position t: the target side of the plan for\n"
     << "/// one new token per row; `next` gets the argmax of its logits.\n"
     << "Status decodeStep(Model &m, DecodeState &st, int64_t B, int64_t t,\n"
     << "                  const int32_t *tokens, int32_t *next) {\n"
     << "  const Kernels &k = kernels();\n"
     << "  const int64_t S = st.sourceLength, T = 1;\n"
     << "  const int64_t rowsS = B * S, rowsT = B, rowsMax = B;\n"
     << "  const int32_t *src_len = st.sourceLengths.data();\n"
     << "  StatusOr<float *> arena =\n"
     << "      m.arena(size_t(kArenaUnits) * size_t(rowsMax) * sizeof(float));\n"
     << "  if (!arena.ok())\n    return arena.status();\n"
     << "  float *a = *arena;\n"
     << "  std::fill(st.keyLengths.begin(), st.keyLengths.end(), int32_t(t + 1));\n"
     << "  (void)T; (void)rowsS; (void)src_len;\n";
  writeSteps();
  os << formatv("  return runArgmax(k.argmax_rows, ConstMat{{st.logits.data(), "
                "B, {0}, {0}}, next);\n}\n\n",
                spec.i("tgt_vocab"));
  mode = Mode::Forward;
}

void GlueWriter::writeApi() {
  std::string arch = spec.s("architecture");
  bool hasSrc = arch != "decoder", hasTgt = arch != "encoder";
  os << "extern \"C\" {\n\n";
  os << formatv(R"(LOOM_EXPORT const loom_model_info *{0}_info(void) {{
  return &kModel.info;
}
LOOM_EXPORT loom_status {0}_create(const char *weights_path, int threads,
                                   loom_model **out) {{
  return capi::create(kModel, weights_path, threads, out);
}
LOOM_EXPORT loom_status {0}_create_seeded(uint64_t seed, int threads,
                                          loom_model **out) {{
  return capi::createSeeded(kModel, seed, threads, out);
}
LOOM_EXPORT void {0}_free(loom_model *model) {{ capi::destroy(model); }
LOOM_EXPORT const char *{0}_last_error(void) {{ return loom_last_error(); }
LOOM_EXPORT loom_status {0}_save_weights(loom_model *model, const char *path) {{
  return capi::saveWeights(model, path);
}
)",
                name);
  os << formatv(R"(LOOM_EXPORT loom_status {0}_forward(loom_model *model, int64_t batch,
    int64_t src_max, const int32_t *src, const int32_t *src_len,
    int64_t tgt_max, const int32_t *tgt, const int32_t *tgt_len, float *out) {{
  return capi::call(model, [&](Model &m) -> Status {{
    if (!out)
      return Status::invalidArgument("the output array is NULL");
)",
                name);
  if (hasSrc)
    os << formatv("    LOOM_RETURN_IF_ERROR(m.checkTokens(\"src\", src, src_len,"
                  " batch, src_max, {0}));\n",
                  spec.i("src_vocab"));
  else
    os << "    src_max = 0;\n";
  if (hasTgt)
    os << formatv("    LOOM_RETURN_IF_ERROR(m.checkTokens(\"tgt\", tgt, tgt_len,"
                  " batch, tgt_max, {0}));\n",
                  spec.i("tgt_vocab"));
  else
    os << "    tgt_max = 0;\n";
  os << "    return forward(m, batch, src_max, src, src_len, tgt_max, tgt, "
        "tgt_len, out);\n  });\n}\n\n";
  if (arch == "encoder_decoder")
    os << formatv(R"(LOOM_EXPORT loom_status {0}_translate(loom_model *model, int64_t batch,
    int64_t src_max, const int32_t *src, const int32_t *src_len,
    int64_t max_new, int32_t *tokens) {{
  return capi::call(model, [&](Model &m) -> Status {{
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("src", src, src_len, batch, src_max, {1}));
    DecodeState st;
    st.sourceLengths.assign(src_len, src_len + batch);
    return greedyTranslate(m, st, decodeInit, decodeStep, batch, src_max, src,
                           src_len, max_new, tokens);
  });
}

)",
                  name, spec.i("src_vocab"));
  if (arch == "decoder")
    os << formatv(R"(LOOM_EXPORT loom_status {0}_generate(loom_model *model, int64_t batch,
    int64_t prompt_max, const int32_t *prompt, const int32_t *prompt_len,
    int64_t max_new, int32_t *tokens) {{
  return capi::call(model, [&](Model &m) -> Status {{
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(
        m.checkTokens("prompt", prompt, prompt_len, batch, prompt_max, {1}));
    DecodeState st;
    st.reset(batch, 0, {2}, {3}, {4}, {{}, {1});
    return greedyGenerate(m, st, decodeStep, batch, prompt_max, prompt,
                          prompt_len, max_new, tokens);
  });
}

)",
                  name, spec.i("tgt_vocab"), spec.i("max_len"), selfSlot.size(),
                  spec.i("d_model"));
  os << "} // extern \"C\"\n";
}

//===----------------------------------------------------------------------===//
// Processes
//===----------------------------------------------------------------------===//

/// Runs `argv`; on failure returns the tail of what it printed.
LogicalResult run(llvm::ArrayRef<std::string> argv, std::string &log) {
  llvm::SmallString<128> logPath;
  if (llvm::sys::fs::createTemporaryFile("loomc", "log", logPath))
    return failure();
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  llvm::SmallVector<llvm::StringRef> args(argv.begin(), argv.end());
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(argv[0], args, std::nullopt, redirects,
                                     0, 0, &error);
  if (auto text = llvm::MemoryBuffer::getFile(logPath))
    log = (*text)->getBuffer().take_back(4000).str();
  llvm::sys::fs::remove(logPath);
  if (rc != 0) {
    log = llvm::join(argv, " ") + "\n" + error + "\n" + log;
    return failure();
  }
  return success();
}

std::string hashFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return "nofile";
  return llvm::utohexstr(llvm::xxh3_64bits(
      llvm::arrayRefFromStringRef((*buffer)->getBuffer())));
}

/// One loom-kernelgen invocation and where its object lands in the cache.
struct KernelJob {
  std::string label;
  std::vector<std::string> argv; // without -o
  std::string cacheDir, object;
};

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

Toolchain Toolchain::fromBuild() {
  auto env = [](const char *name, const char *fallback) {
    const char *v = std::getenv(name);
    return std::string(v && *v ? v : fallback);
  };
  Toolchain t;
  t.kernelgen = env("LOOM_KERNELGEN", LOOM_DEFAULT_KERNELGEN);
  t.cxx = env("LOOM_CXX", LOOM_DEFAULT_CXX);
  t.runtimeLib = env("LOOM_RUNTIME_LIB", LOOM_DEFAULT_RUNTIME_LIB);
  llvm::SmallVector<llvm::StringRef> dirs;
  llvm::StringRef(LOOM_DEFAULT_INCLUDE_DIRS).split(dirs, ':');
  for (llvm::StringRef d : dirs)
    t.includeDirs.push_back(d.str());
  std::string home = env("HOME", "/tmp");
  std::string cacheHome = env("XDG_CACHE_HOME", (home + "/.cache").c_str());
  t.kernelCache = env("LOOM_KERNEL_CACHE", (cacheHome + "/loom/kernels").c_str());
  return t;
}

std::vector<std::string> loom::kernelVariants(const Plan &plan,
                                              bool decoding) {
  std::vector<std::string> keys;
  llvm::StringSet<> seen;
  for (const KernelStep &step : plan.steps)
    if (step.kind != KernelKind::Add && seen.insert(kernelKey(step)).second)
      keys.push_back(kernelKey(step));
  if (!decoding)
    return keys;
  if (seen.insert("argmax_rows").second)
    keys.push_back("argmax_rows");
  // A cached self-attention step masks keys past t by length.
  for (const KernelStep &step : plan.steps)
    if (step.kind == KernelKind::Attention &&
        step.keyRows == RowSpace::Target) {
      std::string key = formatv("attention_key_padding_d{0}", step.headDim);
      if (seen.insert(key).second)
        keys.push_back(key);
    }
  return keys;
}

std::string loom::emitGlue(ModuleOp module, const Plan &plan) {
  return GlueWriter(module, plan).write();
}

std::string loom::emitHeader(ModuleOp module) {
  SpecView spec = specOf(module);
  std::string name = spec.s("name");
  std::string arch = spec.s("architecture");
  std::string guard = llvm::StringRef(name).upper() + "_H";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << formatv(R"(/* {0}.h - generated by loomc: the C API of lib{0}.so.
 *
 * Model '{0}': {1}, d_model {2}, {3} heads, {4} encoder and {5} decoder
 * layers, vocabularies {6} (source) and {7} (target), max_len {8}.
 * Every function returns a loom_status (0 = LOOM_OK); on failure
 * {0}_last_error() says what was wrong, naming the input or tensor.
 * Arrays are caller-owned and C-contiguous; tokens and lengths are int32.
 */
#ifndef {9}
#define {9}

#include "loom_model_api.h"

#ifdef __cplusplus
extern "C" {{
#endif

/* Static description of the model. */
const loom_model_info *{0}_info(void);
/* Loads weights from a safetensors file (threads <= 0: all cores). */
loom_status {0}_create(const char *weights_path, int threads, loom_model **out);
/* Initialises weights in-library from a seed. */
loom_status {0}_create_seeded(uint64_t seed, int threads, loom_model **out);
void {0}_free(loom_model *model);
const char *{0}_last_error(void);
/* Writes the weights as safetensors (state_dict names), atomically. */
loom_status {0}_save_weights(loom_model *model, const char *path);
)",
                name, arch, spec.i("d_model"), spec.i("heads"),
                spec.i("encoder_layers"), spec.i("decoder_layers"),
                spec.i("src_vocab"), spec.i("tgt_vocab"), spec.i("max_len"),
                guard);
  if (arch == "encoder_decoder")
    os << "/* logits[B, T, tgt_vocab] for src[B, S], tgt[B, T]. */\n";
  else if (arch == "encoder")
    os << "/* hidden[B, S, d_model] for src[B, S]; pass tgt_max = 0 and "
          "NULLs. */\n";
  else
    os << "/* logits[B, T, tgt_vocab] for tgt[B, T]; pass src_max = 0 and "
          "NULLs. */\n";
  os << formatv(R"(loom_status {0}_forward(loom_model *model, int64_t batch,
    int64_t src_max, const int32_t *src, const int32_t *src_len,
    int64_t tgt_max, const int32_t *tgt, const int32_t *tgt_len, float *out);
)",
                name);
  if (arch == "encoder_decoder")
    os << formatv(R"(/* Greedy translation with a KV cache: tokens[B, max_new] (int32), pad_id
 * after eos_id; max_new <= max_len. */
loom_status {0}_translate(loom_model *model, int64_t batch, int64_t src_max,
    const int32_t *src, const int32_t *src_len, int64_t max_new,
    int32_t *tokens);
)",
                  name);
  if (arch == "decoder")
    os << formatv(R"(/* Greedy continuation of each prompt row (prompt_len[b] tokens) with a KV
 * cache: tokens[B, max_new], pad_id after eos_id; needs
 * max(prompt_len) + max_new - 1 <= max_len. */
loom_status {0}_generate(loom_model *model, int64_t batch, int64_t prompt_max,
    const int32_t *prompt, const int32_t *prompt_len, int64_t max_new,
    int32_t *tokens);
)",
                  name);
  os << formatv(R"(
#ifdef __cplusplus
}
#endif

#endif /* {0} */
)",
                guard);
  return text;
}

LogicalResult loom::emitLibrary(ModuleOp module, const Plan &plan,
                                const Toolchain &tc,
                                llvm::StringRef outDirArg) {
  // Absolute paths: createUniqueDirectory puts relative ones under /tmp.
  llvm::SmallString<128> outDir(outDirArg);
  llvm::sys::fs::make_absolute(outDir);
  std::string name = specOf(module).s("name");
  auto fail = [&](const llvm::Twine &message) {
    llvm::errs() << "loomc: error: " << message << "\n";
    return failure();
  };
  if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
    return fail("cannot create '" + outDir + "': " + ec.message());
  llvm::SmallString<128> work;
  if (std::error_code ec = llvm::sys::fs::createUniqueDirectory(
          outDir + "/.loomc-" + name, work))
    return fail("cannot create a work directory in '" + outDir +
                "': " + ec.message());
  auto cleanup = llvm::make_scope_exit(
      [&] { llvm::sys::fs::remove_directories(work); });

  // 1. Kernels, from the cache or from loom-kernelgen.
  std::string genHash = hashFile(tc.kernelgen);
  std::vector<KernelJob> jobs;
  auto addJob = [&](const std::string &label, const std::string &symbol,
                    std::vector<std::string> args) {
    KernelJob job;
    job.label = label;
    job.argv = {tc.kernelgen};
    job.argv.insert(job.argv.end(), args.begin(), args.end());
    job.argv.push_back("--name=" + symbol);
    std::string key = llvm::join(job.argv, " ") + genHash;
    job.cacheDir = tc.kernelCache + "/" +
                   llvm::utohexstr(llvm::xxh3_64bits(key));
    job.object = job.cacheDir + "/" + symbol + ".o";
    jobs.push_back(std::move(job));
  };
  bool decoding = specOf(module).s("architecture") != "encoder";
  for (const std::string &key : kernelVariants(plan, decoding)) {
    VariantInfo info = describeVariant(key);
    for (const KernelTarget &t : kTargets) {
      std::vector<std::string> args = info.flags;
      args.push_back(std::string("--target=") + t.target);
      addJob(key + " (" + t.suffix + ")", "loom_" + key + "_" + t.suffix,
             args);
    }
  }
  addJob("Halide runtime", "loom_halide_runtime",
         {"--runtime-only", std::string("--target=") + kRuntimeTarget});

  if (std::error_code ec = llvm::sys::fs::create_directories(tc.kernelCache))
    return fail("cannot create the kernel cache '" + tc.kernelCache +
                "': " + ec.message());
  std::vector<KernelJob *> missing;
  for (KernelJob &job : jobs)
    if (!llvm::sys::fs::exists(job.object))
      missing.push_back(&job);
  llvm::errs() << formatv("loomc: {0} kernels for '{1}': {2} cached, {3} to "
                          "generate\n",
                          jobs.size(), name, jobs.size() - missing.size(),
                          missing.size());
  std::atomic<int> done{0}, failures{0};
  std::mutex logMutex;
  std::string failureLog;
  {
    llvm::DefaultThreadPool pool(llvm::hardware_concurrency());
    for (KernelJob *job : missing)
      pool.async([&, job] {
        llvm::SmallString<128> tmp;
        std::string log;
        std::error_code ec =
            llvm::sys::fs::createUniqueDirectory(job->cacheDir + ".tmp", tmp);
        bool ok = !ec;
        if (!ok)
          log = "cannot create a directory in the kernel cache '" +
                tc.kernelCache + "': " + ec.message();
        if (ok) {
          std::vector<std::string> argv = job->argv;
          argv.push_back("-o");
          argv.push_back(tmp.str().str());
          ok = succeeded(run(argv, log));
        }
        // Publish the finished directory in one rename, so a concurrent or
        // interrupted loomc never sees half a kernel.
        if (ok) {
          llvm::sys::fs::create_directories(
              llvm::sys::path::parent_path(job->cacheDir));
          if (llvm::sys::fs::rename(tmp, job->cacheDir) &&
              !llvm::sys::fs::exists(job->object))
            ok = false;
        }
        llvm::sys::fs::remove_directories(tmp);
        std::lock_guard<std::mutex> lock(logMutex);
        if (!ok) {
          ++failures;
          failureLog += "kernel " + job->label + " failed:\n" + log + "\n";
          return;
        }
        llvm::errs() << formatv("loomc: [{0}/{1}] generated {2}\n", ++done,
                                missing.size(), job->label);
      });
    pool.wait();
  }
  if (failures)
    return fail(failureLog);

  // 2. Glue and header.
  std::string gluePath = (work + "/" + name + "_glue.cpp").str();
  std::string headerPath = (work + "/" + name + ".h").str();
  std::string libPath = (work + "/lib" + name + ".so").str();
  {
    std::error_code ec;
    llvm::raw_fd_ostream glue(gluePath, ec);
    if (ec)
      return fail("cannot write '" + gluePath + "': " + ec.message());
    glue << emitGlue(module, plan);
    llvm::raw_fd_ostream header(headerPath, ec);
    if (ec)
      return fail("cannot write '" + headerPath + "': " + ec.message());
    header << emitHeader(module);
  }

  // 3. Compile and link.
  llvm::errs() << "loomc: compiling and linking lib" << name << ".so\n";
  std::vector<std::string> argv = {tc.cxx, "-std=c++17", "-O2", "-fPIC",
                                   "-shared", "-fvisibility=hidden"};
  for (const std::string &dir : tc.includeDirs)
    argv.push_back("-I" + dir);
  argv.insert(argv.end(), {gluePath, "-o", libPath});
  for (const KernelJob &job : jobs)
    argv.push_back(job.object);
  // The whole runtime archive: its halide_do_par_for must replace the weak
  // one in Halide's runtime object. Its symbols stay internal to the library.
  argv.insert(argv.end(), {"-Wl,--whole-archive", tc.runtimeLib,
                           "-Wl,--no-whole-archive", "-Wl,--exclude-libs,ALL",
                           "-Wl,-z,defs", "-ltbb", "-lpthread", "-ldl"});
  std::string log;
  if (failed(run(argv, log)))
    return fail("compiling the glue failed:\n" + log);

  // 4. Publish both files only now: on any failure above, outDir is as it
  // was.
  std::string finalLib = (outDir + "/lib" + name + ".so").str();
  std::string finalHeader = (outDir + "/" + name + ".h").str();
  std::string finalApi = (outDir + "/loom_model_api.h").str();
  std::string apiHeader;
  for (const std::string &dir : tc.includeDirs)
    if (llvm::sys::fs::exists(dir + "/loom/loom_model_api.h"))
      apiHeader = dir + "/loom/loom_model_api.h";
  if (apiHeader.empty())
    return fail("loom_model_api.h not found in the include directories");
  if (std::error_code ec = llvm::sys::fs::copy_file(
          apiHeader, (work + "/loom_model_api.h").str()))
    return fail("cannot copy loom_model_api.h: " + ec.message());
  for (auto [from, to] :
       {std::pair<std::string, std::string>{libPath, finalLib},
        {headerPath, finalHeader},
        {(work + "/loom_model_api.h").str(), finalApi}})
    if (std::error_code ec = llvm::sys::fs::rename(from, to))
      return fail("cannot write '" + to + "': " + ec.message());
  llvm::errs() << "loomc: wrote " << finalLib << " and " << finalHeader
               << "\n";
  return success();
}
