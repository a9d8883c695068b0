#!/usr/bin/env bash
# Runs the doctest suites (all, or one chapter's), then the scripts in tests/cli/ that drive
# the executables, and ends with one summary line: "tests: N passed, M failed".
# Usage: run_all.sh RUNNER [CH]
set -uo pipefail
runner=$1
chapter=${2:-}
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -n "$chapter" ]; then
  "$runner" --test-suite="ch${chapter}_*" 2>&1 | tee "$log"
else
  "$runner" 2>&1 | tee "$log"
fi
runner_rc=${PIPESTATUS[0]}

summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n 1)
passed=$(sed -E 's/.*\| *([0-9]+) passed.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*\| *([0-9]+) failed.*/\1/' <<<"$summary")
passed=${passed:-0}
failed=${failed:-0}
if [ -z "$summary" ]; then
  echo "tests: the test runner $runner printed no summary (did it crash?)" >&2
  failed=$((failed + 1))
elif [ "$runner_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

# Scripts that drive the executables: tests/cli/chNN_*.sh (or every one when no CH).
shopt -s nullglob
scripts=(tests/cli/*.sh)
[ -n "$chapter" ] && scripts=(tests/cli/ch"${chapter}"_*.sh)
for script in "${scripts[@]}"; do
  out=$(bash "$script" 2>&1)
  rc=$?
  echo "$out"
  script_passed=$(grep -c '^ok ' <<<"$out")
  script_failed=$(grep -c '^FAIL ' <<<"$out")
  [ "$rc" -ne 0 ] && [ "$script_failed" -eq 0 ] && script_failed=1
  passed=$((passed + script_passed))
  failed=$((failed + script_failed))
done

if [ -n "$chapter" ] && [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "tests: chapter $chapter has no checks yet" >&2
  exit 1
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
