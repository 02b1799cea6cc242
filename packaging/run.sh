#!/usr/bin/env bash
# The main job: set up, build, and run the sample realtime-analytics topology
# with a live table in the terminal (Ctrl-C stops it and prints the summary).
# Arguments go to `topolab run`, e.g. --duration 30 or --json.
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/build.sh >&2
exec build/app/cli/topolab run resources/examples/realtime-analytics.yaml "$@"
