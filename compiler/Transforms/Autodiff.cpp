//===- Autodiff.cpp - @train_step from @forward, in reverse mode ----------===//
//
// @train_step is @forward in training form (dropout streams numbered, the
// fused ops saving what their gradients read), then the loss, then the
// backward graph, then one loom.adam per parameter. The backward graph is
// built by walking the ops in reverse and asking each one, through
// GradientOpInterface, for its operands' gradients; this file knows no
// op's semantics, only how to join the gradients a value receives.
//
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/MapVector.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

namespace loom {
#define GEN_PASS_DEF_LOOMAUTODIFF
#include "Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

namespace {

/// A number as a person writes it ("0.1", "1.5", "inf").
std::string formatNumber(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// What the spec says about the loss and the optimizer (the importer's
/// `loom.spec` module attribute).
struct TrainingSpec {
  int64_t padId;
  double labelSmoothing, beta1, beta2, epsilon;
};

FailureOr<TrainingSpec> readTrainingSpec(ModuleOp module) {
  auto spec = module->getAttrOfType<DictionaryAttr>("loom.spec");
  auto integer = [&](StringRef key) -> std::optional<int64_t> {
    if (auto a = spec ? spec.getAs<IntegerAttr>(key) : IntegerAttr())
      return a.getInt();
    return std::nullopt;
  };
  auto real = [&](StringRef key) -> std::optional<double> {
    if (auto a = spec ? spec.getAs<FloatAttr>(key) : FloatAttr())
      return a.getValueAsDouble();
    return std::nullopt;
  };
  auto pad = integer("pad_id");
  auto smoothing = real("label_smoothing"), beta1 = real("adam_beta1"),
       beta2 = real("adam_beta2"), eps = real("adam_eps");
  if (!pad || !smoothing || !beta1 || !beta2 || !eps)
    return module.emitError("the module's loom.spec attribute needs pad_id, "
                            "label_smoothing, adam_beta1, adam_beta2 and "
                            "adam_eps (the spec importer sets them)");
  // The ranges the loss and loom.adam accept, named as the spec names them
  // (not as the verifier of an op built from them would).
  for (auto [key, value] : {std::pair<StringRef, double>{"label_smoothing", *smoothing},
                            {"adam_beta1", *beta1},
                            {"adam_beta2", *beta2}})
    if (!(value >= 0.0 && value < 1.0))
      return module.emitError("the module's loom.spec attribute: ")
             << key << " must be in [0, 1), got " << formatNumber(value);
  if (!(*eps > 0.0) || !std::isfinite(*eps))
    return module.emitError("the module's loom.spec attribute: adam_eps must "
                            "be positive and finite, got ")
           << formatNumber(*eps);
  return TrainingSpec{*pad, *smoothing, *beta1, *beta2, *eps};
}

//===----------------------------------------------------------------------===//
// Joining the gradients a value receives
//===----------------------------------------------------------------------===//

Value sum(OpBuilder &b, Location loc, ArrayRef<Value> values) {
  Value total = values.front();
  for (Value v : values.drop_front())
    total = b.create<AddOp>(loc, total, v);
  return total;
}

/// The gradient of a value of type `type` from the pieces it received:
/// whole gradients are summed; slices along one axis are summed per slice
/// and concatenated, and must cover the axis exactly. Null if none.
FailureOr<Value> join(OpBuilder &b, Location loc, RankedTensorType type,
                      ArrayRef<OperandGradient> pieces, StringRef what) {
  SmallVector<Value> whole;
  std::map<int64_t, SmallVector<Value>> slices; // by offset
  int64_t axis = -1;
  for (const OperandGradient &g : pieces) {
    if (g.axis < 0) {
      whole.push_back(g.value);
      continue;
    }
    if (axis >= 0 && g.axis != axis)
      return emitError(loc) << what << ": gradient slices along two axes";
    axis = g.axis;
    slices[g.offset].push_back(g.value);
  }
  if (slices.empty())
    return whole.empty() ? Value() : sum(b, loc, whole);
  if (!whole.empty())
    return emitError(loc) << what
                          << ": a value's gradient has whole and sliced parts";
  SmallVector<Value> parts;
  int64_t next = 0;
  for (auto &[offset, values] : slices) {
    int64_t size = cast<RankedTensorType>(values[0].getType()).getDimSize(axis);
    if (offset != next)
      return emitError(loc)
             << what << ": gradient slices along axis " << axis
             << " leave a gap or overlap at " << next;
    parts.push_back(sum(b, loc, values));
    next = offset + size;
  }
  if (next != type.getDimSize(axis))
    return emitError(loc) << what << ": gradient slices cover " << next
                          << " of " << type.getDimSize(axis) << " along axis "
                          << axis;
  return b.create<ConcatOp>(loc, type, parts, b.getI64IntegerAttr(axis))
      .getResult();
}

//===----------------------------------------------------------------------===//
// Building @train_step
//===----------------------------------------------------------------------===//

/// @forward's copy with two more arguments: labels [B, T] and lr.
func::FuncOp cloneAsTrainStep(func::FuncOp forward) {
  auto train = cast<func::FuncOp>(forward->clone());
  train.setName("train_step");
  OpBuilder b(forward.getContext());
  train->setAttr("loom.training", b.getUnitAttr()); // keeps its dropout
  auto labels = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, b.getI32Type());
  auto lr = RankedTensorType::get({}, b.getF32Type());
  unsigned n = train.getNumArguments();
  (void)train.insertArgument(n, labels,
                             b.getDictionaryAttr(b.getNamedAttr(
                                 "loom.input", b.getStringAttr("labels"))),
                             train.getLoc());
  (void)train.insertArgument(n + 1, lr,
                             b.getDictionaryAttr(b.getNamedAttr(
                                 "loom.scalar", b.getStringAttr("lr"))),
                             train.getLoc());
  return train;
}

/// Gives every dropout site its own mask stream (1, 2, ... in op order).
void numberDropoutStreams(func::FuncOp train) {
  int64_t stream = 0;
  Builder b(train.getContext());
  train.walk([&](Operation *op) {
    if (auto dropout = dyn_cast<DropoutOp>(op))
      dropout.setStreamAttr(b.getI64IntegerAttr(++stream));
    else if (auto attention = dyn_cast<FusedAttentionOp>(op);
             attention && !attention.getDropout().isZero())
      attention.setDropoutStreamAttr(b.getI64IntegerAttr(++stream));
  });
}

/// Rebuilds every op in the form that saves what its gradient reads.
void convertToTrainingForm(func::FuncOp train) {
  SmallVector<GradientOpInterface> ops;
  train.walk([&](GradientOpInterface op) { ops.push_back(op); });
  OpBuilder b(train.getContext());
  for (GradientOpInterface op : ops) {
    b.setInsertionPoint(op);
    Operation *replacement = op.buildTrainingForm(b);
    if (replacement == op.getOperation())
      continue;
    op->replaceAllUsesWith(
        replacement->getResults().take_front(op->getNumResults()));
    op->erase();
  }
}

/// Reverse mode over `train`'s ops, from the loss; gradients of the
/// parameters are collected by weight name.
LogicalResult buildBackward(OpBuilder &b, func::FuncOp train,
                            CrossEntropyOp loss,
                            llvm::MapVector<StringRef, SmallVector<OperandGradient>>
                                &parameterGradients) {
  SmallVector<Operation *> forward;
  for (Operation &op : train.getBody().front().without_terminator())
    if (&op != loss.getOperation())
      forward.push_back(&op);
  DenseMap<Value, SmallVector<OperandGradient>> received;
  auto record = [&](Operation *op, ArrayRef<OperandGradient> grads) {
    for (auto [operand, g] : llvm::zip(op->getOperands(), grads))
      if (g.value)
        received[operand].push_back(g);
  };
  SmallVector<OperandGradient> grads;
  if (failed(loss.buildGradients(b, {Value(), Value()}, grads)))
    return failure();
  record(loss, grads);
  for (Operation *op : llvm::reverse(forward)) {
    if (auto weight = dyn_cast<WeightOp>(op)) {
      auto &pieces = parameterGradients[weight.getName()];
      pieces.append(received.lookup(weight.getResult()));
      continue;
    }
    SmallVector<Value> dys;
    for (OpResult result : op->getResults()) {
      std::string what;
      llvm::raw_string_ostream(what)
          << "'" << op->getName() << "' result #"
          << result.getResultNumber();
      FailureOr<Value> g = join(b, op->getLoc(),
                                cast<RankedTensorType>(result.getType()),
                                received.lookup(result), what);
      if (failed(g))
        return failure();
      dys.push_back(*g);
    }
    if (llvm::all_of(dys, [](Value g) { return !g; }))
      continue; // the loss does not depend on this op
    auto differentiable = dyn_cast<GradientOpInterface>(op);
    if (!differentiable)
      return op->emitOpError("has no gradient rule (GradientOpInterface)");
    grads.clear();
    if (failed(differentiable.buildGradients(b, dys, grads)))
      return failure();
    record(op, grads);
  }
  return success();
}

/// One loom.adam per parameter that has a gradient, in @forward's order.
LogicalResult emitOptimizer(OpBuilder &b, func::FuncOp train, Value lr,
                            const TrainingSpec &spec,
                            llvm::MapVector<StringRef, SmallVector<OperandGradient>>
                                &parameterGradients) {
  DenseMap<StringRef, WeightOp> weights;
  train.walk([&](WeightOp w) { weights.try_emplace(w.getName(), w); });
  for (auto &[name, pieces] : llvm::reverse(parameterGradients)) {
    WeightOp weight = weights.lookup(name);
    FailureOr<Value> g =
        join(b, weight.getLoc(), cast<RankedTensorType>(weight.getType()),
             pieces, ("weight '" + name + "'").str());
    if (failed(g))
      return failure();
    if (!*g)
      continue; // a parameter the loss does not reach stays as it is
    b.create<AdamOp>(weight.getLoc(), weight.getNameAttr(), *g, lr,
                     b.getF64FloatAttr(spec.beta1),
                     b.getF64FloatAttr(spec.beta2),
                     b.getF64FloatAttr(spec.epsilon));
  }
  return success();
}

/// Whether @forward returns logits over a target sequence (a loss exists).
bool hasLoss(func::FuncOp forward) {
  auto logits = forward.getNumResults() == 1
                    ? dyn_cast<RankedTensorType>(
                          forward.getFunctionType().getResult(0))
                    : RankedTensorType();
  return logits && logits.getRank() == 3 &&
         llvm::any_of(forward.getArguments(), [&](BlockArgument a) {
           auto role = forward.getArgAttrOfType<StringAttr>(a.getArgNumber(),
                                                            "loom.input");
           return role && role.getValue() == "tgt";
         });
}

LogicalResult deriveTrainStep(ModuleOp module, func::FuncOp forward,
                              const TrainingSpec &spec) {
  auto logits = cast<RankedTensorType>(forward.getFunctionType().getResult(0));
  func::FuncOp train = cloneAsTrainStep(forward);
  module.getBody()->getOperations().insertAfter(forward->getIterator(), train);
  numberDropoutStreams(train);
  convertToTrainingForm(train);

  Block &body = train.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  OpBuilder b(ret);
  Value labels = train.getArgument(train.getNumArguments() - 2);
  Value lr = train.getArgument(train.getNumArguments() - 1);
  auto loss = b.create<CrossEntropyOp>(
      train.getLoc(), RankedTensorType::get({}, b.getF32Type()),
      RankedTensorType::get(logits.getShape().drop_back(), b.getF32Type()),
      ret.getOperand(0), labels, b.getI64IntegerAttr(spec.padId),
      b.getF32FloatAttr(float(spec.labelSmoothing)));

  llvm::MapVector<StringRef, SmallVector<OperandGradient>> parameterGradients;
  if (failed(buildBackward(b, train, loss, parameterGradients)) ||
      failed(emitOptimizer(b, train, lr, spec, parameterGradients)))
    return failure();
  ret->setOperands(loss.getResult());
  train.setType(b.getFunctionType(train.getArgumentTypes(),
                                  loss.getResult().getType()));
  train.setResultAttr(0, "loom.output", b.getStringAttr("loss"));
  return success();
}

struct AutodiffPass : loom::impl::LoomAutodiffBase<AutodiffPass> {
  using LoomAutodiffBase::LoomAutodiffBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module.lookupSymbol("train_step"))
      return; // derived already
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("no @forward to derive @train_step from");
      return signalPassFailure();
    }
    if (!hasLoss(forward)) {
      if (ifTrainable)
        return;
      // One line at @forward (its location is the spec's): emitOpError
      // would attach the whole function as a note.
      emitError(forward.getLoc(),
                "@forward returns no logits over a target sequence: only "
                "encoder_decoder and decoder models have a loss to train");
      return signalPassFailure();
    }
    FailureOr<TrainingSpec> spec = readTrainingSpec(module);
    if (failed(spec) || failed(deriveTrainStep(module, forward, *spec)))
      signalPassFailure();
  }
};

} // namespace
