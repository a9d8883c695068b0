#!/usr/bin/env bash
# Builds every libFuzzer target tests/fuzz/fuzz_*.cpp with clang (-fsanitize=fuzzer,address,
# undefined) and runs each for FUZZ_SECONDS seconds, one after the other.
#   usage: run_fuzz.sh SECONDS [target ...]      (targets: fuzz_cli, fuzz_safetensors, ...)
# Corpus: build/fuzz/corpus/<target>/ (seeded from tests/fuzz/seeds/<target>/ when present).
# Crashes: build/fuzz/crashes/<target>/ — turn each into a regression test, see tests/README.md.
# Prints one summary line per target and exits non-zero if any target crashed.
# FUZZ_FLAGS adds libFuzzer flags, e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1" to keep going
# past a crash that is already known (each crash still lands in build/fuzz/crashes/).
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || {
  echo "fuzz: FUZZ_SECONDS must be a whole number of seconds > 0, got '$seconds'" >&2; exit 2; }

CLANGXX=${CLANGXX:-clang++}
command -v "$CLANGXX" >/dev/null || {
  echo "fuzz: $CLANGXX not found; run: bash data/setup/install_packages.sh clang libclang-rt-14-dev" >&2; exit 2; }

out=build/fuzz
mkdir -p "$out/bin"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CXXFLAGS="-std=c++17 -g -O1 -I. -Ichapters -DPROJECT_ROOT=\"$PWD\" -pthread $SAN"
LIBS="-larmadillo -lpcre2-8 -ldl -pthread"

# The plumbing (common/*.cpp) and every chapter's lesson code (all but main.cpp) once,
# instrumented for coverage (fuzzer-no-link), rebuilt when newer.
objs=()
for src in common/*.cpp $(ls chapters/[0-9][0-9]_*/*.cpp | grep -v '/main\.cpp$'); do
  obj="$out/obj/${src%.cpp}.o"
  mkdir -p "$(dirname "$obj")"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find common chapters -name '*.hpp' -newer "$obj" -print -quit)" ]; then
    echo "fuzz: compiling $src"
    $CLANGXX $CXXFLAGS -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || exit 2
  fi
  objs+=("$obj")
done

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "${f%.cpp}")"); done
fi

failed=0
for t in "${targets[@]}"; do
  src=tests/fuzz/$t.cpp
  [ -f "$src" ] || { echo "fuzz: no target $src" >&2; failed=1; continue; }
  bin=$out/bin/$t
  echo "fuzz: building $bin"
  $CLANGXX $CXXFLAGS -fsanitize=fuzzer "$src" "${objs[@]}" $LIBS -o "$bin" || { failed=1; continue; }
  corpus=$out/corpus/$t
  crashes=$out/crashes/$t
  mkdir -p "$corpus" "$crashes"
  seeds=()
  [ -d "tests/fuzz/seeds/$t" ] && seeds=("tests/fuzz/seeds/$t")
  dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
  log=$out/$t.log
  echo "fuzz: running $t for $seconds s (log: $log)"
  started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # -rss_limit_mb: a parser that allocates gigabytes on a tiny input is a bug too.
  "$bin" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$crashes/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'Done [0-9]+ runs' "$log" | tail -1 | grep -oE '[0-9]+')
  # with -fork, the last status line carries the total
  [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  [ -n "$runs" ] || runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -1)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  ncrash=$(find "$crashes" -type f | wc -l)
  echo "fuzz $t: started $started, ${seconds} s, ${runs:-?} executions, corpus $files files ($bytes bytes), crash files $ncrash, exit $rc"
  if [ "$rc" -ne 0 ] || [ "$ncrash" -ne 0 ]; then
    failed=1
    echo "fuzz $t: FAILED — see $log and $crashes/ (reproduce: $bin <crash file>)" >&2
    grep -m3 -E 'ERROR|runtime error|invariant|deadly|leak' "$log" >&2
  fi
done
exit $failed
