# make_model_dir.sh SPEC DATA DIR: compiles SPEC into DIR and puts a
# SentencePiece model of 96 pieces trained on DATA/spm.txt next to it (ids as
# the specs': pad 0, bos 1, eos 2, unk 3). Logs go to DIR.log.
set -e
loomc compile "$1" -o "$3" 2> "$3.log"
spm_train --input="$2/spm.txt" --model_prefix="$3/sentencepiece" --vocab_size=96 \
  --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --model_type=bpe >> "$3.log" 2>&1
rm -f "$3/sentencepiece.vocab"
