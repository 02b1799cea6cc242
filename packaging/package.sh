#!/usr/bin/env bash
# Builds the Debian packages topolab-engine, topolab-agent, topolab-cli and
# topolab-studio with CPack, for /usr with Debian's hardening flags
# (packaging/deb-flags.sh), and prints the path of each .deb. BUILD_DIR
# defaults to build-pkg, a Release build of its own without tests; given the
# tested build (build/, which packaging/build.sh configures with the same
# flags), it packages what was tested, recompiling nothing.
# Usage: packaging/package.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
./packaging/install-deps.sh >&2
source packaging/deb-flags.sh

if [ -f "$dir/build.ninja" ] && grep -q '^TOPOLAB_BUILD_TESTS:BOOL=ON' "$dir/CMakeCache.txt"; then
  # A build with tests: keep its build type and tests; only make sure of the
  # flags and prefix (unchanged when packaging/build.sh configured it).
  cmake -S . -B "$dir" "${deb_cmake_flags[@]}" >&2
else
  generator=()
  [ -f "$dir/build.ninja" ] || generator=(-G Ninja)
  cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DTOPOLAB_BUILD_TESTS=OFF -DTOPOLAB_BUILD_BENCH=OFF "${deb_cmake_flags[@]}" >&2
fi
cmake --build "$dir" --parallel "$(nproc)" >&2
rm -rf "$dir/packages"
(cd "$dir" && cpack -G DEB -B packages >&2)
ls "$(cd "$dir" && pwd)"/packages/*.deb
