#!/usr/bin/python3
"""Parity tests: Loom-compiled models against loom_torch's PyTorch model.

For every case: writes the spec, compiles it once with `loomc compile SPEC -o DIR`,
initialises weights from a seed (PyTorch's default init, with LayerNorm gains and all
biases perturbed), draws padded token inputs, runs `loom-run` and compares with PyTorch
in eval mode:
  forward             at valid positions, |loom - torch| <= 1e-4 * max(1, |torch|)
  translate/generate  identical tokens (translate with a beam: reference_beam.py's)

  /usr/bin/python3 test/parity/run_parity.py                 # the fixed cases
  /usr/bin/python3 test/parity/run_parity.py --random 20 --seed 3
  /usr/bin/python3 test/parity/run_parity.py --only ed_post_relu/b5_s13_t11 --keep /tmp/p
  /usr/bin/python3 test/parity/run_parity.py --torch-only    # no Loom: checks the cases

Prints one line per case and a final "N passed, M failed"; exits non-zero on a failure.
"""
import argparse
import dataclasses
import os
import re
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402
import reference_beam  # noqa: E402
from loom_tools import (Compiler, add_tool_arguments, finish, loom_run_argv, run_cases, run_tool,  # noqa: E402
                        tool_path)

TOLERANCE = 1e-4
MIN_MARGIN = 1e-3  # smallest top-2 logit gap allowed on a decoding case's greedy path


# ---- the cases

def _ed(**kw):
    return {"architecture": "encoder_decoder", **kw}


# Specs of the fixed cases. Between them: every architecture, post- and pre-norm, relu and
# gelu, final_norm on and off, head dim 8, one head, d_model 24/32/40, vocabularies that
# are no multiple of 16, a non-default epsilon, and dropout (which inference ignores).
SPECS = {
    "ed_post_relu": _ed(d_model=32, heads=4, ffn_hidden=64, encoder_layers=2, decoder_layers=2,
                        src_vocab=37, tgt_vocab=43, max_len=64),
    "ed_pre_gelu": _ed(d_model=40, heads=5, ffn_hidden=72, encoder_layers=1, decoder_layers=2,
                       src_vocab=53, tgt_vocab=29, max_len=48, activation="gelu",
                       norm_first=True, final_norm=False, layer_norm_eps=1e-6),
    "ed_one_head": _ed(d_model=24, heads=1, ffn_hidden=48, encoder_layers=1, decoder_layers=1,
                       src_vocab=19, tgt_vocab=23, max_len=40, dropout=0.1),
    "enc_post_gelu": {"architecture": "encoder", "d_model": 24, "heads": 3, "ffn_hidden": 40,
                      "encoder_layers": 2, "src_vocab": 101, "max_len": 50,
                      "activation": "gelu"},
    "enc_pre_relu": {"architecture": "encoder", "d_model": 40, "heads": 5, "ffn_hidden": 56,
                     "encoder_layers": 1, "src_vocab": 31, "max_len": 40, "norm_first": True,
                     "final_norm": False},
    "dec_pre_gelu": {"architecture": "decoder", "d_model": 32, "heads": 4, "ffn_hidden": 96,
                     "decoder_layers": 2, "tgt_vocab": 61, "max_len": 64, "norm_first": True,
                     "activation": "gelu"},
    "dec_post_relu": {"architecture": "decoder", "d_model": 24, "heads": 1, "ffn_hidden": 40,
                      "decoder_layers": 1, "tgt_vocab": 17, "max_len": 40, "final_norm": False},
}


@dataclasses.dataclass
class Case:
    """One run of one function of one compiled spec on one set of inputs."""
    spec_name: str
    label: str
    spec: dict
    function: str = "forward"  # forward, translate or generate
    batch: int = 5
    src: int = 0  # S (encoder side); 0 where the architecture has none
    tgt: int = 0  # T (decoder side), or the prompt width of generate
    seed: int = 0
    padded: bool = True  # random lengths (row 0 full) instead of all rows full
    int_dtype: str = "int64"
    threads: int = 1
    max_new: int = 0
    eos_boost: bool = False  # raise eos's output bias so that some rows stop early
    beam: int = 0  # translate with --beam=N (reference_beam.py), 0: greedy
    length_penalty: float = 0.6

    @property
    def name(self):
        return f"{self.spec_name}/{self.label}"


