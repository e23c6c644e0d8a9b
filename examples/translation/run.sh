#!/usr/bin/env bash
# The main job: an English -> French translator trained with Loom.
#
#   1. set up and build Loom (cmake/setup.sh);
#   2. the corpus: the French gettext catalogs of a pinned list of Debian
#      packages (installed if missing), split into train / valid / test;
#   3. a joint SentencePiece model on the training split;
#   4. loomc compiles model.yaml into the model directory;
#   5. loom-train trains it for LOOM_TRAIN_SECONDS (default 600) seconds;
#   6. loom-translate translates the test split with beam search; loom-bleu
#      scores it; a dozen examples are printed;
#   7. pictures: loss.png (losses and BLEU over time), attention.png
#      (cross-attention of the last decoder layer).
#
# Everything goes to build/examples/translation/. Running it again reuses
# the build, the corpus and the tokenizer when their inputs did not change,
# and trains afresh (LOOM_TRAIN_RESUME=1 continues the last training instead).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/examples/translation"
"$root/cmake/setup.sh"

bin="$root/build/bin"
out="$root/build/examples/translation"
model="$out/model"
seconds="${LOOM_TRAIN_SECONDS:-600}"
beam="${LOOM_BEAM:-4}"
# alpha of the length penalty, chosen on the valid split of a 10-minute model
# (valid BLEU, beam 4: alpha 0.6 29.95, 1.0 30.49, 1.4 31.17, 2.0 29.85):
# with Marian's 0.6 the hypotheses come out 17% short of the references.
alpha="${LOOM_LENGTH_PENALTY:-1.4}"
py=/usr/bin/python3
mkdir -p "$out" "$model"

echo "== corpus: French catalogs of the packages in $here/corpus_packages.txt"
mapfile -t packages < <("$py" "$here/make_corpus.py" --print-packages)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"$py" "$here/make_corpus.py" "$out/corpus"

echo "== tokenizer: joint SentencePiece model on the training split"
vocab=$("$py" -c "import yaml, sys; s = yaml.safe_load(open(sys.argv[1])); assert s['src_vocab'] == s['tgt_vocab'], 'the joint tokenizer needs src_vocab == tgt_vocab'; print(s['src_vocab'])" "$here/model.yaml")
stamp="$vocab $(cat "$out/corpus/train.en" "$out/corpus/train.fr" | md5sum | cut -d' ' -f1)"
if [ ! -f "$model/sentencepiece.model" ] || [ "$(cat "$out/tokenizer.stamp" 2>/dev/null)" != "$stamp" ]; then
  spm_train --input="$out/corpus/train.en,$out/corpus/train.fr" \
    --model_prefix="$out/sentencepiece" --vocab_size="$vocab" --model_type=unigram \
    --character_coverage=1.0 --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 \
    --num_threads=2 --minloglevel=2 > "$out/spm_train.log" 2>&1 \
    || { tail -20 "$out/spm_train.log"; exit 1; }
  mv "$out/sentencepiece.model" "$model/sentencepiece.model"
  mv "$out/sentencepiece.vocab" "$model/sentencepiece.vocab"
  echo "$stamp" > "$out/tokenizer.stamp"
fi
echo "$vocab pieces: $model/sentencepiece.model"

echo "== loomc compile $here/model.yaml -o $model"
"$bin/loomc" compile "$here/model.yaml" -o "$model"

echo "== loom-train: $seconds s on 2 threads"
resume=()
if [ "${LOOM_TRAIN_RESUME:-0}" = 1 ] && [ -f "$model/checkpoint.safetensors" ]; then
  resume=(--resume)
else
  rm -f "$model/checkpoint.safetensors" "$model/trainer.json" "$out/metrics.jsonl"
fi
"$bin/loom-train" --model="$model" --train="$out/corpus/train" --valid="$out/corpus/valid" \
  --time-budget="$seconds" --threads=2 --metrics="$out/metrics.jsonl" "${resume[@]}"

echo "== loom-translate --beam=$beam --length-penalty=$alpha: the test split"
"$bin/loom-translate" --model="$model" --beam="$beam" --length-penalty="$alpha" --threads=2 \
  < "$out/corpus/test.en" > "$out/test.hyp"
echo "test BLEU ($(wc -l < "$out/test.hyp") sentences, beam $beam, alpha $alpha, sacreBLEU 13a):"
"$bin/loom-bleu" "$out/test.hyp" "$out/corpus/test.fr"

echo "== examples (source / reference / Loom)"
"$py" - "$out" <<'PY'
import sys
out = sys.argv[1]
read = lambda name: open(f"{out}/{name}", encoding="utf-8").read().split("\n")
src, ref, hyp = read("corpus/test.en"), read("corpus/test.fr"), read("test.hyp")
step = max(1, (len(hyp) - 1) // 12)
for i in range(0, 12 * step, step):
    print(f"  en:   {src[i]}\n  ref:  {ref[i]}\n  loom: {hyp[i]}\n")
PY

echo "== pictures"
"$py" "$here/plot_training.py" --metrics "$out/metrics.jsonl" --out "$out/loss.png"
echo "wrote $out/loss.png"
"$py" "$here/show_attention.py" "$model" "$out/corpus/test.en" "$out/test.hyp" "$out/attention.png"
