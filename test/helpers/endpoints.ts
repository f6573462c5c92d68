import type { HealthReport } from '../../core/health.js';

/**
 * GET, again when the connection is reset (up to `attempts` in all): the runtime's HTTP server closes a keep-alive
 * connection after 5 s idle, and a poller whose event loop was busy may pick that connection just as it closes (a GET
 * is safe to repeat). The first retry is at once, later ones back off.
 */
export async function get(url: string, attempts = 2): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url);
    } catch (err) {
      const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
      if (attempt >= attempts || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt - 1)));
    }
  }
}

/** GET /healthz: the HTTP status and the report. */
export async function health(url: string): Promise<{ status: number; report: HealthReport }> {
  const res = await get(url);
  return { status: res.status, report: (await res.json()) as HealthReport };
}

/** Polls /healthz until `predicate` holds; fails with the last report after `ms`. */
export async function waitForHealth(url: string, predicate: (status: number, report: HealthReport) => boolean, ms = 10000, what = 'the expected health'): Promise<HealthReport> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { status, report } = await health(url);
    if (predicate(status, report)) return report;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last /healthz (${status}): ${JSON.stringify(report)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the runtime is healthy, has acknowledged every message it took on connection `local`, the broker has
 * acknowledged everything it published there, and all of that is on disk (a packet the broker acknowledged stays in
 * the state until its removal is written): nothing is left for a kill to make the broker or the runtime send again.
 */
export function waitUntilSettled(url: string, ms: number, what: string): Promise<HealthReport> {
  const settled = (status: number, report: HealthReport): boolean =>
    status === 200 && report.connections.local!.heldAcks === 0 && report.connections.local!.storedOutgoing === 0 && report.state.unwritten === 0;
  return waitForHealth(url, settled, ms, what);
}
