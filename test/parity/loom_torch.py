"""Loom's own PyTorch model of a Loom spec: the other side of the parity tests.

This follows the semantics defined in INTERFACES.md §2 (embeddings scaled by
sqrt(d_model) plus a sinusoidal table, key-padding masks from the length inputs, a causal
mask in the decoder, PyTorch's nn.Transformer layer order, an output projection, greedy
decoding). The state_dict names are the weight names of a Loom safetensors file.

Used by run_parity.py, run_bad_inputs.py and test/bench/bench_inference.py; imports
only torch, numpy and yaml (Debian's /usr/bin/python3).
"""
import json
import math
import struct

import numpy as np
import torch
import yaml
from torch import nn

# One table of spec defaults (INTERFACES.md §1).
DEFAULTS = {
    "architecture": "encoder_decoder",
    "encoder_layers": 0,
    "decoder_layers": 0,
    "src_vocab": 0,
    "tgt_vocab": 0,
    "dropout": 0.0,
    "activation": "relu",
    "norm_first": False,
    "layer_norm_eps": 1e-5,
    "final_norm": True,
    "pad_id": 0,
    "bos_id": 1,
    "eos_id": 2,
    "label_smoothing": 0.0,
    "adam_beta1": 0.9,
    "adam_beta2": 0.98,
    "adam_eps": 1e-9,
}

ARCHITECTURES = ("encoder_decoder", "encoder", "decoder")


# ---- specs

def complete_spec(spec):
    """Returns a copy of `spec` (a dict as written in YAML) with every default filled in."""
    out = dict(DEFAULTS)
    out.update(spec)
    return out


def load_spec(path):
    """Reads a spec YAML file and fills in the defaults."""
    with open(path) as f:
        return complete_spec(yaml.safe_load(f))


def write_spec(path, spec):
    """Writes the keys of `spec` (only those given, so unused keys stay absent) as YAML."""
    with open(path, "w") as f:
        yaml.safe_dump(dict(spec), f, sort_keys=False)


# ---- masks and positions

def positional_table(max_len, d):
    """P[pos, 2i] = sin(pos / 10000^(2i/d)), P[pos, 2i+1] = cos(same); float64 rounded to f32."""
    pos = torch.arange(max_len, dtype=torch.float64)[:, None]
    div = torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float64) / d)
    table = torch.zeros(max_len, d, dtype=torch.float64)
    table[:, 0::2] = torch.sin(pos / div)
    table[:, 1::2] = torch.cos(pos / div)
    return table.float()


def padding_mask(lengths, size):
    """Bool [B, size], True where a position is padding (index >= length)."""
    return torch.arange(size)[None, :] >= lengths[:, None]


def causal_mask(size):
    """Float [size, size] additive mask: -inf above the diagonal."""
    return torch.triu(torch.full((size, size), float("-inf")), diagonal=1)


# ---- the model

