//===- loom-spec-fuzz.cpp - fuzzes the spec parser and importer ----------===//
//
// Every input must end in either a refused spec (diagnostics, no crash) or
// an imported module that verifies and survives the fusion pipeline, the
// plan pipeline and the lowering to EmitC. Runs of the tokens llvm::yaml
// recurses on reach the pre-check's limit (SpecText.cpp), so a stack
// overflow below it would show here. Two ways to run it:
//   - built with clang -fsanitize=fuzzer and -DLOOM_LIBFUZZER (the
//     loom-fuzz-spec target, wherever clang is installed; run by
//     test/fuzz/run-fuzzers.sh): LLVMFuzzerTestOneInput is the libFuzzer
//     target;
//   - otherwise: `loom-spec-fuzz --iterations=N --seed=S` mutates seed specs
//     deterministically (byte edits, line edits, boundary and hostile
//     values, runs of nesting tokens, encoding mistakes) and strings YAML
//     pieces together, so the test suite exercises the same checks on every
//     build.
//
//===----------------------------------------------------------------------===//
#include "Import/SpecImporter.h"
#include "Lowering/Passes.h"
#include "Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

/// Outcome of one input.
enum class Outcome { Refused, Accepted, TooLarge };

Outcome checkOne(llvm::StringRef text) {
  llvm::SourceMgr sourceMgr;
  sourceMgr.setDiagHandler([](const llvm::SMDiagnostic &, void *) {});
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "fuzz.yaml"), llvm::SMLoc());
  std::optional<loom::ModelSpec> spec = loom::parseModelSpec(sourceMgr);
  if (!spec)
    return Outcome::Refused;
  // Valid but huge models are fine to refuse from the fuzzer's point of view:
  // importing them only costs time.
  int64_t layers = spec->encoderLayers + spec->decoderLayers;
  if (layers > 8 || spec->dModel > 4096 || spec->ffnHidden > 1 << 16)
    return Outcome::TooLarge;
  mlir::DialectRegistry registry;
  loom::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  auto module = loom::importModelSpec(context, *spec);
  if (failed(mlir::verify(*module))) {
    llvm::errs() << "imported IR does not verify for:\n" << text << "\n";
    std::abort();
  }
  mlir::PassManager pm(&context);
  loom::buildInferencePipeline(pm);
  loom::buildPlanPipeline(pm);
  pm.addPass(loom::createLoomLowerToEmitC());
  if (failed(pm.run(*module))) {
    llvm::errs() << "compiling failed for:\n" << text << "\n";
    std::abort();
  }
  return Outcome::Accepted;
}

const char *const kSeeds[] = {
    "name: ed\nd_model: 16\nheads: 2\nffn_hidden: 32\nencoder_layers: 1\n"
    "decoder_layers: 2\nsrc_vocab: 11\ntgt_vocab: 13\nmax_len: 20\n",
    "name: enc\narchitecture: encoder\nd_model: 24\nheads: 3\nffn_hidden: 40\n"
    "encoder_layers: 2\nsrc_vocab: 50\nmax_len: 16\nactivation: gelu\n"
    "norm_first: true\nfinal_norm: false\ndropout: 0.1\n",
    "name: lm\narchitecture: decoder\nd_model: 32\nheads: 4\nffn_hidden: 64\n"
    "decoder_layers: 1\ntgt_vocab: 97\nmax_len: 40\nlayer_norm_eps: 1e-6\n"
    "pad_id: 0\nbos_id: 1\neos_id: 2\nlabel_smoothing: 0.1\n",
};

const char *const kValues[] = {
    "0",      "-1",   "1",     "2",    "3",         "7",
    "2147483648", "9223372036854775808", "1e309", "nan", "0.5",
    "",       "~",    "[1]",   "{a: 1}", "\"16\"",  "true",
    "encoder", "decoder", "gelu", "x y", "'a'", "- 1", "&a 1", "*a",
    "+16",    "+0.5", "-9223372036854775809", "!!str 16", "!!int 16",
    "!!str",  "|\n  16", ">-\n  gelu", "[[[[[[[[[1]]]]]]]]]", "[,,,,,,,,,]",
    "loom",   "loom_x", "halide", "halide_y", "pthread",
    "a0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890",
};

/// Text inserted by the run mutation: each is a way to nest, repeat a token
/// the YAML parser recurses on, or hide one of those in a comment, a quoted
/// or block scalar.
const char *const kRuns[] = {"[", "{", "- ", "? ", ": ", ",", "...\n", " ",
                             "\n", "# [", "\"[", "'[", "|\n", "!!str ",
                             "&a ", "a: ", "\n  "};

