//===- SpecParser.cpp - YAML model spec -> ModelSpec ----------------------===//
//
// Reads a spec with llvm::yaml so that every problem can be reported on the
// line that causes it, through the SourceMgr, as `file:line:col: error: ...`.
// All problems found are counted; the first kMaxSpecDiagnostics are printed.
// The raw text is checked first (SpecText.cpp): llvm::yaml only ever sees
// UTF-8 text of bounded size and nesting.
//
//===----------------------------------------------------------------------===//
#include "Import/ModelSpec.h"
#include "Import/SpecText.h"
#include "loom/loom_model_api.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <variant>

using namespace llvm;
using loom::ModelSpec;

namespace {

enum class KeyType { Integer, Float, Bool, Identifier, Choice };

/// One spec key: the single place that states its type, default and range.
struct SpecKey {
  const char *name;
  KeyType type;
  /// Default as spec text; nullptr means the key is required.
  const char *defaultText;
  std::variant<int64_t ModelSpec::*, double ModelSpec::*, bool ModelSpec::*,
               std::string ModelSpec::*>
      field;
  /// Integer keys: inclusive range. Float keys: range, see `openMin/openMax`.
  double min = 0, max = 0;
  bool openMin = false, openMax = false;
  /// Choice keys: the allowed values, '|'-separated.
  const char *choices = "";
};

// Sizes stay well inside int32 so every tensor extent fits a Halide buffer.
constexpr double kMaxWidth = 1 << 16, kMaxVocab = 1 << 24, kMaxLen = 1 << 20;

const SpecKey kSpecKeys[] = {
    {"name", KeyType::Identifier, nullptr, &ModelSpec::name},
    {"architecture", KeyType::Choice, "encoder_decoder",
     &ModelSpec::architecture, 0, 0, false, false,
     "encoder_decoder|encoder|decoder"},
    {"d_model", KeyType::Integer, nullptr, &ModelSpec::dModel, 2, kMaxWidth},
    {"heads", KeyType::Integer, nullptr, &ModelSpec::heads, 1, 1024},
    {"ffn_hidden", KeyType::Integer, nullptr, &ModelSpec::ffnHidden, 1,
     kMaxWidth * 16},
    {"encoder_layers", KeyType::Integer, "0", &ModelSpec::encoderLayers, 0,
     1000},
    {"decoder_layers", KeyType::Integer, "0", &ModelSpec::decoderLayers, 0,
     1000},
    // 0 means "not used"; the architecture decides which one must be >= 1.
    {"src_vocab", KeyType::Integer, "0", &ModelSpec::srcVocab, 0, kMaxVocab},
    {"tgt_vocab", KeyType::Integer, "0", &ModelSpec::tgtVocab, 0, kMaxVocab},
    {"max_len", KeyType::Integer, nullptr, &ModelSpec::maxLen, 1, kMaxLen},
    {"dropout", KeyType::Float, "0.0", &ModelSpec::dropout, 0, 1, false, true},
    {"activation", KeyType::Choice, "relu", &ModelSpec::activation, 0, 0,
     false, false, "relu|gelu"},
    {"norm_first", KeyType::Bool, "false", &ModelSpec::normFirst},
    {"layer_norm_eps", KeyType::Float, "1e-5", &ModelSpec::layerNormEps, 0, 1,
     true, false},
    {"final_norm", KeyType::Bool, "true", &ModelSpec::finalNorm},
    {"pad_id", KeyType::Integer, "0", &ModelSpec::padId, 0, kMaxVocab},
    {"bos_id", KeyType::Integer, "1", &ModelSpec::bosId, 0, kMaxVocab},
    {"eos_id", KeyType::Integer, "2", &ModelSpec::eosId, 0, kMaxVocab},
    {"label_smoothing", KeyType::Float, "0.0", &ModelSpec::labelSmoothing, 0,
     1, false, true},
    {"adam_beta1", KeyType::Float, "0.9", &ModelSpec::adamBeta1, 0, 1, false,
     true},
    {"adam_beta2", KeyType::Float, "0.98", &ModelSpec::adamBeta2, 0, 1, false,
     true},
    {"adam_eps", KeyType::Float, "1e-9", &ModelSpec::adamEps, 0, 1, true,
     false},
};

/// A float bound as a spec author would write it ("0", "1", "1e-05").
std::string formatNumber(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

const SpecKey *findKey(StringRef name) {
  for (const SpecKey &key : kSpecKeys)
    if (name == key.name)
      return &key;
  return nullptr;
}

/// The known key closest to a misspelt one, if any is close.
const SpecKey *closestKey(StringRef name) {
  const SpecKey *best = nullptr;
  unsigned bestDistance = 3;
  for (const SpecKey &key : kSpecKeys) {
    unsigned d = name.edit_distance(key.name, true, bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = &key;
    }
  }
  return best;
}

bool isCIdentifier(StringRef s) {
  static const StringSet<> keywords = {
      "auto",   "break",  "case",     "char",    "const",    "continue",
      "default", "do",    "double",   "else",    "enum",     "extern",
      "float",  "for",    "goto",     "if",      "inline",   "int",
      "long",   "register", "restrict", "return", "short",   "signed",
      "sizeof", "static", "struct",   "switch",  "typedef",  "union",
      "unsigned", "void", "volatile", "while",   "class",    "namespace",
      "template", "new",  "delete",   "this",    "bool",     "true",
      "false"};
  if (s.empty() || !(isAlpha(s[0]) || s[0] == '_'))
    return false;
  if (!all_of(s, [](char c) { return isAlnum(c) || c == '_'; }))
    return false;
  return !keywords.contains(s);
}

/// The suffixes of the symbols every library exports (`<name>_create`, ...).
const char *const kApiSuffixes[] = {
#define LOOM_SUFFIX(fn, ...) #fn,
    LOOM_API_FUNCTIONS(LOOM_SUFFIX)
#undef LOOM_SUFFIX
};

/// Functions named `<word>_<suffix>`, for a suffix above, in the libraries a
/// model library is linked or loaded with: the dynamic symbols of glibc
/// 2.36, libstdc++, libgcc_s and TBB on Debian 12 that end in one (all are
/// glibc's). A model named `pthread` would export `pthread_create` (its
/// exports do not even compile next to <pthread.h>) and, loaded first, would
/// replace the C library's for every later lookup.
const char *const kSystemSymbols[] = {
    "argz_create",      "authdes_create",   "authdes_pk_create",
    "authnone_create",  "authunix_create",  "clnt_create",
    "clntraw_create",   "clnttcp_create",   "clntudp_create",
    "clntunix_create",  "epoll_create",     "malloc_info",
    "memfd_create",     "obstack_free",     "pkey_free",
    "printf_size_info", "pthread_create",   "pthread_key_create",
    "svcfd_create",     "svcraw_create",    "svctcp_create",
    "svcudp_create",    "svcunix_create",   "svcunixfd_create",
    "thrd_create",      "timer_create",     "timerfd_create",
    "tss_create",       "xdr_free",         "xdrmem_create",
    "xdrrec_create",    "xdrstdio_create",
};

/// Why `name` (already a C identifier) cannot name a library, if it cannot.
std::optional<std::string> badModelName(StringRef name) {
  if (name.size() > loom::kMaxModelNameLength)
    return ("'name' is " + Twine(name.size()) + " characters long; at most " +
            Twine(loom::kMaxModelNameLength) +
            " are allowed (it names lib<name>.so and the library's symbols)")
        .str();
  // Every library exports <name>_create, <name>_last_error, ...: these
  // prefixes belong to the runtime linked into it (loom_last_error, the
  // kernels' loom_* symbols) and to Halide's runtime (halide_*).
  for (StringRef owner : {"loom", "halide"})
    if (name == owner || name.starts_with((owner + "_").str()))
      return ("'name' '" + name + "' is reserved: the symbols of " +
              (owner == "loom" ? "Loom's runtime" : "Halide's runtime") +
              " are named " + owner + "_*")
          .str();
  for (const char *suffix : kApiSuffixes) {
    std::string symbol = (name + "_" + suffix).str();
    if (llvm::is_contained(kSystemSymbols, StringRef(symbol)))
      return ("'name' '" + name + "' would export '" + symbol +
              "', which the C library already defines")
          .str();
  }
  return std::nullopt;
}

class SpecParser {
public:
  explicit SpecParser(SourceMgr &sm) : sm(sm) {}

  std::optional<ModelSpec> parse();

private:
  struct Entry {
    SMLoc keyLoc, valueLoc;
    std::string text;
    bool quoted = false;
  };

  // Diagnostics are collected and printed in file order, so a spec with
  // several problems reads top to bottom.
  struct Diagnostic {
    SMLoc loc;
    SourceMgr::DiagKind kind;
    std::string message;
  };
  void error(SMLoc loc, const Twine &message) {
    diagnostics.push_back({loc, SourceMgr::DK_Error, message.str()});
    ++errors;
  }
  void warning(SMLoc loc, const Twine &message) {
    diagnostics.push_back({loc, SourceMgr::DK_Warning, message.str()});
  }
  /// Prints the first kMaxSpecDiagnostics in file order, then one line that
  /// counts the rest: a spec of a million unknown keys gets 21 lines.
  void printDiagnostics() {
    llvm::stable_sort(diagnostics, [](const Diagnostic &a, const Diagnostic &b) {
      return a.loc.getPointer() < b.loc.getPointer();
    });
    unsigned hiddenErrors = 0, hiddenWarnings = 0;
    for (auto [i, d] : llvm::enumerate(diagnostics)) {
      if (i < loom::kMaxSpecDiagnostics)
        sm.PrintMessage(d.loc, d.kind, d.message);
      else
        ++(d.kind == SourceMgr::DK_Error ? hiddenErrors : hiddenWarnings);
    }
    if (hiddenErrors || hiddenWarnings) {
      auto count = [](unsigned n, StringRef what) {
        return (Twine(n) + " more " + what + (n == 1 ? "" : "s")).str();
      };
      std::string hidden =
          hiddenErrors && hiddenWarnings
              ? count(hiddenErrors, "error") + " and " +
                    count(hiddenWarnings, "warning")
              : hiddenErrors ? count(hiddenErrors, "error")
                             : count(hiddenWarnings, "warning");
      // Located at the first one not shown.
      sm.PrintMessage(diagnostics[loom::kMaxSpecDiagnostics].loc,
                      SourceMgr::DK_Note,
                      hidden + " not shown (only the first " +
                          Twine(loom::kMaxSpecDiagnostics) + " are printed)");
    }
    diagnostics.clear();
  }
  std::optional<ModelSpec> parseSpec();
  unsigned lineOf(SMLoc loc) { return sm.getLineAndColumn(loc).first; }
  /// llvm::yaml gives only scalars a source range; other nodes fall back.
  static SMLoc startOf(yaml::Node *node, SMLoc fallback) {
    SMLoc start = node ? node->getSourceRange().Start : SMLoc();
    return start.isValid() ? start : fallback;
  }

  void readMapping(yaml::MappingNode *mapping);
  bool refuseUnsupported(yaml::Node *node, SMLoc fallback);
  void assign(const SpecKey &key, const Entry &entry, bool fromDefault);
  void checkModel(SMLoc mappingLoc);

  /// Where to report a problem with `key`: its value, or the mapping.
  SMLoc locOf(StringRef key, SMLoc fallback) {
    auto it = entries.find(key);
    return it == entries.end() ? fallback : it->second.valueLoc;
  }

  SourceMgr &sm;
  ModelSpec spec;
  StringMap<Entry> entries;
  /// Every known key given, where; its value may have been refused.
  StringMap<SMLoc> givenKeys;
  SMLoc bufferStart, firstKeyLoc;
  std::vector<Diagnostic> diagnostics;
  unsigned errors = 0;
};

std::optional<ModelSpec> SpecParser::parse() {
  std::optional<ModelSpec> result = parseSpec();
  printDiagnostics();
  return result;
}

std::optional<ModelSpec> SpecParser::parseSpec() {
  const MemoryBuffer *buffer = sm.getMemoryBuffer(sm.getMainFileID());
  spec.path = buffer->getBufferIdentifier().str();
  SMLoc start = bufferStart = SMLoc::getFromPointer(buffer->getBufferStart());

  // readSpecFile already refuses larger files; this guards other callers.
  if (buffer->getBufferSize() > loom::kMaxSpecBytes) {
    error(start, "the spec is " + Twine(buffer->getBufferSize()) +
                     " bytes: a spec may be at most " +
                     Twine(loom::kMaxSpecBytes) + " bytes (1 MiB)");
    return std::nullopt;
  }
  if (std::optional<loom::SpecTextProblem> problem =
          loom::checkSpecText(buffer->getBuffer())) {
    error(SMLoc::getFromPointer(problem->where), problem->message);
    return std::nullopt;
  }

  // llvm::yaml prints its own errors through the SourceMgr: collect them
  // with ours, so that all come out in file order under the same limit.
  struct Capture {
    SourceMgr &sm;
    SourceMgr::DiagHandlerTy handler;
    void *context;
    ~Capture() { sm.setDiagHandler(handler, context); }
  } capture{sm, sm.getDiagHandler(), sm.getDiagContext()};
  sm.setDiagHandler(
      [](const SMDiagnostic &d, void *self) {
        auto *parser = static_cast<SpecParser *>(self);
        parser->diagnostics.push_back(
            {d.getLoc(), d.getKind(), d.getMessage().str()});
        if (d.getKind() == SourceMgr::DK_Error)
          ++parser->errors;
      },
      this);

  yaml::Stream stream(buffer->getMemBufferRef(), sm);
  auto doc = stream.begin();
  yaml::Node *root = doc == stream.end() ? nullptr : doc->getRoot();
  if (stream.failed())
    return std::nullopt;
  if (!root || isa<yaml::NullNode>(root)) {
    error(start, "the spec is empty: expected a mapping of spec keys "
                 "(name, d_model, heads, ffn_hidden, max_len, ...)");
    return std::nullopt;
  }
  auto *mapping = dyn_cast<yaml::MappingNode>(root);
  if (refuseUnsupported(root, start)) {
    root->skip();
    mapping = nullptr;
  } else if (!mapping) {
    error(startOf(root, start),
          "expected a mapping of spec keys (key: value lines)");
    root->skip();
  } else {
    readMapping(mapping);
  }
  if (stream.failed())
    return std::nullopt;
  if (++doc != stream.end() && !stream.failed()) {
    // Point at the last document marker: the second document starts there.
    StringRef text = buffer->getBuffer();
    size_t marker = text.rfind("\n---");
    SMLoc second = marker == StringRef::npos
                       ? startOf(doc->getRoot(), start)
                       : SMLoc::getFromPointer(text.data() + marker + 1);
    error(second, "a spec holds one YAML document; found a second one");
  }
  if (stream.failed() || !mapping)
    return std::nullopt;

  // llvm::yaml gives block mappings no source range: use the first key.
  SMLoc mappingLoc = firstKeyLoc.isValid() ? firstKeyLoc : start;
  spec.line = lineOf(mappingLoc);
  for (const SpecKey &key : kSpecKeys) {
    auto it = entries.find(key.name);
    if (it != entries.end()) {
      assign(key, it->second, /*fromDefault=*/false);
    } else if (key.defaultText) {
      assign(key, Entry{mappingLoc, mappingLoc, key.defaultText, false},
             /*fromDefault=*/true);
    } else if (!givenKeys.count(key.name)) {
      error(mappingLoc, Twine("missing required key '") + key.name + "'");
    }
  }
  if (errors)
    return std::nullopt;
  checkModel(mappingLoc);
  if (errors)
    return std::nullopt;
  spec.encoderLine = lineOf(locOf("encoder_layers", mappingLoc));
  spec.decoderLine = lineOf(locOf("decoder_layers", mappingLoc));
  return spec;
}

/// Tags, aliases and block scalars are YAML that a spec has no use for; each
/// is refused on its own line rather than misread. Tags in particular are
/// refused, not applied: a value's type is the one kSpecKeys gives its key,
/// and a tag could only restate it (`!!int 16`) or contradict it (`!!str 16`
/// would otherwise be read as the integer 16, while "16" is refused as a
/// string).
bool SpecParser::refuseUnsupported(yaml::Node *node, SMLoc fallback) {
  if (!node)
    return false;
  // The tag's and alias's text point into the buffer: report them there
  // (llvm::yaml starts such a node's range at the token after them).
  StringRef tag = node->getRawTag();
  if (!tag.empty()) {
    error(SMLoc::getFromPointer(tag.data()),
          "YAML tags such as '" + tag +
              "' are not supported in a spec: write the value alone");
    return true;
  }
  if (auto *alias = dyn_cast<yaml::AliasNode>(node)) {
    error(SMLoc::getFromPointer(alias->getName().data() - 1),
          "YAML aliases ('*" + alias->getName() +
              "') are not supported in a spec: write the value itself");
    return true;
  }
  if (isa<yaml::BlockScalarNode>(node)) {
    error(fallback, "block scalars ('|' or '>') are not supported in a spec: "
                    "write the value on the key's line");
    return true;
  }
  return false;
}

void SpecParser::readMapping(yaml::MappingNode *mapping) {
  for (yaml::KeyValueNode &kv : *mapping) {
    yaml::Node *keyAny = kv.getKey();
    auto *keyNode = dyn_cast_or_null<yaml::ScalarNode>(keyAny);
    yaml::Node *value = kv.getValue();
    if (refuseUnsupported(keyAny, bufferStart)) {
      if (value)
        value->skip();
      continue;
    }
    if (!keyNode) {
      if (kv.getKey())
        error(startOf(kv.getKey(), bufferStart), "expected a plain key name");
      if (value)
        value->skip();
      continue;
    }
    SmallString<32> keyStorage;
    StringRef name = keyNode->getValue(keyStorage);
    SMLoc keyLoc = keyNode->getSourceRange().Start;
    if (!firstKeyLoc.isValid())
      firstKeyLoc = keyLoc;
    const SpecKey *key = findKey(name);
    if (!key) {
      const SpecKey *hint = closestKey(name);
      error(keyLoc, Twine("unknown key '") + name + "'" +
                        (hint ? Twine("; did you mean '") + hint->name + "'?"
                              : Twine("")));
      if (value)
        value->skip();
      continue;
    }
    if (givenKeys.count(name)) {
      error(keyLoc, Twine("duplicate key '") + name + "' (first given on line " +
                        Twine(lineOf(givenKeys[name])) + ")");
      if (value)
        value->skip();
      continue;
    }
    // Given, even if its value is refused below: not "missing" as well.
    givenKeys[name] = keyLoc;
    if (refuseUnsupported(value, keyLoc)) {
      value->skip();
      continue;
    }
    auto *scalar = dyn_cast_or_null<yaml::ScalarNode>(value);
    if (!scalar) {
      if (!value || isa<yaml::NullNode>(value))
        error(keyLoc, Twine("key '") + name + "' has no value");
      else
        error(keyLoc, Twine("expected a single value for '") + name +
                       "', not a list or mapping");
      if (value)
        value->skip();
      continue;
    }
    SmallString<32> storage;
    StringRef raw = scalar->getRawValue();
    entries[name] = Entry{keyLoc, scalar->getSourceRange().Start,
                          scalar->getValue(storage).str(),
                          raw.starts_with("\"") || raw.starts_with("'")};
  }
}

void SpecParser::assign(const SpecKey &key, const Entry &entry,
                        bool fromDefault) {
  StringRef text = StringRef(entry.text).trim();
  auto bad = [&](const Twine &expected) {
    error(entry.valueLoc, Twine("'") + key.name + "' expects " + expected +
                              ", got " + (entry.quoted ? "the string " : "") +
                              "'" + entry.text + "'");
  };
  switch (key.type) {
  case KeyType::Integer: {
    // YAML's decimal integers: an optional sign, then digits ("+16" is 16).
    StringRef digits = text;
    bool negative = digits.consume_front("-");
    if (!negative)
      digits.consume_front("+");
    if (entry.quoted || digits.empty() || !all_of(digits, isDigit)) {
      bad("an integer");
      return;
    }
    int64_t value;
    if (text.drop_front(text[0] == '+').getAsInteger(10, value)) {
      // A well-formed integer that does not fit in 64 bits.
      error(entry.valueLoc,
            Twine("'") + key.name + "' value " + text + " is too " +
                (negative ? "small (minimum " + Twine(int64_t(key.min))
                          : "large (limit " + Twine(int64_t(key.max))) +
                ")");
      return;
    }
    if (!fromDefault && (value < key.min || value > key.max)) {
      error(entry.valueLoc, Twine("'") + key.name + "' must be between " +
                                Twine(int64_t(key.min)) + " and " +
                                Twine(int64_t(key.max)) + ", got " +
                                Twine(value));
      return;
    }
    spec.*std::get<int64_t ModelSpec::*>(key.field) = value;
    return;
  }
  case KeyType::Float: {
    double value;
    if (entry.quoted || text.getAsDouble(value) || !std::isfinite(value)) {
      bad("a finite number");
      return;
    }
    bool low = key.openMin ? value <= key.min : value < key.min;
    bool high = key.openMax ? value >= key.max : value > key.max;
    if (low || high) {
      error(entry.valueLoc, Twine("'") + key.name + "' must be in " +
                                (key.openMin ? "(" : "[") + formatNumber(key.min) +
                                ", " + formatNumber(key.max) +
                                (key.openMax ? ")" : "]") + ", got " + text);
      return;
    }
    // Kernels compute in float32: a positive value must stay positive there.
    if (key.openMin && !(float(value) > 0.0f)) {
      error(entry.valueLoc, Twine("'") + key.name + "' must be at least " +
                                formatNumber(FLT_MIN) +
                                " (it is used as a float32), got " + text);
      return;
    }
    spec.*std::get<double ModelSpec::*>(key.field) = value;
    return;
  }
  case KeyType::Bool: {
    std::optional<bool> value =
        StringSwitch<std::optional<bool>>(text)
            .Cases("true", "True", "TRUE", true)
            .Cases("false", "False", "FALSE", false)
            .Default(std::nullopt);
    if (entry.quoted || !value) {
      bad("true or false");
      return;
    }
    spec.*std::get<bool ModelSpec::*>(key.field) = *value;
    return;
  }
  case KeyType::Identifier:
    if (!isCIdentifier(text)) {
      error(entry.valueLoc,
            Twine("'") + key.name + "' must be a C identifier (letters, "
                                    "digits and '_', not starting with a "
                                    "digit, not a keyword), got '" +
                entry.text + "'");
      return;
    }
    if (StringRef(key.name) == "name")
      if (std::optional<std::string> why = badModelName(text)) {
        error(entry.valueLoc, *why);
        return;
      }
    spec.*std::get<std::string ModelSpec::*>(key.field) = text.str();
    return;
  case KeyType::Choice: {
    SmallVector<StringRef, 4> choices;
    StringRef(key.choices).split(choices, '|');
    if (!is_contained(choices, text)) {
      error(entry.valueLoc, Twine("unknown ") + key.name + " '" + entry.text +
                                "'; expected one of: " +
                                join(choices, ", "));
      return;
    }
    spec.*std::get<std::string ModelSpec::*>(key.field) = text.str();
    return;
  }
  }
}

/// Rules that involve more than one key.
void SpecParser::checkModel(SMLoc mappingLoc) {
  if (spec.dModel % 2 != 0)
    error(locOf("d_model", mappingLoc),
          Twine("'d_model' must be even (the sinusoidal table pairs sin and "
                "cos), got ") +
              Twine(spec.dModel));
  if (spec.dModel % spec.heads != 0)
    error(locOf("heads", mappingLoc),
          Twine("'d_model' (") + Twine(spec.dModel) +
              ") must be divisible by 'heads' (" + Twine(spec.heads) + ")");

  auto needLayers = [&](StringRef key, int64_t count) {
    if (count < 1)
      error(locOf(key, locOf("architecture", mappingLoc)),
            Twine("architecture '") + spec.architecture + "' needs '" + key +
                "' >= 1");
  };
  auto unusedLayers = [&](StringRef key, int64_t count) {
    if (count > 0)
      warning(locOf(key, mappingLoc), Twine("'") + key +
                                          "' is ignored by architecture '" +
                                          spec.architecture + "'");
  };
  auto needVocab = [&](StringRef key, int64_t vocab) {
    if (vocab >= 1)
      return;
    if (entries.count(key))
      error(locOf(key, mappingLoc), Twine("'") + key +
                                        "' must be >= 1: architecture '" +
                                        spec.architecture + "' uses it");
    else
      error(mappingLoc, Twine("missing key '") + key +
                            "' (required by architecture '" +
                            spec.architecture + "')");
  };
  if (spec.hasEncoder() && spec.hasDecoder()) {
    needLayers("encoder_layers", spec.encoderLayers);
    needLayers("decoder_layers", spec.decoderLayers);
  } else if (spec.hasEncoder()) {
    needLayers("encoder_layers", spec.encoderLayers);
    unusedLayers("decoder_layers", spec.decoderLayers);
  } else {
    needLayers("decoder_layers", spec.decoderLayers);
    unusedLayers("encoder_layers", spec.encoderLayers);
  }
  if (spec.hasEncoder())
    needVocab("src_vocab", spec.srcVocab);
  if (spec.hasDecoder())
    needVocab("tgt_vocab", spec.tgtVocab);

  // Token ids must name rows of the tables that will see them.
  int64_t vocab = spec.hasDecoder() ? spec.tgtVocab : spec.srcVocab;
  if (vocab > 0) {
    for (auto [key, id] : {std::pair<StringRef, int64_t>{"pad_id", spec.padId},
                           {"bos_id", spec.bosId},
                           {"eos_id", spec.eosId}})
      if (id >= vocab)
        error(locOf(key, mappingLoc),
              Twine("'") + key + "' (" + Twine(id) +
                  ") must be smaller than the vocabulary (" + Twine(vocab) +
                  ")");
  }

  // Halide buffers index with int32: every tensor must fit.
  auto checkElements = [&](StringRef what, StringRef key, int64_t rows,
                           int64_t cols) {
    if (rows * cols > std::numeric_limits<int32_t>::max())
      error(locOf(key, mappingLoc),
            Twine(what) + " of " + Twine(rows) + " x " + Twine(cols) +
                " elements exceeds 2^31 - 1");
  };
  checkElements("the source embedding", "src_vocab", spec.srcVocab,
                spec.dModel);
  checkElements("the target embedding", "tgt_vocab", spec.tgtVocab,
                spec.dModel);
  checkElements("the positional table", "max_len", spec.maxLen, spec.dModel);
  checkElements("the feed-forward weight", "ffn_hidden", spec.ffnHidden,
                spec.dModel);
  checkElements("the packed attention weight", "d_model", 3 * spec.dModel,
                spec.dModel);
}

} // namespace

std::optional<ModelSpec> loom::parseModelSpec(SourceMgr &sourceMgr) {
  return SpecParser(sourceMgr).parse();
}
