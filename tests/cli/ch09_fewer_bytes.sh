#!/usr/bin/env bash
# Drives ./chapter09: a bad format name is one line and a non-zero exit; a plain run's --json
# has chapter 05's fields plus "weights" and "kv"; --compare --json gives one object per
# combination with the fields scripts read; --bench --json gives tokens/s per combination and
# each weight format's ceiling. Prints "ok <case>" or "FAIL <case>: why" (tests/tools/cli_checks.sh).
set -u
cd "$(dirname "$0")/../.."
source tests/tools/cli_checks.sh
bin=./chapter09
require_built
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tiny=(--model data/fixtures/tiny_gpt2 -t 1 --prompt-ids "5 6 7 8")

expect_error "an unknown cache format" "--kv" "${tiny[@]}" --kv int4
expect_error "an unknown weight format" "--weights" "${tiny[@]}" --weights bfloat
expect_error "int8 weights" "fp32 or bf16" "${tiny[@]}" --weights int8
expect_error "--compare and --bench together" "separate runs" "${tiny[@]}" --compare --bench

expect_json "a run's --json: the generation, the formats, the memory" \
  'd["weights"] == "bf16" and d["kv"] == "int8" and len(d["generated_ids"]) == 6 and d["prompt_ids"] == [5, 6, 7, 8]
   and d["memory"]["cache_bytes_per_token"] == 2 * 2 * (32 + 4 * 4) and "decode_tokens_per_s" in d["timing"]' \
  "${tiny[@]}" --weights bf16 --kv int8 -n 6 --ignore-eos --json

# The memory target: GPT-2 124M's shapes with bf16 weights and a whole-window int8 cache stay
# under 350 MB resident at their peak — nothing holds a float32 copy of the weights or a
# float32 cache for the window on the way.
expect_json "bf16 weights and a whole-window int8 cache of GPT-2 124M's shapes peak under 350 MB resident" \
  'd["memory"]["peak_rss_bytes"] <= 350e6 and d["memory"]["cache_bytes"] == 1024 * 19584' \
  --model random --weights bf16 --kv int8 -n 2 --prompt-ids "464 2068" --json

expect_json "--compare --json: every combination against float32" \
  'len(d["results"]) == 8 and all(k in r for r in d["results"] for k in ("weights", "kv", "max_abs_logit_diff",
   "kl_mean", "top1_agreement", "first_greedy_divergence", "perplexity", "perplexity_fp32"))
   and d["results"][0]["max_abs_logit_diff"] == 0 and d["results"][0]["first_greedy_divergence"] is None' \
  "${tiny[@]}" --compare -n 8 --json

expect_json "--compare --weights bf16 --json: the combinations with bf16 weights" \
  '[(r["weights"], r["kv"]) for r in d["results"]] == [("bf16", "fp32"), ("bf16", "fp16"), ("bf16", "bf16"), ("bf16", "int8")]' \
  "${tiny[@]}" --compare --weights bf16 -n 4 --json

expect_json "--bench --json: tokens/s per combination, and each weight format's ceiling" \
  'len(d["results"]) == 8 and all(r["decode_tokens_per_s"] > 0 for r in d["results"])
   and d["ceiling_tokens_per_s"]["fp32"] > 0 and d["ceiling_tokens_per_s"]["bf16"] > 0' \
  --model mini -t 1 --bench --out-dir "$tmp/out" --json

cli_done
