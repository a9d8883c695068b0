#!/usr/bin/env bash
# What `make demo` runs once the program is built: GPT-2 124M if it is there — downloading it
# first when it is not (data/setup/fetch_gpt2.sh: progress, resumable, sha256-verified) — else,
# when the download host cannot be reached, the small model trained here (data/mini), after
# one line that says so.
#
#   bash data/setup/demo.sh PROGRAM [ARGS...]     e.g. bash data/setup/demo.sh ./chapter05
#
# NO_DOWNLOAD=1 (make demo NO_DOWNLOAD=1) skips the download and runs on data/mini.
# FETCH_GPT2_DEST, FETCH_GPT2_BASE_URL, FETCH_GPT2_CONNECT_TIMEOUT are passed on to
# fetch_gpt2.sh (tests/cli/reliability_downloads.sh points them at a fake hub on 127.0.0.1).
set -uo pipefail
cd "$(dirname "$0")/../.."

program=${1:?usage: demo.sh PROGRAM [ARGS...]}
shift
dest=${FETCH_GPT2_DEST:-data/gpt2}
model_args=()
if [ -f "$dest/config.json" ] && [ -f "$dest/model.safetensors" ]; then
  # data/gpt2 is the programs' default; anywhere else has to be named.
  [ "$dest" != data/gpt2 ] && model_args=(--model "$dest")
elif [ "${NO_DOWNLOAD:-0}" = 1 ]; then
  echo "make demo: NO_DOWNLOAD=1: running the demo on the small model trained here (data/mini)" >&2
  model_args=(--model mini)
else
  echo "make demo: GPT-2 124M is not in $dest yet: downloading it first (548 MB, sha256-verified;" \
       "interrupt and re-run to resume; make demo NO_DOWNLOAD=1 skips it)" >&2
  bash data/setup/fetch_gpt2.sh --demo gpt2
  rc=$?
  case $rc in
    0) [ "$dest" != data/gpt2 ] && model_args=(--model "$dest") ;;
    75) model_args=(--model mini)     # the network failed; fetch_gpt2.sh said so in one line
        rmdir "$dest" 2>/dev/null ;;  # (a folder it made and left empty: nothing to resume)
    *) exit "$rc" ;;                  # anything else is for the user to fix: its error is above
  esac
fi
# The command, as make would echo it.
shown=("$program" ${model_args[@]+"${model_args[@]}"} "$@")
printf '%q ' "${shown[@]}" | sed 's/ $//'; echo
exec "$program" ${model_args[@]+"${model_args[@]}"} "$@"
