#!/usr/bin/env bash
# Installs the packages the tutorial needs, and only those that are missing.
# Usage: install_packages.sh [extra-Debian-package ...]
#
# Debian 12 (x86_64) is the tested system: there, and on other systems whose package manager is
# apt, it runs apt-get as root, or through sudo when not root, waiting for the dpkg lock.
# Elsewhere it installs nothing itself. On macOS (Homebrew), Fedora (dnf) and Arch (pacman) it
# asks the system's own package manager what is missing and, if anything is, prints the one
# command that installs it and stops (exit 1): those systems are best effort, and a command run
# by the user beats an installer guessing. SKIP_PACKAGE_CHECK=1 skips the check (any other
# system, with everything installed by hand). Written for bash 3.2 too: macOS's /bin/bash.
set -euo pipefail

[ "${SKIP_PACKAGE_CHECK:-0}" = 1 ] && exit 0

packages=(g++ make pkg-config libarmadillo-dev liblapack-dev libopenblas-dev doctest-dev
          nlohmann-json3-dev libcli11-dev libpcre2-dev gnuplot-nox curl ca-certificates pandoc python3 "$@")

# --- systems without apt: name the system, print the one install command, install nothing -----
# The same needs under each system's names. "package:command" means the package counts as
# present when that command exists (however it was installed); a bare name is asked of the
# package manager. macOS also needs GNU bash (the scripts use bash 4), coreutils (sha256sum) and
# flock, which Linux has anyway. On Arch, Armadillo is not in the official repositories but in
# the AUR, which only an AUR helper (yay, paru) installs from.
brew_needs=(armadillo openblas pcre2 cli11 nlohmann-json doctest gnuplot:gnuplot pkgconf:pkg-config
            pandoc:pandoc bash coreutils:sha256sum flock:flock python3:python3 curl:curl)
dnf_needs=(gcc-c++:g++ make:make pkgconf-pkg-config:pkg-config armadillo-devel pcre2-devel cli11-devel
           json-devel doctest-devel gnuplot:gnuplot curl:curl pandoc:pandoc python3:python3)
pacman_needs=(gcc:g++ make:make pkgconf:pkg-config openblas pcre2 cli11 nlohmann-json doctest
              gnuplot:gnuplot curl:curl pandoc-cli:pandoc python:python3 armadillo)

os_release=${SETUP_OS_RELEASE:-/etc/os-release}  # (tests/cli/reliability_setup_systems.sh points it elsewhere)
os_name() {  # "Fedora Linux 40 (x86_64)", "macOS 14.5 (arm64)"
  if [ "$(uname -s)" = Darwin ]; then
    echo "macOS $(sw_vers -productVersion 2>/dev/null || echo '?') ($(uname -m))"
  elif [ -r "$os_release" ]; then
    echo "$(. "$os_release" && echo "${PRETTY_NAME:-${NAME:-$(uname -s)}}") ($(uname -m))"
  else
    echo "$(uname -s) ($(uname -m))"
  fi
}

# missing_of MANAGER NEED...: prints the package names of the needs that are not there.
missing_of() {
  local manager=$1 need package command installed=""
  shift
  [ "$manager" = brew ] && installed=$(brew list --formula -1 2>/dev/null || true)
  for need in "$@"; do
    package=${need%%:*}
    command=""
    [ "$need" != "$package" ] && command=${need#*:}
    if [ -n "$command" ] && command -v "$command" >/dev/null 2>&1; then continue; fi
    case $manager in
      brew) grep -qx "$package" <<<"$installed" && continue ;;
      dnf) rpm -q --quiet "$package" 2>/dev/null && continue ;;
      pacman) pacman -Q "$package" >/dev/null 2>&1 && continue ;;
    esac
    echo "$package"
  done
}

if ! { command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; }; then
  system=$(os_name)
  tested="setup runs only apt itself, and only Debian 12 on x86_64 is tested: this system is best effort"
  if [ "$(uname -s)" = Darwin ] || { ! command -v dnf >/dev/null 2>&1 && ! command -v pacman >/dev/null 2>&1 &&
                                      command -v brew >/dev/null 2>&1; }; then
    if ! command -v brew >/dev/null 2>&1; then
      echo "setup: error: this is $system without Homebrew ($tested); install Homebrew, then run:" \
           "brew install ${brew_needs[*]%%:*}, then re-run your make command" >&2
      exit 1
    fi
    manager=brew
    needs=("${brew_needs[@]}")
  elif command -v dnf >/dev/null 2>&1; then
    manager=dnf
    needs=("${dnf_needs[@]}")
  elif command -v pacman >/dev/null 2>&1; then
    manager=pacman
    needs=("${pacman_needs[@]}")
  else
    echo "setup: error: this is $system, whose package manager setup does not know (it knows apt," \
         "Homebrew, dnf and pacman); install the equivalents of these Debian packages: ${packages[*]};" \
         "then re-run your make command with SKIP_PACKAGE_CHECK=1" >&2
    exit 1
  fi
  missing=$(missing_of "$manager" "${needs[@]}" | tr '\n' ' ' | sed 's/ *$//')
  if [ -z "$missing" ]; then
    # Extra packages come with Debian names (make fuzz, make docs-check); only the user can map them.
    [ $# -gt 0 ] && echo "setup: note: this is $system, not Debian: install the equivalents of $*, if missing" >&2
    exit 0
  fi
  case $manager in
    brew) command="brew install $missing" ;;
    dnf) command="sudo dnf install $missing" ;;
    pacman)
      if [[ " $missing " == *" armadillo "* ]]; then
        helper=$(command -v paru >/dev/null 2>&1 && echo paru || echo yay)
        command="$helper -S --needed $missing (armadillo comes from the AUR: without $helper, install the rest with sudo pacman -S --needed, and armadillo with makepkg)"
      else
        command="sudo pacman -S --needed $missing"
      fi ;;
  esac
  echo "setup: error: this is $system, not Debian ($tested); install what is missing with: $command; then re-run your make command" >&2
  exit 1
fi

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
multiarch=$(g++ -print-multiarch 2>/dev/null || true)
multiarch=${multiarch:-x86_64-linux-gnu}
blas=$(readlink -f "/usr/lib/$multiarch/libblas.so.3" 2>/dev/null || true)
case "$blas" in
  *openblas*|"") ;;
  *) echo "setup: warning: libblas.so.3 is $blas, not OpenBLAS; timings will be slow." \
          "See: update-alternatives --config libblas.so.3-$multiarch" >&2 ;;
esac
echo "setup: packages installed"
