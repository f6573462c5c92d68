import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/** A real MQTT 3.1.1 broker (aedes) on a free loopback port, in the test's own process. */
export interface TestBroker {
  /** `mqtt://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The aedes instance, e.g. to watch what clients do. */
  aedes: Aedes;
  close(): Promise<void>;
}

/**
 * Starts a broker on `port` (default: a free one). Give a stopped broker's port to bring it back, to
 * test what a plugin does when its broker goes away and returns.
 */
export async function startBroker(port = 0): Promise<TestBroker> {
  const aedes = await Aedes.createBroker();
  const server: Server = createServer(aedes.handle as (socket: Socket) => void);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    aedes,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A free TCP port on loopback, for a server the test starts itself. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
