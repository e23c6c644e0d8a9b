#!/usr/bin/python3
"""Translation benchmark: Loom's and PyTorch's training of the same translator, same time budget.

Both sides train examples/translation/model.yaml on the same corpus for the same wall-clock
budget, one after the other (never at the same time: the machine has 2 cores), each on 2
threads; then each translates the test split and build/bin/loom-bleu scores it (sacreBLEU,
13a). Answers: with the same budget, which model translates better, and how many target
tokens per second each side trains.

  Loom     a fresh model directory (the corpus's sentencepiece.model, `loomc compile SPEC`),
           `loom-train --time-budget=B --threads=2` with loom-train's defaults (token budget
           1500, noam lr 0.32 warm-up 400, seed 1) and --log-every=1 (every step's tokens,
           time and loss are in its metrics.jsonl), then `loom-translate --beam=1` (greedy)
           and `--beam=4`.
  PyTorch  test/parity/loom_torch.py's model of the same spec, started from the very same
           weights (the library's seeded initialisation, written out by `loom-run --seed=S
           --save-weights`), trained by this script's worker process the way loom-train
           trains: the same SentencePiece encoding and sequences (source x + eos, decoder
           input bos + y, labels y + eos, cut to max_len; tools/text/ParallelText.cpp), the
           same batches in the same order (token budget rows x max(S, T), sorted by (target,
           source) length with ties and batch order shuffled per epoch by the same SplitMix64
           streams; tools/text/Batches.cpp, mirrored here and checked: the table's notes say
           whether every step's target-token count matched Loom's), the spec's
           label-smoothed mean cross-entropy over non-pad labels, model.train() dropout,
           torch.optim.Adam with the spec's adam_beta1/adam_beta2/adam_eps and the same noam
           schedule; torch.set_num_threads(2), OMP_WAIT_POLICY=PASSIVE, OPENBLAS_NUM_THREADS=2,
           OPENBLAS_CORETYPE=SkylakeX (see bench_train.py). Then greedy translation of the test
           split with loom_torch's batched `translate`, batched and cut like loom-translate's
           (rows x longest source <= 2048, max_new = min(max_len, 2 x source length + 10)).
           No beam search on this side (the table says "—").

The budget is counted as loom-train counts it: from the start (loom-train: process start;
PyTorch: after `import torch`, so the interpreter's and torch's start-up are not charged),
encoding the corpus and building the model included; a step is started while the elapsed time
is below the budget. Neither side validates during the budget: loom-train runs without
--valid (its per-epoch validation would take budget time PyTorch would not spend), so both
spend the whole budget training. loom-train still writes a checkpoint at the end of every
epoch and of training, inside its budget (weights + Adam state, ~80 MB each time); the
PyTorch side saves nothing.

"target tokens/s" is, on both sides, the non-pad labels trained divided by the time of the
training steps (batch construction, forward, backward, Adam; for Loom the sum of its per-step
times from metrics.jsonl, as loom-train reports them), so start-up and checkpoints are not in
it. "CPU" is the process's user + system CPU time over its wall time (2.0 = both cores busy
the whole time); on a shared machine it shows how much of the 2 cores a side actually got.
Peak RSS: loom-train's ru_maxrss (through a small relay process, as bench_train.py); the
PyTorch worker's VmHWM when its training ends (torch's import included; translation excluded).

  /usr/bin/python3 test/bench/bench_translation.py [--budget-seconds 600] [--quick]
        [--longer SECONDS] [--torch-first] [--only loom|torch]
        [--corpus DIR] [--model-dir DIR] [--spec YAML] [--workdir DIR]

--quick: 60 s each (a smoke check). --longer S: afterwards, Loom alone trains a fresh model
for S seconds and its BLEU is reported too. A benchmark, not a test: it asserts nothing.
"""
import os
import sys

# Set before torch is imported (bench_train.py says why): OpenBLAS's SkylakeX kernels, 2
# BLAS threads, and passive OpenMP waiting (torch's OpenMP pool and OpenBLAS's pthreads pool
# would otherwise spin against each other on 2 cores). The script re-executes itself once;
# the PyTorch worker inherits the environment. loom-train uses TBB and ignores them.
if os.environ.get("OPENBLAS_CORETYPE") != "SkylakeX":
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(os.path.dirname(HERE), "parity")
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO_ROOT, "build", "examples", "translation")

# loom-train's defaults (tools/loom-train/TrainOptions.h); both sides use them.
NOAM_FACTOR, NOAM_WARMUP, BATCH_TOKENS, SEED = 0.32, 400, 1500, 1
# loom-translate's default --batch-tokens (padded source tokens per call, times the beam).
TRANSLATE_BATCH_TOKENS = 2048


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def noam(step, factor, d_model, warmup):
    """loom-train's Schedule::at (tools/loom-train/LearningRate.h); step counts from 1."""
    s = float(max(step, 1))
    decay = s ** -0.5
    rise = s * float(warmup) ** -1.5 if warmup > 0 else decay
    return factor / d_model ** 0.5 * min(decay, rise)


