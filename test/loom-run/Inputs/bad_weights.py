"""From a good safetensors file, writes broken ones into DIR: a missing
tensor, an extra one, a wrong shape, a truncated file (numpy only)."""
import json
import struct
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], np.float32).reshape(v["shape"])
            for k, v in header.items() if k != "__metadata__"}


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        raw = np.ascontiguousarray(tensors[name], np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


good, out = sys.argv[1], sys.argv[2]
tensors = read(good)
write(f"{out}/missing.safetensors", {k: v for k, v in tensors.items() if k != "output.bias"})
write(f"{out}/extra.safetensors", dict(tensors, **{"extra.weight": np.zeros(3, np.float32)}))
write(f"{out}/shape.safetensors", dict(tensors, **{"output.weight": tensors["output.weight"][:, :15]}))
with open(good, "rb") as f:
    blob = f.read()
with open(f"{out}/truncated.safetensors", "wb") as f:
    f.write(blob[: len(blob) - 100])
