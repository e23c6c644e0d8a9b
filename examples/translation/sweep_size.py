#!/usr/bin/python3
"""How model.yaml's size was chosen: trains each candidate size for the main
job's budget and ranks them by validation BLEU.

  sweep_size.py [--seconds 600] [--only NAME,NAME] [--out DIR]
                [--candidate NAME:D_MODEL,HEADS,FFN,ENCODER,DECODER ...]
                [--spec YAML] [--data DIR] [--beam N] [--length-penalty A]
                [--bootstrap N]

Needs what examples/translation/run.sh makes first: the build, the corpus
splits and the SentencePiece model (DATA/corpus/{train,valid}.{en,fr} and
DATA/model/sentencepiece.model; DATA is build/examples/translation unless
--data says otherwise). Every candidate is the spec (model.yaml unless --spec
says otherwise) with its width, heads, FFN width and layer counts replaced
(dropout, label smoothing, vocabulary and max_len stay); each is compiled
with loomc, trained by loom-train exactly as run.sh trains (same budget,
seed, batches, learning-rate schedule, 2 threads, validation after each
epoch), then its checkpoint translates the valid split with run.sh's beam
search. The ranking is by that valid BLEU: the test split stays unseen. A
paired bootstrap (N resamples, default 1000) says how often the best beats
each other candidate, i.e. whether a difference is more than noise.

Writes into DIR (default build/examples/translation/sweep):
  NAME/{model.yaml, model/, metrics.jsonl, valid.hyp, result.json}
  sweep.jsonl   one line per candidate (its sizes and figures)
  sweep.png     validation BLEU over training time, one line per candidate

A candidate whose result.json matches its spec, the budget, the beam search,
the tokenizer and the corpus is not trained again, so a stopped sweep
(Ctrl-C) continues with the candidate it was training.
Training is timed: run nothing else on the machine meanwhile.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from plot_training import MetricsError, read_metrics  # noqa: E402

# (name, d_model, heads, ffn_hidden, encoder_layers, decoder_layers): the d2l
# chapter's size (d256-2+2), two smaller, one deeper and one wider (d512 is
# left out: it trains at about a third of d256's tokens/s). Every head is 32
# or 48 floats wide: whole AVX-512 vectors.
CANDIDATES = [
    ("d128-2+2", 128, 4, 512, 2, 2),
    ("d192-2+2", 192, 6, 768, 2, 2),
    ("d256-2+2", 256, 8, 1024, 2, 2),
    ("d256-3+3", 256, 8, 1024, 3, 3),
    ("d384-2+2", 384, 8, 1536, 2, 2),
]
SIZE_KEYS = ("d_model", "heads", "ffn_hidden", "encoder_layers", "decoder_layers")


class SweepError(Exception):
    pass


def run(cmd, log=None, stdin=None):
    """Runs cmd (stdout to `log` when given, else through; stdin from the file
    `stdin`); raises SweepError naming the command on failure."""
    out = open(log, "w", encoding="utf-8") if log else None
    source = open(stdin, "rb") if stdin else None
    try:
        done = subprocess.run(cmd, stdin=source, stdout=out,
                              stderr=subprocess.STDOUT if out else None)
    finally:
        for f in (out, source):
            if f:
                f.close()
    if done.returncode != 0:
        where = f" (see {log})" if log else ""
        raise SweepError(f"{os.path.basename(cmd[0])} exited with {done.returncode}{where}")


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parameter_count(checkpoint):
    """Floats in the checkpoint's weights (its Adam moments left out), read
    from the safetensors header."""
    with open(checkpoint, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
    count = 0
    for name, entry in header.items():
        if name == "__metadata__" or name.startswith("adam."):
            continue
        n = 1
        for d in entry["shape"]:
            n *= d
        count += n
    return count


def bleu_score(line):
    """The score of loom-bleu's 'BLEU = S ...' line."""
    parts = line.split()
    if len(parts) < 3 or parts[0] != "BLEU":
        raise SweepError(f"loom-bleu printed an unexpected line: {line!r}")
    return float(parts[2])


def write_json_atomically(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f)
        f.write("\n")
    os.replace(tmp, path)


