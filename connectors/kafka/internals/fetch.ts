/**
 * Fetching assigned partitions without a consumer group, and committing offsets for lag monitoring, on kafkajs
 * internals. kafkajs' public consumer only reads
 * through group membership and keeps positions in the group; lockstep's source keeps them in its checkpoints, so it
 * sends `Fetch` to partition leaders itself (the internal `Broker.fetch`, typed in cluster.ts) and decodes each
 * partition with kafkajs' internal `Batch`, which drops records of aborted transactions and control records the way
 * kafkajs' consumer does.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - `kafkajs/src/consumer/batch` (`new Batch(topic, fetchedOffset, partitionData)`, its `messages` and
 *   `rawMessages`): filtering of aborted transactions (by the response's `abortedTransactions`) and control
 *   records, and of records before the fetched offset (a compressed batch starts earlier).
 * - The decoded record shape of `kafkajs/src/protocol/recordBatch/record/v0/decoder` (`offset`, `key`, `value`,
 *   `headers`, `timestamp`, `isControlRecord`, `batchContext.firstOffset` / `lastOffsetDelta`).
 * - `Broker.offsetCommit` of the internal Broker (`src/broker/index.js`), sent to the group coordinator with
 *   generation -1 and no member id: the standalone commit Kafka accepts for a group without members. kafkajs' public
 *   `admin.setOffsets` instead joins the group with a throw-away consumer (seconds per call, and it stops that
 *   consumer before every seek is committed), which does not fit a commit after every checkpoint.
 */
import { LockstepError } from '../../../core/sdk';
import { fetchPartitionError } from '../kafka-errors';
import { COORDINATOR_TYPE, type KafkaBroker, type KafkaCluster, type KafkaFetchPartition } from './cluster';
import { compressionErrorIn, installCompressionCodecs, isBatchCompressionError } from './compression-codecs';

/* eslint-disable @typescript-eslint/no-require-imports */

/** One record as kafkajs decodes it (control records and aborted ones are already dropped). */
export interface FetchedMessage {
  /** Offset as a decimal string (int64). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** A header repeated in one record arrives as a list. */
  readonly headers: Readonly<Record<string, Buffer | null | readonly (Buffer | null)[]>>;
  /** Milliseconds since the epoch as a decimal string (CreateTime, or LogAppendTime when the topic says so). */
  readonly timestamp: string;
}

interface RawMessage extends FetchedMessage {
  readonly isControlRecord?: boolean;
  readonly batchContext?: { readonly firstOffset?: string; readonly lastOffsetDelta?: number };
}

interface KafkajsBatch {
  readonly messages: readonly RawMessage[];
  /** Every decoded record, control records and those before the fetched offset included. */
  readonly rawMessages: readonly RawMessage[];
}

type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: KafkaFetchPartition) => KafkajsBatch;

let batchClass: BatchConstructor | undefined;

function loadBatch(): BatchConstructor {
  if (batchClass === undefined) {
    const loaded = require('kafkajs/src/consumer/batch') as unknown;
    if (typeof loaded !== 'function') {
      throw new LockstepError('kafkajs internals changed: kafkajs/src/consumer/batch is not a class (lockstep needs kafkajs 2.2.x)', { code: 'LS_KAFKA_INTERNALS' });
    }
    batchClass = loaded as BatchConstructor;
  }
  return batchClass;
}

/** A partition to fetch from `fetchOffset`, returning at most `maxBytes` of it (at least one batch if larger). */
export interface PartitionFetch {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly maxBytes: number;
}

/** What one partition returned. */
export interface FetchedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: number;
  /** Records to hand out, in offset order. */
  readonly messages: readonly FetchedMessage[];
  /**
   * Offset to fetch next: past every record the response held, including control records, aborted records and records
   * removed by compaction, so a read reaches the end of a transactional topic. Equals `fetchOffset` when nothing came.
   */
  readonly nextOffset: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
}

export interface FetchRequest {
  /** `ISOLATION_LEVEL` of cluster.ts. */
  readonly isolationLevel: number;
  readonly maxWaitTime: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitions: readonly PartitionFetch[];
}

/**
 * One `Fetch` to `broker` (the leader of every partition asked for), decoded per partition.
 * @throws the kafkajs error of the first failing partition (kafkajs' Fetch response parser throws it): a
 * `KafkaJSOffsetOutOfRange` with `topic` and `partition`, or a protocol error whose `type` says what happened. A
 * partition error the parser let through is thrown the same way (`type`, `topic`, `partition`). A record batch that
 * cannot be decompressed throws `LS_KAFKA_COMPRESSION` naming its partition, offsets and codec.
 */
export async function fetchPartitions(broker: KafkaBroker, request: FetchRequest): Promise<FetchedPartition[]> {
  installCompressionCodecs();
  const byTopic = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
  const asked = new Map<string, PartitionFetch>();
  for (const entry of request.partitions) {
    const list = byTopic.get(entry.topic) ?? [];
    list.push({ partition: entry.partition, fetchOffset: String(entry.fetchOffset), maxBytes: entry.maxBytes });
    byTopic.set(entry.topic, list);
    asked.set(`${entry.partition}:${entry.topic}`, entry);
  }
  let response;
  try {
    response = await broker.fetch({
      isolationLevel: request.isolationLevel,
      maxWaitTime: request.maxWaitTime,
      minBytes: request.minBytes,
      maxBytes: request.maxBytes,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    });
  } catch (error) {
    throw isBatchCompressionError(error) ? await locateCompressionError(broker, request, error) : error;
  }
  const result: FetchedPartition[] = [];
  for (const { topicName, partitions } of response.responses) {
    for (const data of partitions) {
      const entry = asked.get(`${data.partition}:${topicName}`);
      if (entry === undefined) continue;
      if (data.errorCode !== 0) throw partitionError(entry, data.errorCode);
      result.push(decodePartition(entry, data));
    }
  }
  return result;
}

