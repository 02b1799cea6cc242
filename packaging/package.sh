#!/usr/bin/env bash
# Builds the Debian packages topolab-engine, topolab-agent, topolab-cli and
# topolab-studio with CPack, from a Release build for /usr in its own build
# directory (build-pkg unless given), and prints the path of each .deb.
# Usage: packaging/package.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
./packaging/install-deps.sh >&2

# Debian's hardening flags (fortify, stack protector, relro, bind-now), as a
# debhelper build would use; no -g, since the packaged files are stripped.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CXXFLAGS_MAINT_STRIP=-g
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)
generator=()
[ -f "$dir/build.ninja" ] || generator=(-G Ninja)
cmake -S . -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DTOPOLAB_BUILD_TESTS=OFF -DTOPOLAB_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" >&2
cmake --build "$dir" --parallel "$(nproc)" >&2
rm -rf "$dir/packages"
(cd "$dir" && cpack -G DEB -B packages >&2)
ls "$PWD/$dir"/packages/*.deb