# ---- loom-train's data pipeline, mirrored (tools/text/ParallelText.cpp, Batches.cpp)

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
K_TIES, K_BATCH_ORDER = 1, 2


def mix64(x):
    """SplitMix64's finaliser (Batches.cpp mix64)."""
    x = (x + GOLDEN) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


class Stream:
    """Batches.cpp's Stream: a SplitMix64 stream of (seed, epoch, purpose)."""

    def __init__(self, seed, epoch, purpose):
        self.state = mix64(mix64(seed & M64) ^ mix64((epoch + 0x632BE59BD9B4E019) & M64) ^ purpose)

    def next(self):
        self.state = (self.state + GOLDEN) & M64
        return mix64(self.state)

    def below(self, n):
        """Uniform in [0, n) (Lemire's multiply-and-reject, as in Batches.cpp)."""
        threshold = ((1 << 64) - n) % n
        while True:
            product = self.next() * n
            if product & M64 >= threshold:
                return product >> 64


def shuffle(items, stream):
    for i in range(len(items), 1, -1):
        j = stream.below(i)
        items[i - 1], items[j] = items[j], items[i - 1]


def read_lines(path):
    """LineFile::open's lines: split at '\\n', a '\\r' before it dropped, a last line without
    '\\n' kept, no empty line after a final '\\n'."""
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if not data or data.endswith(b"\n"):
        lines.pop()
    return [(line[:-1] if line.endswith(b"\r") else line).decode("utf-8", errors="replace")
            for line in lines]


def plan_batches(src_len, tgt_len, token_budget, seed, epoch):
    """Batches.cpp planBatches with shuffle: (order, [(first, rows, srcMax, tgtMax)]) in the
    order the batches are used. tgt_len counts bos + y (= y + eos)."""
    n = len(tgt_len)
    keyed = [((int(tgt_len[i]) << 32) | int(src_len[i]), i) for i in range(n)]
    shuffle(keyed, Stream(seed, epoch, K_TIES))
    keyed.sort(key=lambda item: item[0])  # stable, as std::stable_sort
    order = [i for _, i in keyed]
    batches = []
    first = rows = s_max = t_max = 0
    for i, pair in enumerate(order):
        s = max(s_max, int(src_len[pair]))
        t = max(t_max, int(tgt_len[pair]))
        if rows > 0 and (rows + 1) * max(s, t) > token_budget:
            batches.append((first, rows, s_max, t_max))
            first, rows = i, 0
            s, t = int(src_len[pair]), int(tgt_len[pair])
        rows += 1
        s_max, t_max = s, t
    if rows > 0:
        batches.append((first, rows, s_max, t_max))
    shuffle(batches, Stream(seed, epoch, K_BATCH_ORDER))
    return order, batches


# ---- the PyTorch worker (a child process: its own threads, heap and peak RSS)

