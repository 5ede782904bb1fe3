import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { testServices } from '../env';
import { preparedGids } from '../postgres/postgres-sink-fixtures';
import { committedSeqs } from '../support/committed-part-files';
import { eventually } from '../support/eventually';
import { readCommitted } from '../support/kafka-read-committed';
import { startLockstep, type LockstepProcess } from '../support/lockstep-process';
import { createTestTopics, testKafka } from '../support/test-kafka';

/**
 * Issue 11, reproduction 3, with real `lockstep run` processes: a checkpoint storage that lost its checkpoints never
 * leads to a silent fresh start or a silent fallback. Each case is refused (exit 1, one readable line naming what the
 * sinks hold and the ways on) and the sink's output is unchanged, read by an independent reader (the committed part
 * files, psql-style queries, a read_committed fetch); `--reset` then goes on deliberately and says what it cleaned;
 * a fallback the sinks prove harmless goes on and keeps every record exactly once.
 */
const services = testServices();
const RECORDS = 20_000;

describe('missing checkpoints: no silent fresh start', () => {
  let dir: string;
  const started: LockstepProcess[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-missing-'));
  });
  afterEach(async () => {
    for (const run of started.splice(0)) run.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const checkpoints = (): string => join(dir, 'checkpoints');
  const logOf = (name: string): Promise<string> => readFile(join(dir, `${name}.log`), 'utf8').catch(() => '');

  function start(name: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): LockstepProcess {
    const run = startLockstep(['run', join(dir, 'pipeline.yaml'), ...args], join(dir, `${name}.log`), env);
    started.push(run);
    return run;
  }

  async function pipeline(name: string, sink: string, extra: { rate?: number } = {}): Promise<void> {
    const lines = [
      `name: ${name}`,
      'guarantee: exactly-once',
      `checkpoint: { interval: 200ms, timeout: 30s, storage: "${checkpoints()}" }`,
      'parallelism: 2',
      'sources:',
      `  - { id: gen, type: generator, count: ${RECORDS}, ratePerSecond: ${extra.rate ?? 5_000} }`,
      'sinks:',
      `  - ${sink}`,
      '',
    ];
    await writeFile(join(dir, 'pipeline.yaml'), lines.join('\n'));
  }

  /** A run that crashes itself right after its `n`th checkpoint record was written, before that checkpoint's commits. */
  async function crashAfterCheckpoint(n: number): Promise<void> {
    expect(await start('crashed', [], { LOCKSTEP_CRASH_POINTS: `after-checkpoint-saved@${n}` }).exited).toBe('SIGKILL');
  }

  /** A run that must be refused: exit 1, the last line of its output one readable line; returns that line. */
  async function expectRefused(name: string, args: readonly string[] = []): Promise<string> {
    const startedAt = Date.now();
    const exit = await start(name, args).exited;
    const elapsed = Date.now() - startedAt;
    const lines = (await logOf(name)).trimEnd().split('\n');
    const last = lines.at(-1) ?? '';
    expect(exit).toBe(1);
    expect(last.startsWith('{')).toBe(false);
    expect(last).toMatch(/[Tt]o go on.*deliberately/);
    expect(await logOf(name)).not.toContain('starting fresh');
    process.stdout.write(`${name}: refused (exit ${exit}) after ${elapsed} ms: ${last.slice(0, 400)}…\n`);
    return last;
  }

  const checkpointFiles = async (): Promise<string[]> => (await readdir(checkpoints())).filter((name) => /^chk-\d+\.json$/.test(name)).sort();

  it('file sink, chk-*.json gone but checkpoint-id.json kept: refused, output unchanged', async () => {
    const out = join(dir, 'out');
    await pipeline('missing-file', `{ id: out, type: file, path: "${out}" }`);
    await crashAfterCheckpoint(6);
    const before = (await committedSeqs(out)).sort((a, b) => a - b);
    expect(before.length).toBeGreaterThan(0);
    for (const name of await checkpointFiles()) await rm(join(checkpoints(), name));
    const line = await expectRefused('refused');
    expect(line).toMatch(/recorded checkpoint 6 as completed but holds no checkpoint: checkpoint files were removed/);
    expect(line).toMatch(/sink 'out' holds commits of checkpoints: \d+ committed part files \(checkpoints \d+–5\)/);
    expect(line).toContain('Starting afresh would write that again');
    const after = (await committedSeqs(out)).sort((a, b) => a - b);
    expect(after).toEqual(before);
    expect(new Set(after).size).toBe(after.length);
  }, 180_000);

  it('file sink, newest checkpoint corrupt and deleted by hand: refused while the sink holds its commits', async () => {
    const out = join(dir, 'out');
    await pipeline('corrupt-file', `{ id: out, type: file, path: "${out}" }`, { rate: 2_000 });
    const first = start('first');
    await eventually(() => committedSeqs(out).catch(() => []), (seqs) => seqs.length > 2_000, 60_000);
    first.child.kill('SIGTERM'); // a stop with a savepoint: the newest checkpoint is committed
    expect(await first.exited).toBe(0);
    const before = (await committedSeqs(out)).sort((a, b) => a - b);
    const ids = (await checkpointFiles()).map((name) => Number(/\d+/.exec(name)?.[0]));
    const newest = ids.at(-1) as number;
    // The newest checkpoint whose part files are committed (the stop's savepoint, unless it found nothing to write).
    const committed = Math.max(...(await readdir(out)).flatMap((name) => /^part-\d+-(\d+)\.jsonl$/.exec(name)?.[1] ?? []).map(Number));
    expect(ids).toContain(committed);
    const file = (id: number): string => join(checkpoints(), `chk-${String(id).padStart(12, '0')}.json`);
    await writeFile(file(newest), '{"formatVersion":2,"pipel');
    expect(await expectRefused('corrupt')).toContain(`${file(newest)} is damaged`);
    // Deleted by hand, with any newer one the sink holds nothing of.
    for (const id of ids.filter((id) => id >= committed)) await rm(file(id));
    const line = await expectRefused('deleted');
    expect(line).toContain(`recorded checkpoint ${newest} as completed but holds checkpoint ${Math.max(...ids.filter((id) => id < committed))} as its newest`);
    expect(line).toMatch(new RegExp(`sink 'out' holds commits of checkpoints after \\d+: \\d+ committed part files \\(checkpoints \\d+–${committed}\\)`));
    const after = (await committedSeqs(out)).sort((a, b) => a - b);
    expect(after).toEqual(before);
    expect(new Set(after).size).toBe(after.length);
  }, 180_000);

  it('file sink, newest checkpoint deleted before its commit: falls back, proven harmless, every seq exactly once', async () => {
    const out = join(dir, 'out');
    await pipeline('fallback-file', `{ id: out, type: file, path: "${out}" }`);
    await crashAfterCheckpoint(6);
    const newest = (await checkpointFiles()).at(-1) as string;
    expect(newest).toBe('chk-000000000006.json');
    await rm(join(checkpoints(), newest));
    expect(await start('fallback').exited).toBe(0);
    expect(await logOf('fallback')).toContain('the sinks hold nothing that checkpoint 6 committed, so lockstep goes on from checkpoint 5');
    const seqs = await committedSeqs(out);
    expect(seqs).toHaveLength(RECORDS);
    expect(new Set(seqs).size).toBe(RECORDS);
  }, 180_000);

  describe('postgres sink', () => {
    let db: Client;
    beforeAll(async () => {
      db = new Client({ connectionString: services.postgres.url });
      await db.connect();
    });
    afterAll(() => db.end());

    it('checkpoint folder gone while lockstep_commits holds markers: refused naming them; --reset cleans and goes on', async () => {
      const run = randomUUID().slice(0, 8);
      const name = `missing-pg-${run}`;
      const table = `missing_pg_${run}`;
      // No unique constraint: a duplicate must show in the count, not be refused by the database.
      await db.query(`CREATE TABLE ${table} (seq integer NOT NULL)`);
      await pipeline(name, `{ id: pg, type: postgres, url: "${services.postgres.url}", table: ${table} }`);
      await crashAfterCheckpoint(5);
      const prefix = `lockstep:${name}:pg:`;
      const counts = async (): Promise<{ rows: number; distinct: number }> => {
        const result = await db.query<{ rows: number; distinct: number }>(`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct FROM ${table}`);
        return result.rows[0] as { rows: number; distinct: number };
      };
      const markers = async (): Promise<number[]> =>
        (await db.query<{ id: string }>('SELECT checkpoint_id::text AS id FROM lockstep_commits WHERE pipeline = $1 ORDER BY 1', [name])).rows.map((row) => Number(row.id));
      const before = await counts();
      expect(before.rows).toBeGreaterThan(0);
      expect(before.distinct).toBe(before.rows);
      const oldMarkers = await markers();
      expect(oldMarkers.length).toBeGreaterThan(0);
      const prepared = await preparedGids(db, prefix);
      expect(prepared.length).toBeGreaterThan(0); // checkpoint 5's transactions: saved, never committed

      await rm(checkpoints(), { recursive: true });
      const line = await expectRefused('refused');
      expect(line).toContain(`holds nothing of pipeline ${name}`);
      expect(line).toMatch(new RegExp(`sink 'pg' holds traces of an earlier run: ${oldMarkers.length} commit markers of checkpoints? [0-9–]+ in public.lockstep_commits; ${prepared.length} prepared transactions`));
      expect(await counts()).toEqual(before);
      expect(await preparedGids(db, prefix)).toEqual(prepared);

      expect(await start('reset', ['--reset']).exited).toBe(0);
      const log = await logOf('reset');
      expect(log).toContain(`RESET: sink 'pg': rolled back ${prepared.length} prepared transactions`);
      expect(log).toContain(`RESET: sink 'pg': deleted ${oldMarkers.length} commit markers of this sink from public.lockstep_commits`);
      expect(await preparedGids(db, prefix)).toEqual([]);
      // Deliberately from scratch: every seq once more on top of what was committed before the reset.
      expect(await counts()).toEqual({ rows: before.rows + RECORDS, distinct: RECORDS });
      // The new run's checkpoint ids went on past the old markers.
      expect(Math.min(...(await markers()))).toBeGreaterThan(Math.max(...oldMarkers));
      await db.query(`DROP TABLE ${table}`);
    }, 180_000);
  });

  describe('kafka sink', () => {
    const { brokers } = services.kafka;

    it('checkpoint folder gone while the brokers know its transactional ids: refused, topic unchanged', async () => {
      const run = randomUUID().slice(0, 8);
      const topic = `missing-kafka-${run}`;
      const admin = testKafka(brokers).admin();
      await admin.connect();
      try {
        await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
      } finally {
        await admin.disconnect();
      }
      await pipeline(`missing-kafka-${run}`, `{ id: out, type: kafka, brokers: ${JSON.stringify(brokers)}, topic: ${topic} }`);
      await crashAfterCheckpoint(5);
      const seqsIn = async (): Promise<number[]> =>
        (await readCommitted(brokers, topic)).map((message) => (JSON.parse(message.value ?? 'null') as { seq: number }).seq).sort((a, b) => a - b);
      const before = await seqsIn();
      expect(before.length).toBeGreaterThan(0);
      expect(new Set(before).size).toBe(before.length);

      await rm(checkpoints(), { recursive: true });
      const line = await expectRefused('refused');
      expect(line).toMatch(new RegExp(`sink 'out' holds traces of an earlier run: \\d+ committed kafka transactions \\(missing-kafka-${run}-out-`));
      expect(await seqsIn()).toEqual(before);
    }, 180_000);
  });
});
