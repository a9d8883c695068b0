#!/usr/bin/env bash
# Drives ./chapter05: bad input ends in ONE clear line on stderr and a non-zero exit; --json
# prints one JSON object with the fields graders read; --verify finds naive and cached
# decoding identical; --cache concat gives the same tokens as the preallocated cache.
# Prints "ok <case>" or "FAIL <case>: why" per case.
set -u
cd "$(dirname "$0")/../.."
bin=./chapter05
if [ ! -x "$bin" ]; then echo "FAIL build: $bin is missing (run make chapter05)"; exit 1; fi
tiny=(--model random --prompt-ids "464 2068 7586" -t 1)

expect_error() {
  local name=$1; shift
  local out err rc lines
  out=$(timeout 120 "$bin" "$@" 2>/tmp/ch05_err.$$); rc=$?
  err=$(cat /tmp/ch05_err.$$); rm -f /tmp/ch05_err.$$
  lines=$(grep -c '^chapter05: error: ' <<<"$err")  # the random-model notice may precede it
  if [ $rc -eq 0 ]; then echo "FAIL $name: exit code 0 (expected an error)";
  elif [ $rc -ge 124 ]; then echo "FAIL $name: crashed or timed out (exit $rc): $err";
  elif [ "$lines" -ne 1 ]; then echo "FAIL $name: expected one error line, got: $err";
  elif [ -n "$out" ]; then echo "FAIL $name: printed on stdout: $out";
  else echo "ok $name"; fi
}

expect_error "negative -n" "${tiny[@]}" -n -1
expect_error "-n not a number" "${tiny[@]}" -n 12x
expect_error "temperature below 0" "${tiny[@]}" --temperature -1
expect_error "top-p of 0" "${tiny[@]}" --top-p 0
expect_error "top-p above 1" "${tiny[@]}" --top-p 2
expect_error "negative top-k" "${tiny[@]}" --top-k -5
expect_error "empty prompt" --model random --prompt "" -n 2
expect_error "unknown flag" "${tiny[@]}" --no-such-flag
expect_error "prompt longer than the window" --model random --prompt-ids "$(seq -s ' ' 1 1025)" -n 1
expect_error "unknown cache layout" "${tiny[@]}" --cache linked-list
expect_error "bench token count 0" "${tiny[@]}" --bench --bench-tokens "0 16"
expect_error "bench token count not a number" "${tiny[@]}" --bench --bench-tokens "16 many"
expect_error "verify and bench together" "${tiny[@]}" --verify --bench

json=$("$bin" "${tiny[@]}" -n 5 --json 2>/dev/null); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL --json: exit $rc";
elif [ "$(wc -l <<<"$json")" -ne 1 ] || [[ "$json" != \{* ]] || [[ "$json" != *\} ]]; then
  echo "FAIL --json: not one JSON object on one line: ${json:0:200}";
else
  missing=""
  for key in '"prompt_ids":[464,2068,7586]' '"generated_ids":[' '"text":' '"timing":{' '"prefill_s":' \
             '"decode_s":' '"new_tokens":5' '"decode_tokens_per_s":' '"time_to_first_token_s":' '"bytes_allocated":75497472'; do
    [[ "${json// /}" == *"$key"* ]] || missing+=" $key"  # (spaces removed: "[464, 2068]" → "[464,2068]")
  done
  if [ -n "$missing" ]; then echo "FAIL --json: missing$missing"; else echo "ok --json has prompt_ids, generated_ids, text, timing, cache"; fi
fi

verify=$("$bin" "${tiny[@]}" -n 6 --temperature 1 --top-k 50 --seed 3 --verify --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && [[ "$verify" == *'"identical":true'* ]]; then echo "ok --verify: naive and cached identical";
else echo "FAIL --verify: exit $rc: ${verify:0:300}"; fi

ids() { sed -E 's/.*"generated_ids":\[([^]]*)\].*/\1/'; }
a=$("$bin" "${tiny[@]}" -n 6 --json 2>/dev/null | ids)
b=$("$bin" "${tiny[@]}" -n 6 --cache concat --json 2>/dev/null | ids)
if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "ok --cache concat gives the same tokens"; else echo "FAIL concat: '$a' vs '$b'"; fi

out=$("$bin" "${tiny[@]}" -n 8 2>/dev/null); rc=$?
missing=""
for key in "time to first token" "time per output token" "tokens/s" "cache memory"; do
  [[ "$out" == *"$key"* ]] || missing+=" '$key'"
done
if [ $rc -eq 0 ] && [ -z "$missing" ]; then echo "ok the summary shows first-token time, per-token time, tokens/s, cache memory";
else echo "FAIL summary (exit $rc): missing$missing"; fi
