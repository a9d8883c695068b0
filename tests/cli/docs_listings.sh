#!/usr/bin/env bash
# The lessons carry their listings' code (docs/README.md, "Listings"):
#   - under every <!-- listing: NAME --> line of every lesson, the code is the source's
#     (else: FAIL naming the README, the listing, and "run make listings");
#   - in a scratch project: a lesson naming an unknown listing fails with a clear line; make
#     listings fills bare markers, fixes stale code, touches nothing else, and a second run
#     writes nothing; a listing inside a list item stays in the item; an exercise's body can be
#     elided (and is, in an exercise workspace); the page shows each listing once, and the
#     student edition shows the placeholder instead of the body.
# Prints "ok CASE" or "FAIL CASE: why".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
listings=(bash "$root/docs/tools/listings.sh")

if ! command -v pandoc >/dev/null 2>&1; then
  echo "FAIL lesson listings: pandoc is missing (make setup installs it)"
  exit 0
fi

# 1. every lesson's code is its source's
out=$("${listings[@]}" --check 2>&1)
rc=$?
grep -E '^(ok|FAIL) ' <<<"$out"
if [ "$rc" -ne 0 ] && ! grep -q '^FAIL ' <<<"$out"; then
  echo "FAIL lesson listings: docs/tools/listings.sh --check failed: $(tail -n 1 <<<"$out")"
fi

# 2. a scratch project: one source file, one lesson
tree=$tmp/tree
mkdir -p "$tree/common" "$tree/chapters/07_test"
cat > "$tree/common/demo.cpp" <<'CPP'
#include <vector>
// [listing:demo_sum]
int sum(const std::vector<int>& xs) {
    // [exercise:demo_sum] see chapters/07_test/README.md, step 1
    int total = 0;
    for (int x : xs) total += x;
    return total;
    // [/exercise]
}
// [/listing]

// [listing:demo_twice]
int twice(int x) { return 2 * x; }
// [/listing]
CPP
cat > "$tree/chapters/07_test/README.md" <<'MD'
# Test

## Step 1 — Sum

The sum, in `sum`:

<!-- listing: demo_sum -->

Prose stays as it is.

1. A list item:

   <!-- listing: demo_twice -->

2. The next item.

How a lesson asks for a listing (an example, not a listing):

```markdown
<!-- listing: demo_sum -->
```
MD
lesson=$tree/chapters/07_test/README.md
cp "$lesson" "$tmp/original.md"
run() { "${listings[@]}" --root "$tree" "$@" chapters/07_test/README.md 2>&1; }

out=$(run --check); rc=$?
if [ "$rc" -ne 0 ] && grep -qF "FAIL listings: chapters/07_test/README.md:7: listing 'demo_sum' has no code under its marker; run make listings" <<<"$out"; then
  echo "ok a lesson without its listing's code fails the check, naming the README, the listing and make listings"
else
  echo "FAIL a lesson without its listing's code fails the check: rc=$rc, said: $(head -n 1 <<<"$out")"
fi

out=$(run); rc=$?
added_only=$(diff "$tmp/original.md" "$lesson" | grep -cE '^[<c]|^[0-9]+(,[0-9]+)?[cd]')
if [ "$rc" -eq 0 ] && [ "$added_only" -eq 0 ] &&
   grep -qF '<sub>[common/demo.cpp](../../common/demo.cpp#L3-L9), lines 3–9</sub>' "$lesson" &&
   grep -qxF '    for (int x : xs) total += x;' "$lesson" && grep -qxF '```cpp' "$lesson"; then
  echo "ok make listings puts the code and a file/lines link under a bare marker, and only adds lines"
else
  echo "FAIL make listings fills a bare marker: rc=$rc, $added_only changed or removed line(s), said: $(head -n 1 <<<"$out")"
fi
if grep -qxF '   int twice(int x) { return 2 * x; }' "$lesson" &&
   grep -qxF '   <sub>[common/demo.cpp](../../common/demo.cpp#L13), line 13</sub>' "$lesson"; then
  echo "ok a listing inside a list item gets its code indented into the item"
else
  echo "FAIL a listing inside a list item: its code is not indented like its marker"
fi
if [ "$(grep -c 'listing: demo_sum' "$lesson")" -eq 2 ] && [ "$(grep -c 'total += x' "$lesson")" -eq 1 ]; then
  echo "ok a marker inside the author's own fenced block is an example, left alone"
else
  echo "FAIL a marker inside a fenced block is left alone: the example got code too"
fi

before=$(stat -c '%i %Y' "$lesson"); cp "$lesson" "$tmp/first.md"
sleep 1
out=$(run); rc=$?
if [ "$rc" -eq 0 ] && [ "$(stat -c '%i %Y' "$lesson")" = "$before" ] && cmp -s "$lesson" "$tmp/first.md" &&
   grep -q 'none written' <<<"$out" && run --check >/dev/null; then
  echo "ok make listings twice: the second run writes nothing, and the check passes"
