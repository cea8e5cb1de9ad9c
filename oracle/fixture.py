"""Writes oracle fixtures: PyTorch's forward values and gradients for Nabla's tests to compare against.

A fixture file is a .safetensors file (written here by hand, so no package beyond torch is needed):
for every case, tensors named "<case>/in<i>", "<case>/out", "<case>/w" (the upstream gradient) and
"<case>/grad<i>" (the gradient of sum(out * w) with respect to float input i); the metadata holds
"format": "nabla-oracle", "version": "1", the torch version, and "cases": a JSON list of
{"name", "op", "args"} that the Java test turns back into calls.
"""
import json
import struct
from pathlib import Path

import torch

FORMAT, VERSION = "nabla-oracle", "1"
FIXTURES = Path(__file__).resolve().parent.parent / "nabla-core" / "src" / "test" / "resources" / "fixtures"


class Fixture:
    def __init__(self, family, seed=0):
        self.family = family
        self.tensors = {}
        self.cases = []
        self.gen = torch.Generator().manual_seed(seed)

    def randn(self, *shape):
        return torch.randn(shape, generator=self.gen)

    def rand(self, *shape):
        return torch.rand(shape, generator=self.gen)

    def randint(self, low, high, *shape):
        return torch.randint(low, high, shape, generator=self.gen)

    def case(self, name, op, args, inputs, fn, grad=True):
        """Runs fn(*inputs) in float32 and records inputs, output and the gradients of sum(out * w)."""
        if any(c["name"] == name for c in self.cases):
            raise ValueError("duplicate case " + name)
        xs = []
        for x in inputs:
            x = x.detach().clone()
            if grad and x.is_floating_point():
                x.requires_grad_(True)
            xs.append(x)
        out = fn(*xs)
        for i, x in enumerate(xs):
            self.tensors[f"{name}/in{i}"] = x.detach()
        self.tensors[f"{name}/out"] = out.detach()
        if grad and out.is_floating_point() and out.requires_grad:
            w = torch.randn(out.shape, generator=self.gen)
            out.backward(w)
            self.tensors[f"{name}/w"] = w
            for i, x in enumerate(xs):
                if x.is_floating_point() and x.grad is not None:
                    self.tensors[f"{name}/grad{i}"] = x.grad.detach()
        self.cases.append({"name": name, "op": op, "args": args})

    def save(self, folder=None):
        """Writes FIXTURES/<family>.safetensors, or <folder>/<family>.safetensors (another module's test resources)."""
        folder = FIXTURES if folder is None else Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.family}.safetensors"
        meta = {"format": FORMAT, "version": VERSION, "torch": torch.__version__,
                "family": self.family, "cases": json.dumps(self.cases)}
        write_safetensors(path, self.tensors, meta)
        print(f"wrote {path} ({len(self.cases)} cases, {len(self.tensors)} tensors)")


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.float32:
            dtype, raw = "F32", t.numpy().astype("<f4").tobytes()
        elif t.dtype == torch.int64:
            dtype, raw = "I64", t.numpy().astype("<i8").tobytes()
        elif t.dtype == torch.bool:
            dtype, raw = "I64", t.long().numpy().astype("<i8").tobytes()
        else:
            raise TypeError(f"{name}: unsupported dtype {t.dtype}")
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
