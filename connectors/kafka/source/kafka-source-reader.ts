import type { Logger } from 'pino';
import { delayOrUntil, type InitContext, type LockstepRecord, SourceReaderBase, WakeSignal } from '../../../core/sdk';
import { fetchPartitions, ISOLATION_LEVEL, type KafkaCluster } from '../internals';
import { fetchFailureAction, mapKafkaSourceError, offsetOutOfRange } from '../kafka-errors';
import type { GroupOffsetCommitter, PartitionPosition } from './group-offset-committer';
import { withKafkaRetry, type KafkaRetryOptions } from './kafka-retry';
import { kafkaSplitId, type KafkaSplit, type KafkaStartPosition } from './kafka-split';
import { lookUpOffsets, offsetOf, type OffsetQuery } from './offset-lookup';
import { PartitionProgress } from './partition-progress';
import type { KafkaRecordDecoder } from './record-decoding';

/** How a reader fetches: not part of the config; tests use small values to exercise the buffer bound. */
export interface KafkaReaderTuning {
  /** Longest time a broker holds a fetch waiting for data. */
  readonly fetchMaxWaitMs: number;
  /** Bytes per fetch response. */
  readonly fetchMaxBytes: number;
  /** Bytes per partition in a fetch response (a larger first batch still comes whole). */
  readonly partitionMaxBytes: number;
  /** Fetching pauses while this many bytes of fetched records wait to be polled. */
  readonly maxBufferedBytes: number;
  readonly retry: KafkaRetryOptions;
}

export interface KafkaSourceReaderDeps {
  readonly cluster: KafkaCluster;
  /** `ISOLATION_LEVEL` of internals/cluster.ts. */
  readonly isolationLevel: number;
  readonly decoder: KafkaRecordDecoder;
  /** Set with `commitOffsetsToGroup`. */
  readonly groupCommitter: GroupOffsetCommitter | undefined;
  readonly tuning: KafkaReaderTuning;
  readonly log: Logger;
  /** `InitContext.reportSourceLag`: the end offset (last stable offset under read_committed) minus the position. */
  readonly reportSourceLag?: InitContext['reportSourceLag'];
}

/** Snapshots kept for `commitOffsetsToGroup` while their checkpoint may still complete (aborted ones age out). */
const MAX_PENDING_GROUP_COMMITS = 16;

/**
 * Reads the topic-partitions assigned to one subtask. A background loop fetches them from their leaders (one Fetch
 * per leader, no consumer group) into a bounded buffer and pauses while it is full; `pollNext` hands records out
 * round-robin over the partitions and advances each partition's position only over what it returned, which is what
 * `snapshotState` stores. Bounded partitions leave the reader once their position reached their stop offset; the
 * reader ends when no more splits will come and all of them did.
 *
 * Call order: the engine's (`SourceReader`); the fetch loop runs from `start()` to `close()`. A failure of the loop
 * (after retries for leader changes and lost connections, or at once for OFFSET_OUT_OF_RANGE) is thrown by the next
 * `pollNext`.
 */
export class KafkaSourceReader extends SourceReaderBase<KafkaSplit, PartitionProgress> {
  /** Final positions of bounded partitions that ended, for `commitOffsetsToGroup`. */
  private readonly endedPositions = new Map<string, PartitionPosition>();
  private readonly pendingGroupCommits = new Map<number, PartitionPosition[]>();
  private readonly loopWake = new WakeSignal();
  private signalClosed: () => void = () => undefined;
  private readonly closedSignal = new Promise<void>((resolve) => (this.signalClosed = resolve));
  private loop: Promise<void> | undefined;
  private connected = false;
  private nextPartitionIndex = 0;

  constructor(private readonly deps: KafkaSourceReaderDeps) {
    super(deps.log);
  }

  override async start(): Promise<void> {
    this.loop ??= this.runFetchLoop();
  }

  protected initSplitState(split: KafkaSplit): PartitionProgress {
    return new PartitionProgress(split);
  }

  protected toSplit(progress: PartitionProgress): KafkaSplit {
    return progress.snapshot();
  }

  protected override onSplitsAdded(added: readonly PartitionProgress[]): void {
    for (const progress of added) if (progress.ended) this.finishSplit(progress.split.splitId);
    this.loopWake.notify();
  }

