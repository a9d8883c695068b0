#!/usr/bin/env bash
# make exercise CH=NN [EX="name ..."] [FORCE=1]
# Prepares build/exercise/NN/: a copy of the project in which chapter NN's exercise bodies
# (or only the named ones) are replaced by stubs that compile and throw
# gpt2::ExerciseNotDone. The reference code is never touched. The copy reuses the reference
# build's object files (timestamps kept), so only the stubbed files recompile. The lessons in
# the copy do not show the stubbed exercises' code either: under their listing lines, those
# bodies are a placeholder comment (docs/tools/listings.sh, which reads .exercise-workspace).
# Usage: exercise.sh [--force] NN [NAME...]
#        exercise.sh --pristine DIR NN     (for tests/cli/exercises_stubs.sh: the same copy in
#                                           DIR, replaced if present, with no stub and no talk)
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

die() { echo "exercise: error: $*" >&2; exit 1; }

force=""
pristine=""
workspace=""
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
if [ "${1:-}" = "--pristine" ]; then pristine=1; force=1; workspace=${2:?}; shift 2; fi
chapter=${1:-}
[ $# -gt 0 ] && shift
[[ $chapter =~ ^[0-9][0-9]$ ]] || die "CH='$chapter' is not a chapter number; write two digits, e.g. make exercise CH=05"
if [ -f .exercise-workspace ]; then
  die "this folder is already an exercise workspace; run make exercise from the project's top folder"
fi
shopt -s nullglob
chapter_dirs=(chapters/"$chapter"_*/)
[ ${#chapter_dirs[@]} -gt 0 ] || die "there is no chapter $chapter (chapters/${chapter}_* does not exist)"
lesson=${chapter_dirs[0]}README.md

listing=$(bash docs/tools/exercises.sh list .) ||
  echo "exercise: warning: the marker problems above are skipped (tell the tutorial's authors)" >&2
mine=$(awk -F'\t' -v ch="$chapter" '$2 == ch' <<<"$listing")
[ -n "$mine" ] || die "chapter $chapter has no exercises marked yet (see its lesson, $lesson)"

for name in "$@"; do
  awk -F'\t' -v n="$name" '$1 == n {found = 1} END {exit !found}' <<<"$mine" ||
    die "chapter $chapter has no exercise named '$name' (its exercises: $(cut -f1 <<<"$mine" | tr '\n' ' '))"
done

workspace=${workspace:-build/exercise/$chapter}
if [ -e "$workspace" ]; then
  if [ -z "$force" ]; then
    echo "exercise: $workspace already exists and may hold your work; it was left as it is." >&2
    echo "exercise: to check it:       cd $workspace && make check CH=$chapter" >&2
    echo "exercise: to start it over:  make exercise CH=$chapter FORCE=1   (deletes your edits there)" >&2
    exit 1
  fi
  rm -rf "$workspace"
fi
mkdir -p "$workspace"

# 1. The sources, with their timestamps (tar keeps them). Fetched data and outputs stay out:
#    the workspace links to the reference's tokenizer and weights instead of copying them.
tar -C "$root" -cf - \
    --exclude=./build --exclude=./.git --exclude=./docs/site --exclude=./docs/site-student \
    --exclude=./docs/check/node_modules \
    --exclude='./data/tokenizer' --exclude='./data/gpt2*' --exclude='./chapter[0-9][0-9]' . |
  tar -C "$workspace" -xf -
for data in data/tokenizer data/gpt2*; do
  [ -e "$data" ] && ln -s "$root/$data" "$workspace/$data"
done

# 2. The reference build's objects (timestamps kept), so make rebuilds only what the stubs change.
for mode in test release; do
  if [ -d "build/$mode" ]; then
    mkdir -p "$workspace/build"
    cp -a "build/$mode" "$workspace/build/$mode"
  fi
done
# Objects that baked the project's folder into themselves (-DPROJECT_ROOT) must be rebuilt,
# or the workspace's programs would read and write the reference's folders.
grep -rlE '\bPROJECT_ROOT\b' --include='*.cpp' --include='*.hpp' --include='*.h' \
    "$workspace/common" "$workspace/chapters" "$workspace/tests" 2>/dev/null | xargs -r touch

[ -n "$pristine" ] && exit 0

# 3. The stubs.
stubbed=$(bash docs/tools/exercises.sh stub "$workspace" "$chapter" "$@") ||
  { rm -rf "$workspace"; die "could not stub the exercises (see above); no workspace was made"; }
printf 'chapter=%s\nexercises=%s\n' "$chapter" "$(awk '{print $2}' <<<"$stubbed" | tr '\n' ' ')" \
  > "$workspace/.exercise-workspace"

# 4. The lessons' code: the answers are not left where the learner reads (listings.sh elides the
#    exercises .exercise-workspace names, in every lesson that shows them).
command -v pandoc >/dev/null 2>&1 || bash data/setup/install_packages.sh pandoc >&2 ||
  { rm -rf "$workspace"; die "pandoc is needed to hide the exercises' code in the lessons (make setup installs it); no workspace was made"; }
if ! problems=$(bash "$workspace/docs/tools/listings.sh" --quiet --keep-going 2>&1); then
  # (a listing's own problem is reported and the other lessons are still written; anything
  # else, e.g. the filter failing, means no lesson was)
  if [ -z "$problems" ] || grep -qv '^listings: error: ' <<<"$problems"; then
    rm -rf "$workspace"
    die "could not hide the exercises' code in the workspace's lessons: $(tail -n 1 <<<"$problems"); no workspace was made"
  fi
  sed -E 's/^listings: error: /exercise: warning: a lesson listing is wrong (tell the tutorial'"'"'s authors): /' <<<"$problems" >&2
fi

# 5. Tell the learner what to do.
echo "exercise: chapter $chapter's workspace is ready: $workspace/"
echo
echo "  Replace each stub (the 'throw gpt2::ExerciseNotDone(...)' line between the markers):"
while IFS=$'\t' read -r name _ file line readme step _; do
  if grep -q " $name\$" <<<"$stubbed"; then
    # (the marker may have moved down a line if the stubber added an #include)
    line=$(grep -n "\[exercise:$name\]" "$workspace/$file" | head -n 1 | cut -d: -f1)
    printf '    %-28s %s:%s   (lesson: %s, step %s)\n' "$name" "$workspace/$file" "$((line + 1))" "$readme" "$step"
  fi
done <<<"$mine"
echo
echo "  Then grade your work (the first run compiles the stubbed files, later runs only yours):"
echo "    cd $workspace && make check CH=$chapter"
echo "  A failing check names the test, what went wrong and which lesson step to read."
echo "  Run your version of the program there too: make chapter$chapter && ./chapter$chapter"
