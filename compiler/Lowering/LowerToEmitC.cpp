//===- LowerToEmitC.cpp - the planned program as emitc --------------------===//
//
// Why EmitC and not a step table: the plan is straight-line code over a few
// hundred views and kernel calls, and as C++ it is type-checked against each
// kernel's generated header when the library is compiled (a kernel whose
// arguments drift from KernelAbi.def fails the build there), debuggable, and
// printed by MLIR's own translator. The runtime keeps the logic (view
// arithmetic, kernel calls, error status) in loom::exec, once; the emitted
// code only strings those calls together.
//
// Output: `emitc.include`s; one static `loom_plan_<fn>(loom::Frame *)` per
// planned function; `loom_describe(loom::ModelDescription *)`, which
// registers the model's info, weights, decoding state, plan functions and
// kernel instances (one symbol per ISA).
//
//===----------------------------------------------------------------------===//
#include "Lowering/BufferLiveness.h"
#include "Lowering/Passes.h"
#include "Lowering/PlanCheck.h"
#include "Lowering/PlanRoles.h"

#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"

namespace loom {
#define GEN_PASS_DEF_LOOMLOWERTOEMITC
#include "Lowering/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;
using namespace loom::kernel;

namespace {

//===----------------------------------------------------------------------===//
// What the emitted code refers to by number
//===----------------------------------------------------------------------===//

/// Weights, states and kernel instances in the order loom_describe
/// registers them: the emitted code refers to them by these indices.
struct ModelTables {
  llvm::MapVector<StringRef, WeightOp> weights;
  llvm::MapVector<StringRef, StateOp> states;
  llvm::MapVector<StringRef, InstanceOp> instances;

