//===- SpecImporter.cpp - ModelSpec -> unfused loom IR --------------------===//
//
// Emits the graph that loom_reference.py computes, op for op, in PyTorch's
// nn.Transformer order (batch_first, eval semantics plus dropout ops that the
// inference pipeline strips). Weight names are the reference's state_dict
// names. Batch and sequence dims are dynamic in every type.
//
//===----------------------------------------------------------------------===//
#include "Import/SpecImporter.h"

#include "loom/LoomOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace loom;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

class ModelBuilder {
public:
  ModelBuilder(MLIRContext &context, const ModelSpec &spec)
      : builder(&context), spec(spec), f32(builder.getF32Type()),
        i32(builder.getI32Type()) {}

  OwningOpRef<ModuleOp> build();

private:
  // Types. B and S are dynamic; everything else is static.
  RankedTensorType activations(int64_t width) {
    return RankedTensorType::get({kDyn, kDyn, width}, f32);
  }
  RankedTensorType perHead() {
    return RankedTensorType::get({kDyn, spec.heads, kDyn, spec.headDim()}, f32);
  }
  RankedTensorType scores() {
    return RankedTensorType::get({kDyn, spec.heads, kDyn, kDyn}, f32);
  }

  /// `name` (a state_dict prefix) located at `line` of the spec file.
  Location loc(const Twine &name, unsigned line) {
    auto file = FileLineColLoc::get(builder.getStringAttr(spec.path), line, 1);
    return NameLoc::get(builder.getStringAttr(name), file);
  }

  Value weight(const Twine &name, ArrayRef<int64_t> shape) {
    return builder.create<WeightOp>(
        currentLoc, RankedTensorType::get(shape, f32),
        builder.getStringAttr(name));
  }
  Value dropout(Value x) {
    if (spec.dropout == 0.0)
      return x;
    // The stream is numbered by --loom-autodiff.
    return builder.create<DropoutOp>(currentLoc, x.getType(), x,
                                     builder.getF32FloatAttr(spec.dropout),
                                     builder.getI64IntegerAttr(0));
  }
  Value linear(Value x, const Twine &prefix, int64_t in, int64_t out) {
    Value w = weight(prefix + ".weight", {out, in});
    Value b = weight(prefix + ".bias", {out});
    return builder.create<LinearOp>(currentLoc, activations(out), x, w, b,
                                    DenseI64ArrayAttr());
  }
  Value layerNorm(Value x, const Twine &prefix) {
    Value g = weight(prefix + ".weight", {spec.dModel});
    Value b = weight(prefix + ".bias", {spec.dModel});
    return builder
        .create<LayerNormOp>(currentLoc, x, g, b, float(spec.layerNormEps))
        .getResult();
  }

  Value embed(Value tokens, StringRef table, int64_t vocab);
  Value attention(Value query, Value memory, const Twine &prefix, bool causal,
                  Value keyLengths);
  Value feedForward(Value x, const Twine &prefix);
  Value sublayer(Value x, function_ref<Value(Value)> body,
                 const Twine &normPrefix);
  Value encoderLayer(Value x, const Twine &prefix, Value lengths, bool causal);
  Value decoderLayer(Value x, Value memory, const Twine &prefix,
                     Value tgtLengths, Value srcLengths);
  DictionaryAttr specAttr();

  OpBuilder builder;
  const ModelSpec &spec;
  Type f32, i32;
  Location currentLoc = builder.getUnknownLoc();
};

Value ModelBuilder::embed(Value tokens, StringRef table, int64_t vocab) {
  currentLoc = loc(table, spec.line);
  Value t = weight(table + ".weight", {vocab, spec.dModel});
  Value e = builder.create<EmbeddingOp>(currentLoc, activations(spec.dModel), t,
                                        tokens);
  Value scaled = builder.create<ScaleOp>(
      currentLoc, e, builder.getF32FloatAttr(std::sqrt(double(spec.dModel))));
  Value pe = builder.create<PositionalEncodingOp>(
      currentLoc, scaled.getType(), scaled,
      builder.getI64IntegerAttr(spec.maxLen));
  return dropout(pe);
}

