# cli_checks.sh — the checks the scripts in tests/cli/ share. Source it; it is not a test
# itself (run_all.sh runs every script in tests/cli/, so it lives here).
#
# The sourcing script sets `bin` (the program, e.g. ./chapter04) before calling a check. Each
# check prints one line, "ok NAME" or "FAIL NAME: why", and $failures counts the FAILs:
# end the script with `cli_done` so its exit code says whether everything passed.

failures=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }
cli_done() { [ "$failures" -eq 0 ]; }

# require_built: one FAIL and the end of the script when $bin has not been built.
require_built() {
  if [ ! -x "$bin" ]; then
    fail "${bin##*/}_built" "$bin is missing; run make ${bin##*/}"
    exit 1
  fi
}

# expect_error NAME PATTERN ARGS...: bad input must end as a user error — exit code 1 within
# 120 s (no crash, no hang), exactly one "<program>: error: ..." line on stderr containing
# PATTERN (a fixed string; "" accepts any message), nothing else on stderr but "note: ..."
# lines (the random-model notice), and nothing on stdout.
expect_error() {
  local name=$1 pattern=$2
  shift 2
  local program=${bin##*/} errfile out rc err errors others why=""
  errfile=$(mktemp)
  out=$(timeout 120 "$bin" "$@" </dev/null 2>"$errfile")
  rc=$?
  err=$(cat "$errfile")
  rm -f "$errfile"
  errors=$(grep -c "^$program: error: " <<<"$err")
  others=$(grep -v -e "^$program: error: " -e '^note: ' -e '^[[:space:]]*$' <<<"$err" | head -n 3)
  if [ "$rc" -eq 0 ]; then why="exit code 0 (the bad input was accepted)"
  elif [ "$rc" -ge 124 ]; then why="crashed or timed out (exit $rc): ${err:0:300}"
  elif [ "$rc" -ne 1 ]; then why="exit code $rc, expected 1 (a user error): ${err:0:300}"
  elif [ "$errors" -ne 1 ]; then why="expected one '$program: error:' line on stderr, got: ${err:0:300}"
  elif [ -n "$others" ]; then why="more than the error line on stderr: ${others:0:300}"
  elif [ -n "$pattern" ] && ! grep "^$program: error: " <<<"$err" | grep -qF -- "$pattern"; then
    why="the message does not mention '$pattern': $err"
  elif [ -n "$out" ]; then why="printed on stdout: ${out:0:200}"
  fi
  if [ -z "$why" ]; then ok "$name"; else fail "$name" "$why"; fi
}

# json_true EXPR: reads one JSON document on stdin into `d` (Python's json module, a real
# parser) and succeeds when the Python expression EXPR is true of it.
json_true() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if eval("(" + sys.argv[1] + ")") else 1)' "$1" 2>/dev/null
}

# expect_json NAME EXPR ARGS...: `$bin ARGS` must exit 0 and print exactly one JSON object on
# one line of stdout, of which the Python expression EXPR (over `d`) is true. Leaves the output
# in $json for further checks.
expect_json() {
  local name=$1 expr=$2
  shift 2
  local rc
  json=$("$bin" "$@" 2>/dev/null)
  rc=$?
  if [ "$rc" -ne 0 ]; then fail "$name" "exit $rc"; return; fi
  if [ "$(wc -l <<<"$json")" -ne 1 ] || ! json_true 'isinstance(d, dict)' <<<"$json"; then
    fail "$name" "not one JSON object on one line: ${json:0:200}"
  elif ! json_true "$expr" <<<"$json"; then
    fail "$name" "not true of the output: $expr; got ${json:0:300}"
  else
    ok "$name"
  fi
}

# generated_ids: the "generated_ids" array of a --json object on stdin, as "1,2,3".
generated_ids() { python3 -c 'import json, sys; print(",".join(map(str, json.load(sys.stdin)["generated_ids"])))'; }