  explicit ModelTables(ModuleOp module) {
    module.walk([&](Operation *op) {
      if (auto w = dyn_cast<WeightOp>(op))
        weights.insert({w.getName(), w});
      else if (auto s = dyn_cast<StateOp>(op))
        states.insert({s.getName(), s});
      else if (auto i = dyn_cast<InstanceOp>(op))
        instances.insert({i.getSymName(), i});
    });
  }
  int weight(StringRef name) const { return weights.find(name) - weights.begin(); }
  int state(StringRef name) const { return states.find(name) - states.begin(); }
  int instance(StringRef name) const {
    return instances.find(name) - instances.begin();
  }
};

//===----------------------------------------------------------------------===//
// emitc building blocks
//===----------------------------------------------------------------------===//

Type viewType(MLIRContext *ctx) {
  return emitc::OpaqueType::get(ctx, "loom::View");
}
Type framePointer(MLIRContext *ctx) {
  return emitc::PointerType::get(emitc::OpaqueType::get(ctx, "loom::Frame"));
}

/// An argument of an opaque call: a value, or an attribute printed as is.
struct CallArg {
  CallArg(Value v) : value(v) {}
  CallArg(Attribute a) : attr(a) {}
  Value value;
  Attribute attr;
};

Attribute opaque(MLIRContext *ctx, StringRef text) {
  return emitc::OpaqueAttr::get(ctx, text);
}
Attribute i64(MLIRContext *ctx, int64_t v) {
  return IntegerAttr::get(IntegerType::get(ctx, 64), v);
}
/// A C string literal.
Attribute cString(MLIRContext *ctx, StringRef text) {
  std::string literal = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      literal += '\\';
    literal += c;
  }
  return opaque(ctx, literal + "\"");
}

/// `callee(args...)`, returning `result` (or nothing).
Operation *call(OpBuilder &b, Location loc, Type result, StringRef callee,
                ArrayRef<CallArg> args) {
  SmallVector<Value> operands;
  SmallVector<Attribute> order;
  for (const CallArg &arg : args) {
    if (arg.value) {
      order.push_back(b.getIndexAttr(operands.size()));
      operands.push_back(arg.value);
    } else {
      order.push_back(arg.attr);
    }
  }
  TypeRange results = result ? TypeRange(result) : TypeRange();
  return b.create<emitc::CallOpaqueOp>(loc, results, callee, operands,
                                       b.getArrayAttr(order));
}

/// The dims of a buffer type as call arguments: sizes or loom::exec::B/S/T.
void appendDims(MLIRContext *ctx, BufferType type,
                SmallVectorImpl<CallArg> &args) {
  for (int64_t dim : type.getDims())
    args.push_back(isSymbol(dim)
                       ? opaque(ctx, ("loom::exec::" + symbolName(dim)).str())
                       : i64(ctx, dim));
}
Attribute element(MLIRContext *ctx, BufferType type) {
  return opaque(ctx, type.getElementType().isF32() ? "loom::exec::f32"
                                                   : "loom::exec::i32");
}

/// The loom::Frame * of the function `op` is in.
Value frameOf(Operation *op) {
  return op->getParentOfType<emitc::FuncOp>().getArgument(0);
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// func.func @f -> static void loom_plan_f(loom::Frame *): the arguments
/// become the frame's inputs, outputs and scalars by role.
struct FuncLowering : OpConversionPattern<func::FuncOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(func::FuncOp func, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = getContext();
    auto fn = rewriter.create<emitc::FuncOp>(
        func.getLoc(), ("loom_plan_" + func.getName()).str(),
        rewriter.getFunctionType({framePointer(ctx)}, {}));
    fn.setSpecifiersAttr(rewriter.getStrArrayAttr({"static"}));
    Block *entry = fn.addEntryBlock();
    rewriter.setInsertionPointToStart(entry);
    SmallVector<Value> replacements;
    for (BlockArgument arg : func.getArguments()) {
      Value v = argument(rewriter, func, arg, entry->getArgument(0));
      if (!v)
        return failure();
      replacements.push_back(v);
    }
    rewriter.mergeBlocks(&func.getBody().front(), entry, replacements);
    rewriter.eraseOp(func);
    return success();
  }

  Value argument(OpBuilder &b, func::FuncOp func, BlockArgument arg,
                 Value frame) const {
    MLIRContext *ctx = getContext();
    for (RoleKind kind : {RoleKind::Input, RoleKind::Output, RoleKind::Scalar}) {
      auto role = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                    roleAttrName(kind));
      std::optional<int> slot = role ? roleSlot(kind, role) : std::nullopt;
      if (!slot)
        continue;
      if (kind == RoleKind::Scalar) {
        bool real = isRealScalar(role.getValue());
        return call(b, arg.getLoc(),
                    real ? Type(b.getF32Type()) : Type(b.getI64Type()),
                    real ? "loom::exec::real" : "loom::exec::scalar",
                    {frame, i64(ctx, *slot)})
            ->getResult(0);
      }
      auto type = cast<BufferType>(arg.getType());
      SmallVector<CallArg> args = {frame, i64(ctx, *slot)};
      if (kind == RoleKind::Output)
        args.push_back(element(ctx, type));
      appendDims(ctx, type, args);
      return call(b, arg.getLoc(), viewType(ctx),
                  kind == RoleKind::Input ? "loom::exec::input"
                                          : "loom::exec::output",
                  args)
          ->getResult(0);
    }
    func.emitError("argument #") << arg.getArgNumber() << " has no known role";
    return nullptr;
  }
};

struct ReturnLowering : OpConversionPattern<func::ReturnOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(func::ReturnOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<emitc::ReturnOp>(op, Value());
    return success();
  }
};

/// A source of buffers or a view: one call that returns a loom::View.
template <typename OpT>
struct ViewLowering : OpConversionPattern<OpT> {
  ViewLowering(MLIRContext *ctx, const ModelTables &tables)
      : OpConversionPattern<OpT>(ctx), tables(tables) {}

  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<CallArg> args;
    StringRef callee = build(op, adaptor, args);
    rewriter.replaceOp(op, call(rewriter, op.getLoc(), viewType(op.getContext()),
                                callee, args)
                               ->getResults());
    return success();
  }
  StringRef build(OpT op, typename OpT::Adaptor adaptor,
                  SmallVectorImpl<CallArg> &args) const;

  const ModelTables &tables;
};

