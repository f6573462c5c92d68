import { httpAuthSchema } from '../../core/index.js';

export const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    auth: {
      ...httpAuthSchema,
      description: 'What a request for the page must carry. none (the default): the page is served to loopback clients only.',
    },
  },
} as const;
