/**
 * Fetching assigned partitions without a consumer group, and committing offsets for lag monitoring, on kafkajs
 * internals. kafkajs' public consumer only reads
 * through group membership and keeps positions in the group; lockstep's source keeps them in its checkpoints, so it
 * sends `Fetch` to partition leaders itself (the internal `Broker.fetch`, typed in cluster.ts), takes the record
 * batches of each partition out of kafkajs' decoded response, and decides under read_committed which ones a
 * committed reader sees with lockstep's own filter (aborted-transactions.ts), the way Kafka's Java consumer does.
 *
 * What is used, and why (docs/kafkajs-internals.md has the full list):
 * - The decoded record shape of `kafkajs/src/protocol/recordBatch/record/v0/decoder` (`offset`, `key`, `value`,
 *   `headers`, `timestamp`, `isControlRecord`) and the batch header each record carries (`batchContext`: `firstOffset`,
 *   `lastOffsetDelta`, `producerId`, `inTransaction`, `isControlBatch`, from `recordBatch/v0/decoder`).
 * - `Broker.offsetCommit` of the internal Broker (`src/broker/index.js`), sent to the group coordinator with
 *   generation -1 and no member id: the standalone commit Kafka accepts for a group without members. kafkajs' public
 *   `admin.setOffsets` instead joins the group with a throw-away consumer (seconds per call, and it stops that
 *   consumer before every seek is committed), which does not fit a commit after every checkpoint.
 */
import { LockstepError } from '../../../core/sdk';
import { fetchPartitionError } from '../kafka-errors';
import { AbortedTransactionFilter, controlMarker, type AbortedTransaction, type BatchHeader } from './aborted-transactions';
import { COORDINATOR_TYPE, ISOLATION_LEVEL, type KafkaBroker, type KafkaCluster, type KafkaFetchPartition } from './cluster';
import { compressionErrorIn, installCompressionCodecs, isBatchCompressionError } from './compression-codecs';

/** One record as kafkajs decodes it (control records and records of aborted transactions are not delivered). */
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