template <>
StringRef ViewLowering<AllocOp>::build(AllocOp op, AllocOp::Adaptor,
                                       SmallVectorImpl<CallArg> &args) const {
  MLIRContext *ctx = op.getContext();
  args.append({frameOf(op), i64(ctx, op.getOffset().value_or(0)),
               element(ctx, op.getType())});
  appendDims(ctx, op.getType(), args);
  return arenaSlotOf(op.getType()).rows ? "loom::exec::arenaRows"
                                        : "loom::exec::arenaBytes";
}
template <>
StringRef ViewLowering<WeightOp>::build(WeightOp op, WeightOp::Adaptor,
                                        SmallVectorImpl<CallArg> &args) const {
  args.append({frameOf(op), i64(op.getContext(), tables.weight(op.getName()))});
  return "loom::exec::weight";
}
template <>
StringRef ViewLowering<GradientOp>::build(GradientOp op, GradientOp::Adaptor,
                                          SmallVectorImpl<CallArg> &args) const {
  args.append({frameOf(op), i64(op.getContext(), tables.weight(op.getName()))});
  return "loom::exec::gradient";
}
template <>
StringRef
ViewLowering<TrainingBlockOp>::build(TrainingBlockOp op, TrainingBlockOp::Adaptor,
                                     SmallVectorImpl<CallArg> &args) const {
  args.append({frameOf(op),
               opaque(op.getContext(),
                      ("int(loom::exec::TrainingBlock::" + op.getBlock() + ")")
                          .str())});
  return "loom::exec::trainingBlock";
}
template <>
StringRef ViewLowering<StateOp>::build(StateOp op, StateOp::Adaptor,
                                       SmallVectorImpl<CallArg> &args) const {
  args.append({frameOf(op), i64(op.getContext(), tables.state(op.getName()))});
  return "loom::exec::state";
}
template <>
StringRef
ViewLowering<PositionalTableOp>::build(PositionalTableOp op,
                                       PositionalTableOp::Adaptor,
                                       SmallVectorImpl<CallArg> &args) const {
  args.push_back(frameOf(op));
  return "loom::exec::positional";
}
template <>
StringRef ViewLowering<ColumnsOp>::build(ColumnsOp op,
                                         ColumnsOp::Adaptor adaptor,
                                         SmallVectorImpl<CallArg> &args) const {
  args.append({adaptor.getSource(), i64(op.getContext(), op.getOffset()),
               i64(op.getContext(), op.getWidth())});
  return "loom::exec::columns";
}
template <>
StringRef
ViewLowering<SplitHeadsOp>::build(SplitHeadsOp op, SplitHeadsOp::Adaptor adaptor,
                                  SmallVectorImpl<CallArg> &args) const {
  args.append({adaptor.getSource(), i64(op.getContext(), op.getHeads())});
  return "loom::exec::splitHeads";
}
template <>
StringRef ViewLowering<SliceOp>::build(SliceOp op, SliceOp::Adaptor adaptor,
                                       SmallVectorImpl<CallArg> &args) const {
  args.append({adaptor.getSource(), i64(op.getContext(), op.getIndex())});
  return "loom::exec::slice";
}
template <>
StringRef ViewLowering<RowsOp>::build(RowsOp op, RowsOp::Adaptor adaptor,
                                      SmallVectorImpl<CallArg> &args) const {
  args.append({adaptor.getSource(), adaptor.getFirst()});
  return "loom::exec::rowsFrom";
}
template <>
StringRef
ViewLowering<StepLengthsOp>::build(StepLengthsOp op,
                                   StepLengthsOp::Adaptor adaptor,
                                   SmallVectorImpl<CallArg> &args) const {
  args.append({frameOf(op), adaptor.getStep()});
  return "loom::exec::stepLengths";
}

struct CacheAppendLowering : OpConversionPattern<CacheAppendOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CacheAppendOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Without a step (a prefill) the rows go to positions 0..T-1.
    CallArg position = adaptor.getStep()
                           ? CallArg(adaptor.getStep())
                           : CallArg(i64(op.getContext(), 0));
    call(rewriter, op.getLoc(), Type(), "loom::exec::cacheAppend",
         {frameOf(op), adaptor.getRows(), adaptor.getCache(), position});
    rewriter.eraseOp(op);
    return success();
  }
};

struct ZeroLowering : OpConversionPattern<ZeroOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ZeroOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    call(rewriter, op.getLoc(), Type(), "loom::exec::zero",
         {frameOf(op), adaptor.getBuffer()});
    rewriter.eraseOp(op);
    return success();
  }
};

