#!/usr/bin/env bash
# Runs each reference workload in PyTorch (../shared/peers/pytorch_bench.py) and in Nabla (bin/nabla bench),
# one after the other, appends every JSON line to a results file, and prints the side-by-side table.
#
#   bench/compare.sh [--out FILE] [--quick] [WORKLOAD ...]     (default: linreg mlp cnn gpt lstm gemm)
#
# Nabla runs its pure-Java kernels (NABLA_BLAS=java); gemm runs a second time with NABLA_BLAS=openblas, the
# optional path to the system's OpenBLAS, when that library is installed.
# --quick shortens every workload (fewer epochs/steps, two gemm sizes) for a smoke check; the figures of a
# quick run are not the reference figures. PyTorch runs with the OpenMP build of OpenBLAS, as WORKLOADS.md asks
# (apt-get install python3-torch libopenblas0-openmp dataset-fashion-mnist). Run on an otherwise idle machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${PEER_SCRIPT:-$root/../shared/peers/pytorch_bench.py}"
out="$root/bench-results/compare-$(date +%Y%m%d-%H%M%S).jsonl"
quick=0
workloads=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) workloads+=("$1"); shift ;;
  esac
done
[[ ${#workloads[@]} -gt 0 ]] || workloads=(linreg mlp cnn gpt lstm gemm)
[[ -f "$peer" ]] || { echo "compare.sh: no PyTorch peer script at $peer (set PEER_SCRIPT)" >&2; exit 2; }
mkdir -p "$(dirname "$out")"

for w in "${workloads[@]}"; do
  args=()
  if (( quick )); then
    case "$w" in
      mlp) args=(--epochs 2) ;;
      cnn) args=(--epochs 1) ;;
      gpt|lstm) args=(--steps 40 --warmup 10) ;;
      gemm) args=(--gemm-sizes 256,1024 --gemm-seconds 1) ;;
    esac
  fi
  echo "== $w: PyTorch" >&2
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 "$peer" "$w" "${args[@]}" --out "$out" > /dev/null
  echo "== $w: Nabla" >&2
  NABLA_BLAS=java "$root/bin/nabla" bench "$w" "${args[@]}" --json "$out" > /dev/null
  if [[ "$w" == gemm ]]; then
    # the optional native path beside the pure-Java one: the system's OpenBLAS, when it is installed
    echo "== gemm: Nabla with NABLA_BLAS=openblas" >&2
    NABLA_BLAS=openblas "$root/bin/nabla" bench gemm "${args[@]}" --json "$out" > /dev/null \
      || echo "compare.sh: no system OpenBLAS to compare (apt-get install libopenblas0); pure-Java row only" >&2
  fi
done
echo "results: $out" >&2
/usr/bin/python3 "$root/bench/compare.py" "$out"
