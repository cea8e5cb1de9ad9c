#!/usr/bin/env python3
"""Times NumPy's float32 matmul (OpenBLAS sgemm) the way GemmTable times Nabla's: warm up, then the
median of timed samples over about --seconds per shape. Prints one JSON object per line:
{"m":..,"k":..,"n":..,"threads":..,"gflops":..}.

The thread count is whatever OpenBLAS was started with: set OPENBLAS_NUM_THREADS and OMP_NUM_THREADS
in the environment (bench/gemm-table.sh does); --threads only labels the output and is checked against
OPENBLAS_NUM_THREADS.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np

STANDARD = ["64", "128", "256", "512", "1024", "2048",
            "64x784x64", "64x64x784", "128x3136x128", "4096x128x512"]


def parse(shape):
    parts = [int(p) for p in shape.lower().split("x")]
    return (parts[0],) * 3 if len(parts) == 1 else tuple(parts)


def measure(m, k, n, seconds):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    warm_end = time.perf_counter() + seconds / 3
    calls = 0
    t0 = time.perf_counter()
    while time.perf_counter() < warm_end or calls < 3:
        np.matmul(a, b, out=c)
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    reps = max(1, int(0.02 / per_call + 0.999))
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 5:
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=c)
        samples.append((time.perf_counter() - start) / reps)
    return 2.0 * m * n * k / statistics.median(samples) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--shapes", default=",".join(STANDARD), help="comma-separated N or MxKxN")
    ap.add_argument("--seconds", type=float, default=1.5)
    args = ap.parse_args()
    env_threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if env_threads != str(args.threads):
        raise SystemExit(f"set OPENBLAS_NUM_THREADS={args.threads} (and OMP_NUM_THREADS) before starting; got {env_threads}")
    for shape in args.shapes.split(","):
        m, k, n = parse(shape)
        gflops = measure(m, k, n, args.seconds)
        print(json.dumps({"m": m, "k": k, "n": n, "threads": args.threads, "gflops": round(gflops, 2)}), flush=True)


if __name__ == "__main__":
    main()
