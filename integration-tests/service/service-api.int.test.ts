import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Ajv2020 from 'ajv/dist/2020';
import { testServices } from '../env';
import { useTempDir, usePostgresClient } from '../support/chaos-fixtures';
import { eventually } from '../support/eventually';
import { produceChaosRecords } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';
import { parseMetrics, sampleValue } from './prometheus-text';
import { useServices, waitForStatus, type ServiceReply, type ServiceUnderTest } from './service-process';

const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const TOKEN = 'test-token-0123456789';
const SECRET = 'not-a-real-password-7f3a';

/** The OpenAPI document's schema for a reply, compiled once per (path, method, status). */
class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, validateFormats: false });
  constructor(private readonly document: { paths: Record<string, Record<string, unknown>> }) {
    this.ajv.addSchema(document as object, 'openapi');
  }

  /** Errors of `reply` against the documented response of `path` `method` (empty when it matches). */
  check(path: string, method: string, reply: ServiceReply): string[] {
    const pointer = `/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${method}/responses/${reply.status}`;
    const response = pointerGet(this.document, pointer) as { content?: Record<string, { schema?: unknown }> } | undefined;
    if (response === undefined) return [`${method.toUpperCase()} ${path}: status ${reply.status} is not documented`];
    const json = response.content?.['application/json'];
    if (json?.schema === undefined) return [];
    const validate = this.ajv.getSchema(`openapi#${pointer}/content/application~1json/schema`);
    if (validate === undefined) return [`no schema at ${pointer}`];
    return validate(reply.body) ? [] : (validate.errors ?? []).map((error) => `${method.toUpperCase()} ${path} ${reply.status}: ${error.instancePath} ${error.message}`);
  }
}

function pointerGet(root: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, key) => (node === undefined || node === null ? undefined : (node as Record<string, unknown>)[key]), root);
}

