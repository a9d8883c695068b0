#!/usr/bin/env bash
# Drives ./chapter02: the walkthrough shows the KV-cache property with numbers; a real head's
# weights come out as rows summing to 1 with a heatmap file; bad --layer/--head, bad prompts
# and a missing model end in ONE clear line on stderr and a non-zero exit.
# Prints "ok <case>" or "FAIL <case>: why" per case.
set -u
cd "$(dirname "$0")/../.."
bin=./chapter02
source tests/tools/cli_checks.sh
require_built
tiny=data/fixtures/tiny_gpt2   # 2 layers, 4 heads, vocab 384, window 64
errfile=$(mktemp)
outdir=$(mktemp -d)
trap 'rm -rf "$errfile" "$outdir"' EXIT

m=(--model "$tiny" --out-dir "$outdir")
expect_error "--layer past the last layer" "layers 0 to 1" "${m[@]}" --prompt-ids "1 2" --layer 2
expect_error "--head past the last head" "heads 0 to 3" "${m[@]}" --prompt-ids "1 2" --head 4
expect_error "negative --layer" "--layer" "${m[@]}" --prompt-ids "1 2" --layer -1
expect_error "--head not a number" "--head" "${m[@]}" --prompt-ids "1 2" --head x
expect_error "prompt ids not numbers" "--prompt-ids" "${m[@]}" --prompt-ids "1 b"
expect_error "prompt id past the vocabulary" "0 to 383" "${m[@]}" --prompt-ids "1 99999"
expect_error "empty prompt" "empty" "${m[@]}" --prompt ""
expect_error "empty prompt ids" "empty" "${m[@]}" --prompt-ids " "
expect_error "prompt longer than the window" "window" "${m[@]}" --prompt-ids "$(seq -s ' ' 1 65)"
expect_error "missing model path suggests make gpt2" "make gpt2" --model /nonexistent/model --prompt-ids "1"

walk=$("$bin" 2>&1); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL walkthrough: exit $rc"
elif grep -q 'first 4 columns: max |change| = 0 ' <<<"$walk" && grep -q 'full computation: max |difference| = 0 ' <<<"$walk"
then echo "ok the walkthrough shows earlier rows unchanged and the new row from the new query alone"
else echo "FAIL walkthrough: the KV-cache property numbers are missing"; fi

json=$("$bin" "${m[@]}" --prompt-ids "5 6 7 8" --layer 1 --head 2 --json 2>"$errfile"); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL --json: exit $rc: $(cat "$errfile")"
elif [ "$(wc -l <<<"$json")" -ne 1 ] || ! python3 -c 'import json, sys; assert isinstance(json.load(sys.stdin), dict)' <<<"$json" 2>/dev/null
then echo "FAIL --json: not one JSON object on one line"
elif ! python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["prompt_ids"] == [5, 6, 7, 8] and d["weights"][0] == [1, 0, 0, 0]' <<<"$json" 2>/dev/null
then echo "FAIL --json: prompt_ids or weights wrong: ${json:0:300}"
else echo "ok --json gives the head's weights, first row [1, 0, 0, 0] (causal)"; fi
if true; then
  if python3 -c '
import json, sys
d = json.load(sys.stdin)
w = d["weights"]
assert len(w) == 4 and all(abs(sum(r) - 1) < 1e-5 for r in w)
assert all(w[q][k] == 0 for q in range(4) for k in range(q + 1, 4))
assert d["max_difference_from_model"] < 1e-5' <<<"$json" 2>/dev/null
  then echo "ok every row of weights sums to 1, the future gets 0, and it matches the model"
  else echo "FAIL --json weights: rows do not sum to 1, future not 0, or differs from the model"; fi
fi

pic="$outdir/ch02_attention_layer1_head2.svg"
if command -v gnuplot >/dev/null 2>&1; then
  out=$("$bin" "${m[@]}" --prompt-ids "5 6 7 8" --layer 1 --head 2 2>&1)
  if grep -qF "heatmap: $pic" <<<"$out" && [ -s "$pic" ] && grep -q '<svg' "$pic"; then echo "ok the heatmap is written and its path printed"
  else echo "FAIL heatmap: $pic missing or not printed"; fi
  touch "$outdir/ch02_attention_layer0_head0.svg"   # a file the tutorial did not write
  expect_error "an existing foreign file is not overwritten" "--force" "${m[@]}" --prompt-ids "5 6" --layer 0 --head 0
  if "$bin" "${m[@]}" --prompt-ids "5 6" --layer 0 --head 0 --force >/dev/null 2>&1; then echo "ok --force overwrites it"
  else echo "FAIL --force did not overwrite"; fi
else
  echo "ok gnuplot is not installed here; heatmap checks skipped (make setup installs gnuplot-nox)"
fi
