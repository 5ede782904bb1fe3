import type { Logger } from 'pino';
import { retry, type SplitEnumerator, type SplitEnumeratorContext } from '../../../core/sdk';
import { isRetriableKinesisError, mapKinesisError } from '../kinesis-errors';
import type { FinishedShards } from './finished-shards';
import type { KinesisEnumeratorState } from './kinesis-enumerator-state';
import type { KinesisShardApi } from './kinesis-shard-api';
import { kinesisSplit, type KinesisSplit, type KinesisStartPosition } from './kinesis-split';
import { readyShards, type ListedShard } from './shard-lineage';

/** What the enumerator reads and how. */
export interface KinesisEnumeratorSettings {
  readonly stream: string;
  /** Where shards of the first listing start (later ones start at TRIM_HORIZON). */
  readonly initialStart: KinesisStartPosition;
  readonly bounded: boolean;
  /** 0: list only at start and when a shard finished. Ignored when bounded. */
  readonly discoveryIntervalMs: number;
  readonly retry: { readonly initialDelayMs: number; readonly maxDelayMs: number; readonly maxAttempts: number };
}

/**
 * Lists the stream's shards and hands each to a reader subtask once it may be read: at once for a shard without
 * parents, after every parent was read to its end (readers report it through {@link FinishedShards}) for a shard
 * made by resharding, so the records of a partition key stay in order. A shard goes to the subtask with the fewest
 * unfinished shards. Unbounded, it lists again every `discoveryIntervalMs` and whenever a shard finished. Bounded,
 * it reads only the shards listed at its start, each up to the start time, and signals no more splits once all of
 * them were handed out. Its state: shards handed out and shards finished (pruned once gone from the stream).
 *
 * Call order: the engine's (`SplitEnumerator`). Construction does no I/O; `start` runs the first listing and fails
 * when it fails; later listings only log their failures.
 */
export class KinesisSplitEnumerator implements SplitEnumerator<KinesisSplit, KinesisEnumeratorState> {
  private initialDiscoveryDone: boolean;
  private bounded: { at: number; shards: readonly string[] } | undefined;
  private readonly assigned = new Map<string, number>();
  private readonly finished = new Set<string>();
  private listing: readonly ListedShard[] = [];
  private noMoreSplitsSignalled = false;
  private timer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly onFinished = (shardId: string): void => this.shardFinished(shardId);

  constructor(
    private readonly context: SplitEnumeratorContext<KinesisSplit>,
    private readonly settings: KinesisEnumeratorSettings,
    private readonly api: KinesisShardApi,
    private readonly finishedShards: FinishedShards,
    private readonly log: Logger,
    restored?: KinesisEnumeratorState,
  ) {
    this.initialDiscoveryDone = restored?.initialDiscoveryDone ?? false;
    this.bounded = restored?.bounded;
    for (const { shardId, subtask } of restored?.assigned ?? []) this.assigned.set(shardId, subtask);
    for (const shardId of restored?.finished ?? []) this.finished.add(shardId);
  }

  async start(): Promise<void> {
    for (const shardId of this.finishedShards.subscribe(this.onFinished)) this.finished.add(shardId);
    this.listing = await this.list();
    if (this.settings.bounded && this.bounded === undefined) {
      this.bounded = { at: Date.now(), shards: this.listing.map((shard) => shard.shardId) };
    }
    this.assignReady();
    this.scheduleDiscovery();
  }

  addSplitsBack(splits: readonly KinesisSplit[], subtask: number): void {
    this.context.assignSplits(subtask, splits);
    if (this.noMoreSplitsSignalled) this.context.signalNoMoreSplits(subtask);
  }

