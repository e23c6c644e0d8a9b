#!/usr/bin/env bash
# The main job: set up and build Loom, compile the translation example's spec
# into a native library, create weights, and translate a few sentences with
# loom-run (greedy decoding with a KV cache).
#
# The weights are initialised from a seed: training lands with a later issue,
# so the output tokens are not a real translation yet, only what this model
# computes (the parity tests check that PyTorch computes the same).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/cmake/setup.sh"

bin="$root/build/bin"
out="$root/build/examples/translation"
spec="$root/examples/translation/model.yaml"
mkdir -p "$out"

echo "== loomc compile $spec --emit=kernels (the inference plan, first calls)"
"$bin/loomc" compile "$spec" --emit=kernels > "$out/kernels.txt"
head -8 "$out/kernels.txt"
echo "   ... (all of it in $out/kernels.txt)"
echo "== loomc compile $spec -o $out"
"$bin/loomc" compile "$spec" -o "$out"

/usr/bin/python3 "$root/examples/translation/make_inputs.py" "$out"
echo "== weights: initialised in-library from --seed=1, saved to weights.safetensors"
"$bin/loom-run" --module="$out/libtranslator.so" --seed=1 --function=translate \
  --input=@"$out/src.npy" --input=@"$out/src_len.npy" --max-new=12 \
  --output=@"$out/seeded.npy" --save-weights="$out/weights.safetensors"

echo "== loom-run --function=translate with the saved weights (4 sentences, 2 threads)"
"$bin/loom-run" --module="$out/libtranslator.so" --weights="$out/weights.safetensors" \
  --function=translate --input=@"$out/src.npy" --input=@"$out/src_len.npy" \
  --max-new=12 --threads=2 --repeat=5 --output=@"$out/tokens.npy"
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
src, lens = np.load(f"{out}/src.npy"), np.load(f"{out}/src_len.npy")
tokens, seeded = np.load(f"{out}/tokens.npy"), np.load(f"{out}/seeded.npy")
assert (tokens == seeded).all(), "reloaded weights translate differently"
for row in range(len(src)):
    print(f"  source {src[row, :lens[row]].tolist()}\n  -> {tokens[row].tolist()}")
PY
