import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/paths.js';
import { RuntimeProcess, testConfig, writeConfig } from '../../helpers/runtime.js';

const SECRET_VAR = 'SWITCHBOARD_PRIVACY_SECRET';
const HASH_EMAILS = { name: 'emails', detectors: ['email'], action: 'hash' };

describe('privacy: configuration', () => {
  let dir: { path: string; remove(): Promise<void> };

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(async () => {
    await dir.remove();
  });

  // Connections are never opened by validate; the URL only has to be well formed.
  const config = (privacy: object): Promise<string> => writeConfig(dir.path, testConfig({ connections: { local: { url: 'mqtt://127.0.0.1:9' } }, plugins: { privacy } }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => RuntimeProcess.run(args, { env: { [SECRET_VAR]: undefined, ...env } });

  it('refuses a configuration that hashes without a secret, naming the key, and starts nothing (exit 2)', async () => {
    const file = await config({ rules: [{ detectors: ['phone'], action: 'mask' }, HASH_EMAILS] });
    const validate = await run(['validate', '--config', file]);
    assert.equal(validate.code, 2);
    assert.match(validate.stderr, /^ {2}plugins\.privacy\.secret: is required$/m);
    const start = await run(['start', '--config', file]);
    assert.equal(start.code, 2);
    assert.match(start.stderr, /nothing was started/);
    assert.doesNotMatch(start.stdout, /Switchboard is running/);
  });

  it('refuses a secret shorter than 16 characters, and one taken from an environment variable that is not set', async () => {
    const short = await run(['validate', '--config', await config({ secret: 'fifteen chars!!', rules: [HASH_EMAILS] })]);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /plugins\.privacy\.secret: must NOT have fewer than 16 characters/);
    const unset = await run(['validate', '--config', await config({ secret: `\${${SECRET_VAR}}`, rules: [HASH_EMAILS] })]);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /plugins\.privacy\.secret: refers to the environment variable SWITCHBOARD_PRIVACY_SECRET, which is not set/);
  });

  it('takes the secret from the environment and never prints it', async () => {
    const file = await config({ secret: `\${${SECRET_VAR}}`, rules: [HASH_EMAILS] });
    const secret = 'from the environment, long enough';
    const validate = await run(['validate', '--config', file], { [SECRET_VAR]: secret });
    assert.equal(validate.code, 0, validate.stderr);
    const printed = await run(['print-config', '--config', file], { [SECRET_VAR]: secret });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal((JSON.parse(printed.stdout) as { plugins: { privacy: { secret: string } } }).plugins.privacy.secret, '[redacted]');
    assert.doesNotMatch(printed.stdout, /from the environment/);
  });

  it('needs no secret when no rule hashes', async () => {
    const validate = await run(['validate', '--config', await config({ rules: [{ detectors: ['email', 'phone'], action: 'mask' }] })]);
    assert.equal(validate.code, 0, validate.stderr);
  });

  it('stops the start when its rules cannot work, even when configured optional', async () => {
    const file = await config({ optional: true, rules: [{ name: 'a', detectors: ['email'], action: 'mask' }, { name: 'a', detectors: ['phone'], action: 'mask' }] });
    const start = await run(['start', '--config', file]);
    assert.equal(start.code, 1);
    const fatal = start.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: string; msg: string }).find((l) => l.level === 'fatal');
    assert.match(fatal?.msg ?? '', /plugin "privacy" failed to set up \(it guards what leaves the runtime, so it cannot be optional\): rules\[1\] is named "a", like rules\[0\]/);
    assert.doesNotMatch(start.stdout, /Switchboard is running/);
  });

  it('reports each mistake in the rules by its path', async () => {
    const file = await config({
      rules: [
        { detectors: ['email'], action: 'mask' },
        { action: 'mask', keepEnd: 2 },
        { detectors: ['email'], action: 'encrypt' },
        { action: 'drop' },
        { detectors: ['emails'], action: 'mask', maskChar: '0' },
        { topics: ['a/#/b'], paths: ['payload..x'], regex: '([a-', action: 'drop' },
        { name: 'redos', regex: '(a+)+$', action: 'mask' },
        { name: 'quadratic', regex: '\\s*x\\s*$', action: 'mask' },
        { name: 'fine', regex: '\\b[A-Z]{2}\\d{6}[A-D]\\b', action: 'mask' },
      ],
    });
    const validate = await run(['validate', '--config', file]);
    assert.equal(validate.code, 2);
    const problems = validate.stderr.split('\n').filter((l) => l.startsWith('  plugins.privacy')).map((l) => l.trim().replace(/ \(.*$|: must match pattern .*$/, ''));
    assert.deepEqual(problems, [
      'plugins.privacy.rules[1].detectors: is required',
      'plugins.privacy.rules[2].action: must be one of hash, mask, drop',
      'plugins.privacy.rules[3].topics: is required',
      'plugins.privacy.rules[4].detectors[0]: must be one of email, phone, uuid, ipv4, ipv6',
      'plugins.privacy.rules[4].maskChar',
      'plugins.privacy.rules[5].paths[0]',
      'plugins.privacy.rules[5].regex: is not a valid regular expression',
      'plugins.privacy.rules[5].topics[0]',
      'plugins.privacy.rules[6].regex: can backtrack catastrophically',
      'plugins.privacy.rules[7].regex: can backtrack catastrophically',
    ]);
    assert.match(validate.stderr, /rules\[6\]\.regex: can backtrack catastrophically \(exponential time in the length of the text, e\.g\. on "a+/);
    assert.match(validate.stderr, /rules\[7\]\.regex: can backtrack catastrophically \(polynomial time/);
  });
});
