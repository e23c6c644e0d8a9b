#!/usr/bin/python3
"""Writes the translation example's inputs: a small batch of source sentences
as token ids (src.npy, int32 [B, S], padded with pad_id = 0) and their lengths
(src_len.npy, int32 [B]). Ids 3.. stand for words; 1 is bos, 2 is eos."""
import sys

import numpy as np

SENTENCES = [
    [17, 254, 31, 9, 400, 2],
    [5, 88, 2],
    [42, 42, 77, 310, 12, 999, 64, 2],
    [123, 7, 2],
]


def main(out_dir):
    width = max(len(s) for s in SENTENCES)
    src = np.zeros((len(SENTENCES), width), dtype=np.int32)
    for row, sentence in enumerate(SENTENCES):
        src[row, : len(sentence)] = sentence
    np.save(f"{out_dir}/src.npy", src)
    np.save(f"{out_dir}/src_len.npy", np.array([len(s) for s in SENTENCES], dtype=np.int32))


if __name__ == "__main__":
    main(sys.argv[1])
