import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { LockstepError, type SplitEnumerator, type SplitEnumeratorContext } from '../../../core/sdk';
import type { KafkaCluster } from '../internals';
import { mapKafkaSourceError } from '../kafka-errors';
import type { AssignedPartition, KafkaEnumeratorState } from './kafka-enumerator-state';
import { withKafkaRetry, type KafkaRetryOptions } from './kafka-retry';
import type { KafkaStartFrom } from './kafka-source-config';
import { kafkaSplit, kafkaSplitId, type KafkaSplit, type KafkaStartPosition } from './kafka-split';
import { lookUpOffsets, offsetOf } from './offset-lookup';
import { ownerSubtask } from './partition-assignment';
import { discoverPartitions, type TopicSelection } from './partition-discovery';

/** What the enumerator reads and how. */
export interface KafkaEnumeratorSettings {
  readonly selection: TopicSelection;
  readonly startFrom: KafkaStartFrom;
  /** `bounded: latest`: stop offsets are looked up at start, everything is assigned at once, then no more splits. */
  readonly bounded: boolean;
  /** 0: discover once. Ignored when bounded. */
  readonly discoveryIntervalMs: number;
  readonly retry: KafkaRetryOptions;
}

export interface KafkaEnumeratorClients {
  readonly admin: Admin;
  /** For the stop offsets of bounded reads (ListOffsets through the source's isolation level). */
  readonly cluster: KafkaCluster;
}

/**
 * Discovers the partitions of the configured topics (and of topics matching `topicPattern`) and assigns each to a
 * fixed reader subtask ({@link ownerSubtask}). Unbounded, it looks again every `discoveryIntervalMs`: partitions found
 * after the first discovery (partitions added to a topic, topics newly matching the pattern) start at `earliest`, so
 * nothing written to them before they were seen is lost. Its state is the set of partitions already assigned; their
 * positions are the readers'. Bounded (`latest`), it looks up each partition's end offset once (the last stable offset
 * under read_committed), assigns everything with that stop offset and signals no more splits.
 *
 * Call order: the engine's (`SplitEnumerator`). Construction does no I/O; `start` runs the first discovery and fails
 * when it fails; later discoveries only log their failures.
 */
export class KafkaSplitEnumerator implements SplitEnumerator<KafkaSplit, KafkaEnumeratorState> {
  private initialDiscoveryDone: boolean;
  private readonly assigned = new Map<string, AssignedPartition>();
  private timer: NodeJS.Timeout | undefined;
  private discovering: Promise<void> | undefined;
  private closed = false;
  private signalClosed: () => void = () => undefined;
  private readonly closedSignal = new Promise<void>((resolve) => (this.signalClosed = resolve));
  private adminConnected = false;

  constructor(
    private readonly context: SplitEnumeratorContext<KafkaSplit>,
    private readonly settings: KafkaEnumeratorSettings,
    private readonly clients: KafkaEnumeratorClients,
    private readonly log: Logger,
    restored?: KafkaEnumeratorState,
  ) {
    this.initialDiscoveryDone = restored?.initialDiscoveryDone ?? false;
    for (const partition of restored?.assigned ?? []) this.assigned.set(kafkaSplitId(partition.topic, partition.partition), partition);
  }

  async start(): Promise<void> {
    if (this.settings.bounded) {
      if (!this.initialDiscoveryDone) await this.assignBounded();
      for (let subtask = 0; subtask < this.context.parallelism; subtask += 1) this.context.signalNoMoreSplits(subtask);
      return;
    }
    await this.discoverAndAssign();
    this.scheduleDiscovery();
  }

  addSplitsBack(splits: readonly KafkaSplit[], subtask: number): void {
    // the API has no "reader registered" callback: hand them straight back; the engine delivers them to the new reader
    this.context.assignSplits(subtask, splits);
    if (this.settings.bounded) this.context.signalNoMoreSplits(subtask);
  }

