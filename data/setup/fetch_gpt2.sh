#!/usr/bin/env bash
# Downloads a GPT-2 checkpoint in the Hugging Face layout (config.json + model.safetensors)
# into data/<model>/ — what `make gpt2` (and gpt2-medium, gpt2-large, gpt2-xl) runs.
#
#   bash data/setup/fetch_gpt2.sh [--demo] [gpt2|gpt2-medium|gpt2-large|gpt2-xl]
#
# --demo (what `make demo` runs, through data/setup/demo.sh): the same download, but when the
# network fails — the host cannot be reached (connect time-out 5 s unless set below), or the
# transfer is cut or stalls — it says in one line that the demo runs on the small trained model
# instead, and exits 75 (EX_TEMPFAIL) so that demo.sh does exactly that. Any other failure
# (a wrong checksum, a file in the way) is the usual error.
#
# Safety, whatever happens to the network:
#   - each file is fetched to a temporary name (data/<model>/.<file>.part) and renamed to its
#     final name only after its size and sha256 are right: an interrupted or corrupted
#     download never sits under the final name;
#   - re-running resumes the .part file (curl -C -); a .part that cannot be resumed (server
#     without ranges, longer than the file) is deleted and fetched again from the start;
#   - a checksum mismatch deletes the .part file and says so;
#   - connect time-out 10 s, a stalled transfer (< 1 KB/s for 30 s) is abandoned, and every
#     file has a total time limit: with no network the script fails within seconds, and the
#     programs keep using the small model trained here (data/mini; the benchmarks: --model random);
#   - a file already under the final name is never overwritten: if it is the right one we
#     say so, if not we refuse and say what to do.
#
# What is verified:
#   - gpt2 (124M): revision, sizes and sha256 of both files are pinned below (read off
#     the real files of openai-community/gpt2).
#   - gpt2-medium/-large/-xl: nothing is pinned in this repository. The script asks the hub
#     which commit `main` is, downloads both files from that commit, and checks
#     model.safetensors against the sha256 and size the hub announces for it (its LFS
#     object id, HTTP header X-Linked-Etag / X-Linked-Size). That catches a corrupted or
#     truncated transfer but is only as trustworthy as the hub itself; config.json (a small
#     git file with no announced sha256) is checked only by the loader, which validates it.
#     If the hub announces no sha256 the script refuses (FETCH_GPT2_ALLOW_UNVERIFIED=1 to
#     accept an unverified file, said loudly).
#
# Environment overrides, for tests (tests/cli/reliability_downloads.sh) and mirrors:
#   FETCH_GPT2_BASE_URL        hub base URL (default https://huggingface.co)
#   FETCH_GPT2_DEST            destination folder (default data/<model>)
#   FETCH_GPT2_REVISION        revision to fetch (default: pinned for gpt2, asked for the rest)
#   FETCH_GPT2_SHA256_CONFIG / FETCH_GPT2_SHA256_MODEL / FETCH_GPT2_SIZE_CONFIG /
#   FETCH_GPT2_SIZE_MODEL      expected checksums/sizes (default: the pinned gpt2 ones)
#   FETCH_GPT2_CONNECT_TIMEOUT (10 s; 5 s with --demo)  FETCH_GPT2_MAX_TIME (per file, 7200 s)
#   FETCH_GPT2_STALL_TIME      (30 s below 1 KB/s)
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { echo "make gpt2: $*"; }
die() { echo "make gpt2: error: $*" >&2; exit 1; }
fallback_note="until then the chapters run on the small model trained here (data/mini: its text reads, but it is not GPT-2) and the benchmarks on random weights of GPT-2's shapes (--model random)"

demo=no
if [ "${1:-}" = --demo ]; then demo=yes; shift; fi
model=${1:-gpt2}
case "$model" in
  gpt2|gpt2-medium|gpt2-large|gpt2-xl) ;;
  *) die "unknown model '$model'; choose one of gpt2, gpt2-medium, gpt2-large, gpt2-xl" ;;
esac
command -v curl >/dev/null || die "curl is not installed; run make setup (it installs curl), then make $model"
command -v sha256sum >/dev/null || command -v shasum >/dev/null ||
  die "sha256sum (coreutils) is missing; install coreutils, then make $model"
command -v flock >/dev/null || die "flock is missing (util-linux; on macOS: brew install flock); install it, then make $model"

