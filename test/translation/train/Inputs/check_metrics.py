"""Checks a loom-train metrics log (JSON lines) and prints what it found.

  check_metrics.py METRICS.jsonl

Every line must parse and carry its kind's fields with the right types:
  start  time_s step model pairs batch_tokens lr_schedule warmup seed resumed
  step   step epoch time_s loss lr tgt_tokens tokens_per_s
  valid  step epoch time_s loss nll bleu tgt_tokens
Prints one line per run ("run: resumed=False step=0"), the count of each
kind, whether step and time_s never go back, and whether the loss went down
(the first step line's loss against the last's, and the same for the
validation loss).
"""
import json
import sys

NUMBER = (int, float)
FIELDS = {
    "start": {"time_s": NUMBER, "step": int, "model": str, "pairs": int,
              "batch_tokens": int, "lr_schedule": str, "warmup": int, "seed": int,
              "resumed": bool},
    "step": {"step": int, "epoch": int, "time_s": NUMBER, "loss": NUMBER, "lr": NUMBER,
             "tgt_tokens": int, "tokens_per_s": NUMBER},
    "valid": {"step": int, "epoch": int, "time_s": NUMBER, "loss": NUMBER, "nll": NUMBER,
              "bleu": NUMBER + (type(None),), "tgt_tokens": int},
}

lines = [json.loads(text) for text in open(sys.argv[1], encoding="utf-8")]
counts = {kind: 0 for kind in FIELDS}
for number, line in enumerate(lines, 1):
    kind = line.get("kind")
    if kind not in FIELDS:
        sys.exit(f"line {number}: unknown kind {kind!r}")
    for field, types in FIELDS[kind].items():
        if field not in line:
            sys.exit(f"line {number}: {kind} without {field!r}")
        value = line[field]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in
                                            (types if isinstance(types, tuple) else (types,))):
            sys.exit(f"line {number}: {kind} {field!r} = {value!r} has the wrong type")
    counts[kind] += 1
    if kind == "start":
        print(f"run: resumed={line['resumed']} step={line['step']}")
print(" ".join(f"{kind}={count}" for kind, count in counts.items()))

ordered = True
for kind in ("step", "valid"):
    values = [(l["step"], l["time_s"]) for l in lines if l["kind"] == kind]
    ordered = ordered and all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(values, values[1:]))
print(f"ordered: {ordered}")
steps = [l for l in lines if l["kind"] == "step"]
valids = [l for l in lines if l["kind"] == "valid"]
if steps:
    print(f"step loss down: {steps[-1]['loss'] < steps[0]['loss']}")
if valids:
    print(f"valid loss down: {valids[-1]['loss'] < valids[0]['loss']}")
    print(f"nll positive: {all(v['nll'] > 0 for v in valids)}")
    print(f"bleu: {'null' if valids[-1]['bleu'] is None else 'number'}")