  protected async readRecords(max: number): Promise<LockstepRecord[]> {
    const records: LockstepRecord[] = [];
    const all = [...this.splits.values()];
    const bufferedBefore = this.bufferedBytes();
    for (let i = 0; i < all.length && records.length < max; i += 1) {
      const progress = all[(this.nextPartitionIndex + i) % all.length] as PartitionProgress;
      try {
        progress.take(max, (message) => this.deps.decoder.decode(progress.topic, progress.partition, message), records);
      } finally {
        if (progress.ended) this.finishSplit(progress.split.splitId);
      }
    }
    this.nextPartitionIndex = all.length === 0 ? 0 : (this.nextPartitionIndex + 1) % all.length;
    for (const progress of all) this.reportLag(progress);
    if (bufferedBefore >= this.deps.tuning.maxBufferedBytes && this.bufferedBytes() < this.deps.tuning.maxBufferedBytes) {
      this.loopWake.notify();
    }
    return records;
  }

  protected whenAvailable(): number {
    for (const progress of this.splits.values()) if (progress.hasBuffered || progress.ended) return 0;
    return Infinity;
  }

  override snapshotState(checkpointId: number): KafkaSplit[] {
    const splits = super.snapshotState(checkpointId);
    if (this.deps.groupCommitter !== undefined) {
      const positions = splits.flatMap((split) =>
        split.start.kind === 'offset' ? [{ topic: split.topic, partition: split.partition, offset: split.start.offset }] : [],
      );
      this.pendingGroupCommits.set(checkpointId, [...positions, ...this.endedPositions.values()]);
      for (const id of this.pendingGroupCommits.keys()) {
        if (this.pendingGroupCommits.size <= MAX_PENDING_GROUP_COMMITS) break;
        this.pendingGroupCommits.delete(id);
      }
    }
    return splits;
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const positions = this.pendingGroupCommits.get(checkpointId);
    for (const id of [...this.pendingGroupCommits.keys()]) if (id <= checkpointId) this.pendingGroupCommits.delete(id);
    if (positions !== undefined && positions.length > 0) this.deps.groupCommitter?.commit(checkpointId, positions);
  }

  protected override async onClose(): Promise<void> {
    this.signalClosed();
    this.loopWake.notify();
    // let the loop stop first (a fetch in flight ends within fetchMaxWaitMs), so nothing reconnects the cluster after
    // it was disconnected; a broker that does not answer is cut off by the disconnect
    const loop = this.loop?.catch(() => undefined);
    await delayOrUntil(this.deps.tuning.fetchMaxWaitMs + 1_000, loop ?? Promise.resolve());
    try {
      await this.deps.groupCommitter?.close();
    } finally {
      await this.deps.cluster.disconnect();
      await loop;
    }
  }

  private bufferedBytes(): number {
    let bytes = 0;
    for (const progress of this.splits.values()) bytes += progress.bufferedBytes;
    return bytes;
  }

  /** A bounded partition reached its stop offset: it left the reader's state. */
  protected override onSplitFinished(splitId: string, progress: PartitionProgress): void {
    progress.clear();
    const { topic, partition } = progress;
    this.endedPositions.set(splitId, { topic, partition, offset: progress.position ?? 0 });
    this.deps.log.debug({ topic, partition, offset: progress.position }, 'kafka partition read to its stop offset');
  }

  private async runFetchLoop(): Promise<void> {
    while (!this.isClosed) {
      try {
        await this.resolveStarts();
        const due = [...this.splits.values()].some((progress) => progress.wantsFetch);
        if (!due || this.bufferedBytes() >= this.deps.tuning.maxBufferedBytes) {
          await this.loopWake.wait();
          continue;
        }
        await this.retrying('fetch', () => this.fetchOnce());
      } catch (error) {
        if (this.isClosed) return;
        const failure = error instanceof Error ? error : mapKafkaSourceError(error, 'fetch');
        this.deps.log.error({ err: failure }, 'kafka source reader failed');
        this.reportFailure(failure);
        return;
      }
    }
  }

  private retrying<T>(action: string, call: () => Promise<T>): Promise<T> {
    const { cluster, log, tuning } = this.deps;
    return withKafkaRetry(cluster, action, call, log, { retry: tuning.retry, cancelled: this.closedSignal });
  }

  private async connect(): Promise<void> {
    if (this.connected) return;
    await this.deps.cluster.connect();
    this.connected = true;
  }

  /** Looks up the offsets of symbolic starts (earliest, latest, timestamp) of newly assigned partitions. */
  private async resolveStarts(): Promise<void> {
    const unresolved = [...this.splits.values()].filter((progress) => progress.position === undefined);
    if (unresolved.length === 0) return;
    const lookups = unresolved.map(({ topic, partition, split }) => ({ topic, partition, query: queryOf(split.start) }));
    const offsets = await this.retrying('look up start offsets', async () => {
      if (this.isClosed) return new Map<string, number>();
      await this.connect();
      return lookUpOffsets(this.deps.cluster, lookups);
    });
    for (const progress of unresolved) {
      const offset = offsetOf(offsets, progress.topic, progress.partition);
      if (offset === undefined || this.splits.get(progress.split.splitId) !== progress) continue;
      progress.resolve(offset);
      this.deps.log.debug({ topic: progress.topic, partition: progress.partition, offset }, 'kafka start offset resolved');
      if (progress.ended) this.finishSplit(progress.split.splitId);
    }
  }

