#!/usr/bin/env bash
# exercises.sh — finds and stubs the "re-implement it" exercises marked in the sources.
#
# A function body is an exercise when it is marked like this (docs/README.md):
#     float layer_norm_one(...) {
#         // [exercise:layer_norm] see chapters/03_forward_pass/README.md, step 3
#         ... the reference body ...
#         // [/exercise]
#     }
# Stubbing replaces the lines between the two markers with
#         throw gpt2::ExerciseNotDone("layer_norm: see chapters/03_forward_pass/README.md, step 3");
# which always compiles, whatever the function returns.
#
# Usage:
#   exercises.sh list ROOT                 one line per exercise, tab-separated:
#                                          name  chapter  file  marker-line  readme  step
#                                          (exit 1, with one line per problem, if a marker is wrong)
#   exercises.sh stub ROOT NN [NAME...]    stubs chapter NN's exercises (or only NAME...) in the
#                                          tree ROOT, in place; prints "file:line name" per stub
set -euo pipefail

die() { echo "exercise: error: $*" >&2; exit 1; }

open_re='^([[:space:]]*)//[[:space:]]*\[exercise:([a-z0-9_]+)\][[:space:]]+see[[:space:]]+(chapters/([0-9][0-9])_[A-Za-z0-9_]+/README\.md),[[:space:]]*step[[:space:]]+([0-9]+)[[:space:]]*$'
close_re='^[[:space:]]*//[[:space:]]*\[/exercise\][[:space:]]*$'

# Prints the exercises of the tree ROOT (see above); problems go to stderr and set the status.
list_exercises() {
  local root=$1 problems=0 file line text name open_line="" open_name="" indent readme nn step
  local prev next
  declare -A seen=()
  local hits
  hits=$(cd "$root" && grep -rnE '^[[:space:]]*//[[:space:]]*\[/?exercise' \
           --include='*.cpp' --include='*.hpp' --include='*.h' --include='*.cc' \
           common chapters tests tools 2>/dev/null | LC_ALL=C sort -t: -k1,1 -k2,2n || true)
  local current_file=""
  while IFS= read -r hit; do
    [ -n "$hit" ] || continue
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    if [ "$file" != "$current_file" ]; then
      if [ -n "$open_line" ]; then
        echo "exercise: $current_file:$open_line: exercise '$open_name' is never closed (add a // [/exercise] line before the closing brace)" >&2
        problems=$((problems + 1))
      fi
      current_file=$file; open_line=""; open_name=""
    fi
    if [[ $text =~ $open_re ]]; then
      name=${BASH_REMATCH[2]}; readme=${BASH_REMATCH[3]}; nn=${BASH_REMATCH[4]}; step=${BASH_REMATCH[5]}
      if [ -n "$open_line" ]; then
        echo "exercise: $file:$line: exercise '$name' starts inside exercise '$open_name' (line $open_line); exercises cannot nest" >&2
        problems=$((problems + 1))
      fi
      prev=$(sed -n "$((line - 1))p" "$root/$file" | sed -E 's,[[:space:]]*//.*$,,; s/[[:space:]]+$//')
      if [[ $prev != *"{" ]]; then
        echo "exercise: $file:$line: the marker of '$name' must come right after the function's opening brace (the line before it does not end with '{')" >&2
        problems=$((problems + 1))
      fi
      if [ -n "${seen[$name]:-}" ]; then
        echo "exercise: $file:$line: exercise name '$name' is already used at ${seen[$name]}; names must be unique" >&2
        problems=$((problems + 1))
      fi
      seen[$name]="$file:$line"
      if [ ! -f "$root/$readme" ]; then
        echo "exercise: $file:$line: exercise '$name' points to $readme, which does not exist" >&2
        problems=$((problems + 1))
      elif ! grep -qiE "^#+[[:space:]]+Step[[:space:]]+$step([^0-9]|$)" "$root/$readme"; then
        echo "exercise: $file:$line: exercise '$name' points to step $step of $readme, which has no '## Step $step' heading" >&2
        problems=$((problems + 1))
      fi
      open_line=$line; open_name=$name
      pending="$name	$nn	$file	$line	$readme	$step"
    elif [[ $text =~ $close_re ]]; then
      if [ -z "$open_line" ]; then
        echo "exercise: $file:$line: '// [/exercise]' closes no open exercise" >&2
        problems=$((problems + 1))
        continue
      fi
      next=$(sed -n "$((line + 1))p" "$root/$file")
      if ! [[ $next =~ ^[[:space:]]*\} ]]; then
        echo "exercise: $file:$line: the end marker of '$open_name' must come right before the function's closing brace (the next line does not start with '}')" >&2
        problems=$((problems + 1))
      fi
      printf '%s\t%s\n' "$pending" "$line"
      open_line=""; open_name=""
    else
      echo "exercise: $file:$line: malformed exercise marker: $(sed -E 's/^[[:space:]]+//' <<<"$text")" >&2
      echo "exercise:   write: // [exercise:snake_case_name] see chapters/NN_topic/README.md, step K" >&2
      problems=$((problems + 1))
    fi
  done <<<"$hits"
  if [ -n "$open_line" ]; then
    echo "exercise: $current_file:$open_line: exercise '$open_name' is never closed (add a // [/exercise] line before the closing brace)" >&2
    problems=$((problems + 1))
  fi
  [ "$problems" -eq 0 ]
}

