#!/usr/bin/env bash
# `make fixtures`: (re)writes the tiny GPT-2 test models in data/fixtures/ and then the
# reference logits in tests/reference/ computed from them by an independent numpy GPT-2.
# Both are committed; re-running rewrites byte-identical files (a `git diff` shows nothing).
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
if ! "$python" -c 'import numpy' 2>/dev/null; then
  echo "make fixtures: error: numpy is missing for $python; install it with: apt-get install python3-numpy" >&2
  exit 1
fi
"$python" tests/tools/make_fixtures.py data/fixtures
if [ -f tests/tools/reference_gpt2.py ]; then
  "$python" tests/tools/reference_gpt2.py "$@"
fi
