#!/usr/bin/env bash
# CPU time per message of one forwarder (and of the broker and the load generator) under the flat-out load, and its peak resident memory, read from /proc (Linux): steadier than msgs/s on
# a shared machine, since other work on the machine slows the forwarder without adding to its own CPU time.
# Usage: bench/cpu.sh [COUNT] [runtime|raw]   env: WARMUP (default 5000), QOS (1), PORT (21998),
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
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
[ "$warmup" -gt 0 ] && load "$warmup" 0 >/dev/null
ticks=$(getconf CLK_TCK) res=$(mktemp)
before=$(cpu $fpid) broker_before=$(cpu $mpid)
# The load generator's own CPU time (user + system), from the subshell's children: with the broker's, what is left of the machine.
times_out=$( load "$count" "$warmup" >"$res"; times )
load_cpu=$(echo "$times_out" | tail -1 | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] } print n }')
after=$(cpu $fpid) broker_after=$(cpu $mpid)
peak=$(awk '/VmHWM/ { print $2 }' "/proc/$fpid/status")
echo "$who: $(cat "$res")"; rm -f "$res"
node -e "const [t, b, l, n, hz] = process.argv.slice(1).map(Number); const us = (s) => Math.round((s * 1e6) / n); console.log(JSON.stringify({ forwarder: '$who', cpuSeconds: +(t / hz).toFixed(2), cpuMicrosPerMessage: us(t / hz), brokerCpuMicrosPerMessage: us(b / hz), loadCpuMicrosPerMessage: us(l), peakResidentMB: +($peak / 1024).toFixed(1), load: require('os').loadavg().map((x) => +x.toFixed(2)) }))" $((after - before)) $((broker_after - broker_before)) "$load_cpu" "$count" "$ticks"
kill -INT $fpid 2>/dev/null; wait $fpid 2>/dev/null || true; fpid=
