#!/usr/bin/env bash
# make listings: every lesson carries its listings' code. Under each <!-- listing: NAME -->
# line it writes the region's code (a fenced block, as the site shows it) and a line naming the
# file and its lines; it writes only the lessons whose text changes, and only those blocks.
# Usage: listings.sh [--check] [--quiet] [--keep-going] [--elide "NAME ..."|all] [--root DIR] [LESSON...]
#   --check   write nothing; one "ok listings: …" / "FAIL listings: …" line per lesson or
#             problem, exit 1 if a lesson's code is not its source's (tests/cli/docs_listings.sh)
#   --elide   replace those exercises' bodies (all: every exercise's) by a placeholder comment;
#             in an exercise workspace the exercises it stubbed are always elided
#   --keep-going  write the lessons even when some source markers are wrong (make exercise)
#   --root    the project's top folder (default: the one this script is in)
#   LESSON    markdown files from the top folder (default: every page of the book:
#             chapters/NN_*/README.md and docs/*.md but docs/README.md)
# The work is done by docs/tools/embed.lua, with docs/tools/listings.lua (what book.lua shows).
set -euo pipefail
tools=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$tools/../.." && pwd)

die() { echo "listings: error: $*" >&2; exit 1; }

mode=write
options=()
elide=""
while [ $# -gt 0 ]; do
  case "$1" in
    --check) mode=check; shift ;;
    --quiet) options+=(-M quiet=true); shift ;;
    --keep-going) options+=(-M keep_going=true); shift ;;
    --elide) [ $# -ge 2 ] || die "--elide needs exercise names (or all)"; elide=$2; shift 2 ;;
    --root) [ $# -ge 2 ] && [ -d "$2" ] || die "--root needs an existing folder"; root=$(cd "$2" && pwd); shift 2 ;;
    -*) die "unknown option $1 (usage: listings.sh [--check] [--quiet] [--keep-going] [--elide NAMES] [--root DIR] [LESSON...])" ;;
    *) break ;;
  esac
done
cd "$root"

lessons=("$@")
if [ ${#lessons[@]} -eq 0 ]; then
  shopt -s nullglob
  lessons=(chapters/[0-9][0-9]_*/README.md)
  for page in docs/*.md; do
    [ "$page" = docs/README.md ] || lessons+=("$page")
  done
fi
for lesson in "${lessons[@]}"; do
  case "$lesson" in
    /*|*" "*) die "$lesson: name lessons by their path from the project's top folder, without spaces" ;;
  esac
  [ -f "$lesson" ] || die "$lesson does not exist (name lessons from the project's top folder)"
done
if ! command -v pandoc >/dev/null 2>&1; then
  bash "$tools/../../data/setup/install_packages.sh" pandoc >&2
fi

pandoc --from markdown --to plain --lua-filter "$tools/embed.lua" \
  -M repo_root="$root" -M mode="$mode" -M files="${lessons[*]}" -M elide="$elide" \
  "${options[@]}" --output /dev/null </dev/null