  snapshotState(_checkpointId: number): KinesisEnumeratorState {
    return {
      initialDiscoveryDone: this.initialDiscoveryDone,
      ...(this.bounded === undefined ? {} : { bounded: { at: this.bounded.at, shards: [...this.bounded.shards] } }),
      assigned: [...this.assigned].map(([shardId, subtask]) => ({ shardId, subtask })),
      finished: [...this.finished],
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.finishedShards.unsubscribe(this.onFinished);
    await this.discovering;
    this.api.destroy();
  }

  private shardFinished(shardId: string): void {
    if (this.closed || this.finished.has(shardId)) return;
    this.finished.add(shardId);
    this.log.debug({ shard: shardId }, 'kinesis shard read to its end');
    this.assignReady();
    // its children may not be in the last listing yet
    if (!this.settings.bounded) this.rediscover();
  }

  private list(): Promise<ListedShard[]> {
    return retry(() => this.api.listShards(), {
      ...this.settings.retry,
      retryIf: isRetriableKinesisError,
      onRetry: (error, attempt) => this.log.debug({ err: error, attempt }, 'ListShards failed; retrying'),
    }).catch((error: unknown) => {
      throw mapKinesisError(error, `ListShards of ${this.settings.stream}`);
    });
  }

  private assignReady(): void {
    const inScope = this.bounded === undefined ? undefined : new Set(this.bounded.shards);
    const listing = inScope === undefined ? this.listing : this.listing.filter((shard) => inScope.has(shard.shardId));
    const ready = readyShards(listing, new Set(this.assigned.keys()), this.finished);
    const bySubtask = new Map<number, KinesisSplit[]>();
    for (const shard of ready) {
      const subtask = this.leastLoadedSubtask();
      this.assigned.set(shard.shardId, subtask);
      bySubtask.set(subtask, [...(bySubtask.get(subtask) ?? []), this.splitOf(shard)]);
    }
    if (ready.length > 0 || !this.initialDiscoveryDone) {
      this.log.info({ shards: ready.map((shard) => shard.shardId), initial: !this.initialDiscoveryDone }, 'kinesis shards assigned');
    }
    this.initialDiscoveryDone = true;
    for (const [subtask, splits] of [...bySubtask].sort(([a], [b]) => a - b)) this.context.assignSplits(subtask, splits);
    this.signalNoMoreSplitsWhenDone();
  }

  private splitOf(shard: ListedShard): KinesisSplit {
    const start: KinesisStartPosition = this.initialDiscoveryDone ? { kind: 'trim-horizon' } : this.settings.initialStart;
    return kinesisSplit(shard.shardId, start, this.bounded?.at);
  }

  private leastLoadedSubtask(): number {
    const load = Array.from({ length: this.context.parallelism }, () => 0);
    for (const [shardId, subtask] of this.assigned) {
      if (!this.finished.has(shardId) && subtask < load.length) load[subtask] = (load[subtask] ?? 0) + 1;
    }
    return load.indexOf(Math.min(...load));
  }

  private signalNoMoreSplitsWhenDone(): void {
    if (this.bounded === undefined || this.noMoreSplitsSignalled) return;
    const listed = new Set(this.listing.map((shard) => shard.shardId));
    // a shard of the start listing that is gone now (trimmed) will never be handed out
    if (!this.bounded.shards.every((shardId) => this.assigned.has(shardId) || this.finished.has(shardId) || !listed.has(shardId))) return;
    this.noMoreSplitsSignalled = true;
    for (let subtask = 0; subtask < this.context.parallelism; subtask += 1) this.context.signalNoMoreSplits(subtask);
  }

  private rediscover(): void {
    this.discovering = this.discovering.then(async () => {
      if (this.closed) return;
      try {
        this.listing = await this.list();
        this.prune();
        this.assignReady();
      } catch (error) {
        this.log.warn({ err: error }, 'kinesis shard discovery failed; trying again later');
      }
    });
  }

  /** Forgets shards gone from the stream (past the retention period) that no listed shard descends from. */
  private prune(): void {
    const listed = new Set(this.listing.map((shard) => shard.shardId));
    const parents = new Set(this.listing.flatMap((shard) => [shard.parentShardId, shard.adjacentParentShardId]));
    const keep = (shardId: string): boolean => listed.has(shardId) || parents.has(shardId) || this.bounded?.shards.includes(shardId) === true;
    for (const shardId of [...this.assigned.keys()]) if (!keep(shardId) && this.finished.has(shardId)) this.assigned.delete(shardId);
    for (const shardId of [...this.finished]) if (!keep(shardId)) this.finished.delete(shardId);
  }

  private scheduleDiscovery(): void {
    const interval = this.settings.discoveryIntervalMs;
    if (this.settings.bounded || interval <= 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.rediscover();
      void this.discovering.then(() => this.scheduleDiscovery());
    }, interval);
    this.timer.unref();
  }
}
