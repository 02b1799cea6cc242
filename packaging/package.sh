#!/usr/bin/env bash
# Builds the Debian packages topolab-engine, topolab-agent, topolab-cli and
# topolab-studio with CPack, from a Release build for /usr in its own build
# directory (build-pkg unless given), and prints the path of each .deb.
# Usage: packaging/package.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
./packaging/install-deps.sh >&2
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
    -DTOPOLAB_BUILD_TESTS=OFF -DTOPOLAB_BUILD_BENCH=OFF >&2
fi
cmake --build "$dir" --parallel "$(nproc)" >&2
rm -rf "$dir/packages"
(cd "$dir" && cpack -G DEB -B packages >&2)
ls "$PWD/$dir"/packages/*.deb
