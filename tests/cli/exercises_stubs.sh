#!/usr/bin/env bash
# Proves that every exercise's stub is caught by its chapter's checker.
# For each exercise marked in the sources (// [exercise:NAME] ... // [/exercise], see
# docs/README.md): in a copy of the project (built from the reference build's objects), stub
# that exercise alone, rebuild the test runner, run its chapter's doctest suite (chNN_*), and
# expect it to FAIL and to show the stub's message ("exercise not done yet: NAME: see
# chapters/NN_topic/README.md, step K"). If the doctest suite does not call the function (code
# only the chapter's program runs), the whole `make check CH=NN` (suite + tests/cli/chNN_*.sh
# driving ./chapterNN) must fail instead. Also checks that every chapter has an exercise.
# (That the reference code passes the same suites is the rest of make test.)
# Prints "ok NAME ..." or "FAIL NAME: why", one line per exercise.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
scratch=build/exercise-check
mkdir -p "$scratch"

problems=$(mktemp)
trap 'rm -f "$problems"' EXIT
# Marker problems are failures; the well-formed exercises are still checked below.
listing=$(bash docs/tools/exercises.sh list . 2>"$problems")
while IFS= read -r line; do
  case "$line" in
    "exercise:   "*) ;;  # the hint under a malformed marker
    *) echo "FAIL exercise markers: ${line#exercise: }" ;;
  esac
done <"$problems"

shopt -s nullglob
for dir in chapters/[0-9][0-9]_*/; do
  nn=$(basename "$dir" | cut -c1-2)
  [ -f "$dir/main.cpp" ] || continue
  if ! awk -F'\t' -v ch="$nn" '$2 == ch {found = 1} END {exit !found}' <<<"$listing"; then
    echo "FAIL chapter $nn has no exercise: mark a key function's body with // [exercise:NAME] (docs/README.md)"
  fi
done

for nn in $(cut -f2 <<<"$listing" | sort -u); do
  [ -n "$nn" ] || continue
  ws=$scratch/$nn
  if ! bash docs/tools/exercise.sh --pristine "$ws" "$nn" >"$scratch/$nn.log" 2>&1; then
    echo "FAIL chapter $nn: could not copy the project into $ws: $(tail -n 1 "$scratch/$nn.log")"
    continue
  fi
  save=$ws/.saved
  while IFS=$'\t' read -r name chapter file _ readme step _; do
    [ "$chapter" = "$nn" ] || continue
    started=$SECONDS
    # Keep what the stub's build will overwrite, to put the reference back afterwards with
    # its timestamps (so the next exercise does not rebuild this one).
    rm -rf "$save" && mkdir -p "$save"
    cp -p "$ws/$file" "$save/source"
    case "$file" in
      *.cpp|*.cc)
        for mode in test release; do
          mkdir -p "$save/$mode"
          for f in "build/$mode/${file%.*}.o" "build/$mode/${file%.*}.d" "build/$mode/libch$nn.a" \
                   "build/$mode/libcommon.a" build/test/run_tests "chapter$nn"; do
            if [ -e "$ws/$f" ]; then
              (cd "$ws" && cp -p --parents "$f" "$root/$save/$mode/")
            else
              echo "$f" >>"$save/absent"  # made by the stub's build: deleted afterwards
            fi
          done
        done
        ;;
      *) for mode in test release; do  # a header: many objects depend on it
           [ -d "$ws/build/$mode" ] && mkdir -p "$save/build" && cp -a "$ws/build/$mode" "$save/build/$mode"
         done ;;
    esac

    if ! bash docs/tools/exercises.sh stub "$ws" "$nn" "$name" >/dev/null 2>"$scratch/$nn.log"; then
      echo "FAIL $name: could not stub it: $(tail -n 1 "$scratch/$nn.log")"
    elif ! make -C "$ws" --no-print-directory -j2 build/test/run_tests >"$scratch/$nn.log" 2>&1; then
      echo "FAIL $name: the workspace with its stub does not compile: $(grep -m1 -E 'error:|Error [0-9]' "$scratch/$nn.log")"
    else
      out=$(cd "$ws" && timeout 600 build/test/run_tests --test-suite="ch${nn}_*" 2>&1)
      rc=$?
      failing=$(grep -E '^\[doctest\] test cases:' <<<"$out" | sed -E 's/.*\| *([0-9]+) failed.*/\1/')
      if [ "$rc" -eq 0 ]; then
        # The suite never calls it: then the chapter's program must be what catches it.
        if ! make -C "$ws" --no-print-directory -j2 "chapter$nn" >"$scratch/$nn.log" 2>&1; then
          echo "FAIL $name: chapter$nn with its stub does not compile: $(grep -m1 -E 'error:|Error [0-9]' "$scratch/$nn.log")"
        elif (cd "$ws" && timeout 600 bash tests/run_all.sh build/test/run_tests "$nn" >"$root/$scratch/$nn.log" 2>&1); then
          echo "FAIL $name: make check CH=$nn passes with the stub: neither the ch${nn}_* suite nor tests/cli/ch${nn}_*.sh exercises it"
        elif caught=$(grep -m1 '^FAIL ' "$scratch/$nn.log"); then
          echo "ok $name: stub caught by make check CH=$nn in $((SECONDS - started)) s (${caught:0:160})"
        else
          echo "FAIL $name: make check CH=$nn fails with the stub, but no check reports a failure: $(tail -n 1 "$scratch/$nn.log")"
        fi
      elif [ "$rc" -eq 124 ]; then
        echo "FAIL $name: chapter $nn's tests ran over 10 minutes with the stub"
      elif ! grep -qF "exercise not done yet: $name: see $readme, step $step" <<<"$out"; then
        echo "FAIL $name: chapter $nn's tests fail (rc=$rc) but none shows the stub's message pointing to $readme step $step"
      else
        echo "ok $name: stub caught by chapter $nn's tests in $((SECONDS - started)) s (${failing:-?} test cases fail, pointing to $readme step $step)"
      fi
    fi

    cp -p "$save/source" "$ws/$file"
    case "$file" in
      *.cpp|*.cc) for mode in test release; do
                    (cd "$save/$mode" && find . -type f -exec cp -p --parents {} "$root/$ws/" \;)
                  done
                  if [ -f "$save/absent" ]; then
                    while IFS= read -r f; do rm -f "$ws/$f"; done <"$save/absent"
                  fi ;;
      *) for mode in test release; do
           if [ -d "$save/build/$mode" ]; then rm -rf "$ws/build/$mode" && mv "$save/build/$mode" "$ws/build/$mode"; fi
         done ;;
    esac
  done <<<"$listing"
  rm -rf "$ws" "$scratch/$nn.log"
done
rmdir "$scratch" 2>/dev/null || true
exit 0
