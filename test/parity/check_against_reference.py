#!/usr/bin/python3
"""Dev tool: checks that loom_torch.py computes what the reference semantics file computes.

  /usr/bin/python3 test/parity/check_against_reference.py /work/shared/reference/loom_reference.py

For a few random specs (all three architectures), builds loom_torch's model, loads the
same weights into the reference module (through a safetensors file, so both the writer
and the names are checked), and compares forward outputs and greedy translations. Not
part of the test suite: the suite uses loom_torch.py alone.
"""
import argparse
import importlib.util
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loom_torch  # noqa: E402


def import_reference(path):
    """Imports the reference module from a file path."""
    spec = importlib.util.spec_from_file_location("loom_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_spec(rng, index):
    """A small random spec; the architecture cycles with `index`."""
    arch = loom_torch.ARCHITECTURES[index % 3]
    head_dim = int(rng.choice([4, 8]))
    heads = int(rng.integers(1, 5))
    spec = {"name": f"check{index}", "architecture": arch, "d_model": heads * head_dim,
            "heads": heads, "ffn_hidden": int(rng.integers(8, 80)), "max_len": 40,
            "activation": str(rng.choice(["relu", "gelu"])),
            "norm_first": bool(rng.integers(2)), "final_norm": bool(rng.integers(2))}
    if arch != "decoder":
        spec["encoder_layers"] = int(rng.integers(1, 3))
        spec["src_vocab"] = int(rng.integers(10, 60))
    if arch != "encoder":
        spec["decoder_layers"] = int(rng.integers(1, 3))
        spec["tgt_vocab"] = int(rng.integers(10, 60))
    return spec


def check_one(ref, spec, seed, workdir):
    """Compares forward (and translate) of both models; returns a list of failure strings."""
    failures = []
    spec_path = os.path.join(workdir, f"{spec['name']}.yaml")
    loom_torch.write_spec(spec_path, spec)
    ours = loom_torch.build_model(loom_torch.load_spec(spec_path), seed)
    weights = os.path.join(workdir, f"{spec['name']}.safetensors")
    loom_torch.save_safetensors(weights, ours.state_dict())
    theirs = ref.build(spec_path, weights)
    theirs.eval()
    if list(theirs.state_dict()) != list(ours.state_dict()):
        failures.append("state_dict names differ")
    loaded = loom_torch.load_safetensors(weights)
    for name, value in ours.state_dict().items():
        if not torch.equal(loaded[name], value):
            failures.append(f"safetensors round trip changed {name}")

    rng = np.random.default_rng(seed)
    s = ours.spec
    arch = s["architecture"]
    batch, src_len, tgt_len = 4, 13, 9
    inputs = []
    if arch != "decoder":
        inputs += loom_torch.random_tokens(rng, batch, src_len, s["src_vocab"], s["pad_id"])
    if arch != "encoder":
        inputs += loom_torch.random_tokens(rng, batch, tgt_len, s["tgt_vocab"], s["pad_id"])
    inputs = [torch.from_numpy(x) for x in inputs]
    with torch.no_grad():
        a = ours.run_forward(inputs)
        b = theirs(*inputs) if arch != "decoder" else theirs(tgt=inputs[0], tgt_len=inputs[1])
    lengths = inputs[-1].numpy()
    mask = loom_torch.valid_positions(lengths, a.shape[1])
    err = float((a - b).abs().numpy()[mask].max())
    if err != 0.0:
        failures.append(f"forward differs by {err}")
    if arch == "encoder_decoder":
        t_ours, _ = ours.translate(inputs[0], inputs[1], 10)
        t_theirs = theirs.translate(inputs[0], inputs[1], 10)
        if not torch.equal(t_ours, t_theirs):
            failures.append(f"translate differs:\n{t_ours}\n{t_theirs}")
    if arch == "decoder":
        failures += check_generate(ours, inputs[0], inputs[1], 8)
    return failures, err


def check_generate(model, prompt, prompt_len, max_new):
    """Batched, padded generate() against row-by-row greedy decoding without padding."""
    batched, _ = model.generate(prompt, prompt_len, max_new)
    s = model.spec
    for b in range(prompt.shape[0]):
        seq = prompt[b:b + 1, : int(prompt_len[b])]
        expected = []
        for _ in range(max_new):
            if s["eos_id"] in expected:  # the row is done: pad_id from here on
                expected.append(s["pad_id"])
                continue
            with torch.no_grad():
                logits = model(tgt=seq, tgt_len=torch.tensor([seq.shape[1]]))
            nxt = int(logits[0, -1].argmax())
            expected.append(nxt)
            seq = torch.cat([seq, torch.tensor([[nxt]])], dim=1)
        if batched[b].tolist() != expected:
            return [f"generate row {b}: {batched[b].tolist()} != {expected}"]
    return []


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("reference", help="path to loom_reference.py")
    p.add_argument("--count", type=int, default=3, help="number of random specs")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    ref = import_reference(args.reference)
    rng = np.random.default_rng(args.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as workdir:
        for i in range(args.count):
            spec = random_spec(rng, i)
            failures, err = check_one(ref, spec, args.seed * 100 + i, workdir)
            summary = {k: v for k, v in spec.items() if k != "name"}
            verdict = "PASS" if not failures else "FAIL"
            print(f"{verdict} {spec['name']} max_abs_diff={err:g} {summary}")
            for f in failures:
                print("   ", f)
            bad += bool(failures)
    print(f"{args.count - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