/// Every kernel op: loom::exec::<family>(frame, instance, args in ABI
/// order), scalars as constants, an absent optional buffer as none().
struct KernelLowering : OpInterfaceConversionPattern<KernelOp> {
  KernelLowering(MLIRContext *ctx, const ModelTables &tables)
      : OpInterfaceConversionPattern<KernelOp>(ctx), tables(tables) {}

  LogicalResult
  matchAndRewrite(KernelOp op, ArrayRef<Value>,
                  ConversionPatternRewriter &rewriter) const override {
    MLIRContext *ctx = op.getContext();
    auto kernel = op->getAttrOfType<FlatSymbolRefAttr>("kernel"); // checked
    SmallVector<AbiValue> abiArgs;
    op.getAbiArguments(abiArgs);
    SmallVector<CallArg> args = {
        frameOf(op), i64(ctx, tables.instance(kernel.getValue()))};
    for (const AbiValue &arg : abiArgs) {
      if (arg.scalar)
        args.push_back(arg.scalar);
      else if (arg.runtimeScalar)
        args.push_back(rewriter.getRemappedValue(arg.runtimeScalar));
      else if (arg.buffer)
        args.push_back(rewriter.getRemappedValue(arg.buffer));
      else
        args.push_back(call(rewriter, op.getLoc(), viewType(ctx),
                            "loom::exec::none", {})
                           ->getResult(0));
    }
    std::string callee =
        (Twine("loom::exec::") + abi::familyName(op.getFamily())).str();
    call(rewriter, op.getLoc(), Type(), callee, args);
    rewriter.eraseOp(op);
    return success();
  }

  const ModelTables &tables;
};

//===----------------------------------------------------------------------===//
// loom_describe
//===----------------------------------------------------------------------===//

void describeInfo(OpBuilder &b, Location loc, Value d, DictionaryAttr spec) {
  MLIRContext *ctx = b.getContext();
  SmallVector<CallArg> args = {
      d, cString(ctx, spec.getAs<StringAttr>("name").getValue()),
      cString(ctx, spec.getAs<StringAttr>("architecture").getValue())};
  for (StringRef key : {"d_model", "heads", "ffn_hidden", "encoder_layers",
                        "decoder_layers", "src_vocab", "tgt_vocab", "max_len",
                        "pad_id", "bos_id", "eos_id"})
    args.push_back(i64(ctx, spec.getAs<IntegerAttr>(key).getInt()));
  call(b, loc, Type(), "loom::describe::info", args);
}

void describeBuffers(OpBuilder &b, Location loc, Value d,
                     const ModelTables &tables) {
  MLIRContext *ctx = b.getContext();
  for (auto [name, w] : tables.weights) {
    SmallVector<CallArg> args = {d, cString(ctx, name),
                                 b.getBoolAttr(w.getTransposed())};
    SmallVector<int64_t> shape(w.getType().getDims());
    if (w.getTransposed())
      std::swap(shape[0], shape[1]); // the state_dict's layout
    for (int64_t dim : shape)
      args.push_back(i64(ctx, dim));
    call(b, loc, Type(), "loom::describe::weight", args);
  }
  for (auto [name, s] : tables.states) {
    SmallVector<CallArg> args = {d, cString(ctx, name),
                                 element(ctx, s.getType())};
    appendDims(ctx, s.getType(), args);
    call(b, loc, Type(), "loom::describe::state", args);
  }
}

LogicalResult describeFunction(OpBuilder &b, Value d, func::FuncOp func) {
  MLIRContext *ctx = b.getContext();
  std::optional<int> id = planFunctionSlot(func.getName());
  if (!id)
    return func.emitError("is not a plan function the runtime knows "
                          "(loom/abi/PlanAbi.def)");
  bool source = false, target = false;
  parseArenaUnit(func->getAttrOfType<StringAttr>(kArenaUnitAttr).getValue(),
                 source, target);
  call(b, func.getLoc(), Type(), "loom::describe::function",
       {d, i64(ctx, *id), opaque(ctx, ("loom_plan_" + func.getName()).str()),
        i64(ctx, func->getAttrOfType<IntegerAttr>(kArenaRowsAttr).getInt()),
        i64(ctx, func->getAttrOfType<IntegerAttr>(kArenaBytesAttr).getInt()),
        b.getBoolAttr(source), b.getBoolAttr(target)});
  return success();
}