/// nn.MultiheadAttention: PyTorch's packed in_proj_weight [3D, D] holds the
/// q, k and v projections. Self-attention projects once and splits three
/// ways; cross-attention projects the query with rows [0, D) and the memory
/// with rows [D, 3D).
Value ModelBuilder::attention(Value query, Value memory, const Twine &prefix,
                              bool causal, Value keyLengths) {
  int64_t d = spec.dModel;
  Value w = weight(prefix + ".in_proj_weight", {3 * d, d});
  Value b = weight(prefix + ".in_proj_bias", {3 * d});
  auto split = [&](Value packed, int64_t chunks, int64_t chunk) -> Value {
    return builder.create<SplitHeadsOp>(
        currentLoc, perHead(), packed, builder.getI64IntegerAttr(spec.heads),
        builder.getI64IntegerAttr(chunks), builder.getI64IntegerAttr(chunk));
  };
  Value q, k, v;
  if (!memory) {
    Value qkv = builder.create<LinearOp>(currentLoc, activations(3 * d), query,
                                         w, b, DenseI64ArrayAttr());
    q = split(qkv, 3, 0);
    k = split(qkv, 3, 1);
    v = split(qkv, 3, 2);
  } else {
    Value qp = builder.create<LinearOp>(currentLoc, activations(d), query, w, b,
                                        builder.getDenseI64ArrayAttr({0, d}));
    Value kv = builder.create<LinearOp>(currentLoc, activations(2 * d), memory,
                                        w, b,
                                        builder.getDenseI64ArrayAttr({d, 2 * d}));
    q = split(qp, 1, 0);
    k = split(kv, 2, 0);
    v = split(kv, 2, 1);
  }
  Value s = builder.create<MatmulOp>(currentLoc, scores(), q, k,
                                     /*transpose_lhs=*/UnitAttr(),
                                     /*transpose_rhs=*/builder.getUnitAttr());
  s = builder.create<ScaleOp>(
      currentLoc, s,
      builder.getF32FloatAttr(1.0 / std::sqrt(double(spec.headDim()))));
  if (causal)
    s = builder.create<CausalMaskOp>(currentLoc, s);
  s = builder.create<KeyPaddingMaskOp>(
      currentLoc, s.getType(), s, keyLengths,
      builder.getF32FloatAttr(-std::numeric_limits<float>::infinity()));
  Value p = builder.create<SoftmaxOp>(currentLoc, s,
                                      builder.getI64IntegerAttr(3));
  p = dropout(p);
  Value o = builder.create<MatmulOp>(currentLoc, perHead(), p, v, UnitAttr(),
                                     UnitAttr());
  Value merged =
      builder.create<MergeHeadsOp>(currentLoc, activations(d), o);
  return linear(merged, prefix + ".out_proj", d, d);
}

Value ModelBuilder::feedForward(Value x, const Twine &prefix) {
  Value h = linear(x, prefix + ".linear1", spec.dModel, spec.ffnHidden);
  if (spec.activation == "gelu")
    h = builder.create<GeluOp>(currentLoc, h);
  else
    h = builder.create<ReluOp>(currentLoc, h);
  return linear(dropout(h), prefix + ".linear2", spec.ffnHidden, spec.dModel);
}

/// Post-norm: LayerNorm(x + Dropout(body(x))). Pre-norm:
/// x + Dropout(body(LayerNorm(x))).
Value ModelBuilder::sublayer(Value x, function_ref<Value(Value)> body,
                             const Twine &normPrefix) {
  if (spec.normFirst) {
    Value y = dropout(body(layerNorm(x, normPrefix)));
    return builder.create<AddOp>(currentLoc, y, x);
  }
  Value y = dropout(body(x));
  return layerNorm(builder.create<AddOp>(currentLoc, y, x), normPrefix);
}

Value ModelBuilder::encoderLayer(Value x, const Twine &prefix, Value lengths,
                                 bool causal) {
  std::string p = prefix.str();
  currentLoc = loc(p, causal ? spec.decoderLine : spec.encoderLine);
  x = sublayer(
      x,
      [&](Value h) {
        return attention(h, Value(), p + ".self_attn", causal, lengths);
      },
      p + ".norm1");
  return sublayer(
      x, [&](Value h) { return feedForward(h, p); }, p + ".norm2");
}

Value ModelBuilder::decoderLayer(Value x, Value memory, const Twine &prefix,
                                 Value tgtLengths, Value srcLengths) {
  std::string p = prefix.str();
  currentLoc = loc(p, spec.decoderLine);
  x = sublayer(
      x,
      [&](Value h) {
        return attention(h, Value(), p + ".self_attn", /*causal=*/true,
                         tgtLengths);
      },
      p + ".norm1");
  x = sublayer(
      x,
      [&](Value h) {
        return attention(h, memory, p + ".multihead_attn", /*causal=*/false,
                         srcLengths);
      },
      p + ".norm2");
  return sublayer(
      x, [&](Value h) { return feedForward(h, p); }, p + ".norm3");
}