/// Bytes inserted by the encoding mutation (which also inserts a NUL byte):
/// UTF-8 and UTF-16 byte-order marks, a bad UTF-8 byte, NEL (allowed), a C1
/// control character, a tab, a CR.
const char *const kBytes[] = {"\xEF\xBB\xBF", "\xFE\xFF", "\xFF\xFE", "\xFF",
                              "\xC2\x85", "\xC2\x80", "\t", "\r"};

/// Pieces of YAML: indicators, scalars of each style, comments, document
/// markers, directives, indentation. Strings of them, without a spec's
/// shape, exercise the pre-check's copy of llvm::yaml's scanner.
const char *const kPieces[] = {
    " ",   "\n",  "\n  ", "\n    ", "\t",  "\r\n", "- ",   "? ",   ": ",
    "-",   "?",   ":",     ",",       "[",   "]",    "{",    "}",    "a",
    "b: ", "1",   "a:b",   "'x'",     "''",  "'",    "\"y\"", "\"",   "\\",
    " #",  "#",   "|\n",  ">-\n",    "|2",  "&a ",  "*a ",  "!t ",  "!!",
    "!<",  ">",   "|",     "\n...\n", "...", "\n---\n", "%YAML 1.2\n",
    "%TAG ! x\n", "%",   "@",       "\xC3\xA9"};

std::string randomYaml(std::mt19937 &rng) {
  std::string text;
  for (unsigned n = 1 + rng() % 60; n; --n)
    text += kPieces[rng() % std::size(kPieces)];
  return text;
}

/// One random edit of `text`.
std::string mutate(std::string text, std::mt19937 &rng) {
  auto pick = [&](size_t n) { return n ? size_t(rng() % n) : size_t(0); };
  std::vector<std::string> lines;
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  switch (rng() % 8) {
  case 0: // flip a byte
    if (!text.empty())
      text[pick(text.size())] = char(rng() % 256);
    return text;
  case 1: // delete a line
    if (!lines.empty())
      lines.erase(lines.begin() + pick(lines.size()));
    break;
  case 2: // duplicate a line
    if (!lines.empty())
      lines.push_back(lines[pick(lines.size())]);
    break;
  case 3: { // replace a value with a boundary value
    if (lines.empty())
      break;
    std::string &line = lines[pick(lines.size())];
    size_t colon = line.find(':');
    if (colon != std::string::npos)
      line = line.substr(0, colon + 1) + " " +
             kValues[pick(std::size(kValues))];
    break;
  }
  case 4: // insert a random byte
    text.insert(text.begin() + pick(text.size() + 1), char(rng() % 128));
    return text;
  case 5: // truncate
    return text.substr(0, pick(text.size() + 1));
  case 6: { // insert a run of a nesting or repeated token, around the limit
    std::string run;
    // Mostly short runs; one in eight reaches the indicator limit, where
    // llvm::yaml recurses deepest on a spec it is still given.
    size_t longest = rng() % 8 ? 24 : loom::kMaxSpecIndicators + 50;
    for (size_t n = 1 + pick(longest); n; --n)
      run += kRuns[pick(std::size(kRuns))];
    text.insert(pick(text.size() + 1), run);
    return text;
  }
  case 7: { // insert an encoding mistake (a NUL byte among them)
    size_t which = pick(std::size(kBytes) + 1);
    std::string bytes = which == std::size(kBytes)
                            ? std::string(1, '\0')
                            : std::string(kBytes[which]);
    text.insert(pick(text.size() + 1), bytes);
    return text;
  }
  }
  std::string out;
  for (const std::string &line : lines)
    out += line + "\n";
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  checkOne(llvm::StringRef(reinterpret_cast<const char *>(data), size));
  return 0;
}

#ifndef LOOM_LIBFUZZER
int main(int argc, char **argv) {
  llvm::cl::opt<unsigned> iterations("iterations", llvm::cl::init(2000),
                                     llvm::cl::desc("inputs to try"));
  llvm::cl::opt<unsigned> seed("seed", llvm::cl::init(1),
                               llvm::cl::desc("random seed"));
  llvm::cl::ParseCommandLineOptions(argc, argv, "Loom spec parser fuzzer\n");
  std::mt19937 rng(seed);
  unsigned counts[3] = {0, 0, 0};
  for (unsigned i = 0; i < iterations; ++i) {
    // Every fourth input is YAML pieces; the others are mutated specs.
    std::string text;
    if (i % 4 == 3) {
      text = randomYaml(rng);
    } else {
      text = kSeeds[i % std::size(kSeeds)];
      for (unsigned edits = 1 + rng() % 4; edits; --edits)
        text = mutate(text, rng);
    }
    ++counts[int(checkOne(text))];
  }
  llvm::outs() << iterations << " inputs: " << counts[int(Outcome::Accepted)]
               << " accepted, " << counts[int(Outcome::Refused)]
               << " refused, " << counts[int(Outcome::TooLarge)]
               << " valid but too large to import; no crash\n";
  return 0;
}
#endif