/**
 * kafkajs decodes the whole response before lockstep sees it, so a batch it could not decompress comes without its
 * partition: with several partitions asked for, each is fetched again alone (the pipeline stops anyway) to name it.
 */
async function locateCompressionError(broker: KafkaBroker, request: FetchRequest, error: LockstepError): Promise<LockstepError> {
  if (request.partitions.length > 1) {
    for (const entry of request.partitions) {
      const { topic, partition, fetchOffset, maxBytes } = entry;
      const again = await broker
        .fetch({
          isolationLevel: request.isolationLevel,
          maxWaitTime: 0,
          minBytes: request.minBytes,
          maxBytes: request.maxBytes,
          topics: [{ topic, partitions: [{ partition, fetchOffset: String(fetchOffset), maxBytes }] }],
        })
        .then(() => undefined, (failure: unknown) => failure);
      if (isBatchCompressionError(again)) return compressionErrorIn(again, [entry]);
    }
  }
  return compressionErrorIn(error, request.partitions);
}

/** Decodes one partition of a Fetch response that was asked for at `entry.fetchOffset`. */
export function decodePartition(entry: PartitionFetch, data: KafkaFetchPartition): FetchedPartition {
  const Batch = loadBatch();
  const batch = new Batch(entry.topic, String(entry.fetchOffset), { ...data, abortedTransactions: byFirstOffset(data.abortedTransactions) });
  return {
    topic: entry.topic,
    partition: entry.partition,
    fetchOffset: entry.fetchOffset,
    messages: batch.messages,
    nextOffset: nextOffsetAfter(entry.fetchOffset, batch.rawMessages),
    highWatermark: Number(data.highWatermark),
    lastStableOffset: Number(data.lastStableOffset),
  };
}

/**
 * The aborted transactions of a Fetch response in the order of their first offset. kafkajs' filter walks them in list
 * order, one step per record, but a broker lists them in no particular order (seen on Kafka 4.3: two transactions
 * aborted together listed second-started first): unsorted, records of an aborted transaction came through as
 * committed.
 */
function byFirstOffset(aborted: readonly unknown[]): unknown[] {
  const first = (entry: unknown): bigint => BigInt(String((entry as { firstOffset?: unknown }).firstOffset ?? 0));
  return [...aborted].sort((a, b) => (first(a) < first(b) ? -1 : first(a) > first(b) ? 1 : 0));
}

/**
 * The offset after the last record of `raw` (control and aborted records included), or after the end of its record
 * batch when compaction removed the batch's last records: decoded batches are always whole (kafkajs drops a batch cut
 * off by `maxBytes`), so the batch's `firstOffset + lastOffsetDelta` is safe to pass.
 */
function nextOffsetAfter(fetchOffset: number, raw: readonly RawMessage[]): number {
  const last = raw.at(-1);
  if (last === undefined) return fetchOffset;
  let next = Number(last.offset) + 1;
  const context = last.batchContext;
  if (context?.firstOffset !== undefined && typeof context.lastOffsetDelta === 'number') {
    next = Math.max(next, Number(context.firstOffset) + context.lastOffsetDelta + 1);
  }
  return Math.max(fetchOffset, next);
}

/** The internal Broker's OffsetCommit call (not declared in cluster.ts's `KafkaBroker`). */
interface OffsetCommitBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<unknown>;
}

/** An offset to commit for a group: the offset of the next record to read. */
export interface GroupOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** An error shaped like kafkajs' (`type`, `code`, `retriable`, `topic`, `partition`) for a partition's error code. */
function partitionError(entry: PartitionFetch, code: number): Error {
  const { topic, partition, fetchOffset } = entry;
  return fetchPartitionError(code, (type) => `fetch ${topic}/${partition}@${fetchOffset} failed: ${type}`, { topic, partition });
}

/**
 * Commits `offsets` for `groupId` as a standalone (member-less) group: OffsetCommit to the group's coordinator with
 * generation -1 and an empty member id. Fails when the group has active members (the broker answers
 * ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID).
 */
export async function commitGroupOffsets(cluster: KafkaCluster, groupId: string, offsets: readonly GroupOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  const coordinator = (await cluster.findGroupCoordinator({ groupId, coordinatorType: COORDINATOR_TYPE.GROUP })) as KafkaBroker &
    Partial<OffsetCommitBroker>;
  if (typeof coordinator.offsetCommit !== 'function') {
    throw new LockstepError('kafkajs internals changed: the broker has no offsetCommit (lockstep needs kafkajs 2.2.x)', { code: 'LS_KAFKA_INTERNALS' });
  }
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(offset) }]);
  }
  await coordinator.offsetCommit({
    groupId,
    groupGenerationId: -1,
    memberId: '',
    retentionTime: -1,
    topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
  });
}
