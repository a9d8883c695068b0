#!/usr/bin/env bash
# The bad-input suite, driven through the executables. Every case feeds one
# hostile or careless input to a chapter and checks the contract every program keeps:
#   - exactly one line "chapterNN: error: ..." on stderr, naming what/where (a pattern per
#     case), and nothing else there but the random-model notice;
#   - a non-zero exit below 128 (not a signal, not 3 = "internal error"), within the time-out;
#   - no sanitizer report, no abort, no "terminate called";
#   - all of it under `ulimit -v` (4 GiB by default), so an absurd allocation fails the case.
# One line per case: "ok <case>" or "FAIL <case>: why". A case that fails in a way already
# reported to the coordinator prints "KNOWN-BUG <case>: ..." instead (counted by neither).
#
#   BIN_DIR=build/sanitize bash tests/cli/reliability_bad_input.sh   (what make sanitize runs)
# Env: BIN_DIR (default .), MEM_LIMIT_KB (4194304), CASE_TIMEOUT (60 s), VERBOSE=1 (show
# each error line under its case).
#   ... --only chapter03   runs only the cases of one program (make sanitize SANITIZE=inputs)
set -uo pipefail
cd "$(dirname "$0")/../.."
only=""
[ "${1:-}" = "--only" ] && only=${2:-}
BIN_DIR=${BIN_DIR:-.}
MEM_LIMIT_KB=${MEM_LIMIT_KB:-4194304}
CASE_TIMEOUT=${CASE_TIMEOUT:-60}
fixture=data/fixtures/tiny_gpt2
vocab=data/tokenizer

