#!/usr/bin/python3
"""Training benchmark: Loom's train_step against PyTorch's training step, same machine, same run.

For each model shape: compiles the spec with loomc, writes PyTorch-initialised weights and
one batch (full-length rows, random labels), then times one training step on each side in
interleaved rounds: PyTorch, Loom, PyTorch, Loom, ... Each side runs in a child process of
its own that stays up for all the rounds (so neither side's threads or heap sit inside the
other's process), started by this script in its worker mode:
  PyTorch  loom_torch's model, model.train(), mean cross-entropy over labels != pad_id with
           the spec's label_smoothing, loss.backward(), torch.optim.Adam with the spec's
           adam_beta1/adam_beta2/adam_eps; torch.set_num_threads(2), OPENBLAS_CORETYPE=
           SkylakeX and OPENBLAS_NUM_THREADS=2 (as bench_inference.py), and
           OMP_WAIT_POLICY=PASSIVE (--omp-wait-policy): Debian's torch runs its own
           OpenMP threads and calls the pthreads OpenBLAS, whose threads wait separately;
           with both pools spinning on 2 cores, ed512's step was 1.5-6x slower than with
           passive waiting and d2l_tiny's median moved between 16 ms and 1 s from run to
           run (OMP_WAIT_POLICY=PASSIVE: 17-34 ms).
  Loom     lib<name>.so through ctypes: <name>_create (the same weights file, 2 threads),
           then <name>_train_step per step, timed in-process (no start-up, no file I/O).
Both start from the same weights and train on the same batch; dropout masks differ (Loom's
come from Philox, PyTorch's from its generator), so the losses agree only roughly: the
table prints the first step's loss of each side as a sanity check.

Prints a Markdown table: median and minimum milliseconds per step (over all timed steps of
all rounds, after warm-up steps; on a shared machine the minimum is the step that ran
alone), the PyTorch/Loom ratio of the medians, GFLOP/s and the percentage of the FMA peak
measured in this run (bench_inference.measure_peak: `build/bin/loom-fma-peak`, before and
after each benchmark; the largest is used), and the peak RSS of each side.

Training FLOPs per step are counted as 3 x the forward's:
    F_train = 3 * F_fwd,   F_fwd = bench_inference.forward_flops(spec, B, S, T)
            = sum over linear layers of 2*M*N*K  (M = B*S or B*T tokens)
            + per attention block 2 * (2*B*Lq*Lk*d_model)  (Q K^T and P V, full Lq x Lk
              even when causal)
i.e. backward = 2 x forward (the input and the weight gradient of every matmul). Not
counted: norms, softmax, dropout, the loss, embeddings, Adam, and the recomputation of the
attention probabilities in FlashAttention-style backward (Loom's ~1 extra Q K^T).

Peak RSS: each side's training is also run in a fresh child process that loads the model,
runs --rss-steps steps (default 2) on the same batch and exits; the figure is that child's
ru_maxrss, read with os.wait4 by a small relay (python -S, ~5 MiB) that forks it: a child
forked by this script itself would start its peak at this script's RSS (torch and the
models), since fork copies the page counts and exec keeps the old image's peak. Both the
PyTorch and the Loom (ctypes) child are this script's Python worker, so they carry the same
interpreter; the Loom child imports only ctypes (no numpy, no torch). `loom-run
--function=train_step --steps=K` (a native process, no Python) is measured the same way
and printed as Loom's second figure.

  /usr/bin/python3 test/bench/bench_train.py [--quick] [--only NAME] [--rounds 7]
                                             [--steps N] [--lr X] [--keep DIR]
                                             [--tune-seconds N]

--tune-seconds N times Loom with schedules tuned for the benchmark's shapes (`loomc tune
--tune-functions=train_step,apply_gradients` for N seconds, then compile with the records).

A benchmark, not a test: it asserts nothing about time.
"""
import os
import sys

# OpenBLAS's SkylakeX kernels (see bench_inference.py); set before torch loads, so the
# script re-executes itself. Workers inherit the environment.
if os.environ.get("OPENBLAS_CORETYPE") != "SkylakeX":
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(os.path.dirname(HERE), "parity")
THREADS = 2  # = bench_inference.THREADS (not imported here: the Loom worker must not load torch)
INPUT_NAMES = {"encoder_decoder": ["src", "src_len", "tgt", "tgt_len", "labels"],
               "decoder": ["tgt", "tgt_len", "labels"]}


