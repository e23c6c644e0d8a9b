#!/usr/bin/python3
"""Training parity: Loom's train_step against PyTorch's training of the same model.

For every case: writes the spec (dropout 0: PyTorch's dropout masks cannot be
reproduced; Loom's dropout is tested for determinism by test/loom-run/train-step.test),
compiles it once, initialises weights from a seed (loom_torch.build_model: PyTorch's
init with LayerNorm gains and biases perturbed), draws padded inputs and labels (some
labels pad_id, one row of only pad_id labels where the batch allows), runs
`loom-run --function=train_step --steps=K` and trains loom_torch's model the same K
steps (model.train(), mean label-smoothed cross-entropy over labels != pad_id,
torch.optim.Adam with the spec's betas and eps). Compares
  every weight after K steps   |loom - torch| <= 1e-4 * max(1, |torch|)
  the loss of every step       the same bound

PyTorch runs in float64: the reference is the exact computation, and float32 PyTorch
differs from it by up to 2e-3 in one place, the key projection's bias. That bias cannot
change the loss (softmax is invariant to a constant added to every score of a row), so
its exact gradient is 0; float32 PyTorch accumulates rounding noise of the order of
1e-7 there, which Adam's normalised step (m / sqrt(v)) turns into a full-size update.
Loom zeroes that gradient (--loom-zero-key-bias-gradient), as float64 does. Every other
weight of float32 PyTorch agrees with float64 to about 2e-7; the line prints float32
PyTorch's distance to Loom too (`f32_err`, informative).

  /usr/bin/python3 test/parity/run_train_parity.py
  LOOM_ISA=avx2 /usr/bin/python3 test/parity/run_train_parity.py   # the AVX2 kernels
  /usr/bin/python3 test/parity/run_train_parity.py --only dec_pre_gelu --keep /tmp/t

Prints one line per case and a final "N passed, M failed"; exits non-zero on a failure.
"""
import argparse
import copy
import dataclasses
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402
from loom_tools import (Compiler, add_tool_arguments, finish, loom_run_argv, run_cases,  # noqa: E402
                        run_tool, tool_path)

TOLERANCE = 1e-4


def _ed(**kw):
    return {"architecture": "encoder_decoder", **kw}


# Between them: post- and pre-norm, relu and gelu, label smoothing 0 and 0.1, one head,
# head dims 4 to 10, final_norm on and off, encoder-decoder and decoder-only.
SPECS = {
    "ed_post_relu": _ed(d_model=32, heads=4, ffn_hidden=48, encoder_layers=2, decoder_layers=2,
                        src_vocab=37, tgt_vocab=43, max_len=40),
    "ed_pre_gelu_ls": _ed(d_model=40, heads=4, ffn_hidden=56, encoder_layers=1,
                          decoder_layers=2, src_vocab=29, tgt_vocab=31, max_len=32,
                          activation="gelu", norm_first=True, label_smoothing=0.1),
    "ed_one_head_ls": _ed(d_model=24, heads=1, ffn_hidden=40, encoder_layers=1,
                          decoder_layers=1, src_vocab=19, tgt_vocab=23, max_len=24,
                          final_norm=False, label_smoothing=0.1, adam_beta2=0.999,
                          adam_eps=1e-8),
    "dec_pre_gelu": {"architecture": "decoder", "d_model": 32, "heads": 4, "ffn_hidden": 64,
                     "decoder_layers": 2, "tgt_vocab": 41, "max_len": 40, "norm_first": True,
                     "activation": "gelu"},
    "dec_post_relu_ls": {"architecture": "decoder", "d_model": 24, "heads": 3,
                         "ffn_hidden": 40, "decoder_layers": 1, "tgt_vocab": 17,
                         "max_len": 24, "label_smoothing": 0.1},
}