describe('lockstep serve: the REST API on a Kafka → Postgres pipeline', () => {
  // declared first: jest runs afterEach hooks in declaration order, so the services stop before their folders go
  const startService = useServices();
  const tempDir = useTempDir('lockstep-serve-api-');
  const pg = usePostgresClient(url);
  const kafka = testKafka(brokers, 'lockstep-serve-api');
  let service: ServiceUnderTest | undefined;

  it('creates, runs, pauses, resumes, checkpoints, savepoints and deletes a pipeline; every reply matches /openapi.json', async () => {
    const dir = tempDir();
    const stateDir = join(dir, 'state');
    await mkdir(stateDir);
    const run = randomUUID().slice(0, 8);
    const name = `serve-api-${run}`;
    const topic = `serve-api-${run}`;
    const table = `serve_api_${run}`;
    const admin = kafka.admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();
    await produceChaosRecords(kafka, topic, 2_000);
    await pg().query(`CREATE TABLE ${table} (id text PRIMARY KEY, seq integer NOT NULL, note text)`);
    const count = async (): Promise<number> => Number((await pg().query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

    service = await startService({ stateDir, token: TOKEN, extraArgs: ['--max-body', '65536'] });
    const openapi = await service.call<{ openapi: string; paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json');
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
    const api = new OpenApiCheck(openapi.body);
    const problems: string[] = [];
    const call = async <T,>(method: string, documented: string, path: string, body?: unknown): Promise<ServiceReply<T>> => {
      const reply = await (service as ServiceUnderTest).call<T>(method, path, body);
      problems.push(...api.check(documented, method.toLowerCase(), reply));
      return reply;
    };
    // every route the API offers is documented
    for (const [path, methods] of Object.entries(ROUTES)) for (const method of methods) expect(Object.keys(openapi.body.paths[path] ?? {})).toContain(method);

    const document = {
      name,
      guarantee: 'exactly-once',
      checkpoint: { interval: '300ms', storage: join(dir, 'checkpoints') },
      parallelism: 2,
      sources: [{ id: 'in', type: 'kafka', brokers, topics: [topic], startFrom: 'earliest', valueFormat: 'json' }],
      sinks: [{ id: 'pg', type: 'postgres', url, password: SECRET, table, mode: 'upsert', key: ['id'] }],
    };
    const created = await call<{ state: string; config: unknown }>('POST', '/pipelines', '/pipelines', document);
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(SECRET);
    expect((await call('POST', '/pipelines', '/pipelines', document)).status).toBe(409);
    const running = await waitForStatus(service, name, (status) => status.state === 'RUNNING' && status.tasks.every((task) => task.state === 'RUNNING'));
    expect(running.tasks.map((task) => `${task.id} ${task.state}`)).toEqual(['source:in#0 RUNNING', 'source:in#1 RUNNING', 'sink:pg#0 RUNNING', 'sink:pg#1 RUNNING']);
    expect(await eventually(count, (n) => n === 2_000, 60_000)).toBe(2_000);

    const fetched = await call<{ name: string }>('GET', '/pipelines/{name}', `/pipelines/${name}`);
    expect(fetched.body.name).toBe(name);
    expect(fetched.text).not.toContain(SECRET);
    expect((await call<{ name: string }[]>('GET', '/pipelines', '/pipelines')).body.map((pipeline) => pipeline.name)).toEqual([name]);

    // pause: nothing more arrives; resume: the rest arrives
    const paused = await call<{ state: string }>('PUT', '/pipelines/{name}/pause', `/pipelines/${name}/pause`);
    expect(paused.status).toBe(202);
    expect(paused.body.state).toBe('PAUSED');
    await produceChaosRecordsFrom(2_000, 500);
    await sleep(1_500);
    expect(await count()).toBe(2_000);
    expect((await call<{ state: string }>('PUT', '/pipelines/{name}/resume', `/pipelines/${name}/resume`)).body.state).toBe('RUNNING');
    expect(await eventually(count, (n) => n === 2_500, 60_000)).toBe(2_500);

    // replace (a new checkpoint interval) and restart: both resume from the last checkpoint, nothing is copied twice
    const replaced = await call<{ config: { checkpoint: { intervalMs: number } } }>('PUT', '/pipelines/{name}', `/pipelines/${name}`, {
      ...document,
      checkpoint: { ...document.checkpoint, interval: '400ms' },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body.config.checkpoint.intervalMs).toBe(400);
    expect((await call('POST', '/pipelines/{name}/restart', `/pipelines/${name}/restart`)).status).toBe(202);
    expect((await waitForStatus(service, name, (status) => status.state === 'RUNNING' && status.lastCheckpoint !== null)).state).toBe('RUNNING');
    expect((await call<{ ready: boolean }>('GET', '/readyz', '/readyz')).body.ready).toBe(true);
    const connectors = await call<{ kind: string; type: string }[]>('GET', '/connectors', '/connectors');
    expect(connectors.body.map(({ kind, type }) => `${kind}:${type}`)).toEqual(expect.arrayContaining(['source:kafka', 'sink:postgres', 'transform:map']));

    // offsets of the last completed checkpoint: each partition's position is its end offset (read with the admin
    // client: a producer retry on a loaded machine may have written a record twice, which the upsert hides in the table)
    const admin2 = kafka.admin();
    await admin2.connect();
    const ends = Object.fromEntries(
      (await admin2.fetchTopicOffsets(topic)).map(({ partition, high }) => [`${topic}-${partition}`, Number(high)] as const).sort(([a], [b]) => a.localeCompare(b)),
    );
    await admin2.disconnect();
    expect(Object.values(ends).reduce((sum, end) => sum + end, 0)).toBeGreaterThanOrEqual(2_500);
    const offsets = await eventually(
      () => call<{ checkpointId: number; sources: Record<string, Record<string, KafkaSplitState[]>> }>('GET', '/pipelines/{name}/offsets', `/pipelines/${name}/offsets`),
      (reply) => JSON.stringify(positions(reply.body.sources)) === JSON.stringify(ends),
      30_000,
    );
    expect(positions(offsets.body.sources)).toEqual(ends);
    expect(offsets.body.checkpointId).toBeGreaterThan(0);

    const checkpoints = await call<{ checkpoints: { status: string; id: number; durationMs: number; sizeBytes: number; committed: boolean }[] }>(
      'GET',
      '/pipelines/{name}/checkpoints',
      `/pipelines/${name}/checkpoints`,
    );
    const completed = checkpoints.body.checkpoints.filter((checkpoint) => checkpoint.status === 'completed');
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((checkpoint) => checkpoint.sizeBytes > 0 && checkpoint.durationMs >= 0 && checkpoint.committed)).toBe(true);

    const savepoint = await call<{ path: string; checkpointId: number }>('POST', '/pipelines/{name}/savepoints', `/pipelines/${name}/savepoints`, { name: 'before-delete' });
    expect(savepoint.status).toBe(201);
    expect(existsSync(savepoint.body.path)).toBe(true);

    // /metrics, read with a Prometheus text-format parser
    const families = parseMetrics((await service.call('GET', '/metrics')).text);
    const labels = { pipeline: name };
    expect(sampleValue(families, 'lockstep_pipeline_state', { ...labels, state: 'RUNNING' })).toBe(1);
    expect(sampleValue(families, 'lockstep_source_records_total', { ...labels, source: 'in' })).toBeGreaterThanOrEqual(2_500);
    expect(sampleValue(families, 'lockstep_sink_records_total', { ...labels, sink: 'pg' })).toBeGreaterThanOrEqual(2_500);
    expect(sampleValue(families, 'lockstep_checkpoints_completed_total', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'lockstep_commits_total', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'lockstep_commit_failures_total', labels)).toBe(0);
    expect(sampleValue(families, 'lockstep_checkpoint_size_bytes', labels)).toBeGreaterThan(0);
    expect(sampleValue(families, 'lockstep_checkpoint_last_completed_id', labels)).toBeGreaterThanOrEqual(offsets.body.checkpointId);
    expect(sampleValue(families, 'lockstep_checkpoint_last_completed_age_seconds', labels)).toBeGreaterThanOrEqual(0);
    expect(families.get('lockstep_checkpoint_duration_seconds')?.type).toBe('HISTOGRAM');
    // (the parser keeps a histogram's buckets but not its labels: this service runs one pipeline)
    const histogram = families.get('lockstep_checkpoint_duration_seconds')?.metrics ?? [];
    expect(histogram).toHaveLength(1);
    expect(Number(histogram[0]?.buckets?.['+Inf'])).toBeGreaterThanOrEqual(completed.length);
    expect(sampleValue(families, 'lockstep_pipeline_restarts_total', { ...labels, by: 'service' })).toBe(0);
    // every partition caught up: its lag is known and 0
    const lags = families.get('lockstep_source_lag_records')?.metrics.filter((metric) => metric.labels?.pipeline === name) ?? [];
    expect(lags.map((metric) => metric.labels?.split).sort()).toEqual([0, 1, 2].map((partition) => `${topic}-${partition}`));
    expect(lags.map((metric) => Number(metric.value))).toEqual([0, 0, 0]);

    expect((await call('DELETE', '/pipelines/{name}', `/pipelines/${name}`)).status).toBe(204);
    expect((await call('GET', '/pipelines/{name}', `/pipelines/${name}`)).status).toBe(404);
    expect(existsSync(join(stateDir, 'pipelines', `${name}.json`))).toBe(false);
    const rows = await pg().query<{ n: string; ids: string }>(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${table}`);
    expect(rows.rows[0]).toEqual({ n: '2500', ids: '2500' });
    expect(problems).toEqual([]);

    async function produceChaosRecordsFrom(first: number, records: number): Promise<void> {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const messages = Array.from({ length: records }, (_, i) => ({ key: `r-${first + i}`, value: JSON.stringify({ id: `r-${first + i}`, seq: first + i, note: 'late' }) }));
      await producer.send({ topic, acks: -1, messages });
      await producer.disconnect();
    }
  });

  it('answers an invalid pipeline with 400 and field paths, a missing or wrong token with 401, an oversized body with 413', async () => {
    const stateDir = join(tempDir(), 'state');
    await mkdir(stateDir);
    service = await startService({ stateDir, token: TOKEN, extraArgs: ['--max-body', '65536'] });
    const invalid = await service.call<{ error: { code: string; issues: { path: string; message: string }[] } }>('POST', '/pipelines', {
      name: 'broken',
      checkpoint: { interval: 'soon' },
      sources: [{ id: 'g', type: 'generator', count: -1 }],
      sinks: [{ id: 'pg', type: 'postgress', table: 't' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('LS_CONFIG_INVALID');
    const paths = invalid.body.error.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['/checkpoint/interval', '/sinks/0/type']));
    expect(invalid.body.error.issues.find((issue) => issue.path === '/sinks/0/type')?.message).toContain("did you mean 'postgres'");
    const validated = await service.call<{ error: { issues: { path: string }[] } }>('POST', '/validate', { name: 'x', sources: [], sinks: [] });
    expect(validated.status).toBe(400);
    expect(validated.body.error.issues.length).toBeGreaterThan(0);
    const yaml = 'name: from-yaml\nsources: [{ id: g, type: generator, count: 5 }]\nsinks: [{ id: out, type: stdout }]\n';
    const fromYaml = await service.call<{ valid: boolean; guarantee: { pipeline: string } }>('POST', '/validate', yaml, { 'content-type': 'application/yaml' });
    expect(fromYaml.status).toBe(200);
    expect(fromYaml.body).toMatchObject({ valid: true, guarantee: { pipeline: 'from-yaml' } });
    const brokenYaml = await service.call<{ error: { code: string; issues: { line?: number }[] } }>('POST', '/validate', 'name: x\nsources: [\n', { 'content-type': 'application/yaml' });
    expect(brokenYaml.status).toBe(400);
    expect(brokenYaml.body.error.code).toBe('LS_CONFIG_PARSE');
    expect(brokenYaml.body.error.issues[0]?.line).toBeGreaterThan(0);
    const badSavepoint = await service.call<{ error: { issues: { path: string }[] } }>('POST', '/pipelines/nothing/savepoints', { name: '../x' });
    expect(badSavepoint.status).toBe(400);
    expect(badSavepoint.body.error.issues.map((issue) => issue.path)).toEqual(['/name']);
    expect((await service.call('GET', '/pipelines/nothing/status')).status).toBe(404);

    expect((await service.call('GET', '/pipelines', undefined, { authorization: '' })).status).toBe(401);
    expect((await service.call('GET', '/pipelines', undefined, { authorization: 'Bearer wrong-token-000000' })).status).toBe(401);
    expect((await service.call('GET', '/metrics', undefined, { authorization: '' })).status).toBe(401);
    expect((await service.call('GET', '/healthz', undefined, { authorization: '' })).status).toBe(200);

    const big = await service.call<{ error: { code: string } }>('POST', '/pipelines', { name: 'big', padding: 'x'.repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('LS_SERVICE_BODY_TOO_LARGE');
  });
});

/** The routes of the API, as documented in /openapi.json (kept in sync with service/server.ts and pipeline-routes.ts). */
const ROUTES: Record<string, string[]> = {
  '/healthz': ['get'],
  '/readyz': ['get'],
  '/metrics': ['get'],
  '/connectors': ['get'],
  '/validate': ['post'],
  '/pipelines': ['get', 'post'],
  '/pipelines/{name}': ['get', 'put', 'delete'],
  '/pipelines/{name}/status': ['get'],
  '/pipelines/{name}/pause': ['put'],
  '/pipelines/{name}/resume': ['put'],
  '/pipelines/{name}/stop': ['put'],
  '/pipelines/{name}/restart': ['post'],
  '/pipelines/{name}/checkpoints': ['get'],
  '/pipelines/{name}/savepoints': ['post'],
  '/pipelines/{name}/offsets': ['get'],
};

interface KafkaSplitState {
  readonly splitId: string;
  readonly start: { readonly offset?: number };
}

/** The Kafka positions in an offsets reply, by split id (`<topic>-<partition>`), in split id order; a split held twice shows as `-1`. */
function positions(sources: Record<string, Record<string, KafkaSplitState[]>>): Record<string, number> {
  const found = new Map<string, number>();
  for (const split of Object.values(sources).flatMap((subtasks) => Object.values(subtasks).flat())) {
    found.set(split.splitId, found.has(split.splitId) ? -1 : (split.start.offset ?? 0));
  }
  return Object.fromEntries([...found].sort(([a], [b]) => a.localeCompare(b)));
}
