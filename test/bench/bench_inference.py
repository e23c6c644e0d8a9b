#!/usr/bin/python3
"""Inference benchmark: Loom-compiled models against PyTorch on the same machine, same run.

For each model shape: compiles the spec with loomc, writes seeded weights, then times
PyTorch (eval, no_grad, 2 threads, OpenBLAS's SkylakeX kernels) and Loom
(`loom-run --threads=2 --repeat=N`, whose median excludes start-up and weight loading)
in interleaved rounds: PyTorch, Loom, PyTorch, Loom, ... Prints a Markdown table with
median milliseconds, the PyTorch/Loom ratio, model GFLOP/s and the percentage of the FMA
peak measured in this run (`build/bin/loom-fma-peak`; if that tool is missing, the best
PyTorch sgemm rate stands in and is labelled as such). Loom's output is also checked
against PyTorch's (max scaled error), so that a broken model is not timed.

  /usr/bin/python3 test/bench/bench_inference.py [--only NAME] [--rounds 5] [--repeat N]
                                                  [--torch-only] [--keep DIR]
                                                  [--baseline BUILD_DIR]

--baseline times a second Loom build (another checkout's build/, e.g. before a change)
in the same interleaved rounds: PyTorch, Loom, baseline, PyTorch, ... and adds its
median and the baseline/Loom ratio to the table.

--tune-seconds N also times a tuned library of each model: `loomc tune` for N seconds
at the benchmark's shapes, then `loomc compile --tuning-records` (its records stay in
the --keep directory, under <model>/tuned/tuning.jsonl), in the same rounds; the table
adds its median, PyTorch/tuned and default/tuned ratios and its % of peak.

A benchmark, not a test: it asserts nothing about time.
"""
import os
import sys

# OpenBLAS picks its Haswell kernels on this CPU unless told otherwise (ARCHITECTURE.md);
# the variable must be set before the library loads, so the script re-executes itself.
# OMP_WAIT_POLICY=PASSIVE (unless set): PyTorch runs in this process, and its idle
# OpenMP threads otherwise spin on into the loom-run child's timing (a d2l forward:
# 1.12 against 0.83 ms), as bench_train found for PyTorch itself.
if os.environ.get("OPENBLAS_CORETYPE") != "SkylakeX":
    os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__)] + sys.argv[1:])

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "parity"))
import loom_torch  # noqa: E402
from loom_tools import (REPO_ROOT, SETTLE_SECONDS, Compiler, add_tool_arguments, loom_run_argv,  # noqa: E402
                        run_tool, tool_path)

THREADS = 2


@dataclasses.dataclass
class Bench:
    """One model shape: a spec and the input sizes it runs at."""
    name: str
    spec: dict
    batch: int
    src: int  # S, 0 where the architecture has no encoder
    tgt: int  # T, 0 where the architecture has no decoder
    repeat: int  # default timed iterations per round

    @property
    def shape(self):
        parts = [f"B={self.batch}"] + ([f"S={self.src}"] if self.src else []) + \
            ([f"T={self.tgt}"] if self.tgt else [])
        return " ".join(parts)


BENCHES = [
    Bench("ed512", {"name": "bench_ed512", "architecture": "encoder_decoder", "d_model": 512,
                    "heads": 8, "ffn_hidden": 2048, "encoder_layers": 2, "decoder_layers": 2,
                    "src_vocab": 8000, "tgt_vocab": 8000, "max_len": 256},
          batch=8, src=128, tgt=128, repeat=5),
    Bench("bert_base_2l", {"name": "bench_bert_base_2l", "architecture": "encoder",
                           "d_model": 768, "heads": 12, "ffn_hidden": 3072, "encoder_layers": 2,
                           "src_vocab": 30522, "max_len": 512},
          batch=1, src=128, tgt=0, repeat=10),
    Bench("d2l_tiny", {"name": "bench_d2l_tiny", "architecture": "encoder_decoder", "d_model": 32,
                       "heads": 4, "ffn_hidden": 64, "encoder_layers": 2, "decoder_layers": 2,
                       "src_vocab": 194, "tgt_vocab": 214, "max_len": 64},
          batch=64, src=10, tgt=10, repeat=50),
]


