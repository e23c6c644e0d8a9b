//===- LowerToKernels.cpp - fused loom IR -> loom_kernel calls ------------===//
//
// Each loom op that has a kernel lowers itself (KernelLoweringOp, attached
// below as external models); the pass walks a function's ops in order,
// builds the kernel-level function next to it and replaces it. Epilogues
// (scale + positional encoding after an embedding, relu/gelu after a
// linear) are lowered by their anchor when they are its only user.
//
//===----------------------------------------------------------------------===//
#include "Lowering/KernelLowering.h"
#include "Lowering/Passes.h"
#include "Lowering/PlanRoles.h"

#include "loom/LoomOps.h"

#include "mlir/IR/IRMapping.h"

namespace loom {
#define GEN_PASS_DEF_LOOMLOWERTOKERNELS
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

#include "Lowering/KernelLowering.cpp.inc"

//===----------------------------------------------------------------------===//
// KernelLoweringState
//===----------------------------------------------------------------------===//

KernelLoweringState::KernelLoweringState(func::FuncOp target, Value returned,
                                         StringRef outputRole)
    : target_(target), builder_(target.getContext()), returned_(returned),
      outputRole_(outputRole.str()) {
  builder_.setInsertionPointToEnd(&target.getBody().front());
}

FailureOr<Value> KernelLoweringState::buffer(Operation *user, Value tensor) {
  if (tensor.getDefiningOp<loom::WeightOp>())
    return weight(user, tensor, /*transposed=*/false);
  auto it = buffers_.find(tensor);
  if (it != buffers_.end())
    return it->second;
  return user->emitError("an operand was computed by no kernel");
}

FailureOr<Value> KernelLoweringState::optionalBuffer(Operation *user,
                                                     Value tensor) {
  if (!tensor)
    return Value();
  return buffer(user, tensor);
}

FailureOr<SmallVector<Value>>
KernelLoweringState::buffers(Operation *user, ValueRange tensors) {
  SmallVector<Value> out;
  for (Value tensor : tensors) {
    FailureOr<Value> b = buffer(user, tensor);
    if (failed(b))
      return failure();
    out.push_back(*b);
  }
  return out;
}

FailureOr<Value> KernelLoweringState::weight(Operation *user, Value tensor,
                                             bool transposed) {
  auto op = tensor.getDefiningOp<loom::WeightOp>();
  if (!op)
    return user->emitError("expected a loom.weight operand");
  auto [it, inserted] = weights_.try_emplace(op.getName());
  if (!inserted) {
    if (it->second.second != transposed)
      return user->emitError("weight '")
             << op.getName()
             << "' is read both as a linear weight (stored transposed) and "
                "as a plain tensor";
    return it->second.first;
  }
  SmallVector<int64_t> dims(op.getType().getShape());
  if (transposed)
    std::swap(dims[0], dims[1]);
  Value w = builder_.create<kernel::WeightOp>(
      op.getLoc(), BufferType::get(dims, builder_.getF32Type()), op.getName(),
      transposed);
  it->second = {w, transposed};
  return w;
}

Value KernelLoweringState::positionalTable(Location loc, int64_t maxLen,
                                           int64_t d) {
  if (!positional_)
    positional_ = builder_.create<PositionalTableOp>(
        loc, BufferType::get({maxLen, d}, builder_.getF32Type()));
  return positional_;
}

Value KernelLoweringState::destination(Value result, BufferType type) {
  if (result == returned_) {
    auto role = builder_.getNamedAttr(roleAttrName(RoleKind::Output),
                                      builder_.getStringAttr(outputRole_));
    unsigned index = target_.getNumArguments();
    target_.insertArgument(index, type, builder_.getDictionaryAttr(role),
                           result.getLoc());
    output_ = target_.getArgument(index);
    return output_;
  }
  if (std::optional<Value> g = gradientDestination(result))
    return *g;
  if (auto concat = lowering::soleUser<loom::ConcatOp>(result);
      concat && concat.getAxis() + 1 == uint64_t(type.getRank())) {
    int64_t offset = 0;
    for (Value input : concat.getInputs()) {
      if (input == result)
        break;
      offset += cast<RankedTensorType>(input.getType()).getShape().back();
    }
    return lowering::columns(builder_, result.getLoc(),
                             concatBuffer(concat, type), offset,
                             type.getDims().back());
  }
  return builder_.create<AllocOp>(result.getLoc(), type, IntegerAttr());
}

Value KernelLoweringState::concatBuffer(Operation *op, BufferType piece) {
  Value &buffer = concats_[op];
  if (!buffer) {
    auto concat = cast<loom::ConcatOp>(op);
    int64_t width = concat.getType().getShape().back();
    buffer = builder_.create<AllocOp>(
        op->getLoc(), lowering::withLast(piece, width), IntegerAttr());
  }
  return buffer;
}

Value KernelLoweringState::headsDestination(Value result, BufferType like) {
  ArrayRef<int64_t> dims = like.getDims(); // [B, H, S, Dh]
  auto rowsType = BufferType::get({dims[0], dims[2], dims[1] * dims[3]},
                                  builder_.getF32Type());
  Value rows;
  if (auto merge = lowering::soleUser<MergeHeadsOp>(result)) {
    absorb(merge);
    rows = destination(merge.getResult(), rowsType);
    map(merge.getResult(), rows);
  } else {
    rows = builder_.create<AllocOp>(result.getLoc(), rowsType, IntegerAttr());
  }
  return lowering::heads(builder_, result.getLoc(), rows, dims[1]);
}

std::optional<Value> KernelLoweringState::gradientDestination(Value result) {
  // Follow the value's only uses to the loom.adam it feeds, if any,
  // counting the rows a row concat puts before it.
  int64_t first = 0;
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  int64_t rows = type.getDimSize(0);
  for (Value v = result; v.hasOneUse();) {
    Operation *user = *v.getUsers().begin();
    if (auto adam = dyn_cast<loom::AdamOp>(user)) {
      FailureOr<Value> g = gradient(adam, adam.getName());
      if (failed(g))
        return std::nullopt;
      int64_t total = cast<RankedTensorType>(adam.getGradient().getType())
                          .getDimSize(0);
      if (first == 0 && rows == total)
        return *g;
      // A weight's rows are the columns of its stored (transposed) layout;
      // a vector's are its elements.
      return lowering::columns(builder_, result.getLoc(), *g, first, rows);
    }
    if (auto zero = dyn_cast<loom::ZeroRowsOp>(user)) {
      v = zero.getResult();
    } else if (auto concat = dyn_cast<loom::ConcatOp>(user);
               concat && concat.getAxis() == 0) {
      for (Value input : concat.getInputs()) {
        if (input == v)
          break;
        first += cast<RankedTensorType>(input.getType()).getDimSize(0);
      }
      v = concat.getResult();
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

FailureOr<Value> KernelLoweringState::gradient(Operation *user,
                                               StringRef name) {
  if (Value g = gradients_.lookup(name))
    return g;
  auto it = weights_.find(name);
  if (it == weights_.end())
    return user->emitError("parameter '")
           << name << "' has a gradient but no forward use";
  auto [weight, transposed] = it->second;
  Value g = builder_.create<kernel::GradientOp>(
      user->getLoc(), lowering::bufferType(weight), name, transposed);
  gradients_[name] = g;
  return g;
}

Value KernelLoweringState::scalarArgument(StringRef role, Type type) {
  if (Value v = scalars_.lookup(role))
    return v;
  auto attr = builder_.getNamedAttr(roleAttrName(RoleKind::Scalar),
                                    builder_.getStringAttr(role));
  unsigned index = target_.getNumArguments();
  target_.insertArgument(index, type, builder_.getDictionaryAttr(attr),
                         target_.getLoc());
  return scalars_[role] = target_.getArgument(index);
}

SmallVector<Value, 2> KernelLoweringState::rng(APFloat probability) {
  if (probability.isZero())
    return {};
  return {scalarArgument("dropout_seed", builder_.getI64Type()),
          scalarArgument("step", builder_.getI64Type())};
}

//===----------------------------------------------------------------------===//
// Lowerings, one per loom op with a kernel
//===----------------------------------------------------------------------===//

BufferType lowering::withLast(BufferType like, int64_t last) {
  SmallVector<int64_t> dims(like.getDims());
  dims.back() = last;
  return BufferType::get(dims, Float32Type::get(like.getContext()));
}

Value lowering::columns(OpBuilder &b, Location loc, Value source,
                        int64_t offset, int64_t width) {
  BufferType type = bufferType(source);
  int64_t stride = *type.getEffectiveRowStride();
  SmallVector<int64_t> dims(type.getDims());
  dims.back() = width;
  // A vector's window is contiguous: it has one row.
  bool contiguous = stride == width || type.getRank() == 1;
  auto view = BufferType::get(b.getContext(), dims, type.getElementType(),
                              false, contiguous ? 0 : stride);
  return b.create<ColumnsOp>(loc, view, source, offset, width);
}

Value lowering::heads(OpBuilder &b, Location loc, Value source,
                      int64_t heads) {
  BufferType type = bufferType(source);
  ArrayRef<int64_t> rows = type.getDims();
  auto view = BufferType::get(b.getContext(),
                              {rows[0], heads, rows[1], rows[2] / heads},
                              type.getElementType(), true,
                              type.getRowStride());
  return b.create<kernel::SplitHeadsOp>(loc, view, source, heads);
}

namespace {

using namespace loom::lowering;

LogicalResult lowerWeight(loom::WeightOp, KernelLoweringState &) {
  // Created at first use, in the layout that use reads (state.weight()).
  return success();
}

/// embedding -> scale -> positional_encoding: one embed kernel.
LogicalResult lowerEmbedding(loom::EmbeddingOp op, KernelLoweringState &s) {
  auto scale = soleUser<loom::ScaleOp>(op.getResult());
  auto pe = scale ? soleUser<PositionalEncodingOp>(scale.getResult())
                  : PositionalEncodingOp();
  if (!pe)
    return op.emitError("an embedding must be followed by loom.scale and "
                        "loom.positional_encoding, each the only user");
  s.absorb(scale);
  s.absorb(pe);
  FailureOr<Value> table = s.weight(op, op.getTable(), false);
  FailureOr<Value> tokens = s.buffer(op, op.getTokens());
  if (failed(table) || failed(tokens))
    return failure();
  int64_t d = bufferType(*table).getDims()[1];
  SmallVector<int64_t> dims(bufferType(*tokens).getDims());
  dims.push_back(d);
  Value out = s.destination(pe.getResult(),
                            BufferType::get(dims, s.builder().getF32Type()));
  Value positions = s.positionalTable(pe.getLoc(), pe.getMaxLen(), d);
  s.builder().create<EmbedOp>(op.getLoc(), *table, *tokens, positions, out,
                              scale.getFactorAttr(), FlatSymbolRefAttr());
  s.map(pe.getResult(), out);
  return success();
}

/// linear [-> relu | gelu]; packed weight rows are a column window of Wt.
LogicalResult lowerLinear(loom::LinearOp op, KernelLoweringState &s) {
  Value result = op.getResult();
  Activation activation = Activation::none;
  if (auto relu = soleUser<ReluOp>(result)) {
    activation = Activation::relu;
    s.absorb(relu);
    result = relu.getResult();
  } else if (auto gelu = soleUser<GeluOp>(result)) {
    activation = Activation::gelu;
    s.absorb(gelu);
    result = gelu.getResult();
  }
  if (!op.getBias())
    return op.emitError("the linear kernel needs a bias");
  FailureOr<Value> x = s.buffer(op, op.getInput());
  FailureOr<Value> wt = s.weight(op, op.getWeight(), /*transposed=*/true);
  FailureOr<Value> bias = s.weight(op, op.getBias(), false);
  if (failed(x) || failed(wt) || failed(bias))
    return failure();
  auto [first, count] = op.getRowRange();
  if (count != op.getWeight().getType().getDimSize(0)) {
    *wt = columns(s.builder(), op.getLoc(), *wt, first, count);
    *bias = columns(s.builder(), op.getLoc(), *bias, first, count);
  }
  Value y = s.destination(result, withLast(bufferType(*x), count));
  s.builder().create<kernel::LinearOp>(
      op.getLoc(), *x, *wt, *bias, y,
      ActivationAttr::get(op.getContext(), activation), FlatSymbolRefAttr());
  s.map(result, y);
  return success();
}

/// A head view of one chunk of a packed projection.
LogicalResult lowerSplitHeads(loom::SplitHeadsOp op, KernelLoweringState &s) {
  FailureOr<Value> x = s.buffer(op, op.getInput());
  if (failed(x))
    return failure();
  int64_t width = bufferType(*x).getDims().back() / op.getChunks();
  Value chunk = *x;
  if (op.getChunks() > 1)
    chunk = columns(s.builder(), op.getLoc(), *x, op.getChunk() * width, width);
  s.map(op.getResult(),
        heads(s.builder(), op.getLoc(), chunk, op.getHeads()));
  return success();
}

/// A kernel wrote [rows, H*Dh] through a head view: merging is that buffer
/// (a whole one, or a column window of a concat's).
LogicalResult lowerMergeHeads(loom::MergeHeadsOp op, KernelLoweringState &s) {
  FailureOr<Value> x = s.buffer(op, op.getInput());
  if (failed(x))
    return failure();
  auto split = x->getDefiningOp<kernel::SplitHeadsOp>();
  if (!split)
    return op.emitError("merge_heads needs the head view of a buffer");
  s.map(op.getResult(), split.getSource());
  return success();
}

/// Inference: attention. Training form (with lse): attention_train, which
/// also drops the probabilities out.
LogicalResult lowerAttention(FusedAttentionOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, op->getOperands()); // q, k, v [, key_lengths]
  if (failed(in))
    return failure();
  Value q = (*in)[0], lengths = in->size() == 4 ? (*in)[3] : Value();
  ArrayRef<int64_t> qDims = bufferType(q).getDims(); // [B, H, Sq, Dh]
  Value o = s.headsDestination(op.getResult(), bufferType(q));
  if (!op.getLse()) {
    if (!op.getDropout().isZero())
      return op.emitError("attention dropout is computed only in training "
                          "(with the saved log-sum-exp)");
    s.builder().create<kernel::AttentionOp>(
        op.getLoc(), q, (*in)[1], (*in)[2], lengths, o, op.getMaskAttr(),
        op.getScaleAttr(), FlatSymbolRefAttr());
  } else {
    Value lse = s.destination(
        op.getLse(), BufferType::get({qDims[0], qDims[1], qDims[2]},
                                     s.builder().getF32Type()));
    s.builder().create<kernel::AttentionTrainOp>(
        op.getLoc(), q, (*in)[1], (*in)[2], lengths, s.rng(op.getDropout()), o,
        lse, op.getMaskAttr(), op.getScaleAttr(), op.getDropoutAttr(),
        op.getDropoutStreamAttr(), FlatSymbolRefAttr());
    s.map(op.getLse(), lse);
  }
  s.map(op.getResult(), o);
  return success();
}

/// A norm's [rows..., 2] statistics, in training.
Value statsDestination(KernelLoweringState &s, Value stats, Value x) {
  if (!stats)
    return Value();
  Value buffer = s.destination(stats, withLast(bufferType(x), 2));
  s.map(stats, buffer);
  return buffer;
}

LogicalResult lowerLayerNorm(loom::LayerNormOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, op->getOperands()); // x, gamma, beta
  if (failed(in))
    return failure();
  Value y = s.destination(op.getResult(), bufferType((*in)[0]).getContiguous());
  Value stats = statsDestination(s, op.getStats(), (*in)[0]);
  s.builder().create<kernel::LayerNormOp>(op.getLoc(), (*in)[0], (*in)[1],
                                          (*in)[2], y, stats,
                                          op.getEpsilonAttr(),
                                          FlatSymbolRefAttr());
  s.map(op.getResult(), y);
  return success();
}

LogicalResult lowerAddNorm(loom::AddNormOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, op->getOperands()); // x, residual, gamma, beta
  if (failed(in))
    return failure();
  BufferType type = bufferType((*in)[0]).getContiguous();
  Value y = s.destination(op.getResult(), type);
  Value sum = op.getSum() ? s.destination(op.getSum(), type) : Value();
  Value stats = statsDestination(s, op.getStats(), (*in)[0]);
  s.builder().create<kernel::AddNormOp>(op.getLoc(), (*in)[0], (*in)[1],
                                        (*in)[2], (*in)[3], y, sum, stats,
                                        op.getEpsilonAttr(),
                                        FlatSymbolRefAttr());
  s.map(op.getResult(), y);
  if (sum)
    s.map(op.getSum(), sum);
  return success();
}

LogicalResult lowerAdd(loom::AddOp op, KernelLoweringState &s) {
  auto in = s.buffers(op, op->getOperands()); // lhs, rhs
  if (failed(in))
    return failure();
  Value out =
      s.destination(op.getResult(), bufferType((*in)[0]).getContiguous());
  s.builder().create<kernel::AddOp>(op.getLoc(), (*in)[0], (*in)[1], out,
                                    FlatSymbolRefAttr());
  s.map(op.getResult(), out);
  return success();
}

/// The positional encoding has no kernel of its own.
template <typename OpT> LogicalResult refuseEpilogue(OpT op, KernelLoweringState &) {
  return op.emitError("'")
         << op->getName()
         << "' has no kernel of its own: it is computed only as the epilogue "
            "of the embedding before it (with the scale between them), when "
            "it is that op's only user";
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

/// The kernel-level twin of `func`: same name, buffer arguments by role.
/// Scalar arguments (a training step's learning rate) are the runtime's:
/// it folds them into the scalars it passes (PlanAbi.def).
FailureOr<func::FuncOp> createTarget(func::FuncOp func, IRMapping &inputs) {
  OpBuilder b(func);
  auto target = b.create<func::FuncOp>(func.getLoc(), func.getName(),
                                       b.getFunctionType({}, {}));
  target.addEntryBlock();
  for (BlockArgument arg : func.getArguments()) {
    if (func.getArgAttr(arg.getArgNumber(), roleAttrName(RoleKind::Scalar)))
      continue;
    auto role = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  roleAttrName(RoleKind::Input));
    std::optional<SmallVector<int64_t>> dims =
        role ? inputDims(role.getValue()) : std::nullopt;
    if (!dims) {
      target.erase();
      return func.emitError("argument #")
             << arg.getArgNumber() << " has no known loom.input role";
    }
    unsigned index = target.getNumArguments();
    target.insertArgument(index, BufferType::get(*dims, b.getI32Type()),
                          func.getArgAttrDict(arg.getArgNumber()),
                          arg.getLoc());
    inputs.map(arg, target.getArgument(index));
  }
  return target;
}

LogicalResult lowerBody(func::FuncOp func, KernelLoweringState &state) {
  for (Operation &op : func.getBody().front().without_terminator()) {
    if (state.isAbsorbed(&op))
      continue;
    auto lowering = dyn_cast<KernelLoweringOp>(&op);
    if (!lowering)
      return op.emitError("no kernel computes '")
             << op.getName() << "' (run the fusion pipeline first)";
    if (failed(lowering.lowerToKernels(state)))
      return failure();
  }
  return success();
}

/// @apply_gradients: one Adam kernel over the flat training blocks, with
/// the step's size and bias correction from the runtime.
void createApplyGradients(func::FuncOp train, KernelLoweringState &state) {
  OpBuilder b(train.getContext());
  b.setInsertionPointAfter(train);
  Location loc = train.getLoc();
  auto apply = b.create<func::FuncOp>(loc, "apply_gradients",
                                      b.getFunctionType({}, {}));
  b.setInsertionPointToStart(apply.addEntryBlock());
  SmallVector<Value> scalars;
  for (StringRef role : {"adam_step_size", "adam_bias_correction2_sqrt"}) {
    apply.insertArgument(apply.getNumArguments(), b.getF32Type(),
                         b.getDictionaryAttr(b.getNamedAttr(
                             roleAttrName(RoleKind::Scalar),
                             b.getStringAttr(role))),
                         loc);
    scalars.push_back(apply.getArguments().back());
  }
  int64_t count = 0;
  for (auto &entry : state.weights())
    count += bufferType(entry.second.first).getStaticElements();
  auto block = [&](StringRef name) {
    return b.create<TrainingBlockOp>(loc, BufferType::get({count},
                                                          b.getF32Type()),
                                     name);
  };
  Value params = block("parameters"), grads = block("gradients"),
        m = block("first_moment"), v = block("second_moment");
  const KernelLoweringState::Optimizer &opt = state.optimizer();
  b.create<kernel::AdamOp>(loc, params, grads, m, v, scalars[0], scalars[1],
                           b.getF32FloatAttr(opt.beta1),
                           b.getF32FloatAttr(opt.beta2),
                           b.getF32FloatAttr(opt.epsilon),
                           FlatSymbolRefAttr());
  b.create<func::ReturnOp>(loc);
}

/// Every parameter's gradient must be written each step: the optimizer
/// reads the whole block. One the loss does not reach is 0.
LogicalResult zeroUnreachedGradients(func::FuncOp func,
                                     KernelLoweringState &state) {
  for (auto &entry : state.weights()) {
    if (state.optimizer().updated.count(entry.first()))
      continue;
    FailureOr<Value> g = state.gradient(func, entry.first());
    if (failed(g))
      return failure();
    state.builder().create<ZeroOp>(func.getLoc(), *g);
  }
  return success();
}

LogicalResult lowerFunction(func::FuncOp func) {
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1)
    return ret.emitError("a lowered function returns exactly one tensor");
  IRMapping inputs;
  FailureOr<func::FuncOp> target = createTarget(func, inputs);
  if (failed(target))
    return failure();
  auto role = func.getResultAttrOfType<StringAttr>(0, roleAttrName(RoleKind::Output));
  KernelLoweringState state(*target, ret.getOperand(0),
                            role ? role.getValue() : "out");
  for (BlockArgument arg : func.getArguments())
    state.map(arg, inputs.lookup(arg));
  auto fail = [&] {
    target->erase();
    return failure();
  };
  if (failed(lowerBody(func, state)))
    return fail();
  if (!state.output()) {
    ret.emitError("the result must be written whole by one kernel (it is a "
                  "view, a weight or an input)");
    return fail();
  }
  bool training = !state.optimizer().updated.empty();
  if (training && failed(zeroUnreachedGradients(*target, state)))
    return fail();
  state.builder().create<func::ReturnOp>(ret.getLoc());
  if (training)
    createApplyGradients(*target, state);
  func.erase();
  return success();
}

struct LowerToKernelsPass
    : loom::impl::LoomLowerToKernelsBase<LowerToKernelsPass> {
  void runOnOperation() override {
    for (auto func : llvm::make_early_inc_range(
             getOperation().getOps<func::FuncOp>()))
      if (failed(lowerFunction(func)))
        return signalPassFailure();
  }
};

} // namespace

void loom::registerKernelLoweringExternalModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, LoomDialect *) {
    loom::WeightOp::attachInterface<
        LoweringModel<loom::WeightOp, lowerWeight>>(*ctx);
    EmbeddingOp::attachInterface<LoweringModel<EmbeddingOp, lowerEmbedding>>(
        *ctx);
    loom::LinearOp::attachInterface<
        LoweringModel<loom::LinearOp, lowerLinear>>(*ctx);
    loom::SplitHeadsOp::attachInterface<
        LoweringModel<loom::SplitHeadsOp, lowerSplitHeads>>(*ctx);
    MergeHeadsOp::attachInterface<
        LoweringModel<MergeHeadsOp, lowerMergeHeads>>(*ctx);
    FusedAttentionOp::attachInterface<
        LoweringModel<FusedAttentionOp, lowerAttention>>(*ctx);
    loom::LayerNormOp::attachInterface<
        LoweringModel<loom::LayerNormOp, lowerLayerNorm>>(*ctx);
    loom::AddNormOp::attachInterface<
        LoweringModel<loom::AddNormOp, lowerAddNorm>>(*ctx);
    loom::AddOp::attachInterface<LoweringModel<loom::AddOp, lowerAdd>>(*ctx);
    PositionalEncodingOp::attachInterface<LoweringModel<
        PositionalEncodingOp, refuseEpilogue<PositionalEncodingOp>>>(*ctx);
    registerTrainingLoweringModels(ctx);
  });
}