def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def torch_worker(config_path):
    with open(config_path) as f:
        cfg = json.load(f)
    import numpy as np
    import sentencepiece as spm
    import torch
    sys.path.insert(0, PARITY)
    import loom_torch

    torch.set_num_threads(cfg["threads"])
    # The clock starts here, after the imports, as loom-train's starts at its process start.
    t_start, cpu_start = time.perf_counter(), _cpu_seconds()
    elapsed = lambda: time.perf_counter() - t_start  # noqa: E731
    spec = loom_torch.load_spec(cfg["spec"])
    pad, bos, eos, max_len = spec["pad_id"], spec["bos_id"], spec["eos_id"], spec["max_len"]
    sp = spm.SentencePieceProcessor(model_file=cfg["spm"])

    # Encode every line once (ParallelText.cpp encodeChunk): skip a pair with an empty side;
    # source x[:max_len-1] + eos, target y[:max_len-1]; tgt positions = |y| + 1.
    src_lines = read_lines(cfg["train_prefix"] + "." + cfg["src"])
    tgt_lines = read_lines(cfg["train_prefix"] + "." + cfg["tgt"])
    if len(src_lines) != len(tgt_lines):
        raise SystemExit(f"train files are not line-aligned: {len(src_lines)} vs "
                         f"{len(tgt_lines)} lines")
    xs = sp.encode(src_lines, num_threads=cfg["threads"])
    ys = sp.encode(tgt_lines, num_threads=cfg["threads"])
    cut = max_len - 1
    kept, truncated, skipped = [], 0, 0
    for x, y in zip(xs, ys):
        if not x or not y:
            skipped += 1
            continue
        truncated += len(x) > cut or len(y) > cut
        kept.append((x[:cut] + [eos], y[:cut]))
    del xs, ys, src_lines, tgt_lines
    n = len(kept)
    src_len = np.array([len(x) for x, _ in kept], dtype=np.int64)
    tgt_len = np.array([len(y) + 1 for _, y in kept], dtype=np.int64)  # bos + y = y + eos
    SRC = np.full((n, max_len), pad, dtype=np.int32)
    TGT = np.full((n, max_len), pad, dtype=np.int32)
    LAB = np.full((n, max_len), pad, dtype=np.int32)
    for i, (x, y) in enumerate(kept):
        SRC[i, :len(x)] = x
        TGT[i, 0] = bos
        TGT[i, 1:len(y) + 1] = y
        LAB[i, :len(y)] = y
        LAB[i, len(y)] = eos
    del kept
    epoch_tokens = int(tgt_len.sum())

    # The model: the library's seeded initial weights, so both sides start from the same point.
    torch.manual_seed(cfg["seed"])  # dropout masks
    model = loom_torch.LoomTorchModel(spec)
    model.load_state_dict(loom_torch.load_safetensors(cfg["init_weights"]), strict=True)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.0,
                           betas=(spec["adam_beta1"], spec["adam_beta2"]), eps=spec["adam_eps"])
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=pad,
                                        label_smoothing=spec["label_smoothing"])

    budget, d_model = cfg["budget"], spec["d_model"]
    step = epoch = batch_index = 0
    plan_epoch, order, batches = -1, None, None
    step_seconds, tokens = 0.0, 0
    step_tokens, losses = [], []
    last_log, since = 0.0, {"tokens": 0, "seconds": 0.0, "loss": 0.0, "steps": 0}
    batches_per_epoch = len(plan_batches(src_len, tgt_len, cfg["batch_tokens"], cfg["seed"],
                                         0)[1])
    ready_rss = _status_kib("VmRSS")
    log(f"  torch: {n} pairs ({skipped} skipped for an empty side, {truncated} truncated), "
        f"{batches_per_epoch} batches per epoch, {epoch_tokens} target tokens per epoch; "
        f"ready after {elapsed():.1f} s, RSS {ready_rss / 1024:.0f} MiB")
    while elapsed() < budget:
        t0 = time.perf_counter()
        if plan_epoch != epoch:
            order, batches = plan_batches(src_len, tgt_len, cfg["batch_tokens"], cfg["seed"],
                                          epoch)
            order = np.array(order, dtype=np.int64)
            plan_epoch = epoch
        first, rows, s_max, t_max = batches[batch_index]
        idx = order[first:first + rows]
        src = torch.from_numpy(SRC[idx, :s_max].astype(np.int64))
        tgt = torch.from_numpy(TGT[idx, :t_max].astype(np.int64))
        labels = torch.from_numpy(LAB[idx, :t_max].astype(np.int64))
        s_len = torch.from_numpy(src_len[idx])
        t_len = torch.from_numpy(tgt_len[idx])
        label_tokens = int(t_len.sum())
        lr = noam(step + 1, cfg["lr_factor"], d_model, cfg["warmup"])
        for group in opt.param_groups:
            group["lr"] = lr
        opt.zero_grad(set_to_none=True)
        logits = model(src, s_len, tgt, t_len)
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
        loss.backward()
        opt.step()
        loss_value = loss.item()
        step += 1
        batch_index += 1
        if batch_index == len(batches):
            epoch, batch_index = epoch + 1, 0
        dt = time.perf_counter() - t0
        step_seconds += dt
        tokens += label_tokens
        step_tokens.append(label_tokens)
        losses.append(loss_value)
        since["tokens"] += label_tokens
        since["seconds"] += dt
        since["loss"] += loss_value
        since["steps"] += 1
        now = elapsed()
        if now - last_log >= cfg["log_every_s"]:
            log(f"  torch: step {step} | epoch {epoch + (batch_index > 0)} | loss "
                f"{since['loss'] / since['steps']:.4f} | "
                f"{since['tokens'] / since['seconds']:.0f} tgt tok/s | lr {lr:.3g} | "
                f"{now:.0f} s of {budget:g} s")
            last_log, since = now, {"tokens": 0, "seconds": 0.0, "loss": 0.0, "steps": 0}
    train_seconds, train_cpu = elapsed(), _cpu_seconds() - cpu_start
    train_hwm = _status_kib("VmHWM")
    log(f"  torch: done: {step} steps in {train_seconds:.1f} s, {tokens} target tokens, "
        f"{tokens / max(step_seconds, 1e-9):.0f} tgt tok/s")

    # Greedy translation of the test split, batched as loom-translate batches it.
    t_translate = time.perf_counter()
    model.eval()
    lines = read_lines(cfg["test_src"])
    if cfg.get("test_lines"):
        lines = lines[:cfg["test_lines"]]
    sources = []
    for ids in sp.encode(lines, num_threads=cfg["threads"]):
        sources.append(ids[:max_len - 1] + [eos] if ids else [])
    todo = sorted((i for i in range(len(sources)) if sources[i]),
                  key=lambda i: -len(sources[i]))  # longest first, stable
    groups, longest = [], 0
    for i in todo:
        if not groups or (len(groups[-1]) + 1) * longest > TRANSLATE_BATCH_TOKENS:
            groups.append([])
            longest = len(sources[i])
        groups[-1].append(i)
    max_new_for = lambda length: min(max_len, 2 * length + 10)  # noqa: E731
    hyps = [""] * len(sources)
    for group in groups:
        s_max = max(len(sources[i]) for i in group)
        src = torch.full((len(group), s_max), pad, dtype=torch.long)
        for r, i in enumerate(group):
            src[r, :len(sources[i])] = torch.tensor(sources[i])
        s_len = torch.tensor([len(sources[i]) for i in group], dtype=torch.long)
        max_new = max(max_new_for(len(sources[i])) for i in group)
        out, _ = model.translate(src, s_len, max_new)
        for r, i in enumerate(group):
            ids = []
            for t in out[r, :max_new_for(len(sources[i]))].tolist():
                if t == eos:
                    break
                if t not in (pad, bos):
                    ids.append(t)
            hyps[i] = sp.decode(ids)
    with open(cfg["hyp"], "w", encoding="utf-8") as f:
        f.write("".join(h + "\n" for h in hyps))
    translate_seconds = time.perf_counter() - t_translate
    log(f"  torch: translated {len(lines)} test lines (greedy) in {translate_seconds:.1f} s")

    result = {"steps": step, "epochs": step / batches_per_epoch, "tokens": tokens,
              "step_seconds": step_seconds, "train_seconds": train_seconds,
              "cpu_seconds": train_cpu, "peak_rss_kib": train_hwm, "ready_rss_kib": ready_rss,
              "pairs": n, "skipped": skipped, "truncated": truncated,
              "batches_per_epoch": batches_per_epoch, "tgt_tokens_per_epoch": epoch_tokens,
              "step_tokens": step_tokens, "losses": losses,
              "translate_seconds": translate_seconds, "test_lines": len(lines),
              "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    with open(cfg["result"], "w") as f:
        json.dump(result, f)
    return 0


# ---- the parent: tools, the two sides, the report

# Peak RSS and CPU time of a native command need a small process in between (bench_train.py):
# a child's ru_maxrss starts from the RSS of the process that forked it. This relay (python -S)
# forks + execs the command, waits for it and writes its rusage as JSON.
_RELAY = """import json, os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump({"maxrss_kib": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime}, f)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_logged(argv, log_path, prefix, stdin=None, rusage_path=None):
    """Runs argv, its stderr (and stdout) echoed line by line with `prefix` and kept in
    log_path; returns the exit status (and raises on a failure)."""
    if rusage_path:
        argv = [sys.executable, "-S", "-c", _RELAY, rusage_path] + list(argv)
    with open(log_path, "w") as logf:
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        for line in proc.stdout:
            logf.write(line)
            log(prefix + line.rstrip("\n"))
        proc.wait()
    if proc.returncode != 0:
        tool = argv[5] if rusage_path else argv[0]
        raise RuntimeError(f"{os.path.basename(tool)} failed (exit {proc.returncode}); "
                           f"see {log_path}")
    return proc.returncode


def run_quiet(argv, what, **kwargs):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       errors="replace", **kwargs)
    if r.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {r.returncode}): {' '.join(argv)}\n"
                           + r.stderr[-2000:])
    return r


def bleu(tools, hyp, ref, lines=None):
    """loom-bleu's score of hyp against ref (the first `lines` references when given)."""
    if lines:
        cut = hyp + ".ref"
        with open(ref, encoding="utf-8", newline="") as f, \
                open(cut, "w", encoding="utf-8", newline="") as g:
            for _, line in zip(range(lines), f):
                g.write(line)
        ref = cut
    r = run_quiet([tools["bleu"], hyp, ref], "loom-bleu")
    m = re.match(r"BLEU = ([0-9.]+)", r.stdout.strip())
    if not m:
        raise RuntimeError(f"loom-bleu printed {r.stdout!r}")
    return float(m.group(1)), r.stdout.strip()


def read_json(path):
    with open(path) as f:
        return json.load(f)


def load_avg():
    return os.getloadavg()[0]


def prepare_model_dir(model_dir, spm_model, compiled_dir=None, spec=None, tools=None):
    """A fresh model directory: sentencepiece.model and the compiled library (compiled here,
    or copied from compiled_dir)."""
    os.makedirs(model_dir, exist_ok=True)
    shutil.copyfile(spm_model, os.path.join(model_dir, "sentencepiece.model"))
    if compiled_dir:
        for name in os.listdir(compiled_dir):
            if name.endswith((".so", ".h")):
                shutil.copyfile(os.path.join(compiled_dir, name), os.path.join(model_dir, name))
    else:
        run_quiet([tools["loomc"], "compile", spec, "-o", model_dir], "loomc compile",
                  timeout=1800)


def run_loom(args, tools, spec, model_dir, budget, label, log_name, test_lines):
    """loom-train for `budget` seconds, then loom-translate greedy and beam 4 + loom-bleu."""
    r = {"side": label, "budget": budget, "load_before": load_avg()}
    metrics = os.path.join(model_dir, "metrics.jsonl")
    rusage = os.path.join(model_dir, "loom-train.rusage.json")
    log(f"== {label}: loom-train --time-budget={budget:g} --threads={args.threads} "
        f"(no --valid)")
    t0 = time.perf_counter()
    run_logged([tools["train"], f"--model={model_dir}", f"--train={args.corpus}/train",
                f"--src={args.src}", f"--tgt={args.tgt}", f"--time-budget={budget:g}",
                f"--threads={args.threads}", f"--seed={args.seed}",
                f"--batch-tokens={args.batch_tokens}", f"--lr={args.lr_factor!r}",
                f"--warmup={args.warmup}", f"--label-smoothing={spec['label_smoothing']!r}",
                "--log-every=1", f"--metrics={metrics}"],
               os.path.join(args.workdir, log_name + ".log"), "  loom-train: ",
               rusage_path=rusage)
    wall = time.perf_counter() - t0
    r["load_after_train"] = load_avg()
    usage = read_json(rusage)
    start, steps = None, []
    with open(metrics) as f:
        for line in f:
            rec = json.loads(line)
            if rec["kind"] == "start":
                start = rec
            elif rec["kind"] == "step":
                steps.append(rec)
    r.update(steps=len(steps), tokens=sum(s["tgt_tokens"] for s in steps),
             step_seconds=sum(s["tgt_tokens"] / s["tokens_per_s"] for s in steps
                              if s["tokens_per_s"] > 0),
             train_seconds=steps[-1]["time_s"] if steps else 0.0,
             process_seconds=wall, cpu_seconds=usage["cpu_s"],
             peak_rss_kib=usage["maxrss_kib"], start=start,
             step_tokens=[s["tgt_tokens"] for s in steps],
             losses=[s["loss"] for s in steps])
    if steps and steps[-1]["step"] != len(steps):
        log(f"note: metrics.jsonl has {len(steps)} step lines up to step {steps[-1]['step']}")
    r["epochs"] = r["steps"] / start["batches_per_epoch"] if start else None
    src_file = f"{args.corpus}/test.{args.src}"
    ref = f"{args.corpus}/test.{args.tgt}"
    with tempfile.TemporaryFile("w+", encoding="utf-8") as tmp:
        src_in = src_file
        if test_lines:  # the first N lines only (--test-lines)
            with open(src_file, encoding="utf-8", newline="") as f:
                for _, line in zip(range(test_lines), f):
                    tmp.write(line)
            tmp.flush()
            src_in = None
        for beam in args.beams:
            hyp = os.path.join(model_dir, f"test.beam{beam}.hyp")
            log(f"== {label}: loom-translate --beam={beam} ({test_lines or 'all'} test lines)")
            t1 = time.perf_counter()
            if src_in:
                with open(src_in, "rb") as fin:
                    run_quiet([tools["translate"], f"--model={model_dir}", f"--beam={beam}",
                               f"--threads={args.threads}", f"--output={hyp}"],
                              "loom-translate", stdin=fin)
            else:
                tmp.seek(0)
                run_quiet([tools["translate"], f"--model={model_dir}", f"--beam={beam}",
                           f"--threads={args.threads}", f"--output={hyp}"],
                          "loom-translate", stdin=tmp)
            r[f"translate_seconds_beam{beam}"] = time.perf_counter() - t1
            r[f"bleu_beam{beam}"], line = bleu(tools, hyp, ref, test_lines)
            log(f"  {label} beam {beam}: {line} "
                f"[{r[f'translate_seconds_beam{beam}']:.1f} s to translate]")
    return r


def init_weights(tools, model_dir, name, seed, path, workdir):
    """The library's seeded initial weights (what loom-train's create_seeded(seed) starts
    from), written by `loom-run --seed=S --function=forward --save-weights` on a 1x2 batch."""
    import numpy as np
    d = os.path.join(workdir, "init_inputs")
    os.makedirs(d, exist_ok=True)
    arrays = {"src": [[4, 2]], "src_len": [2], "tgt": [[1, 4]], "tgt_len": [2]}
    inputs = []
    for key, value in arrays.items():
        p = os.path.join(d, key + ".npy")
        np.save(p, np.array(value, dtype=np.int32))
        inputs.append(f"--input=@{p}")
    run_quiet([tools["run"], f"--module={os.path.join(model_dir, f'lib{name}.so')}",
               f"--seed={seed}", "--function=forward", *inputs,
               f"--output=@{os.path.join(d, 'logits.npy')}", "--threads=1",
               f"--save-weights={path}"], "loom-run --save-weights")


def run_torch(args, tools, spec, init_path, budget, test_lines):
    d = os.path.join(args.workdir, "torch")
    os.makedirs(d, exist_ok=True)
    cfg = {"spec": args.spec, "spm": os.path.join(args.model_dir, "sentencepiece.model"),
           "train_prefix": f"{args.corpus}/train", "src": args.src, "tgt": args.tgt,
           "test_src": f"{args.corpus}/test.{args.src}", "test_lines": test_lines,
           "hyp": os.path.join(d, "test.beam1.hyp"), "result": os.path.join(d, "result.json"),
           "budget": budget, "seed": args.seed, "batch_tokens": args.batch_tokens,
           "lr_factor": args.lr_factor, "warmup": args.warmup, "threads": args.threads,
           "init_weights": init_path, "log_every_s": args.log_every_s}
    config_path = os.path.join(d, "config.json")
    with open(config_path, "w") as f:
        json.dump(cfg, f, indent=1)
    r = {"side": "PyTorch", "budget": budget, "load_before": load_avg()}
    log(f"== PyTorch: training for {budget:g} s on {args.threads} threads (OMP_WAIT_POLICY="
        f"{os.environ.get('OMP_WAIT_POLICY')}, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS')}, OPENBLAS_CORETYPE="
        f"{os.environ.get('OPENBLAS_CORETYPE')}), then greedy translation")
    t0 = time.perf_counter()
    run_logged([sys.executable, os.path.abspath(__file__), "--torch-worker", config_path],
               os.path.join(args.workdir, "torch.log"), "")
    r["process_seconds"] = time.perf_counter() - t0
    r["load_after"] = load_avg()
    r.update(read_json(cfg["result"]))
    r["bleu_beam1"], line = bleu(tools, cfg["hyp"], f"{args.corpus}/test.{args.tgt}",
                                 test_lines)
    log(f"  PyTorch greedy: {line} [{r['translate_seconds']:.1f} s to translate]")
    return r


def consistency_notes(loom, torch_r):
    """Does the PyTorch side see loom-train's data? (pairs, batches, every step's tokens)."""
    notes = []
    start = loom.get("start") or {}
    for key in ("pairs", "truncated", "batches_per_epoch", "tgt_tokens_per_epoch"):
        if key in start and start[key] != torch_r.get(key):
            notes.append(f"MISMATCH: {key} Loom {start[key]} vs PyTorch {torch_r.get(key)}")
    a, b = loom["step_tokens"], torch_r["step_tokens"]
    common = min(len(a), len(b))
    diff = next((i for i in range(common) if a[i] != b[i]), None)
    if diff is None:
        notes.append(f"Data: the same {start.get('pairs')} pairs and "
                     f"{start.get('batches_per_epoch')} batches per epoch on both sides; every "
                     f"one of the first {common} steps (all of the shorter run's) has the same "
                     f"target-token count on both sides, i.e. PyTorch trained on loom-train's "
                     f"batches in loom-train's order.")
    else:
        notes.append(f"MISMATCH: step {diff + 1} has {a[diff]} target tokens in Loom's run, "
                     f"{b[diff]} in PyTorch's: the batch order differs")
    if loom["losses"] and torch_r["losses"]:
        notes.append(f"Loss per step (same initial weights, same batches; dropout masks "
                     f"differ): step 1 Loom {loom['losses'][0]:.4f}, PyTorch "
                     f"{torch_r['losses'][0]:.4f}; mean of the 50 steps up to step {common} "
                     f"(the shorter run's last): Loom {_mean_around(loom['losses'], common):.4f}"
                     f", PyTorch {_mean_around(torch_r['losses'], common):.4f}.")
    return notes


def _mean_around(losses, step, window=50):
    part = losses[max(0, step - window):step]
    return sum(part) / len(part) if part else float("nan")


def markdown(results, args, notes):
    head = ["side", "budget s", "steps", "epochs", "target tokens trained",
            "target tokens/s", "loss (last 50 steps)", "test BLEU greedy", "test BLEU beam 4",
            "CPU (of 2 cores)", "peak RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        rate = r["tokens"] / r["step_seconds"] if r["step_seconds"] else 0
        cpu = r["cpu_seconds"] / (r["train_seconds"] if r["side"] == "PyTorch"
                                  else r["process_seconds"])
        tail = r["losses"][-50:]
        lines.append("| " + " | ".join([
            r["side"], f"{r['budget']:g}", str(r["steps"]),
            f"{r['epochs']:.2f}" if r.get("epochs") is not None else "n/a",
            f"{r['tokens']:,}", f"{rate:,.0f}",
            f"{sum(tail) / len(tail):.3f}" if tail else "n/a",
            f"{r['bleu_beam1']:.2f}",
            f"{r['bleu_beam4']:.2f}" if "bleu_beam4" in r else "—",
            f"{cpu:.2f}", f"{r['peak_rss_kib'] / 1024:.0f}"]) + " |")
    return "\n".join(lines + [""] + notes)


def main(argv):
    if argv[:1] == ["--torch-worker"]:
        return torch_worker(argv[1])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--budget-seconds", type=float, default=None,
                   help="wall-clock training budget of each side (default 600; --quick: 60)")
    p.add_argument("--quick", action="store_true", help="smoke run: 60 s each")
    p.add_argument("--longer", type=float, metavar="SECONDS",
                   help="then train Loom alone for SECONDS and report its BLEU too")
    p.add_argument("--torch-first", action="store_true",
                   help="run PyTorch first (default: Loom first)")
    p.add_argument("--only", choices=["loom", "torch"], help="run one side only")
    p.add_argument("--corpus", default=os.path.join(DEFAULT_OUT, "corpus"),
                   help="corpus directory with {train,test}.{SRC,TGT} (default: "
                   "build/examples/translation/corpus)")
    p.add_argument("--model-dir", default=os.path.join(DEFAULT_OUT, "model"),
                   help="where sentencepiece.model is (default: build/examples/translation/model)")
    p.add_argument("--spec", default=os.path.join(REPO_ROOT, "examples/translation/model.yaml"),
                   help="the model spec (default: examples/translation/model.yaml)")
    p.add_argument("--src", default="en", help="source file suffix (default en)")
    p.add_argument("--tgt", default="fr", help="target file suffix (default fr)")
    p.add_argument("--threads", type=int, default=2, help="threads of each side (default 2)")
    p.add_argument("--seed", type=int, default=SEED, help="loom-train's --seed (default 1)")
    p.add_argument("--batch-tokens", type=int, default=BATCH_TOKENS,
                   help="loom-train's --batch-tokens (default 1500)")
    p.add_argument("--lr-factor", type=float, default=NOAM_FACTOR,
                   help="noam's factor, loom-train's --lr (default 0.32)")
    p.add_argument("--warmup", type=int, default=NOAM_WARMUP,
                   help="noam's warm-up steps (default 400)")
    p.add_argument("--test-lines", type=int, default=0,
                   help="translate and score only the first N test lines (default: all)")
    p.add_argument("--no-beam", action="store_true", help="Loom: greedy only, no beam 4")
    p.add_argument("--log-every-s", type=float, default=10.0,
                   help="PyTorch's progress line interval")
    p.add_argument("--workdir", help="keep everything here (default: a temporary directory, "
                   "removed at the end)")
    p.add_argument("--bin", default=os.path.join(REPO_ROOT, "build", "bin"),
                   help="where loomc, loom-train, loom-translate, loom-bleu, loom-run are")
    args = p.parse_args(argv)
    budget = args.budget_seconds or (60.0 if args.quick else 600.0)
    args.beams = [1] if args.no_beam else [1, 4]
    args.corpus = os.path.abspath(args.corpus)
    args.model_dir = os.path.abspath(args.model_dir)
    args.spec = os.path.abspath(args.spec)
    tools = {k: os.path.join(args.bin, v) for k, v in
             {"loomc": "loomc", "train": "loom-train", "translate": "loom-translate",
              "bleu": "loom-bleu", "run": "loom-run"}.items()}
    spm_model = os.path.join(args.model_dir, "sentencepiece.model")
    needed = [spm_model, args.spec] + list(tools.values()) + [
        f"{args.corpus}/{split}.{lang}" for split in ("train", "test")
        for lang in (args.src, args.tgt)]
    missing = [f for f in needed if not os.path.exists(f)]
    if missing:
        p.error("missing: " + ", ".join(missing) +
                " (build Loom and run examples/translation/run.sh first, or point --corpus, "
                "--model-dir, --bin elsewhere)")
    import yaml  # the parent does not import torch: only the worker does
    with open(args.spec) as f:
        spec = {"label_smoothing": 0.0, **yaml.safe_load(f)}  # loom_torch.DEFAULTS' default

    keep = bool(args.workdir)
    args.workdir = os.path.abspath(args.workdir or tempfile.mkdtemp(prefix="loom-bench-tr-"))
    os.makedirs(args.workdir, exist_ok=True)
    test_lines = args.test_lines or None
    try:
        loom_dir = os.path.join(args.workdir, "loom")
        if os.path.exists(loom_dir):
            shutil.rmtree(loom_dir)
        log(f"== compiling {args.spec} with loomc into {loom_dir}")
        prepare_model_dir(loom_dir, spm_model, spec=args.spec, tools=tools)
        init_path = os.path.join(args.workdir, "init.safetensors")
        if args.only != "loom":
            log(f"== initial weights: the library's seed {args.seed} (loom-run --save-weights)")
            init_weights(tools, loom_dir, spec["name"], args.seed, init_path, args.workdir)
        sides = ["loom", "torch"]
        if args.torch_first:
            sides.reverse()
        if args.only:
            sides = [args.only]
        results = {}
        for side in sides:
            if side == "loom":
                results["loom"] = run_loom(args, tools, spec, loom_dir, budget, "Loom",
                                           "loom-train", test_lines)
            else:
                results["torch"] = run_torch(args, tools, spec, init_path, budget, test_lines)
        if args.longer:
            longer_dir = os.path.join(args.workdir, "loom-longer")
            if os.path.exists(longer_dir):
                shutil.rmtree(longer_dir)
            prepare_model_dir(longer_dir, spm_model, compiled_dir=loom_dir)
            results["longer"] = run_loom(args, tools, spec, longer_dir, args.longer,
                                         "Loom (longer)", "loom-train-longer", test_lines)

        rows = [results[k] for k in ("loom", "torch", "longer") if k in results]
        notes = []
        if "loom" in results and "torch" in results:
            lm, tr = results["loom"], results["torch"]
            ratio = (lm["tokens"] / lm["step_seconds"]) / (tr["tokens"] / tr["step_seconds"])
            notes.append(f"**Loom/PyTorch target tokens/s: {ratio:.2f}x**; test BLEU greedy "
                         f"Loom {lm['bleu_beam1']:.2f} vs PyTorch {tr['bleu_beam1']:.2f} "
                         f"({lm['bleu_beam1'] - tr['bleu_beam1']:+.2f}).")
            notes += consistency_notes(lm, tr)
        notes.append(
            f"Setup: {args.spec} on {args.corpus} "
            f"({'first ' + str(test_lines) if test_lines else 'all'} test lines), SentencePiece "
            f"{spm_model}; {args.threads} threads each, run one after the other "
            f"({' then '.join(sides)}); both without validation during the budget; "
            f"token budget {args.batch_tokens}, noam lr {args.lr_factor:g} warm-up "
            f"{args.warmup}, seed {args.seed} (weights: the library's seeded initialisation on "
            f"both sides; dropout masks: Loom's Philox vs torch's generator). Target tokens/s = "
            f"non-pad labels / time in training steps. PyTorch: torch "
            f"{results['torch']['torch'] if 'torch' in results else '?'}, eager, "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, OPENBLAS_NUM_THREADS="
            f"{os.environ.get('OPENBLAS_NUM_THREADS')}, OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE')}; greedy only (beam 4: —).")
        loads = "; ".join(
            f"{r['side']} {r['load_before']:.2f} before, "
            f"{r.get('load_after', r.get('load_after_train', float('nan'))):.2f} after training"
            for r in rows)
        notes.append(f"1-minute load average (2 cores): {loads}. A CPU figure below 2.0 means "
                     f"the side did not have both cores to itself.")
        if "torch" in results:
            notes.append(f"PyTorch worker's RSS when training starts (torch imported, corpus "
                         f"encoded, model and Adam built): "
                         f"{results['torch']['ready_rss_kib'] / 1024:.0f} MiB.")
            notes.append(f"Translation of the test split (not in the budget): PyTorch greedy "
                         f"(no KV cache) {results['torch']['translate_seconds']:.1f} s" +
                         ("; Loom greedy " + f"{results['loom']['translate_seconds_beam1']:.1f}"
                          " s" if "loom" in results else "") + ".")
        print(markdown(rows, args, notes), flush=True)
        if keep:
            log(f"kept {args.workdir}")
    finally:
        if not keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
