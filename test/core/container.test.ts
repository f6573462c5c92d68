import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load-config.js';
import { createContainer } from '../../core/container.js';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { Runtime } from '../../core/runtime.js';
import { TOKENS } from '../../core/tokens.js';
import { Harness } from '../helpers/harness.js';
import { testConfig, writeConfig, type LogLine } from '../helpers/runtime.js';

describe('The container: core services by token, each plugin in a scope of its own', () => {
  let h: Harness;
  let runtime: Runtime | undefined;

  beforeEach(async () => {
    h = await Harness.create();
  });

  afterEach(async () => {
    await runtime?.stop();
    await h.close();
  });

  it('a service rebound before the runtime is made is what every plugin\'s scope is made from', async () => {
    const setup = "ctx.log.info('hello'); ctx.counter('hellos', 'Hellos said').inc(); ctx.state().set('said', true);";
    await writeFile(join(h.dir.path, 'greeter.mjs'), `export default { name: 'greeter', version: '1.0.0', core: '*', description: 'Says hello.', schema: { type: 'object' }, setup(ctx) { ${setup} } };\n`);
    const file = await writeConfig(h.dir.path, testConfig({ connections: { local: { url: h.broker.url } }, plugins: { greeter: { module: './greeter.mjs' } } }));
    const config = await loadConfig({ file, env: {} });
    const first: LogLine[] = [];
    const rebound: LogLine[] = [];
    const logger = (lines: LogLine[]) => createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const container = createContainer(config, logger(first));
    const metrics = new Metrics();
    container.rebind(TOKENS.Logger).toConstantValue(logger(rebound));
    container.rebind(Metrics).toConstantValue(metrics);
    runtime = container.get(Runtime);
    await runtime.start();

    assert.ok(rebound.some((l) => l.plugin === 'greeter' && l.msg === 'hello'), 'the plugin\'s logger is a child of the rebound one');
    assert.deepEqual(first, [], 'nothing went to the logger bound first');
    assert.match(await metrics.registry.metrics(), /^switchboard_greeter_hellos 1$/m);
  });
});
