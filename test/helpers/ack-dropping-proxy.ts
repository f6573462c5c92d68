import { createServer, connect, type Server, type Socket } from 'node:net';

const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;

/**
 * A TCP proxy in front of the broker that, once told to, drops the broker's PUBACKs and PUBRECs to the
 * client: the client has sent a message and the broker has it, but the client never hears so — the moment
 * a crash leaves a publish to be sent again.
 */
export class AckDroppingProxy {
  dropAcks = false;
  /** Topics of the PUBLISH packets the client sent. */
  readonly published: string[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(brokerPort: number): Promise<AckDroppingProxy> {
    const server = createServer();
    const proxy = new AckDroppingProxy(server);
    server.on('connection', (client) => proxy.#pipe(client, brokerPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  #pipe(client: Socket, brokerPort: number): void {
    const broker = connect(brokerPort, '127.0.0.1');
    for (const s of [client, broker]) {
      this.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        broker.destroy();
      });
    }
    client.on('data', packets((packet) => {
      if (packet[0]! >> 4 === PUBLISH) this.published.push(topicOf(packet));
      broker.write(packet);
    }));
    broker.on('data', packets((packet) => {
      const type = packet[0]! >> 4;
      if (!(this.dropAcks && (type === PUBACK || type === PUBREC))) client.write(packet);
    }));
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A 'data' listener that calls `each` with every whole MQTT packet of the stream. */
function packets(each: (packet: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    for (let length = packetLength(pending); length !== undefined; length = packetLength(pending)) {
      each(pending.subarray(0, length));
      pending = pending.subarray(length);
    }
  };
}

/** The topic of a PUBLISH packet (MQTT 3.1.1). */
function topicOf(packet: Buffer): string {
  let i = 1;
  while (packet[i]! & 0x80) i++;
  const length = packet.readUInt16BE(i + 1);
  return packet.subarray(i + 3, i + 3 + length).toString();
}

/** The whole length of the MQTT packet at the start of `buffer`, or undefined while it is incomplete. */
function packetLength(buffer: Buffer): number | undefined {
  let remaining = 0;
  for (let i = 1, shift = 0; i < 5; i++, shift += 7) {
    if (i >= buffer.length) return undefined;
    remaining += (buffer[i]! & 0x7f) << shift;
    if ((buffer[i]! & 0x80) === 0) return buffer.length >= i + 1 + remaining ? i + 1 + remaining : undefined;
  }
  throw new Error('malformed remaining length');
}