class LoomTorchModel(nn.Module):
    """A Loom spec as a PyTorch module; state_dict names are Loom's weight names."""

    def __init__(self, spec):
        super().__init__()
        spec = complete_spec(spec)
        self.spec = spec
        d, h, ff = spec["d_model"], spec["heads"], spec["ffn_hidden"]
        common = dict(dim_feedforward=ff, dropout=spec["dropout"], activation=spec["activation"],
                      layer_norm_eps=spec["layer_norm_eps"], batch_first=True,
                      norm_first=spec["norm_first"])
        arch = spec["architecture"]
        self.register_buffer("pe", positional_table(spec["max_len"], d), persistent=False)
        self.drop = nn.Dropout(spec["dropout"])
        if arch == "encoder_decoder":
            self.src_embedding = nn.Embedding(spec["src_vocab"], d)
            self.tgt_embedding = nn.Embedding(spec["tgt_vocab"], d)
            self.transformer = nn.Transformer(d, h, spec["encoder_layers"], spec["decoder_layers"],
                                              **common)
            self.transformer.encoder.enable_nested_tensor = False
            if not spec["final_norm"]:
                self.transformer.encoder.norm = None
                self.transformer.decoder.norm = None
            self.output = nn.Linear(d, spec["tgt_vocab"])
        elif arch in ("encoder", "decoder"):
            layers = spec["encoder_layers"] if arch == "encoder" else spec["decoder_layers"]
            layer = nn.TransformerEncoderLayer(d, h, **common)
            norm = nn.LayerNorm(d, eps=spec["layer_norm_eps"]) if spec["final_norm"] else None
            self.transformer = nn.TransformerEncoder(layer, layers, norm=norm,
                                                     enable_nested_tensor=False)
            if arch == "encoder":
                self.src_embedding = nn.Embedding(spec["src_vocab"], d)
            else:
                self.tgt_embedding = nn.Embedding(spec["tgt_vocab"], d)
                self.output = nn.Linear(d, spec["tgt_vocab"])
        else:
            raise ValueError(f"unknown architecture {arch!r}")

    def embed(self, table, tokens):
        """table(tokens) * sqrt(d_model) + P[:len], then dropout."""
        d = self.spec["d_model"]
        return self.drop(table(tokens) * math.sqrt(d) + self.pe[: tokens.shape[1]])

    def forward(self, src=None, src_len=None, tgt=None, tgt_len=None):
        """encoder_decoder: logits [B,T,V]; encoder: hidden [B,S,d]; decoder: logits [B,T,V]."""
        arch = self.spec["architecture"]
        if arch == "encoder_decoder":
            src_pad = padding_mask(src_len, src.shape[1])
            tgt_pad = padding_mask(tgt_len, tgt.shape[1])
            y = self.transformer(self.embed(self.src_embedding, src),
                                 self.embed(self.tgt_embedding, tgt),
                                 tgt_mask=causal_mask(tgt.shape[1]),
                                 src_key_padding_mask=src_pad,
                                 tgt_key_padding_mask=tgt_pad,
                                 memory_key_padding_mask=src_pad)
            return self.output(y)
        if arch == "encoder":
            return self.transformer(self.embed(self.src_embedding, src),
                                    src_key_padding_mask=padding_mask(src_len, src.shape[1]))
        y = self.transformer(self.embed(self.tgt_embedding, tgt), mask=causal_mask(tgt.shape[1]),
                             src_key_padding_mask=padding_mask(tgt_len, tgt.shape[1]))
        return self.output(y)

    def run_forward(self, inputs):
        """forward() on the inputs in loom-run's order (INTERFACES.md §4)."""
        arch = self.spec["architecture"]
        if arch == "decoder":
            return self.forward(tgt=inputs[0], tgt_len=inputs[1])
        return self.forward(*inputs)

    @torch.no_grad()
    def translate(self, src, src_len, max_new):
        """Greedy decoding from bos_id; a row is pad_id after its eos_id; stops when all are done.

        Returns (tokens [B, max_new] int64, margin): margin is the smallest gap between the
        best and second-best logit over the decisions that were made (a small one means a
        near tie that float rounding could flip).
        """
        s = self.spec
        batch = src.shape[0]
        out = torch.full((batch, max_new), s["pad_id"], dtype=torch.long)
        tgt = torch.full((batch, 1), s["bos_id"], dtype=torch.long)
        done = torch.zeros(batch, dtype=torch.bool)
        margin = math.inf
        for step in range(max_new):
            lens = torch.full((batch,), tgt.shape[1], dtype=torch.long)
            logits = self.forward(src, src_len, tgt, lens)[:, -1]
            margin = min(margin, _top2_margin(logits[~done]))
            nxt = logits.argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, s["pad_id"]), nxt)
            out[:, step] = nxt
            done |= nxt == s["eos_id"]
            tgt = torch.cat([tgt, nxt[:, None]], dim=1)
            if bool(done.all()):
                break
        return out, margin

    @torch.no_grad()
    def generate(self, prompt, prompt_len, max_new):
        """Greedy continuation for a decoder-only model.

        Row b starts from its prompt_len[b] valid tokens (the rest of the row is padding).
        Each step appends, to every row, the argmax of the logits at its last valid
        position; after a row has emitted eos_id it emits pad_id. Returns
        (tokens [B, max_new] int64, margin) as translate() does.
        """
        s = self.spec
        batch, width = prompt.shape
        lens = prompt_len.clone().long()
        seq = torch.full((batch, width + max_new), s["pad_id"], dtype=torch.long)
        seq[:, :width] = prompt
        seq[padding_mask(lens, seq.shape[1])] = s["pad_id"]
        out = torch.full((batch, max_new), s["pad_id"], dtype=torch.long)
        done = torch.zeros(batch, dtype=torch.bool)
        margin = math.inf
        rows = torch.arange(batch)
        for step in range(max_new):
            cur = int(lens.max())
            logits = self.forward(tgt=seq[:, :cur], tgt_len=lens)[rows, lens - 1]
            margin = min(margin, _top2_margin(logits[~done]))
            nxt = logits.argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, s["pad_id"]), nxt)
            out[:, step] = nxt
            done |= nxt == s["eos_id"]
            seq[rows, lens] = nxt
            lens = lens + 1
            if bool(done.all()):
                break
        return out, margin


