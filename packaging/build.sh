#!/usr/bin/env bash
# Installs what TopoLab needs (Debian packages) and builds it into build/ with
# Ninja (and ccache when present), with Debian's hardening flags and the /usr
# prefix the packages use (packaging/deb-flags.sh). Extra arguments go to
# CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/install-deps.sh
if [ ! -f build/build.ninja ]; then
  source packaging/deb-flags.sh
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${deb_cmake_flags[@]}" "$@"
elif [ $# -gt 0 ]; then
  cmake -S . -B build "$@"
fi
cmake --build build --parallel "$(nproc)"