# ---- worker (child process): one side's training, driven over stdin/stdout

def _proc_status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _read_i32(path):
    """A raw little-endian int32 file (written by the parent next to each .npy) as a ctypes
    array, so that the Loom worker needs no numpy."""
    import ctypes
    with open(path, "rb") as f:
        data = f.read()
    return (ctypes.c_int32 * (len(data) // 4)).from_buffer_copy(data)


class TorchSide:
    def __init__(self, cfg):
        import numpy as np
        import torch
        from torch import nn
        sys.path.insert(0, PARITY)
        import loom_torch
        torch.set_num_threads(THREADS)
        spec = loom_torch.load_spec(cfg["spec_path"])
        self.model = loom_torch.LoomTorchModel(spec)
        self.model.load_state_dict(loom_torch.load_safetensors(cfg["weights"]))
        self.model.train()
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg["lr"],
                                    betas=(spec["adam_beta1"], spec["adam_beta2"]),
                                    eps=spec["adam_eps"])
        arrays = [torch.from_numpy(np.load(p).astype("int64"))
                  for p in cfg["npy"]]
        self.inputs, self.labels = arrays[:-1], arrays[-1].reshape(-1)
        self.loss_fn = nn.CrossEntropyLoss(ignore_index=spec["pad_id"],
                                           label_smoothing=spec["label_smoothing"])

    def step(self):
        self.opt.zero_grad()
        logits = self.model.run_forward(self.inputs)
        loss = self.loss_fn(logits.reshape(-1, logits.shape[-1]), self.labels)
        loss.backward()
        self.opt.step()
        return loss.item()


class LoomSide:
    def __init__(self, cfg):
        import ctypes
        self.ct = ctypes
        lib = ctypes.CDLL(cfg["lib"])
        name = cfg["name"]
        p_i32 = ctypes.POINTER(ctypes.c_int32)
        self.create = getattr(lib, f"{name}_create")
        self.create.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
        self.create.restype = ctypes.c_int
        self.train_step = getattr(lib, f"{name}_train_step")
        self.train_step.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, p_i32,
                                    p_i32, ctypes.c_int64, p_i32, p_i32, p_i32, ctypes.c_float,
                                    ctypes.POINTER(ctypes.c_float)]
        self.train_step.restype = ctypes.c_int
        self.last_error = getattr(lib, f"{name}_last_error")
        self.last_error.restype = ctypes.c_char_p
        self.handle = ctypes.c_void_p()
        self.check(self.create(cfg["weights"].encode(), THREADS, ctypes.byref(self.handle)),
                   "create")
        arrays = [_read_i32(p) for p in cfg["raw"]]
        if cfg["architecture"] == "decoder":
            arrays = [None, None] + arrays
        self.src, self.src_len, self.tgt, self.tgt_len, self.labels = arrays
        self.batch, self.s, self.t = cfg["batch"], cfg["src"], cfg["tgt"]
        self.lr = ctypes.c_float(cfg["lr"])
        self.loss = ctypes.c_float()

    def check(self, status, what):
        if status != 0:
            raise RuntimeError(f"{what}: status {status}: "
                               f"{self.last_error().decode(errors='replace')}")

    def step(self):
        self.check(self.train_step(self.handle, self.batch, self.s, self.src, self.src_len,
                                   self.t, self.tgt, self.tgt_len, self.labels, self.lr,
                                   self.ct.byref(self.loss)), "train_step")
        return self.loss.value


