//===- Plan.cpp - fused loom IR -> kernel list + buffer plan --------------===//
//
// One kernel per anchor op (embedding, linear, fused_attention, layer_norm,
// add_norm, add); elementwise ops that follow an anchor and have no other
// reader become its epilogue (scale + positional_encoding after embedding,
// relu/gelu after linear). split_heads and merge_heads become strided views.
//
//===----------------------------------------------------------------------===//
#include "Codegen/Plan.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace loom;

llvm::StringRef loom::kernelFamily(KernelKind kind) {
  switch (kind) {
  case KernelKind::Embed:
    return "embed";
  case KernelKind::Linear:
    return "linear";
  case KernelKind::Attention:
    return "attention";
  case KernelKind::LayerNorm:
    return "layer_norm";
  case KernelKind::AddNorm:
    return "add_norm";
  case KernelKind::Add:
    return "add";
  }
  llvm_unreachable("unknown kernel kind");
}

namespace {

int64_t lastDim(Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  return type.getDimSize(type.getRank() - 1);
}

std::string locationName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

/// The single user of `v` if it has exactly one use and that user is `OpT`.
template <typename OpT> OpT soleUser(Value v) {
  if (!v.hasOneUse())
    return nullptr;
  return dyn_cast<OpT>(*v.getUsers().begin());
}

class Planner {
public:
  FailureOr<Plan> run(func::FuncOp func);

private:
  LogicalResult planOp(Operation *op);
  LogicalResult planEmbedding(EmbeddingOp op);
  LogicalResult planLinear(LinearOp op);
  LogicalResult planAttention(FusedAttentionOp op);
  LogicalResult planNorm(Operation *op, Value input, Value residual,
                         Value gamma, Value beta, float epsilon,
                         ValueRange results);
  LogicalResult planAdd(AddOp op);

  FailureOr<Operand> operandOf(Operation *user, Value v);
  Operand weight(Value v, bool transposed);
  Operand newBuffer(Value result, int64_t width, RowSpace rows);
  KernelStep &addStep(Operation *op, KernelKind kind, std::string variant);
  void allocate();

  Plan plan;
  DenseMap<Value, Operand> where;
  DenseMap<Value, RowSpace> rowsOf;
  DenseSet<Operation *> absorbed; // epilogue ops folded into a kernel
  llvm::StringMap<int> weightIds;
};

FailureOr<Plan> Planner::run(func::FuncOp func) {
  for (BlockArgument arg : func.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  "loom.input");
    if (!name)
      return func.emitError("argument ")
             << arg.getArgNumber() << " has no loom.input name";
    PlannedInput input;
    input.name = name.str();
    input.isLengths = StringRef(input.name).ends_with("_len");
    input.rows = StringRef(input.name).starts_with("src") ? RowSpace::Source
                                                           : RowSpace::Target;
    where[arg] = Operand{Operand::Input, int(plan.inputs.size())};
    rowsOf[arg] = input.rows;
    plan.inputs.push_back(input);
  }
  for (Operation &op : func.getBody().front()) {
    if (absorbed.contains(&op))
      continue;
    if (failed(planOp(&op)))
      return failure();
  }
  allocate();
  return plan;
}

