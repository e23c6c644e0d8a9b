"""Writes the .npy inputs of the train_step tests into DIR (numpy), for the
decoder of Inputs/lm.yaml (tgt_vocab 12, max_len 8, pad_id 0): a batch of
tokens, lengths and labels, and broken labels."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
tgt = np.array([[1, 5, 7, 3, 9], [1, 11, 4, 0, 0], [1, 2, 0, 0, 0]], np.int32)
labels = np.array([[5, 7, 3, 9, 2], [11, 4, 2, 0, 0], [0, 0, 0, 0, 0]], np.int64)
arrays = {
    "tgt": tgt,
    "tgt_len": np.array([5, 3, 2], np.int32),
    # the last row's labels are all pad_id: it contributes nothing
    "labels": labels,
    "labels_short": labels[:, :4],
    "labels_float": labels.astype(np.float32),
    "labels_oov": np.where(labels == 9, 12, labels),
    "labels_negative": np.where(labels == 9, -1, labels),
}
for name, array in arrays.items():
    np.save(os.path.join(out, name + ".npy"), array)
