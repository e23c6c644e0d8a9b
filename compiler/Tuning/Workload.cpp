//===- Workload.cpp - what a kernel instance computes at given shapes -----===//
#include "Tuning/Workload.h"

#include "loom_kernel/LoomKernelOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/xxhash.h"

#include <climits>
#include <map>

using namespace mlir;
using namespace loom;
using namespace loom::kernel;
using namespace loom::tuning;

std::string TuningShapes::str() const {
  return llvm::formatv("B={0},S={1},T={2}", batch, source, target).str();
}

bool loom::tuning::parseShapes(llvm::StringRef text, TuningShapes &shapes,
                               std::string &error) {
  llvm::SmallVector<llvm::StringRef> parts;
  text.split(parts, ',');
  for (llvm::StringRef part : parts) {
    auto [name, value] = part.trim().split('=');
    int64_t *slot = name == "B"   ? &shapes.batch
                    : name == "S" ? &shapes.source
                    : name == "T" ? &shapes.target
                                  : nullptr;
    int64_t n = 0;
    if (!slot || value.getAsInteger(10, n) || n < 1 || n > 65536) {
      error = "'" + part.str() +
              "': expected B=N, S=N or T=N with N in [1, 65536], joined by ','";
      return false;
    }
    *slot = n;
  }
  return true;
}

double KernelWorkload::flops() const {
  double total = 0;
  for (const KernelCall &call : calls)
    total += call.flops * double(call.count);
  return total;
}

namespace {

/// A buffer argument as the runtime hands it to Halide: dims resolved,
/// strides from the buffer's layout, leading dims folded into the kernel's
/// rank, innermost first (runtime/lib/Executor.cpp, HalideArgument).
struct HalideShape {
  std::vector<int64_t> extents, strides;
};

int64_t resolve(int64_t dim, const TuningShapes &shapes) {
  switch (dim) {
  case kBatch: return shapes.batch;
  case kSource: return shapes.source;
  case kTarget: return shapes.target;
  default: return dim;
  }
}

HalideShape halideShape(BufferType type, int rank, const TuningShapes &shapes) {
  std::vector<int64_t> dims, strides(type.getRank());
  for (int64_t d : type.getDims())
    dims.push_back(resolve(d, shapes));
  const int r = int(dims.size());
  const int64_t rowStride = type.getRowStride() ? type.getRowStride()
                            : type.getHeads()   ? dims[1] * dims[3]
                                                : dims[r - 1];
  if (type.getHeads()) { // [B, H, S, Dh] over rows of H * Dh
    strides = {dims[2] * rowStride, dims[3], rowStride, 1};
  } else {
    strides[r - 1] = 1;
    if (r >= 2)
      strides[r - 2] = rowStride;
    for (int i = r - 3; i >= 0; --i)
      strides[i] = strides[i + 1] * dims[i + 1];
  }
  HalideShape out;
  const int folded = r - rank + 1;
  int64_t rows = 1;
  for (int i = 0; i < folded; ++i)
    rows *= dims[i];
  for (int i = r - 1; i >= folded; --i) {
    out.extents.push_back(dims[i]);
    out.strides.push_back(strides[i]);
  }
  out.extents.push_back(rows);
  out.strides.push_back(strides[folded - 1]);
  return out;
}

std::string joined(const std::vector<int64_t> &values) {
  return llvm::join(llvm::map_range(values, [](int64_t v) { return std::to_string(v); }),
                    "x");
}

/// A scalar the op computes at run time (a dropout probability, a step):
/// a value of the kind it takes in training.
std::string runtimeScalarValue(const abi::Argument &arg) {
  if (arg.type != abi::ArgType::f32)
    return "1";
  return llvm::StringRef(arg.name) == "dropout" ? "0.1" : "0.001";
}

/// 2 x the multiply-adds of the call's matrix products (0: none counted).
double callFlops(abi::Family family, const std::map<std::string, HalideShape> &b) {
  auto e = [&](const char *name, int dim) { return double(b.at(name).extents[dim]); };
  switch (family) {
  case abi::Family::linear:
  case abi::Family::linear_grad_weight:
    return 2 * e("x", 0) * e("x", 1) * (family == abi::Family::linear ? e("wt", 0) : e("dy", 0));
  case abi::Family::linear_grad_input:
    return 2 * e("dy", 0) * e("dy", 1) * e("dx", 0);
  case abi::Family::attention:
  case abi::Family::attention_train:
  case abi::Family::attention_grad: {
    // Q K^T and P V (forward); backward recomputes Q K^T and adds dV, dP,
    // dQ, dK: 5 products. Full Sq x Sk, causal or not.
    double products = family == abi::Family::attention_grad ? 5 : 2;
    return products * 2 * e("q", 0) * e("q", 1) * e("q", 2) * e("q", 3) * e("k", 1);
  }
  default:
    return 0;
  }
}

/// Elements a buffer of `shape` spans (its last element's offset + 1).
int64_t span(const HalideShape &shape) {
  int64_t last = 0;
  for (size_t d = 0; d < shape.extents.size(); ++d)
    last += (shape.extents[d] - 1) * shape.strides[d];
  return last + 1;
}

/// The memory the harness may allocate for one call's buffers.
constexpr int64_t kMaxCallBytes = int64_t(4) << 30;

/// The harness arguments of one call; `why` says what cannot be run.
KernelCall describeCall(KernelOp op, const TuningShapes &shapes, std::string &why) {
  abi::ArgumentList abi = abi::arguments(op.getFamily());
  SmallVector<AbiValue> values;
  op.getAbiArguments(values);
  KernelCall call;
  std::map<std::string, HalideShape> buffers;
  int64_t bytes = 0;
  for (int i = 0; i < abi.size(); ++i) {
    const abi::Argument &arg = abi[i];
    const AbiValue &value = values[i];
    if (!arg.isBuffer) {
      std::string text = runtimeScalarValue(arg);
      if (auto f = dyn_cast_or_null<FloatAttr>(value.scalar))
        text = llvm::formatv("{0:e9}", f.getValueAsDouble()).str();
      else if (auto n = dyn_cast_or_null<IntegerAttr>(value.scalar))
        text = std::to_string(n.getInt());
      call.harnessArgs.push_back("--scalar=" + std::string(arg.name) + "=" + text);
      continue;
    }
    HalideShape shape;
    if (value.buffer) // else an optional buffer the kernel never reads
      shape = halideShape(cast<BufferType>(value.buffer.getType()), arg.rank, shapes);
    else
      shape = {std::vector<int64_t>(arg.rank, 1), std::vector<int64_t>(arg.rank, 1)};
    call.harnessArgs.push_back("--buffer=" + std::string(arg.name) + "=" +
                               joined(shape.extents) + "@" + joined(shape.strides));
    buffers[arg.name] = shape;
    call.extents[arg.name] = shape.extents;
    bytes += 4 * span(shape);
    // Halide 14 kernels index with int32 (as the runtime checks per call).
    if (span(shape) > INT32_MAX)
      why = "at these shapes its buffer '" + std::string(arg.name) + "' spans " +
            std::to_string(span(shape)) + " elements, more than Halide kernels index (2^31)";
    if (arg.type == abi::ArgType::i32 && !arg.isOutput) {
      // Key lengths: every key visible (the longest keys, the most work).
      if (llvm::StringRef(arg.name) == "key_lengths" && buffers.count("k"))
        call.harnessArgs.push_back("--int-fill=key_lengths=" +
                                   std::to_string(buffers["k"].extents[1]));
      else
        why = "its integer input '" + std::string(arg.name) +
              "' needs values the tuner cannot make up";
    }
  }
  if (why.empty() && bytes > kMaxCallBytes)
    why = "at these shapes one call needs " + std::to_string(bytes >> 20) +
          " MiB of buffers (the tuner allocates at most " + std::to_string(kMaxCallBytes >> 20) +
          ")";
  call.flops = callFlops(op.getFamily(), buffers);
  return call;
}

std::vector<std::string> paramStrings(InstanceOp instance) {
  std::vector<std::string> out;
  for (NamedAttribute entry : instance.getParams()) {
    std::string value = isa<StringAttr>(entry.getValue())
                            ? cast<StringAttr>(entry.getValue()).str()
                            : std::to_string(cast<IntegerAttr>(entry.getValue()).getInt());
    out.push_back((entry.getName().strref() + "=" + value).str());
  }
  return out;
}

} // namespace

