#!/usr/bin/env bash
# Sets up, builds, and runs every test (unit, integration, examples, CLI),
# then builds the Debian packages and checks them (packaging/check-packages.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/build.sh
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 300 --label-exclude packaging
# The Debian packages of this same build (nothing compiles again), then the validators.
ctest --output-on-failure --label-regex packaging
