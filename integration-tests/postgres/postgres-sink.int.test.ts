import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import type { CommitOutcome } from '../../core/api/commit';
import type { LockstepRecord } from '../../core/api/record';
import type { SinkWriterInitContext } from '../../core/api/init-context';
import { supportsCommitter } from '../../core/api/sink';
import type { CommittingSinkWriter, SinkWriter } from '../../core/api/sink-writer';
import { LockstepError } from '../../core/errors/lockstep-error';
import { RecordError } from '../../core/errors/record-error';
import { testInitContext, testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { AtLeastOncePostgresSink, PostgresSink, postgresSinkPlugin, type PostgresCommittable, type PostgresSinkConfig } from '../../connectors/postgres/sink';
import { testServices } from '../env';
import { adminClient, preparedGids, rollbackAll, uniqueTable } from './postgres-sink-fixtures';

/**
 * Postgres sink behaviour beyond the conformance suite, against the real server: visibility at commit, recovery
 * commits and orphan rollback, the commit markers, bad records on both write paths, upsert, at-least-once.
 */
const { url } = testServices().postgres;

describe('postgres sink', () => {
  let admin: Client;
  let table: string;
  let pipeline: string;
  const writers: SinkWriter[] = [];
  const sinks: { readonly gids: PostgresSink['gids'] }[] = [];

  beforeEach(async () => {
    admin = await adminClient();
    table = uniqueTable('sink');
    pipeline = `sink-test-${randomUUID().slice(0, 8)}`;
    await admin.query(`CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, qty integer, tags text[], doc jsonb)`);
  });

  afterEach(async () => {
    await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
    for (const sink of sinks.splice(0)) await rollbackAll(admin, sink.gids.prefix);
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.query('DELETE FROM lockstep_commits WHERE pipeline LIKE $1', [`${pipeline}%`]).catch(() => undefined);
    await admin.end();
  });

  const sinkOf = (config: Partial<PostgresSinkConfig> = {}, name = pipeline): PostgresSink => {
    const sink = new PostgresSink(validatedConfig(postgresSinkPlugin, { id: 'out', url, table, ...config }), testPluginContext({ pipeline: name, componentId: 'out' }));
    sinks.push(sink);
    return sink;
  };

  type WriterFactory<W> = { createWriter(init: SinkWriterInitContext): W };
  const writerOf = async <W extends SinkWriter>(sink: WriterFactory<W>, restoredCheckpointId?: number, subtask = 0, parallelism = 1): Promise<W> => {
    const writer = sink.createWriter(testSinkWriterInitContext({ subtask, parallelism, restoredCheckpointId, firstCheckpointId: (restoredCheckpointId ?? 0) + 1 }));
    writers.push(writer);
    await writer.init();
    return writer;
  };

  const prepare = async (writer: CommittingSinkWriter<PostgresCommittable>, checkpointId: number): Promise<PostgresCommittable[]> => {
    await writer.flush(false);
    return writer.prepareCommit(checkpointId);
  };

  const commit = async (sink: PostgresSink, committables: readonly PostgresCommittable[]): Promise<CommitOutcome[]> => {
    const committer = sink.createCommitter(testInitContext());
    try {
      return await committer.commit(committables.map((committable, i) => ({ committable, checkpointId: i + 1, attempt: 0 })));
    } finally {
      await committer.close();
    }
  };

  const ids = async (): Promise<number[]> => (await admin.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((row) => row.id);
  const rows = (...list: number[]): LockstepRecord[] => list.map((id) => ({ value: { id, name: `n${id}` }, origin: `in@${id}` }));

  it.each(['copy', 'insert'] as const)('keeps rows invisible to other sessions until the checkpoint commits (write %s)', async (write) => {
    const sink = sinkOf({ write, batchSize: 2 });
    const writer = await writerOf(sink);
    await writer.write(rows(1, 2, 3));
    expect(await ids()).toEqual([]);
    const committables = await prepare(writer, 1);
    expect(committables).toEqual([{ gid: `lockstep:${pipeline}:out:0:1:e1` }]);
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([`lockstep:${pipeline}:out:0:1:e1`]);
    expect(await ids()).toEqual([]);
    expect(await commit(sink, committables)).toEqual([{ kind: 'committed' }]);
    expect(await ids()).toEqual([1, 2, 3]);
    expect(await prepare(writer, 2)).toEqual([]);
  });

  it('commits a prepared transaction after the writer died, from a new committer', async () => {
    const crashed = sinkOf();
    const writer = await writerOf(crashed);
    await writer.write(rows(1, 2));
    const committables = await prepare(writer, 1);
    // The process "dies": the writer is dropped without close; its prepared transaction survives the connection.
    expect(await commit(sinkOf(), committables)).toEqual([{ kind: 'committed' }]);
    expect(await ids()).toEqual([1, 2]);
    const recovered = await writerOf(sinkOf(), 1);
    await recovered.write(rows(3));
    expect(await commit(sinkOf(), await prepare(recovered, 2))).toEqual([{ kind: 'committed' }]);
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it("rolls back a crashed run's orphan prepared after the restored checkpoint, leaving other pipelines' alone", async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    await writer.write(rows(1));
    expect(await commit(sink, await prepare(writer, 1))).toEqual([{ kind: 'committed' }]);
    await writer.write(rows(2));
    const orphan = await prepare(writer, 2);
    const other = sinkOf({}, `${pipeline}-other`);
    const otherWriter = await writerOf(other);
    await otherWriter.write(rows(10));
    const otherPrepared = await prepare(otherWriter, 2);

    await writerOf(sinkOf(), 1);
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([]);
    expect(await preparedGids(admin, other.gids.prefix)).toEqual([otherPrepared[0]?.gid]);
    const stale = await commit(sink, orphan);
    expect(stale).toEqual([{ kind: 'failed-known', reason: expect.stringContaining(`prepared transaction ${orphan[0]?.gid} no longer exists`) }]);
    expect(await ids()).toEqual([1]);
    expect(await commit(other, otherPrepared)).toEqual([{ kind: 'committed' }]);
    expect(await ids()).toEqual([1, 10]);
  });

  it('told the pending commits, rolls back every other prepared gid of its subtask, also of an older checkpoint', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    await writer.write(rows(1));
    const pending = await prepare(writer, 1); // its commit answered retry-later: the committer retries it
    await writer.write(rows(2));
    const zombie = await prepare(writer, 2); // prepared late by a zombie: in no checkpoint
    const restarted = sink.createWriter(testSinkWriterInitContext({ restoredCheckpointId: 3, firstCheckpointId: 4, pendingCommittables: pending }));
    writers.push(restarted);
    await restarted.init();
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual(pending.map((committable) => committable.gid));
    expect(await commit(sink, pending)).toEqual([{ kind: 'committed' }]);
    expect(await commit(sink, zombie)).toEqual([{ kind: 'failed-known', reason: expect.stringContaining(zombie[0]?.gid ?? '?') }]);
    expect(await ids()).toEqual([1]);
  });

  it("a writer of an older owner epoch (a woken zombie) stops on its ownership check before touching a newer epoch's work", async () => {
    const sink = sinkOf();
    const newer = sink.createWriter(testSinkWriterInitContext({ ownerEpoch: 5 }));
    writers.push(newer);
    await newer.init();
    await newer.write(rows(1));
    const prepared = await prepare(newer, 7);
    expect(prepared).toEqual([{ gid: `lockstep:${pipeline}:out:0:7:e5` }]);
    await newer.write(rows(2)); // an open transaction of the newer owner's session

    const checks: number[] = [];
    const zombie = sink.createWriter(
      testSinkWriterInitContext({
        ownerEpoch: 4,
        restoredCheckpointId: 3,
        firstCheckpointId: 4,
        verifyOwner: async () => {
          checks.push(1);
          throw new LockstepError('checkpoint store taken over by owner epoch 5', { code: 'LS_CHECKPOINT_FENCED' });
        },
      }),
    );
    writers.push(zombie);
    await expect(zombie.init()).rejects.toMatchObject({ code: 'LS_CHECKPOINT_FENCED' });
    expect(checks).toEqual([1]);
    // The newer owner's session and its prepared transaction are untouched: it goes on and commits both.
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([prepared[0]?.gid]);
    const next = await prepare(newer, 8);
    expect(await commit(sink, [...prepared, ...next])).toEqual([{ kind: 'committed' }, { kind: 'committed' }]);
    expect(await ids()).toEqual([1, 2]);
  });

  it("a writer of a newer owner epoch terminates an older epoch's session and rolls back its prepared gids", async () => {
    const sink = sinkOf();
    const older = sink.createWriter(testSinkWriterInitContext({ ownerEpoch: 2 }));
    writers.push(older);
    await older.init();
    await older.write(rows(1));
    await prepare(older, 1);
    await older.write(rows(2));
    const newer = sink.createWriter(testSinkWriterInitContext({ ownerEpoch: 3, verifyOwner: () => Promise.reject(new Error('not asked')) }));
    writers.push(newer);
    await newer.init();
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([]);
    const sessions = await admin.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [`lockstep:${pipeline}:out:0:e2`]);
    expect(sessions.rowCount).toBe(0);
    await expect(prepare(older, 2)).rejects.toThrow();
  });

  it('writer 0 rolls back orphans of subtasks beyond the parallelism', async () => {
    const sink = sinkOf();
    const third = await writerOf(sink, undefined, 2, 3);
    await third.write(rows(7));
    await prepare(third, 1);
    await writerOf(sinkOf(), undefined, 0, 2);
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([]);
  });

  it('tells a replayed commit (marker present) from a transaction rolled back by someone else (possible data loss)', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    await writer.write(rows(1));
    const first = await prepare(writer, 1);
    expect(await commit(sink, first)).toEqual([{ kind: 'committed' }]);
    expect(await commit(sink, first)).toEqual([{ kind: 'already-committed' }]);
    await writer.write(rows(2));
    const second = await prepare(writer, 2);
    const gid = second[0]?.gid as string;
    await admin.query(`ROLLBACK PREPARED '${gid}'`);
    expect(await commit(sink, second)).toEqual([
      { kind: 'failed-known', reason: expect.stringMatching(new RegExp(`${gid}.*marker row in public.lockstep_commits is absent.*lost`)) },
    ]);
    expect(await ids()).toEqual([1]);
  });

  it('keeps the marker table small: a commit deletes markers of older checkpoints of this sink', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    for (let checkpoint = 1; checkpoint <= 3; checkpoint += 1) {
      await writer.write(rows(checkpoint));
      expect(await commit(sink, await prepare(writer, checkpoint))).toEqual([{ kind: 'committed' }]);
    }
    const markers = await admin.query<{ checkpoint_id: string }>('SELECT checkpoint_id FROM lockstep_commits WHERE pipeline = $1', [pipeline]);
    expect(markers.rows.map((row) => Number(row.checkpoint_id))).toEqual([3]);
  });

  it.each(['copy', 'insert'] as const)('refuses a bad record by origin and column, writes those before it and goes on (write %s)', async (write) => {
    const sink = sinkOf({ write, batchSize: 10 });
    const writer = await writerOf(sink);
    const batch: LockstepRecord[] = [...rows(1, 2), { value: { id: 3, name: 'x', qty: 'many' }, origin: 'in@3' }, ...rows(4)];
    const typeError = await writer.write(batch).catch((error: unknown) => error);
    expect(typeError).toBeInstanceOf(RecordError);
    expect(typeError).toMatchObject({ record: batch[2], context: { origin: 'in@3', field: 'qty' }, code: 'LS_POSTGRES_22P02' });
    expect((typeError as Error).message).toMatch(/record in@3 refused by sink_\w+, column qty: invalid input syntax for type integer/);
    const rest: LockstepRecord[] = [...rows(4), { value: { id: 1, name: 'again' }, origin: 'in@1b' }, { value: { id: 5 }, origin: 'in@5' }, ...rows(6)];
    const duplicate = await writer.write(rest).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({ record: rest[1], code: 'LS_POSTGRES_23505', context: { field: 'id' } });
    const notNull = await writer.write(rest.slice(2)).catch((error: unknown) => error);
    expect(notNull).toMatchObject({ record: rest[2], code: 'LS_POSTGRES_23502', context: { field: 'name' } });
    await writer.write(rest.slice(3));
    expect(await commit(sink, await prepare(writer, 1))).toEqual([{ kind: 'committed' }]);
    expect(await ids()).toEqual([1, 2, 4, 6]);
  });

  it('refuses a field without a column and a value that is not an object', async () => {
    const writer = await writerOf(sinkOf());
    const batch: LockstepRecord[] = [{ value: { id: 1, name: 'a', colour: 'red' }, origin: 'in@1' }];
    await expect(writer.write(batch)).rejects.toMatchObject({ code: 'LS_POSTGRES_UNKNOWN_COLUMN', context: { field: 'colour' } });
    await expect(writer.write([{ value: 'text', origin: 'in@2' }])).rejects.toThrow(/record in@2: value is a string, not an object/);
  });

  it('maps columns from field paths and writes arrays and JSON', async () => {
    const sink = sinkOf({ columns: ['id', { column: 'name', field: 'customer.name' }, 'tags', 'doc'] });
    const writer = await writerOf(sink);
    await writer.write([{ value: { id: 1, customer: { name: 'Ada\tL.\n' }, tags: ['a', 'b"c', null], doc: { deep: [1, 2] }, ignored: true } }]);
    expect(await commit(sink, await prepare(writer, 1))).toEqual([{ kind: 'committed' }]);
    const result = await admin.query(`SELECT id, name, tags, doc FROM ${table}`);
    expect(result.rows).toEqual([{ id: 1, name: 'Ada\tL.\n', tags: ['a', 'b"c', null], doc: { deep: [1, 2] } }]);
  });

  it('upserts by key, also several updates of one key in one batch', async () => {
    await admin.query(`INSERT INTO ${table} (id, name, qty) VALUES (1, 'old', 1)`);
    const sink = sinkOf({ mode: 'upsert', key: ['id'] });
    const writer = await writerOf(sink);
    await writer.write([
      { value: { id: 1, name: 'new', qty: 2 } },
      { value: { id: 2, name: 'b', qty: 1 } },
      { value: { id: 1, name: 'newer', qty: 3 } },
    ]);
    expect(await commit(sink, await prepare(writer, 1))).toEqual([{ kind: 'committed' }]);
    const result = await admin.query(`SELECT id, name, qty FROM ${table} ORDER BY id`);
    expect(result.rows).toEqual([
      { id: 1, name: 'newer', qty: 3 },
      { id: 2, name: 'b', qty: 1 },
    ]);
  });

  it('fails a write blocked by its own uncommitted prepared transaction within lockTimeout, retriably, instead of hanging', async () => {
    // Checkpoint 1 prepared key 1 but its commit has not happened (the checkpoint timed out, or the commit asked to be
    // retried): the next checkpoint's write of key 1 waits for a lock that only a later checkpoint would release.
    const sink = sinkOf({ mode: 'upsert', key: ['id'], lockTimeout: 300 });
    const writer = await writerOf(sink);
    await writer.write(rows(1));
    await prepare(writer, 1);
    const failure = await writer.write(rows(1)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'LS_POSTGRES_55P03', retriable: true });
  });

  it('writes at-least-once in plain transactions committed at each flush', async () => {
    const config = validatedConfig(postgresSinkPlugin, { id: 'out', url, table, semantic: 'at-least-once', mode: 'upsert', key: ['id'] });
    const sink = new AtLeastOncePostgresSink(config, testPluginContext({ pipeline, componentId: 'out' }));
    sinks.push(sink);
    expect({ guarantee: sink.guarantee, committing: supportsCommitter(sink) }).toEqual({ guarantee: 'at-least-once', committing: false });
    const writer = await writerOf(sink);
    await writer.write(rows(1, 2));
    expect(await ids()).toEqual([]);
    await writer.flush(false);
    expect(await ids()).toEqual([1, 2]);
    await writer.write(rows(2, 3));
    await writer.close();
    expect(await ids()).toEqual([1, 2]);
    expect(await preparedGids(admin, sink.gids.prefix)).toEqual([]);
  });

  it('fails at start, not retriable, for a missing table or column', async () => {
    const missing = sinkOf({ table: `${table}_missing` }).createWriter(testSinkWriterInitContext());
    writers.push(missing);
    await expect(missing.init()).rejects.toMatchObject({ code: 'LS_POSTGRES_NO_TABLE', retriable: false });
    const column = sinkOf({ columns: ['id', 'nope'] }).createWriter(testSinkWriterInitContext());
    writers.push(column);
    await expect(column.init()).rejects.toThrow(/has no column\(s\) nope/);
  });
});