# Replaces the body lines of the listed exercises; ranges are applied bottom-up per file so
# earlier line numbers stay valid; files that do not include errors.hpp get the include.
stub_exercises() {  # ROOT NN [NAME...]
  local root=$1 chapter=$2
  shift 2
  local wanted=" $* "
  local listing
  # Problems with other markers (reported by `list`) do not block the well-formed ones.
  listing=$(list_exercises "$root" 2>/dev/null) || true
  local selected
  selected=$(awk -F'\t' -v ch="$chapter" -v wanted="$wanted" \
    '$2 == ch && (wanted ~ /^ *$/ || index(wanted, " " $1 " ") > 0)' <<<"$listing")
  for name in "$@"; do
    grep -q "^$name	" <<<"$selected" ||
      die "chapter $chapter has no exercise named '$name' (its exercises: $(awk -F'\t' -v ch="$chapter" '$2 == ch {printf "%s ", $1}' <<<"$listing"))"
  done
  [ -n "$selected" ] || die "chapter $chapter has no exercises marked yet"
  local file
  for file in $(cut -f3 <<<"$selected" | sort -u); do
    local ranges
    ranges=$(awk -F'\t' -v f="$file" '$3 == f {print $4 "\t" $7 "\t" $1 "\t" $5 "\t" $6}' <<<"$selected" | sort -rn)
    local tmp="$root/$file.stub.tmp$$"
    cp "$root/$file" "$tmp"
    while IFS=$'\t' read -r first last name readme step; do
      awk -v first="$first" -v last="$last" \
          -v msg="$name: see $readme, step $step" '
        NR == first { print; match($0, /^[ \t]*/); indent = substr($0, 1, RLENGTH)
                      printf "%sthrow gpt2::ExerciseNotDone(\"%s\");\n", indent, msg; next }
        NR > first && NR < last { next }
        { print }' "$tmp" > "$tmp.2"
      mv "$tmp.2" "$tmp"
      echo "$file:$first $name"
    done <<<"$ranges"
    if ! grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^">]*/)?errors\.hpp[">]' "$tmp"; then
      awk '!done && /^[ \t]*#[ \t]*include/ {
             print "#include \"common/errors.hpp\"  // added by make exercise: the stubs throw gpt2::ExerciseNotDone"
             done = 1 }
           { print }' "$tmp" > "$tmp.2"
      mv "$tmp.2" "$tmp"
    fi
    mv "$tmp" "$root/$file"
  done
}

case "${1:-}" in
  list) [ $# -eq 2 ] || die "usage: exercises.sh list ROOT"; list_exercises "$2" ;;
  stub) [ $# -ge 3 ] || die "usage: exercises.sh stub ROOT NN [NAME...]"; stub_exercises "$2" "$3" "${@:4}" ;;
  *) die "usage: exercises.sh list ROOT | stub ROOT NN [NAME...]" ;;
esac
