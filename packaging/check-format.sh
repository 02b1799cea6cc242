#!/usr/bin/env bash
# Checks that every C++ source in the repository reads as .clang-format
# says (clang-format 14, Debian 12's); names each file that does not and
# says how to fix it. Run by CTest as `format.clang_format`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || {
  echo "check-format: clang-format is missing (packaging/install-deps.sh installs it)" >&2
  exit 1
}
mapfile -t files < <(git ls-files '*.cpp' '*.h')
log=$(clang-format --dry-run -Werror "${files[@]}" 2>&1) || true
mapfile -t off < <(printf '%s\n' "$log" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
if [ ${#off[@]} -gt 0 ]; then
  echo "check-format: ${#off[@]} of ${#files[@]} files are not formatted; run:" >&2
  printf '  clang-format -i %s\n' "${off[@]}" >&2
  exit 1
fi
echo "check-format: all ${#files[@]} files formatted"
