import { InboundMessage, MessageRejected, checkHttpAuth, type FromSchema, type Logger, type RouteRequest, type RouteResponse } from '../../core/index.js';
import { typeOfPayload, type MessageType } from './homelink-message.js';
import type { webhookSchema } from './webhook-schema.js';

export type WebhookOptions = FromSchema<typeof webhookSchema>;

/** Where a webhook's messages go: the plugin's one entry point for messages of every way in. */
export type PayloadSink = (type: MessageType, payload: Record<string, unknown>) => void;

export interface WebhookDeps {
  options: WebhookOptions;
  handle: PayloadSink;
  log: Logger;
  /** Requests by outcome: handled, unauthorized, rejected. */
  requests: { inc(labels: { outcome: string }): void };
}

/**
 * HomeLINK's webhook: checks the credentials before the body is read (401, nothing changed), parses the
 * body as MQTT payloads are parsed (400 with the reason when it is not a JSON object or lacks what its
 * type needs), and hands the message to the plugin's handling. The core sends the 200 once the state it
 * changed is on disk; a request that gets no answer (a crash) is sent again by HomeLINK and recognised
 * as the same message then.
 */
export class Webhook {
  readonly #d: WebhookDeps;

  constructor(deps: WebhookDeps) {
    this.#d = deps;
  }

  readonly precheck = (request: Omit<RouteRequest, 'body'>): RouteResponse | undefined => {
    const allowed = checkHttpAuth(request, this.#d.options.auth, 'switchboard');
    if (allowed.ok) return undefined;
    this.#d.requests.inc({ outcome: 'unauthorized' });
    this.#d.log.warn({ path: request.path, auth: this.#d.options.auth.type, reason: allowed.reason }, 'refused a webhook request without valid credentials (401)');
    return { status: 401, headers: allowed.headers, body: { error: 'missing or wrong credentials' } };
  };

  readonly handle = (request: RouteRequest): RouteResponse => {
    let type: MessageType = 'unknown';
    try {
      // Parsed exactly as an MQTT payload is: the same size, UTF-8, depth and JSON checks and messages.
      const payload = new InboundMessage('webhook', { topic: '', payload: request.body, qos: 0, retain: false, dup: false }, this.#d.options.maxBodyBytes).object();
      // No topic: the type is recognised by a field only that type has.
      type = typeOfPayload(payload);
      this.#d.handle(type, payload);
    } catch (err) {
      if (!(err instanceof MessageRejected)) throw err;
      this.#d.requests.inc({ outcome: 'rejected' });
      this.#d.log.warn({ code: err.code, reason: err.message, type }, `rejected a webhook request (400): ${err.message}`);
      return { status: 400, body: { error: err.message, code: err.code } };
    }
    this.#d.requests.inc({ outcome: 'handled' });
    return { status: 200, body: { handled: type } };
  };
}
