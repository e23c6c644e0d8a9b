//===- loomc.cpp - the Loom compiler driver -------------------------------===//
//
//   loomc compile SPEC.yaml -o DIR [--tuning-records FILE]
//   loomc compile SPEC.yaml --emit=STAGE
//   loomc tune SPEC.yaml --records FILE [--budget-seconds N] [--shapes B=..,S=..,T=..]
//              [--threads N] [--resume] [--seed N]
//   loomc tune --distill --records FILE [-o OUT]
//
// Errors in the spec are reported as `file:line:col: error: ...`; the exit
// status is non-zero on any error and nothing is written.
//
//===----------------------------------------------------------------------===//
#include "Codegen/EmitLibrary.h"
#include "Codegen/KernelTuning.h"
#include "Codegen/PlanListing.h"
#include "Import/SpecImporter.h"
#include "Lowering/Passes.h"
#include "Transforms/Passes.h"
#include "Tuning/Records.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/Cpp/CppEmitter.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
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
                             cl::desc("<command: compile | tune>"),
                             cl::cat(loomcCategory));
cl::opt<std::string> specPath(cl::Positional, cl::desc("<model spec .yaml>"),
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
    "o",
    cl::desc("compile: write lib<name>.so and <name>.h into this directory; "
             "tune --distill: write the distilled records to this file"),
    cl::value_desc("DIR|FILE"), cl::cat(loomcCategory));

cl::OptionCategory tuningCategory("schedule tuning (loomc tune; compile --tuning-records)");

cl::opt<std::string> tuningRecords(
    "tuning-records",
    cl::desc("compile: take kernel schedules from these loomc tune records "
             "(matching kernel, shapes, machine and threads; defaults elsewhere)"),
    cl::value_desc("FILE"), cl::cat(tuningCategory));
cl::opt<std::string> recordsPath(
    "records", cl::desc("tune: the records file (JSON lines) to write or, with --distill, to read"),
    cl::value_desc("FILE"), cl::cat(tuningCategory));
cl::opt<double> budgetSeconds("budget-seconds",
                              cl::desc("tune: the whole run's time budget (default 600)"),
                              cl::init(600), cl::cat(tuningCategory));
cl::opt<std::string> shapesText(
    "shapes",
    cl::desc("B, S and T the kernels are tuned (and records matched) at; default "
             "B=8 and S=T=min(128, max_len)"),
    cl::value_desc("B=..,S=..,T=.."), cl::cat(tuningCategory));
cl::opt<std::string> tunedFunctions(
    "tune-functions",
    cl::desc("the functions whose kernel calls are tuned, joined by ',' (default forward)"),
    cl::init(loom::tuning::kDefaultTunedFunctions), cl::cat(tuningCategory));
// Spelled --threads on the command line: main() renames it, since LLVM 19's
// libraries already register a global, hidden "threads" option.
cl::opt<int> tuneThreads("tune-threads",
                         cl::desc("threads the kernels are timed (and records matched) "
                                  "with (also spelled --threads); default: this machine's cores"),
                         cl::init(0), cl::cat(tuningCategory));
cl::opt<bool> resume("resume",
                     cl::desc("tune: continue an existing records file (its schedules are "
                              "not measured again)"),
                     cl::cat(tuningCategory));
cl::opt<uint64_t> tuneSeed("seed", cl::desc("tune: the search's seed (default 1)"),
                           cl::init(1), cl::cat(tuningCategory));
cl::opt<int> tuneRepeats("repeats",
                         cl::desc("tune: timed runs per call; the median counts (default 10)"),
                         cl::init(10), cl::cat(tuningCategory));
cl::opt<bool> distillRecords(
    "distill", cl::desc("tune: keep the fastest ok record per kernel, workload and machine"),
    cl::cat(tuningCategory));

int fail(const Twine &message) {
  errs() << "loomc: error: " << message << "\n";
  return 1;
}

/// The shapes tuning and record matching use.
std::optional<loom::tuning::TuningShapes> tuningShapes(const loom::ModelSpec &spec) {
  loom::tuning::TuningShapes shapes;
  if (spec.maxLen > 0)
    shapes.source = shapes.target = std::min<int64_t>(128, spec.maxLen);
  std::string error;
  if (!shapesText.empty() && !loom::tuning::parseShapes(shapesText, shapes, error)) {
    fail("--shapes=" + shapesText + ": " + error);
    return std::nullopt;
  }
  return shapes;
}

