#!/usr/bin/env bash
# Drives ./chapter06 (make chapter06): bad input gives one clear line and a non-zero exit;
# --json keeps its contract (exact integers); --measure agrees with the formula; the headline
# table and plot appear. Prints one line per case: "ok <case>" or "FAIL <case>: why".
set -u
cd "$(dirname "$0")/../.."
bin=./chapter06
source tests/tools/cli_checks.sh
require_built
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_field CASE FIELD VALUE ARGS...: exit 0, one JSON object (read with Python's json
# module), and its FIELD equal to VALUE — exactly: an integer must come back as that integer.
expect_field() {
  local name=$1 field=$2 value=$3
  shift 3
  if ! "$bin" "$@" --json >"$tmp/json" 2>"$tmp/err"; then
    echo "FAIL $name: exit code non-zero: $(head -c 300 "$tmp/err")"
  elif ! json_true 'isinstance(d, dict)' <"$tmp/json"; then
    echo "FAIL $name: --json did not print one JSON object: $(head -c 200 "$tmp/json")"
  elif ! json_true "d.get('$field') == $value and type(d.get('$field')) is type($value)" <"$tmp/json"; then
    echo "FAIL $name: expected \"$field\": $value, got: $(grep -E "\"$field\"" "$tmp/json" | head -n 1)"
  else
    echo "ok $name"
  fi
}

# --- bad input: one clear line, non-zero exit ---
expect_error "unknown preset lists the valid ones" "valid presets: gpt2, gpt2-medium" --preset gpt-5
expect_error "zero context" "--context" --preset gpt2 --context 0
expect_error "negative batch" "--batch" --preset gpt2 --batch -4
expect_error "zero layers" "--layers" --layers 0 --heads 12 --n-embd 768
expect_error "negative heads" "--heads" --layers 12 --heads -12 --n-embd 768
expect_error "heads not dividing n_embd" "does not divide --n-embd 768" --layers 12 --heads 7 --n-embd 768
expect_error "kv heads not dividing heads" "key/value heads do not divide" --layers 12 --heads 12 --kv-heads 5 --n-embd 768
expect_error "kv heads above heads" "key/value heads do not divide" --layers 12 --heads 4 --kv-heads 8 --head-dim 64
expect_error "custom model missing its width" "--head-dim or --n-embd" --layers 12 --heads 12
expect_error "unknown dtype lists the valid ones" "fp32|fp16|bf16|fp8|int8|int4" --preset gpt2 --dtype fp64
expect_error "non-numeric context" "got 'abc'" --preset gpt2 --context abc
expect_error "number too large to parse" "--context" --preset gpt2 --context 99999999999999999999999
expect_error "cache past 2^64 bytes" "2^64" --preset gpt3-175b --context 1099511627776 --batch 1099511627776
expect_error "preset and custom shape mixed" "choose one model" --preset gpt2 --layers 3
expect_error "missing config.json" "cannot open" --config "$tmp/none/config.json"
printf '{"n_layer": 12, "n_head": 12' >"$tmp/broken.json"
expect_error "truncated config.json" "not valid JSON at byte" --config "$tmp/broken.json"
expect_error "empty request in --requests" "--requests" --preset gpt2 --requests 100,,200
expect_error "request longer than the slot" "raise --context" --preset gpt2 --requests 100,5000
expect_error "zero block size" "--block-size" --preset gpt2 --block-size 0
expect_error "context without a model" "needs a model" --context 4096
expect_error "measure beyond the window" "beyond gpt2's 1024-token window" --preset gpt2 --context 2048 --measure
expect_error "measure a non-GPT-2 model" "cannot hold llama-2-7b" --preset llama-2-7b --context 16 --measure
expect_error "measure too large" "limited to 2 GiB" --preset gpt2-xl --batch 8 --measure
expect_error "memory budget zero" "--memory-gib" --preset gpt2 --memory-gib 0

