#!/usr/bin/env bash
# Regenerates tests/reference/tokenizer/expected_ids.json with an independent tokenizer:
# the npm package gpt-tokenizer (encoding r50k_base), installed in a temporary folder
# outside the repository. Needs node and npm. Usage: bash tests/tools/make_tokenizer_reference.sh
# (GPT_TOKENIZER_VERSION=4.0.0 by default: the version the committed file was made with.)
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${GPT_TOKENIZER_VERSION:-4.0.0}
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "make_tokenizer_reference: needs node and npm (apt-get install -y nodejs npm)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund "gpt-tokenizer@$version" >/dev/null)
node tests/tools/make_tokenizer_reference.cjs "$work/node_modules" tests/reference/tokenizer