int threadsOrDefault() {
  return tuneThreads > 0 ? tuneThreads : int(loom::tuning::defaultTuningThreads());
}

/// The passes that produce `stage` (the views need the plan).
void addPassesUpTo(mlir::OpPassManager &pm, Stage stage,
                   const loom::LoomApplyTuningRecordsOptions &tuning) {
  Stage last = stage >= Stage::Kernels ? Stage::Plan : stage;
  if (last == Stage::Train)
    return loom::buildTrainingPipeline(pm);
  if (last == Stage::Fused || (last > Stage::Fused && inferenceOnly))
    loom::buildInferencePipeline(pm);
  else if (last > Stage::Fused)
    loom::buildTrainingPipeline(pm, /*ifTrainable=*/true);
  if (last >= Stage::Lowered)
    loom::buildPlanPipeline(
        pm,
        loom::PlanStep(std::min(int(last), int(Stage::Plan)) - int(Stage::Lowered)),
        tuning);
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

/// "loomc: 5 of 9 kernel instances have tuned schedules (FILE)".
void reportTuned(mlir::ModuleOp module) {
  int tuned = 0, all = 0;
  for (auto instance : module.getOps<loom::kernel::InstanceOp>()) {
    ++all;
    tuned += instance->hasAttr("loom.tuned");
  }
  errs() << "loomc: " << tuned << " of " << all
         << " kernel instances have tuned schedules (" << tuningRecords << ")\n";
}

/// loomc tune --distill --records IN [-o OUT]: the best record per key,
/// to OUT (written whole, then renamed into place) or stdout.
int distill() {
  if (!specPath.empty())
    return fail("--distill reads --records only; give no spec");
  std::vector<loom::tuning::TuningRecord> records;
  std::string error;
  if (recordsPath.empty())
    return fail("--distill needs --records=FILE");
  if (!loom::tuning::readRecords(recordsPath, records, error))
    return fail(error);
  std::vector<loom::tuning::TuningRecord> best = loom::tuning::distill(records);
  if (outputDir.empty()) {
    for (const auto &r : best)
      outs() << loom::tuning::toJsonLine(r) << "\n";
    return 0;
  }
  // As the other Loom tools: a target that exists and is not a regular file
  // (a FIFO, a device, a directory) is refused and left alone; a symbolic
  // link is written through.
  std::string target = outputDir;
  if (sys::fs::exists(outputDir)) {
    SmallString<256> real;
    if (!sys::fs::is_regular_file(outputDir) || sys::fs::real_path(outputDir, real))
      return fail("'" + outputDir + "' exists and is not a regular file: not written");
    target = real.str().str();
  }
  std::string tmp = target + ".tmp";
  sys::fs::remove(tmp);
  if (!loom::tuning::appendRecords(tmp, best, error))
    return fail(error);
  if (std::error_code ec = sys::fs::rename(tmp, target)) {
    sys::fs::remove(tmp);
    return fail("cannot write '" + outputDir + "': " + ec.message());
  }
  errs() << "loomc: " << best.size() << " of " << records.size() << " records kept in '"
         << outputDir << "'\n";
  return 0;
}

/// Checks the flags of `command` that do not depend on the spec.
std::optional<int> checkFlags(bool emitting) {
  bool tune = command == "tune";
  if (command != "compile" && !tune)
    return fail("unknown command '" + command + "'; expected 'compile' or 'tune'");
  if (tune && distillRecords)
    return distill();
  if (specPath.empty())
    return fail("give a model spec (.yaml)");
  if (tune) {
    if (emitting || !tuningRecords.empty() || !outputDir.empty())
      return fail("tune takes --records=FILE (and writes no library): not --emit, -o or "
                  "--tuning-records");
    if (recordsPath.empty())
      return fail("tune needs --records=FILE (JSON lines: one record per schedule tried)");
    if (!(budgetSeconds >= 0) || tuneRepeats < 1 || tuneThreads < 0)
      return fail("--budget-seconds must be >= 0, --repeats >= 1 and --threads >= 0");
    return std::nullopt;
  }
  if (!recordsPath.empty() || resume || distillRecords)
    return fail("--records, --resume and --distill are for 'loomc tune'");
  if (emitting == !outputDir.empty())
    return fail(emitting ? "give either --emit=STAGE or -o DIR, not both"
                         : "nothing to do: give -o DIR or --emit=STAGE (see --help for "
                           "the stages)");
  return std::nullopt;
}

/// argv with --threads renamed --tune-threads (see tuneThreads).
std::vector<char *> renameThreadsFlag(int argc, char **argv,
                                      std::vector<std::string> &storage) {
  std::vector<char *> out(argv, argv + argc);
  storage.reserve(argc);
  for (int i = 1; i < argc; ++i) {
    StringRef arg(argv[i]);
    for (StringRef flag : {"--threads", "-threads"})
      if (arg == flag || arg.starts_with((flag + "=").str())) {
        storage.push_back("--tune-threads" + arg.drop_front(flag.size()).str());
        out[i] = storage.back().data();
      }
  }
  return out;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  std::vector<std::string> renamed;
  std::vector<char *> args = renameThreadsFlag(argc, argv, renamed);
  argv = args.data();
  mlir::registerAsmPrinterCLOptions();
  mlir::registerMLIRContextCLOptions();
  mlir::registerPassManagerCLOptions();
  // --help shows loomc's own options; LLVM's and MLIR's hundreds (code
  // generators, pass timing, IR printing) stay usable and --help-hidden lists them.
  cl::HideUnrelatedOptions({&loomcCategory, &tuningCategory});
  cl::ParseCommandLineOptions(
      argc, argv,
      "Loom: compiles Transformer model specs\n\n"
      "  loomc compile SPEC.yaml -o DIR [--tuning-records FILE]  (lib<name>.so + <name>.h)\n"
      "  loomc compile SPEC.yaml --emit=STAGE\n"
      "  loomc tune SPEC.yaml --records FILE [--budget-seconds N] [--shapes B=..,S=..,T=..]\n"
      "             [--threads N] [--resume] [--seed N]\n"
      "  loomc tune --distill --records FILE [-o OUT]\n\n"
      "  --help-hidden also lists LLVM's and MLIR's options (e.g. --mlir-timing).\n");

  bool emitting = emitStage.getNumOccurrences() > 0;
  if (std::optional<int> done = checkFlags(emitting))
    return *done;

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
  // A diagnostic points into the spec (or a records file); MLIR would add
  // the whole module after it, hundreds of lines a user did not write.
  // --mlir-print-op-on-diagnostic still asks for it.
  if (!cl::getRegisteredOptions()["mlir-print-op-on-diagnostic"]->getNumOccurrences())
    context.printOpOnDiagnostic(false);
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loom::importModelSpec(context, *spec);
  if (failed(mlir::verify(*module)))
    return fail("internal error: the imported IR does not verify");

  std::optional<loom::tuning::TuningShapes> shapes = tuningShapes(*spec);
  if (!shapes)
    return 1;
  loom::LoomApplyTuningRecordsOptions tuning;
  tuning.records = tuningRecords;
  tuning.shapes = shapes->str();
  tuning.functions = tunedFunctions;
  tuning.threads = threadsOrDefault();
  bool tune = command == "tune";
  Stage stage = tune ? Stage::Selected : emitting ? emitStage.getValue() : Stage::Plan;
  mlir::PassManager pm(&context);
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return 1;
  addPassesUpTo(pm, stage, tuning);
  if (failed(pm.run(*module)))
    return fail("compiling the spec failed");
  if (tune) {
    loom::TuneOptions options;
    options.recordsPath = recordsPath;
    options.budgetSeconds = budgetSeconds;
    options.shapes = *shapes;
    SmallVector<StringRef> names;
    StringRef(tunedFunctions).split(names, ',', -1, false);
    options.functions.assign(names.begin(), names.end());
    options.threads = threadsOrDefault();
    options.resume = resume;
    options.seed = tuneSeed;
    options.repeats = tuneRepeats;
    return failed(loom::tuneKernels(*module, loom::Toolchain::fromBuild(), options,
                                    spec->name))
               ? 1
               : 0;
  }
  if (!tuningRecords.empty())
    reportTuned(*module);
  if (emitting)
    return emit(*module, stage);
  return failed(loom::emitLibrary(*module, loom::Toolchain::fromBuild(),
                                  outputDir))
             ? 1
             : 0;
}
