#!/usr/bin/env bash
# Nabla's sgemm against OpenBLAS (through NumPy) on the same shapes, on 1 and 2 threads:
# prints shape, threads, Nabla GFLOPS, OpenBLAS GFLOPS and their ratio.
#
#   bench/gemm-table.sh [--seconds S] [--shapes 256,64x784x64,...] [--rounds R] [--interleaved] [--no-build]
#
# --interleaved skips NumPy: GemmTable calls the same OpenBLAS in process (FFM) and alternates samples
# of the two libraries, which keeps the ratio meaningful while other jobs load the machine.
#
# With --rounds R (default 1) OpenBLAS and Nabla are measured in turn R times and the best figure of
# each configuration is kept, for both alike: on a shared machine this rides out bursts of load.
#
# Needs JDK 25 (JAVA_HOME if it is 25, else /usr/lib/jvm/*25*) and /usr/bin/python3 with NumPy linked
# to OpenBLAS. Run it on an otherwise idle machine: the figures are only as quiet as the cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=1.5
shapes="64,128,256,512,1024,2048,64x784x64,64x64x784,128x3136x128,4096x128x512"
build=1
rounds=1
interleaved=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --interleaved) interleaved=1; shift ;;
    --no-build) build=0; shift ;;
    *) echo "usage: $0 [--seconds S] [--shapes LIST] [--rounds R] [--interleaved] [--no-build]" >&2; exit 2 ;;
  esac
done

java_version() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
java=""
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && "$(java_version "$JAVA_HOME/bin/java")" == 25 ]]; then
  java="$JAVA_HOME/bin/java"
else
  for home in /usr/lib/jvm/*25*; do
    if [[ -x "$home/bin/java" && "$(java_version "$home/bin/java")" == 25 ]]; then java="$home/bin/java"; break; fi
  done
fi
[[ -n "$java" ]] || { echo "no JDK 25 found (set JAVA_HOME or install one under /usr/lib/jvm)" >&2; exit 1; }

jar="$root/nabla-bench/target/benchmarks.jar"
if [[ $build == 1 ]]; then
  echo "building ..." >&2
  # Maven itself must run on JDK 25 too: the JDK 17 jar tool cannot read nabla-core's module-info.
  (cd "$root" && JAVA_HOME="$(dirname "$(dirname "$java")")" ./mvnw -q -o package -DskipTests)
fi
[[ -f "$jar" ]] || { echo "$jar is missing: build with ./mvnw -o package -DskipTests" >&2; exit 1; }

openblas_lib=/usr/lib/x86_64-linux-gnu/openblas-openmp
figures="$(mktemp)"
nabla_figures="$(mktemp)"
trap 'rm -f "$figures" "$nabla_figures"' EXIT
# Transparent huge pages: NumPy asks for them on its large arrays (madvise), so the JVM should too;
# with 4 KiB pages the TLB misses cost Nabla 10-20% at n >= 1024.
jvm=("$java" -Xms2g -Xmx2g -XX:+UseParallelGC -XX:+UseTransparentHugePages --add-modules jdk.incubator.vector -cp "$jar")
if [[ $interleaved == 1 ]]; then
  # PASSIVE: idle OpenMP threads sleep instead of spinning on the cores Nabla's threads need next.
  OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 \
    "${jvm[@]}" --enable-native-access=ALL-UNNAMED dev.nabla.bench.GemmTable --threads 1,2 --shapes "$shapes" \
    --seconds "$seconds" --interleave "$openblas_lib/libopenblas.so.0" 2> >(grep -v 'Using incubator modules' >&2)
  exit 0
fi
for ((round = 1; round <= rounds; round++)); do
  for t in 1 2; do
    echo "round $round/$rounds: OpenBLAS (NumPy), $t thread(s) ..." >&2
    LD_LIBRARY_PATH="$openblas_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      OPENBLAS_NUM_THREADS=$t OMP_NUM_THREADS=$t GOTO_NUM_THREADS=$t \
      /usr/bin/python3 "$root/bench/openblas_gemm.py" --threads $t --shapes "$shapes" --seconds "$seconds" >>"$figures"
  done
  echo "round $round/$rounds: Nabla ($java) ..." >&2
  "${jvm[@]}" dev.nabla.bench.GemmTable --threads 1,2 --shapes "$shapes" --seconds "$seconds" --jsonl \
    >>"$nabla_figures" 2> >(grep -v 'Using incubator modules' >&2)
done
"${jvm[@]}" dev.nabla.bench.GemmTable --threads 1,2 --shapes "$shapes" --nabla "$nabla_figures" --openblas "$figures" \
  2> >(grep -v 'Using incubator modules' >&2)
