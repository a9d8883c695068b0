#!/usr/bin/env bash
# Installs the Debian packages the tutorial needs, and only those that are missing.
# Runs apt-get as root, or through sudo when not root. Usage: install_packages.sh [extra-package ...]
set -euo pipefail

packages=(g++ make pkg-config libarmadillo-dev liblapack-dev libopenblas-dev doctest-dev
          nlohmann-json3-dev libcli11-dev libpcre2-dev gnuplot-nox curl ca-certificates pandoc python3 "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup: error: packages ${missing[*]} are missing and this user is not root and has no sudo;" \
       "ask an administrator to run: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq; then
  echo "setup: error: apt-get update failed (no network to Debian's mirrors?); fix apt, then re-run make setup" >&2
  exit 1
fi
if ! "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  echo "setup: error: apt-get install ${missing[*]} failed; run it by hand to see why, then re-run make setup" >&2
  exit 1
fi

# Armadillo reaches BLAS through libblas.so.3; the reference BLAS there is ~50x slower than OpenBLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas" in
  *openblas*|"") ;;
  *) echo "setup: warning: libblas.so.3 is $blas, not OpenBLAS; timings will be slow." \
          "See: update-alternatives --config libblas.so.3-x86_64-linux-gnu" >&2 ;;
esac
echo "setup: packages installed"
