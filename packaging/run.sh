#!/usr/bin/env bash
# The main job: set up, build, and run the sample realtime-analytics topology
# on a local lab of three agents (the first hosting an embedded Kafka cluster).
#
# With a display it opens topolab-studio with the lab started and the topology
# deployed: the canvas shows live numbers and the dashboard's charts move.
# Without one (no $DISPLAY and no $WAYLAND_DISPLAY), or with --headless or
# --json, it runs the same deployment in the terminal: it starts the agents,
# writes a cluster file for them and runs `topolab deploy` with the live table
# (Ctrl-C stops it and prints the summary); the agents stop when it ends.
#
# A topology file among the arguments is deployed instead of the sample
# (`packaging/run.sh resources/examples/wordcount-multilang/wordcount-multilang.yaml`).
# The lab's agents may run python3 and node programs (--allow-exec), for
# topologies with shell components. Other arguments go to `topolab deploy`
# (headless, e.g. --duration 30 or --json) or to topolab-studio (e.g.
# --duration 30 closes it after 30 s).
set -euo pipefail
cd "$(dirname "$0")/.."

headless=0
[ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && headless=1
example=resources/examples/realtime-analytics.yaml
args=()
for a in "$@"; do
  case "$a" in
    --headless) headless=1 ;;
    --json) headless=1; args+=("$a") ;;
    *.yaml | *.yml) [ -f "$a" ] && example=$a || args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done

./packaging/build.sh >&2
agents=3

if [ "$headless" -eq 0 ]; then
  exec build/app/studio/topolab-studio "$example" --local-lab "$agents" --deploy ${args[@]+"${args[@]}"}
fi

lab=$(mktemp -d "${TMPDIR:-/tmp}/topolab-lab-XXXXXX")
pids=()
stop_agents() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in ${pids[@]+"${pids[@]}"}; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for pid in ${pids[@]+"${pids[@]}"}; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$lab"
}
trap stop_agents EXIT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Starts agent $1 (extra flags after it) on a port the system picks and waits
# until it listens; sets $address. Not in a subshell, so the trap knows its pid;
# in a session of its own, so Ctrl-C reaches only `topolab deploy`, which
# stops the deployment and prints the summary before the agents are stopped.
start_agent() {
  local name=$1; shift
  setsid build/agent/topolab-agent --name "$name" --listen 127.0.0.1:0 --state-dir "$lab/$name" \
    --drain 2 --allow-exec python3 --allow-exec node "$@" >"$lab/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  address=""
  for _ in $(seq 200); do
    if line=$(grep -o 'listening on [0-9.]*:[0-9]*' "$lab/$name.log" 2>/dev/null) &&
       [ -s "$lab/$name/operator.token" ]; then
      address=${line#listening on }
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

names=(node-a node-b node-c)
addresses=()
kafka=""
if start_agent node-a --embedded-kafka; then
  for _ in $(seq 30); do
    kafka=$(sed -n 's/^kafka bootstrap: //p' "$lab/node-a.log")
    [ -n "$kafka" ] && break
    sleep 0.1
  done
else
  echo "run: node-a could not host an embedded Kafka cluster ($(tail -n 1 "$lab/node-a.log")); running without Kafka" >&2
  start_agent node-a || { cat "$lab/node-a.log" >&2; exit 1; }
fi
addresses+=("$address")
for name in "${names[@]:1:$((agents - 1))}"; do
  start_agent "$name" || { echo "run: $name did not start:" >&2; cat "$lab/$name.log" >&2; exit 1; }
  addresses+=("$address")
done

{
  echo "agents:"
  for i in "${!addresses[@]}"; do
    echo "  - {name: ${names[$i]}, address: ${addresses[$i]}, token_file: ${names[$i]}/operator.token}"
  done
  [ -n "$kafka" ] && echo "kafka: {bootstrap: embedded}"
} >"$lab/cluster.yaml"
echo "run: local lab: ${names[*]} at ${addresses[*]}${kafka:+; embedded Kafka at $kafka} (cluster file $lab/cluster.yaml)" >&2

status=0
build/app/cli/topolab deploy "$example" --cluster "$lab/cluster.yaml" ${args[@]+"${args[@]}"} || status=$?
exit "$status"