std::vector<KernelWorkload>
loom::tuning::collectWorkloads(ModuleOp module, const TuningShapes &shapes,
                               llvm::ArrayRef<std::string> functions) {
  std::vector<KernelWorkload> workloads;
  std::map<std::string, size_t> byInstance;
  for (InstanceOp instance : module.getOps<InstanceOp>()) {
    byInstance[instance.getSymName().str()] = workloads.size();
    workloads.push_back({instance.getSymName().str(), instance.getAbiFamily(),
                         paramStrings(instance), {}, "", ""});
  }
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!llvm::is_contained(functions, func.getSymName().str()))
      continue;
    func.walk([&](KernelOp op) {
      auto symbol = op->getAttrOfType<FlatSymbolRefAttr>("kernel");
      if (!symbol || !byInstance.count(symbol.getValue().str()))
        return;
      KernelWorkload &w = workloads[byInstance[symbol.getValue().str()]];
      KernelCall call = describeCall(op, shapes, w.untunableWhy);
      for (KernelCall &seen : w.calls)
        if (seen.harnessArgs == call.harnessArgs) {
          ++seen.count;
          return;
        }
      call.count = 1;
      w.calls.push_back(std::move(call));
    });
  }
  std::vector<KernelWorkload> called;
  for (KernelWorkload &w : workloads) {
    if (w.calls.empty())
      continue;
    std::string text = w.instance;
    for (const KernelCall &call : w.calls)
      text += "\n" + std::to_string(call.count) + " " + llvm::join(call.harnessArgs, " ");
    w.key = llvm::utohexstr(llvm::xxh3_64bits(text), /*LowerCase=*/true);
    called.push_back(std::move(w));
  }
  return called;
}
