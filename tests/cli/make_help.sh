#!/usr/bin/env bash
# `make help` lists every target a user can type: each .PHONY target of the Makefile has its
# `## make TARGET …` line, so the list cannot fall behind the Makefile.
set -uo pipefail
cd "$(dirname "$0")/../.."
help=$(make --no-print-directory help 2>&1)
phony=$(sed -n '/^\.PHONY:/,/[^\\]$/p' Makefile | sed 's/^\.PHONY://; s/\\//g' | tr -s ' \n' '\n' | sed '/^$/d')
missing=()
for target in $phony; do
  # (a target may share its line with its siblings: "make gpt2 … also gpt2-medium, …")
  [ "$target" = all ] && pattern='^make  ' || pattern="^make $target( |$)|[ (]$target[ ,)]"
  grep -Eq "$pattern" <<<"$help" || missing+=("$target")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ok make help lists every target ($(wc -w <<<"$phony") of them)"
else
  echo "FAIL make help lists every target: no '## make TARGET' line beside: ${missing[*]} (add one above the rule in the Makefile)"
fi
grep -Eq '^make chapterNN ' <<<"$help" && echo "ok make help lists make chapterNN" ||
  echo "FAIL make help lists make chapterNN: add the '## make chapterNN' line above the chapter rule"
