#!/usr/bin/env python3
"""PyTorch parity of NAME_cross_attention: every decoder layer's cross-attention
probabilities of an encoder-decoder library against PyTorch's.

For each case: compiles the spec with `loomc compile -o` (once per spec), initialises
PyTorch's model from a seed (loom_torch.build_model), writes its weights, draws padded
token rows (row 0 full, the others shorter, so source padding is masked), and calls the
library through ctypes: NAME_create(weights), then NAME_cross_attention, which fills
weights[decoder_layers, B, heads, T, S]. PyTorch's probabilities come from a forward
hook on each decoder layer's `multihead_attn` (nn.MultiheadAttention) that recomputes
that call with need_weights=True, average_attn_weights=False and the source padding
mask: softmax over the source positions, 0 at padding. Every element must agree within
1e-5 (absolute), padded target rows included (both sides compute them alike), and the
padding columns must be exactly 0. A few bad calls must be refused with a status.

  /usr/bin/python3 test/parity/run_cross_attention_parity.py
  LOOM_ISA=avx2 /usr/bin/python3 test/parity/run_cross_attention_parity.py
  /usr/bin/python3 test/parity/run_cross_attention_parity.py --keep /tmp/xattn

Ends with "N passed, M failed"; exit status 1 on any failure.
"""
import argparse
import ctypes
import dataclasses
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402
import run_parity  # noqa: E402
from loom_tools import Compiler, finish, run_cases, tool_path  # noqa: E402

TOLERANCE = 1e-5
LOOM_OK, LOOM_ERROR_INVALID_ARGUMENT = 0, 1


# run_parity.py's encoder-decoder specs under names of their own (each names its library):
# post-norm (ReLU, final norms), pre-norm (GELU, no final norm), one head of width 24.
SPECS = {f"xa_{name[len('ed_'):]}": run_parity.SPECS[name]
         for name in ("ed_post_relu", "ed_pre_gelu", "ed_one_head")}


@dataclasses.dataclass
class Case:
    spec_name: str
    label: str
    batch: int
    src: int
    tgt: int
    seed: int
    threads: int = 1

    @property
    def name(self):
        return f"{self.spec_name}/{self.label}"


def fixed_cases():
    c = []

    def add(spec_name, label, **kw):
        c.append(Case(spec_name, label, seed=len(c) + 1, **kw))

    add("xa_post_relu", "b5_s13_t11", batch=5, src=13, tgt=11, threads=2)
    add("xa_post_relu", "b1_s1_t1", batch=1, src=1, tgt=1)
    add("xa_post_relu", "b3_s64_t5", batch=3, src=64, tgt=5)
    add("xa_pre_gelu", "b5_s13_t37", batch=5, src=13, tgt=37)
    add("xa_pre_gelu", "b4_s29_t7", batch=4, src=29, tgt=7, threads=2)
    add("xa_one_head", "b4_s37_t13", batch=4, src=37, tgt=13)
    return c


# ---- PyTorch's side

@torch.no_grad()
def torch_cross_attention(model, src, src_len, tgt, tgt_len):
    """Runs model.forward and returns [decoder_layers, B, H, T, S] float64 (numpy): each
    decoder layer's cross-attention probabilities, recomputed by PyTorch's
    multi_head_attention_forward from the inputs of that layer's multihead_attn call."""
    src_pad = loom_torch.padding_mask(src_len, src.shape[1])
    probs, handles = [], []

    def hook(module, args, output):
        x, mem = args[0], args[1]  # batch_first: [B, T, D], [B, S, D]
        q, kv = x.transpose(0, 1), mem.transpose(0, 1)
        _, w = F.multi_head_attention_forward(
            q, kv, kv, module.embed_dim, module.num_heads, module.in_proj_weight,
            module.in_proj_bias, None, None, False, 0.0, module.out_proj.weight,
            module.out_proj.bias, training=False, key_padding_mask=src_pad, need_weights=True,
            average_attn_weights=False)
        probs.append(w.double().numpy())

    for layer in model.transformer.decoder.layers:
        handles.append(layer.multihead_attn.register_forward_hook(hook))
    try:
        model.forward(src, src_len, tgt, tgt_len)
    finally:
        for h in handles:
            h.remove()
    return np.stack(probs)


