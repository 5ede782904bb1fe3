import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Client } from 'pg';
import { builtinRegistry } from '../../cli/builtin-registry';
import { LocalCheckpointStore } from '../../core/checkpoint/local-checkpoint-store';
import { loadPipelineText } from '../../core/config/pipeline-loader';
import { createComponents } from '../../core/runtime/create-components';
import { PipelineMetrics } from '../../core/runtime/pipeline-metrics';
import { runPipeline } from '../../core/runtime/pipeline-runner';
import { testServices } from '../env';
import { useDatabaseSwitch } from '../service/database-switch';
import { adminClient } from './postgres-sink-fixtures';

const { url } = testServices().postgres;
const RECORDS = 3_000;
/** What the proxy adds each way: a network hop of 10 ms round trip. */
const LATENCY_MS = 5;
/**
 * Checkpoints that must complete while the records flow. Healthy: 12–17 (p50 ~0.2 s) on a 2-core machine at load
 * 7–15; with the fault this guards against (channels bounded in records only, so a barrier queued behind hundreds of
 * 1-record batches, each a few round trips of the writer): 5, at p50 4 s and p99 17 s, in a run of 44–55 s instead of 6.
 */
const MIN_CHECKPOINTS = 8;

/**
 * A rate-limited source (500 records/s: one or two records per poll) into the exactly-once Postgres sink behind a
 * network hop, with 200 ms checkpoints. Each batch costs the writer a savepoint, a COPY and a release, each a round trip:
 * checkpoints must keep completing while the records flow, and every record lands once.
 */
describe('postgres sink behind a network hop', () => {
  const switchedDatabase = useDatabaseSwitch(url);
  let admin: Client;
  let dir: string;
  let table: string;

  beforeEach(async () => {
    admin = await adminClient();
    dir = await mkdtemp(join(tmpdir(), 'lockstep-pg-hop-'));
    table = `hop_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await admin.query(`CREATE TABLE ${table} (seq integer NOT NULL)`);
  });

  afterEach(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  });

  it(`completes at least ${MIN_CHECKPOINTS} checkpoints of 200 ms while ${RECORDS} records flow at 500/s, each record once`, async () => {
    const { url: proxied } = await switchedDatabase(LATENCY_MS);
    const name = `pg-hop-${randomUUID().slice(0, 8)}`;
    const registry = builtinRegistry();
    const config = loadPipelineText(
      [
        `name: ${name}`,
        'guarantee: exactly-once',
        `checkpoint: { interval: 200ms, timeout: 60s, storage: "${join(dir, 'checkpoints')}" }`,
        `sources: [{ id: gen, type: generator, count: ${RECORDS}, ratePerSecond: 500 }]`,
        '# no unique key: a duplicate would show in the count',
        `sinks: [{ id: db, type: postgres, url: "${proxied}", table: ${table} }]`,
      ].join('\n'),
      { file: join(dir, 'pipeline.yaml'), registry },
    );
    const metrics = new PipelineMetrics();
    const started = Date.now();
    const outcome = await runPipeline({
      components: () => createComponents(config, registry),
      store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
      log: pino({ level: 'silent' }),
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    process.stdout.write(
      `postgres behind a ${2 * LATENCY_MS} ms hop: ${metrics.checkpointsCompleted} checkpoints in ${Date.now() - started} ms, durations ${JSON.stringify(metrics.checkpointDurations)}\n`,
    );
    expect(outcome.status).toBe('finished');
    expect(metrics.checkpointsCompleted).toBeGreaterThanOrEqual(MIN_CHECKPOINTS);
    const rows = await admin.query<{ n: string; seqs: string }>(`SELECT count(*) AS n, count(DISTINCT seq) AS seqs FROM ${table}`);
    expect(rows.rows[0]).toEqual({ n: String(RECORDS), seqs: String(RECORDS) });
    expect((await admin.query('SELECT gid FROM pg_prepared_xacts WHERE gid LIKE $1', [`lockstep:${name}:%`])).rows).toEqual([]);
  }, 180_000);
});