LogicalResult Planner::planOp(Operation *op) {
  if (isa<WeightOp>(op))
    return success(); // registered at first use, when its layout is known
  if (auto e = dyn_cast<EmbeddingOp>(op))
    return planEmbedding(e);
  if (auto l = dyn_cast<LinearOp>(op))
    return planLinear(l);
  if (auto a = dyn_cast<FusedAttentionOp>(op))
    return planAttention(a);
  if (auto n = dyn_cast<LayerNormOp>(op))
    return planNorm(op, n.getInput(), Value(), n.getGamma(), n.getBeta(),
                    n.getEpsilon().convertToFloat(), op->getResults());
  if (auto n = dyn_cast<AddNormOp>(op))
    return planNorm(op, n.getInput(), n.getResidual(), n.getGamma(),
                    n.getBeta(), n.getEpsilon().convertToFloat(),
                    op->getResults());
  if (auto a = dyn_cast<AddOp>(op))
    return planAdd(a);
  if (auto s = dyn_cast<SplitHeadsOp>(op)) {
    // A view of the chunk's columns; heads are a further split of them.
    FailureOr<Operand> in = operandOf(op, s.getInput());
    if (failed(in))
      return failure();
    int64_t width = s.getHeadsAttr().getInt() * lastDim(s.getResult());
    Operand view = *in;
    view.column += s.getChunkAttr().getInt() * width;
    view.width = width;
    where[s.getResult()] = view;
    rowsOf[s.getResult()] = rowsOf[s.getInput()];
    return success();
  }
  if (auto m = dyn_cast<MergeHeadsOp>(op)) {
    // Attention writes [rows, H·Dh] already: merging heads is the identity.
    FailureOr<Operand> in = operandOf(op, m.getInput());
    if (failed(in))
      return failure();
    where[m.getResult()] = *in;
    rowsOf[m.getResult()] = rowsOf[m.getInput()];
    return success();
  }
  if (auto r = dyn_cast<func::ReturnOp>(op)) {
    if (r.getNumOperands() != 1)
      return r.emitError("a planned function returns exactly one tensor");
    FailureOr<Operand> out = operandOf(op, r.getOperand(0));
    if (failed(out))
      return failure();
    if (out->kind != Operand::Buffer || out->column != 0 ||
        out->width != out->rowStride)
      return r.emitError("the result must be a whole kernel output");
    // The kernel that made the result writes into the caller's buffer.
    PlannedBuffer &buffer = plan.buffers[out->index];
    for (KernelStep &step : plan.steps)
      for (Operand &o : step.outputs)
        if (o.kind == Operand::Buffer && o.index == out->index)
          o.kind = Operand::Output;
    buffer.width = 0; // takes no arena space
    plan.outputWidth = out->width;
    plan.outputRows = buffer.rows;
    return success();
  }
  return op->emitError("cannot be planned: no kernel computes '")
         << op->getName() << "' (run the fusion pipeline first)";
}

FailureOr<Operand> Planner::operandOf(Operation *user, Value v) {
  auto it = where.find(v);
  if (it != where.end()) {
    if (it->second.kind == Operand::Buffer) {
      PlannedBuffer &b = plan.buffers[it->second.index];
      b.lastStep = std::max<int>(b.lastStep, plan.steps.size());
    }
    return it->second;
  }
  if (v.getDefiningOp<WeightOp>())
    return weight(v, /*transposed=*/false);
  return user->emitError("operand #")
         << llvm::find(user->getOperands(), v) - user->operand_begin()
         << " is not produced by a planned kernel";
}

Operand Planner::weight(Value v, bool transposed) {
  auto op = v.getDefiningOp<WeightOp>();
  auto [it, inserted] = weightIds.try_emplace(op.getName(),
                                              int(plan.weights.size()));
  if (inserted) {
    PlannedWeight w;
    w.name = op.getName().str();
    w.shape.assign(op.getType().getShape().begin(), op.getType().getShape().end());
    w.transposed = transposed;
    plan.weights.push_back(w);
  }
  const PlannedWeight &w = plan.weights[it->second];
  int64_t width = w.shape.back();
  return Operand{Operand::Weight, it->second, 0, width, width};
}

Operand Planner::newBuffer(Value result, int64_t width, RowSpace rows) {
  PlannedBuffer b;
  b.width = width;
  b.rows = rows;
  b.firstStep = b.lastStep = int(plan.steps.size()) - 1; // the step just added
  plan.buffers.push_back(b);
  Operand o{Operand::Buffer, int(plan.buffers.size() - 1), 0, width, width};
  where[result] = o;
  rowsOf[result] = rows;
  return o;
}