# ---- FLOPs and peak

def forward_flops(spec, batch, src, tgt):
    """FLOPs of one forward: 2*M*N*K for every linear layer and both attention matmuls
    (full S x S attention, causal or not); norms, softmax and embeddings not counted."""
    s = loom_torch.complete_spec(spec)
    d, ff = s["d_model"], s["ffn_hidden"]

    def linear(tokens, n_in, n_out):
        return 2 * tokens * n_in * n_out

    def attention(q_len, k_len):  # Q K^T and P V over all heads
        return 2 * (2 * batch * q_len * k_len * d)

    def self_attention_block(length):
        n = batch * length
        return linear(n, d, 3 * d) + attention(length, length) + linear(n, d, d)

    def ffn(length):
        n = batch * length
        return linear(n, d, ff) + linear(n, ff, d)

    arch = s["architecture"]
    if arch == "decoder":
        return s["decoder_layers"] * (self_attention_block(tgt) + ffn(tgt)) + \
            linear(batch * tgt, d, s["tgt_vocab"])
    total = s["encoder_layers"] * (self_attention_block(src) + ffn(src))
    if arch == "encoder_decoder":
        nt, ns = batch * tgt, batch * src
        cross = linear(nt, d, d) + linear(ns, d, 2 * d) + attention(tgt, src) + linear(nt, d, d)
        total += s["decoder_layers"] * (self_attention_block(tgt) + cross + ffn(tgt))
        total += linear(nt, d, s["tgt_vocab"])
    return total


def measure_peak(peak_tool):
    """(GFLOP/s on THREADS threads, label): loom-fma-peak's number, else a sgemm ceiling."""
    if os.path.exists(peak_tool):
        r = run_tool([peak_tool], 300)
        found = dict(re.findall(r"(peak_gflops_\w+)=([0-9.]+)", r.stdout + r.stderr))
        key = f"peak_gflops_{THREADS}threads"
        if r.returncode == 0 and key in found:
            return float(found[key]), f"FMA peak ({THREADS} threads, loom-fma-peak)"
        print(f"note: {peak_tool} gave no {key}: {r.describe()}", file=sys.stderr)
    n = 2048
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(5))
    return 2 * n ** 3 / best / 1e9, \
        f"sgemm ceiling (PyTorch {n}^3 sgemm, {THREADS} threads), not FMA peak"


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ---- one benchmark

class Prepared:
    """Files and models for one benchmark: spec, weights, inputs, PyTorch model and output."""

    def __init__(self, bench, workdir, seed=0):
        self.bench, self.dir = bench, os.path.join(workdir, bench.name)
        os.makedirs(self.dir, exist_ok=True)
        self.spec_path = os.path.join(self.dir, f"{bench.spec['name']}.yaml")
        loom_torch.write_spec(self.spec_path, bench.spec)
        self.model = loom_torch.build_model(bench.spec, seed)
        self.weights = os.path.join(self.dir, "weights.safetensors")
        loom_torch.save_safetensors(self.weights, self.model.state_dict())
        s, rng = self.model.spec, np.random.default_rng(seed)
        arrays = []
        if bench.src:
            arrays += loom_torch.random_tokens(rng, bench.batch, bench.src, s["src_vocab"],
                                               s["pad_id"], np.full(bench.batch, bench.src))
        if bench.tgt:
            arrays += loom_torch.random_tokens(rng, bench.batch, bench.tgt, s["tgt_vocab"],
                                               s["pad_id"], np.full(bench.batch, bench.tgt))
        names = loom_torch.input_names(s["architecture"])
        self.input_paths = [os.path.join(self.dir, f"{n}.npy") for n in names]
        for path, a in zip(self.input_paths, arrays):
            np.save(path, a.astype(np.int32))
        self.inputs = [torch.from_numpy(a) for a in arrays]
        self.expected = self.run_torch()

    @torch.no_grad()
    def run_torch(self):
        return self.model.run_forward(self.inputs).numpy()

    def torch_round(self, iterations):
        """Times `iterations` PyTorch forwards; returns the list of milliseconds."""
        return [_timed(self.run_torch) * 1e3 for _ in range(iterations)]

    def loom_round(self, loom_run, module, iterations, out):
        """One loom-run process with --repeat; returns (median ms, Result)."""
        r = run_tool(loom_run_argv(loom_run, module, self.weights, "forward", self.input_paths,
                                   [out], [f"--threads={THREADS}", f"--repeat={iterations}"]),
                     600)
        m = re.search(r"time_ms median=([0-9.eE+-]+)", r.stderr)
        return (float(m.group(1)) if r.returncode == 0 and m else None), r


