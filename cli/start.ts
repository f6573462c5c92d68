import { setFlagsFromString } from 'node:v8';
import { createLogger, createRuntime, SHUTDOWN_MS } from '../core/host.js';
import { EXIT } from './command.js';
import { configCommand } from './config-commands.js';

/**
 * A Ctrl-C under `npm start` arrives twice (the terminal signals npm and the runtime, and npm passes its
 * own on; systemd may signal both too): a repeat within this is the same request, only a later one means
 * "exit at once".
 */
export const SIGNAL_GRACE_MS = 2000;

export const startCommand = configCommand({
  name: 'start',
  summary: 'run Switchboard (SIGINT/SIGTERM stop it gracefully)',
  usage: 'switchboard start [--config FILE] [options]',
  async run(config) {
    // V8 reads these flags at each collection and compilation, so setting them before the runtime is built is enough.
    // Both let the heap grow by a fifth of what is live between full collections (V8's own factor, up to 4, lets it
    // reach several times what is live). size also keeps the young generation at its starting size, so that it never
    // grows to V8's 16 MB semi-spaces: more, smaller scavenges. --optimize-for-size, tried first for size, also makes
    // V8 compact the whole heap to give memory back, and those pauses put p99 at 2 000 msgs/s at 4-14x a bare
    // forwarder's, against 1.1-3.9x with these flags, for the same peak memory (bench/README.md).
    setFlagsFromString(config.core.memory.optimizeFor === 'size' ? '--heap-growing-percent=20 --semi-space-growth-factor=1' : '--heap-growing-percent=20');
    const log = createLogger(config.core.log.level, undefined, config.core.log.format);
    const runtime = createRuntime(config, log);

    process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection (a bug in Switchboard or a plugin; please report it)'));
    process.on('uncaughtException', (err) => {
      // State is crash-safe and unacknowledged messages are redelivered, so exiting loses nothing; going on might.
      log.fatal({ err }, 'uncaught exception; exiting');
      log.flush();
      process.exit(EXIT.failure);
    });

    let exitCode: number = EXIT.ok;
    const stopped = new Promise<void>((resolve) => {
      let first = 0;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (first !== 0) {
          if (Date.now() - first < SIGNAL_GRACE_MS) {
            log.debug({ signal }, 'the same stop request again');
            return;
          }
          log.warn({ signal }, 'second signal: exiting at once');
          log.flush();
          process.exit(EXIT.failure);
        }
        first = Date.now();
        log.info({ signal }, 'shutting down');
        const force = setTimeout(() => {
          log.error(`shutdown took longer than ${SHUTDOWN_MS / 1000} s; exiting`);
          log.flush();
          process.exit(EXIT.failure);
        }, SHUTDOWN_MS + 500);
        force.unref();
        runtime.stop().then(resolve, (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          exitCode = EXIT.failure;
          resolve();
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });

    try {
      await runtime.start();
      await stopped;
    } catch (err) {
      // The reasons are written to be read (port in use, broker refused, ...): the stack only helps at debug.
      log.fatal(log.isLevelEnabled('debug') ? { err } : {}, `Switchboard did not start: ${(err as Error).message}`);
      exitCode = EXIT.failure;
    }
    await new Promise<void>((resolve) => log.flush(() => resolve()));
    // Everything is stopped and flushed: a timer or socket a plugin left open must not keep the process alive.
    process.exit(exitCode);
  },
});
