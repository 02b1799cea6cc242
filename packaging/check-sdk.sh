#!/usr/bin/env bash
# Builds the example plugin (examples/plugins/json-extract) as a user would,
# against the plugin SDK installed under PREFIX: once with CMake
# (find_package(TopoLab)) and once with pkg-config (topolab-engine), and
# checks that TOPOLAB lists its type with --plugin-dir each time.
# Usage: packaging/check-sdk.sh PREFIX TOPOLAB
#        packaging/check-sdk.sh --install BUILD_DIR TOPOLAB   (installs the
#        engine component of BUILD_DIR into a scratch prefix first)
set -euo pipefail
umask 022  # a group-writable plugin folder would be refused
src=$(cd "$(dirname "$0")/.." && pwd)/examples/plugins/json-extract
work=$(mktemp -d -t topolab-sdk-XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ "$1" = --install ]; then
  prefix="$work/prefix"
  cmake --install "$2" --component engine --prefix "$prefix" >/dev/null
  topolab=$3
else
  prefix=$1
  topolab=$2
fi

lists_it() {  # lists_it DIR: the plugin's type is in the catalogue
  local listing
  listing=$("$topolab" catalogue --plugin-dir "$1")
  grep -q "^json-extract (bolt) \[plugin $1/" <<<"$listing" || {
    echo "check-sdk: json-extract is not in the catalogue with --plugin-dir $1" >&2
    return 1
  }
}

cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake" >/dev/null
lists_it "$work/cmake/plugins"
echo "ok: built with find_package(TopoLab) against $prefix"

pc=$(find "$prefix" -name topolab-engine.pc -print -quit)
[ -n "$pc" ] || { echo "check-sdk: no topolab-engine.pc under $prefix" >&2; exit 1; }
mkdir -p "$work/pc"
# shellcheck disable=SC2046  # pkg-config's output is a list of flags
g++ -O2 -shared -fPIC -o "$work/pc/libtopolab-json-extract.so" "$src/json_extract.cpp" \
  $(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs topolab-engine)
lists_it "$work/pc"
echo "ok: built with pkg-config topolab-engine against $prefix"