def max_scaled_error(got, expected):
    """max |got - expected| / max(1, |expected|) (every position is valid: no padding here)."""
    if got.shape != expected.shape:
        return float("nan")
    return float((np.abs(got.astype(np.float64) - expected) /
                  np.maximum(1.0, np.abs(expected))).max())


class Engine:
    """A Loom build to time: its compiler and loom-run, and a label for errors."""

    def __init__(self, key, compiler, loom_run):
        self.key, self.compiler, self.loom_run = key, compiler, loom_run
        self.module = None


def run_bench(bench, args, engines, workdir):
    """Interleaved rounds for one benchmark; returns a dict of results for the table."""
    prep = Prepared(bench, workdir)
    result = {"bench": bench, "flops": forward_flops(bench.spec, bench.batch, bench.src,
                                                     bench.tgt)}
    iterations = args.repeat or bench.repeat
    shapes = f"B={bench.batch},S={bench.src or 1},T={bench.tgt or 1}"
    for e in engines:
        e.module, compiled = e.compiler.compile(prep.spec_path, bench.spec["name"],
                                                os.path.join(prep.dir, e.key), shapes)
        if e.module is None:
            result[f"{e.key}_error"] = "compile failed: " + compiled.describe()
    prep.torch_round(2)  # warm-up
    torch_ms, times = [], {e.key: [] for e in engines}
    for _ in range(args.rounds):
        torch_ms += prep.torch_round(iterations)
        for e in engines:
            if e.module is None:
                continue
            time.sleep(SETTLE_SECONDS)
            out = os.path.join(prep.dir, f"{e.key}_out.npy")
            median, r = prep.loom_round(e.loom_run, e.module, iterations, out)
            if median is None:
                result[f"{e.key}_error"] = "loom-run failed: " + r.describe()
                e.module = None
                continue
            times[e.key].append(median)
            result.setdefault(f"{e.key}_err", max_scaled_error(np.load(out), prep.expected))
    result["torch_ms"] = statistics.median(torch_ms)
    for key, ms in times.items():
        result[f"{key}_ms"] = statistics.median(ms) if ms else None
    return result


# ---- report

