#!/usr/bin/env bash
# Builds the Debian packages (packaging/package.sh) and checks them with the
# ecosystem's own validators: lintian (no errors) on each .deb,
# desktop-file-validate and appstreamcli on the studio's desktop files,
# systemd-analyze verify and security on the agent's unit. Then it unpacks
# the packages into a scratch root (dpkg -x) and runs the agent from there:
# --version, then the unit's own command line with the packaged
# /etc/default file on a free loopback port and a temporary state dir; the
# packaged `topolab` says hello to it; SIGTERM stops it with exit 0. Last,
# the example plugin builds against the packaged SDK (packaging/check-sdk.sh).
# Usage: packaging/check-packages.sh [BUILD_DIR]   (default build-pkg)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-pkg}
# The worst exposure systemd-analyze security may rate the unit (0 best, 10 worst).
max_exposure=1.5

failures=0
step() { printf '\n== %s\n' "$*"; }
pass() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAILED: %s\n' "$*"; failures=$((failures + 1)); }
# expect WHAT COMMAND…: passes when COMMAND succeeds.
expect() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}

step "building the packages"
mapfile -t debs < <(./packaging/package.sh "$dir")
version=$(sed -n 's/^project(TopoLab VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
packages=(topolab-engine topolab-agent topolab-cli topolab-studio)
declare -A deb
for p in "${packages[@]}"; do
  deb[$p]=$(printf '%s\n' "${debs[@]}" | grep "/${p}_${version}_" || true)
  if [ -z "${deb[$p]}" ]; then
    echo "check-packages: no $p package among: ${debs[*]}" >&2
    exit 1
  fi
  echo "${deb[$p]}"
done

scratch=$(mktemp -d -t topolab-packages-XXXXXX)
agent_pid=
cleanup() {
  if [ -n "$agent_pid" ]; then kill -KILL "$agent_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
root="$scratch/root"
for p in "${packages[@]}"; do dpkg -x "${deb[$p]}" "$root"; done

step "lintian"
for p in "${packages[@]}"; do
  # --allow-root: lintian only reads the package.
  expect "lintian $p: no errors" lintian --allow-root --fail-on error "${deb[$p]}"
done

step "desktop entry, AppStream metainfo, icons"
expect "desktop-file-validate" desktop-file-validate "$root/usr/share/applications/org.topolab.Studio.desktop"
expect "appstreamcli validate --no-net" \
  appstreamcli validate --no-net "$root/usr/share/metainfo/org.topolab.Studio.metainfo.xml"
for icon in scalable/apps/org.topolab.Studio.svg {16x16,32x32,48x48,64x64,128x128,256x256}/apps/org.topolab.Studio.png; do
  expect "icon $icon" test -s "$root/usr/share/icons/hicolor/$icon"
done

step "systemd unit"
unit="$root/lib/systemd/system/topolab-agent.service"
# --root makes verify look for ExecStart= inside the unpacked tree, which then
# needs the standard targets the unit is ordered against; MANPATH lets it find
# the packaged man page named in Documentation=. Warnings count as failures.
cp -n /lib/systemd/system/*.target "$root/lib/systemd/system/"
verify_clean() {
  local out
  out=$(MANPATH="$root/usr/share/man" systemd-analyze verify --man=yes --root="$root" "$unit" 2>&1) || {
    printf '%s\n' "$out"
    return 1
  }
  [ -z "$out" ] || { printf '%s\n' "$out"; return 1; }
}
expect "systemd-analyze verify" verify_clean
security=$(systemd-analyze security --offline=true --root="$root" --no-pager topolab-agent.service 2>&1 || true)
exposure=$(printf '%s\n' "$security" | sed -n 's/.*Overall exposure level for topolab-agent.service: \([0-9.]*\).*/\1/p')
printf '%s\n' "$security" | grep '✗' || true
exposure_ok() { [ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }'; }
expect "systemd-analyze security: exposure ${exposure:-unknown} (at most $max_exposure)" exposure_ok

step "the agent from the scratch root"
agent="$root/usr/bin/topolab-agent"
out=$("$agent" --version 2>&1) || true
expect "--version says 'topolab-agent $version' ('$out')" test "$out" = "topolab-agent $version"
runpath=$(readelf -d "$agent" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
expect "RUNPATH $runpath holds the engine" test -f "${runpath/\$ORIGIN/$root/usr/bin}/libtopolab-engine.so"

# The unit's command line with the packaged options, rooted in the scratch tree.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
# shellcheck disable=SC1091  # the packaged options file
opts=$(. "$root/etc/default/topolab-agent" && printf '%s' "$TOPOLAB_AGENT_OPTS")
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
state="$scratch/state"
cmd=${exec_start//\/usr\/bin\//$root/usr/bin/}
cmd=${cmd//\/var\/lib\/topolab-agent/$state}
cmd=${cmd//\$TOPOLAB_AGENT_OPTS/${opts//:7701/:$port}}
echo "running: $cmd"
# shellcheck disable=SC2086  # split into words as systemd splits ExecStart=
env -u NOTIFY_SOCKET $cmd > "$scratch/agent.log" 2>&1 &
agent_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$scratch/agent.log" && break
  sleep 0.1
done
expect "started with the packaged options, listening on 127.0.0.1:$port" \
  grep -q "listening on 127.0.0.1:$port" "$scratch/agent.log"
expect "operator.token written with mode 600" test "$(stat -c %a "$state/operator.token" 2>&1)" = 600

cat > "$scratch/lab.yaml" <<YAML
agents:
  - {name: node-a, address: 127.0.0.1:$port, token_file: state/operator.token}
YAML
hello=$("$root/usr/bin/topolab" agents --cluster "$scratch/lab.yaml" 2>&1) || true
printf '%s\n' "$hello"
expect "the packaged topolab reaches it (agents --cluster)" grep -q "$version" <<<"$hello"

kill -TERM "$agent_pid"
status=0
wait "$agent_pid" || status=$?
agent_pid=
expect "SIGTERM stops it with exit 0 (exit $status)" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$scratch/agent.log"

step "the plugin SDK from the scratch root"
expect "the example plugin builds against the packaged SDK (CMake and pkg-config)" \
  ./packaging/check-sdk.sh "$root/usr" "$root/usr/bin/topolab"

step "summary"
if [ "$failures" -gt 0 ]; then
  echo "check-packages: $failures check(s) failed"
  exit 1
fi
echo "check-packages: all checks passed"
