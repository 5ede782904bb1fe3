import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SeededRandom } from '../../core/testing/seeded-random';
import { testServices } from '../env';
import { usePostgresClient, useTempDir } from '../support/chaos-fixtures';
import { exactlyOnceHeader } from '../support/chaos-pipeline-yaml';
import { crashTrialSettings, describeCrashTrial, expectKillsLanded, runCrashTrial } from '../support/crash-trial';
import { readCommitted } from '../support/kafka-read-committed';
import { SnapshotChurn } from '../support/snapshot-churn';
import { openKafkaTransactions } from '../support/kafka-topics';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Crash test with real processes during the **initial snapshot**: `lockstep run` on Postgres CDC (`snapshot: initial`,
 * chunked beside the stream) → `throttle` → Kafka exactly-once, checkpoints every 500 ms, over a table of 200,000 rows
 * (even ids) while another connection inserts rows (odd ids inside the key range, and ids above the largest one at the
 * start), updates and deletes rows. The pipeline is SIGKILLed at random moments and at two fail points while the
 * snapshot is under way; a last run goes on until the table and Kafka agree and is stopped with SIGTERM. A
 * read_committed reader (kcat) must see, for every row, first its `read` or its `insert` and exactly one of them (ids
 * are never reused), every row in some record, and — applying each key's events in partition order — the table as it is.
 */
const services = testServices();
const { brokers } = services.kafka;
const { url } = services.postgres;
const { records: ROWS, seeds: SEEDS, rate: RATE } = crashTrialSettings('CDC_SNAPSHOT', { records: 200_000, seeds: '11', rate: 6_000 });
const KILLS = 5;

interface ChangeEvent {
  readonly op: string;
  readonly after: { readonly id: number; readonly v: string; readonly n: number } | null;
  readonly before: { readonly id: number } | null;
}

function pipelineYaml(name: string, dir: string, table: string, topic: string): string {
  return [
    ...exactlyOnceHeader(name, dir),
    'sources:',
    `  - { id: cdc, type: postgres-cdc, url: "${url}", tables: [${table}], slot: ${table}, publication: ${table}, snapshot: initial }`,
    'transforms:',
    `  - { id: pace, type: throttle, recordsPerSecond: ${RATE} }`,
    'sinks:',
    `  - { id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic} }`,
    '',
  ].join('\n');
}

