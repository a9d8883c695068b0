#!/usr/bin/env bash
# Drives ./chapter01 the way scripts and graders do: --ids, --decode, --file, --allow-special,
# --json, and every kind of bad input. One line per case: "ok <case>" or "FAIL <case>: why".
# Expected ids come from tests/reference/tokenizer/expected_ids.json (gpt-tokenizer, r50k_base).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/tools/cli_checks.sh
bin=./chapter01
require_built
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_output CASE EXPECTED ARGS... : stdout must equal EXPECTED exactly (byte for byte,
# final newline included), exit 0.
expect_output() {
  local name=$1 expected=$2
  shift 2
  local got rc
  got=$("$bin" "$@" 2>"$tmp/err"; echo "rc=$?")
  rc=${got##*rc=}
  got=${got%rc=*}
  if [ "$rc" != 0 ]; then fail "$name" "exit $rc: $(head -c 300 "$tmp/err")"
  elif [ "$got" != "$expected" ]; then fail "$name" "got '$(printf %q "$got")', expected '$(printf %q "$expected")'"
  else ok "$name"; fi
}

# --- the interface -------------------------------------------------------------------------
expect_output ch01_ids_hello $'15496 995\n' --ids "Hello world"
expect_output ch01_ids_empty $'\n' --ids ""
expect_output ch01_allow_special $'64 50256 65\n' --ids --allow-special "a<|endoftext|>b"
expect_output ch01_special_is_text_by_default $'64 27 91 437 1659 5239 91 29 65\n' --ids "a<|endoftext|>b"
expect_output ch01_decode_hello "Hello world" --decode "15496 995"

# --decode prints the exact bytes: no newline added.
"$bin" --decode "15496 995" >"$tmp/decoded" 2>"$tmp/err"
if printf 'Hello world' | cmp -s - "$tmp/decoded"; then ok ch01_decode_exact_bytes
else fail ch01_decode_exact_bytes "stdout is not exactly 'Hello world' ($(od -c "$tmp/decoded" | head -2))"; fi

# --file keeps CRLF and the final newline (case "crlf" of expected_ids.json).
printf 'line one\r\nline two\r\n\r\nlast' >"$tmp/crlf.txt"
expect_output ch01_ids_file_crlf $'1370 530 201 198 1370 734 201 198 201 198 12957\n' --ids --file "$tmp/crlf.txt"
printf 'trailing\n' >"$tmp/trailing.txt"
expect_output ch01_ids_file_trailing_newline $'9535 4386 198\n' --ids --file "$tmp/trailing.txt"
expect_output ch01_ids_stdin $'15496 995\n' --ids --file - < <(printf 'Hello world')

# A long real document: ids equal the independent reference, and decode gives the file back.
doc=tests/reference/tokenizer/gpl-3.txt
expected=$(grep -o '"file":"gpl-3.txt".*' tests/reference/tokenizer/expected_ids.json |
  sed -E 's/.*"ids":\[([0-9,]*)\].*/\1/' | tr ',' ' ')
"$bin" --ids --file "$doc" >"$tmp/gpl.ids" 2>"$tmp/err"
if [ -z "$expected" ]; then fail ch01_long_document_ids "no reference ids for gpl-3.txt in expected_ids.json"
elif [ "$(cat "$tmp/gpl.ids")" == "$expected" ]; then ok ch01_long_document_ids
else fail ch01_long_document_ids "ids differ from gpt-tokenizer's ($(wc -w <"$tmp/gpl.ids") vs $(wc -w <<<"$expected") ids)"; fi
"$bin" --decode --file "$tmp/gpl.ids" >"$tmp/gpl.txt" 2>"$tmp/err"
if cmp -s "$doc" "$tmp/gpl.txt"; then ok ch01_long_document_round_trip
else fail ch01_long_document_round_trip "decode of the ids differs from $doc: $(cat "$tmp/err")"; fi

# --json and the walkthrough.
json=$("$bin" --ids --json "Hello world" 2>&1)
if json_true 'd["ids"] == [15496, 995] and d["count"] == 2' <<<"$json"; then ok ch01_ids_json
else fail ch01_ids_json "unexpected output: $json"; fi
json=$("$bin" --decode --json "15496 995 30325" 2>&1)
if json_true 'd["valid_utf8"] is False and "bytes_hex" in d' <<<"$json"; then ok ch01_decode_json_cut_character
else fail ch01_decode_json_cut_character "unexpected output: $json"; fi
walk=$("$bin" 2>&1)
if [ $? -eq 0 ] && grep -q 'Step 4' <<<"$walk" && grep -q 'equal to the text: yes' <<<"$walk"; then ok ch01_walkthrough_sample
else fail ch01_walkthrough_sample "the walkthrough did not reach step 6 with a round trip"; fi
walk=$("$bin" "Καλημέρα 🇫🇷 ok" 2>&1)
if [ $? -eq 0 ] && grep -q 'equal to the text: yes' <<<"$walk"; then ok ch01_walkthrough_text
else fail ch01_walkthrough_text "walkthrough of a Greek + flag text failed: $(tail -n 2 <<<"$walk")"; fi
if "$bin" --json "Hi there" | json_true 'd["round_trip"] is True'; then ok ch01_walkthrough_json
else fail ch01_walkthrough_json "no \"round_trip\": true in --json output"; fi
if "$bin" --help | grep -q -- '--decode'; then ok ch01_help; else fail ch01_help "--help does not list --decode"; fi
# BPE training on a toy corpus: the pairs counted by hand in the lesson (step 4), GPT-2's ranks.
json=$("$bin" --learn-merges 3 --json " low lower newest" 2>&1)
if json_true '[(m["left"], m["right"], m["count"]) for m in d["merges"]] == [(" ", "l", 2), (" l", "o", 2), (" lo", "w", 2)] and d["merges"][0]["gpt2_rank"] == 44 and d["merges"][2]["gpt2_rank"] is None' <<<"$json"; then ok ch01_learn_merges_json
else fail ch01_learn_merges_json "unexpected output: $json"; fi

# --- bad input: one clear line, exit 1, never a crash ----------------------------------------
expect_error ch01_invalid_utf8_text "byte offset 1" --ids "$(printf 'a\xffb')"
printf 'good text\n\xc3(bad)' >"$tmp/bad.txt"
expect_error ch01_invalid_utf8_file "byte offset 10" --ids --file "$tmp/bad.txt"
expect_error ch01_invalid_utf8_walkthrough "not valid UTF-8" "$(printf '\xed\xa0\x80')"
expect_error ch01_decode_past_vocab "50257" --decode "15496 50257"
expect_error ch01_decode_not_a_number "'abc'" --decode "12 abc"
expect_error ch01_decode_negative "'-1'" --decode "-1"
expect_error ch01_unknown_flag "--frobnicate" --frobnicate
expect_error ch01_ids_without_text "--ids" --ids
expect_error ch01_ids_and_decode "--decode" --ids --decode "1"
expect_error ch01_learn_merges_without_text "--learn-merges" --learn-merges 5
expect_error ch01_learn_merges_zero "'0'" --learn-merges 0 "some text"
expect_error ch01_missing_file "No such file" --ids --file "$tmp/nope.txt"
expect_error ch01_file_is_folder "folder" --ids --file "$tmp"
expect_error ch01_missing_vocab "make setup" --vocab-dir "$tmp/empty" --ids "hi"
mkdir -p "$tmp/vocab"
head -c 20000 data/tokenizer/encoder.json >"$tmp/vocab/encoder.json"
cp data/tokenizer/vocab.bpe "$tmp/vocab/vocab.bpe"
expect_error ch01_truncated_encoder "encoder.json" --vocab-dir "$tmp/vocab" --ids "hi"
cp data/tokenizer/encoder.json "$tmp/vocab/encoder.json"
printf '#version: 0.2\n\xc4\xa0 t\nnot a merge line\n' >"$tmp/vocab/vocab.bpe"
expect_error ch01_bad_merge_line "line 3" --vocab-dir "$tmp/vocab" --ids "hi"
head -n 20000 data/tokenizer/vocab.bpe >"$tmp/vocab/vocab.bpe"
expect_error ch01_truncated_merges "cut short" --vocab-dir "$tmp/vocab" --ids "hi"

[ "$failures" -eq 0 ]
