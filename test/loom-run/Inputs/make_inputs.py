"""Writes the .npy inputs of the loom-run tests into DIR (numpy): valid ones
for a model with src_vocab 10, tgt_vocab 12, max_len 8, and broken ones."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
arrays = {
    "src": np.array([[3, 4, 5], [1, 2, 0]], np.int32),
    "src_len": np.array([3, 2], np.int64),
    "tgt": np.array([[1, 5], [1, 11]], np.int64),
    "tgt_len": np.array([2, 1], np.int32),
    "float": np.zeros((2, 3), np.float32),
    "rank3": np.zeros((2, 2, 1), np.int32),
    "rank2_len": np.ones((2, 1), np.int32),
    "int64_big": np.array([[3, 4, 5], [1, 2, 2**40]], np.int64),
    "src_oov": np.array([[3, 4, 5], [1, 10, 0]], np.int32),
    "src_negative": np.array([[3, 4, 5], [1, 2, -1]], np.int32),
    "len_batch3": np.array([3, 2, 1], np.int32),
    "len_zero": np.array([3, 0], np.int32),
    "len_long": np.array([3, 4], np.int32),
    "src_empty": np.zeros((2, 0), np.int32),
    "src_batch0": np.zeros((0, 3), np.int32),
    "len_batch0": np.zeros((0,), np.int32),
    "src_long": np.zeros((2, 9), np.int32),
    "prompt5": np.ones((2, 5), np.int32),
    "prompt8": np.ones((2, 8), np.int32),
    "uint8": np.ones((2, 3), np.uint8),
}
for name, array in arrays.items():
    np.save(os.path.join(out, name + ".npy"), array)