def fixed_cases():
    """The default list: small enough for a few minutes once the specs are compiled."""
    c = []

    def add(spec_name, label, **kw):
        c.append(Case(spec_name, label, SPECS[spec_name], seed=len(c) + 1, **kw))

    add("ed_post_relu", "b5_s13_t11", src=13, tgt=11, threads=2)
    add("ed_post_relu", "b1_len1", batch=1, src=1, tgt=1, int_dtype="int32")
    add("ed_post_relu", "b5_s37_t37", src=37, tgt=37, int_dtype="int32")
    add("ed_post_relu", "b1_s64_t64_max_len", batch=1, src=64, tgt=64, padded=False, threads=2)
    add("ed_post_relu", "translate_b5", function="translate", src=13, max_new=10,
        eos_boost=True, threads=2)
    add("ed_pre_gelu", "b5_s13_t37", src=13, tgt=37)
    add("ed_pre_gelu", "b1_s16_t16", batch=1, src=16, tgt=16, padded=False, int_dtype="int32")
    add("ed_pre_gelu", "translate_b1", function="translate", batch=1, src=9, max_new=12)
    add("ed_one_head", "b5_s37_t13", src=37, tgt=13, threads=2)
    add("ed_one_head", "b1_s1_t5", batch=1, src=1, tgt=5)
    add("ed_one_head", "translate_b5", function="translate", src=11, max_new=8,
        int_dtype="int32")
    add("ed_post_relu", "beam4_b5", function="translate", src=13, max_new=10, beam=4,
        eos_boost=True, threads=2)
    add("ed_pre_gelu", "beam1_b5", function="translate", src=9, max_new=12, beam=1)
    add("ed_one_head", "beam3_b3_alpha0", function="translate", batch=3, src=11, max_new=8,
        beam=3, length_penalty=0.0, eos_boost=True)
    add("enc_post_gelu", "b5_s37", src=37, threads=2)
    add("enc_post_gelu", "b1_s1", batch=1, src=1, int_dtype="int32")
    add("enc_post_gelu", "b5_s13", src=13)
    add("enc_pre_relu", "b5_s13", src=13, int_dtype="int32")
    add("enc_pre_relu", "b1_s40_max_len", batch=1, src=40, padded=False, threads=2)
    add("dec_pre_gelu", "b5_t37", tgt=37, threads=2)
    add("dec_pre_gelu", "b1_t1", batch=1, tgt=1, int_dtype="int32")
    add("dec_pre_gelu", "b1_t64_max_len", batch=1, tgt=64, padded=False)
    add("dec_pre_gelu", "generate_b5", function="generate", tgt=13, max_new=12,
        eos_boost=True)
    add("dec_post_relu", "b5_t13", tgt=13)
    add("dec_post_relu", "b5_t16_full", tgt=16, padded=False, int_dtype="int32", threads=2)
    add("dec_post_relu", "generate_b1", function="generate", batch=1, tgt=5, max_new=8)
    return c


def random_spec(rng, name):
    """A random small spec (any architecture) for --random."""
    arch = str(rng.choice(loom_torch.ARCHITECTURES))
    heads = int(rng.integers(1, 6))
    head_dim = int(rng.choice([2, 4, 8, 12, 16]))
    spec = {"architecture": arch, "d_model": heads * head_dim, "heads": heads,
            "ffn_hidden": int(rng.integers(4, 130)), "max_len": int(rng.integers(16, 80)),
            "activation": str(rng.choice(["relu", "gelu"])),
            "norm_first": bool(rng.integers(2)), "final_norm": bool(rng.integers(2))}
    if arch != "decoder":
        spec["encoder_layers"] = int(rng.integers(1, 3))
        spec["src_vocab"] = int(rng.integers(8, 200))
    if arch != "encoder":
        spec["decoder_layers"] = int(rng.integers(1, 3))
        spec["tgt_vocab"] = int(rng.integers(8, 200))
    return spec


