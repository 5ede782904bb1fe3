import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { createTestTopics, testKafka } from '../support/test-kafka';
import type { CommitOutcome } from '../../core/api/commit';
import type { SinkWriterInitContext } from '../../core/api/init-context';
import { supportsWriterState, type CommittingSinkWriter, type SinkWriter } from '../../core/api/sink-writer';
import { RecordError } from '../../core/errors/record-error';
import { testInitContext, testPluginContext, testSinkWriterInitContext, validatedConfig } from '../../core/testing';
import { AtLeastOnceKafkaSink, KafkaSink, kafkaSinkPlugin, type KafkaSinkConfig, type KafkaWriterState } from '../../connectors/kafka/sink';
import { createCluster, describeTransaction, type TransactionHandle } from '../../connectors/kafka/internals';
import { RECORD_BATCH_OVERHEAD, recordSize } from '../../connectors/kafka/sink/record-size';
import { testServices } from '../env';
import { eventually } from '../support/eventually';
import { readCommitted } from '../support/kafka-read-committed';

/**
 * Kafka sink behaviour beyond the conformance suite, against the real broker: two pipelines with the same prefix
 * fence each other, the broker's transaction timeout becomes the default, at-least-once writes, routing by field,
 * and bad records.
 */
const { brokers } = testServices().kafka;
const context = testPluginContext({ pipeline: 'sink-test', componentId: 'out', checkpoint: { intervalMs: 500, timeoutMs: 30_000 } });

async function commit(sink: KafkaSink, handles: readonly TransactionHandle[]): Promise<CommitOutcome[]> {
  const committer = sink.createCommitter(testInitContext());
  try {
    return await committer.commit(handles.map((committable, i) => ({ committable, checkpointId: i + 1, attempt: 0 })));
  } finally {
    await committer.close();
  }
}

async function prepare(writer: CommittingSinkWriter<TransactionHandle>): Promise<TransactionHandle[]> {
  await writer.flush(false);
  return writer.prepareCommit(1);
}

const values = async (topic: string): Promise<unknown[]> =>
  (await readCommitted(brokers, topic)).map((message) => JSON.parse(message.value ?? 'null') as unknown);

