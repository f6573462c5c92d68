// Header names as HTTP allows them (RFC 9110 tokens).
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";

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
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      description: 'What a request must carry, as set in the webhook\'s authentication in HomeLINK\'s dashboard. A request without it gets 401 and changes nothing. "none" accepts anyone who can reach the endpoint (logged as insecure at start).',
      properties: {
        type: { enum: ['basic', 'apiKey', 'bearer', 'none'], description: 'basic: user name and password; apiKey: a key in a header; bearer: Authorization: Bearer <token>; none.' },
        username: { type: 'string', minLength: 1, description: 'basic: the user name.' },
        password: { type: 'string', minLength: 8, 'x-sensitive': true, description: 'basic: the password; write "${ENV_VAR}" to take it from the environment.' },
        header: { type: 'string', pattern: HEADER_NAME, default: 'x-api-key', description: 'apiKey: the header that carries the key.' },
        key: { type: 'string', minLength: 16, 'x-sensitive': true, description: 'apiKey: the key; write "${ENV_VAR}" to take it from the environment.' },
        token: { type: 'string', minLength: 16, 'x-sensitive': true, description: 'bearer: the token; write "${ENV_VAR}" to take it from the environment.' },
      },
      allOf: [
        { if: { properties: { type: { const: 'basic' } } }, then: { required: ['username', 'password'], properties: { username: true, password: true } } },
        { if: { properties: { type: { const: 'apiKey' } } }, then: { required: ['key'], properties: { key: true } } },
        { if: { properties: { type: { const: 'bearer' } } }, then: { required: ['token'], properties: { token: true } } },
      ],
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
