import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { createTestTopics, testKafka } from '../support/test-kafka';
import type { CommitOutcome, CommitRequest } from '../../core/api/commit';
import type { Committer } from '../../core/api/committer';
import type { SinkWriterInitContext } from '../../core/api/init-context';
import type { CommittingSinkWriter, SupportsWriterState } from '../../core/api/sink-writer';
import { LockstepError } from '../../core/errors';
import { testInitContext, testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { KafkaSink, kafkaSinkPlugin, type KafkaWriterState } from '../../connectors/kafka/sink';
import type { TransactionHandle } from '../../connectors/kafka/internals';
import { testServices } from '../env';
import { cacheDir } from '../env/choose-provider';
import { KAFKA_TOOLS, kafkaToolCommand } from '../env/local/kafka';
import { readCommitted } from '../support/kafka-read-committed';

/**
 * The exactly-once Kafka sink's pool of transactional ids, against the real broker, driven as the engine drives it
 * (pre-commit at each barrier, the checkpoint's commit call after it): ids are reused across checkpoints with a new
 * producer epoch each time — read back with Kafka's own `kafka-transactions.sh describe`, not lockstep's client —, a
 * crash while a reused id holds an open transaction is recovered (aborted; kcat, read_committed, sees every record
 * once), and a zombie is still fenced.
 */
const { brokers } = testServices().kafka;
const context = testPluginContext({ pipeline: 'pool-test', componentId: 'out', checkpoint: { intervalMs: 500, timeoutMs: 30_000 } });
const execFileAsync = promisify(execFile);

type Writer = CommittingSinkWriter<TransactionHandle> & SupportsWriterState<KafkaWriterState>;

/** One transaction as Kafka's own `kafka-transactions.sh describe` shows it. */
async function describeWithKafkaTool(transactionalId: string): Promise<{ producerId: string; producerEpoch: number; state: string }> {
  const { command, args } = kafkaToolCommand({ cacheDir: cacheDir() }, KAFKA_TOOLS.transactions, [
    '--bootstrap-server', brokers.join(','), 'describe', '--transactional-id', transactionalId,
  ]);
  const { stdout } = await execFileAsync(command, args, { timeout: 120_000 });
  const [header = '', row = ''] = stdout.split('\n').filter((line) => line.trim() !== '');
  const names = header.split('\t').map((cell) => cell.trim());
  const cells = row.split('\t').map((cell) => cell.trim());
  const cell = (name: string): string => {
    const index = names.indexOf(name);
    if (index < 0) throw new Error(`kafka-transactions describe printed no ${name} column: ${stdout}`);
    return cells[index] ?? '';
  };
  return { producerId: cell('ProducerId'), producerEpoch: Number(cell('ProducerEpoch')), state: cell('TransactionState') };
}

/** Transactions of `prefix` the coordinators hold open (`kafka-transactions.sh list`). */
async function openTransactionsWithKafkaTool(prefix: string): Promise<string[]> {
  const { command, args } = kafkaToolCommand({ cacheDir: cacheDir() }, KAFKA_TOOLS.transactions, ['--bootstrap-server', brokers.join(','), 'list']);
  const { stdout } = await execFileAsync(command, args, { timeout: 120_000 });
  return stdout
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t').map((cell) => cell.trim()))
    .filter(([id = '', , , state = '']) => id.startsWith(`${prefix}-`) && ['Ongoing', 'PrepareCommit', 'PrepareAbort'].includes(state))
    .map(([id = '']) => id);
}

describe('kafka sink transactional id pool', () => {
  let admin: Admin;
  let topic: string;
  let prefix: string;
  const closeLater: { close(): Promise<void> }[] = [];

  beforeEach(async () => {
    const run = randomUUID().slice(0, 8);
    topic = `pool-${run}`;
    prefix = `pool-test-${run}`;
    admin = testKafka(brokers).admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
  });

  afterEach(async () => {
    await Promise.allSettled(closeLater.splice(0).map((closable) => closable.close()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const sinkOf = (): KafkaSink =>
    new KafkaSink(validatedConfig(kafkaSinkPlugin, { id: 'out', brokers, topic, transactionalIdPrefix: prefix, transactionTimeout: 60_000 }), context);

  const writerOf = async (sink: KafkaSink, restored?: KafkaWriterState, init: Partial<SinkWriterInitContext<TransactionHandle>> = {}): Promise<Writer> => {
    const writer = sink.createWriter(testSinkWriterInitContext<TransactionHandle>({ parallelism: 1, ...init }), restored);
    closeLater.push(writer);
    await writer.init();
    return writer;
  };

  const committerOf = (sink: KafkaSink): Committer<TransactionHandle> => {
    const committer = sink.createCommitter(testInitContext());
    closeLater.push(committer);
    return committer;
  };

  /** One checkpoint as the engine runs it: write, barrier (pre-commit, snapshot), record saved, commit call. */
  const checkpoint = async (
    writer: Writer,
    committer: Committer<TransactionHandle> | undefined,
    checkpointId: number,
    ids: readonly string[],
  ): Promise<{ handle: TransactionHandle; state: KafkaWriterState; outcomes: CommitOutcome[] }> => {
    await writer.write(ids.map((id) => ({ key: id, value: { id } })));
    await writer.flush(false);
    const [handle] = await writer.prepareCommit(checkpointId);
    if (handle === undefined) throw new Error(`checkpoint ${checkpointId} pre-committed nothing`);
    const state = writer.snapshotState(checkpointId);
    const requests: CommitRequest<TransactionHandle>[] = [{ committable: handle, checkpointId, attempt: 0 }];
    const outcomes = committer === undefined ? [] : await committer.commit(requests);
    return { handle, state, outcomes };
  };

  const committedIds = async (): Promise<string[]> =>
    (await readCommitted(brokers, topic)).map((message) => (JSON.parse(message.value ?? 'null') as { id: string }).id).sort();

  const range = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `r-${String(from + i).padStart(3, '0')}`);

  it('reuses a few transactional ids across checkpoints, each transaction under a new producer epoch of its id', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    const committer = committerOf(sink);
    const handles: TransactionHandle[] = [];
    for (let n = 1; n <= 8; n += 1) {
      const { handle, outcomes } = await checkpoint(writer, committer, n, range((n - 1) * 10, n * 10));
      expect(outcomes).toEqual([{ kind: 'committed' }]);
      handles.push(handle);
    }
    const ids = [...new Set(handles.map((handle) => handle.transactionalId))].sort();
    // four ids: the one written to, the spare opened ahead, the one pre-committed, the one committed but still named
    expect(ids).toEqual([`${prefix}-0-0`, `${prefix}-0-1`, `${prefix}-0-2`, `${prefix}-0-3`]);
    const brokerStates: string[] = [];
    for (const id of ids) {
      const mine = handles.filter((handle) => handle.transactionalId === id);
      expect(mine.length).toBeGreaterThanOrEqual(2);
      // one producer per id, a strictly increasing epoch per transaction
      expect(new Set(mine.map((handle) => handle.producerId)).size).toBe(1);
      mine.slice(1).forEach((handle, i) => expect(handle.producerEpoch).toBeGreaterThan((mine[i] as TransactionHandle).producerEpoch));
      // Kafka's own view of the id: the last transaction's producer and epoch, committed — or, for the ids the writer
      // has opened its next transaction and the spare on, the epoch after it, nothing sent yet
      const last = mine.at(-1) as TransactionHandle;
      const broker = await describeWithKafkaTool(id);
      expect([
        { producerId: last.producerId, producerEpoch: last.producerEpoch, state: 'CompleteCommit' },
        { producerId: last.producerId, producerEpoch: last.producerEpoch + 1, state: 'Empty' },
      ]).toContainEqual(broker);
      brokerStates.push(broker.state);
    }
    expect(brokerStates.filter((state) => state === 'Empty')).toHaveLength(2);
    await committer.close();
    expect(await committedIds()).toEqual(range(0, 80));
  });

  it('recovers from a crash while reused ids hold an open and a pre-committed transaction: both aborted, every record visible once', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    const committer = committerOf(sink);
    const used: string[] = [];
    for (let n = 1; n <= 4; n += 1) used.push((await checkpoint(writer, committer, n, range((n - 1) * 10, n * 10))).handle.transactionalId);
    // Checkpoint 5 completes (its record names the transaction) but the process dies before its commit…
    const five = await checkpoint(writer, undefined, 5, range(40, 50));
    // …after pre-committing checkpoint 6 (never completed) and writing into the transaction after it.
    const six = await checkpoint(writer, undefined, 6, range(50, 60));
    await writer.write(range(60, 70).map((id) => ({ key: id, value: { id } })));
    await writer.flush(false);
    // Open at the crash: checkpoint 5's and 6's pre-committed transactions and the transaction after them, all on ids
    // reused from earlier checkpoints (the spare opened ahead, on a new id as the others were busy, holds nothing).
    expect(used).toEqual(expect.arrayContaining([five.handle.transactionalId, six.handle.transactionalId, `${prefix}-0-2`]));
    expect((await openTransactionsWithKafkaTool(prefix)).sort()).toEqual(
      [five.handle.transactionalId, six.handle.transactionalId, `${prefix}-0-2`].sort(),
    );

    // The next process: a new sink, its committer commits checkpoint 5's committable, its writer starts from
    // checkpoint 5's state and replays what came after.
    const recovered = sinkOf();
    const recoveryCommitter = committerOf(recovered);
    expect(await recoveryCommitter.commit([{ committable: five.handle, checkpointId: 5, attempt: 0 }])).toEqual([{ kind: 'committed' }]);
    const next = await writerOf(recovered, five.state, { restoredCheckpointId: 5, firstCheckpointId: 7 });
    expect(await openTransactionsWithKafkaTool(prefix)).toEqual([]);
    const seven = await checkpoint(next, recoveryCommitter, 7, range(50, 70));
    expect(seven.outcomes).toEqual([{ kind: 'committed' }]);
    await recoveryCommitter.close();
    expect(await committedIds()).toEqual(range(0, 70));
    // the crashed writer is a zombie now: whatever it still tries fails
    await expect(writer.write(range(70, 80).map((id) => ({ value: { id } }))).then(() => writer.flush(false))).rejects.toMatchObject({
      code: 'LS_KAFKA_FENCED',
    });
    expect(await committedIds()).toEqual(range(0, 70));
  });

  it('re-initializes a busy id whose producer epoch moved since the checkpoint (something was opened on it after)', async () => {
    const sink = sinkOf();
    const writer = await writerOf(sink);
    const committer = committerOf(sink);
    const first = await checkpoint(writer, committer, 1, range(0, 10));
    expect(first.state.busy).toEqual([first.handle]);
    // Checkpoints 2 to 4 free the first id again; the transaction after checkpoint 4 (the spare opened at checkpoint 3)
    // is on it and written to.
    await checkpoint(writer, committer, 2, range(10, 20));
    await checkpoint(writer, committer, 3, range(20, 30));
    await checkpoint(writer, committer, 4, range(30, 40));
    await writer.write(range(40, 50).map((id) => ({ key: id, value: { id } })));
    await writer.flush(false);
    expect(await openTransactionsWithKafkaTool(prefix)).toEqual([first.handle.transactionalId]);
    // A restart from checkpoint 1's state, which names the id busy under its old epoch: what is open on it now was
    // opened after that checkpoint, and is aborted.
    await writerOf(sinkOf(), first.state, { restoredCheckpointId: 1, firstCheckpointId: 5 });
    expect(await openTransactionsWithKafkaTool(prefix)).toEqual([]);
    await committer.close();
    expect(await committedIds()).toEqual(range(0, 40));
  });

  it('still fences a zombie whose pooled id is taken over: its sends fail and it opens no transaction any more', async () => {
    const ownership = storeOwnership();
    const sink = sinkOf();
    const zombie = await writerOf(sink, undefined, { verifyOwner: ownership.verifyOwner });
    const committer = committerOf(sink);
    let state: KafkaWriterState | undefined;
    for (let n = 1; n <= 4; n += 1) state = (await checkpoint(zombie, committer, n, range((n - 1) * 10, n * 10))).state;
    await zombie.write(range(40, 45).map((id) => ({ value: { id } })));
    await zombie.flush(false);

    // Paused, then taken over: the new owner starts from checkpoint 4's state.
    ownership.takenOver();
    const newer = await writerOf(sinkOf(), state, { restoredCheckpointId: 4, firstCheckpointId: 5 });
    await expect(zombie.write(range(45, 50).map((id) => ({ value: { id } }))).then(() => zombie.flush(false))).rejects.toMatchObject({
      code: 'LS_KAFKA_FENCED',
    });
    const replay = await checkpoint(newer, committerOf(sinkOf()), 5, range(40, 50));
    expect(replay.outcomes).toEqual([{ kind: 'committed' }]);
    expect(await committedIds()).toEqual(range(0, 50));

  });

  it('a zombie with nothing open checks its ownership before it opens a transaction on a pooled id', async () => {
    const ownership = storeOwnership();
    const sink = sinkOf();
    const zombie = await writerOf(sink, undefined, { verifyOwner: ownership.verifyOwner });
    const committer = committerOf(sink);
    for (let n = 1; n <= 3; n += 1) await checkpoint(zombie, committer, n, range((n - 1) * 10, n * 10));
    const before = await describeWithKafkaTool(`${prefix}-0-1`);
    // Taken over while paused just before its barrier: the pre-commit goes through, the next transaction never opens.
    ownership.takenOver();
    await checkpoint(zombie, undefined, 4, range(30, 40));
    await expect(zombie.write(range(40, 50).map((id) => ({ value: { id } }))).then(() => zombie.flush(false))).rejects.toMatchObject({
      code: 'LS_CHECKPOINT_FENCED',
    });
    // the id it would have taken next was not touched (same producer epoch)
    expect(await describeWithKafkaTool(`${prefix}-0-1`)).toEqual(before);
  });
});

/** A process's ownership of its checkpoint store, as `verifyOwner` checks it: lost once another process took over. */
function storeOwnership(): { verifyOwner: () => Promise<void>; takenOver: () => void } {
  let owner = true;
  return {
    verifyOwner: async () => {
      if (!owner) throw new LockstepError('this process no longer owns the checkpoint store', { code: 'LS_CHECKPOINT_FENCED' });
    },
    takenOver: () => {
      owner = false;
    },
  };
}
