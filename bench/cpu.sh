#!/usr/bin/env bash
# CPU time per message of one forwarder under the flat-out load, and its peak resident memory, read from /proc (Linux): steadier than msgs/s on
# a shared machine, since other work on the machine slows the forwarder without adding to its own CPU time.
# Usage: bench/cpu.sh [COUNT] [runtime|raw|nodered]   env: WARMUP (default 5000), QOS (1), PORT (21998),
#   NODE_OPTIONS_BENCH (e.g. --cpu-prof, for the runtime), CONFIG (the runtime's config, default bench/bench.config.json)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-20000} who=${2:-runtime} qos=${QOS:-1} port=${PORT:-21998} warmup=${WARMUP:-5000}
deps=${BENCH_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-bench}
[ -d "$deps/node_modules/mqtt" ] || { echo "run bench/run.sh once first: it installs the peers' dependencies"; exit 2; }
[ -f dist/cli/switchboard.js ] || npm run build
cp bench/peers/load.mjs bench/peers/raw-forwarder.mjs "$deps/"
conf=$(mktemp) && sed "s/PORT/$port/" bench/peers/mosquitto.conf.in >"$conf"
mosquitto -c "$conf" >/dev/null 2>&1 & mpid=$!
fpid=
trap '[ -n "$fpid" ] && kill $fpid 2>/dev/null; kill $mpid 2>/dev/null; wait 2>/dev/null; rm -f "$conf"' EXIT
sleep 0.5
export BROKER_URL=mqtt://127.0.0.1:$port QOS=$qos
export SWITCHBOARD_PRIVACY_SECRET=${SWITCHBOARD_PRIVACY_SECRET:-$(node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('hex'))")}
case $who in
  runtime) rm -rf .bench/state; mkdir -p .bench; node ${NODE_OPTIONS_BENCH:-} dist/cli/switchboard.js start --config "${CONFIG:-bench/bench.config.json}" >.bench/cpu-runtime.log 2>&1 & fpid=$! ;;
  raw) node "$deps/raw-forwarder.mjs" >/dev/null 2>&1 & fpid=$! ;;
  *) echo "unknown forwarder $who"; exit 2 ;;
esac
sleep 3
load() { (cd "$deps" && node load.mjs --url "$BROKER_URL" --count "$1" --qos "$qos" --rate 0 --timeout 120 --start "$2"); }
cpu() { awk '{ print $14 + $15 }' "/proc/$fpid/stat"; }
[ "$warmup" -gt 0 ] && load "$warmup" 0 >/dev/null
before=$(cpu); result=$(load "$count" "$warmup"); after=$(cpu)
peak=$(awk '/VmHWM/ { print $2 }' "/proc/$fpid/status")
ticks=$(getconf CLK_TCK)
echo "$who: $result"
node -e "const [t, n, hz] = process.argv.slice(1).map(Number); console.log(JSON.stringify({ forwarder: '$who', cpuSeconds: +(t / hz).toFixed(2), cpuMicrosPerMessage: Math.round((t / hz) * 1e6 / n), peakResidentMB: +($peak / 1024).toFixed(1), load: require('os').loadavg().map((l) => +l.toFixed(2)) }))" $((after - before)) "$count" "$ticks"
kill -INT $fpid 2>/dev/null; wait $fpid 2>/dev/null || true; fpid=
