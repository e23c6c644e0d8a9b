#!/usr/bin/python3
"""Plots a training run of the translator from the trainer's metrics log.

  plot_training.py --metrics METRICS.jsonl --out loss.png

The log is JSON lines, one record a line (blank lines are skipped):

  {"kind":"start", "time_s":0, ...config fields...}
  {"kind":"step",  "step":N, "epoch":E, "time_s":T, "loss":L, "lr":X, "tgt_tokens":K, "tokens_per_s":R}
  {"kind":"valid", "step":N, "epoch":E, "time_s":T, "loss":L, "bleu":B, "tgt_tokens":K}

time_s is the training time so far, continuing across resumed runs (each run
starts with a "start" record; the later ones are marked "resumed" on the
plot). Unknown kinds and fields are ignored; a line that is not a JSON object,
or a step/valid record without its numbers, is an error naming the line.

The PNG has two panels against training time in minutes, with the step at
the top: (a) the training loss of each logged step and the validation loss of
each validation; (b) the validation BLEU.

The attention heatmaps are in attention_plot.py (plot_attention).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

REQUIRED = {"step": ("step", "time_s", "loss"), "valid": ("step", "time_s", "loss")}


class MetricsError(Exception):
    pass


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def read_metrics(path):
    """{"start": [records], "step": [records], "valid": [records]} in file order."""
    runs = {"start": [], "step": [], "valid": []}
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise MetricsError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise MetricsError(f"{path}:{number}: malformed line (not JSON: {e})")
        if not isinstance(record, dict):
            raise MetricsError(f"{path}:{number}: malformed line (not a JSON object)")
        kind = record.get("kind")
        if kind not in runs:
            continue  # unknown kinds are for other readers
        for field in REQUIRED.get(kind, ()):
            if not _number(record.get(field)):
                raise MetricsError(f"{path}:{number}: malformed line ({kind} record without "
                                   f"a number in '{field}')")
        if kind == "valid" and "bleu" in record and record["bleu"] is not None \
                and not _number(record["bleu"]):
            raise MetricsError(f"{path}:{number}: malformed line ('bleu' is not a number)")
        if kind == "start" and not _number(record.get("time_s", 0)):
            raise MetricsError(f"{path}:{number}: malformed line ('time_s' is not a number)")
        runs[kind].append(record)
    return runs


def _step_axis(ax, steps, times):
    """A top axis on `ax` (minutes) that shows the step. When the step grows
    with time, round step numbers are placed at the time they were reached;
    otherwise (a resumed run redid steps) the minute ticks are labelled with
    the step reached then."""
    top = ax.twiny()
    lo, hi = ax.get_xlim()
    top.set_xlim(lo, hi)
    order = np.argsort(times, kind="stable")
    t_sorted = np.asarray(times, dtype=float)[order]
    s_sorted = np.asarray(steps, dtype=float)[order]
    if len(s_sorted) > 1 and np.all(np.diff(s_sorted) >= 0) and s_sorted[-1] > s_sorted[0]:
        s_sorted, first = np.unique(s_sorted, return_index=True)
        t_sorted = t_sorted[first]
        values = matplotlib.ticker.MaxNLocator(nbins=6, integer=True).tick_values(
            s_sorted[0], s_sorted[-1])
        values = [v for v in values if s_sorted[0] <= v <= s_sorted[-1]]
        top.set_xticks([float(np.interp(v, s_sorted, t_sorted)) for v in values])
        top.set_xticklabels([f"{int(v):,}" for v in values])
    else:
        ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
        top.set_xticks(ticks)
        top.set_xticklabels([f"{int(round(np.interp(t, t_sorted, s_sorted))):,}" for t in ticks])
    top.set_xlabel("step")
    return top


def plot_training(runs, out_path, title=None):
    steps, valid = runs["step"], runs["valid"]
    if not steps and not valid:
        raise MetricsError("the metrics log has no step or valid record")
    fig, (ax_loss, ax_bleu) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")

    all_t = [r["time_s"] / 60 for r in steps + valid]
    all_s = [r["step"] for r in steps + valid]

    if steps:
        t = np.array([r["time_s"] / 60 for r in steps])
        loss = np.array([r["loss"] for r in steps])
        ax_loss.plot(t, loss, color="tab:blue", alpha=0.35 if len(steps) > 50 else 0.9,
                     linewidth=0.8, label="training loss (per logged step)")
        if len(steps) > 50:
            window = max(5, len(steps) // 50)
            smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
            ax_loss.plot(t[window - 1:], smooth, color="tab:blue", linewidth=1.8,
                         label=f"training loss (mean of {window} logged steps)")
    if valid:
        tv = [r["time_s"] / 60 for r in valid]
        ax_loss.plot(tv, [r["loss"] for r in valid], "o-", color="tab:orange", markersize=4,
                     linewidth=1.5, label="validation loss")
    ax_loss.set_xlabel("training time (minutes)")
    ax_loss.set_ylabel("loss per target token")
    ax_loss.set_title("(a) loss", loc="left")
    ax_loss.grid(True, alpha=0.3)

    bleu = [(r["time_s"] / 60, r["bleu"]) for r in valid if _number(r.get("bleu"))]
    if bleu:
        ax_bleu.plot(*zip(*bleu), "o-", color="tab:green", markersize=4, linewidth=1.5,
                     label="validation BLEU")
        best_t, best_b = max(bleu, key=lambda p: p[1])
        ax_bleu.annotate(f"best {best_b:.2f}", (best_t, best_b), xytext=(0, 8),
                         textcoords="offset points", ha="center", fontsize=9)
        top = max(b for _, b in bleu)
        ax_bleu.set_ylim(0, max(1.0, top * 1.15))
        ax_bleu.legend(loc="lower right")
    else:
        ax_bleu.text(0.5, 0.5, "no validation BLEU yet", ha="center", va="center",
                     transform=ax_bleu.transAxes, color="gray")
    ax_bleu.set_xlabel("training time (minutes)")
    ax_bleu.set_ylabel("BLEU (validation set)")
    ax_bleu.set_title("(b) validation BLEU", loc="left")
    ax_bleu.grid(True, alpha=0.3)

    # The same time range on both panels, resumed runs marked.
    lo, hi = min(all_t), max(all_t)
    pad = (hi - lo) * 0.03 or 0.5
    resumes = [r.get("time_s", 0) / 60 for r in runs["start"][1:]]
    for ax in (ax_loss, ax_bleu):
        ax.set_xlim(max(0.0, lo - pad) if lo >= 0 else lo - pad, hi + pad)
        for i, t in enumerate(resumes):
            ax.axvline(t, color="gray", linestyle=":", linewidth=1,
                       label="resumed" if i == 0 and ax is ax_loss else None)
        _step_axis(ax, all_s, all_t)
    ax_loss.legend(loc="upper right")

    if title is None:
        last = steps[-1] if steps else valid[-1]
        parts = [f"{len(steps)} logged steps", f"last step {last['step']:,}",
                 f"{last['time_s'] / 60:.1f} min"]
        rates = [r["tokens_per_s"] for r in steps if _number(r.get("tokens_per_s"))]
        if rates:
            parts.append(f"{np.median(rates):,.0f} target tokens/s (median)")
        title = "Translator training: " + ", ".join(parts)
    fig.suptitle(title)
    tmp = f"{out_path}.tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, out_path)


def main(argv):
    parser = argparse.ArgumentParser(description="Plot the translator's training metrics.")
    parser.add_argument("--metrics", required=True, help="metrics log (JSON lines)")
    parser.add_argument("--out", required=True, help="output PNG (e.g. loss.png)")
    parser.add_argument("--title", help="figure title (default: a summary of the run)")
    args = parser.parse_args(argv)
    try:
        plot_training(read_metrics(args.metrics), args.out, args.title)
    except MetricsError as e:
        print(f"plot_training: error: {e}", file=sys.stderr)
        return 1
    print(f"plot_training: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
