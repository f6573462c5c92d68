import { parseTopicLine } from './topic-line.js';
import type { MosquittoBridgeOptions } from './schema.js';

/** What the schema cannot check: each topic line by mosquitto's rules, distinct names, two distinct connections. */
export function validateOptions(options: MosquittoBridgeOptions): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const names = new Map<string, number>();
  options.bridges.forEach((b, i) => {
    const at = `bridges[${i}]`;
    const earlier = names.get(b.name);
    if (earlier !== undefined) problems.push({ path: `${at}.name`, message: `"${b.name}" is also the name of bridges[${earlier}] (mosquitto: Duplicate bridge name)` });
    names.set(b.name, i);
    if (b.local === b.remote) problems.push({ path: `${at}.remote`, message: `the remote connection must differ from the local one ("${b.local}")` });
    b.topics.forEach((line, j) => {
      try {
        parseTopicLine(line);
      } catch (err) {
        problems.push({ path: `${at}.topics[${j}]`, message: (err as Error).message });
      }
    });
  });
  return problems;
}
