import { SeededRandom, testInitContext } from '../../core/testing';
import type { LockstepRecord } from '../../core/api/record';
import type { KafkaSplit } from '../../connectors/kafka/source';
import { testServices } from '../env';
import { byPartition, eventually, KafkaSourceTestBed, readUntil } from './kafka-source-fixtures';

/**
 * The Kafka source against the real broker: bounded reads (with committed and aborted transactions), resuming from a
 * checkpoint, partitions added while reading, startFrom, bad records, a lost position, and offsets committed to a
 * consumer group for lag monitoring.
 */
const { brokers } = testServices().kafka;
const values = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const messages = (prefix: string, count: number) => values(prefix, count).map((value) => ({ key: value, value }));

describe('kafka source', () => {
  let bed: KafkaSourceTestBed;

  beforeEach(async () => {
    bed = new KafkaSourceTestBed(brokers);
    await bed.connect();
  });

  afterEach(() => bed.close());

  it('reads a 3-partition topic to its end once, in partition order, without aborted transactions', async () => {
    const topic = await bed.createTopic('source-bounded');
    await bed.produce(topic, 0, messages('p0', 40));
    await bed.produce(topic, 1, messages('p1', 25));
    const producer = await bed.producer(`source-test-tx-${topic}`);
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'tx-committed-1', partition: 2 }, { value: 'tx-committed-2', partition: 2 }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'tx-aborted-1', partition: 2 }, { value: 'tx-aborted-2', partition: 1 }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic, messages: [{ value: 'tx-committed-3', partition: 2 }] });
    await last.commit();

    // small buffers: the fetch loop pauses and resumes many times
    const source = bed.source({ topics: [topic], bounded: 'latest' }, { tuning: { maxBufferedBytes: 2_000, partitionMaxBytes: 500 } });
    const run = await bed.run(source, 2);
    const records = await readUntil(run);
    expect(run.finished).toBe(true);
    expect(byPartition(records)).toEqual({
      '0': values('p0', 40),
      '1': values('p1', 25),
      '2': ['tx-committed-1', 'tx-committed-2', 'tx-committed-3'],
    });
    const first = records.find((record) => record.value === 'p1-0') as LockstepRecord;
    expect(first).toMatchObject({ key: 'p1-0', origin: `${topic}/1@0` });
    expect(typeof first.timestamp).toBe('number');

    const uncommitted = await readUntil(await bed.run(bed.source({ topics: [topic], bounded: 'latest', isolationLevel: 'read_uncommitted' }), 1));
    expect(byPartition(uncommitted)['2']).toEqual(['tx-committed-1', 'tx-committed-2', 'tx-aborted-1', 'tx-committed-3']);
  });

  it('resumes from a checkpoint: a restored source reads exactly the rest', async () => {
    const topic = await bed.createTopic('source-resume');
    for (const partition of [0, 1, 2]) await bed.produce(topic, partition, messages(`p${partition}`, 50));
    const config = { topics: [topic], bounded: 'latest' as const };
    const first = await bed.run(bed.source(config, { tuning: { maxBufferedBytes: 3_000 } }), 2);
    await readUntil(first, (delivered) => delivered.length >= 70);
    const taken = first.checkpoint(1);
    const beforeCheckpoint = first.delivered.map((record) => record.value);
    await readUntil(first, (delivered) => delivered.length >= 100); // read on, then "crash"
    expect(taken.splitStates.flat().some((split) => split.splitId.endsWith('-0'))).toBe(true);

    const restored = await bed.run(bed.source(config), 2, taken.checkpoint);
    const rest = (await readUntil(restored)).map((record) => record.value);
    const all = [...beforeCheckpoint, ...rest];
    expect(all).toHaveLength(150);
    expect(new Set(all).size).toBe(150);
    expect(rest.filter((value) => beforeCheckpoint.includes(value))).toEqual([]);
  });

  it('discovers a partition added while reading and reads it from its earliest offset', async () => {
    const topic = await bed.createTopic('source-discovery');
    for (const partition of [0, 1, 2]) await bed.produce(topic, partition, messages(`old${partition}`, 3));
    const source = bed.source({ topics: [topic], startFrom: 'latest', partitionDiscoveryInterval: 200 });
    const run = await bed.run(source, 2);
    // wait until every reader resolved "latest", so what is produced next is after it
    const random = new SeededRandom(1);
    const resolved = (): boolean => {
      const splits = run.checkpoint(0).splitStates.flat() as KafkaSplit[];
      return splits.length === 3 && splits.every((split) => split.start.kind === 'offset');
    };
    for (const deadline = Date.now() + 10_000; !resolved() && Date.now() < deadline; ) await run.poll(random);
    expect(resolved()).toBe(true);
    await bed.admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
    await bed.produce(topic, 3, messages('new3', 5));
    await bed.produce(topic, 0, messages('after0', 2));
    const records = await readUntil(run, (delivered) => delivered.length >= 7);
    await readUntil(run, () => false, 500).catch(() => undefined); // a little longer: nothing more may come
    expect(byPartition(run.delivered)).toEqual({ '0': values('after0', 2), '3': values('new3', 5) });
    expect(records.length).toBe(7);
  });

  it('starts from a timestamp: the first record at or after it, the end where there is none', async () => {
    const topic = await bed.createTopic('source-timestamp');
    const base = Date.now() - 60_000;
    await bed.produce(topic, 0, values('p0', 10).map((value, i) => ({ value, timestamp: String(base + i * 1000) })));
    await bed.produce(topic, 1, values('p1', 3).map((value, i) => ({ value, timestamp: String(base - 10_000 + i) })));
    const run = await bed.run(bed.source({ topics: [topic], bounded: 'latest', startFrom: { timestamp: base + 5_000 } }), 2);
    expect(byPartition(await readUntil(run))).toEqual({ '0': ['p0-5', 'p0-6', 'p0-7', 'p0-8', 'p0-9'] });
  });

  it('starts from given offsets; partitions not listed start at earliest', async () => {
    const topic = await bed.createTopic('source-offsets');
    await bed.produce(topic, 0, messages('p0', 10));
    await bed.produce(topic, 1, messages('p1', 4));
    const startFrom = { offsets: { [topic]: { '0': 7 } } };
    const run = await bed.run(bed.source({ topics: [topic], bounded: 'latest', startFrom }), 3);
    expect(byPartition(await readUntil(run))).toEqual({ '0': ['p0-7', 'p0-8', 'p0-9'], '1': values('p1', 4) });
  });

  it('reports a value that is not JSON as a bad record naming topic/partition@offset, after the records before it', async () => {
    const topic = await bed.createTopic('source-bad-json', 1);
    await bed.produce(topic, 0, [{ value: '{"n":0}' }, { value: '{"n":1}' }, { value: 'not json' }, { value: '{"n":3}' }]);
    const source = bed.source({ topics: [topic], bounded: 'latest', valueFormat: 'json' });
    const reader = source.createReader(testInitContext());
    await reader.start();
    reader.addSplits([{ splitId: `${topic}-0`, topic, partition: 0, start: { kind: 'earliest' }, stopOffset: 4 }]);
    reader.notifyNoMoreSplits();
    try {
      const read: unknown[] = [];
      let error: unknown;
      while (error === undefined) {
        await reader.isAvailable();
        try {
          const result = await reader.pollNext(10);
          if (result.status === 'records') read.push(...result.records.map((record) => record.value));
        } catch (caught) {
          error = caught;
        }
      }
      expect(read).toEqual([{ n: 0 }, { n: 1 }]);
      expect(error).toMatchObject({ name: 'RecordError', code: 'LS_KAFKA_VALUE_NOT_JSON', record: { value: 'not json', origin: `${topic}/0@2` } });
      expect((error as Error).message).toContain(`${topic}/0@2`);
      expect(await reader.pollNext(10)).toMatchObject({ status: 'records', records: [{ value: { n: 3 } }] });
      expect(await reader.pollNext(10)).toEqual({ status: 'end-of-input' });
    } finally {
      await reader.close();
    }
  });

  it('fails with LS_KAFKA_OFFSET_OUT_OF_RANGE naming topic, partition and offset when the position is gone', async () => {
    const topic = await bed.createTopic('source-out-of-range', 1);
    await bed.produce(topic, 0, messages('p0', 3));
    const reader = bed.source({ topics: [topic] }).createReader(testInitContext());
    await reader.start();
    reader.addSplits([{ splitId: `${topic}-0`, topic, partition: 0, start: { kind: 'offset', offset: 1000 } }]);
    try {
      await reader.isAvailable();
      const error = await reader.pollNext(10).then(() => undefined, (caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'LS_KAFKA_OFFSET_OUT_OF_RANGE', context: { topic, partition: 0, offset: 1000 } });
      expect((error as Error).message).toContain(`${topic}/0 has no offset 1000`);
    } finally {
      await reader.close();
    }
  });

  it('commits the offsets of completed checkpoints to commitOffsetsToGroup, for lag monitoring', async () => {
    const topic = await bed.createTopic('source-group');
    for (const partition of [0, 1, 2]) await bed.produce(topic, partition, messages(`p${partition}`, 10));
    const groupId = `source-lag-${topic}`;
    const source = bed.source({ topics: [topic], commitOffsetsToGroup: groupId });
    const splits: KafkaSplit[] = [];
    const context = { parallelism: 1, assignSplits: (_: number, assigned: readonly KafkaSplit[]) => splits.push(...assigned), signalNoMoreSplits: () => undefined };
    const enumerator = source.createEnumerator(context, testInitContext());
    await enumerator.start();
    const reader = source.createReader(testInitContext());
    await reader.start();
    reader.addSplits(splits);
    // On a fresh broker the group coordinator (__consumer_offsets) may still be loading: retry what kafkajs'
    // admin does not (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS), for up to 30 s.
    const committedOffsets = async (): Promise<Record<string, string>> => {
      for (let attempt = 0; ; attempt += 1) {
        try {
          const [offsets] = await bed.admin.fetchOffsets({ groupId, topics: [topic] });
          return Object.fromEntries((offsets?.partitions ?? []).map(({ partition, offset }) => [String(partition), offset]));
        } catch (error) {
          if ((error as { retriable?: unknown }).retriable !== true || attempt >= 60) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    };
    try {
      let read = 0;
      while (read < 30) {
        await reader.isAvailable();
        const result = await reader.pollNext(30 - read);
        if (result.status === 'records') read += result.records.length;
      }
      reader.snapshotState(1);
      // not complete yet: nothing committed
      expect(await committedOffsets()).toEqual({ '0': '-1', '1': '-1', '2': '-1' });
      await reader.notifyCheckpointComplete?.(1);
      expect(await eventually(committedOffsets, (offsets) => Object.values(offsets).every((offset) => offset === '10'))).toEqual({ '0': '10', '1': '10', '2': '10' });
    } finally {
      await reader.close();
      await enumerator.close();
      await bed.admin.deleteGroups([groupId]).catch(() => undefined);
    }
  });
});