/** A decoded record with its batch's header, as kafkajs' record decoder returns it (int64 fields as strings). */
interface RawMessage extends FetchedMessage {
  readonly isControlRecord?: boolean;
  readonly batchContext?: {
    readonly firstOffset?: string;
    readonly lastOffsetDelta?: number;
    readonly producerId?: string;
    readonly inTransaction?: boolean;
    readonly isControlBatch?: boolean;
  };
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
      result.push(decodePartition(entry, data, request.isolationLevel));
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

/**
 * Decodes one partition of a Fetch response that was asked for at `entry.fetchOffset`. Under read_committed, what is
 * delivered is decided per record batch by lockstep's `AbortedTransactionFilter` (aborted-transactions.ts), never by
 * kafkajs' consumer filter (kafkajs 2.2.4 `filterAbortedMessages` assumes the broker lists aborted transactions in
 * order and follows one per record: records of a second producer aborted at the same time came through).
 */
export function decodePartition(entry: PartitionFetch, data: KafkaFetchPartition, isolationLevel: number = ISOLATION_LEVEL.READ_COMMITTED): FetchedPartition {
  const batches = recordBatches(data.messages as readonly RawMessage[]);
  const filter = new AbortedTransactionFilter(isolationLevel === ISOLATION_LEVEL.READ_COMMITTED ? abortedTransactions(entry, data) : []);
  const fetchOffset = BigInt(entry.fetchOffset);
  const messages: FetchedMessage[] = [];
  for (const batch of batches) {
    if (filter.verdict(batch) !== 'deliver') continue;
    // only a batch that starts before the fetch offset (a compressed one is returned whole) holds records to drop
    for (const message of batch.records) {
      if (batch.firstOffset >= fetchOffset || BigInt(message.offset) >= fetchOffset) messages.push(detached(message));
    }
  }
  const last = batches.at(-1);
  return {
    topic: entry.topic,
    partition: entry.partition,
    fetchOffset: entry.fetchOffset,
    messages,
    nextOffset: last === undefined ? entry.fetchOffset : Math.max(entry.fetchOffset, Number(last.lastOffset) + 1),
    highWatermark: Number(data.highWatermark),
    lastStableOffset: Number(data.lastStableOffset),
  };
}

/**
 * `message` with its key, value and header values copied out of the Fetch response. kafkajs decodes them as slices of
 * the response's one Buffer (~`partitionMaxBytes` per partition, 1 MiB by default), so a single record still waiting
 * in the source's buffer or downstream would keep the whole response alive; copied, the response is garbage as soon
 * as it is decoded. Key and value share one allocation, which Node takes from its 8 KiB Buffer pool for small records.
 */
function detached(message: FetchedMessage): FetchedMessage {
  const { key, value } = message;
  const keyLength = key === null ? 0 : key.length;
  const bytes = Buffer.allocUnsafe(keyLength + (value === null ? 0 : value.length));
  if (key !== null) key.copy(bytes, 0);
  if (value !== null) value.copy(bytes, keyLength);
  return {
    offset: message.offset,
    key: key === null ? null : bytes.subarray(0, keyLength),
    value: value === null ? null : bytes.subarray(keyLength),
    headers: copiedHeaders(message.headers),
    timestamp: message.timestamp,
  };
}

function copiedHeaders(headers: FetchedMessage['headers']): FetchedMessage['headers'] {
  const names = Object.keys(headers);
  if (names.length === 0) return headers;
  const copy = (bytes: Buffer | null): Buffer | null => (Buffer.isBuffer(bytes) ? Buffer.from(bytes) : bytes);
  const result: Record<string, Buffer | null | readonly (Buffer | null)[]> = {};
  for (const name of names) {
    const value = headers[name] as Buffer | null | readonly (Buffer | null)[];
    result[name] = Array.isArray(value) ? (value as readonly (Buffer | null)[]).map(copy) : copy(value as Buffer | null);
  }
  return result;
}

/** A record batch of a Fetch response, rebuilt from kafkajs' flat list of decoded records. */
interface DecodedBatch extends BatchHeader {
  readonly records: readonly RawMessage[];
}

/**
 * kafkajs' decoder flattens a partition's record batches into records that each carry their batch's header
 * (`batchContext`): consecutive records with the same batch first offset are one batch again. A batch's last offset
 * is `firstOffset + lastOffsetDelta` (past records removed by compaction: decoded batches are always whole, kafkajs
 * drops a batch cut off by `maxBytes`). A record without a header (the legacy message format, which has no
 * transactions) is a batch of its own without a producer.
 */
function recordBatches(raw: readonly RawMessage[]): DecodedBatch[] {
  const batches: { header: BatchHeader; records: RawMessage[] }[] = [];
  for (const message of raw) {
    const current = batches.at(-1);
    const context = message.batchContext;
    const first = context?.firstOffset;
    if (current !== undefined && first !== undefined && current.records[0]?.batchContext?.firstOffset === first) current.records.push(message);
    else batches.push({ header: batchHeader(message), records: [message] });
  }
  return batches.map(({ header, records }) => {
    const lastRecord = BigInt((records.at(-1) as RawMessage).offset);
    return { ...header, lastOffset: header.lastOffset > lastRecord ? header.lastOffset : lastRecord, records };
  });
}

/** The header of the batch holding `message`, from its `batchContext` (record batch v2 attributes and producer id). */
function batchHeader(message: RawMessage): BatchHeader {
  const context = message.batchContext;
  const firstOffset = BigInt(context?.firstOffset ?? message.offset);
  const isControl = context?.isControlBatch === true || message.isControlRecord === true;
  return {
    firstOffset,
    lastOffset: firstOffset + BigInt(context?.lastOffsetDelta ?? 0),
    producerId: BigInt(context?.producerId ?? -1),
    isTransactional: context?.inTransaction === true,
    ...(isControl ? { control: controlMarker(message.key) } : {}),
  };
}

/** The partition's aborted transactions as kafkajs decodes them (`producerId`, `firstOffset`: int64 strings). */
function abortedTransactions(entry: PartitionFetch, data: KafkaFetchPartition): AbortedTransaction[] {
  return (data.abortedTransactions as readonly { producerId?: unknown; firstOffset?: unknown }[]).map(({ producerId, firstOffset }) => {
    if (!isInt64(producerId) || !isInt64(firstOffset)) {
      throw new LockstepError(`kafka fetch of ${entry.topic}/${entry.partition}@${entry.fetchOffset}: an aborted transaction without producerId or firstOffset (kafkajs internals changed?)`, {
        code: 'LS_KAFKA_INTERNALS',
      });
    }
    return { producerId: BigInt(producerId), firstOffset: BigInt(firstOffset) };
  });
}

function isInt64(value: unknown): value is string | number {
  return (typeof value === 'string' && /^-?\d+$/.test(value)) || Number.isSafeInteger(value);
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