def worker_main(side, config_path):
    """`run N` -> {"ms": [...], "loss": [...]} per line; `quit` or EOF ends the process."""
    with open(config_path) as f:
        cfg = json.load(f)
    model = (TorchSide if side == "torch" else LoomSide)(cfg)
    print(json.dumps({"ready": True, "rss_kib": _proc_status_kib("VmRSS")}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        ms, losses = [], []
        for _ in range(int(words[1])):
            t0 = time.perf_counter()
            losses.append(model.step())
            ms.append((time.perf_counter() - t0) * 1e3)
        print(json.dumps({"ms": ms, "loss": losses, "hwm_kib": _proc_status_kib("VmHWM")}),
              flush=True)
    return 0


# Peak RSS needs a small process in between: a child's ru_maxrss (and VmHWM) starts from
# the RSS of the process that forked it (the fork copies its page counts; exec records the
# old image's peak), and this script's parent holds torch and the models. This relay
# (python -S, ~5 MiB) forks + execs the command, waits for it and writes its ru_maxrss (KiB).
_RELAY = """import os, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def _with_maxrss(argv, maxrss_path):
    return [sys.executable, "-S", "-c", _RELAY, maxrss_path] + list(argv)


def _read_maxrss(path):
    try:
        with open(path) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class Worker:
    """A worker child of this script (through the RSS relay when maxrss_path is given)."""

    def __init__(self, side, config_path, log_path, maxrss_path=None):
        self.side, self.log_path, self.maxrss_path = side, log_path, maxrss_path
        self.log = open(log_path, "w")
        argv = [sys.executable, os.path.abspath(__file__), "--worker", side, config_path]
        if maxrss_path:
            argv = _with_maxrss(argv, maxrss_path)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        self.ready = self._reply()

    def _reply(self):
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            with open(self.log_path, errors="replace") as f:
                tail = "".join(f.readlines()[-8:])
            raise RuntimeError(f"{self.side} worker failed (exit {self.proc.returncode}):\n"
                               f"{tail}")
        return json.loads(line)

    def run(self, steps):
        self.proc.stdin.write(f"run {steps}\n")
        self.proc.stdin.flush()
        return self._reply()

    def close(self):
        """Ends the worker; returns its ru_maxrss in KiB (None without the relay)."""
        if self.proc.returncode is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            self.proc.wait()
            self.log.close()
        return _read_maxrss(self.maxrss_path) if self.maxrss_path else None


# ---- the parent: preparation, rounds, report

def train_benches():
    """bench_inference's ed512 and d2l_tiny shapes, as training specs."""
    import bench_inference as bi
    base = {b.name: b for b in bi.BENCHES}

    def make(name, steps, **changes):
        b = base[name]
        spec = {**b.spec, "name": "bench_train_" + name, **changes}
        return bi.Bench(name, spec, b.batch, b.src, b.tgt, steps)

    # The paper's dropout and label smoothing; d2l's chapter trains its tiny model with
    # dropout 0.1 and no label smoothing.
    # The translation example's model (examples/translation/model.yaml) on a batch the
    # size loom-train makes: 1,600 target tokens of short messages.
    translator = bi.Bench("translator", {
        "name": "bench_train_translator", "architecture": "encoder_decoder", "d_model": 256,
        "heads": 8, "ffn_hidden": 1024, "encoder_layers": 2, "decoder_layers": 2,
        "src_vocab": 4000, "tgt_vocab": 4000, "max_len": 64, "dropout": 0.1,
        "label_smoothing": 0.1}, batch=160, src=9, tgt=10, repeat=20)
    return [make("ed512", 5, dropout=0.1, label_smoothing=0.1),
            make("d2l_tiny", 50, dropout=0.1), translator]


def prepare(bench, workdir, lr, seed=0):
    """Spec, weights, inputs (.npy for loom-run, raw int32 for the Loom worker) and the
    workers' config file; returns the config dict (with its own path)."""
    import numpy as np
    sys.path.insert(0, PARITY)
    import loom_torch
    d = os.path.join(workdir, bench.name)
    os.makedirs(d, exist_ok=True)
    spec_path = os.path.join(d, f"{bench.spec['name']}.yaml")
    loom_torch.write_spec(spec_path, bench.spec)
    model = loom_torch.build_model(bench.spec, seed)
    s = model.spec
    weights = os.path.join(d, "weights.safetensors")
    loom_torch.save_safetensors(weights, model.state_dict())
    rng = np.random.default_rng(seed)
    arrays = []
    if bench.src:
        arrays += loom_torch.random_tokens(rng, bench.batch, bench.src, s["src_vocab"],
                                           s["pad_id"], np.full(bench.batch, bench.src))
    arrays += loom_torch.random_tokens(rng, bench.batch, bench.tgt, s["tgt_vocab"], s["pad_id"],
                                       np.full(bench.batch, bench.tgt))
    arrays.append(rng.integers(0, s["tgt_vocab"], (bench.batch, bench.tgt)))  # labels
    names = INPUT_NAMES[s["architecture"]]
    cfg = {"name": bench.spec["name"], "architecture": s["architecture"],
           "spec_path": spec_path, "weights": weights, "batch": bench.batch,
           "src": bench.src, "tgt": bench.tgt, "lr": lr, "dir": d, "npy": [], "raw": []}
    for n, a in zip(names, arrays):
        a = np.ascontiguousarray(a, dtype="<i4")
        cfg["npy"].append(os.path.join(d, f"{n}.npy"))
        cfg["raw"].append(os.path.join(d, f"{n}.i32"))
        np.save(cfg["npy"][-1], a)
        a.tofile(cfg["raw"][-1])
    cfg["config_path"] = os.path.join(d, "config.json")
    return cfg


def _write_config(cfg):
    with open(cfg["config_path"], "w") as f:
        json.dump(cfg, f, indent=1)


def peak_rss(cfg, side, steps):
    """(ru_maxrss KiB of a fresh worker that trains `steps` steps, its RSS before the first
    step in KiB, its losses)."""
    w = Worker(side, cfg["config_path"], os.path.join(cfg["dir"], f"rss_{side}.log"),
               os.path.join(cfg["dir"], f"rss_{side}.maxrss"))
    try:
        losses = w.run(steps)["loss"]
    finally:
        maxrss = w.close()
    return maxrss, w.ready["rss_kib"], losses


def loom_run_rss(cfg, loom_run, steps):
    """ru_maxrss KiB of `loom-run --function=train_step --steps=K` on the same batch."""
    from loom_tools import loom_run_argv, run_tool
    out = os.path.join(cfg["dir"], "loom_run_losses.npy")
    maxrss_path = os.path.join(cfg["dir"], "loom_run.maxrss")
    argv = loom_run_argv(loom_run, cfg["lib"], cfg["weights"], "train_step", cfg["npy"], [out],
                         [f"--threads={THREADS}", f"--steps={steps}", f"--lr={cfg['lr']!r}"])
    r = run_tool(_with_maxrss(argv, maxrss_path), 600)
    if r.returncode != 0:
        print(f"note: loom-run failed: {r.describe()}", file=sys.stderr)
        return None
    return _read_maxrss(maxrss_path)


def run_bench(bench, args, compiler, loom_run, workdir):
    """Compile, RSS children, warm-up, interleaved rounds; returns a dict for the table."""
    import bench_inference as bi
    t_start = time.time()
    cfg = prepare(bench, workdir, args.lr)
    result = {"bench": bench, "flops": 3 * bi.forward_flops(bench.spec, bench.batch, bench.src,
                                                            bench.tgt)}
    log = lambda msg: print(f"  {bench.name}: {msg} [{time.time() - t_start:.0f} s]",  # noqa
                            file=sys.stderr, flush=True)
    if not args.torch_only:
        log("compiling with loomc ...")
        shapes = f"B={bench.batch},S={bench.src or 1},T={bench.tgt or 1}"
        cfg["lib"], compiled = compiler.compile(cfg["spec_path"], bench.spec["name"],
                                                os.path.join(cfg["dir"], "module"), shapes)
        if cfg["lib"] is None:
            result["loom_error"] = "compile failed: " + compiled.describe()
    _write_config(cfg)
    sides = ["torch"] + (["loom"] if cfg.get("lib") else [])

    def loom_failed(e):  # Loom's failure is reported in the table; PyTorch's ends the run
        result["loom_error"] = str(e)
        sides.remove("loom")

    if args.rss_steps:
        for side in list(sides):
            log(f"peak RSS: {side} child, {args.rss_steps} steps ...")
            try:
                result[f"{side}_rss"], result[f"{side}_rss0"], losses = \
                    peak_rss(cfg, side, args.rss_steps)
            except RuntimeError as e:
                if side == "torch":
                    raise
                loom_failed(e)
                continue
            result[f"{side}_loss1"] = losses[0]
        if "loom" in sides:
            log(f"peak RSS: loom-run, {args.rss_steps} steps ...")
            result["loom_run_rss"] = loom_run_rss(cfg, loom_run, args.rss_steps)

    steps = args.steps or bench.repeat
    workers = {}
    try:
        for side in list(sides):
            try:
                workers[side] = Worker(side, cfg["config_path"],
                                       os.path.join(cfg["dir"], f"time_{side}.log"))
                # the first steps allocate (Adam's state, arenas): not timed
                warm = workers[side].run(args.warmup)
            except RuntimeError as e:
                if side == "torch":
                    raise
                loom_failed(e)
                continue
            result.setdefault(f"{side}_loss1", warm["loss"][0])
        times = {side: [] for side in sides}
        from loom_tools import SETTLE_SECONDS
        for r in range(args.rounds):
            for side in list(sides):
                time.sleep(SETTLE_SECONDS)
                try:
                    workers[side].run(1)  # untimed: wakes the side's threads after the pause
                    reply = workers[side].run(steps)
                    times[side] += reply["ms"]
                    result[f"{side}_timing_rss"] = reply["hwm_kib"]
                except RuntimeError as e:
                    if side == "torch":
                        raise
                    loom_failed(e)
            log(f"round {r + 1}/{args.rounds}: " + ", ".join(
                f"{side} {statistics.median(times[side][-steps:]):.2f} ms/step"
                for side in sides))
    finally:
        for w in workers.values():
            w.close()
    for side in sides:
        if times[side]:
            result[f"{side}_ms"] = statistics.median(times[side])
            result[f"{side}_min"] = min(times[side])
    result["steps"] = steps
    return result


def markdown_table(results, peak, peak_label, args):
    head = ["model", "shape", "train GFLOP/step", "PyTorch ms (min)", "Loom ms (min)",
            "PyTorch/Loom",
            "PyTorch GFLOP/s (% peak)", "Loom GFLOP/s (% peak)", "PyTorch peak RSS MiB",
            "Loom peak RSS MiB (Python child / loom-run)", "step-1 loss PyTorch / Loom"]
    rows = []

    def mib(kib):
        return f"{kib / 1024:.0f}" if kib else "n/a"

    for r in results:
        gflop = r["flops"] / 1e9
        t, lm = r["torch_ms"], r.get("loom_ms")

        def rate(ms):
            g = gflop / (ms / 1e3)
            return f"{g:.1f} ({100 * g / peak:.0f}%)"

        loss = f"{r['torch_loss1']:.4f} / " + (f"{r['loom_loss1']:.4f}" if "loom_loss1" in r
                                                else "n/a")
        def ms(side):
            m = r.get(f"{side}_ms")
            return f"{m:.2f} ({r[f'{side}_min']:.2f})" if m else "n/a"

        rows.append([r["bench"].name, r["bench"].shape, f"{gflop:.2f}", ms("torch"), ms("loom"),
                     f"{t / lm:.2f}x" if lm else "n/a", rate(t),
                     rate(lm) if lm else "n/a", mib(r.get("torch_rss")),
                     f"{mib(r.get('loom_rss'))} / {mib(r.get('loom_run_rss'))}", loss])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    lines.append(f"Peak: {peak:.1f} GFLOP/s = {peak_label}. Training FLOPs = 3 x the forward's "
                 f"matmul + attention FLOPs. Times: median (min) ms per train step over "
                 f"{args.rounds} interleaved rounds x N steps (N: "
                 + ", ".join(f"{r['bench'].name} {r['steps']}" for r in results)
                 + f") after {args.warmup} warm-up steps, each side in its own worker process; "
                 f"{THREADS} threads each; PyTorch with OPENBLAS_CORETYPE="
                 f"{os.environ.get('OPENBLAS_CORETYPE')}, OPENBLAS_NUM_THREADS="
                 f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, OMP_WAIT_POLICY="
                 f"{os.environ.get('OMP_WAIT_POLICY', 'unset')}; lr {args.lr:g}.")
    if args.rss_steps:
        lines.append(
            f"Peak RSS: ru_maxrss of a fresh child that loads the model and trains "
            f"{args.rss_steps} steps on the same batch (through a ~5 MiB relay process). RSS "
            f"before the first step (imports, model and optimiser built): " + "; ".join(
                f"{r['bench'].name} PyTorch {mib(r.get('torch_rss0'))}, Loom "
                f"{mib(r.get('loom_rss0'))} MiB" for r in results) + ".")
        lines.append("Peak RSS (VmHWM) of the timing workers after all rounds (MiB): " + "; ".join(
            f"{r['bench'].name} PyTorch {mib(r.get('torch_timing_rss'))}, Loom "
            f"{mib(r.get('loom_timing_rss'))}" for r in results) + ".")
    for r in results:
        if "loom_error" in r:
            lines.append(f"- {r['bench'].name} (loom): {r['loom_error']}")
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["--worker"]:
        return worker_main(argv[1], argv[2])
    sys.path.insert(0, PARITY)
    import torch
    import bench_inference as bi
    from loom_tools import REPO_ROOT, Compiler, add_tool_arguments, tool_path

    benches = train_benches()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tool_arguments(p)
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this benchmark (" + ", ".join(b.name for b in benches) + ")")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 2 rounds, 1 step (ed512 at B=2 S=T=32) or 5 steps per "
                   "round, 1 warm-up step")
    p.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 7)")
    p.add_argument("--steps", type=int, default=0,
                   help="timed steps per round and side (default: ed512 5, d2l_tiny 50)")
    p.add_argument("--warmup", type=int, default=None,
                   help="untimed first steps per worker, >= 1 (default 2)")
    p.add_argument("--rss-steps", type=int, default=2,
                   help="steps of the peak-RSS children (0: skip that measurement)")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam's learning rate")
    p.add_argument("--omp-wait-policy", choices=["PASSIVE", "ACTIVE", "unset"],
                   default=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"),
                   help="OMP_WAIT_POLICY of the PyTorch worker (default: $OMP_WAIT_POLICY, "
                   "else PASSIVE; see the module docstring)")
    p.add_argument("--peak-tool", default=os.path.join(REPO_ROOT, "build/bin/loom-fma-peak"))
    p.add_argument("--torch-only", action="store_true", help="time PyTorch only")
    p.add_argument("--tune-seconds", type=float, default=0, metavar="N",
                   help="time a library whose train_step and apply_gradients kernels "
                        "`loomc tune` tuned for N seconds at the benchmark's shapes")
    p.add_argument("--keep", metavar="DIR", help="keep specs, modules, weights, inputs here")
    args = p.parse_args(argv)
    if args.quick:
        for b in benches:
            b.repeat = 1 if b.name == "ed512" else 5
            if b.name == "ed512":
                b.batch, b.src, b.tgt = 2, 32, 32
    args.rounds = args.rounds or (2 if args.quick else 7)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    if args.warmup < 1 or args.rounds < 1 or args.steps < 0 or args.rss_steps < 0:
        p.error("--warmup and --rounds must be >= 1, --steps and --rss-steps >= 0")
    benches = [b for b in benches if not args.only or b.name in args.only]
    if not benches:
        p.error(f"no benchmark named {args.only}")
    torch.set_num_threads(THREADS)
    # Read by libgomp when the PyTorch worker loads torch (the parent's is already loaded;
    # it does no timed work). The Loom worker uses TBB and ignores it.
    if args.omp_wait_policy == "unset":
        os.environ.pop("OMP_WAIT_POLICY", None)
    else:
        os.environ["OMP_WAIT_POLICY"] = args.omp_wait_policy
    compiler = Compiler(tool_path(args.loomc, "LOOMC", "build/bin/loomc"),
                        tune_seconds=args.tune_seconds,
                        tune_functions="train_step,apply_gradients")
    loom_run = tool_path(args.loom_run, "LOOM_RUN", "build/bin/loom-run")

    workdir = args.keep or tempfile.mkdtemp(prefix="loom-bench-train-")
    os.makedirs(workdir, exist_ok=True)
    try:
        # The peak before and after every benchmark, and the largest used: on a shared
        # machine one measurement can run on one free core (contention only lowers it).
        print("measuring the FMA peak ...", file=sys.stderr, flush=True)
        peaks = [bi.measure_peak(args.peak_tool)]
        results = []
        for bench in benches:
            print(f"running {bench.name} ({bench.shape}) ...", file=sys.stderr, flush=True)
            results.append(run_bench(bench, args, compiler, loom_run, workdir))
            print("measuring the FMA peak ...", file=sys.stderr, flush=True)
            peaks.append(bi.measure_peak(args.peak_tool))
        peak, peak_label = max(peaks)
        peak_label += " (the largest of " + ", ".join(f"{p:.1f}" for p, _ in peaks) + \
            ", measured before and after each benchmark)"
        print(markdown_table(results, peak, peak_label, args))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