def parse_candidate(text):
    """NAME:D_MODEL,HEADS,FFN,ENCODER,DECODER -> a CANDIDATES entry."""
    name, _, sizes = text.partition(":")
    try:
        values = tuple(int(v) for v in sizes.split(","))
    except ValueError:
        values = ()
    # NAME becomes a directory under --out: no separators, no "." or "..".
    named = re.fullmatch(r"[A-Za-z0-9_+-][A-Za-z0-9._+-]*", name)
    if not named or len(values) != 5 or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not NAME:D_MODEL,HEADS,FFN,ENCODER,DECODER (NAME of letters, "
            "digits, . _ + - not starting with '.'; positive integers)")
    return (name,) + values


def train_candidate(args, base, candidate, key):
    """Compiles, trains and scores one candidate; returns its result record."""
    name, sizes = candidate[0], dict(zip(SIZE_KEYS, candidate[1:]))
    work = os.path.join(args.out, name)
    model = os.path.join(work, "model")
    result_path = os.path.join(work, "result.json")
    if os.path.exists(result_path):
        with open(result_path, encoding="utf-8") as f:
            result = json.load(f)
        if result.get("key") == key:
            print(f"== {name}: done before (result.json), not trained again")
            return result
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(model)
    spec = dict(base, **sizes)
    spec_path = os.path.join(work, "model.yaml")
    with open(spec_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    shutil.copy(args.tokenizer, os.path.join(model, "sentencepiece.model"))
    bin_dir = os.path.join(ROOT, "build", "bin")

    print(f"== {name}: loomc compile", flush=True)
    run([os.path.join(bin_dir, "loomc"), "compile", spec_path, "-o", model],
        log=os.path.join(work, "compile.log"))
    print(f"== {name}: loom-train, {args.seconds} s on 2 threads", flush=True)
    metrics = os.path.join(work, "metrics.jsonl")
    run([os.path.join(bin_dir, "loom-train"), f"--model={model}", f"--train={args.corpus}/train",
         f"--valid={args.corpus}/valid", f"--time-budget={args.seconds}", "--threads=2",
         f"--metrics={metrics}"])
    print(f"== {name}: loom-translate --beam={args.beam} of the valid split", flush=True)
    hyp = os.path.join(work, "valid.hyp")
    run([os.path.join(bin_dir, "loom-translate"), f"--model={model}", f"--beam={args.beam}",
         f"--length-penalty={args.length_penalty}", "--threads=2", f"--output={hyp}"],
        stdin=f"{args.corpus}/valid.en")
    bleu = subprocess.run([os.path.join(bin_dir, "loom-bleu"), hyp, f"{args.corpus}/valid.fr"],
                          capture_output=True, text=True, check=True).stdout.strip()

    runs = read_metrics(metrics)
    if not runs["step"] or not runs["valid"]:
        raise SweepError(f"{metrics} has no step or validation record")
    last_valid = runs["valid"][-1]
    tokens = sum(r.get("tgt_tokens", 0) for r in runs["step"])
    result = dict(name=name, key=key, **sizes,
                  parameters=parameter_count(os.path.join(model, "checkpoint.safetensors")),
                  steps=last_valid["step"], epochs=last_valid["epoch"],
                  train_seconds=last_valid["time_s"],
                  tgt_tokens_per_s=round(tokens / runs["step"][-1]["time_s"]),
                  valid_loss=last_valid["loss"], valid_bleu_greedy=last_valid.get("bleu"),
                  valid_bleu_beam=bleu_score(bleu), beam=args.beam,
                  length_penalty=args.length_penalty)
    write_json_atomically(result_path, result)
    return result


def paired_bootstrap(bleu_tool, hyp_best, hyp_other, ref, samples, seed=1):
    """Koehn's (2004) paired bootstrap: the share of `samples` resamples of the
    sentences (with replacement, the same for both) on which hyp_best's corpus
    BLEU beats hyp_other's. loom-bleu scores every resample, so BLEU has one
    definition."""
    def read(path):  # lines as loom-bleu reads them: split at "\n" only
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        return lines[:-1] if lines[-1] == "" else lines

    best, other, refs = read(hyp_best), read(hyp_other), read(ref)
    if not len(best) == len(other) == len(refs) > 0:
        raise SweepError(f"{hyp_best}, {hyp_other} and {ref} differ in length")
    rng = random.Random(seed)
    wins = 0
    with tempfile.TemporaryDirectory() as tmp:
        def score(lines, name):
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
            return path
        for _ in range(samples):
            pick = [rng.randrange(len(refs)) for _ in refs]
            ref_path = score([refs[i] for i in pick], "ref")
            scores = []
            for hyp in (best, other):
                out = subprocess.run([bleu_tool, score([hyp[i] for i in pick], "hyp"), ref_path],
                                     capture_output=True, text=True, check=True).stdout
                scores.append(bleu_score(out.strip()))
            wins += scores[0] > scores[1]
    return wins / samples


def plot_sweep(results, metrics_of, out_path, base_name, mark):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    for result in results:
        valid = [r for r in read_metrics(metrics_of[result["name"]])["valid"]
                 if r.get("bleu") is not None]
        label = (f"{result['name']} ({result['parameters'] / 1e6:.1f}M parameters, "
                 f"{result['tgt_tokens_per_s'] / 1000:.1f}k tokens/s; beam "
                 f"{result['valid_bleu_beam']:.2f})")
        if result["name"] == base_name:
            label += mark
        ax.plot([r["time_s"] / 60 for r in valid], [r["bleu"] for r in valid], "o-",
                markersize=3, linewidth=2.2 if result["name"] == base_name else 1.3, label=label)
    ax.set_xlabel("training time (minutes; validation included)")
    ax.set_ylabel("validation BLEU (greedy, after each epoch)")
    ax.set_title("Translator size sweep: the same budget, corpus, tokenizer and seed")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    tmp = out_path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out_path)


