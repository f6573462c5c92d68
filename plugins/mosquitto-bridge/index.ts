import { hostname } from 'node:os';
import { definePlugin } from '../../core/index.js';
import { BridgeStatusReporter } from './bridge-status.js';
import { exportCommand, importCommand } from './conf-commands.js';
import { Forwarder } from './forwarder.js';
import { BridgeMetrics } from './metrics.js';
import { installNotifications } from './notifications.js';
import { schema } from './schema.js';
import { parseTopicLine } from './topic-line.js';
import { validateOptions } from './validate.js';
import { warnAboutProtocol } from './warnings.js';

export type { BridgeOptions, MosquittoBridgeOptions } from './schema.js';

export default definePlugin({
  name: 'mosquitto-bridge',
  version: '1.0.0',
  core: '^0.1.0',
  description: 'mosquitto\'s bridge in process: the same topic lines, remapping, QoS, retained messages and notifications, acknowledged end to end and stopped in cycles.',
  schema,
  validate: validateOptions,
  setup(ctx) {
    const health: Record<string, () => unknown> = {};
    for (const options of ctx.options.bridges) {
      const topics = options.topics.map(parseTopicLine);
      const local = ctx.connection(options.local ?? 'local');
      const remote = ctx.connection(options.remote);
      const loopId = options.loopId ?? `${hostname()}.${options.name}`;
      const metrics = new BridgeMetrics(ctx, options.name);
      new Forwarder(ctx, options, topics, metrics, local, remote, loopId).install();
      // Installed first, so that its connection hooks know a side is down before a notification says so.
      const reporter = new BridgeStatusReporter(ctx, options.name, metrics, local, remote);
      reporter.install();
      const notificationTopic = installNotifications(ctx, options, local, remote, (payload) => reporter.notified(payload));
      reporter.notifiesOn(notificationTopic);
      remote.onConnect(() => metrics.connected(true));
      remote.onDisconnect(() => metrics.connected(false));
      warnAboutProtocol(ctx.log, options, topics, local, remote);
      health[options.name] = () => ({ state: remote.connected ? 'connected' : 'disconnected', local: local.name, remote: remote.name, ...metrics.totals });
      ctx.log.info({ bridge: options.name, local: local.name, remote: remote.name, topics: topics.length, notificationTopic, loopId }, `bridge ${options.name} set up`);
    }
    ctx.health(() => ({ bridges: Object.fromEntries(Object.entries(health).map(([name, report]) => [name, report()])) }));
  },
  commands: { import: importCommand, export: exportCommand },
});
