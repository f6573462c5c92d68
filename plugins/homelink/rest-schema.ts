/** The `rest` section of the homelink plugin's options: polling HomeLINK's REST API. */
export const restSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clientId', 'clientSecret'],
  description:
    "Poll HomeLINK's REST API (properties, their devices and alerts) and feed what changed through the same handling as MQTT; absent: no polling. The credentials are the API client id and secret from HomeLINK's dashboard.",
  properties: {
    clientId: { type: 'string', minLength: 1, description: 'The API client id.' },
    clientSecret: { type: 'string', minLength: 1, 'x-sensitive': true, description: 'The API client secret; write "${ENV_VAR}" to take it from the environment.' },
    intervalSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 30, description: 'Seconds between the end of one poll and the start of the next.' },
    timeoutSeconds: { type: 'integer', minimum: 1, maximum: 300, default: 30, description: 'A request that has not answered after this many seconds fails (and the poll is tried again later).' },
    baseUrl: { type: 'string', format: 'uri', pattern: '^https?://.*/$', default: 'https://frontier.live.homelync.io/v1/', description: 'Base URL of the API (ending in "/").' },
    authUrl: { type: 'string', format: 'uri', pattern: '^https?://', default: 'https://auth.live.homelync.io/oauth2', description: 'URL of the token endpoint (called with ?client=<clientId>&secret=<clientSecret>).' },
  },
} as const;
