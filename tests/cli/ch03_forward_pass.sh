#!/usr/bin/env bash
# Drives ./chapter03: bad input ends in ONE clear line on stderr and a non-zero exit; --json
# prints one JSON object with prompt_ids and the full vocabulary of last_logits; --trace and
# the model summary (124,439,808 parameters for GPT-2 small's shapes).
# Prints "ok <case>" or "FAIL <case>: why" per case.
set -u
cd "$(dirname "$0")/../.."
bin=./chapter03
source tests/tools/cli_checks.sh
require_built
tiny=data/fixtures/tiny_gpt2   # vocab 384, window 64
errfile=$(mktemp)
trap 'rm -f "$errfile"' EXIT

expect_error "missing model path suggests make gpt2" "make gpt2" --model /nonexistent/gpt2 --prompt-ids "1 2"
expect_error "prompt ids not numbers" "--prompt-ids" --model "$tiny" --prompt-ids "1 two 3"
expect_error "negative prompt id" "--prompt-ids" --model "$tiny" --prompt-ids "1 -5"
expect_error "prompt id at the vocabulary size" "0 to 383" --model "$tiny" --prompt-ids "1 384"
expect_error "empty prompt ids" "empty" --model "$tiny" --prompt-ids ""
expect_error "blank prompt ids" "empty" --model "$tiny" --prompt-ids "  ,  "
expect_error "empty text prompt" "empty" --model "$tiny" --prompt ""
expect_error "prompt longer than the window" "window" --model "$tiny" --prompt-ids "$(seq -s ' ' 1 65)"
expect_error "huge prompt is refused early" "window" --model "$tiny" --prompt-ids "$(seq -s " " 1 20000)"
expect_error "prompt and prompt ids together" "both" --model "$tiny" --prompt "hi" --prompt-ids "1"
expect_error "threads not a number" "--threads" --model "$tiny" --prompt-ids "1" --threads many
expect_error "unknown flag" "unknown flag" --model "$tiny" --frobnicate

if "$bin" --help | grep -q -- '--prompt-ids' && "$bin" --help | grep -q -- '--trace'; then
  echo "ok --help lists --prompt-ids and --trace"
else echo "FAIL --help: flags missing"; fi

json=$("$bin" --model "$tiny" --prompt-ids "1 2 3" --json 2>"$errfile"); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL --json: exit $rc: $(cat "$errfile")"
elif [ "$(wc -l <<<"$json")" -ne 1 ] || ! python3 -c 'import json, sys; assert isinstance(json.load(sys.stdin), dict)' <<<"$json" 2>/dev/null
then echo "FAIL --json: not one JSON object on one line: ${json:0:200}"
elif ! python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["prompt_ids"] == [1, 2, 3]' <<<"$json" 2>/dev/null
then echo "FAIL --json: no \"prompt_ids\": [1, 2, 3]"
elif ! python3 -c 'import json, sys; d = json.load(sys.stdin); assert len(d["last_logits"]) == 384 and all(isinstance(x, float) for x in d["last_logits"])' <<<"$json" 2>/dev/null
then echo "FAIL --json: last_logits is not 384 numbers (the vocabulary)"
else echo "ok --json has prompt_ids and the full vocabulary of last_logits"; fi

trace=$("$bin" --model "$tiny" --prompt-ids "1 2 3" --trace 2>&1); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL --trace: exit $rc"
elif grep -qE '^ *embed +\( *32, +3\)' <<<"$trace" && grep -qE '^ *logits +\( *384, +3\)' <<<"$trace" &&
     [ "$(grep -cE '^ *h[0-9]+\.' <<<"$trace")" -eq 18 ]; then echo "ok --trace prints every stage with its shape"
else echo "FAIL --trace: stages or shapes missing"; fi

out=$("$bin" --model random --prompt-ids "464 3797" -t 2 2>"$errfile"); rc=$?
if [ $rc -ne 0 ]; then echo "FAIL random model: exit $rc: $(cat "$errfile")"
elif ! grep -q '124,439,808' <<<"$out"; then echo "FAIL random model: summary lacks 124,439,808 parameters"
elif ! grep -qi 'random' "$errfile"; then echo "FAIL random model: no notice on stderr"
elif [ "$(grep -cE '^(10|[1-9]) +[0-9]+ ' <<<"$out")" -ne 10 ]; then echo "FAIL random model: no top-10 table"
else echo "ok the random 124M model prints 124,439,808 parameters, the notice and a top-10"; fi