# ---- Loom's side, through ctypes

class Library:
    """lib<name>.so: NAME_create, NAME_cross_attention, NAME_free, NAME_last_error."""

    def __init__(self, path, name):
        self.lib = ctypes.CDLL(path)
        fn = lambda suffix: getattr(self.lib, f"{name}_{suffix}")  # noqa: E731
        self.create = fn("create")
        self.create.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p)]
        self.create.restype = ctypes.c_int
        self.cross_attention = fn("cross_attention")
        i32p, f32p = ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_float)
        self.cross_attention.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, i32p,
                                         i32p, ctypes.c_int64, i32p, i32p, f32p]
        self.cross_attention.restype = ctypes.c_int
        self.free = fn("free")
        self.free.argtypes = [ctypes.c_void_p]
        self.free.restype = None
        self.last_error = fn("last_error")
        self.last_error.argtypes = []
        self.last_error.restype = ctypes.c_char_p

    def error(self):
        return self.last_error().decode(errors="replace")


def as_i32(a):
    return np.ascontiguousarray(a, dtype=np.int32)


def ptr(a, ctype):
    return a.ctypes.data_as(ctypes.POINTER(ctype)) if a is not None else None


def loom_cross_attention(lib, handle, src, src_len, tgt, tgt_len, shape):
    """(status, weights array of `shape`) from NAME_cross_attention."""
    out = np.full(shape, np.nan, dtype=np.float32)
    arrays = [as_i32(a) for a in (src, src_len, tgt, tgt_len)]
    status = lib.cross_attention(handle, src.shape[0], src.shape[1], ptr(arrays[0], ctypes.c_int32),
                                 ptr(arrays[1], ctypes.c_int32), tgt.shape[1],
                                 ptr(arrays[2], ctypes.c_int32), ptr(arrays[3], ctypes.c_int32),
                                 ptr(out, ctypes.c_float))
    return status, out


# ---- the runner

class Runner:
    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.compiler = Compiler(tool_path(args.loomc, "LOOMC", "build/bin/loomc"))
        self.libraries = {}

    def library(self, case):
        """(Library, None) or (None, why): compiled once per spec."""
        if case.spec_name in self.libraries:
            return self.libraries[case.spec_name]
        spec_dir = os.path.join(self.workdir, case.spec_name)
        os.makedirs(spec_dir, exist_ok=True)
        spec_path = os.path.join(spec_dir, "spec.yaml")
        loom_torch.write_spec(spec_path, {"name": case.spec_name, **SPECS[case.spec_name]})
        lib_path, result = self.compiler.compile(spec_path, case.spec_name,
                                                 os.path.join(spec_dir, "out"))
        entry = (Library(lib_path, case.spec_name), None) if lib_path else \
            (None, f"loomc failed: {result.describe()}")
        self.libraries[case.spec_name] = entry
        return entry

    def run(self, case):
        lib, why = self.library(case)
        if lib is None:
            return False, f"FAIL {case.name} {why}"
        spec = loom_torch.complete_spec(SPECS[case.spec_name])
        model = loom_torch.build_model(spec, case.seed)
        case_dir = os.path.join(self.workdir, case.spec_name, case.label)
        os.makedirs(case_dir, exist_ok=True)
        weights_path = os.path.join(case_dir, "weights.safetensors")
        loom_torch.save_safetensors(weights_path, model.state_dict())
        rng = np.random.default_rng(case.seed)
        src, src_len = loom_torch.random_tokens(rng, case.batch, case.src, spec["src_vocab"],
                                                spec["pad_id"])
        tgt, tgt_len = loom_torch.random_tokens(rng, case.batch, case.tgt, spec["tgt_vocab"],
                                                spec["pad_id"])
        expected = torch_cross_attention(model, *(torch.from_numpy(a) for a in
                                                  (src, src_len, tgt, tgt_len)))
        handle = ctypes.c_void_p()
        if lib.create(weights_path.encode(), case.threads, ctypes.byref(handle)) != LOOM_OK:
            return False, f"FAIL {case.name} create: {lib.error()}"
        try:
            shape = (spec["decoder_layers"], case.batch, spec["heads"], case.tgt, case.src)
            status, got = loom_cross_attention(lib, handle, src, src_len, tgt, tgt_len, shape)
            if status != LOOM_OK:
                return False, f"FAIL {case.name} cross_attention returned {status}: {lib.error()}"
            problems = compare(got, expected, src_len)
            problems += refusals(lib, handle, src, src_len, tgt, tgt_len, shape)
        finally:
            lib.free(handle)
        err = float(np.abs(got.astype(np.float64) - expected).max())
        if problems:
            return False, f"FAIL {case.name} " + "; ".join(problems)
        return True, (f"PASS {case.name} weights {list(shape)} max |loom - torch| {err:.2e} "
                      f"(src_len {src_len.tolist()})")


