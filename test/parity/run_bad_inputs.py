#!/usr/bin/python3
"""Bad-input tests: loom-run must refuse wrong inputs, weights, modules and functions.

Compiles one small encoder_decoder spec, then runs `loom-run --function=forward` with one
thing wrong at a time. Each refusal must have: a non-zero exit status that is no crash
(not killed by a signal, not >= 128), a message on stderr naming the culprit (the input,
the tensor, the file or the function), no output file, and nothing in the case's
directory created or changed (no file, no temporary file, no FIFO or link replaced). A
control case with correct inputs must succeed. Hostile files (FIFOs, directories and
symbolic links as targets or inputs, a file size limit that makes a write fail part-way)
are made inside each case's own directory; a case that hangs fails on its timeout.

  /usr/bin/python3 test/parity/run_bad_inputs.py [--loomc PATH] [--loom-run PATH] [--keep DIR]

Prints one line per case and a final "N passed, M failed"; exits non-zero on a failure.
"""
import argparse
import dataclasses
import os
import resource
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402
from loom_tools import (Compiler, Result, add_tool_arguments, finish, loom_run_argv,  # noqa: E402
                        run_cases, run_tool, tool_path)

SPEC = {"name": "bad_inputs_ed", "architecture": "encoder_decoder", "d_model": 16, "heads": 2,
        "ffn_hidden": 32, "encoder_layers": 1, "decoder_layers": 1, "src_vocab": 20,
        "tgt_vocab": 22, "max_len": 16}
BATCH, SRC, TGT = 2, 5, 4
INPUT_NAMES = ["src", "src_len", "tgt", "tgt_len"]


@dataclasses.dataclass
class Invocation:
    """What one case runs: loom-run's arguments besides the tool, and how.

    `output` is the --output target (default: out.npy in the case's directory), `extra` more
    flags, `file_size_limit` an RLIMIT_FSIZE for loom-run (SIGXFSZ ignored, so an oversized
    write fails with EFBIG as on a full disk), `timeout` a shorter limit for cases that could
    hang."""
    module: str
    weights: str
    function: str
    inputs: List[str]
    output: Optional[str] = None
    extra: List[str] = dataclasses.field(default_factory=list)
    file_size_limit: Optional[int] = None
    timeout: Optional[float] = None


@dataclasses.dataclass
class BadCase:
    """A case: how to build its invocation, and what stderr must mention (any one of).

    `verify(fixture, case_dir, result, loom_run)` returns further problems (a list of
    strings), for cases whose success or refusal has more to show than the exit status."""
    name: str
    build: Callable[["Fixture", str], Invocation]
    mentions: List[str]
    should_fail: bool = True
    verify: Optional[Callable[["Fixture", str, Result, str], List[str]]] = None


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
             output=None, extra=(), file_size_limit=None, timeout=None, **overrides):
        return Invocation(module or self.module, weights or self.good_weights, function,
                          self.inputs(case_dir, names, **overrides), output, list(extra),
                          file_size_limit, timeout)

    def large_batch(self, batch, length):
        """src/src_len/tgt/tgt_len overrides for a batch of `batch` rows of `length` tokens,
        whose logits are [batch, length, tgt_vocab] (larger than the weights file)."""
        rng = np.random.default_rng(5)
        src, src_len = loom_torch.random_tokens(rng, batch, length, SPEC["src_vocab"], 0)
        tgt, tgt_len = loom_torch.random_tokens(rng, batch, length, SPEC["tgt_vocab"], 0)
        return {"src": src, "src_len": src_len, "tgt": tgt, "tgt_len": tgt_len}


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


# ---- hostile files, made in the case's own directory

# A file that must keep its permissions when written through a link.
LINKED_MODE = 0o640
# Batch and length of the file-size-limit cases: logits [64, 16, 22] float32 (~90 KB) are
# larger than the model's weights file (~30 KB).
BIG_BATCH, BIG_LENGTH = 64, 16
# Timeout of the cases where a FIFO could make loom-run wait forever.
FIFO_TIMEOUT = 30


def _fifo(d, name="target.fifo"):
    path = os.path.join(d, name)
    os.mkfifo(path)
    return path


def _directory(d, name="target_dir"):
    path = os.path.join(d, name)
    os.makedirs(path)
    return path


def _symlink(d, name, target):
    path = os.path.join(d, name)
    os.symlink(target, path)
    return path


def _linked_file(d):
    """link.npy -> real.npy, an existing file with mode LINKED_MODE; returns the link."""
    real = os.path.join(d, "real.npy")
    with open(real, "wb") as f:
        f.write(b"old contents")
    os.chmod(real, LINKED_MODE)
    return _symlink(d, "link.npy", "real.npy")


