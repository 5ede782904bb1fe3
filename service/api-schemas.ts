/**
 * JSON Schemas of the REST API's requests and responses: Fastify validates requests with them, and @fastify/swagger
 * builds the OpenAPI 3.1 document (`GET /openapi.json`) from them. Response objects allow more properties, so that a
 * field added to a reply is never dropped by the serializer before the schema learns it.
 */

const open = { additionalProperties: true } as const;

export const errorReply = {
  $id: 'ErrorReply',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A lockstep error code (docs/errors.md).' },
        message: { type: 'string' },
        issues: {
          type: 'array',
          description: 'Every problem of an invalid pipeline or request, each with the JSON pointer of its field.',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } },
          },
        },
      },
      ...open,
    },
  },
} as const;

const errorInfo = {
  type: ['object', 'null'],
  properties: {
    message: { type: 'string' },
    code: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    causes: { type: 'array', items: { type: 'object', properties: { message: { type: 'string' }, code: { type: 'string' } }, ...open } },
  },
  ...open,
} as const;

const state = { type: 'string', enum: ['CREATED', 'RUNNING', 'PAUSED', 'RESTARTING', 'FAILED', 'FINISHED', 'STOPPED'] } as const;
const origin = { type: 'string', enum: ['config-dir', 'api'], description: 'config-dir: read-only through the API unless --api-writes-config-dir.' } as const;

export const pipelineSummary = {
  type: 'object',
  required: ['name', 'state', 'origin'],
  properties: { name: { type: 'string' }, state, origin, guarantee: { type: 'string' } },
  ...open,
} as const;

export const pipelineDetail = {
  type: 'object',
  required: ['name', 'state', 'origin', 'config'],
  properties: {
    name: { type: 'string' },
    state,
    origin,
    config: { type: 'object', description: 'The validated config with defaults; secrets (writeOnly fields) are "***".', ...open },
    guarantee: { type: 'object', description: 'The end-to-end guarantee analysis, as lockstep validate prints it.', ...open },
  },
  ...open,
} as const;

export const pipelineStatus = {
  type: 'object',
  required: ['name', 'state', 'tasks', 'restarts'],
  properties: {
    name: { type: 'string' },
    state,
    origin,
    guarantee: { type: 'string' },
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          role: { type: 'string', enum: ['source', 'sink'] },
          component: { type: 'string' },
          subtask: { type: 'integer' },
          state: { type: 'string', enum: ['INITIALIZING', ...state.enum], description: "The subtask's state while the pipeline runs; else the pipeline's." },
        },
        ...open,
      },
    },
    restarts: { type: 'object', properties: { engine: { type: 'integer' }, service: { type: 'integer' }, total: { type: 'integer' } }, ...open },
    nextRestartAt: { type: ['string', 'null'], format: 'date-time' },
    lastError: errorInfo,
    lastCheckpoint: { type: ['object', 'null'], properties: { id: { type: 'integer' }, completedAt: { type: 'string' }, ageSeconds: { type: 'number' } }, ...open },
    records: { type: 'object', properties: { in: { type: 'integer' }, out: { type: 'integer' } }, ...open },
  },
  ...open,
} as const;

export const checkpointList = {
  type: 'object',
  required: ['checkpoints'],
  properties: {
    checkpoints: {
      type: 'array',
      description: 'The checkpoints of this service run, newest last (at most 50); aborted ones with their reason.',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          status: { type: 'string', enum: ['completed', 'aborted'] },
          kind: { type: 'string' },
          triggeredAt: { type: 'string' },
          completedAt: { type: 'string' },
          durationMs: { type: 'number' },
          sizeBytes: { type: 'integer' },
          committed: { type: 'boolean' },
          reason: { type: 'string' },
        },
        ...open,
      },
    },
    latestCompleted: { type: ['object', 'null'], description: 'The newest completed checkpoint in storage (also from earlier runs).', ...open },
  },
  ...open,
} as const;

export const offsetsReply = {
  type: 'object',
  required: ['checkpointId', 'sources'],
  properties: {
    checkpointId: { type: ['integer', 'null'] },
    completedAt: { type: ['string', 'null'] },
    sources: { type: 'object', description: 'Per source, per reader subtask, the split states of the last completed checkpoint.', ...open },
  },
  ...open,
} as const;

export const savepointRequest = {
  type: 'object',
  properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$', description: 'Default savepoint-<time>.' } },
  additionalProperties: false,
} as const;

export const savepointReply = {
  type: 'object',
  required: ['name', 'path', 'checkpointId'],
  properties: { name: { type: 'string' }, path: { type: 'string' }, checkpointId: { type: 'integer' } },
  ...open,
} as const;

export const pipelineDocument = {
  type: 'object',
  // also sent as YAML (content-type application/yaml)
  description: 'A pipeline config as in a pipeline file (config-schemas/pipeline.schema.json); validated as lockstep validate does.',
  ...open,
} as const;

export const nameParam = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' } },
} as const;

export const validateReply = {
  type: 'object',
  required: ['valid'],
  properties: { valid: { type: 'boolean' }, guarantee: { type: 'object', ...open } },
  ...open,
} as const;

export const connectorList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['kind', 'type'],
    properties: { kind: { type: 'string', enum: ['source', 'transform', 'sink'] }, type: { type: 'string' }, schema: { type: 'object', ...open } },
    ...open,
  },
} as const;

export const readyReply = {
  type: 'object',
  required: ['ready', 'degraded'],
  properties: {
    ready: { type: 'boolean' },
    degraded: {
      type: 'array',
      description: 'Pipelines neither running nor deliberately paused/stopped/finished, and config files that did not load.',
      items: { type: 'object', properties: { name: { type: 'string' }, file: { type: 'string' }, state: { type: 'string' }, error: errorInfo }, ...open },
    },
  },
  ...open,
} as const;
