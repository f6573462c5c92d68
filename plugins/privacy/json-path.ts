/** A path to fields: names separated by dots; `*` is any one key or index, `**` any number of levels. */
export type JsonPath = readonly string[];

export function compilePath(text: string): JsonPath {
  return text.split('.');
}

type Update = (value: unknown) => unknown;

/**
 * `root` with `update` applied to every value at `path`; copies only the objects and arrays on the way
 * to a changed value, and returns `root` itself when nothing changed.
 */
export function updateAt(root: unknown, path: JsonPath, update: Update, from = 0): unknown {
  if (from === path.length) return update(root);
  if (root === null || typeof root !== 'object') return root;
  const segment = path[from]!;
  if (segment === '**') {
    const here = updateAt(root, path, update, from + 1);
    return eachChild(here, (child) => updateAt(child, path, update, from));
  }
  if (segment === '*') return eachChild(root, (child) => updateAt(child, path, update, from + 1));
  return atKey(root as Record<string, unknown>, segment, (child) => updateAt(child, path, update, from + 1));
}

/** `node` with `update` applied to each of its children (copy on write); scalars as they are. */
export function eachChild(node: unknown, update: Update): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < node.length; i++) {
      const next = update(node[i]);
      if (next !== node[i]) (out ??= node.slice())[i] = next;
    }
    return out ?? node;
  }
  let out: Record<string, unknown> | null = null;
  const record = node as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const next = update(record[key]);
    if (next !== record[key]) (out ??= { ...record })[key] = next;
  }
  return out ?? node;
}

function atKey(node: Record<string, unknown> | unknown[], key: string, update: Update): unknown {
  if (Array.isArray(node)) {
    const i = /^\d+$/.test(key) ? Number(key) : -1;
    if (i < 0 || i >= node.length) return node;
    const next = update(node[i]);
    if (next === node[i]) return node;
    const out = node.slice();
    out[i] = next;
    return out;
  }
  if (!Object.hasOwn(node, key)) return node;
  const next = update(node[key]);
  return next === node[key] ? node : { ...node, [key]: next };
}
