/**
 * Benchmark (not a test; run with `npm run bench:postgres`): the exactly-once Postgres sink — COPY path and INSERT
 * path, one prepared transaction per checkpoint — against a raw `pg` loop of batched multi-row INSERTs committed
 * every checkpoint's worth of rows, at 1,000 and 10,000 rows per checkpoint, on the same database in the same run.
 * The sink is driven through its plugin API the way the engine drives it (write in batches of 512, `prepareCommit`
 * at each checkpoint, then the committer), so the figure is the sink's cost, not the pipeline's. Also the cost of one
 * PREPARE TRANSACTION + COMMIT PREPARED against a plain COMMIT. Prints a table; machines are shared and noisy, so
 * read the ratios, not the absolute numbers.
 *   LOCKSTEP_POSTGRES_URL (unset: a local PostgreSQL is started for the run and stopped after it)
 *   BENCH_ROWS (per run, default 100,000)   BENCH_ROUNDS (default 3)   BENCH_TWO_PHASE_SAMPLES (default 300)
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Client } from 'pg';
import type { LockstepRecord } from '../core/api/record';
import { percentile } from '../core/runtime/pipeline-metrics';
import { testInitContext, testPluginContext, testSinkWriterInitContext, validatedConfig } from '../core/testing';
import { PostgresSink, postgresSinkPlugin } from '../connectors/postgres/sink';
import { benchService, progress } from './bench-services';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TWO_PHASE_SAMPLES = Number(process.env.BENCH_TWO_PHASE_SAMPLES ?? 300);
const ROWS_PER_CHECKPOINT = [1_000, 10_000] as const;
/** What the engine hands a writer per `write` call (its default batch size). */
const ENGINE_BATCH = 512;
/** Rows per INSERT statement of the raw loop (the sink's default batchSize is 1000 too). */
const RAW_STATEMENT_ROWS = 1_000;

type Variant = 'raw' | 'copy' | 'insert';
const LABELS: Record<Variant, string> = {
  raw: 'raw pg, batched INSERT, COMMIT per checkpoint',
  copy: 'exactly-once sink, COPY path',
  insert: 'exactly-once sink, INSERT path',
};

interface Row {
  readonly id: string;
  readonly seq: number;
  readonly customer: string;
  readonly amount: number;
  readonly note: string;
}

const COLUMNS = ['id', 'seq', 'customer', 'amount', 'note'] as const;

function row(seq: number): Row {
  return { id: `r-${seq}`, seq, customer: `customer-${seq % 977}`, amount: (seq % 10_000) / 100, note: `order ${seq} ${'x'.repeat(64)}` };
}

async function createTable(db: Client): Promise<string> {
  const table = `bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await db.query(`CREATE TABLE ${table} (id text NOT NULL, seq integer NOT NULL, customer text NOT NULL, amount numeric(12,2) NOT NULL, note text)`);
  return table;
}

/** The raw baseline: BEGIN, multi-row parameterized INSERTs of RAW_STATEMENT_ROWS, COMMIT every `perCheckpoint` rows. */
async function rawLoop(url: string, table: string, perCheckpoint: number): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    for (let start = 0; start < ROWS; start += perCheckpoint) {
      await db.query('BEGIN');
      const end = Math.min(ROWS, start + perCheckpoint);
      for (let from = start; from < end; from += RAW_STATEMENT_ROWS) {
        const rows: Row[] = [];
        for (let seq = from; seq < Math.min(end, from + RAW_STATEMENT_ROWS); seq += 1) rows.push(row(seq));
        const values = rows.map((_, i) => `(${COLUMNS.map((__, c) => `$${i * COLUMNS.length + c + 1}`).join(', ')})`).join(', ');
        await db.query(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values}`, rows.flatMap((r) => COLUMNS.map((column) => r[column])));
      }
      await db.query('COMMIT');
    }
  } finally {
    await db.end();
  }
}

/** The sink as the engine drives it: writes of ENGINE_BATCH records, a checkpoint every `perCheckpoint` rows. */
async function sinkLoop(url: string, table: string, perCheckpoint: number, write: 'copy' | 'insert'): Promise<void> {
  const pipeline = `bench-${randomUUID().slice(0, 8)}`;
  const sink = new PostgresSink(validatedConfig(postgresSinkPlugin, { id: 'pg', url, table, write }), testPluginContext({ pipeline, componentId: 'pg' }));
  const log = pino({ level: 'silent' });
  const writer = sink.createWriter(testSinkWriterInitContext({ pipeline, componentId: 'pg', log }));
  const committer = sink.createCommitter(testInitContext({ pipeline, componentId: 'pg', log }));
  await writer.init();
  try {
    let checkpointId = 0;
    for (let start = 0; start < ROWS; start += perCheckpoint) {
      const end = Math.min(ROWS, start + perCheckpoint);
      for (let from = start; from < end; from += ENGINE_BATCH) {
        const records: LockstepRecord[] = [];
        for (let seq = from; seq < Math.min(end, from + ENGINE_BATCH); seq += 1) records.push({ value: row(seq), origin: `bench@${seq}` });
        await writer.write(records);
      }
      checkpointId += 1;
      await writer.flush(false);
      const committables = await writer.prepareCommit(checkpointId);
      const outcomes = await committer.commit(committables.map((committable) => ({ committable, checkpointId, attempt: 0 })));
      const failed = outcomes.find((outcome) => outcome.kind !== 'committed');
      if (failed !== undefined) throw new Error(`checkpoint ${checkpointId} did not commit: ${JSON.stringify(failed)}`);
    }
  } finally {
    await writer.close();
    await committer.close();
  }
}

