#!/usr/bin/env bash
# Drives ./chapter07: bad input (flags, request files) ends in ONE clear line and a non-zero
# exit before anything runs; --json prints the fields scripts read; a request without a seed
# is reproduced by ./chapter05 with --seed + its index; --verify finds every request identical
# to its solo run; the batch size and the policy change nothing but the timing; --bench
# prints its figures. Prints "ok <case>" or "FAIL <case>: why" (checks: tests/tools/cli_checks.sh).
set -u
cd "$(dirname "$0")/../.."
source tests/tools/cli_checks.sh
bin=./chapter07
require_built
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tiny=(--model data/fixtures/tiny_gpt2 -t 1)   # 64 positions, 384 tokens: quick

printf '{"prompt_ids": [10, 11, 12], "max_new_tokens": 6, "seed": 5}\n{"prompt_ids": [200, 7], "max_new_tokens": 9}\n\n{"prompt_ids": [42], "max_new_tokens": 3}\n' >"$tmp/good.jsonl"
printf '{"prompt_ids": [1]}\n{"prompt_ids": [1, \n' >"$tmp/broken.jsonl"
printf '{"prompt_ids": []}\n' >"$tmp/empty_prompt.jsonl"
printf '{"prompt_ids": [%s]}\n' "$(seq -s ', ' 1 65)" >"$tmp/too_long.jsonl"
printf '{"prompt_ids": [1], "max_tokens": 4}\n' >"$tmp/unknown_key.jsonl"

expect_error "--batch 0" "--batch" "${tiny[@]}" --requests "$tmp/good.jsonl" --batch 0
expect_error "a malformed request line names its line" "broken.jsonl:2: not valid JSON" "${tiny[@]}" --requests "$tmp/broken.jsonl"
expect_error "an empty prompt in a request file" "empty_prompt.jsonl:1: the prompt is empty" "${tiny[@]}" --requests "$tmp/empty_prompt.jsonl"
expect_error "a request longer than the window" "64-token window" "${tiny[@]}" --requests "$tmp/too_long.jsonl"
expect_error "a misspelt key" 'unknown key "max_tokens"' "${tiny[@]}" --requests "$tmp/unknown_key.jsonl"
expect_error "a missing requests file" "--requests" "${tiny[@]}" --requests "$tmp/no_such_file.jsonl"
expect_error "an empty prompt flag" "empty" "${tiny[@]}" --prompt-ids ""
expect_error "a prompt longer than the window" "window" "${tiny[@]}" --prompt-ids "$(seq -s ' ' 1 65)"
expect_error "--requests and --prompt-ids together" "give one" "${tiny[@]}" --requests "$tmp/good.jsonl" --prompt-ids "1 2"
expect_error "--verify and --bench together" "separate runs" "${tiny[@]}" --verify --bench
expect_error "--bench-batches without --bench" "--bench-batches" "${tiny[@]}" --bench-batches "1 2"
expect_error "an unknown batching policy" "--batching" "${tiny[@]}" --batching dynamic

expect_json "--json: requests in input order with their fields, and the timing" \
  '[r["index"] for r in d["requests"]] == [0, 1, 2] and d["requests"][0]["prompt_ids"] == [10, 11, 12]
   and [len(r["generated_ids"]) for r in d["requests"]] == [6, 9, 3]
   and all(r["stop_reason"] == "max_new_tokens" and r["time_to_first_token_s"] > 0
           and r["finish_s"] >= r["time_to_first_token_s"] for r in d["requests"])
   and d["timing"]["total_s"] > 0 and d["timing"]["decode_tokens_per_s"] > 0 and d["timing"]["steps"] > 0' \
  "${tiny[@]}" --requests "$tmp/good.jsonl" --ignore-eos --json

# Request 1 has no seed: it uses --seed + 1, so chapter 05 with --seed 8 reproduces it.
batched=$("$bin" "${tiny[@]}" --requests "$tmp/good.jsonl" --seed 7 --ignore-eos --json 2>/dev/null |
  python3 -c 'import json, sys; print(",".join(map(str, json.load(sys.stdin)["requests"][1]["generated_ids"])))')
solo=$(./chapter05 "${tiny[@]}" --prompt-ids "200 7" -n 9 --seed 8 --ignore-eos --json 2>/dev/null | generated_ids)
if [ -n "$solo" ] && [ "$batched" = "$solo" ]; then ok "a request without a seed is chapter 05 with --seed + its index"
else fail "seed rule" "batched '$batched' vs ./chapter05 --seed 8 '$solo'"; fi

ids_of_all() { python3 -c 'import json, sys; print(";".join(",".join(map(str, r["generated_ids"])) for r in json.load(sys.stdin)["requests"]))'; }
a=$("$bin" "${tiny[@]}" --requests "$tmp/good.jsonl" --batch 1 --json 2>/dev/null | ids_of_all)
b=$("$bin" "${tiny[@]}" --requests "$tmp/good.jsonl" --batch 3 --batching static --json 2>/dev/null | ids_of_all)
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "--batch 1 and --batch 3 --batching static give the same tokens"
else fail "batch size changes tokens" "'$a' vs '$b'"; fi

verify=$("$bin" "${tiny[@]}" --requests "$tmp/good.jsonl" --temperature 1 --top-k 50 --verify --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && json_true 'all(c["identical"] for c in d["checks"]) and len(d["checks"]) == 3' <<<"$verify"; then
  ok "--verify: every request identical to its solo run"
else fail "--verify" "exit $rc: ${verify:0:300}"; fi

out=$("$bin" --model mini --batch 3 -n 8 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && [[ "$out" == *"idle"* ]] && [ "$(grep -c '^\[[0-5]\] ' <<<"$out")" -eq 6 ]; then
  ok "the default run serves the six built-in prompts and reports idle slot-steps"
else fail "default run" "exit $rc: ${out:0:300}"; fi

expect_json "--bench --json: tokens/s per batch size, predicted, the weight products both ways, and static vs continuous" \
  'd["batch_sizes"] == [1, 2] and len(d["decode_tokens_per_s"]) == 2 and len(d["predicted_decode_tokens_per_s"]) == 2
   and len(d["ms_per_step"]) == 2 and all(x > 0 for x in d["decode_tokens_per_s"])
   and d["workload"]["static"]["idle_slot_steps"] > d["workload"]["continuous"]["idle_slot_steps"]
   and d["weight_products_ms"]["batch_sizes"] == [2] and d["weight_products_ms"]["this_project"][0] > 0
   and d["weight_products_ms"]["openblas"][0] > 0' \
  --model mini -t 1 --bench --bench-batches "1 2" --out-dir "$tmp/out" --json

cli_done