else
  echo "FAIL make listings twice: the second run rewrote the lesson or the check fails (rc=$rc): $(tail -n 1 <<<"$out")"
fi

sed -i 's/int total = 0;/long total = 0;/' "$tree/common/demo.cpp"
out=$(run --check); rc=$?
if [ "$rc" -ne 0 ] && grep -qE "^FAIL listings: chapters/07_test/README.md:7: listing 'demo_sum' is not the code of common/demo.cpp, lines 3–9 \(line 2 of the code differs\); run make listings$" <<<"$out"; then
  echo "ok code that differs from the source fails the check, naming the README, the listing, the line and make listings"
else
  echo "FAIL stale code fails the check: rc=$rc, said: $(head -n 1 <<<"$out")"
fi
run >/dev/null
if grep -qxF '    long total = 0;' "$lesson" && grep -qxF 'Prose stays as it is.' "$lesson" && run --check >/dev/null; then
  echo "ok make listings brings stale code up to date, prose untouched"
else
  echo "FAIL make listings brings stale code up to date"
fi

# 3. an unknown listing name: a clear line, from the check and from make listings
cp "$lesson" "$tmp/good.md"
printf '\n<!-- listing: no_such_listing_anywhere -->\n' >> "$lesson"
out=$(run --check); rc=$?
expect="chapters/07_test/README.md:$(grep -n 'no_such_listing_anywhere' "$lesson" | cut -d: -f1): listing 'no_such_listing_anywhere' does not exist"
if [ "$rc" -ne 0 ] && grep -qF "FAIL listings: $expect" <<<"$out" &&
   out=$(run) ; [ $? -ne 0 ] && grep -qF "listings: error: $expect" <<<"$out"; then
  echo "ok an unknown listing name fails with a line naming the README, its line and the listing"
else
  echo "FAIL an unknown listing name fails clearly: said: $(head -n 1 <<<"$out")"
fi
cp "$tmp/good.md" "$lesson"

# 4. the exercise's body elided: on request, and in an exercise workspace
placeholder='    // … exercise demo_sum: your code here (chapters/07_test/README.md, step 1) …'
run --elide demo_sum >/dev/null
if grep -qxF "$placeholder" "$lesson" && ! grep -q 'total += x' "$lesson" &&
   grep -qxF 'int sum(const std::vector<int>& xs) {' "$lesson"; then
  echo "ok --elide replaces an exercise's body by a placeholder naming the exercise and its step"
else
  echo "FAIL --elide replaces an exercise's body: $(grep -m1 -n 'total' "$lesson")"
fi
printf 'chapter=07\nexercises=demo_sum \n' > "$tree/.exercise-workspace"
out=$(run --check); rc=$?
run >/dev/null
if [ "$rc" -eq 0 ] && grep -qxF "$placeholder" "$lesson"; then
  echo "ok in an exercise workspace the stubbed exercises stay elided (make listings and its check agree)"
else
  echo "FAIL in an exercise workspace the stubbed exercises stay elided: rc=$rc, said: $(head -n 1 <<<"$out")"
fi
rm -f "$tree/.exercise-workspace"
run >/dev/null

# 5. the page: each listing once, with its caption; the student edition elides the body
page() {  # extra pandoc args...
  pandoc "$lesson" --from markdown+gfm_auto_identifiers --to html5 \
    --lua-filter "$root/docs/tools/book.lua" -M repo_root="$tree" \
    -M source=chapters/07_test/README.md -M site_dir="$tmp" "$@" 2>"$tmp/err"
}
html=$(page)
if [ "$(grep -c 'class="listing"' <<<"$html")" -eq 2 ] && [ "$(grep -c 'total' <<<"$html")" -eq 3 ] &&
   ! grep -q '&lt;sub&gt;\|<sub>' <<<"$html" && grep -q 'listing-caption' <<<"$html" && [ ! -s "$tmp/err" ]; then
  echo "ok the page shows each listing once, captioned (the lesson's copy of the code is not shown again)"
else
  echo "FAIL the page shows each listing once: $(grep -c 'class="listing"' <<<"$html") listing(s), $(grep -c 'total' <<<"$html") line(s) with 'total' (want 2 and 3); $(head -n 1 "$tmp/err")"
fi
html=$(page -M student=true)
if grep -q 'exercise demo_sum: your code here' <<<"$html" && ! grep -q 'total' <<<"$html"; then
  echo "ok the student edition's page shows the placeholder, not the exercise's body"
else
  echo "FAIL the student edition's page hides the exercise's body"
fi
sed -i 's/long total = 0;/long long total = 0;/' "$tree/common/demo.cpp"
page >/dev/null
if grep -qF "warning: the code under <!-- listing: demo_sum --> is not common/demo.cpp's" "$tmp/err" &&
   grep -q 'run make listings' "$tmp/err"; then
  echo "ok the site build warns when a lesson's code is stale (and shows the source's)"
else
  echo "FAIL the site build warns about stale code: $(head -n 1 "$tmp/err")"
fi