  /** One Fetch to the leader of every partition due, in parallel; what came back is buffered. */
  private async fetchOnce(): Promise<void> {
    if (this.isClosed) return;
    await this.connect();
    const due = [...this.splits.values()].filter((progress) => progress.wantsFetch);
    if (due.length === 0) return;
    const { cluster, tuning, isolationLevel } = this.deps;
    await cluster.addMultipleTargetTopics([...new Set(due.map((progress) => progress.topic))]);
    let byLeader = this.groupByLeader(due);
    if (byLeader.unknown.length > 0) {
      await cluster.refreshMetadata();
      byLeader = this.groupByLeader(due);
      if (byLeader.unknown.length > 0 && byLeader.leaders.size === 0) {
        const first = byLeader.unknown[0] as PartitionProgress;
        throw Object.assign(new Error(`no leader known for ${first.topic}/${first.partition}`), { type: 'LEADER_NOT_AVAILABLE' });
      }
    }
    let added = 0;
    await Promise.all(
      [...byLeader.leaders].map(async ([nodeId, partitions]) => {
        const broker = await cluster.findBroker({ nodeId });
        const asked = partitions.map((progress) => ({
          topic: progress.topic,
          partition: progress.partition,
          fetchOffset: progress.fetchOffset as number,
          maxBytes: tuning.partitionMaxBytes,
        }));
        let fetched;
        try {
          fetched = await fetchPartitions(broker, {
            isolationLevel,
            maxWaitTime: tuning.fetchMaxWaitMs,
            minBytes: 1,
            maxBytes: tuning.fetchMaxBytes,
            partitions: asked,
          });
        } catch (error) {
          throw fetchFailureAction(error) === 'offset-out-of-range' ? outOfRange(error, asked) : error;
        }
        for (const result of fetched) {
          const progress = this.splits.get(kafkaSplitId(result.topic, result.partition));
          if (progress === undefined || !partitions.includes(progress)) continue;
          added += progress.append(result);
          progress.endOffset = isolationLevel === ISOLATION_LEVEL.READ_COMMITTED ? result.lastStableOffset : result.highWatermark;
          this.reportLag(progress);
        }
      }),
    );
    if (added > 0) this.notifyAvailable();
  }

  /** Records between the partition's end offset (as of its last fetch) and the reader's position. */
  private reportLag(progress: PartitionProgress): void {
    if (this.deps.reportSourceLag === undefined || progress.endOffset === undefined || progress.position === undefined) return;
    this.deps.reportSourceLag(progress.split.splitId, 'records', Math.max(0, progress.endOffset - progress.position));
  }

  private groupByLeader(due: readonly PartitionProgress[]): { leaders: Map<string, PartitionProgress[]>; unknown: PartitionProgress[] } {
    const leaders = new Map<string, PartitionProgress[]>();
    const unknown: PartitionProgress[] = [];
    const byTopic = new Map<string, PartitionProgress[]>();
    for (const progress of due) byTopic.set(progress.topic, [...(byTopic.get(progress.topic) ?? []), progress]);
    for (const [topic, partitions] of byTopic) {
      const found = this.deps.cluster.findLeaderForPartitions(topic, partitions.map((progress) => progress.partition));
      const led = new Set<number>();
      for (const [nodeId, ids] of Object.entries(found)) {
        const list = leaders.get(nodeId) ?? [];
        for (const id of ids) {
          const progress = partitions.find((candidate) => candidate.partition === id);
          if (progress !== undefined) list.push(progress);
          led.add(id);
        }
        leaders.set(nodeId, list);
      }
      unknown.push(...partitions.filter((progress) => !led.has(progress.partition)));
    }
    return { leaders, unknown };
  }
}

function queryOf(start: KafkaStartPosition): OffsetQuery {
  switch (start.kind) {
    case 'timestamp':
      return { timestamp: start.timestamp };
    case 'latest':
      return 'latest';
    default:
      return 'earliest';
  }
}

/** The OFFSET_OUT_OF_RANGE error of a fetch, naming the partition and the offset asked for. */
function outOfRange(error: unknown, asked: readonly { topic: string; partition: number; fetchOffset: number }[]): Error {
  const named = error as { topic?: unknown; partition?: unknown };
  const entry = asked.find((candidate) => candidate.topic === named.topic && candidate.partition === named.partition) ?? asked[0];
  if (entry === undefined) return mapKafkaSourceError(error, 'fetch');
  return offsetOutOfRange(entry.topic, entry.partition, entry.fetchOffset, error);
}