KernelStep &Planner::addStep(Operation *op, KernelKind kind,
                             std::string variant) {
  plan.steps.emplace_back();
  KernelStep &step = plan.steps.back();
  step.kind = kind;
  step.variant = std::move(variant);
  step.location = locationName(op->getLoc());
  return step;
}

/// embedding → scale → positional_encoding: table[tok]·scale + P[s].
LogicalResult Planner::planEmbedding(EmbeddingOp op) {
  auto scale = soleUser<ScaleOp>(op.getResult());
  auto pe = scale ? soleUser<PositionalEncodingOp>(scale.getResult())
                  : PositionalEncodingOp();
  if (!pe)
    return op.emitError("an embedding must be followed by loom.scale and "
                        "loom.positional_encoding");
  absorbed.insert(scale);
  absorbed.insert(pe);
  FailureOr<Operand> tokens = operandOf(op, op.getTokens());
  if (failed(tokens))
    return failure();
  Operand table = weight(op.getTable(), /*transposed=*/false);
  RowSpace rows = rowsOf[op.getTokens()];
  KernelStep &step = addStep(op, KernelKind::Embed, "embed");
  step.inputs = {table, *tokens};
  step.rows = rows;
  step.scale = scale.getFactor().convertToFloat();
  step.maxLen = pe.getMaxLenAttr().getInt();
  step.outputs = {newBuffer(pe.getResult(), lastDim(op.getResult()), rows)};
  return success();
}

/// linear [→ relu | gelu]: x·W[rows]ᵀ + b[rows], activation as epilogue.
LogicalResult Planner::planLinear(LinearOp op) {
  Value result = op.getResult();
  Activation act = Activation::None;
  if (auto relu = soleUser<ReluOp>(result)) {
    act = Activation::Relu;
    absorbed.insert(relu);
    result = relu.getResult();
  } else if (auto gelu = soleUser<GeluOp>(result)) {
    act = Activation::Gelu;
    absorbed.insert(gelu);
    result = gelu.getResult();
  }
  if (!op.getBias())
    return op.emitError("the linear kernel needs a bias");
  FailureOr<Operand> x = operandOf(op, op.getInput());
  if (failed(x))
    return failure();
  auto [rowBegin, rowCount] = op.getRowRange();
  Operand w = weight(op.getWeight(), /*transposed=*/true);
  Operand b = weight(op.getBias(), /*transposed=*/false);
  // Weights are stored as Wᵀ [K, R]: the selected rows are columns.
  w.width = b.width = rowCount;
  w.column = b.column = rowBegin;
  w.rowStride = plan.weights[w.index].shape[0];
  b.rowStride = w.rowStride;
  const char *variants[] = {"linear", "linear_relu", "linear_gelu"};
  RowSpace rows = rowsOf[op.getInput()];
  KernelStep &step = addStep(op, KernelKind::Linear, variants[int(act)]);
  step.inputs = {*x, w, b};
  step.rows = rows;
  step.outputs = {newBuffer(result, rowCount, rows)};
  return success();
}

LogicalResult Planner::planAttention(FusedAttentionOp op) {
  FailureOr<Operand> q = operandOf(op, op.getQuery());
  FailureOr<Operand> k = operandOf(op, op.getKey());
  FailureOr<Operand> v = operandOf(op, op.getValue());
  if (failed(q) || failed(k) || failed(v))
    return failure();
  int keyLengths = -1;
  if (Value lengths = op.getKeyLengths()) {
    FailureOr<Operand> l = operandOf(op, lengths);
    if (failed(l) || l->kind != Operand::Input)
      return op.emitError("key_lengths must be a function input");
    keyLengths = l->index;
  }
  RowSpace rows = rowsOf[op.getQuery()];
  KernelStep &step = addStep(
      op, KernelKind::Attention,
      ("attention_" + stringifyMaskKind(op.getMask())).str());
  step.inputs = {*q, *k, *v};
  step.heads = op.getHeadsAttr().getInt();
  step.headDim = lastDim(op.getQuery());
  step.scale = op.getScale().convertToFloat();
  step.keyLengthsInput = keyLengths;
  step.rows = rows;
  step.keyRows = rowsOf[op.getKey()];
  step.outputs = {newBuffer(op.getResult(), step.heads * step.headDim, rows)};
  return success();
}

