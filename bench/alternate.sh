#!/usr/bin/env bash
# Runs one reference workload in PyTorch and in Nabla, alternately, several times, and prints each pair and the
# medians. For workloads whose single run is too short to say much on a noisy host (linreg lasts ~0.2 s):
#
#   bench/alternate.sh [--rounds N] WORKLOAD [extra bench arguments ...]      (default 10 rounds)
#
# PyTorch runs on the OpenMP OpenBLAS as ../shared/WORKLOADS.md asks; PEER_SCRIPT overrides the peer's path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${PEER_SCRIPT:-$root/../shared/peers/pytorch_bench.py}"
rounds=10
if [[ "${1:-}" == --rounds ]]; then rounds="$2"; shift 2; fi
[[ $# -ge 1 ]] || { echo "usage: bench/alternate.sh [--rounds N] WORKLOAD [args ...]" >&2; exit 2; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "alternate.sh: --rounds wants a positive whole number, got '$rounds'" >&2; exit 2; }
[[ -f "$peer" ]] || { echo "alternate.sh: no PyTorch peer script at $peer (set PEER_SCRIPT)" >&2; exit 2; }
w="$1"; shift

# the workload's headline figure, as compare.py reads it
figure() { python3 -c '
import json, sys
d = json.loads(sys.stdin.read().strip().splitlines()[-1])
for k in ("samples_per_s", "tokens_per_s", "epochs_per_s"):
    if d.get(k) is not None: print(round(d[k])); break
else: sys.exit("alternate.sh: no throughput figure in: " + json.dumps(d))'; }

pairs=()
for ((i = 1; i <= rounds; i++)); do
  p=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 "$peer" "$w" "$@" 2>/dev/null | figure)
  n=$("$root/bin/nabla" bench "$w" "$@" 2>/dev/null | figure)
  echo "round $i  PyTorch $p  Nabla $n"
  pairs+=("$p $n")
done
printf '%s\n' "${pairs[@]}" | python3 -c '
import statistics, sys
r = [tuple(map(int, l.split())) for l in sys.stdin if l.strip()]
p, n = statistics.median(a for a, _ in r), statistics.median(b for _, b in r)
ahead = sum(b > a for a, b in r)
print(f"medians  PyTorch {p:,.0f}  Nabla {n:,.0f}  ratio {n / p:.2f}  (Nabla ahead in {ahead} of {len(r)})")'
