#!/usr/bin/env bash
# Runs one of the Java examples: examples/run.sh NAME [OPTIONS]
#   examples/run.sh LinearRegression [--epochs N] [--lr X] [--seed N] [--write-data DIR]
#   examples/run.sh FashionMlp       [--epochs N] [--limit N] [--seed N]
#   examples/run.sh FashionCnn       [--epochs N] [--limit N] [--seed N]
# Finds a JDK 25 as bin/nabla does (NABLA_JAVA_HOME, JAVA_HOME, /usr/lib/jvm), builds the examples on
# first use or when sources changed, and runs NAME's main on the module path. NABLA_JAVA_OPTS adds JVM flags.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version=0.1.0-SNAPSHOT
jars=("$root/nabla-core/target/nabla-core-$version.jar" "$root/nabla-nn/target/nabla-nn-$version.jar"
      "$root/nabla-train/target/nabla-train-$version.jar" "$root/nabla-examples/target/nabla-examples-$version.jar")

usage() { sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 && "$1" =~ ^[A-Z][A-Za-z]*$ ]] || usage
name="$1"; shift
grep -qs "static void main" "$root/examples/java/dev/nabla/examples/$name.java" || { echo "run.sh: no example $name" >&2; usage; }

java_version() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk() {
  local c
  for c in "${NABLA_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* "$HOME"/.sdkman/candidates/java/*; do
    [[ -n "$c" && -x "$c/bin/java" && -x "$c/bin/javac" ]] || continue
    local v; v="$(java_version "$c")"
    if [[ "${v%%.*}" =~ ^[0-9]+$ ]] && (( ${v%%.*} >= 25 )); then echo "$c"; return 0; fi
  done
  return 1
}

jdk="$(find_jdk)" || { echo "run.sh: no JDK 25 or newer found (looked in NABLA_JAVA_HOME, JAVA_HOME and /usr/lib/jvm)" >&2; exit 2; }

stale() {
  local j
  for j in "${jars[@]}"; do [[ -f "$j" ]] || return 0; done
  [[ -n "$(find "$root/pom.xml" "$root"/nabla-*/pom.xml "$root"/nabla-{core,nn,train}/src/main "$root/examples/java" \
      -newer "${jars[3]}" -print -quit 2>/dev/null)" ]]
}

if stale; then
  echo "run.sh: building the examples (first run or sources changed)..." >&2
  (cd "$root" && JAVA_HOME="$jdk" ./mvnw -q -B -DskipTests -pl nabla-examples -am package >&2) \
    || { echo "run.sh: the build failed; run ./mvnw -pl nabla-examples -am package to see why" >&2; exit 2; }
fi

modulepath="$(IFS=:; echo "${jars[*]}")"
# the serial collector, as bin/nabla uses (its comment says why); a collector in NABLA_JAVA_OPTS replaces it
gc=-XX:+UseSerialGC
[[ "${NABLA_JAVA_OPTS:-}" =~ -XX:\+Use[A-Za-z0-9]*GC ]] && gc=
# shellcheck disable=SC2086
exec "$jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=dev.nabla.core $gc ${NABLA_JAVA_OPTS:-} \
  -p "$modulepath" -m "dev.nabla.examples/dev.nabla.examples.$name" "$@"