def print_table(results, base_name, mark):
    print(f"{'candidate':<10} {'params':>7} {'steps':>6} {'epochs':>6} {'tok/s':>7} "
          f"{'v.loss':>7} {'greedy':>7} {'beam':>6} {'best wins':>9}")
    for r in sorted(results, key=lambda r: -r["valid_bleu_beam"]):
        row = (f"{r['name']:<10} {r['parameters'] / 1e6:6.1f}M {r['steps']:6d} {r['epochs']:6d} "
               f"{r['tgt_tokens_per_s']:7d} {r['valid_loss']:7.3f} "
               f"{r['valid_bleu_greedy'] or 0:7.2f} {r['valid_bleu_beam']:6.2f} "
               f"{'' if r['best_wins'] is None else format(r['best_wins'], '9.1%')}"
               f"{mark if r['name'] == base_name else ''}")
        print(row.rstrip())  # the best's row has no share: no trailing blanks


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=600, help="training budget (run.sh's)")
    parser.add_argument("--only", help="comma-separated candidate names (default: all)")
    parser.add_argument("--candidate", action="append", type=parse_candidate,
                        help="NAME:D_MODEL,HEADS,FFN,ENCODER,DECODER (repeatable; replaces "
                        "the built-in candidates)")
    parser.add_argument("--spec", default=os.path.join(HERE, "model.yaml"),
                        help="the spec whose sizes the candidates replace")
    parser.add_argument("--data", default=os.path.join(ROOT, "build/examples/translation"),
                        help="holds corpus/ and model/sentencepiece.model (run.sh's output)")
    parser.add_argument("--out", help="default: DATA/sweep")
    parser.add_argument("--bootstrap", type=int, default=1000,
                        help="paired bootstrap resamples of the valid split (0: none)")
    parser.add_argument("--beam", type=int, default=int(os.environ.get("LOOM_BEAM", 4)))
    parser.add_argument("--length-penalty", type=float,
                        default=float(os.environ.get("LOOM_LENGTH_PENALTY", 1.4)))
    args = parser.parse_args(argv)
    candidates = args.candidate or CANDIDATES
    args.out = args.out or os.path.join(args.data, "sweep")
    args.corpus = os.path.join(args.data, "corpus")
    args.tokenizer = os.path.join(args.data, "model", "sentencepiece.model")
    names = [c[0] for c in candidates]
    chosen = args.only.split(",") if args.only else names
    if len(set(names)) != len(names):
        print("sweep_size: error: two candidates have the same name", file=sys.stderr)
        return 2
    unknown = [n for n in chosen if n not in names]
    if unknown:
        print(f"sweep_size: error: unknown candidate {', '.join(unknown)} "
              f"(the candidates: {', '.join(names)})", file=sys.stderr)
        return 2
    if args.seconds <= 0 or args.bootstrap < 0:
        print("sweep_size: error: --seconds must be positive, --bootstrap not negative",
              file=sys.stderr)
        return 2
    needed = [args.tokenizer] + [f"{args.corpus}/{s}.{l}" for s in ("train", "valid")
                                 for l in ("en", "fr")]
    missing = [p for p in needed if not os.path.isfile(p)]
    if missing:
        print(f"sweep_size: error: {missing[0]} is missing: run examples/translation/run.sh "
              "first (it makes the corpus and the tokenizer)", file=sys.stderr)
        return 1

    try:
        if not os.path.isfile(args.spec):  # (a FIFO would block the read)
            raise OSError("not a regular file")
        with open(args.spec, encoding="utf-8") as f:
            base = yaml.safe_load(f)
        if not isinstance(base, dict) or any(k not in base for k in SIZE_KEYS):
            raise ValueError(f"not a spec mapping with {', '.join(SIZE_KEYS)}")
        base_sizes = tuple(base[k] for k in SIZE_KEYS)
    except (OSError, yaml.YAMLError, ValueError) as e:
        print(f"sweep_size: error: cannot read the sizes of {args.spec}: {e}", file=sys.stderr)
        return 1
    base_name = next((c[0] for c in candidates if c[1:] == base_sizes), None)
    inputs = hashlib.sha256()
    for path in needed:
        inputs.update(file_digest(path).encode())
    results, metrics_of = [], {}
    started = time.monotonic()
    try:
        os.makedirs(args.out, exist_ok=True)
        for i, candidate in enumerate(c for c in candidates if c[0] in chosen):
            spec = dict(base, **dict(zip(SIZE_KEYS, candidate[1:])))
            key = hashlib.sha256(json.dumps([spec, args.seconds, args.beam, args.length_penalty,
                                             inputs.hexdigest()]).encode()).hexdigest()
            print(f"[{i + 1}/{len(chosen)}] {candidate[0]} "
                  f"({time.monotonic() - started:.0f} s into the sweep)", flush=True)
            results.append(train_candidate(args, base, candidate, key))
            metrics_of[candidate[0]] = os.path.join(args.out, candidate[0], "metrics.jsonl")
    except (SweepError, MetricsError, OSError, subprocess.CalledProcessError) as e:
        print(f"sweep_size: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sweep_size: interrupted; run it again to continue (finished candidates "
              "are kept)", file=sys.stderr)
        return 130
    # How sure the ranking is: the best candidate against each other one.
    best = max(results, key=lambda r: r["valid_bleu_beam"])
    hyp_of = lambda r: os.path.join(args.out, r["name"], "valid.hyp")
    print(f"== paired bootstrap ({args.bootstrap} resamples of the valid split): "
          f"{best['name']} against each other candidate", flush=True)
    try:
        for r in results:
            r["best_wins"] = None if r is best or not args.bootstrap else paired_bootstrap(
                os.path.join(ROOT, "build", "bin", "loom-bleu"), hyp_of(best), hyp_of(r),
                f"{args.corpus}/valid.fr", args.bootstrap)
    except (SweepError, OSError, subprocess.CalledProcessError) as e:
        print(f"sweep_size: error: {e}", file=sys.stderr)
        return 1
    tmp = os.path.join(args.out, "sweep.jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    os.replace(tmp, os.path.join(args.out, "sweep.jsonl"))
    mark = f"  <- {os.path.basename(args.spec)}"
    plot_sweep(results, metrics_of, os.path.join(args.out, "sweep.png"), base_name, mark)
    print_table(results, base_name, mark)
    print(f"best wins: the share of resamples on which {best['name']} scores higher "
          "(95% or more: the difference is more than the valid split's noise)")
    print(f"wrote {args.out}/sweep.jsonl and sweep.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
