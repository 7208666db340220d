// The HTTP API's JSON schemas: every request is validated against them (unknown fields, wrong types and values out
// of range fail with the field named), and the same schemas make /openapi.json.
export const MAX_K = 100;
export const MAX_BATCH = 256;
export const MAX_EXCLUDED = 1000;

export const rankRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['user_id', 'device', 'location', 'weekday', 'month', 'hour'],
  properties: {
    user_id: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the user; an unknown user takes the cold path' },
    device: { type: 'string', minLength: 1, maxLength: 64, description: 'mobile, desktop or tablet (another value takes the OOV row)' },
    location: { type: 'string', minLength: 1, maxLength: 64 },
    weekday: { type: 'integer', minimum: 1, maximum: 7 },
    month: { type: 'integer', minimum: 1, maximum: 12 },
    hour: { type: 'integer', minimum: 0, maximum: 23 },
    k: { type: 'integer', minimum: 1, maximum: MAX_K, default: 5, description: 'ads to return' },
    exclude_ad_ids: { type: 'array', maxItems: MAX_EXCLUDED, items: { type: 'integer', minimum: 0 } },
    max_per_advertiser: { type: 'integer', minimum: 1 },
    explain: { type: 'boolean', default: false },
  },
} as const;

const rankedAdSchema = {
  type: 'object',
  properties: {
    ad_id: { type: 'integer' }, rank: { type: 'integer' },
    score: { type: 'number', description: 'expected revenue per impression: bid × pCTR × pCVR' },
    pctr: { type: 'number' }, pcvr: { type: 'number' }, bid: { type: 'number' }, advertiser_id: { type: 'integer' }, category: { type: 'string' },
  },
} as const;

export const rankResponseSchema = {
  type: 'object',
  properties: {
    ads: { type: 'array', items: rankedAdSchema },
    user_known: { type: 'boolean' },
    run_id: { type: 'string' },
    degraded: { type: 'boolean', description: 'the feature store failed: answered from fallback features' },
    explain: { type: 'object', additionalProperties: true },
  },
} as const;

export const batchRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['requests'],
  properties: { requests: { type: 'array', minItems: 1, maxItems: MAX_BATCH, items: rankRequestSchema } },
} as const;

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, hint: { type: 'string' } } } },
} as const;

/** The OpenAPI 3.1 document of the server. */
export function openApiDocument(version: string): Record<string, unknown> {
  const json = (schema: unknown): unknown => ({ content: { 'application/json': { schema } } });
  const errors = { 400: { description: 'a bad request: the field is named', ...(json(errorSchema) as object) }, 503: { description: 'not ready, or timed out', ...(json(errorSchema) as object) } };
  return {
    openapi: '3.1.0',
    info: { title: 'adrank', version, description: 'Ranks ads for a user in context by expected revenue bid × pCTR × pCVR.' },
    paths: {
      '/v1/rank': { post: { summary: 'the top k ads for one request', requestBody: json(rankRequestSchema), responses: { 200: { description: 'ranked ads', ...(json(rankResponseSchema) as object) }, ...errors } } },
      '/v1/rank/batch': { post: { summary: `up to ${MAX_BATCH} requests at once`, requestBody: json(batchRequestSchema), responses: { 200: { description: 'one answer per request, in order', ...(json({ type: 'object', properties: { responses: { type: 'array', items: rankResponseSchema } } }) as object) }, ...errors } } },
      '/healthz': { get: { summary: 'the process is alive', responses: { 200: { description: 'alive' } } } },
      '/readyz': { get: { summary: 'models, index and feature store are loaded and warmed', responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
      '/admin/reload': { post: { summary: 'load a run off the request path and swap it in (needs ADRANK_ADMIN_TOKEN)', responses: { 200: { description: 'reloaded' }, 401: { description: 'no or wrong token' }, 404: { description: 'reload is not enabled' }, 409: { description: 'the run was refused; the old one keeps serving' } } } },
    },
  };
}
