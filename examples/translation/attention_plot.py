#!/usr/bin/python3
"""Attention heatmaps, as d2l's show_heatmaps draws them.

  from attention_plot import plot_attention
  plot_attention("attention.png", [(source_pieces, target_pieces, weights), ...])

Each panel is one sentence: source_pieces (list[str], S subwords), target_pieces
(list[str], T subwords) and weights (array [heads, T, S]: for each head, the
attention of each target position over the source positions, e.g. one decoder
layer's cross-attention). Each sentence is one row of the figure: the
head-averaged heatmap first (large, with every subword on its axes: source
along x, target along y), then one small panel per head (same axes, labelled
only by position), and a colorbar for the row. Colors share one scale per row,
from 0 to the row's largest weight.

  attention_plot.py --demo OUT.png     draws synthetic attention (a check of the layout)
"""
import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

CELL_IN = 0.26      # inches per subword on the mean panel
HEAD_MAX_IN = 2.8   # the largest side of a head's panel, in inches


def _check_panel(index, panel):
    try:
        source, target, weights = panel
    except (TypeError, ValueError):
        raise ValueError(f"panel {index}: expected (source_pieces, target_pieces, weights)")
    weights = np.asarray(weights, dtype=np.float64)
    if weights.ndim == 2:
        weights = weights[None]
    if weights.ndim != 3 or weights.shape[1:] != (len(target), len(source)):
        raise ValueError(f"panel {index}: weights have shape {weights.shape}, expected "
                         f"[heads, {len(target)}, {len(source)}] for {len(target)} target and "
                         f"{len(source)} source pieces")
    return [str(p) for p in source], [str(p) for p in target], weights


def _row_layout(source, target, heads):
    """Sizes in inches of one sentence's row: the mean panel (square cells of
    CELL_IN) and beside it a grid of head panels, `lines` lines that together
    are as high as the mean panel, each head panel at most HEAD_MAX_IN a side
    and shaped like the mean one."""
    S, T = len(source), len(target)
    cell = max(CELL_IN, 1.2 / max(S, T))  # short sentences: larger cells
    mean_w, mean_h = cell * S, cell * T
    lines = min(heads, max(1, math.ceil(mean_h / HEAD_MAX_IN)))
    cols = math.ceil(heads / lines)
    lines = math.ceil(heads / cols)
    head_h = max(0.6, (mean_h - 0.3 * (lines - 1)) / lines)
    head_w = max(0.5, head_h * S / T)
    if head_w > HEAD_MAX_IN:  # a wide sentence: flat panels, 4 a line
        head_w, head_h = HEAD_MAX_IN, max(0.3, HEAD_MAX_IN * T / S)
        cols = min(cols, 4)
        lines = math.ceil(heads / cols)
    label_w = 0.5 + 0.075 * max(len(p) for p in target)
    label_h = 0.5 + 0.075 * max(len(p) for p in source)
    return dict(mean_w=mean_w, mean_h=mean_h, lines=lines, cols=cols, head_w=head_w,
                width=label_w + mean_w + cols * (head_w + 0.15) + 1.0,
                height=max(mean_h, lines * (head_h + 0.3)) + label_h + 0.3)


def plot_attention(path, panels, title=None, head_titles=True):
    """Writes the heatmaps of `panels` (see the module docstring) to `path` (PNG)."""
    panels = [_check_panel(i, p) for i, p in enumerate(panels)]
    if not panels:
        raise ValueError("no panel to draw")
    layouts = [_row_layout(s, t, w.shape[0]) for s, t, w in panels]
    width = max(lay["width"] for lay in layouts)
    heights = [lay["height"] for lay in layouts]
    fig = plt.figure(figsize=(width, sum(heights) + (0.5 if title else 0)), layout="constrained")
    subfigs = fig.subfigures(len(panels), 1, height_ratios=heights, squeeze=False)[:, 0]

    for row, (subfig, lay, (source, target, weights)) in enumerate(zip(subfigs, layouts, panels)):
        heads = weights.shape[0]
        vmax = float(weights.max()) if weights.size and weights.max() > 0 else 1.0
        spare = max(0.01, width - lay["width"])
        grid = subfig.add_gridspec(lay["lines"], 2 + lay["cols"], width_ratios=[lay["mean_w"]]
                                   + [lay["head_w"]] * lay["cols"] + [spare])
        ax = subfig.add_subplot(grid[:, 0])
        image = ax.imshow(weights.mean(axis=0), cmap="Reds", vmin=0, vmax=vmax,
                          aspect="equal", interpolation="nearest")
        ax.set_xticks(range(len(source)))
        ax.set_xticklabels(source, rotation=90, fontsize=9)
        ax.set_yticks(range(len(target)))
        ax.set_yticklabels(target, fontsize=9)
        ax.set_xlabel("source subwords", fontsize=9)
        ax.set_ylabel("target subwords", fontsize=9)
        ax.set_title(f"sentence {row + 1}\nmean of {heads} heads", fontsize=9)
        head_axes = []
        for h in range(heads):
            hax = subfig.add_subplot(grid[h // lay["cols"], 1 + h % lay["cols"]])
            hax.imshow(weights[h], cmap="Reds", vmin=0, vmax=vmax, aspect="equal",
                       interpolation="nearest")
            hax.set_xticks([])
            hax.set_yticks([])
            if head_titles:
                hax.set_title(f"head {h + 1}", fontsize=8)
            head_axes.append(hax)
        bar = subfig.colorbar(image, ax=[ax] + head_axes, shrink=0.8, pad=0.01, aspect=25)
        bar.ax.tick_params(labelsize=8)
        bar.set_label("attention weight", fontsize=8)
    if title:
        fig.suptitle(title)
    tmp = f"{path}.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    os.replace(tmp, path)


def demo_panels(heads=8, seed=0):
    """Synthetic cross-attention: each target piece attends mostly to a
    monotone-ish aligned source piece, a different sharpness per head."""
    rng = np.random.default_rng(seed)
    sentences = [
        ("▁the ▁file ▁does ▁not ▁exist .".split(),
         "▁le ▁fichier ▁n ' existe ▁pas .".split()),
        ("▁cannot ▁open ▁director y ▁%s".split(),
         "▁impossible ▁d ' ouvrir ▁le ▁répertoire ▁« ▁%s ▁»".split()),
    ]
    panels = []
    for source, target in sentences:
        S, T = len(source), len(target)
        align = np.round(np.linspace(0, S - 1, T)).astype(int)
        weights = np.empty((heads, T, S))
        for h in range(heads):
            sharp = 0.5 + h * 0.6
            logits = -sharp * (np.arange(S)[None, :] - align[:, None]) ** 2
            logits += rng.normal(0, 0.5, (T, S))
            if h == heads - 1:
                logits[:, -1] += 3  # a head that looks at the last piece
            w = np.exp(logits - logits.max(axis=1, keepdims=True))
            weights[h] = w / w.sum(axis=1, keepdims=True)
        panels.append((source, target, weights))
    return panels


def main(argv):
    parser = argparse.ArgumentParser(description="Attention heatmaps (d2l's show_heatmaps).")
    parser.add_argument("--demo", metavar="OUT.png", required=True,
                        help="draw synthetic cross-attention into OUT.png")
    parser.add_argument("--heads", type=int, default=8)
    args = parser.parse_args(argv)
    plot_attention(args.demo, demo_panels(args.heads), title="Cross-attention (synthetic)")
    print(f"attention_plot: wrote {args.demo}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
