import { startBroker, type TestBroker } from './broker.js';
import { tempDir } from './paths.js';
import type { RuntimeProcess } from './runtime.js';

export interface ProcessSuite {
  broker: TestBroker;
  dir: { path: string; remove(): Promise<void> };
  /** The runtime process the test started, if any: killed after the test. */
  child: RuntimeProcess | undefined;
}

/** For each test of the suite it is called in: an embedded test broker and a temporary directory, removed after it. */
export function processSuite(): ProcessSuite {
  const suite = { child: undefined } as ProcessSuite;
  beforeEach(async () => {
    suite.broker = await startBroker();
    suite.dir = await tempDir();
  });
  afterEach(async () => {
    await suite.child?.kill('SIGKILL');
    suite.child = undefined;
    await suite.broker.close();
    await suite.dir.remove();
  });
  return suite;
}