def random_cases(count, seed):
    """`count` random specs, each with a forward case and, for decoders, a decoding case."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(count):
        spec_name = f"rand_s{seed}_{i}"
        spec = random_spec(rng, spec_name)
        arch, max_len = spec["architecture"], spec["max_len"]
        common = dict(seed=seed * 1000 + i, batch=int(rng.integers(1, 7)),
                      int_dtype=str(rng.choice(["int32", "int64"])),
                      threads=int(rng.integers(1, 3)))
        src = int(rng.integers(1, max_len + 1)) if arch != "decoder" else 0
        tgt = int(rng.integers(1, max_len + 1)) if arch != "encoder" else 0
        cases.append(Case(spec_name, f"forward_b{common['batch']}", spec, src=src, tgt=tgt,
                          padded=bool(rng.integers(4)), **common))
        if arch != "encoder":
            max_new = int(rng.integers(8, 13))
            function = "translate" if arch == "encoder_decoder" else "generate"
            width = int(rng.integers(1, max_len - max_new + 2)) if arch == "decoder" else 0
            cases.append(Case(spec_name, function, spec, function=function, src=src, tgt=width,
                              max_new=max_new, eos_boost=bool(rng.integers(2)), **common))
    return cases


# ---- building one case

def make_inputs(case, model, rng):
    """The case's loom-run inputs as int64 numpy arrays, in loom-run's order."""
    s = model.spec
    tokens = []
    if case.function == "forward":
        if s["architecture"] != "decoder":
            tokens.append((case.src, s["src_vocab"]))
        if s["architecture"] != "encoder":
            tokens.append((case.tgt, s["tgt_vocab"]))
    elif case.function == "translate":
        tokens.append((case.src, s["src_vocab"]))
    else:
        tokens.append((case.tgt, s["tgt_vocab"]))
    inputs = []
    for length, vocab in tokens:
        lengths = None if case.padded else np.full(case.batch, length)
        inputs += loom_torch.random_tokens(rng, case.batch, length, vocab, s["pad_id"], lengths)
    return inputs


def torch_decode(model, case, inputs):
    """translate() or generate() of the model on the inputs; returns (tokens, margin)."""
    x = [torch.from_numpy(a) for a in inputs]
    if case.function == "translate" and case.beam:
        return reference_beam.beam_translate(model, x[0], x[1], case.max_new, case.beam,
                                             case.length_penalty)
    if case.function == "translate":
        return model.translate(x[0], x[1], case.max_new)
    return model.generate(x[0], x[1], case.max_new)


def boost_eos(model, case, inputs):
    """Raises the output bias of eos_id until some row stops early (but not every row at once).

    Exercises the pad-after-eos rule and the early stop. Keeps the first boost that works.
    """
    eos = model.spec["eos_id"]
    with torch.no_grad():
        base = model.output.bias[eos].item()
        for boost in np.arange(0.0, 12.0, 0.5):
            model.output.bias[eos] = base + boost
            tokens, _ = torch_decode(model, case, inputs)
            ended = (tokens == eos).any(dim=1)
            if bool(ended.any()) and not bool((tokens[:, 0] == eos).all()):
                return float(boost)
        model.output.bias[eos] = base
    return 0.0


def torch_expected(model, case, inputs):
    """PyTorch's answer for a case: (array, valid-position mask or None, note string)."""
    if case.function == "forward":
        with torch.no_grad():
            out = model.run_forward([torch.from_numpy(a) for a in inputs]).numpy()
        mask = loom_torch.valid_positions(inputs[-1], out.shape[1])
        return out, mask, ""
    tokens, margin = torch_decode(model, case, inputs)
    model.last_margin = margin
    return tokens.numpy().astype(np.int32), None, f"margin={margin:.3g}"


def compare_forward(got, expected, mask):
    """(ok, max_abs_err, max_scaled_err, where) at the valid positions."""
    if got.shape != expected.shape:
        return False, float("nan"), float("nan"), f"shape {got.shape} != {expected.shape}"
    if got.dtype != np.float32:
        return False, float("nan"), float("nan"), f"dtype {got.dtype} != float32"
    a, b = got.astype(np.float64), expected.astype(np.float64)
    if not np.all(np.isfinite(a[mask])):
        return False, float("nan"), float("nan"), "non-finite values at valid positions"
    with np.errstate(invalid="ignore", over="ignore"):  # padding may hold anything
        diff = np.where(mask[..., None] if a.ndim == 3 else mask, np.abs(a - b), 0.0)
    scaled = diff / np.maximum(1.0, np.abs(b))
    worst = np.unravel_index(np.argmax(scaled), scaled.shape)
    ok = bool(scaled.max() <= TOLERANCE)
    where = "" if ok else (f"worst at {tuple(map(int, worst))}: "
                           f"loom={a[worst]:.7g} torch={b[worst]:.7g}")
    return ok, float(diff.max()), float(scaled.max()), where


