#!/usr/bin/env bash
# The book machinery (docs/README.md), checked without a browser:
#   - every lesson builds: each <!-- listing: NAME --> names a marked region, each relative link
#     and image exists (figures the chapters make at run time are not made here);
#   - a lesson naming a missing listing fails the build with a line naming README and listing;
#   - malformed exercise markers are reported with file and line;
#   - a stub compiles whatever the function returns.
# Prints "ok CASE" or "FAIL CASE: why".
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$root/build/docs-test"' EXIT

# 1. the whole book
if out=$(DOCS_SITE="$tmp/site" bash docs/build.sh --no-figures 2>&1); then
  echo "ok the book builds: every lesson's listings, links and images resolve ($(tail -n 1 <<<"$out" | sed -E 's/^docs: //; s/ in .*//'))"
else
  grep -E '^docs: error' <<<"$out" | sed 's/^/FAIL the book builds: /'
  grep -qE '^docs: error' <<<"$out" || echo "FAIL the book builds: $(tail -n 1 <<<"$out")"
fi

# 2. a missing listing fails the build, naming the README and the listing
mkdir -p build/docs-test
printf '# Test\n\n<!-- listing: no_such_listing_anywhere -->\n' > build/docs-test/README.md
if command -v pandoc >/dev/null 2>&1; then
  out=$(pandoc build/docs-test/README.md --from markdown --to html5 --lua-filter docs/tools/book.lua \
          -M repo_root="$root" -M source=build/docs-test/README.md -M site_dir="$tmp" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne 0 ] && grep -q "build/docs-test/README.md: listing 'no_such_listing_anywhere' does not exist" <<<"$out"; then
    echo "ok a lesson naming a missing listing fails the build with a clear line"
  else
    echo "FAIL a lesson naming a missing listing fails the build: rc=$rc, said: $(head -n 1 <<<"$out")"
  fi
fi

# 3. exercise markers: mistakes are reported with file and line
mkdir -p "$tmp/tree/common" "$tmp/tree/chapters/07_test"
printf '# T\n\n## Step 1 — x\n' > "$tmp/tree/chapters/07_test/README.md"
cat > "$tmp/tree/common/bad.cpp" <<'CPP'
int f(int x) {
    int y = x;
    // [exercise:not_after_brace] see chapters/07_test/README.md, step 1
    return y;
    // [/exercise]
}
int g(int x) {
    // [exercise:wrong_step] see chapters/07_test/README.md, step 9
    return x;
    // [/exercise]
}
int h(int x) {
    // [exercise:never_closed] see chapters/07_test/README.md, step 1
    return x;
}
CPP
out=$(bash docs/tools/exercises.sh list "$tmp/tree" 2>&1 >/dev/null)
rc=$?
for expect in "common/bad.cpp:3: the marker of 'not_after_brace' must come right after" \
              "common/bad.cpp:8: exercise 'wrong_step' points to step 9" \
              "common/bad.cpp:13: exercise 'never_closed' is never closed" ; do
  if [ "$rc" -ne 0 ] && grep -qF "$expect" <<<"$out"; then
    echo "ok a malformed exercise marker is reported with file and line: $(cut -d"'" -f2 <<<"$expect")"
  else
    echo "FAIL malformed exercise markers are reported: expected '$expect', got: $(tr '\n' '|' <<<"$out")"
  fi
done

# 4. a stub compiles whatever the function returns
cat > "$tmp/tree/common/good.cpp" <<'CPP'
#include <string>
#include <vector>
namespace demo {
std::vector<float> scores(const std::vector<float>& x, int k) {
    // [exercise:scores] see chapters/07_test/README.md, step 1
    std::vector<float> out(x.begin(), x.begin() + k);
    return out;
    // [/exercise]
}
struct Cache { int n = 0; int& length(); };
int& Cache::length()
{
    // [exercise:length_ref] see chapters/07_test/README.md, step 1
    return n;
    // [/exercise]
}
}  // namespace demo
CPP
rm -f "$tmp/tree/common/bad.cpp"
if bash docs/tools/exercises.sh stub "$tmp/tree" 07 >/dev/null 2>"$tmp/err" &&
   grep -q 'throw gpt2::ExerciseNotDone("length_ref: see chapters/07_test/README.md, step 1");' "$tmp/tree/common/good.cpp" &&
   ! grep -q 'return n;' "$tmp/tree/common/good.cpp" &&
   g++ -std=c++17 -fsyntax-only -I. -Ichapters "$tmp/tree/common/good.cpp" 2>"$tmp/err"; then
  echo "ok a stub replaces the whole body and compiles (vector return, reference return)"
else
  echo "FAIL a stub replaces the whole body and compiles: $(head -n 3 "$tmp/err" | tr '\n' ' ')"
fi
