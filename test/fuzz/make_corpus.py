#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets into test/fuzz/corpus/:
spec/ (model specs), safetensors/, npy/ and records/ (tuning records): a few
small valid files and a few broken ones each. The files are checked in; run this again only to change
them (it rewrites every seed). Standard library only.

  python3 test/fuzz/make_corpus.py
"""
import json
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# ---- spec: what loom-fuzz-spec parses, imports and compiles to EmitC.
ED = """name: ed
d_model: 16
heads: 2
ffn_hidden: 32
encoder_layers: 1
decoder_layers: 2
src_vocab: 11
tgt_vocab: 13
max_len: 20
"""
SPECS = {
    "ed.yaml": ED,
    "encoder.yaml": """# BERT-like, pre-norm
name: enc
architecture: encoder
d_model: 24
heads: 3
ffn_hidden: 40
encoder_layers: 2
src_vocab: 50
max_len: 16
activation: gelu
norm_first: true
final_norm: false
dropout: 0.1
""",
    "decoder.yaml": """name: lm
architecture: decoder
d_model: 32
heads: 4
ffn_hidden: 64
decoder_layers: 1
tgt_vocab: 97
max_len: 40
layer_norm_eps: 1e-6
pad_id: 0
bos_id: 1
eos_id: 2
label_smoothing: 0.1
""",
    "flow.yaml": "{name: f, architecture: encoder, d_model: 8, heads: 1, "
                 "ffn_hidden: 8, encoder_layers: 1, src_vocab: 4, max_len: 4}\n",
    "quoted.yaml": "\ufeff---\n'name': \"q\"\nd_model: +16\nheads: 2\nffn_hidden: 32\n"
                   "encoder_layers: 1\ndecoder_layers: 1\nsrc_vocab: 11\ntgt_vocab: 13\n"
                   "max_len: 20 # comment\n...\n",
    # Broken: each is refused with a located diagnostic.
    "bad-divisible.yaml": ED.replace("heads: 2", "heads: 3"),
    "bad-types.yaml": ED.replace("d_model: 16", "d_model: [16]").replace("max_len: 20", "max_len: x"),
    "bad-duplicate.yaml": ED + "heads: 4\nunknown_key: 1\n",
    "bad-tag.yaml": ED.replace("name: ed", "name: !!str ed").replace("heads: 2", "heads: &a 2"),
    "bad-nesting.yaml": "name: " + "[" * 40 + "\n",
    "bad-encoding.yaml": ED.replace("name: ed", "name: e\x00d\x01"),
    "bad-reserved.yaml": ED.replace("name: ed", "name: loom_x"),
}

# ---- safetensors: an 8-byte little-endian header length, a JSON header,
# then the data. The fuzz body also checks a tensor "w" of shape [2, 3].


def safetensors(tensors, metadata=None, header_override=None, data_extra=b""):
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, payload in tensors:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = header_override if header_override is not None else \
        json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + data + data_extra


def f32(*values):
    return struct.pack(f"<{len(values)}f", *values)


W = ("w", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6))
SAFETENSORS = {
    "w.safetensors": safetensors([W]),
    "two.safetensors": safetensors([W, ("b", "F32", [3], f32(0.5, -1, 2))],
                                   metadata={"format": "pt"}),
    "dtypes.safetensors": safetensors([
        ("h", "F16", [2], struct.pack("<2e", 1.0, -2.0)),
        ("i", "I64", [1], struct.pack("<q", 7)),
        ("u", "U8", [3], b"\x01\x02\x03"),
        ("s", "F32", [], f32(3.5)),
        ("z", "F32", [0, 4], b"")]),
    "empty.safetensors": safetensors([]),
    # Broken.
    "bad-length.safetensors": struct.pack("<Q", 1 << 40) + b"{}",
    "bad-json.safetensors": safetensors([], header_override=b'{"w":{"dtype":"F32",'),
    "bad-offsets.safetensors": safetensors([], header_override=json.dumps(
        {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 64]}}).encode()),
    "bad-shape.safetensors": safetensors([], header_override=json.dumps(
        {"w": {"dtype": "F32", "shape": [2, -3], "data_offsets": [0, 24]}}).encode()) + bytes(24),
    "bad-overlap.safetensors": safetensors([], header_override=json.dumps(
        {"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}).encode()) + bytes(12),
    "bad-truncated.safetensors": safetensors([W])[:-5],
    "bad-dtype.safetensors": safetensors([("w", "F8", [2], b"\x01\x02")]),
}

# ---- npy: "\x93NUMPY", version, header length, a Python dict literal
# padded with spaces to a multiple of 64 and ended by "\n", then the data.


def npy(descr, shape, payload, version=(1, 0), fortran=False, header_text=None,
        magic=b"\x93NUMPY"):
    if header_text is None:
        dims = "".join(f"{d}, " for d in shape) if len(shape) == 1 else ", ".join(map(str, shape))
        header_text = (f"{{'descr': '{descr}', 'fortran_order': {fortran}, "
                       f"'shape': ({dims}), }}")
    length_size = 2 if version[0] == 1 else 4
    prefix = len(magic) + 2 + length_size
    pad = (-(prefix + len(header_text) + 1)) % 64
    text = (header_text + " " * pad + "\n").encode("latin-1")
    length = struct.pack("<H" if length_size == 2 else "<I", len(text))
    return magic + bytes(version) + length + text + payload


NPY = {
    "f32.npy": npy("<f4", (2, 3), f32(1, 2, 3, 4, 5, 6)),
    "i32.npy": npy("<i4", (3,), struct.pack("<3i", 1, 2, 3)),
    "i64.npy": npy("<i8", (2, 1), struct.pack("<2q", 5, -1)),
    "scalar.npy": npy("<f4", (), f32(2.5)),
    "empty.npy": npy("<i4", (0, 3), b""),
    "v2.npy": npy("<i4", (2,), struct.pack("<2i", 9, 8), version=(2, 0)),
    # Broken.
    "bad-magic.npy": npy("<f4", (1,), f32(1), magic=b"\x93NUMPX"),
    "bad-truncated.npy": npy("<f4", (2, 3), f32(1, 2, 3)),
    "bad-descr.npy": npy(">f8", (1,), bytes(8)),
    "bad-fortran.npy": npy("<f4", (2, 2), f32(1, 2, 3, 4), fortran=True),
    "bad-header.npy": npy(None, None, b"", header_text="{'descr': '<f4', 'shape': (1,"),
    "bad-shape.npy": npy("<i4", None, b"", header_text=
                         "{'descr': '<i4', 'fortran_order': False, 'shape': (-1, 99999999999999999999), }"),
}


# ---- records: what loom-fuzz-records parses (loomc tune's JSON lines).
RECORD = ('{"kernel":"linear","family":"linear","isa":"avx512","params":["activation=none",'
          '"k=0","n=0"],"workload":"1f2e","shapes":"B=8,S=128,T=128","functions":"forward",'
          '"schedule":{"tile_rows":6,"tile_vectors":4},"status":"ok","median_us":812.5,'
          '"default_us":901.2,"flops":2.1e9,"repeats":10,"error":"","machine":{"cpu":"AMD EPYC",'
          '"isa_features":"avx2 fma avx512f","threads":2},"loom":"a110","halide":"14",'
          '"seed":"18446744073709551615","candidate":3}')
RECORDS = {
    "two.jsonl": RECORD + "\n\n" + RECORD.replace('"ok"', '"crashed"') + "\n",
    "no-flops.jsonl": RECORD.replace('"flops":2.1e9,', ""),
    "bad-seed.jsonl": RECORD.replace('"18446744073709551615"', '"-1"'),
    "bad-knob.jsonl": RECORD.replace('"tile_rows":6', '"tile_rows":6.5'),
}


def main():
    for target, files in (("spec", SPECS), ("safetensors", SAFETENSORS), ("npy", NPY),
                          ("records", RECORDS)):
        directory = os.path.join(CORPUS, target)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for name, content in files.items():
            if isinstance(content, str):
                content = content.encode("utf-8")
            with open(os.path.join(directory, name), "wb") as f:
                f.write(content)
        print(f"{directory}: {len(files)} files, {sum(map(len, files.values()))} bytes")


if __name__ == "__main__":
    main()
