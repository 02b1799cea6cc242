#!/usr/bin/env bash
# What the data plane costs: the same topology in one process and on a local
# lab of agents (started as packaging/run.sh starts them), each agent counted
# over its whole life with `perf stat` (every thread, also those that exit).
# Prints one table row per scenario and build, so builds can be compared side
# by side in one invocation (their runs alternate).
#
# usage: tests/bench/lab_cpu_bench.sh [--runs N] [--duration S] [--build NAME=DIR]...
#   --build NAME=DIR  DIR holds bin/topolab, bin/topolab-agent and
#                     lib/libtopolab-engine.so (a private copy of a build), and
#                     optionally a file `env` of VAR=value words for the agents
#                     (e.g. GRPC_EXPERIMENTS=...); default: this tree's build/
# Scenarios (at-most-once unless the file says otherwise):
#   ra     resources/examples/realtime-analytics.yaml: in process and on 3 agents
#   fixed  tests/bench/two-agents-fixed.yaml (100 k tuples/s, one hop): in process and on 2 agents
#   max    tests/bench/two-agents.yaml (as fast as possible): in process and on 2 agents
# Needs perf (linux-perf) with access to the syscall tracepoints.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
runs=1
duration=15
builds=()
scenarios="ra fixed max"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --build) builds+=("$2"); shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ ${#builds[@]} -eq 0 ]; then
  mkdir -p /tmp/lab-cpu-bench-build/bin /tmp/lab-cpu-bench-build/lib
  ln -sf "$root/build/app/cli/topolab" /tmp/lab-cpu-bench-build/bin/topolab
  ln -sf "$root/build/agent/topolab-agent" /tmp/lab-cpu-bench-build/bin/topolab-agent
  ln -sf "$root/build/engine/libtopolab-engine.so" /tmp/lab-cpu-bench-build/lib/libtopolab-engine.so
  builds=("build=/tmp/lab-cpu-bench-build")
fi
events=task-clock,context-switches,raw_syscalls:sys_enter,syscalls:sys_enter_futex,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvmsg,syscalls:sys_enter_epoll_wait,sched:sched_wakeup
work=$(mktemp -d "${TMPDIR:-/tmp}/lab-cpu-bench-XXXXXX")
trap 'for f in "$work"/*/pids; do [ -f "$f" ] && kill -KILL $(cat "$f") 2>/dev/null; done; rm -rf "$work"' EXIT

file_of() {
  case "$1" in
    ra) echo resources/examples/realtime-analytics.yaml ;;
    fixed) echo tests/bench/two-agents-fixed.yaml ;;
    max) echo tests/bench/two-agents.yaml ;;
  esac
}
agents_of() { [ "$1" = ra ] && echo 3 || echo 2; }

# in_process DIR OUT SCENARIO
in_process() {
  LD_LIBRARY_PATH=$1/lib perf stat -e "$events" -o "$2/stat.0" \
    "$1/bin/topolab" run "$(file_of "$3")" --duration "$duration" --json >"$2/out.json" 2>"$2/err"
}

# lab DIR OUT SCENARIO: agents as packaging/run.sh starts them, each under perf stat
lab() {
  local bin=$1 out=$2 n
  n=$(agents_of "$3")
  local names=(node-a node-b node-c)
  : >"$out/pids"
  echo "agents:" >"$out/cluster.yaml"
  for ((i = 0; i < n; i++)); do
    local name=${names[$i]} line=""
    local extra=()
    [ -f "$bin/env" ] && read -r -a extra <"$bin/env"
    env ${extra[@]+"${extra[@]}"} LD_LIBRARY_PATH=$bin/lib setsid perf stat -e "$events" -o "$out/stat.$i" \
      "$bin/bin/topolab-agent" --name "$name" --listen 127.0.0.1:0 --state-dir "$out/$name" \
      --drain 2 >"$out/$name.log" 2>&1 &
    local perf_pid=$!
    for _ in $(seq 200); do
      if line=$(grep -o 'listening on [0-9.]*:[0-9]*' "$out/$name.log" 2>/dev/null) &&
         [ -s "$out/$name/operator.token" ]; then break; fi
      sleep 0.1
    done
    echo "$perf_pid $(pgrep -P $perf_pid)" >>"$out/pids"
    echo "  - {name: $name, address: ${line#listening on }, token_file: $name/operator.token}" >>"$out/cluster.yaml"
  done
  # Threads per agent, half way through.
  (sleep $((duration / 2 + 1)); for p in $(awk '{print $2}' "$out/pids"); do ls /proc/$p/task | wc -l; done >"$out/threads") &
  local sampler=$!
  LD_LIBRARY_PATH=$bin/lib /usr/bin/time -f '%U %S' -o "$out/deploy.time" "$bin/bin/topolab" deploy "$(file_of "$3")" \
    --cluster "$out/cluster.yaml" --duration "$duration" --json >"$out/out.json" 2>"$out/err"
  wait $sampler
  for p in $(awk '{print $2}' "$out/pids"); do kill -TERM "$p"; done
  for p in $(awk '{print $1}' "$out/pids"); do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}

