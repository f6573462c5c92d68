#!/usr/bin/env bash
# npm run bench: the same HomeLINK alert load through a bare mqtt.js forwarder, Node-RED and Switchboard
# (with its real plugins: homelink, privacy, events output, state on disk), in one run on one mosquitto.
# First flat out (throughput), then held at a fixed rate (latency). Usage: bench/run.sh [COUNT] [QOS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/core/cli.js ] || npm run build
count=${1:-20000} qos=${2:-1}
# A secret of this run only: hashing costs the same whatever the key.
export SWITCHBOARD_PRIVACY_SECRET=${SWITCHBOARD_PRIVACY_SECRET:-$(node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('hex'))")}
runtime="rm -rf .bench/state && exec node ${NODE_OPTIONS_BENCH:-} dist/core/cli.js start --config bench/bench.config.json"

echo "# throughput: $count messages at QoS $qos, flat out"
RATE=0 RUNTIME_CMD="$runtime" bench/peers/run-peers.sh "$count" "$qos"
echo "# latency: $((count / 2)) messages at QoS $qos, held at ${LATENCY_RATE:-2000} msgs/s"
RATE=${LATENCY_RATE:-2000} RUNTIME_CMD="$runtime" bench/peers/run-peers.sh "$((count / 2))" "$qos"