def markdown_table(results, peak, peak_label, extra, baseline=None):
    """The results as a Markdown table, with a legend. `extra` names the engines timed
    besides the default Loom build ("baseline", "tuned"): each adds its columns."""
    head = ["model", "shape", "GFLOP", "PyTorch ms", "Loom ms", "PyTorch/Loom",
            "PyTorch GFLOP/s (% peak)", "Loom GFLOP/s (% peak)", "Loom max err"]
    for key in extra:
        head += [f"{key} ms", f"PyTorch/{key}", f"Loom/{key}", f"{key} GFLOP/s (% peak)",
                 f"{key} max err"]
    rows = []
    for r in results:
        gflop = r["flops"] / 1e9
        t, lm = r["torch_ms"], r.get("loom_ms")

        def rate(ms):
            g = gflop / (ms / 1e3)
            return f"{g:.1f} ({100 * g / peak:.0f}%)"

        def err(key):
            return f"{r[key]:.1e}" if key in r else "n/a"

        def ratio(a, b):
            return f"{a / b:.2f}x" if a and b else "n/a"

        row = [r["bench"].name, r["bench"].shape, f"{gflop:.2f}", f"{t:.2f}",
               f"{lm:.2f}" if lm else "n/a", ratio(t, lm),
               rate(t), rate(lm) if lm else "n/a", err("loom_err")]
        for key in extra:
            em = r.get(f"{key}_ms")
            row += [f"{em:.2f}" if em else "n/a", ratio(t, em), ratio(lm, em),
                    rate(em) if em else "n/a", err(f"{key}_err")]
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines.append("")
    lines.append(f"Peak: {peak:.1f} GFLOP/s = {peak_label}. Times are medians; Loom's exclude "
                 f"process start-up and weight loading. {THREADS} threads each; "
                 f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}, "
                 f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}.")
    if baseline:
        lines.append(f"Baseline: the Loom build in {baseline}, timed in the same rounds.")
    if "tuned" in extra:
        lines.append("Tuned: the same build, compiled with the records `loomc tune` wrote "
                     "for the benchmark's shapes in this run.")
    for r in results:
        for key in ["loom"] + list(extra):
            if f"{key}_error" in r:
                lines.append(f"- {r['bench'].name} ({key}): {r[f'{key}_error']}")
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tool_arguments(p)
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this benchmark (" + ", ".join(b.name for b in BENCHES) + ")")
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds per engine")
    p.add_argument("--repeat", type=int, default=0,
                   help="timed iterations per round (default: per benchmark)")
    p.add_argument("--peak-tool", default=os.path.join(REPO_ROOT, "build/bin/loom-fma-peak"))
    p.add_argument("--torch-only", action="store_true", help="time PyTorch only")
    p.add_argument("--keep", metavar="DIR", help="keep specs, modules, weights, inputs here")
    p.add_argument("--baseline", metavar="BUILD_DIR",
                   help="also time this Loom build (its bin/loomc and bin/loom-run)")
    p.add_argument("--tune-seconds", type=float, default=0, metavar="N",
                   help="also time libraries tuned for N seconds each (loomc tune)")
    args = p.parse_args(argv)
    torch.set_num_threads(THREADS)
    benches = [b for b in BENCHES if not args.only or b.name in args.only]
    if not benches:
        p.error(f"no benchmark named {args.only}")
    engines = []
    if not args.torch_only:
        engines.append(Engine("loom", Compiler(tool_path(args.loomc, "LOOMC", "build/bin/loomc")),
                              tool_path(args.loom_run, "LOOM_RUN", "build/bin/loom-run")))
        if args.baseline:
            engines.append(Engine("baseline",
                                  Compiler(os.path.join(args.baseline, "bin", "loomc")),
                                  os.path.join(args.baseline, "bin", "loom-run")))
        if args.tune_seconds:
            engines.append(Engine("tuned", Compiler(engines[0].compiler.loomc,
                                                    tune_seconds=args.tune_seconds),
                                  engines[0].loom_run))

    workdir = args.keep or tempfile.mkdtemp(prefix="loom-bench-")
    os.makedirs(workdir, exist_ok=True)
    try:
        peak, peak_label = measure_peak(args.peak_tool)
        results = []
        for bench in benches:
            print(f"running {bench.name} ({bench.shape}) ...", file=sys.stderr, flush=True)
            results.append(run_bench(bench, args, engines, workdir))
        extra = [e.key for e in engines[1:]]
        print(markdown_table(results, peak, peak_label, extra, args.baseline))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
