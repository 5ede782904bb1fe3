import { randomUUID } from 'node:crypto';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { testKafka } from './test-kafka';

/** One record as a `read_committed` consumer sees it. */
export interface CommittedMessage {
  readonly partition: number;
  readonly offset: number;
  /** The key as UTF-8 text (null: no key). */
  readonly key: string | null;
  /** The value as UTF-8 text (null: a tombstone). */
  readonly value: string | null;
  /** The key's bytes, as stored. */
  readonly keyBytes: Buffer | null;
  /** The value's bytes, as stored. */
  readonly valueBytes: Buffer | null;
  /** Headers as kafkajs' consumer returns them: a Buffer per value, an array for a repeated name. */
  readonly headers: IHeaders;
  /** The record's timestamp (ms since the epoch). */
  readonly timestamp: number;
}

/** How long one read may take before it fails, naming the partitions that did not reach their end. */
const READ_TIMEOUT_MS = 60_000;

/**
 * Everything a `read_committed` consumer sees in `topic` now, read with kafkajs' **public** consumer (never lockstep's
 * own fetch path, so a bug there cannot hide itself): `readUncommitted: false` makes kafkajs skip aborted
 * transactions and control records on its own. Each partition is read from its earliest offset up to its last stable
 * offset at the time of the call (kafkajs' admin lists offsets with isolation level read_committed); records
 * committed later are left out. The consumer joins a fresh, unique group (no offsets committed) and is the only
 * member, so it is assigned every partition; the read is over when kafkajs reports, for every partition, a batch
 * ending at or past that offset — also a batch of only aborted records or commit markers, which kafkajs reports as
 * well. Messages come back by partition, in offset order.
 *
 * What it shares with lockstep's source: kafkajs' record decoding and its aborted-transaction filter (the `Batch` of
 * kafkajs' consumer, which `connectors/kafka/internals/fetch.ts` also builds on) — not lockstep's fetch requests,
 * positions or end-of-partition logic. `integration-tests/kafka/kafka-read-committed.int.test.ts` checks it against
 * what a transactional producer committed and aborted.
 */
export async function readCommitted(brokers: readonly string[], topic: string): Promise<CommittedMessage[]> {
  const kafka = testKafka(brokers, 'lockstep-test-reader');
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `lockstep-oracle-${randomUUID()}`;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ends = new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
    const pending = new Set(offsets.filter((entry) => Number(entry.high) > Number(entry.low)).map((entry) => entry.partition));
    const messages = pending.size === 0 ? [] : await consume(kafka, groupId, topic, ends, pending);
    return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  } finally {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}

async function consume(
  kafka: ReturnType<typeof testKafka>,
  groupId: string,
  topic: string,
  ends: ReadonlyMap<number, number>,
  pending: Set<number>,
): Promise<CommittedMessage[]> {
  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
  });
  const result: CommittedMessage[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const end = ends.get(payload.partition) ?? 0;
    if (payload.topic === topic && Number(payload.lastOffset) + 1 >= end) pending.delete(payload.partition);
    if (pending.size === 0) finish();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) < (ends.get(partition) ?? 0)) result.push(committedMessage(partition, message));
      },
    });
    const timer = setTimeout(finish, READ_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
    if (pending.size > 0) throw new Error(`${topic}: partitions ${[...pending].join(', ')} not read to their end in ${READ_TIMEOUT_MS} ms`);
    return result;
  } finally {
    await consumer.disconnect();
  }
}

function committedMessage(partition: number, message: KafkaMessage): CommittedMessage {
  return {
    partition,
    offset: Number(message.offset),
    key: message.key?.toString('utf8') ?? null,
    value: message.value?.toString('utf8') ?? null,
    keyBytes: message.key ?? null,
    valueBytes: message.value ?? null,
    headers: message.headers ?? {},
    timestamp: Number(message.timestamp),
  };
}
