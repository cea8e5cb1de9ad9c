"""Loads files Nabla wrote with NumPy / PyTorch and prints what they hold, as one JSON object on stdout.

Usage: /usr/bin/python3 oracle/check_io.py FILE...

  *.npy          loaded with np.load(allow_pickle=False); also asserts that np.save would write the very
                 same bytes (header layout, 64-byte alignment, data).
  *.safetensors  read by the small reader below (the spec's rules: 8-byte length, UTF-8 JSON header,
                 byte ranges that tile the data section) into torch tensors via torch.frombuffer.

Output: {FILE: {"tensors": {NAME: {"dtype", "shape", "kind", "values"}}, "metadata": {...}}}; an .npy file
has one tensor named "". Float values are float32 bit patterns (unsigned) of the tensor converted to
float32, integer values are int64. The Java test (dev.nabla.io.PythonInteropTest) compares them with what
it wrote. Any violation raises, so the process exits non-zero.
"""
import io
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}
WIDTH = {"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def describe_torch(t, dtype):
    if t.dtype.is_floating_point:
        bits = t.float().reshape(-1).view(torch.int32).numpy().view(np.uint32)
        return {"dtype": dtype, "shape": list(t.shape), "kind": "float", "values": [int(x) for x in bits]}
    return {"dtype": dtype, "shape": list(t.shape), "kind": "int", "values": [int(x) for x in t.long().reshape(-1)]}


def check_npy(path):
    raw = open(path, "rb").read()
    a = np.load(path, allow_pickle=False)
    assert raw[:8] == b"\x93NUMPY\x01\x00", f"{path}: expected a version 1.0 header"
    (hlen,) = struct.unpack("<H", raw[8:10])
    assert (10 + hlen) % 64 == 0, f"{path}: data is not 64-byte aligned"
    buf = io.BytesIO()
    np.save(buf, a)
    assert buf.getvalue() == raw, f"{path}: np.save would write different bytes"
    t = torch.from_numpy(np.array(a, order="C"))  # ascontiguousarray would make a 0-d array 1-d
    return {"tensors": {"": describe_torch(t, a.dtype.str)}, "metadata": {}}


def check_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    assert 8 + n <= len(raw), f"{path}: header length {n} past the end"
    text = raw[8:8 + n].decode("utf-8")
    assert text.startswith("{"), f"{path}: header does not start with '{{'"
    assert (8 + n) % 8 == 0, f"{path}: data section not 8-byte aligned"
    header = json.loads(text)
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values())
    data = raw[8 + n:]
    spans = sorted((info["data_offsets"][0], info["data_offsets"][1]) for info in header.values())
    pos = 0
    for b, e in spans:
        assert b == pos, f"{path}: hole or overlap at {pos}"
        pos = e
    assert pos == len(data), f"{path}: {len(data) - pos} trailing bytes"
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        dtype, shape = info["dtype"], info["shape"]
        count = int(np.prod(shape)) if shape else 1
        assert e - b == count * WIDTH[dtype], f"{path}: {name} has a wrong byte count"
        chunk = bytearray(data[b:e])
        t = torch.frombuffer(chunk, dtype=DTYPES[dtype]) if chunk else torch.empty(0, dtype=DTYPES[dtype])
        out[name] = describe_torch(t.reshape(shape), dtype)
    return {"tensors": out, "metadata": metadata}


def main(files):
    result = {}
    for f in files:
        if f.endswith(".npy"):
            result[f] = check_npy(f)
        elif f.endswith(".safetensors"):
            result[f] = check_safetensors(f)
        else:
            raise SystemExit(f"{f}: unknown extension")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