def _verify_written_through(_fx, d, _result, _loom_run):
    problems = []
    link, real = os.path.join(d, "link.npy"), os.path.join(d, "real.npy")
    if not os.path.islink(link) or os.readlink(link) != "real.npy":
        problems.append("the symbolic link was replaced")
    if stat.S_IMODE(os.lstat(real).st_mode) != LINKED_MODE:
        problems.append(f"real.npy's mode is {oct(stat.S_IMODE(os.lstat(real).st_mode))}, "
                        f"not {oct(LINKED_MODE)}")
    try:
        out = np.load(real)
        if out.dtype != np.float32 or out.shape != (BATCH, TGT, SPEC["tgt_vocab"]):
            problems.append(f"real.npy holds {out.dtype} {out.shape}")
    except Exception as e:  # noqa: BLE001 - any unreadable file is the failure
        problems.append(f"real.npy is not the output: {e}")
    return problems


def _verify_same_as_one_thread(fx, d, result, loom_run):
    """--threads beyond the machine is lowered: a note, and the logits of --threads=1."""
    problems = []
    if "using" not in result.stderr:
        problems.append("no note that the thread count was lowered")
    inv = fx.call(d)
    one = os.path.join(d, "one_thread.npy")
    r = run_tool(loom_run_argv(loom_run, inv.module, inv.weights, inv.function, inv.inputs,
                               [one], ["--threads=1"]), 120)
    if r.returncode != 0:
        return problems + [f"--threads=1 failed: {r.describe()}"]
    a, b = np.load(os.path.join(d, "out.npy")), np.load(one)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-5, atol=1e-6):
        problems.append("the output differs from --threads=1")
    return problems


def _oversized_header(fx, filename):
    """A safetensors file whose (valid, space-padded) JSON header is one byte over the limit."""
    header = b'{"__metadata__":{"format":"pt"}}'
    header += b" " * (HEADER_LIMIT + 1 - len(header))
    return fx.write_bytes(filename, struct.pack("<Q", len(header)) + header)


def _too_many_tensors(fx, filename):
    """A valid safetensors file of TENSOR_LIMIT + 1 empty tensors."""
    entries = ",".join(f'"t{i}":{{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'
                       for i in range(TENSOR_LIMIT + 1))
    header = ("{" + entries + "}").encode()
    return fx.write_bytes(filename, struct.pack("<Q", len(header)) + header)


# The reader's limits (runtime/include/loom/runtime/SafetensorsReader.h).
HEADER_LIMIT = 16 * 1024 * 1024
TENSOR_LIMIT = 65536


def _limit_between(small, large):
    """A file size limit that lets a `small`-byte file through and stops a `large` one."""
    if large < small * 3 // 2:
        raise RuntimeError(f"sizes too close for a file size limit: {small} and {large}")
    return (small + large) // 2


def _weights_bytes(fx):
    return os.path.getsize(fx.good_weights)


def _logits_bytes(batch, length):
    return 128 + batch * length * SPEC["tgt_vocab"] * 4


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
        BadCase("weights with a NaN (transformer.encoder.layers.0.linear1.weight[3, 5])",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "nan.safetensors", {**fx.tensors, enc_w: _with(fx.tensors[enc_w], (3, 5),
                                                                   np.nan)})),
                [enc_w, "NaN at [3, 5]"]),
        BadCase("weights with -Inf in an embedding row no input uses",
                lambda fx, d: fx.call(d, weights=fx.write_weights(
                    "inf.safetensors", {**fx.tensors, "src_embedding.weight": _with(
                        fx.tensors["src_embedding.weight"], (src_vocab - 1, 0), -np.inf)})),
                ["src_embedding.weight", "-Inf at [" + str(src_vocab - 1) + ", 0]"]),
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
        # files loom-run writes: never a non-regular target, never a partial or early file
        BadCase("--output to a FIFO",
                lambda fx, d: fx.call(d, output=_fifo(d), timeout=FIFO_TIMEOUT),
                ["target.fifo"]),
        BadCase("--output to a directory",
                lambda fx, d: fx.call(d, output=_directory(d)), ["target_dir"]),
        BadCase("--output through a symbolic link to a FIFO (as to /dev/null)",
                lambda fx, d: fx.call(d, output=_symlink(d, "null.npy", _fifo(d)),
                                      timeout=FIFO_TIMEOUT), ["null.npy"]),
        BadCase("--output in a missing directory",
                lambda fx, d: fx.call(d, output=os.path.join(d, "no_dir", "out.npy")),
                ["no_dir"]),
        BadCase("--output through a symbolic link is written through, mode kept",
                lambda fx, d: fx.call(d, output=_linked_file(d)), [], should_fail=False,
                verify=_verify_written_through),
        BadCase("--save-weights with an --output that is a FIFO",
                lambda fx, d: fx.call(d, output=_fifo(d), timeout=FIFO_TIMEOUT,
                                      extra=[f"--save-weights={d}/saved.safetensors"]),
                ["target.fifo"]),
        BadCase("--save-weights with an --output that fails while written (file size limit)",
                lambda fx, d: fx.call(
                    d, extra=[f"--save-weights={d}/saved.safetensors"],
                    file_size_limit=_limit_between(_weights_bytes(fx),
                                                   _logits_bytes(BIG_BATCH, BIG_LENGTH)),
                    **fx.large_batch(BIG_BATCH, BIG_LENGTH)),
                ["out.npy"]),
        BadCase("--output with a --save-weights that fails while written (file size limit)",
                lambda fx, d: fx.call(d, extra=[f"--save-weights={d}/saved.safetensors"],
                                      file_size_limit=_weights_bytes(fx) // 2),
                ["saved.safetensors"]),
        BadCase("--output and --save-weights naming one file",
                lambda fx, d: fx.call(d, extra=[f"--save-weights={d}/../{os.path.basename(d)}"
                                                "/out.npy"]),
                ["same file"]),
        # sizes
        BadCase("--threads=10000000 is lowered to the machine",
                lambda fx, d: fx.call(d, extra=["--threads=10000000"]), [], should_fail=False,
                verify=_verify_same_as_one_thread),
        BadCase("--threads=2147483647 is lowered to the machine",
                lambda fx, d: fx.call(d, extra=["--threads=2147483647"]), [],
                should_fail=False),
        BadCase("weights header over the size limit",
                lambda fx, d: fx.call(d, weights=_oversized_header(fx, "huge_header.safetensors")),
                ["huge_header.safetensors", "larger than the limit"]),
        BadCase("weights with more tensors than the limit",
                lambda fx, d: fx.call(d, weights=_too_many_tensors(fx, "many.safetensors")),
                ["more than 65536 tensors"]),
        # files loom-run reads: a FIFO is refused, never waited on
        BadCase("a FIFO as --weights",
                lambda fx, d: fx.call(d, weights=_fifo(d, "weights.fifo"),
                                      timeout=FIFO_TIMEOUT), ["weights.fifo"]),
        BadCase("a FIFO as --input (src)",
                lambda fx, d: _with_input(fx.call(d, timeout=FIFO_TIMEOUT), 0,
                                          _fifo(d, "src.fifo")), ["src.fifo"]),
        BadCase("a directory as --input (tgt)",
                lambda fx, d: _with_input(fx.call(d), 2, _directory(d, "tgt_dir")), ["tgt_dir"]),
    ]


