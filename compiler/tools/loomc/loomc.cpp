//===- loomc.cpp - the Loom compiler driver -------------------------------===//
//
//   loomc compile SPEC.yaml -o DIR
//   loomc compile SPEC.yaml --emit=loom|fused|kernels|buffers|glue
//
// Errors in the spec are reported as `file:line:col: error: ...`; the exit
// status is non-zero on any error and nothing is written.
//
//===----------------------------------------------------------------------===//
#include "Codegen/EmitLibrary.h"
#include "Codegen/Plan.h"
#include "Import/SpecImporter.h"
#include "Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace {

enum class Stage { Loom, Fused, Kernels, Buffers, Glue };

cl::OptionCategory loomcCategory("loomc options");

cl::opt<std::string> command(cl::Positional, cl::Required,
                             cl::desc("<command: compile>"),
                             cl::cat(loomcCategory));
cl::opt<std::string> specPath(cl::Positional, cl::Required,
                              cl::desc("<model spec .yaml>"),
                              cl::cat(loomcCategory));
cl::opt<Stage> emitStage(
    "emit", cl::desc("Print one stage of the pipeline to stdout"),
    cl::values(clEnumValN(Stage::Loom, "loom", "imported, unfused loom IR"),
               clEnumValN(Stage::Fused, "fused",
                          "loom IR after the inference fusions"),
               clEnumValN(Stage::Kernels, "kernels",
                          "the kernel calls of the inference plan"),
               clEnumValN(Stage::Buffers, "buffers",
                          "the buffer plan: sizes, live ranges, offsets"),
               clEnumValN(Stage::Glue, "glue",
                          "the generated C++ that runs the plan")),
    cl::cat(loomcCategory));

cl::opt<std::string> outputDir(
    "o", cl::desc("Write lib<name>.so and <name>.h into this directory"),
    cl::value_desc("DIR"), cl::cat(loomcCategory));

int fail(const Twine &message) {
  errs() << "loomc: error: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "Loom: compiles Transformer model specs\n\n"
                              "  loomc compile SPEC.yaml -o DIR      (lib<name>.so + <name>.h)\n"
                              "  loomc compile SPEC.yaml --emit=loom|fused|kernels|buffers|glue\n");

  if (command != "compile")
    return fail("unknown command '" + command + "'; expected 'compile'");
  bool emitting = emitStage.getNumOccurrences() > 0;
  if (emitting == !outputDir.empty())
    return fail(emitting ? "give either --emit=STAGE or -o DIR, not both"
                         : "nothing to do: give -o DIR or --emit=STAGE (loom, "
                           "fused, kernels, buffers, glue)");

  std::string message;
  auto buffer = mlir::openInputFile(specPath, &message);
  if (!buffer)
    return fail(message);
  SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(buffer), SMLoc());
  std::optional<loom::ModelSpec> spec = loom::parseModelSpec(sourceMgr);
  if (!spec)
    return 1;

  mlir::MLIRContext context;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loom::importModelSpec(context, *spec);
  if (failed(mlir::verify(*module)))
    return fail("internal error: the imported IR does not verify");

  if (!emitting || emitStage != Stage::Loom) {
    mlir::PassManager pm(&context);
    if (failed(mlir::applyPassManagerCLOptions(pm)))
      return 1;
    loom::buildInferencePipeline(pm);
    if (failed(pm.run(*module)))
      return fail("the fusion pipeline failed");
  }
  if (emitting && (emitStage == Stage::Loom || emitStage == Stage::Fused)) {
    module->print(outs());
    outs() << "\n";
    return 0;
  }
  auto forward = module->lookupSymbol<mlir::func::FuncOp>("forward");
  mlir::FailureOr<loom::Plan> plan = loom::buildPlan(forward);
  if (failed(plan))
    return 1;
  if (!emitting)
    return failed(loom::emitLibrary(*module, *plan,
                                    loom::Toolchain::fromBuild(), outputDir))
               ? 1
               : 0;
  if (emitStage == Stage::Kernels)
    loom::printKernels(*plan, outs());
  else if (emitStage == Stage::Buffers)
    loom::printBuffers(*plan, outs());
  else
    outs() << loom::emitGlue(*module, *plan);
  return 0;
}
