/**
 * Probe (not a test; `npx tsx bench/postgres-checkpoint-probe.ts`): a generator → exactly-once Postgres pipeline at a
 * fixed rate with short checkpoints, directly and through the integration tests' TCP proxy
 * (integration-tests/service/database-switch.ts), printing checkpoint counts and durations (p50 / p99, and the align,
 * save and commit phases) for each. While it runs it samples `pg_stat_activity` of the pipeline's sessions and prints
 * what they were doing whenever a sample finds a checkpoint older than a second (PROBE_SAMPLE=1).
 *   LOCKSTEP_POSTGRES_URL (unset: a local PostgreSQL is started for the run)
 *   PROBE_RECORDS (3000)  PROBE_RATE (500 records/s)  PROBE_INTERVAL (200ms)  PROBE_VIA (direct,proxy)  PROBE_ROUNDS (1)
 *   PROBE_LATENCY_MS (0: the proxy's added delay each way)
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Client } from 'pg';
import { builtinRegistry } from '../cli/builtin-registry';
import { LocalCheckpointStore } from '../core/checkpoint/local-checkpoint-store';
import { loadPipelineText } from '../core/config/pipeline-loader';
import { createComponents } from '../core/runtime/create-components';
import { PipelineMetrics, percentile } from '../core/runtime/pipeline-metrics';
import { runPipeline } from '../core/runtime/pipeline-runner';
import { freePort } from '../integration-tests/env/local/free-port';
import { DatabaseSwitch } from '../integration-tests/service/database-switch';
import { benchService, progress } from './bench-services';

const RECORDS = Number(process.env.PROBE_RECORDS ?? 3_000);
const RATE = Number(process.env.PROBE_RATE ?? 500);
const INTERVAL = process.env.PROBE_INTERVAL ?? '200ms';
const VIA = (process.env.PROBE_VIA ?? 'direct,proxy').split(',');
const ROUNDS = Number(process.env.PROBE_ROUNDS ?? 1);
const SAMPLE = process.env.PROBE_SAMPLE === '1';
/** One-way delay the proxy adds (ms). */
const LATENCY_MS = Number(process.env.PROBE_LATENCY_MS ?? 0);

interface ProbeResult {
  readonly via: string;
  readonly seconds: number;
  readonly metrics: PipelineMetrics;
}

async function runOnce(url: string, admin: Client, via: string): Promise<ProbeResult> {
  const run = randomUUID().slice(0, 8);
  const table = `probe_${run}`;
  const name = `probe-${run}`;
  await admin.query(`CREATE TABLE ${table} (seq integer NOT NULL)`);
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-probe-'));
  let proxy: DatabaseSwitch | undefined;
  let target = url;
  if (via === 'proxy') {
    const parsed = new URL(url);
    proxy = new DatabaseSwitch(await freePort(), { host: parsed.hostname, port: Number(parsed.port) }, LATENCY_MS);
    await proxy.start();
    parsed.port = String(proxy.port);
    target = parsed.toString();
  }
  const metrics = new PipelineMetrics();
  const registry = builtinRegistry();
  const config = loadPipelineText(
    `
name: ${name}
guarantee: exactly-once
checkpoint: { interval: ${INTERVAL}, timeout: 60s, storage: "${join(dir, 'checkpoints')}" }
sources: [{ id: gen, type: generator, count: ${RECORDS}, ratePerSecond: ${RATE} }]
sinks: [{ id: db, type: postgres, url: "${target}", table: ${table} }]
`,
    { file: join(dir, 'pipeline.yaml'), registry },
  );
  const sampler = SAMPLE ? sample(admin, name, metrics) : undefined;
  const started = Date.now();
  try {
    await runPipeline({
      components: () => createComponents(config, registry),
      store: new LocalCheckpointStore(config.checkpoint.storage, config.checkpoint.retain),
      log: pino({ level: process.env.PROBE_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    const seconds = (Date.now() - started) / 1000;
    const count = (await admin.query<{ n: string }>(`SELECT count(DISTINCT seq) AS n FROM ${table}`)).rows[0]?.n;
    if (Number(count) !== RECORDS) throw new Error(`${table} holds ${count} distinct seqs, not ${RECORDS}`);
    return { via, seconds, metrics };
  } finally {
    sampler?.stop();
    await proxy?.stop();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every 100 ms: when the pending checkpoint is older than a second, what the pipeline's sessions are doing. */
function sample(admin: Client, name: string, metrics: PipelineMetrics): { stop: () => void } {
  let last = metrics.checkpointsCompleted;
  let since = Date.now();
  const timer = setInterval(() => {
    if (metrics.checkpointsCompleted !== last) {
      last = metrics.checkpointsCompleted;
      since = Date.now();
      return;
    }
    if (Date.now() - since < 1_000) return;
    void admin
      .query<Record<string, unknown>>(
        `SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event, left(a.query, 60) AS query,
                (SELECT count(*) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS waiting_locks
           FROM pg_stat_activity a WHERE strpos(a.application_name, $1) > 0 ORDER BY a.application_name`,
        [name],
      )
      .then((result) => progress(`  +${Date.now() - since} ms without a checkpoint: ${JSON.stringify(result.rows)}`))
      .catch(() => undefined);
  }, 100);
  return { stop: () => clearInterval(timer) };
}

const ms = (values: readonly number[] | undefined, p: number): string => (values === undefined || values.length === 0 ? '–' : String(Math.round(percentile(values, p) ?? NaN)));

async function main(): Promise<void> {
  const { service, stop } = await benchService('postgres', () =>
    process.env.LOCKSTEP_POSTGRES_URL === undefined ? undefined : { url: process.env.LOCKSTEP_POSTGRES_URL, version: '' },
  );
  const admin = new Client({ connectionString: service.url });
  await admin.connect();
  try {
    process.stdout.write(`${RECORDS} records at ${RATE}/s, checkpoints every ${INTERVAL}, proxy latency ${LATENCY_MS} ms each way\n`);
    process.stdout.write('| via | s | checkpoints | p50 / p99 ms | align p50 / p99 | save p50 / p99 | commit p50 / p99 |\n|---|---|---|---|---|---|---|\n');
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const via of VIA) {
        const { seconds, metrics: m } = await runOnce(service.url, admin, via);
        const pair = (values: readonly number[] | undefined): string => `${ms(values, 50)} / ${ms(values, 99)}`;
        process.stdout.write(
          `| ${via} | ${seconds.toFixed(1)} | ${m.checkpointsCompleted} | ${pair(m.checkpointDurations)} | ${pair(m.checkpointAlignments)} | ${pair(m.checkpointSaves)} | ${pair(m.checkpointCommits)} |\n`,
        );
      }
    }
  } finally {
    await admin.end();
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