  snapshotState(_checkpointId: number): KafkaEnumeratorState {
    return { initialDiscoveryDone: this.initialDiscoveryDone, assigned: [...this.assigned.values()].map((entry) => ({ ...entry })) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signalClosed();
    clearTimeout(this.timer);
    await this.discovering?.catch(() => undefined);
    await Promise.allSettled([this.clients.admin.disconnect(), this.clients.cluster.disconnect()]);
  }

  private async discover(): Promise<readonly AssignedPartition[]> {
    const found = await withKafkaRetry(
      this.clients.cluster,
      'discover partitions',
      async () => {
        if (!this.adminConnected) {
          await this.clients.admin.connect();
          this.adminConnected = true;
        }
        return discoverPartitions(this.clients.admin, this.settings.selection);
      },
      this.log,
      { retry: this.settings.retry, cancelled: this.closedSignal },
    );
    if (found.missingTopics.length > 0) {
      const error = new LockstepError(`kafka topics not found: ${found.missingTopics.join(', ')}`, {
        code: 'LS_KAFKA_TOPIC_NOT_FOUND',
        context: { topics: found.missingTopics.join(',') },
      });
      if (!this.initialDiscoveryDone) throw error;
      this.log.warn({ topics: found.missingTopics }, 'configured kafka topics no longer exist');
    }
    return found.partitions;
  }

  private async discoverAndAssign(): Promise<void> {
    const partitions = await this.discover();
    if (this.closed) return;
    const fresh = partitions.filter(({ topic, partition }) => !this.assigned.has(kafkaSplitId(topic, partition)));
    const initial = !this.initialDiscoveryDone;
    this.assign(fresh.map(({ topic, partition }) => kafkaSplit(topic, partition, initial ? this.initialStart(topic, partition) : { kind: 'earliest' })));
    this.initialDiscoveryDone = true;
    if (fresh.length > 0 || initial) {
      this.log.info({ partitions: fresh.length, initial }, initial ? 'kafka partitions discovered' : 'new kafka partitions discovered');
    }
  }

  private async assignBounded(): Promise<void> {
    const partitions = await this.discover();
    const stops = await withKafkaRetry(
      this.clients.cluster,
      'look up end offsets',
      async () => {
        await this.clients.cluster.connect();
        return lookUpOffsets(this.clients.cluster, partitions.map(({ topic, partition }) => ({ topic, partition, query: 'latest' })));
      },
      this.log,
      { retry: this.settings.retry, cancelled: this.closedSignal },
    );
    const splits = partitions.map(({ topic, partition }) => {
      const stop = offsetOf(stops, topic, partition);
      if (stop === undefined) throw mapKafkaSourceError(new Error(`no end offset for ${topic}/${partition}`), 'look up end offsets');
      return kafkaSplit(topic, partition, this.initialStart(topic, partition), stop);
    });
    this.assign(splits);
    this.initialDiscoveryDone = true;
    this.log.info({ partitions: splits.length }, 'kafka partitions discovered (bounded: read up to the current end offsets)');
  }

  /** Hands `splits` to their owners, one call per subtask, and records them as assigned (both at once). */
  private assign(splits: readonly KafkaSplit[]): void {
    const bySubtask = new Map<number, KafkaSplit[]>();
    for (const split of splits) {
      const owner = ownerSubtask(split.topic, split.partition, this.context.parallelism);
      bySubtask.set(owner, [...(bySubtask.get(owner) ?? []), split]);
      this.assigned.set(split.splitId, { topic: split.topic, partition: split.partition });
    }
    for (const [subtask, owned] of [...bySubtask].sort(([a], [b]) => a - b)) this.context.assignSplits(subtask, owned);
  }

  private initialStart(topic: string, partition: number): KafkaStartPosition {
    const { startFrom } = this.settings;
    if (startFrom === 'earliest' || startFrom === 'latest') return { kind: startFrom };
    if ('timestamp' in startFrom) return { kind: 'timestamp', timestamp: startFrom.timestamp };
    const offset = startFrom.offsets[topic]?.[String(partition)];
    return offset === undefined ? { kind: 'earliest' } : { kind: 'offset', offset };
  }

  private scheduleDiscovery(): void {
    const interval = this.settings.discoveryIntervalMs;
    if (interval <= 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.discovering = this.discoverAndAssign()
        .catch((error: unknown) => this.log.warn({ err: error }, 'kafka partition discovery failed; trying again later'))
        .finally(() => {
          this.discovering = undefined;
          this.scheduleDiscovery();
        });
    }, interval);
    this.timer.unref();
  }
}
