#!/usr/bin/env bash
# Checks data/setup/fetch_gpt2.sh (make gpt2) against a fake hub on 127.0.0.1
# (tests/tools/fake_hub.py) that cuts, corrupts, stalls or refuses downloads: never a file
# under the final name unless verified, resume after an interruption, a clean restart when
# resuming is impossible, one clear error line, and a fast failure with no network. Then
# `make demo`'s download step (data/setup/demo.sh): GPT-2 fetched first when the hub answers,
# the small trained model within seconds when it cannot be reached; and `make test` / `make check`
# never download anything. No case leaves 127.0.0.1.
# One line per case: "ok <case>" or "FAIL <case>: why". Needs python3, curl and ./chapter05; ~20 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
fetch=data/setup/fetch_gpt2.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-test.XXXXXX")
hub_pid=""
hub2_pid=""
cleanup() {
  [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null
  [ -n "$hub2_pid" ] && kill "$hub2_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail_count=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; fail_count=$((fail_count + 1)); }

for tool in python3 curl; do
  command -v $tool >/dev/null || { fail "downloads_prerequisites" "$tool is not installed (make setup)"; exit 1; }
done

# The files the fake hub serves: a 300 KB stand-in for model.safetensors and a config.json.
mkdir -p "$work/served"
head -c 300000 /dev/urandom >"$work/served/model.safetensors"
printf '{"n_layer": 2, "n_head": 2, "n_embd": 8}\n' >"$work/served/config.json"
model_sha=$(sha256sum "$work/served/model.safetensors" | cut -d' ' -f1)
config_sha=$(sha256sum "$work/served/config.json" | cut -d' ' -f1)
model_size=$(stat -c %s "$work/served/model.safetensors")
config_size=$(stat -c %s "$work/served/config.json")

python3 tests/tools/fake_hub.py "$work/served" >"$work/port" 2>"$work/hub.err" &
hub_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n 1 "$work/port")
[ -n "$port" ] || { fail "downloads_fake_hub" "the fake hub did not start: $(cat "$work/hub.err")"; exit 1; }

dest=$work/gpt2
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# run_fetch MODE [VAR=value ...] — runs make gpt2's script against the fake hub; sets rc, out, err, secs.
run_fetch() {
  local mode=$1 t0
  shift
  t0=$(date +%s.%N)
  env FETCH_GPT2_BASE_URL="http://127.0.0.1:$port/$mode" FETCH_GPT2_DEST="$dest" \
      FETCH_GPT2_SHA256_MODEL="$model_sha" FETCH_GPT2_SIZE_MODEL="$model_size" \
      FETCH_GPT2_SHA256_CONFIG="$config_sha" FETCH_GPT2_SIZE_CONFIG="$config_size" \
      FETCH_GPT2_STALL_TIME=1 FETCH_GPT2_CONNECT_TIMEOUT=2 FETCH_GPT2_MAX_TIME=20 "$@" \
      timeout 60 bash "$fetch" "${MODEL:-gpt2}" >"$work/out" 2>"$work/err"
  rc=$?
  secs=$(elapsed "$t0")
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}
final_ok() { cmp -s "$dest/model.safetensors" "$work/served/model.safetensors" && cmp -s "$dest/config.json" "$work/served/config.json"; }
no_part() { ! ls -A "$dest" 2>/dev/null | grep -q '\.part$'; }
one_error_line() { [ "$(grep -c . <<<"$err")" -eq 1 ] && grep -q 'error:' <<<"$err"; }

# 1. An honest server: both files verified and renamed into place, nothing left behind.
rm -rf "$dest"
run_fetch ok
if [ $rc -eq 0 ] && final_ok && no_part && grep -q 'sha256 verified' <<<"$out"; then ok download_verified_and_renamed
else fail download_verified_and_renamed "rc=$rc out=$out err=$err"; fi

# 2. Running it again downloads nothing and changes nothing.
before=$(stat -c %Y.%N "$dest/model.safetensors")
run_fetch ok
if [ $rc -eq 0 ] && grep -q 'already there (sha256 verified)' <<<"$out" && [ "$(stat -c %Y.%N "$dest/model.safetensors")" = "$before" ]; then
  ok download_rerun_is_a_no_op
else fail download_rerun_is_a_no_op "rc=$rc out=$out err=$err"; fi

# 3. The connection drops half-way: the script resumes from the bytes it has (HTTP Range).
rm -rf "$dest"
run_fetch cut
if [ $rc -eq 0 ] && final_ok && no_part && grep -q 'interrupted at byte' <<<"$out"; then ok download_cut_connection_resumes
else fail download_cut_connection_resumes "rc=$rc out=$out err=$err"; fi

# 4. A stalled transfer is abandoned (stall time-out), the partial file is kept under the
#    temporary name only, and the next run resumes it and finishes.
rm -rf "$dest"
run_fetch stall
stalled_rc=$rc stalled_err=$err stalled_secs=$secs
part_kept=no
[ -f "$dest/.config.json.part" ] && [ ! -e "$dest/config.json" ] && part_kept=yes
run_fetch ok
if [ "$stalled_rc" -ne 0 ] && [ $part_kept = yes ] && grep -q 'timed out' <<<"$stalled_err" \
   && [ "$(grep -c . <<<"$stalled_err")" -eq 1 ] && [ $rc -eq 0 ] && final_ok && grep -q 'resuming config.json at byte' <<<"$out"; then
  ok "download_stall_times_out_then_resumes (stalled run ended after ${stalled_secs}s)"
else fail download_stall_times_out_then_resumes "stalled rc=$stalled_rc (${stalled_secs}s) err=$stalled_err part_kept=$part_kept; rerun rc=$rc out=$out"; fi

# 5. Corrupted bytes: the sha256 check fails, the temporary file is deleted and we say so.
rm -rf "$dest"
run_fetch corrupt
if [ $rc -ne 0 ] && one_error_line && grep -q 'wrong sha256' <<<"$err" && grep -q 'deleted' <<<"$err" \
   && no_part && [ ! -e "$dest/config.json" ] && [ ! -e "$dest/model.safetensors" ]; then
  ok download_checksum_mismatch_deletes_temp_file
else fail download_checksum_mismatch_deletes_temp_file "rc=$rc err=$err files=$(ls -A "$dest")"; fi

# 6. ... and the next run restarts cleanly and succeeds.
run_fetch ok
if [ $rc -eq 0 ] && final_ok && no_part; then ok download_rerun_after_mismatch_succeeds
else fail download_rerun_after_mismatch_succeeds "rc=$rc out=$out err=$err"; fi

# 7. A partial file, and a server that cannot resume: delete it and start from byte 0.
rm -rf "$dest"; mkdir -p "$dest"
head -c 1000 "$work/served/model.safetensors" >"$dest/.model.safetensors.part"
run_fetch norange
if [ $rc -eq 0 ] && final_ok && no_part && grep -q 'cannot resume' <<<"$out"; then ok download_unresumable_restarts
else fail download_unresumable_restarts "rc=$rc out=$out err=$err"; fi

# 8. A partial file longer than the real one is garbage: deleted, download restarted.
rm -rf "$dest"; mkdir -p "$dest"
head -c $((model_size + 10)) /dev/zero >"$dest/.model.safetensors.part"
run_fetch ok
if [ $rc -eq 0 ] && final_ok && grep -q 'longer than' <<<"$out"; then ok download_oversized_part_restarts
else fail download_oversized_part_restarts "rc=$rc out=$out err=$err"; fi

# 9. A file the user put under the final name is never overwritten.
rm -rf "$dest"; mkdir -p "$dest"
echo "my own notes" >"$dest/model.safetensors"
run_fetch ok
if [ $rc -ne 0 ] && one_error_line && grep -q 'left alone' <<<"$err" && [ "$(cat "$dest/model.safetensors")" = "my own notes" ]; then
  ok download_never_clobbers_user_file
else fail download_never_clobbers_user_file "rc=$rc err=$err"; fi

# 10. The server says 404: one line naming the URL, no file left.
rm -rf "$dest"
run_fetch missing
if [ $rc -ne 0 ] && one_error_line && grep -q 'refused' <<<"$err" && no_part && [ ! -e "$dest/config.json" ]; then
  ok download_http_404_is_one_clear_line
else fail download_http_404_is_one_clear_line "rc=$rc err=$err"; fi

# 11. Nothing listens: fails within seconds, says so, says what the programs run on meanwhile.
rm -rf "$dest"
t0=$(date +%s.%N)
FETCH_GPT2_BASE_URL="http://127.0.0.1:1" FETCH_GPT2_DEST="$dest" FETCH_GPT2_CONNECT_TIMEOUT=2 \
  timeout 60 bash "$fetch" gpt2 >"$work/out" 2>"$work/err"
rc=$?; err=$(cat "$work/err"); secs=$(elapsed "$t0")
if [ $rc -ne 0 ] && one_error_line && grep -q 'cannot reach' <<<"$err" && grep -q 'data/mini' <<<"$err" \
   && awk -v s="$secs" 'BEGIN { exit !(s < 5) }'; then
  ok "download_no_network_fails_fast (${secs}s)"
else fail download_no_network_fails_fast "rc=$rc after ${secs}s err=$err"; fi

# 12. A server that accepts the connection and never answers: the stall time-out (1 s
#     here, 30 s by default) ends it, not a hang; the message says it timed out.
rm -rf "$dest"
run_fetch silent
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && one_error_line && grep -q 'timed out' <<<"$err" \
   && awk -v s="$secs" 'BEGIN { exit !(s < 10) }'; then
  ok "download_silent_server_times_out (${secs}s)"
else fail download_silent_server_times_out "rc=$rc after ${secs}s err=$err"; fi

# 13. gpt2-medium (nothing pinned): checked against the sha256 the hub announces; a
#     corrupted transfer is caught the same way, and the output says what was checked.
unpinned=(FETCH_GPT2_SHA256_MODEL= FETCH_GPT2_SIZE_MODEL= FETCH_GPT2_SHA256_CONFIG= FETCH_GPT2_SIZE_CONFIG=)
rm -rf "$dest"
MODEL=gpt2-medium run_fetch ok "${unpinned[@]}"
if [ $rc -eq 0 ] && final_ok && grep -q 'not pinned in this repository' <<<"$out" && grep -q "$model_sha" <<<"$out"; then
  ok download_unpinned_model_checked_against_hub_sha256
else fail download_unpinned_model_checked_against_hub_sha256 "rc=$rc out=$out err=$err"; fi
rm -rf "$dest"
MODEL=gpt2-medium run_fetch corrupt "${unpinned[@]}"
if [ $rc -ne 0 ] && grep -q 'wrong sha256' <<<"$err" && [ ! -e "$dest/model.safetensors" ] && no_part; then
  ok download_unpinned_model_corruption_caught
else fail download_unpinned_model_corruption_caught "rc=$rc err=$err"; fi

# 14. An unknown model name: one line, nothing created.
bash "$fetch" gpt5 >"$work/out" 2>"$work/err"; rc=$?; err=$(cat "$work/err")
if [ $rc -ne 0 ] && one_error_line && grep -q "unknown model 'gpt5'" <<<"$err"; then ok download_unknown_model_name
else fail download_unknown_model_name "rc=$rc err=$err"; fi

# --- make demo: data/setup/demo.sh, which downloads GPT-2 first or falls back to data/mini ----
demo_bin=./chapter05
if [ ! -x "$demo_bin" ]; then
  fail demo_chapter05_built "$demo_bin is missing; run make chapter05"
  exit 1
fi
# run_demo [VAR=value ...] -- demo.sh on ./chapter05 (3 tokens, 1 thread); sets rc, out, err, secs.
run_demo() {
  local t0
  t0=$(date +%s.%N)
  env FETCH_GPT2_DEST="$dest" "$@" timeout 120 bash data/setup/demo.sh "$demo_bin" -n 3 -t 1 \
      </dev/null >"$work/out" 2>"$work/err"
  rc=$?
  secs=$(elapsed "$t0")
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

# 15. The host cannot be reached: one line says so, within seconds, and the demo runs on data/mini;
#     the folder the download would have gone to is not left behind, empty.
rm -rf "$dest"
run_demo FETCH_GPT2_BASE_URL="http://127.0.0.1:1"
fallback_lines=$(grep -c '^make demo: cannot reach' <<<"$err")
if [ $rc -eq 0 ] && [ "$fallback_lines" -eq 1 ] && grep '^make demo: cannot reach' <<<"$err" | grep -q 'data/mini' \
   && grep -q -- "--model mini" <<<"$out" && grep -q 'small model trained here' <<<"$err" \
   && grep -q 'stopped: generated the 3 new tokens' <<<"$out" && [ ! -e "$dest" ] \
   && awk -v s="$secs" 'BEGIN { exit !(s < 10) }'; then
  ok "demo_unreachable_host_falls_back_to_mini (${secs}s)"
else fail demo_unreachable_host_falls_back_to_mini "rc=$rc after ${secs}s out=${out:0:400} err=${err:0:600}"; fi

# 16. NO_DOWNLOAD=1: no download is tried at all (the hub URL would fail the run if it were).
rm -rf "$dest"
run_demo NO_DOWNLOAD=1 FETCH_GPT2_BASE_URL="http://127.0.0.1:1/must-not-be-asked"
if [ $rc -eq 0 ] && grep -q 'NO_DOWNLOAD=1' <<<"$err" && ! grep -q 'cannot reach\|downloading' <<<"$out$err" \
   && grep -q -- "--model mini" <<<"$out" && [ ! -e "$dest" ]; then
  ok demo_no_download_runs_on_mini
else fail demo_no_download_runs_on_mini "rc=$rc out=${out:0:300} err=${err:0:400}"; fi

# 17. The hub answers: the model is downloaded first (verified), then the demo runs on it. The
#     fake hub serves a 2-layer model with GPT-2's vocabulary (data/fixtures/tiny_fullvocab).
fixture=data/fixtures/tiny_fullvocab
python3 tests/tools/fake_hub.py "$fixture" >"$work/port2" 2>"$work/hub2.err" &
hub2_pid=$!
for _ in $(seq 50); do [ -s "$work/port2" ] && break; sleep 0.1; done
port2=$(head -n 1 "$work/port2")
rm -rf "$dest"
run_demo FETCH_GPT2_BASE_URL="http://127.0.0.1:$port2/ok" \
  FETCH_GPT2_SHA256_MODEL="$(sha256sum "$fixture/model.safetensors" | cut -d' ' -f1)" \
  FETCH_GPT2_SIZE_MODEL="$(stat -c %s "$fixture/model.safetensors")" \
  FETCH_GPT2_SHA256_CONFIG="$(sha256sum "$fixture/config.json" | cut -d' ' -f1)" \
  FETCH_GPT2_SIZE_CONFIG="$(stat -c %s "$fixture/config.json")"
if [ $rc -eq 0 ] && cmp -s "$dest/model.safetensors" "$fixture/model.safetensors" && grep -q 'sha256 verified' <<<"$out" \
   && grep -q -- "--model $dest" <<<"$out" && grep -q 'stopped: generated the 3 new tokens' <<<"$out" \
   && ! grep -q 'small model trained here' <<<"$err"; then
  ok demo_downloads_the_model_first_then_runs_on_it
else fail demo_downloads_the_model_first_then_runs_on_it "rc=$rc out=${out:0:400} err=${err:0:400} hub=$(cat "$work/hub2.err")"; fi

# 18. ... and a second make demo finds it there: no download, the same model.
run_demo FETCH_GPT2_BASE_URL="http://127.0.0.1:1/must-not-be-asked"
if [ $rc -eq 0 ] && ! grep -q 'downloading\|cannot reach' <<<"$out$err" && grep -q -- "--model $dest" <<<"$out"; then
  ok demo_rerun_uses_the_downloaded_model
else fail demo_rerun_uses_the_downloaded_model "rc=$rc out=${out:0:300} err=${err:0:300}"; fi

# 19. make test and make check never download: neither their recipes nor the targets they
#     depend on run the GPT-2 download or the demo (make -n prints what they would run).
plan=$(make -n --no-print-directory test 2>&1; make -n --no-print-directory check CH=05 2>&1)
if grep -q 'fetch_gpt2\|demo\.sh' <<<"$plan"; then
  fail make_test_never_downloads "make -n test / check would run: $(grep -m1 'fetch_gpt2\|demo\.sh' <<<"$plan")"
elif ! grep -q 'run_all.sh' <<<"$plan"; then
  fail make_test_never_downloads "make -n test did not show its plan: ${plan:0:300}"
else
  ok make_test_never_downloads
fi

[ "$fail_count" -eq 0 ]
