#!/usr/bin/env bash
# Builds the book: docs/site/index.html (the table of contents) and one page per chapter from
# chapters/NN_topic/README.md, with the listings pulled from the code, the figures the chapters
# plot, and a highlighted page for every source file a lesson links to.
# Usage: docs/build.sh [--no-figures] [--student] [NN]
#   NN            build only that chapter's page (`make docs CH=NN`)
#   --no-figures  do not run chapters to make missing figures; show a placeholder instead
#                 (tests/cli/docs_book.sh: checks listings and links without running benches)
#   --student     the student edition (`make docs STUDENT=1`), in docs/site-student/: every
#                 exercise's body, in the listings and in the source pages, is a placeholder
# docs/README.md explains the conventions a lesson follows.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
figures=1
student=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-figures) figures=""; shift ;;
    --student) student=1; shift ;;
    *) break ;;
  esac
done
only=${1:-}
figure_mode=()
[ -n "$figures" ] || figure_mode=(-M allow_missing_figures=true)
edition=()
[ -n "$student" ] && edition=(-M student=true -M "edition=student edition")
default_site=$root/docs/site
[ -n "$student" ] && default_site=$root/docs/site-student
site=${DOCS_SITE:-$default_site}   # (tests/cli/docs_book.sh builds into a scratch folder)
mkdir -p "$site" && site=$(cd "$site" && pwd)

say() { echo "docs: $*"; }
die() { echo "docs: error: $*" >&2; exit 1; }

if [ -n "$only" ] && ! [[ $only =~ ^[0-9][0-9]$ ]]; then
  die "CH=$only is not a chapter number; write two digits, e.g. make docs CH=05"
fi
if ! command -v pandoc >/dev/null 2>&1; then
  bash data/setup/install_packages.sh pandoc
fi

