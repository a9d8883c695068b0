#!/usr/bin/env bash
# make docs-check: opens every page of docs/site/ (or of the folder given, e.g. docs/site-student
# for make docs-check STUDENT=1) in headless Chromium and fails on a broken link, a missing image
# or an unresolved listing; saves a screenshot of each page under SITE/screenshots/. Installs what it needs when missing: Debian's chromium and an emoji font (through
# data/setup/install_packages.sh) and playwright-core from npm (into docs/check/node_modules,
# with the browser download switched off: it drives /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."

# (the emoji font only makes screenshots show the emoji lessons use instead of empty boxes)
bash data/setup/install_packages.sh chromium fonts-noto-color-emoji
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  bash data/setup/install_packages.sh nodejs npm
fi
if [ ! -f docs/check/node_modules/playwright-core/package.json ]; then
  echo "docs-check: installing playwright-core (npm) into docs/check/node_modules"
  (cd docs/check && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) ||
    { echo "docs-check: error: npm could not install playwright-core; run 'cd docs/check && npm ci' to see why" >&2; exit 1; }
fi
site=${1:-docs/site}
[ -d "$site" ] || { echo "docs-check: error: $site does not exist; build it first (make docs)" >&2; exit 1; }
rm -rf "$site/screenshots"
exec node docs/check/check.mjs "$site" "$site/screenshots"
