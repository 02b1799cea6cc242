#!/usr/bin/env bash
# realtime-analytics (at-least-once, 100,000 events/s offered) on the local
# lab of three agents (packaging/run.sh --json) with no fault: how far each
# full interval's rates stray from the offered rate after the first 2 s.
# A rate is the interval's count over its interval_ms, as a script reads it.
# Usage: tests/bench/steady_bench.sh [DURATION_S] [RATE_PER_GENERATOR]   (default 60 50000)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-60}
rate=${2:-50000}
out=$(mktemp -d "${TMPDIR:-/tmp}/topolab-steady-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
file=$out/realtime-analytics.yaml
sed "s/rate: 50000/rate: $rate/" resources/examples/realtime-analytics.yaml >"$file"
env -u DISPLAY -u WAYLAND_DISPLAY ./packaging/run.sh "$file" --json --duration "$duration" \
  >"$out/run.jsonl" 2>"$out/run.err" || { cat "$out/run.err" >&2; exit 1; }

python3 - "$out/run.jsonl" "$rate" <<'PY'
import json, sys
offered = 2 * int(sys.argv[2])  # two generator instances
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
full = [l for l in lines if l.get("type") == "interval" and l.get("interval_ms", 0) >= 900
        and l["t_ms"] > 2000]
short = [l for l in lines if l.get("type") == "interval" and l.get("interval_ms", 1000) < 900]
def rate(l, component, field):
    return l["components"][component][field] * 1000 / l["interval_ms"]
print(f"offered {offered:,}/s; {len(full)} full intervals after the first 2 s")
for label, component, field in (("events emitted", "events", "emitted"),
                                ("trees acked", "events", "acked"),
                                ("enrich received", "enrich", "received")):
    v = [rate(l, component, field) for l in full]
    worst = max(abs(x - offered) for x in v) / offered
    inside = sum(abs(x - offered) <= 0.05 * offered for x in v)
    print(f"{label}: min {min(v):,.0f}/s, max {max(v):,.0f}/s, worst {worst:.1%} off; "
          f"{inside} of {len(v)} within ±5 %")
for l in short:
    top = max(c["emitted"] for c in l["components"].values())
    print(f"short interval at {l['t_ms']} ms ({l['interval_ms']} ms): counts only, largest {top:,}")
errors = [l for l in lines if l.get("type") == "error"]
print(f"error lines: {len(errors)}")
PY
