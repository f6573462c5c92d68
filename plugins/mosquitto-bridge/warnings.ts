import type { ConnectionHandle, Logger } from '../../core/index.js';
import type { BridgeOptions } from './schema.js';
import type { BridgeTopic } from './topic-line.js';

/** Logs at start what a configuration cannot protect on MQTT 3.1.1. */
export function warnAboutProtocol(log: Logger, options: BridgeOptions, topics: readonly BridgeTopic[], local: ConnectionHandle, remote: ConnectionHandle): void {
  const v311 = [local, remote].filter((c) => c.protocolVersion !== '5');
  if (v311.length === 0) return;
  const names = v311.map((c) => c.name).join(' and ');
  const bothWays = topics.some((t) => t.direction === 'both') || (topics.some((t) => t.direction === 'in') && topics.some((t) => t.direction === 'out'));
  if (bothWays) {
    log.warn(
      { bridge: options.name, connections: v311.map((c) => c.name) },
      `bridge ${options.name} forwards both ways over MQTT 3.1.1 (${names}), which has no user properties to mark forwarded messages: ` +
        'if another bridge forwards them back (a cycle of bridges), they loop forever. This bridge alone does not echo. Use protocolVersion "5" on both connections to have cycles stopped.',
    );
  }
  const plain = v311.filter((c) => !c.bridgeMode);
  if (plain.length > 0) {
    log.warn(
      { bridge: options.name, connections: plain.map((c) => c.name) },
      `bridge ${options.name}: ${plain.map((c) => c.name).join(' and ')} ${plain.length > 1 ? 'connect' : 'connects'} with MQTT 3.1.1 without bridgeMode: ` +
        'the broker clears the retain flag of live messages, so they are forwarded unretained, and sends back what the bridge publishes there (recognised and dropped). Set bridgeMode: true on it, as mosquitto\'s try_private does.',
    );
  }
}