def _top2_margin(logits):
    """Smallest (best - second best) over the rows of a [N, V] logits tensor; inf if empty."""
    if logits.shape[0] == 0 or logits.shape[1] < 2:
        return math.inf
    top = logits.topk(2, dim=-1).values
    return float((top[:, 0] - top[:, 1]).min())


def build_model(spec, seed, perturb=True):
    """A model with PyTorch's default initialisation from `seed`.

    With `perturb`, LayerNorm weights become 1 + noise and every bias gets noise added, so
    that a kernel that ignores a bias or a LayerNorm gain cannot pass a parity test.
    """
    torch.manual_seed(seed)
    model = LoomTorchModel(spec)
    if perturb:
        perturb_weights(model, seed)
    model.eval()
    return model


@torch.no_grad()
def perturb_weights(model, seed, scale=0.1):
    """Adds N(0, scale^2) noise to every bias and every LayerNorm weight."""
    gen = torch.Generator().manual_seed(seed * 7919 + 17)
    norm_weights = {f"{name}.weight" for name, mod in model.named_modules()
                    if isinstance(mod, nn.LayerNorm)}
    for name, param in model.named_parameters():
        if name.endswith("bias") or name in norm_weights:
            param.add_(torch.randn(param.shape, generator=gen) * scale)


# ---- safetensors (u64 little-endian header size, JSON header, raw little-endian data)

_DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}
_DTYPE_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def safetensors_bytes(tensors, keep_dtype=False):
    """The bytes of a safetensors file holding `tensors` (name -> torch tensor or array).

    Names are sorted; the JSON header is padded with spaces to a multiple of 8 bytes.
    Tensors are written as F32 unless `keep_dtype` (used to write deliberately wrong files).
    """
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        value = tensors[name]
        arr = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
        if not keep_dtype:
            arr = arr.astype(np.float32)
        arr = np.ascontiguousarray(arr)
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DTYPE_NAMES[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def save_safetensors(path, tensors, keep_dtype=False):
    """Writes `tensors` as a safetensors file (see safetensors_bytes)."""
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors, keep_dtype))


def load_safetensors(path):
    """Reads a safetensors file into a dict name -> torch tensor."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=_DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


# ---- inputs

def input_names(architecture, function="forward"):
    """loom-run's input order for a function (INTERFACES.md §4)."""
    if function == "forward":
        return {"encoder_decoder": ["src", "src_len", "tgt", "tgt_len"],
                "encoder": ["src", "src_len"],
                "decoder": ["tgt", "tgt_len"]}[architecture]
    if function == "translate":
        return ["src", "src_len"]
    if function == "generate":
        return ["prompt", "prompt_len"]
    raise ValueError(function)


def random_tokens(rng, batch, length, vocab, pad_id, lengths=None, full_row=True):
    """Random tokens [B, length] and lengths [B] (numpy int64).

    Lengths are in [1, length], with row 0 at full length when `full_row`; positions at
    or beyond a row's length hold pad_id. `lengths` may be given instead of drawn.
    """
    if lengths is None:
        lengths = rng.integers(1, length + 1, size=batch)
        if full_row:
            lengths[0] = length
    lengths = np.asarray(lengths, dtype=np.int64)
    tokens = rng.integers(0, vocab, size=(batch, length)).astype(np.int64)
    tokens[np.arange(length)[None, :] >= lengths[:, None]] = pad_id
    return tokens, lengths


def valid_positions(lengths, size):
    """Bool [B, size]: True where a position is < the row's length."""
    return np.arange(size)[None, :] < np.asarray(lengths)[:, None]
