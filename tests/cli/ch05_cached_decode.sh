#!/usr/bin/env bash
# Drives ./chapter05: bad input ends in ONE clear line on stderr and a non-zero exit; --json
# prints one JSON object with the fields graders read; --verify finds naive and cached
# decoding identical; --cache concat gives the same tokens as the preallocated cache.
# Prints "ok <case>" or "FAIL <case>: why" per case (checks: tests/tools/cli_checks.sh).
set -u
cd "$(dirname "$0")/../.."
source tests/tools/cli_checks.sh
bin=./chapter05
require_built
tiny=(--model random --prompt-ids "464 2068 7586" -t 1)

expect_error "negative -n" "-n" "${tiny[@]}" -n -1
expect_error "-n not a number" "-n" "${tiny[@]}" -n 12x
expect_error "temperature below 0" "--temperature" "${tiny[@]}" --temperature -1
expect_error "top-p of 0" "--top-p" "${tiny[@]}" --top-p 0
expect_error "top-p above 1" "--top-p" "${tiny[@]}" --top-p 2
expect_error "negative top-k" "--top-k" "${tiny[@]}" --top-k -5
expect_error "empty prompt" "empty" --model random --prompt "" -n 2
expect_error "unknown flag" "unknown flag" "${tiny[@]}" --no-such-flag
expect_error "prompt longer than the window" "context window" --model random --prompt-ids "$(seq -s ' ' 1 1025)" -n 1
expect_error "unknown cache layout" "--cache" "${tiny[@]}" --cache linked-list
expect_error "bench token count 0" "--bench-tokens" "${tiny[@]}" --bench --bench-tokens "0 16"
expect_error "bench token count not a number" "--bench-tokens" "${tiny[@]}" --bench --bench-tokens "16 many"
expect_error "verify and bench together" "separate runs" "${tiny[@]}" --verify --bench

expect_json "--json has prompt_ids, generated_ids, text, timing, cache" \
  'd["prompt_ids"] == [464, 2068, 7586] and isinstance(d["generated_ids"], list) and isinstance(d["text"], str)
   and d["timing"]["new_tokens"] == 5 and all(k in d["timing"] for k in
   ("prefill_s", "decode_s", "decode_tokens_per_s", "time_to_first_token_s"))
   and d["cache"]["bytes_allocated"] == 75497472' \
  "${tiny[@]}" -n 5 --json

verify=$("$bin" "${tiny[@]}" -n 6 --temperature 1 --top-k 50 --seed 3 --verify --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && [[ "$verify" == *'"identical":true'* ]]; then echo "ok --verify: naive and cached identical";
else echo "FAIL --verify: exit $rc: ${verify:0:300}"; fi

a=$("$bin" "${tiny[@]}" -n 6 --json 2>/dev/null | generated_ids)
b=$("$bin" "${tiny[@]}" -n 6 --cache concat --json 2>/dev/null | generated_ids)
if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "ok --cache concat gives the same tokens"; else echo "FAIL concat: '$a' vs '$b'"; fi

out=$("$bin" "${tiny[@]}" -n 8 2>/dev/null); rc=$?
missing=""
for key in "time to first token" "time per output token" "tokens/s" "cache memory"; do
  [[ "$out" == *"$key"* ]] || missing+=" '$key'"
done
if [ $rc -eq 0 ] && [ -z "$missing" ]; then echo "ok the summary shows first-token time, per-token time, tokens/s, cache memory";
else echo "FAIL summary (exit $rc): missing$missing"; fi
cli_done
