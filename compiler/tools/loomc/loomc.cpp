//===- loomc.cpp - the Loom compiler driver -------------------------------===//
//
//   loomc compile SPEC.yaml -o DIR
//   loomc compile SPEC.yaml --emit=STAGE
//
// Errors in the spec are reported as `file:line:col: error: ...`; the exit
// status is non-zero on any error and nothing is written.
//
//===----------------------------------------------------------------------===//
#include "Codegen/EmitLibrary.h"
#include "Codegen/PlanListing.h"
#include "Import/SpecImporter.h"
#include "Lowering/Passes.h"
#include "Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/Cpp/CppEmitter.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace {

/// Stages in pipeline order; each IR stage is what the passes up to it
/// produce. Lowered..Plan follow loom::PlanStep. kernels, buffers and glue
/// are views of the plan.
enum class Stage { Loom, Fused, Train, Lowered, Decoding, Selected, Plan,
                   EmitC, Kernels, Buffers, Glue };
static_assert(int(Stage::Plan) - int(Stage::Lowered) ==
                  int(loom::PlanStep::Planned),
              "loomc's stages follow loom::PlanStep");

cl::OptionCategory loomcCategory("loomc options");

cl::opt<std::string> command(cl::Positional, cl::Required,
                             cl::desc("<command: compile>"),
                             cl::cat(loomcCategory));
cl::opt<std::string> specPath(cl::Positional, cl::Required,
                              cl::desc("<model spec .yaml>"),
                              cl::cat(loomcCategory));
cl::opt<Stage> emitStage(
    "emit", cl::desc("Print one stage of the pipeline to stdout"),
    cl::values(
        clEnumValN(Stage::Loom, "loom", "imported, unfused loom IR"),
        clEnumValN(Stage::Fused, "fused", "loom IR after the fusions"),
        clEnumValN(Stage::Train, "train",
                   "+ @train_step: loss, backward, Adam (--loom-autodiff)"),
        clEnumValN(Stage::Lowered, "lowered",
                   "kernel calls on buffers (--loom-lower-to-kernels)"),
        clEnumValN(Stage::Decoding, "decoding",
                   "+ the KV-cache decoding functions (--loom-derive-decoding) "
                   "and @cross_attention (--loom-derive-cross-attention)"),
        clEnumValN(Stage::Selected, "selected",
                   "+ kernel instances and schedules (--loom-select-kernels)"),
        clEnumValN(Stage::Plan, "plan",
                   "the planned program: arena offsets (--loom-plan-buffers)"),
        clEnumValN(Stage::EmitC, "emitc",
                   "the plan as emitc (--loom-lower-to-emitc)"),
        clEnumValN(Stage::Kernels, "kernels", "view: the plan's kernel calls"),
        clEnumValN(Stage::Buffers, "buffers",
                   "view: the plan's buffers, live ranges and offsets"),
        clEnumValN(Stage::Glue, "glue", "the library's generated C++")),
    cl::cat(loomcCategory));

cl::opt<bool> inferenceOnly(
    "inference-only",
    cl::desc("Leave training out of the library (no train_step): fewer "
             "kernels to build"),
    cl::cat(loomcCategory));

cl::opt<std::string> outputDir(
    "o", cl::desc("Write lib<name>.so and <name>.h into this directory"),
    cl::value_desc("DIR"), cl::cat(loomcCategory));

int fail(const Twine &message) {
  errs() << "loomc: error: " << message << "\n";
  return 1;
}

/// The passes that produce `stage` (the views need the plan).
void addPassesUpTo(mlir::OpPassManager &pm, Stage stage) {
  Stage last = stage >= Stage::Kernels ? Stage::Plan : stage;
  if (last == Stage::Train)
    return loom::buildTrainingPipeline(pm);
  if (last == Stage::Fused || (last > Stage::Fused && inferenceOnly))
    loom::buildInferencePipeline(pm);
  else if (last > Stage::Fused)
    loom::buildTrainingPipeline(pm, /*ifTrainable=*/true);
  if (last >= Stage::Lowered)
    loom::buildPlanPipeline(
        pm, loom::PlanStep(std::min(int(last), int(Stage::Plan)) -
                           int(Stage::Lowered)));
  if (last == Stage::EmitC)
    pm.addPass(loom::createLoomLowerToEmitC());
}

/// Prints `stage` of the compiled module.
int emit(mlir::ModuleOp module, Stage stage) {
  switch (stage) {
  case Stage::Kernels:
    loom::printKernelListing(module, outs());
    return 0;
  case Stage::Buffers:
    loom::printBufferListing(module, outs());
    return 0;
  case Stage::Glue: {
    mlir::FailureOr<std::string> glue = loom::emitGlue(module);
    if (failed(glue))
      return 1;
    outs() << *glue;
    return 0;
  }
  default:
    module.print(outs());
    outs() << "\n";
    return 0;
  }
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv,
      "Loom: compiles Transformer model specs\n\n"
      "  loomc compile SPEC.yaml -o DIR      (lib<name>.so + <name>.h)\n"
      "  loomc compile SPEC.yaml --emit=STAGE\n");

  if (command != "compile")
    return fail("unknown command '" + command + "'; expected 'compile'");
  bool emitting = emitStage.getNumOccurrences() > 0;
  if (emitting == !outputDir.empty())
    return fail(emitting ? "give either --emit=STAGE or -o DIR, not both"
                         : "nothing to do: give -o DIR or --emit=STAGE (see "
                           "--help for the stages)");

  // Not mlir::openInputFile: it would block on a FIFO and read /dev/zero
  // until memory runs out. readSpecFile reads regular files of bounded size.
  std::string message;
  std::unique_ptr<MemoryBuffer> buffer = loom::readSpecFile(specPath, message);
  if (!buffer)
    return fail(message);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), SMLoc());
  std::optional<loom::ModelSpec> spec = loom::parseModelSpec(sourceMgr);
  if (!spec)
    return 1;

  mlir::DialectRegistry registry;
  loom::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loom::importModelSpec(context, *spec);
  if (failed(mlir::verify(*module)))
    return fail("internal error: the imported IR does not verify");

  Stage stage = emitting ? emitStage.getValue() : Stage::Plan;
  mlir::PassManager pm(&context);
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return 1;
  addPassesUpTo(pm, stage);
  if (failed(pm.run(*module)))
    return fail("compiling the spec failed");
  if (emitting)
    return emit(*module, stage);
  return failed(loom::emitLibrary(*module, loom::Toolchain::fromBuild(),
                                  outputDir))
             ? 1
             : 0;
}
