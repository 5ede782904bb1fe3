import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer, Transaction } from 'kafkajs';
import { SeededRandom } from '../../core/testing';
import { testServices } from '../env';
import { KafkaCliClients } from '../support/kafka-cli-clients';
import { startLockstep } from '../support/lockstep-process';
import { eventually, KafkaSourceTestBed, readUntil } from './kafka-source-fixtures';

/**
 * read_committed against aborted transactions that overlap, checked with a reader that is not lockstep's: three
 * transactional producers (kafkajs' public producer API) and a plain one interleave transactions, some committed,
 * some aborted, on a 2-partition topic; on a second topic two transactions stay open while a third producer commits,
 * then both abort, and the source starts (startFrom offsets) inside both. kcat (librdkafka, isolation.level
 * read_committed) is the oracle, and what the writer knows of each transaction's end must agree with it. lockstep
 * reads both topics in one pipeline (Kafka source → file sink) and, in-process, with fetches of a batch or two, so
 * that most fetches start inside transactions.
 */
const { brokers } = testServices().kafka;
const PARTITIONS = 2;

/** A record as written: where it landed, and whether a read_committed reader must see it. */
interface Written {
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
  visible: boolean;
}

/** Writes records through kafkajs' public producers, remembering each one's offset and fate. */
class ScriptedWriter {
  readonly written: Written[] = [];
  private count = 0;

  constructor(
    private readonly topic: string,
    private readonly tag: string,
  ) {}

  /** Sends `count` records to `partition` with `sender` (in a transaction: visible once `end` commits it). */
  async send(sender: Producer | Transaction, partition: number, count: number, inTransaction: boolean): Promise<Written[]> {
    const values = Array.from({ length: count }, () => `${this.tag}-${(this.count += 1)}`);
    const [metadata] = await sender.send({ topic: this.topic, messages: values.map((value) => ({ key: value, value, partition })) });
    const base = Number(metadata?.baseOffset ?? Number.NaN);
    if (!Number.isInteger(base)) throw new Error(`no base offset for a send to ${this.topic}/${partition}`);
    const sent = values.map((value, i) => ({ partition, offset: base + i, value, visible: !inTransaction }));
    this.written.push(...sent);
    return sent;
  }

  /** What a read_committed reader must see in `partition` from `from` on, in offset order. */
  visible(partition: number, from = 0): { offset: number; value: string }[] {
    return this.written
      .filter((record) => record.partition === partition && record.offset >= from && record.visible)
      .sort((a, b) => a.offset - b.offset)
      .map(({ offset, value }) => ({ offset, value }));
  }
}

/** An open transaction and its records, which become visible if it commits. */
interface OpenTransaction {
  readonly transaction: Transaction;
  readonly records: Written[];
  readonly commit: boolean;
}

async function end(open: OpenTransaction): Promise<void> {
  if (open.commit) {
    await open.transaction.commit();
    for (const record of open.records) record.visible = true;
  } else {
    await open.transaction.abort();
  }
}

/** Three transactional producers and a plain one interleave `steps` seeded random moves over the topic's partitions. */
async function writeInterleaved(bed: KafkaSourceTestBed, topic: string, steps: number): Promise<ScriptedWriter> {
  const writer = new ScriptedWriter(topic, 'i');
  const random = new SeededRandom(1204);
  const producers = await Promise.all(['a', 'b', 'c'].map((name) => bed.producer(`aborted-test-${topic}-${name}`)));
  const plain = await bed.producer();
  const open = new Map<Producer, OpenTransaction>();
  for (let step = 0; step < steps; step += 1) {
    const partition = random.int(0, PARTITIONS - 1);
    if (random.chance(0.15)) {
      await writer.send(plain, partition, random.int(1, 2), false);
      continue;
    }
    const producer = random.pick(producers);
    const current = open.get(producer);
    if (current !== undefined && random.chance(0.3)) {
      open.delete(producer);
      await end(current);
      continue;
    }
    const transaction = current ?? { transaction: await producer.transaction(), records: [], commit: random.chance(0.4) };
    open.set(producer, transaction);
    transaction.records.push(...(await writer.send(transaction.transaction, partition, random.int(1, 3), true)));
  }
  for (const transaction of open.values()) await end(transaction);
  for (let partition = 0; partition < PARTITIONS; partition += 1) await writer.send(plain, partition, 1, false);
  return writer;
}

/**
 * One partition: producers a and b open transactions and write a1, b1, b2, a2 (b's records come first at b2, where the
 * source starts); c commits a transaction between them, a plain record follows, then a and b abort.
 */
async function writeTwoOpenThenAborted(bed: KafkaSourceTestBed, topic: string): Promise<{ writer: ScriptedWriter; start: number }> {
  const writer = new ScriptedWriter(topic, 'm');
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((name) => bed.producer(`aborted-test-${topic}-${name}`)));
  const plain = await bed.producer();
  const ta = await (a as Producer).transaction();
  const tb = await (b as Producer).transaction();
  await writer.send(ta, 0, 1, true);
  await writer.send(tb, 0, 1, true);
  const [start] = await writer.send(tb, 0, 1, true);
  await writer.send(ta, 0, 2, true);
  const tc = await (c as Producer).transaction();
  const committed = await writer.send(tc, 0, 2, true);
  await end({ transaction: tc, records: committed, commit: true });
  await writer.send(plain, 0, 1, false);
  await writer.send(tb, 0, 1, true);
  await ta.abort();
  await tb.abort();
  await writer.send(plain, 0, 1, false);
  return { writer, start: (start as Written).offset };
}