DictionaryAttr ModelBuilder::specAttr() {
  auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
  auto f = [&](double v) { return builder.getF64FloatAttr(v); };
  NamedAttrList attrs;
  attrs.append("name", builder.getStringAttr(spec.name));
  attrs.append("architecture", builder.getStringAttr(spec.architecture));
  attrs.append("d_model", i64(spec.dModel));
  attrs.append("heads", i64(spec.heads));
  attrs.append("ffn_hidden", i64(spec.ffnHidden));
  attrs.append("encoder_layers", i64(spec.encoderLayers));
  attrs.append("decoder_layers", i64(spec.decoderLayers));
  attrs.append("src_vocab", i64(spec.srcVocab));
  attrs.append("tgt_vocab", i64(spec.tgtVocab));
  attrs.append("max_len", i64(spec.maxLen));
  attrs.append("dropout", f(spec.dropout));
  attrs.append("activation", builder.getStringAttr(spec.activation));
  attrs.append("norm_first", builder.getBoolAttr(spec.normFirst));
  attrs.append("layer_norm_eps", f(spec.layerNormEps));
  attrs.append("final_norm", builder.getBoolAttr(spec.finalNorm));
  attrs.append("pad_id", i64(spec.padId));
  attrs.append("bos_id", i64(spec.bosId));
  attrs.append("eos_id", i64(spec.eosId));
  attrs.append("label_smoothing", f(spec.labelSmoothing));
  attrs.append("adam_beta1", f(spec.adamBeta1));
  attrs.append("adam_beta2", f(spec.adamBeta2));
  attrs.append("adam_eps", f(spec.adamEps));
  return attrs.getDictionary(builder.getContext());
}

OwningOpRef<ModuleOp> ModelBuilder::build() {
  Location top = loc(spec.name, spec.line);
  OwningOpRef<ModuleOp> module = ModuleOp::create(top, spec.name);
  (*module)->setAttr("loom.spec", specAttr());
  builder.setInsertionPointToEnd(module->getBody());

  auto tokens = RankedTensorType::get({kDyn, kDyn}, i32);
  auto lengths = RankedTensorType::get({kDyn}, i32);
  SmallVector<Type> inputs;
  SmallVector<StringRef> names;
  if (spec.hasEncoder()) {
    inputs.append({tokens, lengths});
    names.append({"src", "src_len"});
  }
  if (spec.hasDecoder()) {
    inputs.append({tokens, lengths});
    names.append({"tgt", "tgt_len"});
  }
  Type result = spec.hasDecoder() ? activations(spec.tgtVocab)
                                  : activations(spec.dModel);
  auto func = builder.create<func::FuncOp>(
      top, "forward", builder.getFunctionType(inputs, result));
  for (auto [i, name] : llvm::enumerate(names))
    func.setArgAttr(i, "loom.input", builder.getStringAttr(name));
  builder.setInsertionPointToEnd(func.addEntryBlock());
  ValueRange args = func.getArguments();

  bool encoderDecoder = spec.hasEncoder() && spec.hasDecoder();
  std::string stack = encoderDecoder ? "transformer.encoder" : "transformer";
  Value out;
  if (spec.hasEncoder()) {
    Value x = embed(args[0], "src_embedding", spec.srcVocab);
    for (int64_t i = 0; i < spec.encoderLayers; ++i)
      x = encoderLayer(x, stack + ".layers." + std::to_string(i), args[1],
                       /*causal=*/false);
    currentLoc = loc(stack + ".norm", spec.encoderLine);
    out = spec.finalNorm ? layerNorm(x, stack + ".norm") : x;
  }
  if (spec.hasDecoder()) {
    Value tgt = encoderDecoder ? args[2] : args[0];
    Value tgtLen = encoderDecoder ? args[3] : args[1];
    Value x = embed(tgt, "tgt_embedding", spec.tgtVocab);
    std::string decoder =
        encoderDecoder ? "transformer.decoder" : "transformer";
    for (int64_t i = 0; i < spec.decoderLayers; ++i) {
      std::string prefix = decoder + ".layers." + std::to_string(i);
      x = encoderDecoder ? decoderLayer(x, out, prefix, tgtLen, args[1])
                         : encoderLayer(x, prefix, tgtLen, /*causal=*/true);
    }
    currentLoc = loc(decoder + ".norm", spec.decoderLine);
    if (spec.finalNorm)
      x = layerNorm(x, decoder + ".norm");
    currentLoc = loc("output", spec.line);
    out = linear(x, "output", spec.dModel, spec.tgtVocab);
  }
  builder.create<func::ReturnOp>(top, out);
  return module;
}

} // namespace

OwningOpRef<ModuleOp> loom::importModelSpec(MLIRContext &context,
                                            const ModelSpec &spec) {
  context.loadDialect<LoomDialect, func::FuncDialect>();
  return ModelBuilder(context, spec).build();
}
