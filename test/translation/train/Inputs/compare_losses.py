"""Prints whether a run's first step loss equals its validation loss.

  compare_losses.py METRICS.jsonl

For a run of one step with lr 0 on a model without dropout, validating on
its own training text (one batch): train_step's loss and the loss
loom-train computes from NAME_forward's logits are the same number, up to
float32 rounding.
"""
import json
import sys

lines = [json.loads(text) for text in open(sys.argv[1], encoding="utf-8")]
step = next(l for l in lines if l["kind"] == "step")
valid = [l for l in lines if l["kind"] == "valid"][-1]
difference = abs(step["loss"] - valid["loss"]) / valid["loss"]
print(f"same loss: {difference < 1e-4} (step {step['loss']}, valid {valid['loss']})")
