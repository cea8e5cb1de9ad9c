#!/usr/bin/env python3
"""Side-by-side table of `nabla bench` and peers/pytorch_bench.py JSON lines, with ratios (Nabla / PyTorch).

    bench/compare.py RESULTS.jsonl [--markdown]

RESULTS.jsonl holds lines from both programs (the "peer" key tells them apart); for each workload the last
line of each peer is used. Throughput ratios above 1 mean Nabla is faster; the RSS ratio below 1 means
Nabla used less memory. A Nabla gemm line run with the system's BLAS (NABLA_BLAS=openblas; its "blas" key is
not "java") gets a row of its own beside the pure-Java one.
"""
import json
import sys

MEASURES = [  # workload, key, label, target ratio
    ("mlp", "samples_per_s", "train samples/s", 1.5),
    ("cnn", "samples_per_s", "train samples/s", 1.0),
    ("gpt", "tokens_per_s", "train tokens/s", 1.0),
    ("lstm", "tokens_per_s", "train tokens/s", 1.0),
    ("linreg", "epochs_per_s", "epochs/s", 1.0),
    ("gemm", "gflops.t2_n1024", "GFLOPS n=1024, 2 threads", 0.95),
    ("gemm-system-blas", "gflops.t2_n1024", "GFLOPS n=1024, 2 threads", 0.95),
]
QUALITY = {"mlp": "test_acc", "cnn": "test_acc", "gpt": "loss_step200", "lstm": "loss_step200", "linreg": "mse_final"}


def get(d, path):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    markdown = "--markdown" in sys.argv
    last = {}
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                d = json.loads(line)
                peer = "nabla" if d.get("peer") == "nabla" else "pytorch"
                w = d["workload"]
                if peer == "nabla" and w == "gemm" and d.get("blas", "java") != "java":
                    w = "gemm-system-blas"
                last[(w, peer)] = d
                if peer == "pytorch" and w == "gemm":
                    last[("gemm-system-blas", peer)] = d
    rows = []
    for w, key, label, target in MEASURES:
        n, p = last.get((w, "nabla")), last.get((w, "pytorch"))
        if n is None and (p is None or w == "gemm-system-blas"):
            continue
        nv, pv = get(n, key) if n else None, get(p, key) if p else None
        ratio = nv / pv if nv and pv else None
        q = QUALITY.get(w)
        qn, qp = quality(n, q), quality(p, q)
        rn, rp = (n or {}).get("peak_rss_mib"), (p or {}).get("peak_rss_mib")
        rows.append([w, label, fmt(pv), fmt(nv), fmt(ratio, 2), ">= %.2f" % target,
                     "met" if ratio is not None and ratio >= target else ("—" if ratio is None else "not met"),
                     (q or "") + (" %s / %s" % (fmt(qp, 4), fmt(qn, 4)) if q else ""),
                     "%s / %s" % (fmt(rp, 0), fmt(rn, 0))])
    head = ["workload", "measure", "PyTorch", "Nabla", "ratio", "target", "", "quality (PyTorch / Nabla)", "peak RSS MiB (PyTorch / Nabla)"]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
        for r in [head] + rows:
            print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


def quality(d, key):
    """The end-of-run quality figure; the LM loss key carries the step count (loss_step200)."""
    if d is None or key is None:
        return None
    if key == "loss_step200":
        key = "loss_step%d" % d.get("steps", 200)
    return get(d, key)


def fmt(v, digits=None):
    if v is None:
        return "—"
    if digits is None:
        return "{:,.0f}".format(v) if abs(v) >= 100 else "{:.3g}".format(v)
    return ("{:,.%df}" % digits).format(v)


if __name__ == "__main__":
    main()
