#!/usr/bin/python3
"""Bad-input tests: loom-run must refuse wrong inputs, weights, modules and functions.

Compiles one small encoder_decoder spec, then runs `loom-run --function=forward` with one
thing wrong at a time. Each refusal must have: a non-zero exit status that is no crash
(not killed by a signal, not >= 128), a message on stderr naming the culprit (the input,
the tensor, the file or the function), and no output file. A control case with correct
inputs must succeed.

  /usr/bin/python3 test/parity/run_bad_inputs.py [--loomc PATH] [--loom-run PATH] [--keep DIR]

Prints one line per case and a final "N passed, M failed"; exits non-zero on a failure.
"""
import argparse
import dataclasses
import os
import shutil
import struct
import sys
import tempfile
from typing import Callable, List

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402
from loom_tools import (Compiler, add_tool_arguments, finish, loom_run_argv, run_cases, run_tool,  # noqa: E402
                        tool_path)

SPEC = {"name": "bad_inputs_ed", "architecture": "encoder_decoder", "d_model": 16, "heads": 2,
        "ffn_hidden": 32, "encoder_layers": 1, "decoder_layers": 1, "src_vocab": 20,
        "tgt_vocab": 22, "max_len": 16}
BATCH, SRC, TGT = 2, 5, 4
INPUT_NAMES = ["src", "src_len", "tgt", "tgt_len"]


@dataclasses.dataclass
class Invocation:
    """What one case runs: loom-run's arguments besides the tool and the output."""
    module: str
    weights: str
    function: str
    inputs: List[str]


@dataclasses.dataclass
class BadCase:
    """A case: how to build its invocation, and what stderr must mention (any one of)."""
    name: str
    build: Callable[["Fixture", str], Invocation]
    mentions: List[str]
    should_fail: bool = True


class Fixture:
    """The compiled module, good weights and good inputs that the cases spoil one at a time."""

    def __init__(self, module, workdir):
        self.module, self.workdir = module, workdir
        model = loom_torch.build_model(SPEC, seed=3)
        self.tensors = {k: v.numpy() for k, v in model.state_dict().items()}
        self.good_weights = self.write_weights("good.safetensors", self.tensors)
        rng = np.random.default_rng(3)
        src, src_len = loom_torch.random_tokens(rng, BATCH, SRC, SPEC["src_vocab"], 0)
        tgt, tgt_len = loom_torch.random_tokens(rng, BATCH, TGT, SPEC["tgt_vocab"], 0)
        self.arrays = {"src": src, "src_len": src_len, "tgt": tgt, "tgt_len": tgt_len}

    def write_weights(self, filename, tensors, keep_dtype=False):
        path = os.path.join(self.workdir, filename)
        loom_torch.save_safetensors(path, tensors, keep_dtype)
        return path

    def write_bytes(self, filename, data):
        path = os.path.join(self.workdir, filename)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def inputs(self, case_dir, names=INPUT_NAMES, **overrides):
        """Writes the named inputs (good ones unless overridden) as .npy; returns their paths."""
        paths = []
        for n in names:
            arr = overrides.get(n, self.arrays[n])
            if arr.dtype == np.int64:
                arr = arr.astype(np.int32)  # good inputs as int32; int64 is tested by parity
            paths.append(os.path.join(case_dir, f"{n}.npy"))
            np.save(paths[-1], arr)
        return paths

    def call(self, case_dir, weights=None, module=None, function="forward", names=INPUT_NAMES,
             **overrides):
        return Invocation(module or self.module, weights or self.good_weights, function,
                          self.inputs(case_dir, names, **overrides))


# ---- the cases

def _with(arr, index, value):
    out = np.array(arr)
    out[index] = value
    return out


def _weights_without(fx, name):
    return {k: v for k, v in fx.tensors.items() if k != name}


def _good_bytes(fx):
    with open(fx.good_weights, "rb") as f:
        return f.read()


