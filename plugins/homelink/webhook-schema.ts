import { httpCredentialsSchema } from '../../core/index.js';

/** The `webhook` section of the homelink plugin's options: HomeLINK's webhook POSTs taken on the runtime's HTTP server. */
export const webhookSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['auth'],
  description:
    "Take HomeLINK's webhook POSTs on the runtime's HTTP server (see http.*); absent: no webhook. Each is handled as the same message over MQTT would be, and answered 200 once its state is on disk.",
  properties: {
    path: {
      type: 'string',
      pattern: '^/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$',
      default: '/homelink/webhook',
      description: "Path of the endpoint: HomeLINK's Endpoint Url is https://<your host><path>.",
    },
    auth: {
      ...httpCredentialsSchema,
      required: ['type'],
      description: 'What a request must carry, as set in the webhook\'s authentication in HomeLINK\'s dashboard. A request without it gets 401 and changes nothing. "none" accepts anyone who can reach the endpoint (logged as insecure at start).',
    },
    maxBodyBytes: {
      type: 'integer',
      minimum: 1024,
      maximum: 16777216,
      default: 262144,
      description: 'A request body larger than this gets 413 (checked while it is read, before it is parsed).',
    },
  },
} as const;
