// Reads the lines run-peers.sh printed (`# round N`, then `raw: {...}`, `nodered: {...}`, `runtime: {...}`)
// and prints each round's ratios side by side with their medians: ratios within one run are what compare.
// usage: node bench/summary.mjs THROUGHPUT_FILE LATENCY_FILE
import { readFileSync } from 'node:fs';

function rounds(file) {
  const result = [];
  let current = null;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(raw|nodered|runtime): (\{.*\})$/.exec(line);
    if (!match) continue;
    if (match[1] === 'raw') result.push((current = {}));
    if (current) current[match[1]] = JSON.parse(match[2]);
  }
  return result.filter((r) => r.raw && r.nodered && r.runtime);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

const [throughputFile, latencyFile] = process.argv.slice(2);
const throughput = rounds(throughputFile);
const latency = rounds(latencyFile);
const lost = [...throughput, ...latency].flatMap((r) => Object.entries(r).filter(([, v]) => v.received < v.count).map(([k]) => k));

console.log('\n# summary (per round, then the median)');
console.log('round | raw msgs/s | Node-RED | Switchboard | SB ÷ raw | SB ÷ NR | p99 @rate raw / NR / SB (ms) | SB p99 ÷ raw');
const rows = throughput.map((t, i) => {
  const l = latency[i];
  const row = {
    toRaw: t.runtime.msgsPerSec / t.raw.msgsPerSec,
    toNodeRed: t.runtime.msgsPerSec / t.nodered.msgsPerSec,
    p99Ratio: l ? l.runtime.p99ms / l.raw.p99ms : NaN,
  };
  const p99 = l ? `${l.raw.p99ms} / ${l.nodered.p99ms} / ${l.runtime.p99ms}` : 'n/a';
  console.log(`${i + 1} | ${t.raw.msgsPerSec} | ${t.nodered.msgsPerSec} | ${t.runtime.msgsPerSec} | ${fmt(row.toRaw)} | ${fmt(row.toNodeRed)} | ${p99} | ${fmt(row.p99Ratio)}`);
  return row;
});
if (rows.length) {
  console.log(`median | | | | ${fmt(median(rows.map((r) => r.toRaw)))} | ${fmt(median(rows.map((r) => r.toNodeRed)))} | | ${fmt(median(rows.map((r) => r.p99Ratio).filter(Number.isFinite)))}`);
}
if (lost.length) console.log(`lost messages in: ${[...new Set(lost)].join(', ')}`);