/// The C symbol of an instance for one ISA.
std::string kernelSymbol(InstanceOp instance, const abi::Isa &isa) {
  return ("loom_" + instance.getSymName() + "_" + isa.name).str();
}

void describeKernels(OpBuilder &b, Location loc, Value d,
                     const ModelTables &tables) {
  MLIRContext *ctx = b.getContext();
  for (auto [name, instance] : tables.instances) {
    SmallVector<CallArg> args = {d, cString(ctx, name)};
    for (const abi::Isa &isa : abi::kIsas)
      args.push_back(opaque(ctx, kernelSymbol(instance, isa)));
    call(b, loc, Type(), (Twine("loom::describe::") + instance.getFamily()).str(),
         args);
  }
}

/// Includes, then loom_describe after the plan functions it names.
LogicalResult emitModelParts(ModuleOp module, const ModelTables &tables,
                             ArrayRef<func::FuncOp> functions) {
  MLIRContext *ctx = module.getContext();
  auto spec = module->getAttrOfType<DictionaryAttr>("loom.spec");
  if (!spec)
    return module.emitError("has no loom.spec (the model's description)");
  OpBuilder b(ctx);
  b.setInsertionPointToStart(module.getBody());
  b.create<emitc::IncludeOp>(module.getLoc(), "loom/runtime/Executor.h",
                             /*is_standard_include=*/false);
  for (auto [name, instance] : tables.instances)
    for (const abi::Isa &isa : abi::kIsas)
      b.create<emitc::IncludeOp>(module.getLoc(),
                                 kernelSymbol(instance, isa) + ".h", false);
  b.setInsertionPointToEnd(module.getBody());
  auto describe = b.create<emitc::FuncOp>(
      module.getLoc(), "loom_describe",
      b.getFunctionType(
          {emitc::PointerType::get(
              emitc::OpaqueType::get(ctx, "loom::ModelDescription"))},
          {}));
  b.setInsertionPointToStart(describe.addEntryBlock());
  Value d = describe.getArgument(0);
  describeInfo(b, module.getLoc(), d, spec);
  describeBuffers(b, module.getLoc(), d, tables);
  if (module.lookupSymbol("apply_gradients"))
    call(b, module.getLoc(), Type(), "loom::describe::optimizer",
         {d, spec.get("adam_beta1"), spec.get("adam_beta2"),
          spec.get("adam_eps")});
  for (func::FuncOp func : functions)
    if (failed(describeFunction(b, d, func)))
      return failure();
  describeKernels(b, module.getLoc(), d, tables);
  b.create<emitc::ReturnOp>(module.getLoc(), Value());
  return success();
}

struct LowerToEmitCPass : loom::impl::LoomLowerToEmitCBase<LowerToEmitCPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp func : functions)
      if (failed(checkPlannedFunction(func)))
        return signalPassFailure();
    ModelTables tables(module);
    if (failed(emitModelParts(module, tables, functions)))
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addLegalDialect<emitc::EmitCDialect>();
    target.addIllegalDialect<LoomKernelDialect, func::FuncDialect>();
    target.addLegalOp<ModuleOp>();
    target.addLegalOp<InstanceOp>(); // erased below, once nothing names them
    RewritePatternSet patterns(ctx);
    patterns.add<FuncLowering, ReturnLowering, CacheAppendLowering,
                 ZeroLowering>(ctx);
    patterns.add<ViewLowering<AllocOp>, ViewLowering<WeightOp>,
                 ViewLowering<GradientOp>, ViewLowering<TrainingBlockOp>,
                 ViewLowering<StateOp>, ViewLowering<PositionalTableOp>,
                 ViewLowering<ColumnsOp>, ViewLowering<SplitHeadsOp>,
                 ViewLowering<SliceOp>, ViewLowering<RowsOp>, ViewLowering<StepLengthsOp>,
                 KernelLowering>(ctx, tables);
    if (failed(applyFullConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    for (InstanceOp instance :
         llvm::make_early_inc_range(module.getOps<InstanceOp>()))
      instance.erase();
  }
};

} // namespace