for ((r = 1; r <= runs; r++)); do
  for s in $scenarios; do
    for b in "${builds[@]}"; do
      name=${b%%=*}; dir=${b#*=}
      mkdir -p "$work/$name.$s.$r.in" "$work/$name.$s.$r.lab"
      in_process "$dir" "$work/$name.$s.$r.in" "$s"
      lab "$dir" "$work/$name.$s.$r.lab" "$s"
    done
  done
done

python3 - "$work" "$runs" "$duration" "$scenarios" "${builds[@]}" <<'PY'
import glob, json, re, statistics, sys
work, runs, duration, scenarios = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4].split()
builds = [b.split('=', 1)[0] for b in sys.argv[5:]]

def counters(d):
    tot = {}
    for f in glob.glob(f'{d}/stat.*'):
        for line in open(f):
            m = re.match(r'\s*([\d.,]+)\s+(msec task-clock|\S+)', line)
            if m and not line.strip().startswith('#'):
                k = m.group(2).replace('msec ', '').replace('syscalls:sys_enter_', '').replace(
                    'raw_syscalls:sys_enter', 'syscalls').replace('sched:sched_', '')
                tot[k] = tot.get(k, 0) + float(m.group(1).replace(',', ''))
            m = re.match(r'\s*([\d.]+) seconds (user|sys)', line)
            if m: tot[m.group(2)] = tot.get(m.group(2), 0) + float(m.group(1))
    try:
        u, s = open(f'{d}/deploy.time').read().split()[-2:]
        tot['task-clock'] += (float(u) + float(s)) * 1000  # the CLI's own CPU
    except (OSError, ValueError):
        pass
    return tot

def interval_p99s(d, sink):  # the sink's e2e p99 in each interval after the first two
    out = []
    for line in open(f'{d}/out.json'):
        if '"type":"interval"' not in line: continue
        e2e = json.loads(line)['components'].get(sink, {}).get('e2e_us')
        if e2e: out.append(e2e['p99'] / 1000)
    return out[2:]

def summary(d):
    for line in open(f'{d}/out.json'):
        if '"summary"' in line: return json.loads(line)
    return None

def hops(summ):  # tuples received by every component: one hop each
    return sum(c['received'] for c in summ['components'].values())

def med(xs): return statistics.median(xs) if xs else float('nan')

rows = {}
for s in scenarios:
    for b in builds:
        acc = {k: [] for k in ('in_cpu', 'lab_cpu', 'lab_sys', 'in_per', 'lab_per', 'sc', 'sc_in', 'cs', 'sendmsg',
                               'threads', 'in_tput', 'lab_tput', 'p99', 'p99i')}
        for r in range(1, runs + 1):
            i, l = f'{work}/{b}.{s}.{r}.in', f'{work}/{b}.{s}.{r}.lab'
            si, sl = summary(i), summary(l)
            if not si or not sl: continue
            ci, cl = counters(i), counters(l)
            hi, hl = hops(si), hops(sl)
            acc['in_cpu'].append(ci['task-clock'] / 1000); acc['lab_cpu'].append(cl['task-clock'] / 1000)
            acc['lab_sys'].append(cl['sys'] / (cl['user'] + cl['sys']))
            acc['in_per'].append(ci['task-clock'] / 1000 / (hi / 1e5)); acc['lab_per'].append(cl['task-clock'] / 1000 / (hl / 1e5))
            acc['sc'].append(cl['syscalls'] / (hl / 1000)); acc['sc_in'].append(ci['syscalls'] / (hi / 1000))
            acc['cs'].append(cl['context-switches'] / (hl / 1000)); acc['sendmsg'].append(cl['sendmsg'] / (hl / 1000))
            acc['threads'] += [int(x) for x in open(f'{l}/threads').read().split()]
            sink = 'sink' if 'sink' in sl['components'] else 'store'
            acc['in_tput'].append(si['components'][sink]['received'] / duration)
            acc['lab_tput'].append(sl['components'][sink]['received'] / duration)
            e2e = sl['components'][sink].get('e2e_us')
            if e2e: acc['p99'].append(e2e['p99'] / 1000)
            acc['p99i'].append(med(interval_p99s(l, sink)))
        rows[(s, b)] = {k: med(v) for k, v in acc.items()} | {'n': len(acc['lab_cpu']),
                                                             'tmin': min(acc['threads'] or [0]), 'tmax': max(acc['threads'] or [0])}

print(f'| scenario | build | runs | lab CPU (sys share) | in-process CPU | lab / in-process | CPU per 100 k tuple-hops, lab (in process) '
      f'| syscalls per 1,000 tuple-hops, lab (in process) | sendmsg per 1,000 | context switches per 1,000 | threads per agent | sink tuples/s, lab (in process) | sink e2e p99, lab: whole run (median interval) |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for (s, b), m in rows.items():
    if m['n'] == 0:
        print(f'| {s} | {b} | 0 | failed | | | | | | | | | |'); continue
    print(f"| {s} | {b} | {m['n']} | {m['lab_cpu']:.2f} s ({m['lab_sys'] * 100:.0f} %) | {m['in_cpu']:.2f} s | {m['lab_cpu'] / m['in_cpu']:.2f}× "
          f"| {m['lab_per']:.3f} s ({m['in_per']:.3f} s) | {m['sc']:.0f} ({m['sc_in']:.0f}) | {m['sendmsg']:.1f} | {m['cs']:.0f} "
          f"| {m['tmin']}–{m['tmax']} | {m['lab_tput'] / 1e3:,.0f} k ({m['in_tput'] / 1e3:,.0f} k) | {m['p99']:.1f} ms ({m['p99i']:.2f} ms) |")
PY
