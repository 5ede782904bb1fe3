import type { FastifyInstance } from 'fastify';
import { redactConfig } from '../core/config/redact-config';
import {
  checkpointList,
  nameParam,
  offsetsReply,
  pipelineDetail,
  pipelineDocument,
  pipelineStatus,
  pipelineSummary,
  savepointReply,
  savepointRequest,
  validateReply,
} from './api-schemas';
import { sourceOffsets } from './checkpoint-history';
import type { ManagedPipeline } from './managed-pipeline';
import type { PipelineSupervisor } from './pipeline-supervisor';

interface Named {
  Params: { name: string };
}

const error = { $ref: 'ErrorReply#' } as const;
/** Pipeline bodies: JSON, or YAML as in a pipeline file. */
const consumes = ['application/json', 'application/yaml'];
const errors = { 400: error, 401: error, 403: error, 404: error, 409: error, 413: error } as const;

/** The `/pipelines` and `/validate` routes (see server.ts for the conventions). */
export function registerPipelineRoutes(app: FastifyInstance, supervisor: PipelineSupervisor): void {
  app.get('/pipelines', { schema: { summary: 'Every pipeline with its state.', response: { 200: { type: 'array', items: pipelineSummary }, ...errors } } }, async () =>
    supervisor.list().map(summary),
  );
  app.post('/pipelines', { schema: { summary: 'Creates a pipeline (persisted) and starts it.', consumes, body: pipelineDocument, response: { 201: pipelineDetail, ...errors } } }, async (request, reply) => {
    const pipeline = await supervisor.create(request.body);
    return reply.code(201).send(detail(pipeline));
  });
  app.post('/validate', { schema: { summary: 'Validates a pipeline as lockstep validate does; 400 lists the issues.', consumes, body: pipelineDocument, response: { 200: validateReply, ...errors } } }, async (request) => {
    const { report } = supervisor.validateDocument(request.body);
    return { valid: true, guarantee: report };
  });
  const named = { params: nameParam };
  app.get<Named>('/pipelines/:name', { schema: { summary: 'A pipeline: its config (secrets redacted) and guarantee.', ...named, response: { 200: pipelineDetail, ...errors } } }, async (request) =>
    detail(supervisor.get(request.params.name)),
  );
  app.put<Named>(
    '/pipelines/:name',
    { schema: { summary: 'Replaces (or creates) a pipeline; it resumes from its last checkpoint.', ...named, consumes, body: pipelineDocument, response: { 200: pipelineDetail, 201: pipelineDetail, ...errors } } },
    async (request, reply) => {
      const { pipeline, created } = await supervisor.replace(request.params.name, request.body);
      return reply.code(created ? 201 : 200).send(detail(pipeline));
    },
  );
  app.delete<Named>('/pipelines/:name', { schema: { summary: 'Stops a pipeline with a savepoint and deletes it (its checkpoints stay).', ...named, response: { 204: { type: 'null' }, ...errors } } }, async (request, reply) => {
    await supervisor.remove(request.params.name);
    return reply.code(204).send();
  });
  app.get<Named>('/pipelines/:name/status', { schema: { summary: 'State, tasks, restarts, last error with causes, guarantee.', ...named, response: { 200: pipelineStatus, ...errors } } }, async (request) =>
    status(supervisor.get(request.params.name)),
  );
  for (const action of ['pause', 'resume', 'stop'] as const) {
    app.put<Named>(
      `/pipelines/:name/${action}`,
      { schema: { summary: ACTION_SUMMARY[action], ...named, response: { 202: pipelineStatus, ...errors } } },
      async (request, reply) => reply.code(202).send(status(await supervisor.hold(request.params.name, action))),
    );
  }
  app.post<Named>('/pipelines/:name/restart', { schema: { summary: 'Stops (with a savepoint) and starts again at once.', ...named, response: { 202: pipelineStatus, ...errors } } }, async (request, reply) =>
    reply.code(202).send(status(await supervisor.restart(request.params.name))),
  );
  app.get<Named>('/pipelines/:name/checkpoints', { schema: { summary: 'Recent checkpoints: id, time, duration, size, committed.', ...named, response: { 200: checkpointList, ...errors } } }, async (request) => {
    const pipeline = supervisor.get(request.params.name);
    const latest = await pipeline.lastCheckpoint();
    return {
      checkpoints: pipeline.checkpoints,
      latestCompleted: latest === undefined ? null : { id: latest.checkpointId, kind: latest.kind, completedAt: new Date(latest.completedAt).toISOString() },
    };
  });
  app.post<Named & { Body: { name?: string } | undefined }>(
    '/pipelines/:name/savepoints',
    { schema: { summary: 'Keeps the next completed checkpoint as a named savepoint.', ...named, body: savepointRequest, response: { 201: savepointReply, ...errors, 504: error } } },
    async (request, reply) => {
      const name = request.body?.name ?? `savepoint-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const saved = await supervisor.get(request.params.name).savepoint(name);
      return reply.code(201).send({ name, ...saved });
    },
  );
  app.get<Named>('/pipelines/:name/offsets', { schema: { summary: 'Source positions of the last completed checkpoint.', ...named, response: { 200: offsetsReply, ...errors } } }, async (request) => {
    const record = await supervisor.get(request.params.name).lastCheckpoint();
    if (record === undefined) return { checkpointId: null, completedAt: null, sources: {} };
    return { checkpointId: record.checkpointId, completedAt: new Date(record.completedAt).toISOString(), sources: sourceOffsets(record) };
  });
}

const ACTION_SUMMARY = {
  pause: 'Stops with a savepoint; stays PAUSED (also across service restarts) until resumed.',
  resume: 'Starts a paused, stopped, finished or failed pipeline from its last checkpoint.',
  stop: 'Stops with a savepoint; stays STOPPED (also across service restarts) until resumed.',
} as const;

function summary(pipeline: ManagedPipeline): Record<string, unknown> {
  return { name: pipeline.name, state: pipeline.state, origin: pipeline.origin, guarantee: pipeline.pipeline.report.guarantee };
}

function detail(pipeline: ManagedPipeline): Record<string, unknown> {
  return { ...summary(pipeline), config: redactConfig(pipeline.pipeline.config), guarantee: pipeline.pipeline.report };
}

/** GET /pipelines/{name}/status: the pipeline's state, and each subtask's (INITIALIZING, RUNNING, FINISHED) while it runs. */
export function status(pipeline: ManagedPipeline): Record<string, unknown> {
  const { config, report } = pipeline.pipeline;
  const { metrics } = pipeline;
  const tasks = [
    ...config.sources.map((source) => ({ role: 'source', component: source.id, parallelism: source.parallelism ?? config.parallelism })),
    ...config.sinks.map((sink) => ({ role: 'sink', component: sink.id, parallelism: sink.parallelism ?? config.parallelism })),
  ].flatMap(({ role, component, parallelism }) =>
    Array.from({ length: parallelism }, (_, subtask) => {
      const id = `${role}:${component}#${subtask}`;
      // while the pipeline runs, each subtask's own state; otherwise the pipeline's (nothing of it runs)
      const state = pipeline.state === 'RUNNING' ? (metrics.taskStates.get(id) ?? 'INITIALIZING') : pipeline.state;
      return { id, role, component, subtask, state };
    }),
  );
  const completedAt = pipeline.counts.lastCompletedAt;
  return {
    name: pipeline.name,
    state: pipeline.state,
    origin: pipeline.origin,
    guarantee: report.guarantee,
    tasks,
    restarts: { engine: metrics.restarts, service: pipeline.serviceRestarts, total: metrics.restarts + pipeline.serviceRestarts },
    nextRestartAt: pipeline.nextRestartAt === undefined ? null : new Date(pipeline.nextRestartAt).toISOString(),
    lastError: pipeline.lastError ?? null,
    lastCheckpoint:
      metrics.lastCheckpointId === undefined
        ? null
        : { id: metrics.lastCheckpointId, completedAt: new Date(completedAt).toISOString(), ageSeconds: (Date.now() - completedAt) / 1000 },
    records: { in: metrics.recordsIn, out: metrics.recordsOut },
    outcome: pipeline.outcome ?? null,
  };
}
