"""Fixtures for Nabla's tensor file readers (dev.nabla.io): files written by NumPy and PyTorch.

Run: /usr/bin/python3 oracle/gen_io.py   (needs numpy and torch; no safetensors package: the safetensors
file is written by the small writer below, which follows the format spec).

Writes nabla-core/src/test/resources/fixtures/io/:
  *.npy               written by numpy.save / np.lib.format.write_array
  tensors.safetensors written from torch tensors (F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL, __metadata__)
  expected.json       for every file: shape, kind ("float" or "int") and the values; float values are the
                      float32 bit patterns (as unsigned ints) of what a float32 reader must produce, ints are
                      int64 values. "convert" holds float32 bit patterns and PyTorch's float16 and bfloat16
                      conversions of them (round to nearest even), for the writers' rounding.
"""
import io
import json
import struct
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "nabla-core" / "src" / "test" / "resources" / "fixtures" / "io"


def f32_bits(a):
    """float32 bit patterns of an array (cast to float32 first, as a float32 reader does)."""
    a = np.asarray(a)
    with np.errstate(over="ignore"):
        f = a.astype(np.float32)
    return [int(x) for x in np.ascontiguousarray(f).reshape(-1).view(np.uint32)]


def describe(a):
    a = np.asarray(a)
    if a.dtype.kind == "f":
        return {"shape": list(a.shape), "kind": "float", "values": f32_bits(a)}
    return {"shape": list(a.shape), "kind": "int", "values": [int(x) for x in a.reshape(-1)]}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1234)
    expected = {"npy": {}, "safetensors": {}, "convert": {}, "npy_bytes": {}}

    def save(name, a, **kw):
        path = OUT / name
        if "version" in kw:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, a, version=kw["version"])
        else:
            np.save(path, a)
        expected["npy"][name] = describe(a)

    f4 = np.array([[1.5, -0.0, np.inf], [-np.inf, 3.4028235e38, 1e-45]], dtype=np.float32)
    save("f4_2x3.npy", f4)
    save("f4_3d.npy", rng.standard_normal((2, 3, 4)).astype(np.float32))
    save("f4_nan.npy", np.array([np.nan, 1.0], dtype=np.float32))
    f8 = np.concatenate([rng.standard_normal(6), [1e300, -1e300, 1e-50, 0.1, 1 / 3, 2.0 ** -140]])
    save("f8.npy", f8.astype(np.float64))
    save("f2.npy", np.array([0.5, -2.0, 65504.0, 6e-8, np.inf], dtype=np.float16))
    save("i8.npy", np.array([0, -1, 2 ** 63 - 1, -2 ** 63, 42], dtype=np.int64))
    save("i4.npy", np.array([[0, -1, 2 ** 31 - 1], [-2 ** 31, 7, 8]], dtype=np.int32))
    save("i2.npy", np.array([-32768, 32767, 5], dtype=np.int16))
    save("i1.npy", np.array([-128, 127, 0, -3], dtype=np.int8))
    save("u1.npy", np.arange(0, 256, 15, dtype=np.uint8).reshape(2, 9)[:, :9])
    save("u2.npy", np.array([0, 65535, 300], dtype=np.uint16))
    save("u4.npy", np.array([0, 2 ** 32 - 1, 12], dtype=np.uint32))
    save("u8.npy", np.array([0, 2 ** 63 - 1, 99], dtype=np.uint64))
    save("b1.npy", np.array([[True, False], [False, True]]))
    save("scalar.npy", np.array(3.25, dtype=np.float32))
    save("empty.npy", np.zeros((0, 3), dtype=np.float32))
    save("fortran_f4.npy", np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
    save("fortran_i8.npy", np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3) * 10 - 7))
    save("be_f4.npy", np.array([1.0, -2.5, 1e-30], dtype=">f4"))
    save("be_i8.npy", np.array([1, -2, 2 ** 40], dtype=">i8"))
    save("v2.npy", np.arange(5, dtype=np.float32) - 1.5, version=(2, 0))
    save("v3.npy", np.arange(4, dtype=np.int64).reshape(2, 2), version=(3, 0))
    assert np.load(OUT / "fortran_f4.npy").flags.f_contiguous

    # rejected: a uint64 value int64 cannot hold, and a structured dtype
    np.save(OUT / "u8_big.npy", np.array([2 ** 64 - 1], dtype=np.uint64))
    np.save(OUT / "structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))

    # np.save's exact bytes, for the writer to reproduce
    for name, a in {"save_f4.npy": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
                    "save_i8.npy": np.arange(5, dtype=np.int64) - 2,
                    "save_scalar.npy": np.array(-1.25, dtype=np.float32),
                    "save_empty.npy": np.zeros((0, 3), dtype=np.int64),
                    "save_4d.npy": np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)}.items():
        buf = io.BytesIO()
        np.save(buf, a)
        (OUT / name).write_bytes(buf.getvalue())
        expected["npy_bytes"][name] = describe(a)

    # safetensors, from torch tensors, header keys deliberately not sorted
    g = torch.Generator().manual_seed(5)
    tensors = {
        "w.f32": torch.randn(2, 3, generator=g),
        "h.f16": torch.tensor([0.5, -1.0, 65504.0, 1e-7, float("inf")]).half(),
        "b.bf16": torch.tensor([1.0, -3.140625, 1e30, 1e-30, float("-inf")]).bfloat16(),
        "d.f64": torch.tensor([0.1, 1e300, -1 / 3], dtype=torch.float64),
        "ids.i64": torch.tensor([0, -1, 2 ** 63 - 1, -2 ** 63]),
        "m.i32": torch.tensor([[1, -2], [2 ** 31 - 1, -2 ** 31]], dtype=torch.int32),
        "s.i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "c.i8": torch.tensor([-128, 127, 1], dtype=torch.int8),
        "px.u8": torch.tensor([0, 255, 128], dtype=torch.uint8),
        "mask.bool": torch.tensor([True, False, True]),
        "empty.f32": torch.zeros(0, 4),
        "scalar.f32": torch.tensor(2.5),
    }
    metadata = {"source": "gen_io.py", "unicode": "h\u00e9llo \u2713", "torch": torch.__version__}
    write_safetensors(OUT / "tensors.safetensors", tensors, metadata)
    st = {}
    for name, t in tensors.items():
        if t.dtype.is_floating_point:
            st[name] = {"shape": list(t.shape), "kind": "float", "dtype": DTYPES[t.dtype][0],
                        "values": [int(x) for x in t.float().reshape(-1).view(torch.int32).numpy().view(np.uint32)]}
        else:
            st[name] = {"shape": list(t.shape), "kind": "int", "dtype": DTYPES[t.dtype][0],
                        "values": [int(x) for x in t.long().reshape(-1)]}
    expected["safetensors"] = {"tensors": st, "metadata": metadata, "order": list(tensors)}

    # float32 -> float16 / bfloat16 rounding as PyTorch does it (random bit patterns over every exponent)
    bits = rng.integers(0, 2 ** 32, size=4000, dtype=np.uint64).astype(np.uint32)
    f = bits.view(np.float32)
    bits = bits[~np.isnan(f)]
    edge = np.array([0x3F808000, 0x3F818000, 0x3F7FFFFF, 0x7F7FFFFF, 0x477FE000, 0x477FF000, 0x477FEFFF,
                     0x33800000, 0x33000000, 0x33000001, 0x387FC000, 0x00000001, 0x80000000, 0x7F800000,
                     0xFF800000, 0x00800000, 0x3DCCCCCD], dtype=np.uint32)
    bits = np.concatenate([edge, bits])
    src = torch.from_numpy(bits.view(np.int32).copy()).view(torch.float32)
    expected["convert"] = {
        "f32": [int(x) for x in bits],
        "f16": [int(x) & 0xFFFF for x in src.half().view(torch.int16)],
        "bf16": [int(x) & 0xFFFF for x in src.bfloat16().view(torch.int16)],
    }

    (OUT / "expected.json").write_text(json.dumps(expected, indent=None, sort_keys=True) + "\n")
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


DTYPES = {
    torch.float32: ("F32", 4), torch.float16: ("F16", 2), torch.bfloat16: ("BF16", 2), torch.float64: ("F64", 8),
    torch.int64: ("I64", 8), torch.int32: ("I32", 4), torch.int16: ("I16", 2), torch.int8: ("I8", 1),
    torch.uint8: ("U8", 1), torch.bool: ("BOOL", 1),
}


def raw_bytes(t):
    """Little-endian bytes of a contiguous tensor (bfloat16 through an int16 view, since numpy lacks it)."""
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.numpy().astype(np.uint8).tobytes()
    a = t.numpy()
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        raw = raw_bytes(t)
        dtype, width = DTYPES[t.dtype]
        assert len(raw) == t.numel() * width
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    main()