base=${FETCH_GPT2_BASE_URL:-https://huggingface.co}
repo=openai-community/$model
dest=${FETCH_GPT2_DEST:-data/$model}
connect_timeout=${FETCH_GPT2_CONNECT_TIMEOUT:-$([ $demo = yes ] && echo 5 || echo 10)}
max_time=${FETCH_GPT2_MAX_TIME:-7200}
stall_time=${FETCH_GPT2_STALL_TIME:-30}
curl_common=(--fail --location --connect-timeout "$connect_timeout" --speed-limit 1024
             --speed-time "$stall_time" --proto '=https,http')

declare -A want_sha want_size
if [ "$model" = gpt2 ]; then
  revision=${FETCH_GPT2_REVISION:-607a30d783dfa663caf39e06633721c8d4cfcd7e}
  want_sha[config.json]=${FETCH_GPT2_SHA256_CONFIG:-0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4}
  want_sha[model.safetensors]=${FETCH_GPT2_SHA256_MODEL:-248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707}
  want_size[config.json]=${FETCH_GPT2_SIZE_CONFIG:-665}
  want_size[model.safetensors]=${FETCH_GPT2_SIZE_MODEL:-548105171}
  pinned=yes
else
  revision=${FETCH_GPT2_REVISION:-}
  want_sha[config.json]=${FETCH_GPT2_SHA256_CONFIG:-}
  want_sha[model.safetensors]=${FETCH_GPT2_SHA256_MODEL:-}
  want_size[config.json]=${FETCH_GPT2_SIZE_CONFIG:-}
  want_size[model.safetensors]=${FETCH_GPT2_SIZE_MODEL:-}
  pinned=no
fi

mkdir -p "$dest" || die "cannot create $dest; check the permissions of $(dirname "$dest")"
if [ -w "$dest" ]; then
  # One download at a time into this folder (two runs would write the same .part file).
  exec 9>"$dest/.fetch.lock"
  flock -n 9 || die "another download into $dest is running (lock $dest/.fetch.lock); wait for it to finish"
  trap 'rm -f "$dest/.fetch.lock"' EXIT
elif [ -f "$dest/config.json" ] && [ -f "$dest/model.safetensors" ]; then
  # A shared read-only copy (docs/teachers.md): checking it only reads, so no lock is needed.
  say "$dest is read-only: checking the files there, changing nothing"
else
  die "cannot write to $dest (read-only?); make it writable, or download elsewhere with FETCH_GPT2_DEST=DIR make $model"
fi

# (macOS has shasum, not sha256sum, unless coreutils is installed; wc -c works everywhere.)
sha_of() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
size_of() { wc -c <"$1" | tr -d ' '; }

# With --demo, a network failure is not the end: one line, and exit 75 so the demo goes on with
# the small trained model. $1 says what went wrong.
network_failed() {
  [ $demo = yes ] || return 0
  echo "make demo: $1; running the demo on the small model trained here (data/mini) instead — make gpt2 fetches GPT-2 when the network allows" >&2
  exit 75
}

# Headers of the hub's answer for one file, without following the redirect: for LFS files
# the first answer carries X-Linked-Etag (the sha256) and X-Linked-Size; every answer
# carries X-Repo-Commit (the commit the revision resolved to).
head_of() {  # url
  curl -sS -I --connect-timeout "$connect_timeout" --max-time 30 --proto '=https,http' "$1" 2>&1 | tr -d '\r'
}
header_value() {  # name, headers text
  grep -i "^$1:" <<<"$2" | head -n 1 | sed -E 's/^[^:]*:[[:space:]]*//; s/^W\///; s/"//g'
}

# Asks the hub about model.safetensors (unpinned models only): revision, sha256, size.
if [ "$pinned" = no ] && { [ -z "$revision" ] || [ -z "${want_sha[model.safetensors]}" ]; }; then
  say "asking $base which commit $repo's main branch is and what its model.safetensors should be"
  headers=$(head_of "$base/$repo/resolve/${revision:-main}/model.safetensors") || {
    network_failed "cannot reach $base ($(grep -m1 -i 'curl' <<<"$headers" || echo "$headers" | head -n 1))"
    die "cannot reach $base: $(grep -m1 -i 'curl' <<<"$headers" || echo "$headers" | head -n 1); check the network (or a proxy: https_proxy=...), then re-run make $model; $fallback_note"
  }
  status=$(head -n 1 <<<"$headers")
  case "$status" in
    HTTP/*\ 2??*|HTTP/*\ 3??*) ;;
    *) die "$base answered '$status' for $repo/model.safetensors; check the model name and network, then re-run make $model; $fallback_note" ;;
  esac
  commit=$(header_value x-repo-commit "$headers")
  [ -z "$revision" ] && [[ "$commit" =~ ^[0-9a-f]{40}$ ]] && revision=$commit
  [ -n "$revision" ] || revision=main
  etag=$(header_value x-linked-etag "$headers")
  if [ -z "${want_sha[model.safetensors]}" ] && [[ "$etag" =~ ^[0-9a-f]{64}$ ]]; then
    want_sha[model.safetensors]=$etag
    want_size[model.safetensors]=$(header_value x-linked-size "$headers")
  fi
  say "revision $revision; model.safetensors sha256 announced by the hub: ${want_sha[model.safetensors]:-none} (not pinned in this repository)"
fi

# curl with our time-outs into $3, resuming what is there. Transient failures (connection
# cut, stalled) are retried up to 3 times while the file keeps growing; no connection at
# all fails at once. On failure: one clear line, and the .part is kept for the next run.
download() {  # name, url, part
  local name=$1 url=$2 part=$3 rc why attempt before
  local progress=(--progress-bar)
  [ -t 2 ] || progress=(--silent)
  for attempt in 1 2 3; do
    before=$( [ -f "$part" ] && size_of "$part" || echo 0)
    rc=0
    why=$(curl "${curl_common[@]}" --max-time "$max_time" "${progress[@]}" -C - -w '%{errormsg}' \
               -o "$part" "$url") || rc=$?
    case $rc in
      0) return 0 ;;
      33|36)  # the server cannot resume this file: start it again from byte 0
        say "the server cannot resume $name (${why:-curl exit $rc}); deleting $part and starting again"
        rm -f "$part"
        continue ;;
      18|28|56|92)  # cut or stalled: resume if anything arrived in this attempt
        local now
        now=$( [ -f "$part" ] && size_of "$part" || echo 0)
        if [ "$now" -gt "$before" ] && [ "$attempt" -lt 3 ]; then
          say "download of $name interrupted at byte $now (${why:-curl exit $rc}); resuming"
          continue
        fi ;;
    esac
    break
  done
  local kept=""
  [ -f "$part" ] && [ "$(size_of "$part")" -gt 0 ] && kept="; $(size_of "$part") bytes are kept in $part, re-run make $model to resume"
  case $rc in
    6|7) network_failed "cannot reach $base (${why:-curl exit $rc})" ;;
    28) [ -z "$kept" ] && network_failed "$base did not answer in time (${why:-curl exit 28})"
        network_failed "the download of $name stalled (${why:-curl exit 28})$kept" ;;
    18|56|92) network_failed "the download of $name was cut (${why:-curl exit $rc})$kept" ;;
  esac
  case $rc in
    6|7) die "cannot reach $base (${why:-curl exit $rc}); check the network (or a proxy: https_proxy=...), then re-run make $model; $fallback_note" ;;
    22)  rm -f "$part"
         die "$base refused $url (${why:-HTTP error}); check that the revision exists, then re-run make $model; $fallback_note" ;;
    28)  die "download of $name timed out (${why:-curl exit 28})$kept; $fallback_note" ;;
    *)   die "download of $name failed (${why:-curl exit $rc})$kept; $fallback_note" ;;
  esac
}

# Fetches one file to $dest/.<name>.part, resuming, then verifies and renames it.
fetch() {  # name
  local name=$1 final="$dest/$1" part="$dest/.$1.part"
  local sha=${want_sha[$name]} size=${want_size[$name]}
  local url="$base/$repo/resolve/$revision/$name"

  if [ -e "$final" ]; then
    if [ -n "$sha" ] && [ "$(sha_of "$final")" = "$sha" ]; then
      say "$final is already there (sha256 verified)"
      return 0
    elif [ -z "$sha" ]; then
      say "$final is already there (not re-checked: no sha256 is known for it)"
      return 0
    fi
    die "$final exists but is not the expected file (sha256 $(sha_of "$final"), expected $sha); it was not written by this script, so it is left alone: move it away, then re-run make $model"
  fi

  # A .part longer than the file can only be garbage: start again.
  if [ -f "$part" ] && [ -n "$size" ] && [ "$(size_of "$part")" -gt "$size" ]; then
    say "$part is longer than $name should be; deleting it and starting again"
    rm -f "$part"
  fi
  if [ -f "$part" ] && [ -n "$size" ] && [ "$(size_of "$part")" -eq "$size" ]; then
    say "$part is complete; verifying it"
  else
    if [ -f "$part" ]; then
      say "resuming $name at byte $(size_of "$part")${size:+ of $size}"
    else
      say "downloading $name${size:+ ($size bytes)} from $url"
    fi
    download "$name" "$url" "$part"
  fi

  if [ -n "$size" ] && [ "$(size_of "$part")" -ne "$size" ]; then
    local got
    got=$(size_of "$part")
    rm -f "$part"
    die "$name arrived with $got bytes, expected $size; deleted $part — re-run make $model to download it again"
  fi
  if [ -n "$sha" ]; then
    local got
    got=$(sha_of "$part")
    if [ "$got" != "$sha" ]; then
      rm -f "$part"
      die "$name has the wrong sha256 ($got, expected $sha): the download is corrupted; deleted $part — re-run make $model to download it again"
    fi
    mv -f "$part" "$final"
    say "$final ready (sha256 verified)"
  elif [ "$name" = config.json ]; then
    mv -f "$part" "$final"
    say "$final ready (no sha256 known for it here; the loader validates its contents)"
  elif [ "${FETCH_GPT2_ALLOW_UNVERIFIED:-0}" = 1 ]; then
    mv -f "$part" "$final"
    say "WARNING: $final is NOT verified (no sha256 known; FETCH_GPT2_ALLOW_UNVERIFIED=1)"
  else
    die "no sha256 is known for $name (the hub announced none), so it is not installed; it is kept in $part — set FETCH_GPT2_ALLOW_UNVERIFIED=1 to accept it unverified"
  fi
}

fetch config.json
fetch model.safetensors
if [ "$dest" = data/gpt2 ]; then
  say "$repo at revision $revision is in $dest/ — the programs use it by default"
else
  say "$repo at revision $revision is in $dest/ — run the chapters with --model $dest"
fi