async function countRows(db: Client, table: string): Promise<number> {
  const result = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(result.rows[0]?.n);
}

/** Milliseconds of `BEGIN; INSERT one row; <end>` for `samples` transactions, ended by COMMIT or by PREPARE + COMMIT PREPARED. */
async function transactionCost(url: string, table: string, twoPhase: boolean): Promise<number[]> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const times: number[] = [];
  try {
    for (let i = 0; i < TWO_PHASE_SAMPLES; i += 1) {
      const started = performance.now();
      await db.query('BEGIN');
      await db.query(`INSERT INTO ${table} (id, seq, customer, amount, note) VALUES ($1, $2, 'c', 1, null)`, [`t-${i}`, i]);
      if (twoPhase) {
        const gid = `lockstep-bench-${randomUUID()}`;
        await db.query(`PREPARE TRANSACTION '${gid}'`);
        await db.query(`COMMIT PREPARED '${gid}'`);
      } else {
        await db.query('COMMIT');
      }
      times.push(performance.now() - started);
    }
  } finally {
    await db.end();
  }
  return times;
}

async function main(): Promise<void> {
  const { service, stop } = await benchService('postgres', () => {
    const url = process.env.LOCKSTEP_POSTGRES_URL;
    return url === undefined || url === '' ? undefined : { url, version: 'external' };
  });
  const { url } = service;
  const db = new Client({ connectionString: url });
  await db.connect();
  const tables: string[] = [];
  try {
    const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
    // With fsync off (the test clusters run so) a commit costs no disk flush, and neither do the two of a prepared one.
    const fsync = (await db.query<{ fsync: string }>('SHOW fsync')).rows[0]?.fsync ?? '?';
    const rows: string[][] = [];
    const rates = new Map<string, number[]>();
    for (const perCheckpoint of ROWS_PER_CHECKPOINT) {
      for (let round = 0; round < ROUNDS; round += 1) {
        // Rotate the order so warm-up and machine noise hit every variant alike.
        const order: Variant[] = ['raw', 'copy', 'insert'];
        for (let r = 0; r < round; r += 1) order.push(order.shift() as Variant);
        for (const variant of order) {
          const table = await createTable(db);
          tables.push(table);
          progress(`${perCheckpoint} rows per checkpoint, round ${round + 1}: ${LABELS[variant]}…`);
          const started = performance.now();
          if (variant === 'raw') await rawLoop(url, table, perCheckpoint);
          else await sinkLoop(url, table, perCheckpoint, variant);
          const seconds = (performance.now() - started) / 1000;
          const written = await countRows(db, table);
          if (written !== ROWS) throw new Error(`${LABELS[variant]} wrote ${written} rows, not ${ROWS}`);
          const rate = ROWS / seconds;
          const key = `${perCheckpoint}:${variant}`;
          rates.set(key, [...(rates.get(key) ?? []), rate]);
          rows.push([String(perCheckpoint), `round ${round + 1}`, LABELS[variant], String(Math.round(rate))]);
          await db.query(`DROP TABLE ${table}`);
          tables.pop();
        }
      }
    }
    const costTable = await createTable(db);
    tables.push(costTable);
    progress('one transaction: COMMIT versus PREPARE TRANSACTION + COMMIT PREPARED…');
    const plain = await transactionCost(url, costTable, false);
    const twoPhase = await transactionCost(url, costTable, true);

    const median = (values: readonly number[]): number => percentile([...values], 50) ?? 0;
    const out = process.stdout;
    out.write(`\nPostgres sink, ${ROWS.toLocaleString('en')} rows per run (5 columns, ~100 B), PostgreSQL ${version}, fsync ${fsync}\n\n`);
    out.write('| rows per checkpoint | run | variant | rows/s |\n|---|---|---|---|\n');
    for (const line of rows) out.write(`| ${line.join(' | ')} |\n`);
    out.write('\n| measure | value |\n|---|---|\n');
    for (const perCheckpoint of ROWS_PER_CHECKPOINT) {
      const raw = median(rates.get(`${perCheckpoint}:raw`) ?? []);
      for (const variant of ['copy', 'insert'] as const) {
        const ratio = median(rates.get(`${perCheckpoint}:${variant}`) ?? []) / raw;
        out.write(`| ${LABELS[variant]} ÷ raw, ${perCheckpoint.toLocaleString('en')} rows per checkpoint (medians) | ${ratio.toFixed(3)} |\n`);
      }
    }
    const fmt = (values: number[], p: number): string => (percentile(values, p) ?? 0).toFixed(2);
    out.write(`| one-row transaction with COMMIT, p50 / p99 (ms, ${TWO_PHASE_SAMPLES} samples) | ${fmt(plain, 50)} / ${fmt(plain, 99)} |\n`);
    out.write(`| one-row transaction with PREPARE TRANSACTION + COMMIT PREPARED, p50 / p99 (ms) | ${fmt(twoPhase, 50)} / ${fmt(twoPhase, 99)} |\n`);
    out.write(`| cost of one prepare+commit over a plain commit, p50 (ms) | ${(median(twoPhase) - median(plain)).toFixed(2)} |\n`);
  } finally {
    for (const table of tables) await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db.end();
    await stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
