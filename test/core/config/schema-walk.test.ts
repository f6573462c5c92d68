import assert from 'node:assert/strict';
import { coreSchema } from '../../../core/config/core-schema.js';
import { eachOption, redact, type SchemaNode } from '../../../core/config/schema-walk.js';

describe('schema walk', () => {
  it('visits every option in the schema\'s order: groups walked into, maps of named entries as one option', () => {
    const schema: SchemaNode = {
      type: 'object',
      properties: {
        a: { type: 'string' },
        group: { type: 'object', additionalProperties: false, properties: { b: { type: 'integer' }, inner: { type: 'object', properties: { c: { type: 'boolean' } } } } },
        named: { type: 'object', additionalProperties: { type: 'object' }, properties: { d: { type: 'string' } } },
        open: { type: 'object' },
        list: { type: 'array', items: { type: 'object', properties: { e: { type: 'string' } } } },
      },
    };
    const seen: string[] = [];
    eachOption(schema, (path) => seen.push(path));
    assert.deepEqual(seen, ['a', 'group.b', 'group.inner.c', 'named', 'open', 'list']);
    const prefixed: string[] = [];
    eachOption(schema.properties!.list!.items!, (path, option) => prefixed.push(`${path}:${option.type}`), 'list[].');
    assert.deepEqual(prefixed, ['list[].e:string']);
  });

  it('finds every override flag of the core schema, connections and plugins being maps', () => {
    const flags: string[] = [];
    const paths: string[] = [];
    eachOption(coreSchema as SchemaNode, (path, option) => {
      paths.push(path);
      if (option['x-arg']) flags.push(option['x-arg']);
    });
    assert.deepEqual(flags, ['broker-embedded', 'broker-host', 'broker-port', 'state-dir', 'http-port', 'log-level', 'log-format']);
    assert.ok(paths.includes('connections') && paths.includes('plugins'));
    assert.ok(!paths.some((p) => p.startsWith('connections.') || p.startsWith('plugins.')));
  });

  it('redacts the values a schema marks x-sensitive, in nested objects, maps and lists, and nothing else', () => {
    const schema = {
      properties: {
        password: { type: 'string', 'x-sensitive': true },
        name: { type: 'string' },
        accounts: { type: 'object', additionalProperties: { properties: { token: { type: 'string', 'x-sensitive': true } } } },
        keys: { type: 'array', items: { type: 'string', 'x-sensitive': true } },
      },
    };
    const value = { password: 'p', name: 'n', accounts: { one: { token: 't', other: 'o' } }, keys: ['k', ''] };
    assert.deepEqual(redact(schema, value), { password: '[redacted]', name: 'n', accounts: { one: { token: '[redacted]', other: 'o' } }, keys: ['[redacted]', ''] });
    assert.equal(value.password, 'p', 'the value itself is left as it was');
  });
});