def compare_tokens(got, expected):
    """(ok, message) for decoded tokens."""
    if got.shape != expected.shape:
        return False, f"shape {got.shape} != {expected.shape}"
    if got.dtype != np.int32:
        return False, f"dtype {got.dtype} != int32"
    bad = np.nonzero((got != expected).any(axis=1))[0]
    if len(bad) == 0:
        return True, ""
    b = bad[0]
    return False, f"row {b}: loom {got[b].tolist()} torch {expected[b].tolist()}"


class Runner:
    """Builds and runs cases in a work directory, compiling each spec once."""

    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.torch_only = args.torch_only
        self.loomc = tool_path(args.loomc, "LOOMC", "build/bin/loomc")
        self.loom_run = tool_path(args.loom_run, "LOOM_RUN", "build/bin/loom-run")
        self.compiler = Compiler(self.loomc, args.compile_timeout, args.tune_seconds)
        self.spec_paths = {}

    def spec_path(self, case):
        """Writes the case's spec YAML once per spec name; checks names are not reused."""
        if case.spec_name not in self.spec_paths:
            path = os.path.join(self.workdir, "specs", f"{case.spec_name}.yaml")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            loom_torch.write_spec(path, {"name": case.spec_name, **case.spec})
            self.spec_paths[case.spec_name] = (path, case.spec)
        path, spec = self.spec_paths[case.spec_name]
        assert spec == case.spec, f"two different specs are named {case.spec_name}"
        return path

    def build(self, case, spec_path):
        """Weights, inputs and PyTorch's answer for a case.

        A decoding case whose greedy path has a near tie (top-2 logit gap below
        MIN_MARGIN) would test float rounding, not Loom: it moves on to the next seed.
        """
        spec = loom_torch.load_spec(spec_path)
        for attempt in range(20):
            seed = case.seed + 100003 * attempt
            model = loom_torch.build_model(spec, seed)
            inputs = make_inputs(case, model, np.random.default_rng(seed))
            boost = boost_eos(model, case, inputs) if case.eos_boost else 0.0
            expected, mask, note = torch_expected(model, case, inputs)
            if case.function == "forward" or model.last_margin >= MIN_MARGIN:
                break
        if boost:
            note += f" eos_boost={boost:g}"
        if attempt:
            note += f" seed={seed}"
        return model, inputs, expected, mask, note

    def run(self, case):
        """Runs one case; returns (passed, line)."""
        spec_path = self.spec_path(case)
        model, inputs, expected, mask, note = self.build(case, spec_path)

        case_dir = os.path.join(self.workdir, "cases", case.name.replace("/", "__"))
        os.makedirs(case_dir, exist_ok=True)
        weights = os.path.join(case_dir, "weights.safetensors")
        loom_torch.save_safetensors(weights, model.state_dict())
        names = loom_torch.input_names(model.spec["architecture"], case.function)
        input_paths = []
        for n, a in zip(names, inputs):
            input_paths.append(os.path.join(case_dir, f"{n}.npy"))
            np.save(input_paths[-1], a.astype(case.int_dtype))
        np.save(os.path.join(case_dir, "expected.npy"), expected)

        if self.torch_only:
            shape = "x".join(map(str, expected.shape))
            return True, f"PASS {case.name} (torch only) output={shape} {note}".rstrip()

        shapes = f"B={case.batch},S={max(case.src, 1)},T={max(case.tgt, 1)}"
        lib, compiled = self.compiler.compile(spec_path, case.spec_name,
                                              os.path.join(self.workdir, "modules", case.spec_name),
                                              shapes)
        if lib is None:
            return False, f"FAIL {case.name} compile: {compiled.describe()}"
        if self.args.tune_seconds:
            tuned = re.search(r"(\d+) of (\d+) kernel instances have tuned", compiled.stderr)
            if not tuned or int(tuned.group(1)) == 0:
                return False, f"FAIL {case.name}: no kernel got a tuned schedule: " \
                    f"{compiled.describe()}"
            note += f" tuned={tuned.group(1)}/{tuned.group(2)}"
        out = os.path.join(case_dir, "out.npy")
        extra = [f"--threads={case.threads}"]
        if case.max_new:
            extra.append(f"--max-new={case.max_new}")
        if case.beam:
            extra += [f"--beam={case.beam}", f"--length-penalty={case.length_penalty}"]
        run = run_tool(loom_run_argv(self.loom_run, lib, weights, case.function, input_paths,
                                     [out], extra), self.args.run_timeout)
        if run.returncode != 0 or not os.path.exists(out):
            return False, f"FAIL {case.name} loom-run: {run.describe()}"
        got = np.load(out)
        if case.function == "forward":
            ok, abs_err, scaled_err, where = compare_forward(got, expected, mask)
            line = f"{case.name} max_abs_err={abs_err:.3g} max_scaled_err={scaled_err:.3g}"
            tuned = note if self.args.tune_seconds else ""
            return ok, f"{'PASS' if ok else 'FAIL'} {line} {tuned} {where}".rstrip()
        ok, where = compare_tokens(got, expected)
        return ok, f"{'PASS' if ok else 'FAIL'} {case.name} tokens {note} {where}".rstrip()


