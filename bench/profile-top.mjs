// Prints the top frames of a V8 CPU profile (node --cpu-prof) by self time, by package/file, and
// Switchboard's own functions with the time of what they call.
// usage: node bench/profile-top.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, n = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-top.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const frames = new Map();
const places = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const where = callFrame.url ? callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist\/)/, '$1') : '(native)';
  const key = `${callFrame.functionName || '(anonymous)'}  ${where}:${callFrame.lineNumber + 1}`;
  frames.set(key, (frames.get(key) ?? 0) + us);
  const place = where.startsWith('dist/') ? where.split('/').slice(0, 3).join('/') : where.split('/')[0].replace(/^node:.*/, 'node internals');
  places.set(place, (places.get(place) ?? 0) + us);
}
const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${(total / 1e6).toFixed(2)} s sampled`);
console.log('\nby frame (self time):');
for (const [key, us] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(us)}  ${key}`);
console.log('\nby place:');
for (const [key, us] of [...places].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(us)}  ${key}`);

const children = new Map(profile.nodes.map((node) => [node.id, node.children ?? []]));
const inclusive = new Map();
const totalOf = (id) => {
  if (inclusive.has(id)) return inclusive.get(id);
  let us = self.get(id) ?? 0;
  for (const child of children.get(id)) us += totalOf(child);
  inclusive.set(id, us);
  return us;
};
const own = new Map();
for (const node of profile.nodes) {
  const { callFrame } = node;
  if (!callFrame.url.includes('/dist/')) continue;
  const key = `${callFrame.functionName || '(anonymous)'}  ${callFrame.url.replace(/^.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}`;
  own.set(key, (own.get(key) ?? 0) + totalOf(node.id));
}
console.log("\nSwitchboard's functions, including what they call:");
for (const [key, us] of [...own].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(us)}  ${key}`);