@dataclasses.dataclass
class Case:
    """K train steps of one compiled spec on one batch."""
    spec_name: str
    label: str
    batch: int = 4
    src: int = 0  # S; 0 for decoder-only
    tgt: int = 7  # T
    steps: int = 3
    lr: float = 1e-3
    seed: int = 0
    padded: bool = True
    pad_row: bool = True  # one row whose labels are all pad_id
    threads: int = 2
    int_dtype: str = "int64"

    @property
    def name(self):
        return f"{self.spec_name}/{self.label}"

    @property
    def spec(self):
        return {**SPECS[self.spec_name], "dropout": 0.0}


def fixed_cases():
    c = []

    def add(spec_name, label, **kw):
        c.append(Case(spec_name, label, seed=len(c) + 1, **kw))

    add("ed_post_relu", "b4_s9_t7", src=9, tgt=7)
    # No one-row batch of a few positions: attention over one key has exactly zero
    # query and key gradients (over two or three, nearly zero), and Adam's normalised
    # step turns float32 rounding noise there into steps of lr (float32 PyTorch's
    # weights then differ from float64's by 4e-3 too).
    add("ed_post_relu", "b1_s5_t6_full", batch=1, src=5, tgt=6, padded=False, pad_row=False,
        threads=1, int_dtype="int32")
    add("ed_pre_gelu_ls", "b3_s13_t11", batch=3, src=13, tgt=11, lr=3e-3)
    add("ed_one_head_ls", "b5_s5_t9", batch=5, src=5, tgt=9, steps=4, int_dtype="int32")
    add("dec_pre_gelu", "b4_t13", tgt=13)
    add("dec_pre_gelu", "b2_t40_max_len", batch=2, tgt=40, padded=False, pad_row=False,
        steps=2, threads=1)
    add("dec_post_relu_ls", "b6_t5", batch=6, tgt=5, lr=1e-2)
    return c


# ---- inputs and PyTorch's training

def make_batch(case, spec, rng):
    """(inputs in loom-run's order, labels) as int64 arrays."""
    inputs = []
    sides = [] if spec["architecture"] == "decoder" else [(case.src, spec["src_vocab"])]
    sides.append((case.tgt, spec["tgt_vocab"]))
    for length, vocab in sides:
        lengths = None if case.padded else np.full(case.batch, length)
        inputs += loom_torch.random_tokens(rng, case.batch, length, vocab, spec["pad_id"],
                                           lengths)
    tgt_len = inputs[-1]
    pad = spec["pad_id"]
    labels = rng.integers(0, spec["tgt_vocab"], (case.batch, case.tgt)).astype(np.int64)
    labels[~loom_torch.valid_positions(tgt_len, case.tgt)] = pad
    if case.pad_row and case.batch > 1:
        labels[case.batch - 1] = pad
    return inputs, labels


def torch_train(model, spec, inputs, labels, case, dtype):
    """Trains a copy of `model` in `dtype`; returns (state_dict as float64, losses)."""
    m = copy.deepcopy(model).to(dtype)
    m.train()
    opt = torch.optim.Adam(m.parameters(), lr=case.lr,
                           betas=(spec["adam_beta1"], spec["adam_beta2"]), eps=spec["adam_eps"])
    x = [torch.from_numpy(a) for a in inputs]
    y = torch.from_numpy(labels).reshape(-1)
    losses = []
    for _ in range(case.steps):
        opt.zero_grad()
        logits = m.run_forward(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y,
                                           ignore_index=spec["pad_id"],
                                           label_smoothing=spec["label_smoothing"])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return {k: v.detach().double() for k, v in m.state_dict().items()}, np.array(losses)


def worst_error(got, expected):
    """(max scaled error, where) over dicts of tensors (or one pair of arrays)."""
    worst, where = 0.0, ""
    for name, ref in expected.items():
        a = torch.as_tensor(np.asarray(got[name], dtype=np.float64))
        if a.shape != ref.shape:
            return float("inf"), f"{name}: shape {tuple(a.shape)} != {tuple(ref.shape)}"
        err = ((a - ref).abs() / ref.abs().clamp(min=1.0)).max().item() if ref.numel() else 0.0
        if not np.isfinite(err) or err > worst:
            worst, where = err, name
    return worst, where


