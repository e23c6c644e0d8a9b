#!/usr/bin/python3
"""Tuning benchmark: the three benchmark models, default against tuned schedules, one run.

Runs bench_inference.py with --tune-seconds N (default 600: `loomc tune` gets N seconds
per model at the benchmark's shapes, then the model is compiled with its records) and
times PyTorch, the default library and the tuned one in interleaved rounds. Then, per
kernel of each model, the default and the tuned schedule's time and % of the FMA peak
as `loomc tune` measured them (its records, kept under --keep), and the model's
end-to-end ratios (bench_inference's table).

  /usr/bin/python3 test/bench/bench_tuning.py [--tune-seconds 600] [--only NAME]
                                               [--rounds 5] [--keep DIR]

A benchmark, not a test: it asserts nothing about time.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def measured_peak(peak_tool, threads=2):
    """GFLOP/s of this machine's FMA peak on `threads` threads (loom-fma-peak N)."""
    out = subprocess.run([peak_tool, str(threads)], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    return float(out.strip().split("=")[1])


def kernel_table(keep, peak):
    """Markdown rows: per model and kernel, default and best tuned time from the records."""
    lines = ["| model | kernel | default us (% peak) | tuned us (% peak) | speedup | "
             "Adams2019 us (% peak) | tried |", "|---|---|---|---|---|---|---|"]
    for model in sorted(os.listdir(keep)):
        path = os.path.join(keep, model, "tuned", "tuning.jsonl")
        if not os.path.exists(path):
            continue
        best, tried, adams = {}, {}, {}
        for line in open(path):
            r = json.loads(line)
            tried[r["kernel"]] = tried.get(r["kernel"], 0) + 1
            if r["schedule"].get("scheduler") == 2:  # Halide's autoscheduler: the baseline
                adams[r["kernel"]] = r
                continue
            if r["status"] == "ok" and (r["kernel"] not in best or
                                        r["median_us"] < best[r["kernel"]]["median_us"]):
                best[r["kernel"]] = r

        def rate(r, us):
            if not r.get("flops"):
                return f"{us:.1f}"
            return f"{us:.1f} ({100 * r['flops'] / (us * 1e3) / peak:.0f}%)"

        for kernel, r in best.items():
            a = adams.get(kernel)
            baseline = "-" if not a else rate(a, a["median_us"]) if a["status"] == "ok" \
                else a["status"]
            lines.append(f"| {model} | {kernel} | {rate(r, r['default_us'])} | "
                         f"{rate(r, r['median_us'])} | {r['default_us'] / r['median_us']:.2f}x | "
                         f"{baseline} | {tried[kernel]} |")
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tune-seconds", type=float, default=600)
    p.add_argument("--only", action="append", metavar="NAME")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--keep", metavar="DIR", help="keep specs, libraries and records here")
    p.add_argument("--peak-tool", default=os.path.join(HERE, "..", "..", "build/bin/loom-fma-peak"))
    args = p.parse_args(argv)
    keep = args.keep or tempfile.mkdtemp(prefix="loom-bench-tuning-")
    bench = [sys.executable, os.path.join(HERE, "bench_inference.py"),
             f"--tune-seconds={args.tune_seconds}", f"--rounds={args.rounds}", f"--keep={keep}"]
    for name in args.only or []:
        bench.append(f"--only={name}")
    try:
        if subprocess.run(bench).returncode != 0:
            return 1
        print()
        print(kernel_table(keep, measured_peak(args.peak_tool)))
        print(f"\nPer-kernel times: loomc tune's medians (2 threads; the workload's calls "
              f"summed), % of the FMA peak measured now.")
    finally:
        if not args.keep:
            shutil.rmtree(keep, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