shopt -s nullglob
readmes=(chapters/[0-9][0-9]_*/README.md)
# Pages beside the chapters: docs/NAME.md becomes NAME.html (linked from the index).
book_pages=(teachers)
if [ -n "$only" ]; then
  match=(chapters/"$only"_*/README.md)
  [ ${#match[@]} -gt 0 ] || die "chapter $only has no lesson (chapters/${only}_*/README.md does not exist)"
fi

# A full build starts clean, so a page or figure from a removed lesson does not linger.
if [ -z "$only" ]; then
  rm -rf "$site/src" "$site/figures" "$site/screenshots"
  rm -f "$site"/*.html
fi
mkdir -p "$site/figures" "$site/src"
cp docs/style.css "$site/style.css"
: > "$site/.source_pages"

title_of() {  # the first "# " heading of a markdown file
  local t
  t=$(grep -m1 -E '^# ' "$1" | sed -E 's/^# +//; s/ +#*$//') || true
  echo "${t:-$(basename "$(dirname "$1")")}"
}
page_of() { echo "$(basename "$(dirname "$1")").html"; }

# Figures: a lesson line `<!-- figure: PATH | CAPTION | COMMAND -->` whose PATH does not exist
# yet is made by building the chapter and running COMMAND (its quick version) from the root.
make_figures() {  # README NN
  [ -n "$figures" ] || return 0
  local readme=$1 nn=$2 line spec path command built=""
  while IFS= read -r line; do
    spec=$(sed -E 's/^[[:space:]]*<!--[[:space:]]*figure:[[:space:]]*//; s/[[:space:]]*-->[[:space:]]*$//' <<<"$line")
    path=$(cut -d'|' -f1 <<<"$spec" | xargs)
    command=$(cut -s -d'|' -f3- <<<"$spec" | sed -E 's/^[[:space:]]+//; s/[[:space:]]+$//')
    [ -e "$path" ] && continue
    if [ -z "$command" ]; then
      continue  # book.lua reports the missing figure with the README's name
    fi
    if [ -z "$built" ]; then
      say "building chapter$nn to make its figures"
      make --no-print-directory -j2 "chapter$nn" >/dev/null || die "make chapter$nn failed (needed for $path)"
      built=1
    fi
    say "$path is missing: running '$command'"
    if ! timeout 300 bash -c "$command" >"$site/.figure.log" 2>&1; then
      sed 's/^/    /' "$site/.figure.log" | tail -n 20 >&2
      die "$readme: '$command' failed, so $path cannot be made"
    fi
  done < <(grep -E '^[[:space:]]*<!--[[:space:]]*figure:' "$readme" || true)
}

render() {  # SOURCE OUTPUT KIND [pandoc args...]
  local source=$1 output=$2 kind=$3
  shift 3
  pandoc "$source" \
    --from markdown+gfm_auto_identifiers --to html5 --standalone \
    --template docs/template.html --mathml --highlight-style=pygments \
    --lua-filter docs/tools/book.lua --lua-filter docs/tools/pages.lua -M "book_pages=${book_pages[*]}" \
    -M repo_root="$root" -M source="$source" -M site_dir="$site" -M page_kind="$kind" \
    "${figure_mode[@]}" "${edition[@]}" \
    "$@" --output "$output.tmp$$" 2>"$site/.pandoc.log" ||
    { cat "$site/.pandoc.log" >&2; rm -f "$output.tmp$$"; failed+=("$source"); return 0; }
  # pandoc only warns about math it cannot convert, then shows raw TeX: that is a broken page.
  if grep -q 'Could not convert TeX math' "$site/.pandoc.log"; then
    cat "$site/.pandoc.log" >&2
    echo "docs: error: $source: pandoc cannot convert a formula (above) to MathML; fix its TeX" >&2
    rm -f "$output.tmp$$"
    failed+=("$source")
    return 0
  fi
  [ -s "$site/.pandoc.log" ] && sed "s|^|docs: $source: |" "$site/.pandoc.log" >&2
  mv "$output.tmp$$" "$output"
}

# --- chapter pages, with previous/next navigation -------------------------------------------
failed=()   # every page is tried, so one run reports every lesson's problems
built=0
for i in "${!readmes[@]}"; do
  readme=${readmes[$i]}
  nn=$(basename "$(dirname "$readme")" | cut -c1-2)
  [ -n "$only" ] && [ "$nn" != "$only" ] && continue
  nav=(-M up_href=index.html -M up_title=Contents)
  if [ "$i" -gt 0 ]; then
    prev=${readmes[$((i - 1))]}
    nav+=(-M "prev_href=$(page_of "$prev")" -M "prev_title=$(title_of "$prev")")
  else
    nav+=(-M prev_href=index.html -M prev_title=Contents)
  fi
  if [ $((i + 1)) -lt ${#readmes[@]} ]; then
    next=${readmes[$((i + 1))]}
    nav+=(-M "next_href=$(page_of "$next")" -M "next_title=$(title_of "$next")")
  fi
  make_figures "$readme" "$nn"
  render "$readme" "$site/$(page_of "$readme")" chapter --toc --toc-depth=2 "${nav[@]}" \
    -M "chapter=$nn"
  built=$((built + 1))
done

# --- the index: always when building everything, and whenever it is missing ---------------
if [ -z "$only" ] || [ ! -f "$site/index.html" ]; then
  nav=()
  [ ${#readmes[@]} -gt 0 ] && nav=(-M "next_href=$(page_of "${readmes[0]}")" -M "next_title=$(title_of "${readmes[0]}")")
  render docs/index.md "$site/index.html" index "${nav[@]}"
  built=$((built + 1))
fi

# --- the pages beside the chapters (docs/NAME.md): like the index, always in a full build ------
for name in "${book_pages[@]}"; do
  if [ -z "$only" ] || [ ! -f "$site/$name.html" ]; then
    render "docs/$name.md" "$site/$name.html" page --toc --toc-depth=2 -M "toc-title=On this page" \
      -M up_href=index.html -M up_title=Contents
    built=$((built + 1))
  fi
done

# --- a highlighted page for every source file a page links to (listing captions, links) ---
sources=0
while IFS= read -r path; do
  [ -n "$path" ] || continue
  # (a link to one of the pages above is that page, not a copy of its markdown: pages.lua)
  [[ $path =~ ^docs/([A-Za-z0-9_-]+)\.md$ ]] && [[ " ${book_pages[*]} " == *" ${BASH_REMATCH[1]} "* ]] && continue
  out="$site/src/$path.html"
  mkdir -p "$(dirname "$out")"
  depth=$(tr -cd '/' <<<"src/$path" | wc -c)
  up=$(printf '../%.0s' $(seq 1 "$depth"))
  case "$path" in
    *.cpp|*.hpp|*.h|*.cc) lang=cpp ;;
    *.sh) lang=bash ;;
    *Makefile) lang=makefile ;;
    *.md) lang=markdown ;;
    *.json) lang=json ;;
    *.lua) lang=lua ;;
    *) lang=default ;;
  esac
  fence=$(printf '~%.0s' $(seq 1 40))
  if [ -n "$student" ] && grep -qE '^[[:space:]]*(//|#)[[:space:]]*\[exercise:' "$path"; then
    # The file's exercise bodies become placeholders; the numbered runs around them keep their
    # real line numbers (embed.lua writes the runs; their line anchors are all #L-N).
    pandoc --from markdown --to plain --lua-filter docs/tools/embed.lua -M repo_root="$root" \
      -M mode=source_page -M files="$path" --output /dev/null </dev/null
  else
    printf '%s {#L .%s .numberLines}\n' "$fence" "$lang"; cat "$path"; printf '\n%s\n' "$fence"
  fi | pandoc --from markdown --to html5 --standalone --template docs/template.html \
      --highlight-style=pygments -M "pagetitle=$path" -M "root=$up" -M "source_file=$path" \
      -M up_href="${up}index.html" -M up_title=Contents "${edition[@]}" --output "$out"
  [ -n "$student" ] && sed -i -E 's/(id="|href="#)L[0-9]+-([0-9]+)"/\1L-\2"/g' "$out"
  sources=$((sources + 1))
done < <(sort -u "$site/.source_pages")
rm -f "$site/.source_pages" "$site/.figure.log" "$site/.pandoc.log"

if [ ${#failed[@]} -gt 0 ]; then
  die "${#failed[@]} page(s) not built, see above: ${failed[*]}"
fi
shown=${site#"$root"/}
say "built $built page(s) and $sources source page(s) in $shown/ — open $shown/index.html"