def compare(got, expected, src_len):
    problems = []
    if got.shape != expected.shape:
        return [f"shape {got.shape}, torch {expected.shape}"]
    if not np.isfinite(got).all():
        problems.append(f"{int((~np.isfinite(got)).sum())} values not finite")
    diff = np.abs(got.astype(np.float64) - expected)
    if diff.max() > TOLERANCE:
        at = np.unravel_index(int(diff.argmax()), diff.shape)
        problems.append(f"max |loom - torch| {diff.max():.2e} > {TOLERANCE} at [l, b, h, t, s] = "
                        f"{list(map(int, at))}: loom {got[at]:.8f}, torch {expected[at]:.8f}")
    padding = np.arange(got.shape[-1])[None, :] >= np.asarray(src_len)[:, None]  # [B, S]
    if np.any(got[np.broadcast_to(padding[None, :, None, None, :], got.shape)] != 0):
        problems.append("a padding column is not exactly 0")
    rows = got.sum(axis=-1)
    if np.abs(rows - 1).max() > 1e-5:
        problems.append(f"a row sums to {rows.flat[int(np.abs(rows - 1).argmax())]:.7f}")
    return problems


def refusals(lib, handle, src, src_len, tgt, tgt_len, shape):
    """Bad calls are refused with LOOM_ERROR_INVALID_ARGUMENT and a message."""
    problems = []
    bad_len = src_len.copy()
    bad_len[0] = src.shape[1] + 1
    bad_token = src.copy()
    bad_token[0, 0] = 10 ** 6
    checks = {"src_len > S": (src, bad_len, tgt, tgt_len),
              "token out of range": (bad_token, src_len, tgt, tgt_len)}
    for what, inputs in checks.items():
        status, _ = loom_cross_attention(lib, handle, *inputs, shape)
        if status != LOOM_ERROR_INVALID_ARGUMENT or not lib.error():
            problems.append(f"{what}: status {status} ({lib.error()!r})")
    arrays = [as_i32(a) for a in (src, src_len, tgt, tgt_len)]
    status = lib.cross_attention(handle, src.shape[0], src.shape[1],
                                 ptr(arrays[0], ctypes.c_int32), ptr(arrays[1], ctypes.c_int32),
                                 tgt.shape[1], ptr(arrays[2], ctypes.c_int32),
                                 ptr(arrays[3], ctypes.c_int32), None)
    if status != LOOM_ERROR_INVALID_ARGUMENT or "weights array is NULL" not in lib.error():
        problems.append(f"NULL weights: status {status} ({lib.error()!r})")
    return problems


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--loomc", help="path to loomc (default: $LOOMC or build/bin/loomc)")
    p.add_argument("--only", help="run only the case with this name (spec/label)")
    p.add_argument("--keep", metavar="DIR", help="keep specs, libraries and weights here")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    cases = [c for c in fixed_cases() if not args.only or c.name == args.only]
    workdir = args.keep or tempfile.mkdtemp(prefix="loom-xattn-")
    try:
        runner = Runner(args, workdir)
        passed, failed = run_cases(cases, runner.run)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
