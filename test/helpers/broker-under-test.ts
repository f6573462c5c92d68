import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Mosquitto } from './mosquitto.js';
import { RabbitMQ, rabbitmqSpeaksMqtt5, rabbitmqVersion } from './rabbitmq.js';

const run = promisify(execFile);

export interface BrokerStartOptions {
  /** Refuse clients without a user added by `addUser`. */
  login?: boolean;
  /** Grant QoS 1 at most (RabbitMQ never grants more). */
  maxQos?: 1;
}

/** A real broker the fault tests run against, started on a free loopback port by the test. */
export interface BrokerUnderTest {
  readonly url: string;
  /** Everything the broker logged, across restarts. */
  readonly log: string;
  /** A graceful stop: sessions, queued and retained messages are kept. */
  stop(): Promise<void>;
  /** Starts it again on the same port with what it kept; resolves once it accepts connections. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Lets `username` log in with `password` (the broker may restart to read it: clients see a reconnect). */
  addUser(username: string, password: string): Promise<void>;
  /** Stops it and deletes everything it kept. */
  close(): Promise<void>;
}

/** One kind of broker, with the behaviour of its own that the tests must allow for. */
export interface BrokerKind {
  readonly name: string;
  /** The MQTT versions it accepts connections with. */
  readonly protocolVersions: readonly ('3.1.1' | '5')[];
  /** The highest QoS it grants a subscription: with 1, a message sent again after a crash reaches subscribers twice. */
  readonly maxQos: 1 | 2;
  /** Whether a subscription with wildcards gets the retained messages that match it. */
  readonly retainedOnWildcards: boolean;
  start(options?: BrokerStartOptions): Promise<BrokerUnderTest>;
}

export const mosquittoKind: BrokerKind = {
  name: 'mosquitto',
  protocolVersions: ['3.1.1', '5'],
  maxQos: 2,
  retainedOnWildcards: true,
  async start(options = {}) {
    // A session may queue a whole test stream while its client is down (the default keeps 1 000).
    const broker = await Mosquitto.start({ config: [
        'max_queued_messages 1000000',
        ...(options.login ? ['allow_anonymous false'] : []),
        ...(options.maxQos === 1 ? ['max_qos 1'] : []),
      ],
    });
    const passwords = join(broker.dir, 'passwords');
    if (options.login) {
      try {
        await run('mosquitto_passwd', ['-b', '-c', passwords, 'someone-else', 'x']);
        await broker.addConfig([`password_file ${passwords}`]);
        await broker.restart();
      } catch (err) {
        await broker.close();
        throw err;
      }
    }
    return underTest(broker, async (username, password) => {
      await run('mosquitto_passwd', ['-b', passwords, username, password]);
      // mosquitto reads its password file at start.
      await broker.restart();
    });
  },
};

const RABBITMQ_VERSION = rabbitmqVersion();

export const rabbitmqKind: BrokerKind = {
  name: `RabbitMQ${RABBITMQ_VERSION ? ` ${RABBITMQ_VERSION}` : ''}`,
  protocolVersions: rabbitmqSpeaksMqtt5(RABBITMQ_VERSION) ? ['3.1.1', '5'] : ['3.1.1'],
  // Its MQTT plugin has QoS 0 and 1 only; asked for 2, it grants 1.
  maxQos: 1,
  // It sends retained messages only to a subscription to exactly their topic.
  retainedOnWildcards: false,
  async start(options = {}) {
    const broker = await RabbitMQ.start({ login: options.login });
    return underTest(broker, (username, password) => broker.addUser(username, password));
  },
};

/** A started broker as the fault tests see it, with its own way of adding a user. */
function underTest(broker: Mosquitto | RabbitMQ, addUser: BrokerUnderTest['addUser']): BrokerUnderTest {
  return {
    url: broker.url,
    get log() {
      return broker.log;
    },
    stop: () => broker.stop(),
    start: () => broker.start(),
    restart: () => broker.restart(),
    addUser,
    close: () => broker.close(),
  };
}

/** The brokers the fault tests run against. */
export const BROKERS: readonly BrokerKind[] = [mosquittoKind, rabbitmqKind];
