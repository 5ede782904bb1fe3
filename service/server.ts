import { createHash, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { ConfigError } from '../core/config/config-error';
import { parseConfigText } from '../core/config/config-text-parser';
import { defaultSchemaRegistry } from '../core/config/schema-registry';
import { LockstepError } from '../core/errors';
import { builtinRegistry } from '../cli/builtin-registry';
import { connectorList, errorReply, readyReply } from './api-schemas';
import type { PipelineSupervisor } from './pipeline-supervisor';
import { registerPipelineRoutes } from './pipeline-routes';
import type { ServiceMetrics } from './service-metrics';

export interface ServerOptions {
  readonly supervisor: PipelineSupervisor;
  readonly metrics: ServiceMetrics;
  /** Bearer token every route but /healthz asks for; none: no authentication (bind to 127.0.0.1). */
  readonly token?: string;
  /** Largest request body accepted (bytes); larger ones get 413. */
  readonly bodyLimit: number;
  readonly version: string;
  /** Sees every route as it is registered (the test that keeps /openapi.json complete). */
  readonly onRoute?: (method: string, url: string) => void;
}

/** HTTP status of each service error code (anything else is 500). */
const STATUS: Readonly<Record<string, number>> = {
  LS_SERVICE_NOT_FOUND: 404,
  LS_SERVICE_CONFLICT: 409,
  LS_SERVICE_READ_ONLY: 403,
  LS_SERVICE_STATE: 409,
  LS_SERVICE_SAVEPOINT: 504,
  LS_CHECKPOINT_SAVEPOINT_NAME: 400,
};

/**
 * The REST API of `lockstep serve` (Fastify): pipelines, their status, checkpoints, offsets and savepoints, in the
 * conventions of Kafka Connect's REST API; /healthz, /readyz, /metrics (Prometheus) and /openapi.json (OpenAPI 3.1,
 * built by @fastify/swagger from the routes' JSON Schemas). Errors are `{ error: { code, message, issues? } }`, each
 * issue with the JSON pointer of its field.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  // Fastify's own logger stays off: the service logs what matters (pipelines) with pino, and a request log would
  // repeat request bodies that may hold secrets.
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit, ajv: { customOptions: { allErrors: true } } });
  await app.register(swagger, {
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    openapi: {
      openapi: '3.1.0',
      info: { title: 'lockstep serve', version: options.version, description: 'Exactly-once pipelines as a service.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.addSchema(errorReply);
  // Pipelines as YAML too (`curl --data-binary @pipeline.yaml -H 'content-type: application/yaml'`), parsed as the
  // CLI parses a file: a syntax error is a 400 naming line and column.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseConfigText(body as string, 'body.yaml'));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const { onRoute } = options;
  if (onRoute !== undefined) {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) if (method !== 'HEAD') onRoute(method, route.url);
    });
  }
  app.setErrorHandler((error: FastifyError, _request, reply) => sendError(reply, error));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'LS_SERVICE_NOT_FOUND', message: `no route ${request.method} ${request.url}` } }));
  if (options.token !== undefined) {
    const expected = digest(options.token);
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/healthz') return;
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (given === '' || !timingSafeEqual(digest(given), expected)) {
        await reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: { code: 'LS_SERVICE_UNAUTHORIZED', message: given === '' ? 'missing bearer token (Authorization: Bearer <token>)' : 'wrong bearer token' } });
      }
    });
  }
  registerServiceRoutes(app, options);
  registerPipelineRoutes(app, options.supervisor);
  return app;
}

function registerServiceRoutes(app: FastifyInstance, options: ServerOptions): void {
  const { supervisor, metrics } = options;
  const hide = { hide: true } as const;
  app.get('/healthz', { schema: { summary: 'The process is alive (no token needed).', security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { summary: 'Every pipeline runs or was stopped on purpose; 503 lists the degraded ones.', response: { 200: readyReply, 503: readyReply } } }, async (_request, reply) => {
    const degraded = [
      ...supervisor
        .list()
        .filter((pipeline) => pipeline.state === 'RESTARTING' || pipeline.state === 'FAILED' || pipeline.state === 'CREATED')
        .map((pipeline) => ({ name: pipeline.name, state: pipeline.state, error: pipeline.lastError ?? null })),
      ...supervisor.invalidFiles.map((invalid) => ({ file: invalid.file, state: 'INVALID', error: invalid.error })),
    ];
    return reply.code(degraded.length === 0 ? 200 : 503).send({ ready: degraded.length === 0, degraded });
  });
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format).', produces: ['text/plain'] } }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
  app.get('/openapi.json', { schema: { ...hide } }, async () => app.swagger());
  app.get('/connectors', { schema: { summary: 'The source, transform and sink types with their JSON Schemas.', response: { 200: connectorList } } }, async () => {
    const registry = builtinRegistry();
    const schemas = defaultSchemaRegistry();
    return (['source', 'transform', 'sink'] as const).flatMap((kind) =>
      registry.types(kind).map((type) => {
        const plugin = registry.get(kind, type);
        return { kind, type, schema: schemas.getConfigSchema(plugin.configSchema, registry.schemaDir(plugin)).schema };
      }),
    );
  });
}

/** Replies with an error as `{ error: { code, message, issues? } }` and its HTTP status. */
export function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ConfigError) {
    const status = error.code === 'LS_CONFIG_SCHEMA' ? 500 : 400;
    const issues = error.issues.map(({ path, message, line, column }) => ({ path, message, ...(line === undefined ? {} : { line, column: column ?? 1 }) }));
    return reply.code(status).send({ error: { code: error.code, message: 'invalid pipeline', issues } });
  }
  if (error instanceof LockstepError) {
    return reply.code(STATUS[error.code] ?? 500).send({ error: { code: error.code, message: error.message } });
  }
  const fastify = error as FastifyError;
  if (fastify.validation !== undefined) {
    const where = fastify.validationContext ?? 'body';
    const issues = fastify.validation.map((issue) => ({ path: `${where === 'body' ? '' : `/${where}`}${issue.instancePath}`, message: issue.message ?? 'invalid' }));
    return reply.code(400).send({ error: { code: 'LS_SERVICE_REQUEST', message: 'invalid request', issues } });
  }
  const status = typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 ? fastify.statusCode : 500;
  return reply.code(status).send({ error: { code: status === 413 ? 'LS_SERVICE_BODY_TOO_LARGE' : 'LS_SERVICE_HTTP', message: fastify.message } });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
