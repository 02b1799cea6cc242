#!/usr/bin/env bash
# Sets up, builds, and runs every test (unit, integration, examples, CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