LogicalResult Planner::planNorm(Operation *op, Value input, Value residual,
                                Value gamma, Value beta, float epsilon,
                                ValueRange results) {
  FailureOr<Operand> x = operandOf(op, input);
  FailureOr<Operand> g = operandOf(op, gamma);
  FailureOr<Operand> b = operandOf(op, beta);
  if (failed(x) || failed(g) || failed(b))
    return failure();
  bool withSum = results.size() == 2;
  KernelKind kind = residual ? KernelKind::AddNorm : KernelKind::LayerNorm;
  std::string variant = residual ? (withSum ? "add_norm_sum" : "add_norm")
                                 : "layer_norm";
  SmallVector<Operand> inputs = {*x};
  if (residual) {
    FailureOr<Operand> r = operandOf(op, residual);
    if (failed(r))
      return failure();
    inputs.push_back(*r);
  }
  inputs.append({*g, *b});
  RowSpace rows = rowsOf[input];
  KernelStep &step = addStep(op, kind, variant);
  step.inputs.assign(inputs.begin(), inputs.end());
  step.epsilon = epsilon;
  step.rows = rows;
  int64_t width = lastDim(input);
  for (Value result : results)
    step.outputs.push_back(newBuffer(result, width, rows));
  return success();
}

LogicalResult Planner::planAdd(AddOp op) {
  FailureOr<Operand> a = operandOf(op, op.getLhs());
  FailureOr<Operand> b = operandOf(op, op.getRhs());
  if (failed(a) || failed(b))
    return failure();
  RowSpace rows = rowsOf[op.getLhs()];
  KernelStep &step = addStep(op, KernelKind::Add, "add");
  step.inputs = {*a, *b};
  step.rows = rows;
  step.outputs = {newBuffer(op.getResult(), lastDim(op.getResult()), rows)};
  return success();
}

/// Whether a kernel may write its first output over its first input. Only
/// the elementwise add qualifies: each element is read before it is written.
/// The Halide norm kernels read a row again after writing part of it (their
/// output pass is vectorised across rows), so they need a separate output.
bool writesInPlaceSafely(KernelKind kind) { return kind == KernelKind::Add; }

/// First-fit allocation over live ranges; a kernel that may run in place
/// takes over its first input's storage when that input dies at this step.
void Planner::allocate() {
  std::map<int64_t, int64_t> free; // offset -> size, in rowsMax units
  int64_t end = 0;
  auto release = [&](int64_t offset, int64_t size) {
    auto [it, _] = free.emplace(offset, size);
    auto next = std::next(it);
    if (next != free.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free.erase(next);
    }
    if (it != free.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free.erase(it);
      }
    }
  };
  auto take = [&](int64_t size) {
    for (auto it = free.begin(); it != free.end(); ++it) {
      if (it->second < size)
        continue;
      int64_t offset = it->first, rest = it->second - size;
      free.erase(it);
      if (rest)
        free.emplace(offset + size, rest);
      return offset;
    }
    int64_t offset = end;
    end += size;
    return offset;
  };

  std::vector<std::vector<int>> dyingAfter(plan.steps.size());
  for (auto [id, b] : llvm::enumerate(plan.buffers))
    if (b.width > 0)
      dyingAfter[b.lastStep].push_back(id);

  for (auto [s, step] : llvm::enumerate(plan.steps)) {
    bool inPlace = writesInPlaceSafely(step.kind);
    for (auto [o, out] : llvm::enumerate(step.outputs)) {
      if (out.kind != Operand::Buffer)
        continue;
      PlannedBuffer &b = plan.buffers[out.index];
      const Operand &in = step.inputs[0];
      if (inPlace && o == 0 && in.kind == Operand::Buffer &&
          in.column == 0 && in.width == in.rowStride &&
          in.width == b.width && plan.buffers[in.index].lastStep == int(s)) {
        PlannedBuffer &dead = plan.buffers[in.index];
        b.offset = dead.offset;
        b.inPlaceOf = in.index;
        // The storage now belongs to the new buffer: do not free it twice.
        llvm::erase(dyingAfter[s], in.index);
        continue;
      }
      b.offset = take(b.width);
    }
    for (int id : dyingAfter[s])
      release(plan.buffers[id].offset, plan.buffers[id].width);
  }
  plan.arenaUnits = end;
}