def _with_input(invocation, index, path):
    invocation.inputs[index] = path
    return invocation


def run_loom_run(argv, timeout, file_size_limit=None):
    """run_tool, optionally under a file size limit (SIGXFSZ ignored: an oversized write fails
    with EFBIG instead of killing the process)."""
    if file_size_limit is None:
        return run_tool(argv, timeout)

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout, errors="replace", preexec_fn=limit)
        return Result(argv, p.returncode, p.stdout, p.stderr)
    except subprocess.TimeoutExpired:
        return Result(argv, None, "", "", timed_out=True)


def snapshot(directory) -> Dict[str, Tuple]:
    """What is in `directory` (recursively): each entry's type, mode, size, mtime and link."""
    entries = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else None
            entries[os.path.relpath(path, directory)] = (stat.S_IFMT(st.st_mode), st.st_mode,
                                                         st.st_size, st.st_mtime_ns, link)
    return entries


def describe_changes(before, after):
    changes = [f"created {n}" for n in sorted(set(after) - set(before))]
    changes += [f"removed {n}" for n in sorted(set(before) - set(after))]
    changes += [f"changed {n}" for n in sorted(set(before) & set(after)) if before[n] != after[n]]
    return changes


def check(case, fx, invocation, loom_run, case_dir, timeout):
    """Runs one case; returns (passed, detail)."""
    out = invocation.output or os.path.join(case_dir, "out.npy")
    if invocation.output is None and os.path.exists(out):
        os.remove(out)
    before = snapshot(case_dir)
    r = run_loom_run(loom_run_argv(loom_run, invocation.module, invocation.weights,
                                   invocation.function, invocation.inputs, [out],
                                   invocation.extra),
                     invocation.timeout or timeout, invocation.file_size_limit)
    if r.returncode is None:
        return False, r.describe()
    problems = []
    if not case.should_fail:
        if r.returncode != 0 or not os.path.exists(out):
            return False, r.describe()
    else:
        if r.returncode == 0:
            problems.append("exit status 0")
        elif r.returncode < 0 or r.returncode >= 128:
            problems.append(f"crashed (status {r.returncode})")
        stderr = r.stderr.lower()
        if not any(m.lower() in stderr for m in case.mentions):
            problems.append(f"stderr does not mention {' or '.join(map(repr, case.mentions))}")
        if invocation.output is None and os.path.exists(out):
            problems.append("an output file was written")
        changes = describe_changes(before, snapshot(case_dir))
        if changes:
            problems.append("files were written or changed: " + ", ".join(changes))
    if case.verify:
        problems += case.verify(fx, case_dir, r, loom_run)
    first = (r.stderr.strip().splitlines() or ["<empty stderr>"])[0]
    if problems:
        return False, f"{'; '.join(problems)} -- stderr: {first[:200]}"
    if not case.should_fail:
        return True, ""
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
            ok, detail = check(case, fx, case.build(fx, case_dir), loom_run, case_dir,
                               args.timeout)
            return ok, f"{'PASS' if ok else 'FAIL'} {case.name}" + (f" -- {detail}" if detail else "")

        passed, failed = run_cases(all_cases, run_one)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return finish(passed, failed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
