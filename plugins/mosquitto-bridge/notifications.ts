import type { ConnectionHandle, PluginContext } from '../../core/index.js';
import type { BridgeOptions } from './schema.js';

/** mosquitto's default state topic for a bridge whose remote client id is `clientId`. */
export function defaultNotificationTopic(clientId: string): string {
  return `$SYS/broker/connection/${clientId}/state`;
}

/**
 * mosquitto's bridge state notifications: retained `1` (locally and on the remote) when the remote connection is
 * up, `0` locally when it drops, `0` on the remote as the connection's will. mosquitto closes its bridges without
 * a DISCONNECT, so the remote fires the will even at a clean stop; Switchboard disconnects cleanly (which discards
 * the will), so it publishes `0` to the remote itself before it stops.
 */
export function installNotifications(
  ctx: PluginContext,
  options: BridgeOptions,
  local: ConnectionHandle,
  remote: ConnectionHandle,
  publishedLocally: (payload: '0' | '1') => void = () => {},
): string | undefined {
  if (!options.notifications) return undefined;
  const topic = options.notificationTopic ?? defaultNotificationTopic(remote.clientId);
  const toRemote = !options.notificationsLocalOnly;
  const remoteRetain = options.outgoingRetain;
  const publish = (connection: ConnectionHandle, payload: '0' | '1', retain: boolean): void => {
    try {
      ctx.publish(topic, payload, { connection: connection.name, qos: 1, retain });
      if (connection === local) publishedLocally(payload);
    } catch (err) {
      ctx.log.warn({ err, bridge: options.name, topic }, 'could not publish the bridge state');
    }
  };
  if (toRemote) remote.setWill({ topic, payload: '0', qos: 1, retain: remoteRetain });
  remote.onConnect(() => {
    if (toRemote) publish(remote, '1', remoteRetain);
    publish(local, '1', true);
  });
  remote.onDisconnect(() => publish(local, '0', true));
  ctx.onStart(() => {
    if (!remote.connected) publish(local, '0', true);
  });
  ctx.onStop(() => {
    if (toRemote && remote.connected) publish(remote, '0', remoteRetain);
    publish(local, '0', true);
  });
  return topic;
}