def cases():
    """Every bad-input case, plus one control case that must succeed."""
    max_len, src_vocab, tgt_vocab = SPEC["max_len"], SPEC["src_vocab"], SPEC["tgt_vocab"]
    wide = max_len + 1
    enc_w = "transformer.encoder.layers.0.linear1.weight"
    last = sorted(loom_torch.LoomTorchModel(SPEC).state_dict())[-1]  # cut by truncation
    return [
        BadCase("control: valid inputs", lambda fx, d: fx.call(d), [], should_fail=False),
        # inputs
        BadCase("wrong input count (3 of 4)",
                lambda fx, d: fx.call(d, names=INPUT_NAMES[:3]), ["input", "tgt_len"]),
        BadCase("wrong rank of src ([B,S,1])",
                lambda fx, d: fx.call(d, src=fx.arrays["src"][:, :, None]), ["src"]),
        BadCase("float32 tokens in src",
                lambda fx, d: fx.call(d, src=fx.arrays["src"].astype(np.float32)), ["src"]),
        BadCase("src_len 0",
                lambda fx, d: fx.call(d, src_len=_with(fx.arrays["src_len"], 1, 0)), ["src_len"]),
        BadCase("tgt_len > T",
                lambda fx, d: fx.call(d, tgt_len=_with(fx.arrays["tgt_len"], 1, TGT + 1)),
                ["tgt_len"]),
        BadCase("src_len of wrong batch size",
                lambda fx, d: fx.call(d, src_len=np.full(BATCH + 1, SRC)), ["src_len"]),
        BadCase("S > max_len",
                lambda fx, d: fx.call(d, src=np.ones((BATCH, wide), np.int32),
                                      src_len=np.full(BATCH, wide)), ["src"]),
        BadCase("token id = tgt_vocab in tgt",
                lambda fx, d: fx.call(d, tgt=_with(fx.arrays["tgt"], (0, 0), tgt_vocab)), ["tgt"]),
        BadCase("token id = src_vocab + 100 in src",
                lambda fx, d: fx.call(d, src=_with(fx.arrays["src"], (0, 1), src_vocab + 100)),
                ["src"]),
        BadCase("negative token id in src",
                lambda fx, d: fx.call(d, src=_with(fx.arrays["src"], (0, 0), -1)), ["src"]),
        # weights
        BadCase("weights missing output.bias",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "missing.safetensors", _weights_without(fx, "output.bias"))), ["output.bias"]),
        BadCase("weights with an extra tensor",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "extra.safetensors", {**fx.tensors, "bogus_extra.weight": np.zeros(3)})),
                ["bogus_extra.weight"]),
        BadCase("weights with a wrong shape (src_embedding.weight)",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "shape.safetensors", {**fx.tensors, "src_embedding.weight":
                                          np.zeros((src_vocab + 1, SPEC["d_model"]))})),
                ["src_embedding.weight"]),
        BadCase("weights with an F64 tensor",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "f64.safetensors", {**{k: v.astype(np.float32) for k, v in fx.tensors.items()},
                                        enc_w: fx.tensors[enc_w].astype(np.float64)},
                    keep_dtype=True)), [enc_w]),
        BadCase("truncated weights file",
                lambda fx, d: fx.call(d, weights=fx.write_bytes(
                    "truncated.safetensors", _good_bytes(fx)[:-4])),
                ["truncated.safetensors", last]),
        BadCase("weights header is not JSON",
                lambda fx, d: fx.call(d, weights=fx.write_bytes(
                    "garbage.safetensors", struct.pack("<Q", 16) + b"{this is: not}}}" +
                    b"\0" * 64)), ["garbage.safetensors"]),
        BadCase("weights header length larger than the file",
                lambda fx, d: fx.call(d, weights=fx.write_bytes(
                    "long_header.safetensors", struct.pack("<Q", 1 << 40) + b'{"a":1}  ')),
                ["long_header.safetensors"]),
        BadCase("nonexistent weights file",
                lambda fx, d: fx.call(d, weights=os.path.join(d, "no_such.safetensors")),
                ["no_such.safetensors"]),
        # module and function
        BadCase("nonexistent module",
                lambda fx, d: fx.call(d, module=os.path.join(d, "libno_such_model.so")),
                ["libno_such_model.so"]),
        BadCase("unknown --function",
                lambda fx, d: fx.call(d, function="fly_to_the_moon"), ["fly_to_the_moon"]),
    ]


def check(case, invocation, loom_run, out, timeout):
    """Runs one case; returns (passed, detail)."""
    if os.path.exists(out):
        os.remove(out)
    r = run_tool(loom_run_argv(loom_run, invocation.module, invocation.weights,
                               invocation.function, invocation.inputs, [out]), timeout)
    if r.returncode is None:
        return False, r.describe()
    if not case.should_fail:
        ok = r.returncode == 0 and os.path.exists(out)
        return ok, "" if ok else r.describe()
    problems = []
    if r.returncode == 0:
        problems.append("exit status 0")
    elif r.returncode < 0 or r.returncode >= 128:
        problems.append(f"crashed (status {r.returncode})")
    stderr = r.stderr.lower()
    if not any(m.lower() in stderr for m in case.mentions):
        problems.append(f"stderr does not mention {' or '.join(map(repr, case.mentions))}")
    if os.path.exists(out):
        problems.append("an output file was written")
    first = (r.stderr.strip().splitlines() or ["<empty stderr>"])[0]
    if problems:
        return False, f"{'; '.join(problems)} -- stderr: {first[:200]}"
    return True, f"status {r.returncode}: {first[:120]}"


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tool_arguments(p)
    p.add_argument("--keep", metavar="DIR", help="keep the files here")
    p.add_argument("--timeout", type=float, default=120, help="seconds per loom-run")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    loomc = tool_path(args.loomc, "LOOMC", "build/bin/loomc")
    loom_run = tool_path(args.loom_run, "LOOM_RUN", "build/bin/loom-run")

    workdir = args.keep or tempfile.mkdtemp(prefix="loom-bad-inputs-")
    os.makedirs(workdir, exist_ok=True)
    passed = failed = 0
    try:
        spec_path = os.path.join(workdir, f"{SPEC['name']}.yaml")
        loom_torch.write_spec(spec_path, SPEC)
        module, compiled = Compiler(loomc).compile(spec_path, SPEC["name"],
                                                   os.path.join(workdir, "module"))
        if module is None:
            print(f"FAIL compile {SPEC['name']}: {compiled.describe()}")
            print("0 passed, 1 failed")
            return 1
        fx = Fixture(module, workdir)
        all_cases = cases()

        def run_one(case):
            case_dir = os.path.join(workdir, f"case{all_cases.index(case):02d}")
            os.makedirs(case_dir, exist_ok=True)
            ok, detail = check(case, case.build(fx, case_dir), loom_run,
                               os.path.join(case_dir, "out.npy"), args.timeout)
            return ok, f"{'PASS' if ok else 'FAIL'} {case.name}" + (f" -- {detail}" if detail else "")

        passed, failed = run_cases(all_cases, run_one)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
