#!/usr/bin/python3
"""attention.png: the cross-attention of the last decoder layer of a trained translator.

  show_attention.py MODEL_DIR SOURCES HYPOTHESES OUT.png [--count 4] [--max-pieces 14]

MODEL_DIR is a model directory (lib<name>.so, sentencepiece.model, checkpoint.safetensors:
what loom-train writes and loom-translate reads). SOURCES and HYPOTHESES are line-aligned
text files (the test split and loom-translate's translations of it). A few sentence pairs
whose pieces fit --max-pieces are fed to the library exactly as training feeds them
(source: pieces + eos; decoder input: bos + the translation's pieces), and
<name>_cross_attention returns every decoder layer's probabilities [L, B, heads, T, S];
the last layer's are drawn with attention_plot.plot_attention: per sentence the average
over heads, then each head. Row t is the decoder position that predicts target piece t
(the last row predicts eos), as d2l's show_heatmaps labels its queries.
"""
import argparse
import ctypes
import glob
import os
import sys

import numpy as np
import sentencepiece

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attention_plot import plot_attention  # noqa: E402


class ModelInfo(ctypes.Structure):
    """loom_model_info (runtime/include/loom/loom_model_api.h)."""
    _fields_ = [("name", ctypes.c_char_p), ("architecture", ctypes.c_char_p)] + [
        (f, ctypes.c_int64) for f in ("d_model", "heads", "ffn_hidden", "encoder_layers",
                                      "decoder_layers", "src_vocab", "tgt_vocab", "max_len",
                                      "pad_id", "bos_id", "eos_id")]


class Library:
    """The compiled model through its C API: create, load_checkpoint, cross_attention."""

    def __init__(self, model_dir, threads=2):
        libs = glob.glob(os.path.join(model_dir, "lib*.so"))
        if len(libs) != 1:
            raise SystemExit(f"show_attention: {model_dir} must hold one lib<name>.so, "
                             f"found {len(libs)}")
        self.name = os.path.basename(libs[0])[3:-3]
        self.lib = ctypes.CDLL(libs[0])
        self.fn("info").restype = ctypes.POINTER(ModelInfo)
        self.fn("last_error").restype = ctypes.c_char_p
        self.info = self.fn("info")().contents
        if self.info.architecture != b"encoder_decoder":
            raise SystemExit(f"show_attention: {libs[0]} is not an encoder_decoder model")
        self.model = ctypes.c_void_p()
        self.check("create_seeded", 0, threads, ctypes.byref(self.model))
        checkpoint = os.path.join(model_dir, "checkpoint.safetensors").encode()
        self.check("load_checkpoint", self.model, checkpoint)

    def fn(self, suffix):
        return getattr(self.lib, f"{self.name}_{suffix}")

    def check(self, suffix, *args):
        if self.fn(suffix)(*args) != 0:
            raise SystemExit(f"show_attention: {self.name}_{suffix}: "
                             f"{self.fn('last_error')().decode(errors='replace')}")

    def cross_attention(self, src, src_len, tgt, tgt_len):
        """[decoder_layers, B, heads, T, S] float32."""
        b, s = src.shape
        t = tgt.shape[1]
        out = np.zeros((self.info.decoder_layers, b, self.info.heads, t, s), np.float32)
        i32 = ctypes.POINTER(ctypes.c_int32)
        arrays = [np.ascontiguousarray(a, np.int32) for a in (src, src_len, tgt, tgt_len)]
        ptrs = [a.ctypes.data_as(i32) for a in arrays]
        self.check("cross_attention", self.model, ctypes.c_int64(b), ctypes.c_int64(s),
                   ptrs[0], ptrs[1], ctypes.c_int64(t), ptrs[2], ptrs[3],
                   out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        return out


def pick_pairs(sources, hypotheses, sp, count, max_pieces):
    """The first `count` pairs, spread over the file, whose both sides have 3..max_pieces
    pieces (short enough to read in a heatmap)."""
    chosen = []
    step = max(1, len(sources) // (8 * count))
    for i in range(0, len(sources), step):
        src, hyp = sp.encode(sources[i]), sp.encode(hypotheses[i])
        if 3 <= len(src) <= max_pieces and 3 <= len(hyp) <= max_pieces:
            chosen.append((src, hyp))
        if len(chosen) == count:
            break
    return chosen


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model_dir")
    p.add_argument("sources")
    p.add_argument("hypotheses")
    p.add_argument("out")
    p.add_argument("--count", type=int, default=4, help="sentences (default 4)")
    p.add_argument("--max-pieces", type=int, default=14,
                   help="longest side in subwords (default 14)")
    args = p.parse_args(argv)
    sp = sentencepiece.SentencePieceProcessor(
        model_file=os.path.join(args.model_dir, "sentencepiece.model"))
    read = lambda path: open(path, encoding="utf-8").read().split("\n")  # noqa: E731
    sources, hypotheses = read(args.sources), read(args.hypotheses)
    if len(sources) != len(hypotheses):
        raise SystemExit(f"show_attention: {args.sources} has {len(sources)} lines but "
                         f"{args.hypotheses} has {len(hypotheses)}")
    library = Library(args.model_dir)
    info = library.info
    pairs = pick_pairs(sources, hypotheses, sp, args.count, args.max_pieces)
    if not pairs:
        raise SystemExit("show_attention: no sentence pair is short enough to draw")
    panels = []
    for src, hyp in pairs:
        source = np.array([src + [info.eos_id]])
        target = np.array([[info.bos_id] + hyp])
        weights = library.cross_attention(source, np.array([source.shape[1]]), target,
                                          np.array([target.shape[1]]))
        panels.append(([sp.id_to_piece(i) for i in src] + ["</s>"],
                       [sp.id_to_piece(i) for i in hyp] + ["</s>"],
                       weights[-1, 0]))
    plot_attention(args.out, panels,
                   title=f"{library.name}: cross-attention of decoder layer "
                         f"{info.decoder_layers} (of {info.decoder_layers}), test sentences")
    print(f"show_attention: wrote {args.out} ({len(panels)} sentences, "
          f"{info.heads} heads)")


if __name__ == "__main__":
    main(sys.argv[1:])
