"""Checks loom-translate's greedy output line by line against the model's
own greedy translation, NAME_translate through loom-run.

  check_greedy.py MODEL_DIR WEIGHTS INPUT TRANSLATION WORKDIR

For each line of INPUT: the SentencePiece ids (spm_encode, the same library
loom-translate uses), cut to max_len - 1 = 31, then eos (loom-train's
sources); loom-run --function=translate on that one row with
--max-new = min(32, 2 * length + 10), loom-translate's limit; the tokens up to eos, without pad and bos, decoded by spm_decode. That
text must be TRANSLATION's line, and an empty source an empty line. Prints
"greedy: N lines agree (E empty)"; exits 1 naming the first difference.
"""
import glob
import os
import subprocess
import sys

import numpy as np

MAX_LEN, PAD, BOS, EOS = 32, 0, 1, 2
model_dir, weights, input_path, translation_path, workdir = sys.argv[1:6]
spm = os.path.join(model_dir, "sentencepiece.model")
(library,) = glob.glob(os.path.join(model_dir, "lib*.so"))
os.makedirs(workdir, exist_ok=True)


def lines_of(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def encode(lines):
    out = subprocess.run(["spm_encode", f"--model={spm}", "--output_format=id"],
                         input="".join(line + "\n" for line in lines).encode(),
                         capture_output=True, check=True).stdout.decode()
    rows = [[int(i) for i in row.split()][:MAX_LEN - 1] for row in out.split("\n")[:-1]]
    return [row + [EOS] if row else [] for row in rows]


def decode(ids):
    out = subprocess.run(["spm_decode", f"--model={spm}", "--input_format=id"],
                         input=(" ".join(map(str, ids)) + "\n").encode(),
                         capture_output=True, check=True).stdout.decode()
    return out[:-1] if out.endswith("\n") else out


def translate(ids):
    src, src_len, tokens = (os.path.join(workdir, n + ".npy") for n in ("src", "src_len", "tokens"))
    np.save(src, np.array([ids], np.int32))
    np.save(src_len, np.array([len(ids)], np.int32))
    subprocess.run(["loom-run", f"--module={library}", f"--weights={weights}", "--threads=1",
                    "--function=translate", f"--max-new={min(MAX_LEN, 2 * len(ids) + 10)}",
                    f"--input=@{src}", f"--input=@{src_len}", f"--output=@{tokens}"],
                   check=True, stdout=subprocess.DEVNULL)
    kept = []
    for token in np.load(tokens)[0].tolist():
        if token == EOS:
            break
        if token not in (PAD, BOS):
            kept.append(token)
    return decode(kept)


inputs, translations = lines_of(input_path), lines_of(translation_path)
if len(inputs) != len(translations):
    sys.exit(f"{len(inputs)} input lines but {len(translations)} translations")
sources = encode(inputs)
assert len(sources) == len(inputs)
empty = 0
for number, (ids, got) in enumerate(zip(sources, translations), 1):
    expected = translate(ids) if ids else ""
    empty += not ids
    if got != expected:
        sys.exit(f"line {number}: loom-translate gave {got!r}, NAME_translate {expected!r}")
print(f"greedy: {len(inputs)} lines agree ({empty} empty)")
