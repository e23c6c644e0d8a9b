"""Starts a training, signals it once it has taken a step, reports how it ended.

  interrupt.py INT|TERM DIR COMMAND [ARGS...]

Waits until DIR/metrics.jsonl has a "step" line (run the training with
--log-every=1), sends SIGINT or SIGTERM, waits for the exit, and prints
  exit STATUS
  checkpoint step N, trainer.json step M
so that FileCheck can see a stop that kept a consistent checkpoint.
"""
import json
import os
import signal
import struct
import subprocess
import sys
import time

which, directory, command = sys.argv[1], sys.argv[2], sys.argv[3:]
process = subprocess.Popen(command)
metrics = os.path.join(directory, "metrics.jsonl")
deadline = time.time() + 60
while time.time() < deadline and process.poll() is None:
    if os.path.exists(metrics) and '"kind":"step"' in open(metrics, encoding="utf-8").read():
        break
    time.sleep(0.005)
process.send_signal(signal.SIGINT if which == "INT" else signal.SIGTERM)
print(f"exit {process.wait()}")

with open(os.path.join(directory, "checkpoint.safetensors"), "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
state = json.load(open(os.path.join(directory, "trainer.json"), encoding="utf-8"))
print(f"checkpoint step {header['__metadata__']['step']}, trainer.json step {state['step']}")