describe('kafka sink', () => {
  let admin: Admin;
  let topic: string;
  let prefix: string;
  const writers: SinkWriter[] = [];

  beforeEach(async () => {
    const run = randomUUID().slice(0, 8);
    topic = `sink-${run}`;
    prefix = `sink-test-${run}`;
    admin = testKafka(brokers).admin();
    await admin.connect();
    await createTestTopics(admin, [{ topic, numPartitions: 3 }]);
  });

  afterEach(async () => {
    await Promise.allSettled(writers.splice(0).map((writer) => writer.close()));
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  const sinkOf = (config: Partial<KafkaSinkConfig> = {}): KafkaSink =>
    new KafkaSink(validatedConfig(kafkaSinkPlugin, { id: 'out', brokers, topic, transactionalIdPrefix: prefix, ...config }), context);

  const atLeastOnceSinkOf = (config: Partial<KafkaSinkConfig> = {}): AtLeastOnceKafkaSink =>
    new AtLeastOnceKafkaSink(
      validatedConfig(kafkaSinkPlugin, { id: 'out', brokers, topic, transactionalIdPrefix: prefix, semantic: 'at-least-once', ...config }),
      context,
    );

  type WriterFactory<W> = { createWriter(init: SinkWriterInitContext, restored: KafkaWriterState | undefined): W };
  const writerOf = async <W extends SinkWriter>(sink: WriterFactory<W>, restored?: KafkaWriterState): Promise<W> => {
    const writer = sink.createWriter(testSinkWriterInitContext({ parallelism: 1 }), restored);
    writers.push(writer);
    await writer.init();
    return writer;
  };

  it('fences a zombie: a second pipeline with the same prefix aborts its open transaction and goes on', async () => {
    const sink = sinkOf({ transactionTimeout: 60_000 });
    const zombie = await writerOf(sink);
    await zombie.write([{ value: { id: 'zombie-1' } }]);
    await zombie.flush(false);
    const zombieState = supportsWriterState<KafkaWriterState>(zombie) ? zombie.snapshotState(1) : undefined;
    // two ids: the open transaction and the spare opened ahead for the next checkpoint
    expect(zombieState).toEqual({ subtask: 0, base: 0, size: 2, busy: [] });

    // The newer instance starts from the same (empty) checkpoint: its init fences the zombie's transaction.
    const newer = await writerOf(sinkOf({ transactionTimeout: 60_000 }));
    await newer.write([{ value: { id: 'newer-1' } }]);

    // The zombie's next send fails, and so does a commit of what it had open.
    await expect(
      (async () => {
        await zombie.write([{ value: { id: 'zombie-2' } }]);
        return prepare(zombie);
      })(),
    ).rejects.toMatchObject({ code: 'LS_KAFKA_FENCED', retriable: false, message: expect.stringMatching(/another pipeline uses transactionalIdPrefix/) });

    const newerHandles = await prepare(newer);
    expect(await commit(sink, newerHandles)).toEqual([{ kind: 'committed' }]);
    expect(await values(topic)).toEqual([{ id: 'newer-1' }]);
  });

  it("a writer whose init outlived its attempt (a restart while the broker was down) does not fence the new writer's transaction", async () => {
    const sink = sinkOf({ transactionTimeout: 60_000 });
    // The failed attempt's writer: created, its init still waiting for the broker when the restart creates the next.
    const late = sink.createWriter(testSinkWriterInitContext({ parallelism: 1 }), undefined);
    writers.push(late);
    const newer = await writerOf(sinkOf({ transactionTimeout: 60_000 }));
    await newer.write([{ value: { id: 'newer-1' } }]);
    await newer.flush(false);
    // The broker is back: the late init goes on, but re-initializing transaction 0 would abort and fence the newer one.
    const lateInit = await late.init().then(() => 'initialized', (error: unknown) => error);
    expect(await commit(sink, await prepare(newer))).toEqual([{ kind: 'committed' }]);
    expect(await values(topic)).toEqual([{ id: 'newer-1' }]);
    expect(lateInit).toMatchObject({ code: 'LS_KAFKA_FENCED', message: expect.stringMatching(/superseded/) });
  });

  it('reports a fenced pre-committed transaction as possible data loss, never as committed', async () => {
    const sink = sinkOf({ transactionTimeout: 60_000 });
    const first = await writerOf(sink);
    await first.write([{ value: { id: 'lost' } }]);
    const handles = await prepare(first);
    // A restart from an older checkpoint (none) aborts it as a leftover.
    await writerOf(sinkOf({ transactionTimeout: 60_000 }));
    const outcomes = await commit(sink, handles);
    expect(outcomes).toEqual([{ kind: 'failed-known', reason: expect.stringMatching(/was fenced.*aborted/) }]);
    expect(await values(topic)).toEqual([]);
  });

  it('a transaction the broker timed out: its commit is reported lost, a send into it fails retriably', async () => {
    // Checkpoints that time out after 0.5 s, so a 1 s transaction timeout passes validation; the broker aborts
    // timed-out transactions on its cleanup interval (10 s by default).
    const shortLived = (): KafkaSink =>
      new KafkaSink(
        validatedConfig(kafkaSinkPlugin, { id: 'out', brokers, topic, transactionalIdPrefix: prefix, transactionTimeout: 1_000 }),
        testPluginContext({ pipeline: 'sink-test', componentId: 'out', checkpoint: { intervalMs: 100, timeoutMs: 500 } }),
      );
    const cluster = createCluster(testKafka(brokers));
    await cluster.connect();
    const abortedByBroker = (handle: TransactionHandle) => async (): Promise<boolean> => {
      const now = await describeTransaction(cluster, handle.transactionalId);
      return now !== undefined && /Abort/.test(now.state) && now.producerEpoch > handle.producerEpoch;
    };
    const waitFor = async (condition: () => Promise<boolean>): Promise<void> => {
      for (const deadline = Date.now() + 45_000; !(await condition()); ) {
        if (Date.now() > deadline) throw new Error('the broker did not abort the transaction within 45 s');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    try {
      const sink = shortLived();
      const writer = await writerOf(sink);
      await writer.write([{ value: { id: 'timed-out-1' } }]);
      const [prepared] = await prepare(writer);
      if (prepared === undefined) throw new Error('nothing prepared');
      await waitFor(abortedByBroker(prepared));
      expect(await commit(sink, [prepared])).toEqual([{ kind: 'failed-known', reason: expect.stringMatching(/was fenced.*outlived its transaction timeout/) }]);

      // The next transaction is opened by its first send, then outlives its timeout too: the next send is refused.
      await writer.write([{ value: { id: 'timed-out-2' } }]);
      await writer.flush(false);
      // the first id is still busy (its commit was not followed by a later checkpoint's): the second one is open (the
      // spare until the first pre-commit), the third is the next spare
      const snapshot = supportsWriterState<KafkaWriterState>(writer) ? writer.snapshotState(2) : undefined;
      expect(snapshot).toMatchObject({ size: 3, busy: [prepared] });
      const next = await describeTransaction(cluster, `${prefix}-0-1`);
      if (next === undefined) throw new Error('the second transaction is unknown to the broker');
      await waitFor(abortedByBroker({ transactionalId: next.transactionalId, producerId: next.producerId, producerEpoch: next.producerEpoch }));
      const failure = await writer
        .write([{ value: { id: 'timed-out-3' } }])
        .then(() => writer.flush(false))
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toMatchObject({ code: 'LS_KAFKA_TRANSACTION_TIMED_OUT', retriable: true });
      expect(await values(topic)).toEqual([]);
    } finally {
      await cluster.disconnect();
    }
  }, 120_000);

  it("defaults the transaction timeout to the broker's transaction.max.timeout.ms and refuses more", async () => {
    const writer = await writerOf(sinkOf());
    await writer.write([{ value: { id: 'a' } }]);
    const [handle] = await prepare(writer);
    const cluster = createCluster(testKafka(brokers));
    await cluster.connect();
    try {
      const description = await describeTransaction(cluster, (handle as TransactionHandle).transactionalId);
      expect(description?.timeoutMs).toBe(900_000);
    } finally {
      await cluster.disconnect();
    }
    const tooLong = sinkOf({ transactionTimeout: 3_600_000 }).createWriter(testSinkWriterInitContext(), undefined);
    writers.push(tooLong);
    await expect(tooLong.init()).rejects.toThrow(/transactionTimeout 60m exceeds the broker's transaction.max.timeout.ms 15m/);
  });

  it('writes at-least-once through an idempotent producer, visible after flush', async () => {
    const writer = await writerOf(atLeastOnceSinkOf());
    await writer.write(Array.from({ length: 50 }, (_, n) => ({ value: { id: `r-${n}` } })));
    await writer.flush(false);
    expect(await values(topic)).toHaveLength(50);
  });

  it('at-least-once: a write racing another write and a flush never has two sends in flight; batches land in the order taken', async () => {
    // Each round is a new writer, so its first sends are the producer's first to the topic (kafkajs refreshes the
    // metadata for the first, which let a concurrent second send overtake it).
    for (let round = 0; round < 5; round += 1) {
      const writer = await writerOf(atLeastOnceSinkOf({ keyField: 'key', batchSize: 10 }));
      const batch = (name: string): { value: { id: string; key: string } }[] =>
        Array.from({ length: 15 }, (_, n) => ({ value: { id: `${round}-${name}-${n}`, key: 'same' } }));
      const [a, b] = [batch('a'), batch('b')];
      // a fills the buffer and waits for its send; b fills the next batch meanwhile; the flush races both
      await Promise.all([writer.write(a), writer.write(b), writer.flush(false)]);
      await writer.flush(false);
      const ids = (await values(topic)).map((value) => (value as { id: string }).id).filter((id) => id.startsWith(`${round}-`));
      // the buffer took a's first ten, then b's first ten (while a's send was on the wire), then the rest of both
      const expected = [...a.slice(0, 10), ...b.slice(0, 10), ...a.slice(10), ...b.slice(10)].map((record) => record.value.id);
      expect(ids).toEqual(expected);
    }
  });

  it('at-least-once: records without a key, sent by a client whose requests time out, are each written once (kafkajs retries the same batches)', async () => {
    // Requests time out after 8 ms: kafkajs rewinds the sequence numbers and retries sends the broker may have written
    // already. It partitions a retry's records again, round-robin for records without a key; before StablePartitioner
    // the resent batches held other records under the same sequence numbers, refused as OUT_OF_ORDER_SEQUENCE_NUMBER
    // (2 of 2 runs) or taken for duplicates. Starting can time out too: a few tries are allowed for init only.
    const sink = atLeastOnceSinkOf({ batchSize: 200, requestTimeout: 8 });
    let writer: SinkWriter | undefined;
    for (let attempt = 0; writer === undefined && attempt < 10; attempt += 1) writer = await writerOf(sink).catch(() => undefined);
    if (writer === undefined) throw new Error('the writer could not start with an 8 ms request timeout in 10 tries');
    const records = Array.from({ length: 4_000 }, (_, n) => ({ value: { id: `r-${n}`, padding: 'x'.repeat(200) } }));
    for (let start = 0; start < records.length; start += 400) {
      await writer.write(records.slice(start, start + 400));
      await writer.flush(false);
    }
    const ids = (await values(topic)).map((value) => (value as { id: string }).id);
    expect(ids.toSorted()).toEqual(records.map((record) => record.value.id).toSorted());
  });

  it.each(['exactly-once', 'at-least-once'] as const)(
    '%s: 3,000 records of 1 KB for one partition go out in order, in batches the broker accepts (under its 1 MiB message limit)',
    async (semantic) => {
      // Found by the benchmark: 2,000 records of ~1 KB with one key made a single record batch over the broker's
      // max.message.bytes, refused as "message too large" on every retry.
      const padding = 'x'.repeat(1_000);
      const records = Array.from({ length: 3_000 }, (_, n) => ({ value: { id: `r-${n}`, key: 'same', padding } }));
      if (semantic === 'exactly-once') {
        const writer = await writerOf(sinkOf({ keyField: 'key' }));
        await writer.write(records);
        await commit(sinkOf(), await prepare(writer));
      } else {
        const writer = await writerOf(atLeastOnceSinkOf({ keyField: 'key' }));
        await writer.write(records);
        await writer.flush(false);
      }
      const seen = await readCommitted(brokers, topic);
      expect(seen).toHaveLength(3_000);
      expect(new Set(seen.map((message) => message.partition)).size).toBe(1);
      // in the order written: a key's records keep their order across produce calls
      expect(seen.map((message) => (JSON.parse(message.value ?? 'null') as { id: string }).id)).toEqual(records.map((record) => record.value.id));
    },
  );

  it('routes records by a field and keys them by another', async () => {
    const other = `${topic}-other`;
    await createTestTopics(admin, [{ topic: other, numPartitions: 1 }]);
    try {
      const sink = sinkOf({ topicField: 'to', keyField: 'id' });
      const writer = await writerOf(sink);
      await writer.write([{ value: { id: 'a', to: other } }, { value: { id: 'b' } }]);
      expect(await commit(sink, await prepare(writer))).toEqual([{ kind: 'committed' }]);
      expect((await readCommitted(brokers, other)).map((message) => message.key)).toEqual(['a']);
      expect((await readCommitted(brokers, topic)).map((message) => message.key)).toEqual(['b']);
    } finally {
      await admin.deleteTopics({ topics: [other] }).catch(() => undefined);
    }
  });

  describe('record size limits', () => {
    const setMaxMessageBytes = async (bytes: number): Promise<void> => {
      const entries = [{ name: 'max.message.bytes', value: String(bytes) }];
      await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: entries }] });
      // The broker applies the change from the metadata log a moment later.
      const describe = async (): Promise<string | undefined> => {
        const resources = [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }];
        return (await admin.describeConfigs({ includeSynonyms: false, resources })).resources[0]?.configEntries[0]?.configValue;
      };
      expect(await eventually(describe, (value) => value === String(bytes))).toBe(String(bytes));
    };

    it.each(['exactly-once', 'at-least-once'] as const)(
      "%s: refuses a record over the topic's max.message.bytes by name and limit, after writing the ones before; batches stay under it",
      async (semantic) => {
        await setMaxMessageBytes(10_000);
        const writer = semantic === 'exactly-once' ? await writerOf(sinkOf({ keyField: 'key' })) : await writerOf(atLeastOnceSinkOf({ keyField: 'key' }));
        const small = Array.from({ length: 500 }, (_, n) => ({ value: { id: `r-${n}`, key: 'same', padding: 'x'.repeat(100) } }));
        const big = { value: { id: 'big', key: 'same', padding: 'x'.repeat(10_000) }, origin: 'in/0@42' };
        const error = await writer.write([...small, big, { value: { id: 'after' } }]).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(RecordError);
        expect(error).toMatchObject({ code: 'LS_KAFKA_RECORD_TOO_LARGE', record: big });
        expect((error as RecordError).message).toMatch(
          /^kafka sink cannot write record in\/0@42: it takes \d+ bytes as a record batch, more than the 10000 bytes topic \S+ accepts \(max.message.bytes of topic \S+\)/,
        );
        if (semantic === 'exactly-once') await commit(sinkOf(), await prepare(writer as CommittingSinkWriter<TransactionHandle>));
        else await writer.flush(false);
        const seen = await readCommitted(brokers, topic);
        expect(seen.map((message) => (JSON.parse(message.value ?? 'null') as { id: string }).id)).toEqual(small.map((record) => record.value.id));
      },
    );

    it('computes sizes as the broker does: a record that fills the limit exactly is written, one byte more is refused', async () => {
      const limit = 10_000;
      await setMaxMessageBytes(limit);
      let fill = 0;
      while (RECORD_BATCH_OVERHEAD + recordSize({ key: null, value: fill + 1, headers: [] }) <= limit) fill += 1;
      const sink = sinkOf();
      const writer = await writerOf(sink);
      const exact = { value: 'e'.repeat(fill), origin: 'in/0@1' };
      const over = { value: 'o'.repeat(fill + 1), origin: 'in/0@2' };
      await expect(writer.write([exact, over])).rejects.toMatchObject({ code: 'LS_KAFKA_RECORD_TOO_LARGE', record: over });
      expect(await commit(sink, await prepare(writer))).toEqual([{ kind: 'committed' }]);
      expect((await readCommitted(brokers, topic)).map((message) => message.valueBytes?.length)).toEqual([fill]);
    });

    it.each(['exactly-once', 'at-least-once'] as const)(
      '%s: a batch the broker refuses as too large anyway (the limit was lowered after start) fails for good, naming the records',
      async (semantic) => {
        const writer = semantic === 'exactly-once' ? await writerOf(sinkOf()) : await writerOf(atLeastOnceSinkOf());
        await setMaxMessageBytes(1_000);
        const failure = await writer
          .write([{ value: { id: 'big', padding: 'x'.repeat(5_000) }, origin: 'in/2@9' }])
          .then(() => writer.flush(false))
          .catch((caught: unknown) => caught);
        expect(failure).toMatchObject({ code: 'LS_KAFKA_MESSAGE_TOO_LARGE', retriable: false });
        expect((failure as Error).message).toMatch(
          /^kafka broker refused a produce request of 1 record \(record in\/2@9\) to \S+ \(limit 1048588 bytes, max.message.bytes of topic \S+\) as too large \(MESSAGE_TOO_LARGE\); retrying cannot help/,
        );
      },
    );
  });

  it('refuses a bad record by name after writing the records before it', async () => {
    const sink = sinkOf({ valueFormat: 'string' });
    const writer = await writerOf(sink);
    const error = await writer.write([{ value: 'fine' }, { value: { not: 'a string' }, origin: 'in/1@7' }, { value: 'after' }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RecordError);
    expect((error as RecordError).message).toMatch(/record in\/1@7.*value is object, not a string/);
    expect(await commit(sink, await prepare(writer))).toEqual([{ kind: 'committed' }]);
    expect((await readCommitted(brokers, topic)).map((message) => message.value)).toEqual(['fine']);
  });
});