describe('postgres cdc snapshot → kafka under kill -9', () => {
  const kafka = testKafka(brokers, 'lockstep-chaos');
  const tempDir = useTempDir('lockstep-cdc-snapshot-crash-');
  const pg = usePostgresClient(url);

  it.each(SEEDS)('seed %i: every row first and once as read or insert, none lost, the table rebuilt from Kafka, after ≥5 kills during the snapshot', async (seed) => {
    const dir = tempDir();
    const db = pg();
    const random = new SeededRandom(seed);
    const run = `${seed}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    const name = `chaos-cdc-snap-${run.replaceAll('_', '-')}`;
    const table = `chaos_cdc_snap_${run}`;
    const topic = `chaos-cdc-snap-${run}`;
    const admin = kafka.admin();
    await admin.connect();
    let churn: SnapshotChurn | undefined;
    try {
      await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      await db.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text NOT NULL, n int NOT NULL)`);
      await db.query(`INSERT INTO ${table} SELECT 2 * g, 'v0', 0 FROM generate_series(1, ${ROWS}) g`);
      churn = await SnapshotChurn.start(url, table, { rows: ROWS, random, pauseMs: 20 });
      const file = join(dir, 'pipeline.yaml');
      await writeFile(file, pipelineYaml(name, dir, table, topic));
      const expectedState = async (): Promise<Map<string, string>> => {
        const rows = await db.query<{ id: number; v: string; n: number }>(`SELECT id, v, n FROM ${table}`);
        return new Map(rows.rows.map((row) => [`{"id":${row.id}}`, `${row.v}/${row.n}`]));
      };
      let stopAt: Promise<Map<string, string>> | undefined;
      const trial = await runCrashTrial({
        pipelineFile: file,
        logFile: join(dir, 'runs.log'),
        random,
        randomKills: KILLS,
        killAfterMs: [2_000, 4_000],
        complete: async () => {
          // stop writing once the last run is under way, then wait for Kafka to hold the table
          if (stopAt === undefined) {
            await churn?.stop();
            stopAt = expectedState();
          }
          const expected = await stopAt;
          await sleep(1_000);
          const state = rebuild(await readCommitted(brokers, topic)).state;
          return state.size === expected.size && [...expected].every(([key, value]) => state.get(key) === value);
        },
      });
      const expected = await (stopAt ?? expectedState());
      const { state, reads, inserts, seen, changedFirst } = rebuild(await readCommitted(brokers, topic));
      const readTwice = [...reads].filter(([, count]) => count > 1).length;
      const insertedTwice = [...inserts].filter(([, count]) => count > 1).length;
      const readAndInserted = [...reads.keys()].filter((key) => inserts.has(key)).length;
      const neverSeen = [...expected.keys()].filter((key) => !seen.has(key)).length;
      const wrong = [...expected].filter(([key, value]) => state.get(key) !== value).length;
      const open = (await openKafkaTransactions(kafka, `${name}-out`)).map((entry) => `${entry.transactionalId} (${entry.state})`);
      process.stdout.write(
        `postgres cdc snapshot → kafka crash trial, seed ${seed}: ${ROWS} rows, ${churn?.transactions} concurrent write transactions, ` +
          `${describeCrashTrial(trial)}; rows read ${reads.size} (${readTwice} twice), inserted ${inserts.size} (${insertedTwice} twice), ` +
          `${readAndInserted} read and inserted, ${changedFirst} first seen as a change, ${neverSeen} in no record; rebuilt ${state.size} of ${expected.size} rows, ${wrong} wrong or missing; ${open.length} transactions left open\n`,
      );
      expectKillsLanded(trial, KILLS);
      expect({ readTwice, insertedTwice, readAndInserted, changedFirst, neverSeen, wrong, rebuilt: state.size, open }).toEqual({
        readTwice: 0,
        insertedTwice: 0,
        readAndInserted: 0,
        changedFirst: 0,
        neverSeen: 0,
        wrong: 0,
        rebuilt: expected.size,
        open: [],
      });
    } finally {
      await churn?.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
      await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [table]).catch(() => undefined);
      await db.query(`DROP PUBLICATION IF EXISTS ${table}`).catch(() => undefined);
      await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    }
  }, 900_000);
});

/** The table as the change events say (each key's events in partition order), and how often each row was read/inserted. */
function rebuild(messages: readonly { readonly key: string | null; readonly value: string | null }[]): {
  state: Map<string, string>;
  reads: Map<string, number>;
  inserts: Map<string, number>;
  seen: Set<string>;
  /** Rows whose first record was neither their read nor their insert. */
  changedFirst: number;
} {
  let changedFirst = 0;
  const state = new Map<string, string>();
  const reads = new Map<string, number>();
  const inserts = new Map<string, number>();
  const seen = new Set<string>();
  for (const message of messages) {
    const key = message.key ?? 'null';
    const event = JSON.parse(message.value ?? 'null') as ChangeEvent | null;
    if (event === null) continue;
    if (!seen.has(key) && event.op !== 'read' && event.op !== 'insert') changedFirst += 1;
    seen.add(key);
    if (event.op === 'read') reads.set(key, (reads.get(key) ?? 0) + 1);
    if (event.op === 'insert') inserts.set(key, (inserts.get(key) ?? 0) + 1);
    if (event.op === 'delete') state.delete(key);
    else if (event.after !== null) state.set(key, `${event.after.v}/${event.after.n}`);
  }
  return { state, reads, inserts, seen, changedFirst };
}