# --- --json: one object, exact integers (the models' published config.json shapes) ---
expect_field "json gpt2 1024 fp32 is 72 MiB" kv_cache_bytes 75497472 --preset gpt2 --context 1024 --dtype fp32
expect_field "json gpt2 bytes_per_token" bytes_per_token 73728 --preset gpt2 --context 1024 --dtype fp32
expect_field "json gpt2 1000 bf16" kv_cache_bytes 36864000 --preset gpt2 --context 1000 --dtype bf16
expect_field "json gpt3-175b 2048 fp16" kv_cache_bytes 9663676416 --preset gpt3-175b --context 2048 --dtype fp16
expect_field "json llama-2-7b 4096 fp16 is 2 GiB" kv_cache_bytes 2147483648 --preset llama-2-7b --context 4096
expect_field "json llama-2-70b 4096 fp16 is 1.25 GiB" kv_cache_bytes 1342177280 --preset llama-2-70b --context 4096
expect_field "json 1M tokens batch 512 exact" kv_cache_bytes 2533274790395904 --preset gpt3-175b --context 1048576 --batch 512
expect_field "json mistral capped by its window" cached_tokens 4096 --preset mistral-7b --context 16384
expect_field "json measured equals formula (gpt2)" measured_bytes 75497472 --preset gpt2 --context 1024 --measure
expect_field "json measured equals formula (custom)" measured_bytes 460800 --layers 3 --heads 4 --n-embd 96 --n-positions 256 --context 200 --measure
printf '{"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "vocab_size": 50257}' >"$tmp/config.json"
expect_field "json from a GPT-2 config.json" kv_cache_bytes 75497472 --config "$tmp/config.json" --context 1024 --dtype fp32
expect_field "json parameter count of gpt2" parameter_count 124439808 --preset gpt2

# --- text reports ---
if "$bin" --help >"$tmp/help" 2>&1 && grep -q -- "--preset NAME" "$tmp/help" && grep -q "mistral-7b" "$tmp/help"; then
  echo "ok --help lists the flags and the presets"
else
  echo "FAIL --help lists the flags and the presets: $(head -c 200 "$tmp/help")"
fi
if "$bin" --json --no-plot >"$tmp/headline.json" 2>"$tmp/err" &&
   json_true '[m for m in d["models"] if m["model"] == "llama-2-70b"][0]["kv_cache_bytes"]["4096"] == 1342177280' <"$tmp/headline.json"; then
  echo "ok headline --json has llama-2-70b's 1.25 GiB at 4096 tokens"
else
  echo "FAIL headline --json has llama-2-70b's 1.25 GiB at 4096 tokens: $(head -c 200 "$tmp/err")"
fi
if "$bin" --preset mistral-7b --context 16384 2>&1 | grep -q "sliding window"; then
  echo "ok the report says when the sliding window caps the cache"
else
  echo "FAIL the report says when the sliding window caps the cache: no 'sliding window' note"
fi
if "$bin" --preset gpt2 --context 1024 --measure --dtype fp16 2>&1 | grep -q "only fp32 can be measured"; then
  echo "ok --measure at fp16 says only fp32 is measured"
else
  echo "FAIL --measure at fp16 says only fp32 is measured: no note in the report"
fi
"$bin" --out-dir "$tmp/plots" >"$tmp/headline" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL headline table: exit $rc: $(head -c 300 "$tmp/err")"
elif ! grep -q "^llama-2-70b" "$tmp/headline" || ! grep -q "^mistral-7b" "$tmp/headline"; then
  echo "FAIL headline table: presets missing from the table"
else
  echo "ok headline table lists every preset"
fi
if ! command -v gnuplot >/dev/null; then
  echo "ok headline plot (skipped: gnuplot is not installed)"
elif grep -qF "plot: $tmp/plots/ch06_kv_cache_vs_context.png" "$tmp/headline" && [ -s "$tmp/plots/ch06_kv_cache_vs_context.png" ]; then
  echo "ok headline plot written at the printed path"
else
  echo "FAIL headline plot: no picture at the printed path: $(grep plot: "$tmp/headline") $(cat "$tmp/err")"
fi
# The cache's resident memory, in a fresh process: it grows by the formula's bytes (the cache
# is zero-filled, so every page is touched), plus at most 1 MiB of bookkeeping — no hidden
# copies (a constructor that copied a temporary layer showed up here as 3 MiB too many).
json=$("$bin" --preset gpt2 --context 1024 --measure --json 2>"$tmp/err")
before=$(sed -nE 's/.*"rss_before_bytes": ([0-9]+).*/\1/p' <<<"$json")
after=$(sed -nE 's/.*"rss_after_bytes": ([0-9]+).*/\1/p' <<<"$json")
formula=75497472  # 2 × 12 layers × 768 × 1024 tokens × 4 bytes
if [ -z "$before" ] || [ -z "$after" ]; then
  fail "resident memory of the measured cache" "no rss_before_bytes/rss_after_bytes in --measure --json: $(cat "$tmp/err")"
elif [ $((after - before)) -lt $((formula * 99 / 100)) ] || [ $((after - before)) -gt $((formula + 1048576)) ]; then
  fail "resident memory of the measured cache" "grew by $((after - before)) bytes; expected $formula (+ at most 1 MiB)"
else
  ok "the measured cache's resident memory grows by its formula bytes (+ under 1 MiB)"
fi
cli_done