/** The lines of the committed part files of a file sink: each record's value as it is (the defaults copy bytes). */
async function fileSinkValues(out: string): Promise<string[]> {
  const values: string[] = [];
  for (const file of (await readdir(out)).filter((name) => /^part-.*\.jsonl$/.test(name))) {
    for (const line of (await readFile(join(out, file), 'utf8')).split('\n')) if (line !== '') values.push(line);
  }
  return values;
}

describe('kafka source: aborted transactions that overlap (oracle: kcat read_committed)', () => {
  let bed: KafkaSourceTestBed;
  let clients: KafkaCliClients;
  let dir: string;
  let interleaved: { topic: string; writer: ScriptedWriter };
  let midStart: { topic: string; writer: ScriptedWriter; start: number };
  /** kcat's read of each partition: the interleaved topic's from 0, the other's from the start offset. */
  let oracle: { interleaved: { offset: number; value: string }[][]; midStart: { offset: number; value: string }[] };

  const kcat = async (topic: string, partition: number, from = 0) =>
    (await clients.kcatReadCommitted(brokers, topic, partition, from)).map(({ offset, value }) => ({ offset, value }));

  beforeAll(async () => {
    clients = await KafkaCliClients.prepare();
    dir = await mkdtemp(join(tmpdir(), 'lockstep-kafka-aborted-'));
    bed = new KafkaSourceTestBed(brokers);
    await bed.connect();
    const topic = await bed.createTopic('source-aborted-interleaved', PARTITIONS);
    interleaved = { topic, writer: await writeInterleaved(bed, topic, 160) };
    const other = await bed.createTopic('source-aborted-mid-start', 1);
    midStart = { topic: other, ...(await writeTwoOpenThenAborted(bed, other)) };
    // transaction markers are written after commit/abort return: wait until the last (plain) record of every partition
    // is visible to read_committed, so every transaction before it has its marker
    const lastOf = (records: readonly { value: string }[]): string | undefined => records.at(-1)?.value;
    const readAll = async () => ({
      interleaved: await Promise.all(Array.from({ length: PARTITIONS }, (_, partition) => kcat(topic, partition))),
      midStart: await kcat(other, 0, midStart.start),
    });
    oracle = await eventually(readAll, (read) =>
      read.interleaved.every((records, partition) => lastOf(records) === lastOf(interleaved.writer.visible(partition))) &&
      lastOf(read.midStart) === lastOf(midStart.writer.visible(0)),
    );
  }, 300_000);

  afterAll(async () => {
    await bed.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the oracle agrees with how each transaction ended, and the topics hold what the test is about', () => {
    expect(oracle.interleaved).toEqual(Array.from({ length: PARTITIONS }, (_, partition) => interleaved.writer.visible(partition)));
    expect(oracle.midStart).toEqual(midStart.writer.visible(0, midStart.start));
    const aborted = interleaved.writer.written.filter((record) => !record.visible).length;
    expect(aborted).toBeGreaterThan(50);
    expect(interleaved.writer.written.length - aborted).toBeGreaterThan(50);
    expect(oracle.midStart.map((record) => record.value)).toEqual(['m-6', 'm-7', 'm-8', 'm-10']);
  });

  it('a pipeline (Kafka source → file sink) reads both topics as kcat does, starting inside two aborted transactions', async () => {
    const config = join(dir, 'aborted.yaml');
    const out = join(dir, 'out');
    const startFrom = JSON.stringify({ offsets: { [midStart.topic]: { '0': midStart.start } } });
    await writeFile(
      config,
      [
        `name: kafka-aborted-${interleaved.topic}`,
        `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'chk')}" }`,
        'parallelism: 2',
        `sources: [{ id: in, type: kafka, brokers: ${JSON.stringify(brokers)}, topics: [${interleaved.topic}, ${midStart.topic}], bounded: latest, startFrom: ${startFrom} }]`,
        `sinks: [{ id: files, type: file, path: "${out}" }]`,
        '',
      ].join('\n'),
    );
    expect(await startLockstep(['run', config], join(dir, 'aborted.log')).exited).toBe(0);
    const expected = [...oracle.interleaved.flat(), ...oracle.midStart].map((record) => record.value);
    expect((await fileSinkValues(out)).sort()).toEqual(expected.sort());
  }, 120_000);

  it('the source, fetching a batch or two at a time, reads each partition in order as kcat does', async () => {
    const tuning = { partitionMaxBytes: 120, maxBufferedBytes: 2_000 };
    const source = bed.source({ topics: [interleaved.topic, midStart.topic], bounded: 'latest', startFrom: { offsets: { [midStart.topic]: { '0': midStart.start } } } }, { tuning });
    const records = await readUntil(await bed.run(source, 1), undefined, 60_000);
    const read = (topic: string, partition: number) =>
      records.flatMap((record) => {
        const match = new RegExp(`^${topic}/${partition}@(\\d+)$`).exec(record.origin ?? '');
        return match === null ? [] : [{ offset: Number(match[1]), value: record.value }];
      });
    expect(Array.from({ length: PARTITIONS }, (_, partition) => read(interleaved.topic, partition))).toEqual(oracle.interleaved);
    expect(read(midStart.topic, 0)).toEqual(oracle.midStart);
  }, 120_000);
});