std::string formatFloat(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::string rowsName(RowSpace rows) {
  return rows == RowSpace::Source ? "B*S" : "B*T";
}

std::string operandName(const Plan &plan, const Operand &o) {
  std::string text;
  switch (o.kind) {
  case Operand::Buffer:
    text = llvm::formatv("%{0}", o.index);
    break;
  case Operand::Weight:
    text = "@" + plan.weights[o.index].name;
    break;
  case Operand::Input:
    text = "$" + plan.inputs[o.index].name;
    break;
  case Operand::Output:
    text = "$result";
    break;
  }
  if (o.width != o.rowStride)
    text += llvm::formatv("[:, {0}:{1}]", o.column, o.column + o.width);
  return text;
}

} // namespace

FailureOr<Plan> loom::buildPlan(func::FuncOp func) { return Planner().run(func); }

void loom::printKernels(const Plan &plan, llvm::raw_ostream &os) {
  os << "// " << plan.steps.size() << " kernel calls\n";
  for (auto [i, step] : llvm::enumerate(plan.steps)) {
    os << llvm::formatv("{0,3}: {1,-30} ", i, step.variant);
    llvm::interleaveComma(step.outputs, os, [&](const Operand &o) {
      os << operandName(plan, o);
    });
    os << " = ";
    llvm::interleaveComma(step.inputs, os, [&](const Operand &o) {
      os << operandName(plan, o);
    });
    if (step.kind == KernelKind::Attention) {
      os << llvm::formatv(" heads={0} head_dim={1} scale={2}", step.heads,
                          step.headDim, formatFloat(step.scale));
      if (step.keyLengthsInput >= 0)
        os << " key_lengths=$" << plan.inputs[step.keyLengthsInput].name;
    }
    if (step.kind == KernelKind::Embed)
      os << llvm::formatv(" scale={0} max_len={1}", formatFloat(step.scale),
                          step.maxLen);
    if (step.kind == KernelKind::LayerNorm || step.kind == KernelKind::AddNorm)
      os << " eps=" << formatFloat(step.epsilon);
    os << "  rows=" << rowsName(step.rows);
    if (!step.location.empty())
      os << "  // " << step.location;
    os << "\n";
  }
}

void loom::printBuffers(const Plan &plan, llvm::raw_ostream &os) {
  os << llvm::formatv("// arena: {0} x rowsMax floats, rowsMax = B*max(S,T)\n",
                      plan.arenaUnits);
  for (auto [i, b] : llvm::enumerate(plan.buffers)) {
    if (b.width == 0) {
      os << llvm::formatv("%{0} = [{1}, {2}] caller's output  live {3}..{4}\n",
                          i, rowsName(plan.outputRows), plan.outputWidth,
                          b.firstStep, b.lastStep);
      continue;
    }
    os << llvm::formatv("%{0} = [{1}, {2}] offset {3}  live {4}..{5}", i,
                        rowsName(b.rows), b.width, b.offset, b.firstStep,
                        b.lastStep);
    if (b.inPlaceOf >= 0)
      os << "  in place of %" << b.inPlaceOf;
    os << "\n";
  }
  for (const PlannedWeight &w : plan.weights) {
    os << "@" << w.name << " = [";
    llvm::interleaveComma(w.shape, os);
    os << "]" << (w.transposed ? " stored transposed" : "") << "\n";
  }
}
