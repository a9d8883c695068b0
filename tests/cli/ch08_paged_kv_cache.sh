#!/usr/bin/env bash
# Drives ./chapter08: bad input ends in ONE clear line and a non-zero exit before any work;
# --json prints chapter 07's fields plus "blocks" and "memory"; a tiny pool (requests wait and
# are preempted) and a large one give the same tokens; --samples shares the prompt and
# --verify finds every sample identical to its solo run; --bench prints its figures.
# Prints "ok <case>" or "FAIL <case>: why" (checks: tests/tools/cli_checks.sh).
set -u
cd "$(dirname "$0")/../.."
source tests/tools/cli_checks.sh
bin=./chapter08
require_built
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tiny=(--model data/fixtures/tiny_gpt2 -t 1)   # 64 positions, 384 tokens, 16 KiB per 16-token block
printf '{"prompt_ids": [10, 11, 12], "max_new_tokens": 20}\n{"prompt_ids": [200, 7], "max_new_tokens": 30}\n{"prompt_ids": [42, 1, 2, 3, 4, 5], "max_new_tokens": 25}\n' >"$tmp/three.jsonl"

expect_error "--block-size 0" "--block-size" "${tiny[@]}" --block-size 0
expect_error "--samples 0" "--samples" "${tiny[@]}" --samples 0
expect_error "more samples than the batch" "--batch of at least 9" "${tiny[@]}" --prompt-ids "1 2" --samples 9
expect_error "a budget that cannot hold one block" "cannot hold one block" --model random --prompt-ids "1 2" --cache-mib 1
expect_error "a pool too small for one request" "raise --cache-mib" --model mini -t 1 --prompt-ids "1 2" -n 200 --cache-mib 1 --samples 2
expect_error "an unknown admission rule" "--admission" "${tiny[@]}" --admission greedy
printf '{"prompt_ids": 5}\n' >"$tmp/bad.jsonl"
expect_error "a malformed request line names its line" "bad.jsonl:1:" "${tiny[@]}" --requests "$tmp/bad.jsonl"

expect_json "--json: chapter 07's fields, blocks and memory" \
  '[r["index"] for r in d["requests"]] == [0, 1, 2] and all("generated_ids" in r and "finish_s" in r for r in d["requests"])
   and d["timing"]["steps"] > 0 and d["blocks"]["block_size"] == 4 and d["blocks"]["total"] > 0
   and d["blocks"]["peak_used"] > 0 and "peak_shared" in d["blocks"] and d["blocks"]["all_free_at_end"]
   and all(k in d["memory"] for k in ("contiguous_reserved_bytes", "paged_peak_bytes", "waste_contiguous", "waste_paged"))' \
  "${tiny[@]}" --requests "$tmp/three.jsonl" --block-size 4 --ignore-eos --json

ids_of_all() { python3 -c 'import json, sys; print(";".join(",".join(map(str, r["generated_ids"])) for r in json.load(sys.stdin)["requests"]))'; }
big=$("$bin" "${tiny[@]}" --requests "$tmp/three.jsonl" --ignore-eos --json 2>/dev/null | ids_of_all)
small_json=$("$bin" "${tiny[@]}" --requests "$tmp/three.jsonl" --ignore-eos --block-size 4 --cache-mib 1 --json 2>/dev/null)
small=$(ids_of_all <<<"$small_json")
c7=$(./chapter07 "${tiny[@]}" --requests "$tmp/three.jsonl" --ignore-eos --batch 8 --json 2>/dev/null | ids_of_all)
if [ -n "$big" ] && [ "$big" = "$small" ] && [ "$big" = "$c7" ]; then
  ok "a 1 MiB pool, a 256 MiB pool and chapter 07's contiguous caches give the same tokens"
else fail "pool size changes tokens" "big '$big' small '$small' chapter 07 '$c7'"; fi

verify=$("$bin" "${tiny[@]}" --prompt-ids "5 6 7 8 9 10 11 12 13" -n 12 --samples 4 --block-size 4 --temperature 1 --verify --json 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && json_true 'len(d["checks"]) == 4 and all(c["identical"] for c in d["checks"])
    and [r["sample"] for r in d["requests"]] == [0, 1, 2, 3] and d["blocks"]["peak_shared"] == 2' <<<"$verify"; then
  ok "--samples 4 shares the prompt's 2 full blocks; --verify: every sample is its solo run"
else fail "--samples --verify" "exit $rc: ${verify:0:300}"; fi

expect_json "--bench --json: paged vs contiguous steps, block sizes, the budget, sharing" \
  'len(d["steps"]) >= 2 and all(s["paged_ms"] > 0 and s["contiguous_ms"] > 0 for s in d["steps"])
   and [b["block_size"] for b in d["block_sizes"]] == [1, 4, 16, 64, 256]
   and d["workload"]["paged"]["memory"]["waste_paged"] < d["workload"]["contiguous"]["memory"]["waste_contiguous"]
   and d["sharing"]["prompt_cache_saved"] >= 7 / 8' \
  --model mini -t 1 --bench --out-dir "$tmp/out" --json

cli_done