WEIGHT_RE = re.compile(r'loom\.weight "([^"]+)" : tensor<([0-9x]+)xf32>')


def check_specs(runner, cases):
    """In --torch-only mode, when loomc exists: that it accepts every spec (`--emit=loom`)
    and that the weights its IR names are the PyTorch model's state_dict, shapes included.

    Returns (passed, failed) counts, one per spec.
    """
    if not os.path.exists(runner.loomc):
        print(f"note: {runner.loomc} not found; specs not checked against loomc")
        return 0, 0
    passed = failed = 0
    for name in dict.fromkeys(c.spec_name for c in cases):
        case = next(c for c in cases if c.spec_name == name)
        path = runner.spec_path(case)
        r = run_tool([runner.loomc, "compile", path, "--emit=loom"], 300)
        ours = {k: tuple(v.shape) for k, v in
                loom_torch.LoomTorchModel(loom_torch.load_spec(path)).state_dict().items()}
        theirs = {n: tuple(int(d) for d in shape.split("x"))
                  for n, shape in WEIGHT_RE.findall(r.stdout)}
        if r.returncode != 0:
            problem = f"not accepted: {r.describe()}"
        elif ours != theirs:
            diff = sorted(set(ours.items()) ^ set(theirs.items()))
            problem = f"weights differ (torch ^ loomc): {diff[:6]}"
        else:
            passed += 1
            print(f"PASS spec {name} (loomc --emit=loom: {len(theirs)} weights as in PyTorch)")
            continue
        failed += 1
        print(f"FAIL spec {name} {problem}")
    return passed, failed


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tool_arguments(p)
    p.add_argument("--random", type=int, default=0, metavar="N",
                   help="also run N random specs")
    p.add_argument("--seed", type=int, default=1, help="seed of the random specs")
    p.add_argument("--no-fixed", action="store_true", help="skip the fixed cases")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only this case (or every case of this spec); repeatable")
    p.add_argument("--keep", metavar="DIR", help="keep specs, modules, weights, inputs here")
    p.add_argument("--torch-only", action="store_true",
                   help="build the cases and run PyTorch only (no loomc/loom-run)")
    p.add_argument("--list", action="store_true", help="list the case names and exit")
    p.add_argument("--compile-timeout", type=float, default=900)
    p.add_argument("--tune-seconds", type=float, default=0, metavar="N",
                   help="tune each spec's kernels for N seconds (loomc tune) and compile "
                        "with the records: a tuned library must give the same numbers")
    p.add_argument("--run-timeout", type=float, default=300)
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    cases = ([] if args.no_fixed else fixed_cases()) + random_cases(args.random, args.seed)
    if args.only:
        cases = [c for c in cases if c.name in args.only or c.spec_name in args.only]
        if not cases:
            p.error(f"no case named {args.only}")
    if args.list:
        for c in cases:
            print(c.name)
        return 0

    workdir = args.keep or tempfile.mkdtemp(prefix="loom-parity-")
    os.makedirs(workdir, exist_ok=True)
    passed = failed = 0
    try:
        runner = Runner(args, workdir)
        if args.torch_only:
            passed, failed = check_specs(runner, cases)
        case_passed, case_failed = run_cases(cases, runner.run)
        passed, failed = passed + case_passed, failed + case_failed
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
