#!/usr/bin/env bash
# Test accuracy of the Fashion-MNIST examples over several seeds, Nabla beside PyTorch, to tell a real
# difference from seed noise (one run of either framework moves by about ±0.005).
#
#   bench/accuracy-seeds.sh [--seeds "0 1 2"] [mlp|cnn ...]        (default: mlp cnn, seeds 0 1 2)
#
# Nabla trains examples/fashion-WORKLOAD.yaml as it is (Keras's initialisation, as the seed programs; the CNN's
# inputs standardised, its rate annealed) and the same file with PyTorch's default initialisation and without data.transforms or schedule
# (the `mlp`/`cnn` workloads of shared/WORKLOADS.md, pixels in [0, 1]); PyTorch runs
# ../shared/peers/pytorch_bench.py WORKLOAD --seed S (its default initialisation). Needs python3-torch and
# libopenblas0-openmp for the PyTorch column. Takes about 2 minutes per CNN run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peer="${PEER_SCRIPT:-$root/../shared/peers/pytorch_bench.py}"
seeds="0 1 2"
workloads=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) workloads+=("$1"); shift ;;
  esac
done
[[ ${#workloads[@]} -gt 0 ]] || workloads=(mlp cnn)
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

acc() { python3 -c "import json,sys; print('%.4f' % json.load(open(sys.argv[1]))['test_accuracy'])" "$1"; }

printf '%-8s %-4s %-22s %-26s %-8s\n' workload seed "Nabla (Keras init)" "Nabla (PyTorch init)" PyTorch
for w in "${workloads[@]}"; do
  cfg="$root/examples/fashion-$w.yaml"
  # the same config with PyTorch's default initialisation and Adam epsilon, and the peer's inputs and constant rate
  sed -e 's/, weight_init: glorot_uniform, bias_init: zeros//' -e 's/, eps: 1.0e-7//' -e '/^  transforms:/d' -e '/^schedule:/d' "$cfg" > "$work/$w-torch.yaml"
  for s in $seeds; do
    "$root/bin/nabla" train "$cfg" --set training.seed="$s" --set output.dir="$work/k$w$s" > /dev/null 2>&1
    "$root/bin/nabla" train "$work/$w-torch.yaml" --set training.seed="$s" --set output.dir="$work/t$w$s" > /dev/null 2>&1
    torch="n/a"
    if [[ -f "$peer" ]]; then
      torch=$(LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 "$peer" "$w" --seed "$s" 2>/dev/null \
        | python3 -c "import json,sys; print('%.4f' % json.loads(sys.stdin.read())['test_acc'])" || echo "n/a")
    fi
    printf '%-8s %-4s %-22s %-26s %-8s\n' "$w" "$s" "$(acc "$work/k$w$s/metrics.json")" "$(acc "$work/t$w$s/metrics.json")" "$torch"
  done
done
