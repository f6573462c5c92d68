#!/usr/bin/env bash
# npm run bench: the same HomeLINK alert load through a bare mqtt.js forwarder, Node-RED and Switchboard
# (with its real plugins: homelink, privacy, events output, state on disk), interleaved in rounds on one
# mosquitto, each warmed up first. Flat out (throughput), then held at a fixed rate (latency).
# Usage: bench/run.sh [COUNT] [QOS]   env: WARMUP (default 5000), ROUNDS (default 3), LATENCY_RATE (2000)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli/switchboard.js ] || npm run build
count=${1:-50000} qos=${2:-1} rounds=${ROUNDS:-3}
# A secret of this run only: hashing costs the same whatever the key.
export SWITCHBOARD_PRIVACY_SECRET=${SWITCHBOARD_PRIVACY_SECRET:-$(node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('hex'))")}
runtime="rm -rf .bench/state && exec node ${NODE_OPTIONS_BENCH:-} dist/cli/switchboard.js start --config bench/bench.config.json"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "# throughput: $count messages at QoS $qos, flat out, after ${WARMUP:-5000} warm-up messages, $rounds rounds"
# run-peers.sh exits non-zero when a forwarder misses messages within its timeout or stops slowly: the summary
# names any that lost messages, and the latency pass still runs.
WARMUP=${WARMUP:-5000} ROUNDS=$rounds RATE=0 RUNTIME_CMD="$runtime" bench/peers/run-peers.sh "$count" "$qos" | tee "$out/throughput" || true
latency_count=$((count / 5))
echo "# latency: $latency_count messages at QoS $qos, held at ${LATENCY_RATE:-2000} msgs/s, after 2000 warm-up messages, $rounds rounds"
WARMUP=2000 ROUNDS=$rounds RATE=${LATENCY_RATE:-2000} RUNTIME_CMD="$runtime" bench/peers/run-peers.sh "$latency_count" "$qos" | tee "$out/latency" || true
node bench/summary.mjs "$out/throughput" "$out/latency"
