import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { tempDir } from '../../helpers/paths.js';
import { RuntimeProcess, testConfig, writeConfig } from '../../helpers/runtime.js';

const SECRET = 'the operator keeps this one';
const env = { SWITCHBOARD_PRIVACY_SECRET: SECRET };
const token = (value: string): string => `pii_${createHmac('sha256', SECRET).update(value).digest('hex').slice(0, 16)}`;

describe('privacy: `switchboard privacy test`', () => {
  let dir: { path: string; remove(): Promise<void> };
  let file: string;

  before(async () => {
    dir = await tempDir();
    file = await writeConfig(
      dir.path,
      testConfig({
        connections: { local: { url: 'mqtt://127.0.0.1:9' } },
        plugins: {
          privacy: {
            secret: '${SWITCHBOARD_PRIVACY_SECRET}',
            rules: [
              { name: 'emails', detectors: ['email'], action: 'hash' },
              { name: 'phones', detectors: ['phone'], action: 'mask', keepEnd: 3 },
              { name: 'no-insights', events: ['homelink_insight'], action: 'drop' },
            ],
          },
        },
      }),
    );
  });

  after(async () => {
    await dir.remove();
  });

  const test = (input: unknown) => RuntimeProcess.run(['privacy', 'test', '--config', file], { env, stdin: typeof input === 'string' ? input : JSON.stringify(input) });

  it('prints what a message becomes and what each rule did to it', async () => {
    const { code, stdout, stderr } = await test({ topic: 'switchboard/homelink/P/state', payload: { message: 'Contact Jane.Doe@example.com or 07700 900123' } });
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { topic: 'switchboard/homelink/P/state', payload: { message: `Contact ${token('jane.doe@example.com')} or ${'*'.repeat(9)}123` } });
    assert.deepEqual(stderr.trim().split('\n'), [
      'rule "emails" (hash): hashed 1 value',
      'rule "phones" (mask): masked 1 value',
      'rule "no-insights" (drop): does not apply here',
    ]);
  });

  it('prints an event as the events output would publish it, and says which rule drops one', async () => {
    const published = await test({ event_type: 'homelink_notification', data: { payload: { message: 'Contact tenant jane.doe@example.com' } } });
    assert.equal(published.code, 0, published.stderr);
    const out = JSON.parse(published.stdout) as { topic: string; payload: { event_type: string; data: unknown } };
    assert.equal(out.topic, 'switchboard/events/homelink_notification');
    assert.equal(out.payload.event_type, 'homelink_notification');
    assert.deepEqual(out.payload.data, { payload: { message: `Contact tenant ${token('jane.doe@example.com')}` } });
    assert.deepEqual(published.stderr.trim().split('\n'), ['rule "emails" (hash): hashed 1 value', 'rule "phones" (mask): applies, nothing matched', 'rule "no-insights" (drop): does not apply here']);

    const dropped = await test({ event_type: 'homelink_insight', data: { riskLevel: 'MEDIUM' } });
    assert.equal(dropped.code, 0, dropped.stderr);
    assert.equal(dropped.stdout, '');
    assert.match(dropped.stderr, /^rule "no-insights" \(drop\): dropped it$/m);
  });

  it('says what is wrong with its input (exit 2)', async () => {
    const notJson = await test('{"topic": ');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /switchboard privacy test: stdin is not JSON/);
    const neither = await test({ payload: 'x' });
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /stdin must hold a message \{"topic": \.\.\., "payload": \.\.\.\} or an event/);
  });
});
