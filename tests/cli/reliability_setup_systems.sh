#!/usr/bin/env bash
# Checks data/setup/install_packages.sh (make setup) on systems other than Debian, faked: a PATH
# holding only a few real tools and stand-ins for uname, sw_vers and the package managers
# (brew, dnf/rpm, pacman), with no apt-get. On each, setup must name the system and print the one
# command that installs what is missing with that system's package names — one line, exit 1,
# installing nothing — or stay silent with exit 0 when nothing is missing. Also: on this
# machine (Debian, everything installed) it says nothing and succeeds.
# One line per case: "ok <case>" or "FAIL <case>: why". Needs nothing but bash; < 1 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
script=data/setup/install_packages.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/setup-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail_count=0
ok() { echo "ok $1"; }
fail() { echo "FAIL $1: $2"; fail_count=$((fail_count + 1)); }

# fake_system DIR OS ARCH: a bin folder with real grep/sed/tr and a uname that answers OS/ARCH.
fake_system() {
  local dir=$1 tool
  mkdir -p "$dir"
  for tool in grep sed tr cat; do ln -sf "$(command -v "$tool")" "$dir/$tool"; done
  printf '#!/bin/sh\ncase "$1" in -m) echo %s ;; *) echo %s ;; esac\n' "$3" "$2" >"$dir/uname"
  printf '#!/bin/sh\necho 14.5\n' >"$dir/sw_vers"
  chmod +x "$dir/uname" "$dir/sw_vers"
}
stub() {  # DIR NAME SCRIPT-BODY
  printf '#!/bin/sh\n%s\n' "$3" >"$1/$2"
  chmod +x "$1/$2"
}
# run_setup DIR [VAR=value ...]: the script with PATH=DIR only; sets rc, out, err.
run_setup() {
  local dir=$1
  shift
  env -i PATH="$dir" HOME="$work" "$@" "$BASH" "$script" >"$work/out" 2>"$work/err"
  rc=$?
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}
one_line_saying() {  # TEXT...: exit 1, nothing on stdout, one stderr line containing every TEXT
  local text
  [ "$rc" -eq 1 ] && [ -z "$out" ] && [ "$(grep -c . <<<"$err")" -eq 1 ] || return 1
  for text in "$@"; do grep -qF -- "$text" <<<"$err" || return 1; done
  ! grep -q 'apt-get' <<<"$err"  # (apt-get is not even on the PATH: nothing may have tried it)
}

# 1. macOS with Homebrew and nothing installed: the brew command with Homebrew's names.
fake_system "$work/mac" Darwin arm64
stub "$work/mac" brew 'exit 0'
run_setup "$work/mac"
if one_line_saying "macOS 14.5 (arm64)" "brew install armadillo openblas pcre2 cli11 nlohmann-json doctest gnuplot pkgconf" \
     "Debian 12"; then ok "setup on macOS prints the one brew command"
else fail "setup on macOS prints the one brew command" "rc=$rc out=$out err=$err"; fi

# 2. ... and once everything is there, it says nothing and lets make go on.
stub "$work/mac" brew 'printf "%s\n" armadillo openblas pcre2 cli11 nlohmann-json doctest bash'
for tool in gnuplot pkg-config pandoc sha256sum flock python3 curl; do stub "$work/mac" "$tool" 'exit 0'; done
run_setup "$work/mac"
if [ "$rc" -eq 0 ] && [ -z "$out$err" ]; then ok "setup on macOS with everything installed is silent"
else fail "setup on macOS with everything installed is silent" "rc=$rc out=$out err=$err"; fi

# 3. macOS without Homebrew: says so, and still gives the brew command.
fake_system "$work/mac-bare" Darwin x86_64
run_setup "$work/mac-bare"
if one_line_saying "macOS 14.5 (x86_64) without Homebrew" "brew install armadillo"; then ok "setup on macOS without Homebrew says so"
else fail "setup on macOS without Homebrew says so" "rc=$rc out=$out err=$err"; fi

# 4. Fedora: dnf, with Fedora's names; only what rpm does not know is listed.
fake_system "$work/fedora" Linux x86_64
stub "$work/fedora" dnf 'exit 0'
stub "$work/fedora" rpm 'case "$3" in pcre2-devel) exit 0 ;; *) exit 1 ;; esac'
printf 'NAME="Fedora Linux"\nPRETTY_NAME="Fedora Linux 40 (Workstation Edition)"\n' >"$work/fedora-release"
run_setup "$work/fedora" SETUP_OS_RELEASE="$work/fedora-release"
if one_line_saying "Fedora Linux 40 (Workstation Edition) (x86_64)" "sudo dnf install gcc-c++ make pkgconf-pkg-config armadillo-devel cli11-devel json-devel doctest-devel" \
   && ! grep -q 'pcre2-devel' <<<"$err"; then ok "setup on Fedora prints the one dnf command, listing only what is missing"
else fail "setup on Fedora prints the one dnf command, listing only what is missing" "rc=$rc out=$out err=$err"; fi

# 5. Arch: pacman's names, and Armadillo from the AUR.
fake_system "$work/arch" Linux x86_64
stub "$work/arch" pacman 'exit 1'
printf 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\n' >"$work/arch-release"
run_setup "$work/arch" SETUP_OS_RELEASE="$work/arch-release"
if one_line_saying "Arch Linux (x86_64)" "-S --needed gcc make pkgconf openblas pcre2 cli11 nlohmann-json doctest" \
     "armadillo comes from the AUR"; then ok "setup on Arch prints the one pacman/AUR command"
else fail "setup on Arch prints the one pacman/AUR command" "rc=$rc out=$out err=$err"; fi

# 6. A system with no package manager setup knows: the Debian names, and the way past the check.
fake_system "$work/other" Linux riscv64
printf 'PRETTY_NAME="Some Linux 1"\n' >"$work/other-release"
run_setup "$work/other" SETUP_OS_RELEASE="$work/other-release"
if one_line_saying "Some Linux 1 (riscv64)" "libarmadillo-dev" "SKIP_PACKAGE_CHECK=1"; then ok "setup on an unknown system names the packages and SKIP_PACKAGE_CHECK"
else fail "setup on an unknown system names the packages and SKIP_PACKAGE_CHECK" "rc=$rc out=$out err=$err"; fi
run_setup "$work/other" SETUP_OS_RELEASE="$work/other-release" SKIP_PACKAGE_CHECK=1
if [ "$rc" -eq 0 ] && [ -z "$out$err" ]; then ok "SKIP_PACKAGE_CHECK=1 skips the check"
else fail "SKIP_PACKAGE_CHECK=1 skips the check" "rc=$rc out=$out err=$err"; fi

# 7. This machine: Debian with apt. Everything the tests need is installed (they are running), so
#    setup checks with dpkg, installs nothing and says nothing.
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  "$BASH" "$script" >"$work/out" 2>"$work/err"; rc=$?
  if [ "$rc" -eq 0 ] && [ ! -s "$work/out" ] && [ ! -s "$work/err" ]; then ok "setup on this Debian machine finds everything installed"
  else fail "setup on this Debian machine finds everything installed" "rc=$rc out=$(cat "$work/out") err=$(cat "$work/err")"; fi
fi

[ "$fail_count" -eq 0 ]
