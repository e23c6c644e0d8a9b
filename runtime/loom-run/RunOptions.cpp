//===- RunOptions.cpp - Command line of loom-run --------------------------===//

#include "RunOptions.h"

#include "CommandLine.h"

#include <limits>

namespace loom::run {

namespace {

enum class Flag {
  Help, Module, Weights, Seed, Function, Input, Output, Threads, Repeat, MaxNew, SaveWeights,
  LearningRate, Steps, SaveCheckpoint, Resume, DropoutSeed, Beam, LengthPenalty
};

constexpr cli::FlagSpec<Flag> kFlags[] = {
    {"help", Flag::Help, false, true},
    {"module", Flag::Module, true},
    {"weights", Flag::Weights, true},
    {"seed", Flag::Seed, true},
    {"function", Flag::Function, true},
    {"input", Flag::Input, true, true},
    {"output", Flag::Output, true, true},
    {"threads", Flag::Threads, true},
    {"repeat", Flag::Repeat, true},
    {"max-new", Flag::MaxNew, true},
    {"save-weights", Flag::SaveWeights, true},
    {"lr", Flag::LearningRate, true},
    {"steps", Flag::Steps, true},
    {"save-checkpoint", Flag::SaveCheckpoint, true},
    {"resume", Flag::Resume, true},
    {"dropout-seed", Flag::DropoutSeed, true},
    {"beam", Flag::Beam, true},
    {"length-penalty", Flag::LengthPenalty, true},
};

/// --lr, --length-penalty: a decimal number, finite as a float, >= 0.
bool parseNonNegative(const std::string &flag, const std::string &text, const char *what,
                      float &value, std::string &error) {
  double v = 0;
  if (!cli::parseNumber(text, v) || v < 0) {
    error = "--" + flag + "='" + text + "': expected " + what;
    return false;
  }
  if (float(v) > std::numeric_limits<float>::max()) {
    error = "--" + flag + "='" + text + "': larger than a float can hold";
    return false;
  }
  value = float(v);
  return true;
}

/// --input / --output values name a file as "@PATH".
bool parseFileRef(const std::string &flag, const std::string &text, std::string &path,
                  std::string &error) {
  if (text.size() < 2 || text[0] != '@') {
    error = "--" + flag + "='" + text + "': expected @FILE.npy (a '@' followed by a path)";
    return false;
  }
  path = text.substr(1);
  return true;
}

/// Stores one flag's value; false with `error` set when it is malformed.
bool applyFlag(Flag flag, const std::string &name, const std::string &value, RunOptions &options,
               std::string &error) {
  int64_t count = 0;
  switch (flag) {
  case Flag::Help:
    options.help = true;
    return true;
  case Flag::Module:
    options.modulePath = value;
    return true;
  case Flag::Weights:
    options.weightsPath = value;
    return true;
  case Flag::Seed:
    return cli::parseSeed(name, value, options.seed.emplace(), error);
  case Flag::Function:
    options.function = value;
    return true;
  case Flag::Input:
    return parseFileRef(name, value, options.inputPaths.emplace_back(), error);
  case Flag::Output:
    return parseFileRef(name, value, options.outputPaths.emplace_back(), error);
  case Flag::Threads:
    if (!cli::parseCount(name, value, 1, count, error))
      return false;
    options.threads = int(count);
    return true;
  case Flag::Repeat:
    if (!cli::parseCount(name, value, 1, count, error))
      return false;
    options.repeat = int(count);
    return true;
  case Flag::MaxNew:
    return cli::parseCount(name, value, 1, options.maxNew.emplace(), error);
  case Flag::SaveWeights:
    options.saveWeightsPath = value;
    return true;
  case Flag::LearningRate:
    return parseNonNegative(name, value, "a learning rate, a finite number >= 0 (e.g. 1e-3)",
                            options.lr.emplace(), error);
  case Flag::Steps:
    return cli::parseCount(name, value, 1, options.steps.emplace(), error);
  case Flag::SaveCheckpoint:
    options.saveCheckpointPath = value;
    return true;
  case Flag::Resume:
    options.resumePath = value;
    return true;
  case Flag::Beam:
    return cli::parseCount(name, value, 1, options.beam.emplace(), error);
  case Flag::LengthPenalty:
    return parseNonNegative(name, value, "a length penalty, a finite number >= 0 (e.g. 0.6)",
                            options.lengthPenalty.emplace(), error);
  case Flag::DropoutSeed:
    return cli::parseSeed(name, value, options.dropoutSeed.emplace(), error);
  }
  return true;
}

} // namespace

bool parseRunOptions(int argc, const char *const *argv, RunOptions &options,
                     std::string &error) {
  if (!cli::parseFlags(argc, argv, kFlags, cli::WalkStyle{}, applyFlag, options, error))
    return false;
  if (options.help)
    return true;

  // What the command line alone decides.
  if (options.modulePath.empty()) {
    error = "missing --module=DIR/lib<name>.so";
    return false;
  }
  if (options.function.empty()) {
    error = "missing --function=forward|translate|generate|train_step";
    return false;
  }
  if (options.resumePath && (options.weightsPath || options.seed)) {
    error = std::string("--resume and ") + (options.weightsPath ? "--weights" : "--seed") +
            " exclude each other (--resume loads the weights, with Adam's state, from the "
            "checkpoint)";
    return false;
  }
  if (options.weightsPath && options.seed) {
    error = "--weights and --seed exclude each other (--seed initialises the weights "
            "in the library)";
    return false;
  }
  if (!options.weightsPath && !options.seed && !options.resumePath) {
    error = "missing --weights=W.safetensors or --seed=N (the model needs weights; "
            "train_step may --resume=CKPT instead)";
    return false;
  }
  if (options.outputPaths.size() > 1) {
    error = "--output given " + std::to_string(options.outputPaths.size()) +
            " times; every function has exactly one output";
    return false;
  }
  return true;
}

std::string usageText() {
  return R"(USAGE: loom-run --module=DIR/lib<name>.so (--weights=W.safetensors | --seed=N)
                --function=forward|translate|generate|train_step --input=@a.npy ...
                [--output=@out.npy] [options]
       loom-run --module=DIR/lib<name>.so --resume=CKPT --function=train_step
                --input=@a.npy ... [options]

Runs a model compiled by loomc through its C API (loom_model_api.h).

Flags (both --flag=value and --flag value work):
  --module=PATH         the compiled model, lib<name>.so
  --weights=PATH        safetensors weights to load
  --seed=N              initialise the weights in the library instead (N >= 0)
  --function=NAME       forward, translate (encoder_decoder), generate (decoder)
                        or train_step (encoder_decoder, decoder)
  --input=@PATH         an int32 or int64 .npy file; one per input, in order
  --output=@PATH        write the output as .npy (at most once); without it a
                        summary of the output is printed on stdout
  --threads=N           worker threads (N >= 1; default: all cores); more than
                        the cores this process may use is lowered to that
                        number, with a note on stderr
  --repeat=N            run N more times after the first and print
                        'time_ms median=X min=Y max=Z' on stderr (not for
                        train_step, whose every step changes the model)
  --max-new=N           tokens to produce (translate, generate; default 16, or
                        fewer where max_len allows fewer)
  --beam=N              translate with beam search of N hypotheses per row
                        (NAME_translate_beam; N = 1 gives greedy's tokens)
  --length-penalty=A    with --beam: hypotheses are ranked by log-probability
                        / ((5 + length) / 6)^A (default 0.6)
  --save-weights=PATH   write the weights as safetensors after the run (after
                        the last step of train_step)
  --help, -h            print this text

Training (train_step only; these flags are refused for other functions):
  --lr=X                Adam's learning rate, a finite number >= 0 (default
                        0.001, as the reference's)
  --steps=K             training steps on the same batch (K >= 1, default 1);
                        the output is the loss of each step, float32 [K]
  --dropout-seed=N      the seed of the dropout masks (N >= 0; default 0, or
                        the checkpoint's with --resume, which N replaces)
  --resume=CKPT         start from a training checkpoint: weights, Adam's
                        moments, step count and dropout seed (instead of
                        --weights or --seed, which it excludes)
  --save-checkpoint=PATH
                        write a training checkpoint after the last step
                        (safetensors: the weights, adam.m.<name> and
                        adam.v.<name>, and the model name, step count and
                        dropout seed in __metadata__)
Each step is one Adam update (torch.optim.Adam with the spec's adam_beta1,
adam_beta2 and adam_eps); without --resume, Adam's state starts at zero. A
loss that is not finite stops the run with an error naming the step.

Files written (--output, --save-weights, --save-checkpoint) appear only if the
whole run succeeds, each replaced atomically. A target that exists and is not
a regular file (a directory, a FIFO, a device) is refused and left untouched;
a symbolic link is written through (the file it names is replaced, the link
stays); an existing file keeps its permissions.

Inputs by function and architecture (numbered from 0 in messages):
  forward    encoder_decoder  src [B,S], src_len [B], tgt [B,T], tgt_len [B]
                              -> logits float32 [B,T,tgt_vocab]
  forward    encoder          src [B,S], src_len [B] -> hidden float32 [B,S,d_model]
  forward    decoder          tgt [B,T], tgt_len [B] -> logits float32 [B,T,tgt_vocab]
  translate  encoder_decoder  src [B,S], src_len [B] -> tokens int32 [B,max_new]
  generate   decoder          prompt [B,P], prompt_len [B] -> tokens int32 [B,max_new]
  train_step encoder_decoder  src [B,S], src_len [B], tgt [B,T], tgt_len [B],
                              labels [B,T] -> loss float32 [K]
  train_step decoder          tgt [B,T], tgt_len [B], labels [B,T] -> loss float32 [K]
Lengths are in [1, S]; token ids in [0, vocab), padding positions included;
S, T <= max_len; translate needs max_new <= max_len, generate P + max_new <= max_len.
Labels are target token ids in [0, tgt_vocab); a label equal to pad_id has no
loss (the loss is the mean over the others, with the spec's label smoothing);
a row of pad_id is fine, a batch of nothing but pad_id is refused.

Exit status: 0 on success, 1 on an error, 2 on a usage error.
)";
}

} // namespace loom::run