class Runner:
    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.loomc = tool_path(args.loomc, "LOOMC", "build/bin/loomc")
        self.loom_run = tool_path(args.loom_run, "LOOM_RUN", "build/bin/loom-run")
        self.compiler = Compiler(self.loomc, args.compile_timeout)

    def run(self, case):
        spec_path = os.path.join(self.workdir, "specs", f"{case.spec_name}.yaml")
        os.makedirs(os.path.dirname(spec_path), exist_ok=True)
        loom_torch.write_spec(spec_path, {"name": case.spec_name, **case.spec})
        spec = loom_torch.load_spec(spec_path)
        model = loom_torch.build_model(spec, case.seed)
        inputs, labels = make_batch(case, spec, np.random.default_rng(case.seed))

        case_dir = os.path.join(self.workdir, "cases", case.name.replace("/", "__"))
        os.makedirs(case_dir, exist_ok=True)
        weights = os.path.join(case_dir, "weights.safetensors")
        loom_torch.save_safetensors(weights, model.state_dict())
        names = loom_torch.input_names(spec["architecture"]) + ["labels"]
        paths = []
        for n, a in zip(names, inputs + [labels]):
            paths.append(os.path.join(case_dir, f"{n}.npy"))
            np.save(paths[-1], a.astype(case.int_dtype))

        lib, compiled = self.compiler.compile(spec_path, case.spec_name,
                                              os.path.join(self.workdir, "modules",
                                                           case.spec_name))
        if lib is None:
            return False, f"FAIL {case.name} compile: {compiled.describe()}"
        loss_path = os.path.join(case_dir, "loss.npy")
        trained = os.path.join(case_dir, "trained.safetensors")
        extra = [f"--steps={case.steps}", f"--lr={case.lr!r}", f"--threads={case.threads}",
                 f"--save-weights={trained}"]
        run = run_tool(loom_run_argv(self.loom_run, lib, weights, "train_step", paths,
                                     [loss_path], extra), self.args.run_timeout)
        if run.returncode != 0 or not os.path.exists(trained):
            return False, f"FAIL {case.name} loom-run: {run.describe()}"
        got = loom_torch.load_safetensors(trained)
        got_losses = np.load(loss_path)

        exact, exact_losses = torch_train(model, spec, inputs, labels, case, torch.float64)
        single, _ = torch_train(model, spec, inputs, labels, case, torch.float32)
        if set(got) != set(exact):
            return False, f"FAIL {case.name} weights differ: {sorted(set(got) ^ set(exact))}"
        w_err, w_where = worst_error(got, exact)
        l_err, _ = worst_error({"loss": got_losses}, {"loss": torch.from_numpy(exact_losses)})
        f32_err, f32_where = worst_error(got, single)
        ok = w_err <= TOLERANCE and l_err <= TOLERANCE
        line = (f"{case.name} steps={case.steps} weights_err={w_err:.3g} ({w_where}) "
                f"loss_err={l_err:.3g} f32_err={f32_err:.3g} ({f32_where}) "
                f"losses={' '.join(f'{v:.5f}' for v in got_losses)}")
        return ok, f"{'PASS' if ok else 'FAIL'} {line}"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tool_arguments(p)
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this case (or every case of this spec); repeatable")
    p.add_argument("--keep", metavar="DIR", help="keep specs, modules, weights, inputs here")
    p.add_argument("--list", action="store_true", help="list the case names and exit")
    p.add_argument("--compile-timeout", type=float, default=900)
    p.add_argument("--run-timeout", type=float, default=300)
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    cases = fixed_cases()
    if args.only:
        cases = [c for c in cases if c.name in args.only or c.spec_name in args.only]
        if not cases:
            p.error(f"no case named {args.only}")
    if args.list:
        for c in cases:
            print(c.name)
        return 0
    workdir = args.keep or tempfile.mkdtemp(prefix="loom-train-parity-")
    os.makedirs(workdir, exist_ok=True)
    try:
        passed, failed = run_cases(cases, Runner(args, workdir).run)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
