"""Writes one small training batch for the test model (vocabulary 80,
max_len 32) into DIR as .npy files: src, src_len, tgt, tgt_len, labels.
loom-run trains one step on it to write a checkpoint."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
arrays = {
    "src": np.array([[5, 9, 14, 30, 2], [7, 11, 2, 0, 0]], np.int32),
    "src_len": np.array([5, 3], np.int32),
    "tgt": np.array([[1, 6, 12, 40], [1, 8, 0, 0]], np.int32),
    "tgt_len": np.array([4, 2], np.int32),
    "labels": np.array([[6, 12, 40, 2], [8, 2, 0, 0]], np.int32),
}
for name, array in arrays.items():
    np.save(os.path.join(out, name + ".npy"), array)