work=$(mktemp -d "${TMPDIR:-/tmp}/bad-input.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; failures=$((failures + 1)); }

# Cases marked here fail today in a way reported to the coordinator (see tests/README.md):
# they print KNOWN-BUG while failing and "ok" once fixed.
# None today: every finding so far is fixed (tests/README.md, "Findings").
declare -A known_bug=()

wanted() { [ -z "$only" ] || [ "$1" = "$only" ]; }
have() { wanted "$1" && [ -x "$BIN_DIR/$1" ]; }
declare -A missing=()
# (not `ldd | grep -q`: with pipefail, grep -q closing the pipe early can fail the test)
sanitized() { [[ "$(ldd "$BIN_DIR/$1" 2>/dev/null)" == *libasan* ]]; }

# expect_error CASE PATTERN PROGRAM ARGS... — runs BIN_DIR/PROGRAM ARGS with stdin closed.
expect_error() {
  local name=$1 pattern=$2 program=$3
  shift 3
  local bin="$BIN_DIR/$program" rc
  wanted "$program" || return 0
  if ! have "$program"; then
    # one FAIL per missing program, not one per case
    [ -n "${missing[$program]:-}" ] || fail "${program}_built" "$bin is not built (make $program); its cases cannot run"
    missing[$program]=1
    return
  fi
  if sanitized "$program"; then
    # ASan reserves terabytes of address space, so ulimit -v cannot apply; its allocator
    # limit plays the same role (max_allocation_size_mb in the Makefile's SANITIZE_ENV).
    ( exec timeout -k 5 "$CASE_TIMEOUT" "$bin" "$@" </dev/null >"$work/out" 2>"$work/err" )
  else
    ( ulimit -v "$MEM_LIMIT_KB"; exec timeout -k 5 "$CASE_TIMEOUT" "$bin" "$@" </dev/null >"$work/out" 2>"$work/err" )
  fi
  rc=$?
  local why=""
  local errors others
  errors=$(grep -c "^$program: error: " "$work/err")
  others=$(grep -v -e "^$program: error: " -e '^note: using the built-in random model' -e '^[[:space:]]*$' "$work/err" | head -n 3)
  if [ $rc -eq 0 ]; then why="exit 0 (the bad input was accepted)"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then why="no answer within ${CASE_TIMEOUT}s (hang?)"
  elif [ $rc -ge 128 ]; then why="killed by signal $((rc - 128))"
  elif [ $rc -eq 3 ]; then why="exit 3: internal error instead of a user error"
  elif grep -qE 'Sanitizer|runtime error:|terminate called|Aborted|Segmentation' "$work/err"; then why="sanitizer/abort output"
  elif [ "$errors" -ne 1 ]; then why="$errors lines '$program: error: ...' on stderr, expected 1"
  elif [ -n "$others" ]; then why="extra stderr: $(tr '\n' '|' <<<"$others" | cut -c1-200)"
  elif ! grep "^$program: error: " "$work/err" | grep -qE -- "$pattern"; then why="message does not match /$pattern/"
  fi
  if [ -z "$why" ]; then
    ok "$name"
    [ -n "${VERBOSE:-}" ] && grep "^$program: error: " "$work/err" | sed 's/^/    /'
    true
  elif [ -n "${known_bug[$name]:-}" ]; then
    echo "KNOWN-BUG $name: ${known_bug[$name]} — $why: $(head -c 200 "$work/err" | tr '\n' ' ')"
  else
    fail "$name" "$why; rc=$rc; stderr: $(head -c 300 "$work/err" | tr '\n' ' ')"
  fi
}

# --- the model-loading chapter: chapter03 (falls back to 02/04/05 while 03 is absent) --------
model_ch=""
for c in chapter03 chapter02 chapter05 chapter04; do
  [ -n "$(ls -d chapters/${c#chapter}_* 2>/dev/null)" ] && { model_ch=$c; break; }
done

if [ -n "$model_ch" ] && [ -f "$fixture/model.safetensors" ]; then
  python3 tests/tools/make_bad_inputs.py "$fixture" "$vocab" "$work/m" >"$work/cases" || fail make_bad_inputs "the generator failed"
  m=$work/m
  ids=(--prompt-ids "1 2 3")
  # pattern per case: the file and what is wrong in it
  expect_error model_path_missing 'make gpt2' $model_ch --model "$work/nowhere" "${ids[@]}"
  expect_error st_empty_file 'model\.safetensors' $model_ch --model "$m/st_empty_file" "${ids[@]}"
  expect_error st_shorter_than_8_bytes 'model\.safetensors' $model_ch --model "$m/st_shorter_than_8_bytes" "${ids[@]}"
  expect_error st_header_longer_than_file 'model\.safetensors.*header' $model_ch --model "$m/st_header_longer_than_file" "${ids[@]}"
  expect_error st_header_length_2_pow_63 'model\.safetensors.*header' $model_ch --model "$m/st_header_length_2_pow_63" "${ids[@]}"
  expect_error st_header_not_json 'not valid JSON' $model_ch --model "$m/st_header_not_json" "${ids[@]}"
  expect_error st_header_not_object 'not an object' $model_ch --model "$m/st_header_not_object" "${ids[@]}"
  expect_error st_tensor_without_dtype 'c_fc\.weight.*dtype' $model_ch --model "$m/st_tensor_without_dtype" "${ids[@]}"
  expect_error st_tensor_without_shape 'c_fc\.weight.*shape' $model_ch --model "$m/st_tensor_without_shape" "${ids[@]}"
  expect_error st_tensor_without_offsets 'c_fc\.weight.*data_offsets' $model_ch --model "$m/st_tensor_without_offsets" "${ids[@]}"
  expect_error st_unknown_dtype 'F7' $model_ch --model "$m/st_unknown_dtype" "${ids[@]}"
  expect_error st_negative_shape 'c_fc\.weight.*shape' $model_ch --model "$m/st_negative_shape" "${ids[@]}"
  expect_error st_overflowing_shape 'c_fc\.weight.*shape' $model_ch --model "$m/st_overflowing_shape" "${ids[@]}"
  expect_error st_offsets_outside_data 'model\.safetensors.*(end|past|outside|beyond)' $model_ch --model "$m/st_offsets_outside_data" "${ids[@]}"
  expect_error st_offsets_reversed 'reversed' $model_ch --model "$m/st_offsets_reversed" "${ids[@]}"
  expect_error st_size_not_shape_times_dtype 'c_fc\.weight.*shape' $model_ch --model "$m/st_size_not_shape_times_dtype" "${ids[@]}"
  expect_error st_truncated_data 'model\.safetensors' $model_ch --model "$m/st_truncated_data" "${ids[@]}"
  expect_error st_trailing_bytes 'belong to no tensor' $model_ch --model "$m/st_trailing_bytes" "${ids[@]}"
  expect_error st_hole_before_a_tensor 'belong to no tensor' $model_ch --model "$m/st_hole_before_a_tensor" "${ids[@]}"
  expect_error st_duplicate_tensor_names 'twice' $model_ch --model "$m/st_duplicate_tensor_names" "${ids[@]}"
  expect_error st_overlapping_ranges 'overlap' $model_ch --model "$m/st_overlapping_ranges" "${ids[@]}"
  expect_error st_valid_json_header_100mib 'header' $model_ch --model "$m/st_valid_json_header_100mib" "${ids[@]}"
  expect_error st_nan_weight 'c_fc\.weight.*NaN' $model_ch --model "$m/st_nan_weight" "${ids[@]}"
  expect_error st_inf_weight 'c_fc\.weight.*Inf' $model_ch --model "$m/st_inf_weight" "${ids[@]}"
  expect_error gpt2_required_tensor_missing 'c_fc\.weight' $model_ch --model "$m/gpt2_required_tensor_missing" "${ids[@]}"
  expect_error gpt2_shape_disagrees_with_config 'wpe\.weight' $model_ch --model "$m/gpt2_shape_disagrees_with_config" "${ids[@]}"
  expect_error cfg_missing 'config\.json' $model_ch --model "$m/cfg_missing" "${ids[@]}"
  expect_error cfg_not_json 'config\.json.*JSON' $model_ch --model "$m/cfg_not_json" "${ids[@]}"
  expect_error cfg_not_an_object 'config\.json.*object' $model_ch --model "$m/cfg_not_an_object" "${ids[@]}"
  expect_error cfg_missing_key 'config\.json.*n_embd' $model_ch --model "$m/cfg_missing_key" "${ids[@]}"
  expect_error cfg_wrong_type 'config\.json.*n_head' $model_ch --model "$m/cfg_wrong_type" "${ids[@]}"
  expect_error cfg_fractional_layers 'config\.json.*n_layer' $model_ch --model "$m/cfg_fractional_layers" "${ids[@]}"
  expect_error cfg_n_layer_zero 'config\.json.*n_layer' $model_ch --model "$m/cfg_n_layer_zero" "${ids[@]}"
  expect_error cfg_n_layer_negative 'config\.json.*n_layer' $model_ch --model "$m/cfg_n_layer_negative" "${ids[@]}"
  expect_error cfg_embd_not_divisible_by_heads 'config\.json.*divisible' $model_ch --model "$m/cfg_embd_not_divisible_by_heads" "${ids[@]}"
  expect_error cfg_absurd_sizes_terabytes 'config\.json.*(GB|TB|parameters)' $model_ch --model "$m/cfg_absurd_sizes_terabytes" "${ids[@]}"
  expect_error cfg_integer_overflow 'config\.json.*n_layer' $model_ch --model "$m/cfg_integer_overflow" "${ids[@]}"
  expect_error cfg_number_too_large_for_double 'config\.json' $model_ch --model "$m/cfg_number_too_large_for_double" "${ids[@]}"
  expect_error cfg_huge_file 'config\.json' $model_ch --model "$m/cfg_huge_file" "${ids[@]}"

  # --- prompts, on the tiny model (vocab 384, window 64) and on the random 124M model ----
  t=$fixture
  expect_error prompt_ids_not_numbers 'prompt-ids' $model_ch --model "$t" --prompt-ids "12 abc"
  expect_error prompt_ids_negative 'prompt-ids' $model_ch --model "$t" --prompt-ids "12 -5"
  expect_error prompt_ids_past_vocabulary 'prompt-ids.*384' $model_ch --model "$t" --prompt-ids "12 384"
  expect_error prompt_ids_overflow 'prompt-ids' $model_ch --model "$t" --prompt-ids "99999999999999999999"
  expect_error prompt_ids_empty 'prompt-ids.*empty' $model_ch --model "$t" --prompt-ids ""
  expect_error prompt_ids_longer_than_window 'prompt-ids.*64' $model_ch --model "$t" --prompt-ids "$(seq -s ' ' 1 65)"
  expect_error prompt_ids_past_gpt2_vocabulary 'prompt-ids.*50257' $model_ch --model random --prompt-ids "15496 50257"
  if [ -f "$vocab/encoder.json" ]; then
    expect_error prompt_text_empty 'prompt.*empty' $model_ch --model random --prompt ""
    expect_error prompt_text_invalid_utf8 'UTF-8' $model_ch --model random --prompt $'caf\xc3 \xff\xfe'
    expect_error prompt_text_longer_than_window 'prompt.*1024' $model_ch --model random --prompt "$(yes 'the cat sat on the mat.' | head -n 400 | tr '\n' ' ')"
    expect_error prompt_and_prompt_ids_both 'prompt' $model_ch --model random --prompt "hi" --prompt-ids "1"
    for c in $(grep '^tok_' "$work/cases"); do
      expect_error "$c" 'encoder\.json|vocab\.bpe|tokenizer' $model_ch --model "$t" --vocab-dir "$m/$c" --prompt "Hello"
    done
  fi
fi

# --- every value flag of every chapter: values no flag accepts ------------------------------
# The flags are read from each chapter's --help, so a flag added later is covered too.
# Paths, texts and id lists are skipped here (they have their own cases above).
flags_of() {  # program → "--flag METAVAR" lines for options that take a value
  "$BIN_DIR/$1" --help 2>/dev/null | sed -nE 's/^  (-[^ ]*(, -[^ ]*)*)( ([^ ].*))?$/\1\3/p' |
    sed -E 's/ {2,}.*//' | while read -r line; do
      names=${line%% [!-]*}                # the flag names, up to the metavar
      metavar=${line#"$names"}
      metavar=${metavar# }
      [ -z "$metavar" ] || [ "$metavar" = "$line" ] && continue
      long=$(tr ',' '\n' <<<"$names" | tr -d ' ' | grep -- '^--' | tail -n 1)
      echo "$long $metavar"
    done
}
# Flags that only matter with another flag are swept with it (else the value is never read;
# reported: chapter05 ignores a bad --bench-tokens without --bench and runs normally).
declare -A sweep_with=(
  ["chapter05 --bench-tokens"]="--bench --model $fixture"
  ["chapter05 --bench-prompt-tokens"]="--bench --model $fixture"
)
for dir in chapters/[0-9][0-9]_*/; do
  n=$(basename "$dir"); n=${n%%_*}; program=chapter$n
  [ -f "$dir/main.cpp" ] || continue
  wanted "$program" || continue
  if ! have "$program"; then
    [ -n "${missing[$program]:-}" ] || fail "${program}_built" "$BIN_DIR/$program is not built (make $program); its cases cannot run"
    missing[$program]=1
    continue
  fi
  swept=0
  while read -r flag metavar; do
    case "$metavar" in PATH*|DIR|TEXT|IDS|FILE) continue ;; esac
    swept=$((swept + 1))
    for value in abc 1e30 99999999999999999999 -99999999999999999999 -1; do
      expect_error "$program $flag $value" "$flag" "$program" ${sweep_with["$program $flag"]:-} "$flag" "$value"
    done
  done < <(flags_of "$program")
  [ "$swept" -gt 0 ] || [ "$program" = chapter03 ] || [ "$program" = chapter02 ] ||
    fail "${program}_flags" "found no value flags in $program --help (parser changed?)"
done

# --- zero where zero makes no sense (from the chapters' own ranges) -------------------------
zero_invalid=(
  "chapter01 --bench-mb"
  "chapter06 --layers" "chapter06 --heads" "chapter06 --kv-heads" "chapter06 --head-dim"
  "chapter06 --n-embd" "chapter06 --vocab-size" "chapter06 --n-positions" "chapter06 --context"
  "chapter06 --batch" "chapter06 --block-size" "chapter06 --memory-gib"
  "chapter04 --top-p" "chapter05 --top-p" "chapter05 --bench-prompt-tokens"
)
for entry in "${zero_invalid[@]}"; do
  set -- $entry
  [ -n "$(ls -d chapters/${1#chapter}_* 2>/dev/null)" ] || continue
  expect_error "$1 $2 0" "$2" "$1" ${sweep_with["$1 $2"]:-} "$2" 0
done

# --- outputs: a user's file under an output name is never replaced without --force ----------
# expect_kept CASE FILE CONTENT — after the run, FILE must still hold exactly CONTENT.
expect_kept() {
  if [ "$(cat "$2" 2>/dev/null)" = "$3" ]; then ok "$1 (file kept)"; else fail "$1 (file kept)" "$2 was changed"; fi
}
if have chapter06; then
  o=$work/out06
  mkdir -p "$o"
  echo "my own plot" >"$o/ch06_kv_cache_vs_context.png"
  expect_error output_ch06_user_file_refused 'ch06_kv_cache_vs_context\.png.*--force' chapter06 --out-dir "$o"
  expect_kept output_ch06_user_file_refused "$o/ch06_kv_cache_vs_context.png" "my own plot"
  # the tutorial's own file may be rewritten: run twice on a fresh folder
  o2=$work/out06b
  if "$BIN_DIR/chapter06" --out-dir "$o2" >/dev/null 2>"$work/err" && "$BIN_DIR/chapter06" --out-dir "$o2" >/dev/null 2>>"$work/err"; then
    ok output_ch06_rewrites_its_own_file
  else fail output_ch06_rewrites_its_own_file "$(head -c 300 "$work/err" | tr '\n' ' ')"; fi
fi
if [ -n "$(ls -d chapters/02_* 2>/dev/null)" ] && wanted chapter02; then
  # --layer/--head past the model: the tiny fixture has 2 layers of 4 heads
  expect_error ch02_layer_past_model 'layer.*2' chapter02 --model "$fixture" --prompt-ids "1 2 3" --layer 2 --head 0
  expect_error ch02_head_past_model 'head.*4' chapter02 --model "$fixture" --prompt-ids "1 2 3" --layer 0 --head 4
  o=$work/out02
  mkdir -p "$o"
  echo "my own heatmap" >"$o/ch02_attention_layer1_head2.svg"
  expect_error output_ch02_user_heatmap_refused 'ch02_attention_layer1_head2\.svg.*--force' \
    chapter02 --model "$fixture" --prompt-ids "1 2 3" --layer 1 --head 2 --out-dir "$o"
  expect_kept output_ch02_user_heatmap_refused "$o/ch02_attention_layer1_head2.svg" "my own heatmap"
  if "$BIN_DIR/chapter02" --model "$fixture" --prompt-ids "1 2 3" --layer 1 --head 2 --out-dir "$o" --force >/dev/null 2>"$work/err" \
     && [ "$(head -c 4 "$o/ch02_attention_layer1_head2.svg")" != "my o" ]; then
    ok output_ch02_force_overwrites
  else fail output_ch02_force_overwrites "$(head -c 300 "$work/err" | tr '\n' ' ')"; fi
fi
if have chapter05; then
  o=$work/out05
  mkdir -p "$o"
  echo "my measurements" >"$o/ch05_bench_steps.csv"
  expect_error output_ch05_bench_user_file_refused_before_running 'ch05_bench_steps\.csv.*--force' \
    chapter05 --model "$fixture" --bench --bench-tokens 8 --out-dir "$o"
  expect_kept output_ch05_bench_user_file_refused_before_running "$o/ch05_bench_steps.csv" "my measurements"
fi
[ "$failures" -eq 0 ]
