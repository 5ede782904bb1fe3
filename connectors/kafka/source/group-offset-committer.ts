import type { Logger } from 'pino';
import { commitGroupOffsets, type GroupOffset, type KafkaCluster } from '../internals';
import { withKafkaRetry } from './kafka-retry';

/** A partition's checkpointed position (the offset of the next record to read): what a group offset commit takes. */
export type PartitionPosition = GroupOffset;

/**
 * Commits checkpointed positions to a consumer group (`commitOffsetsToGroup`) so lag monitors see how far lockstep
 * got (OffsetCommit as a standalone group, see internals/fetch.ts). Never read back: recovery uses the checkpoint.
 * The group must have no active members. Best effort: a failure is logged as a warning and the next
 * checkpoint tries again; commits run one at a time in the background, the newest replacing a waiting one.
 */
export class GroupOffsetCommitter {
  private connected = false;
  private running: Promise<void> | undefined;
  private waiting: readonly PartitionPosition[] | undefined;
  /** Last offset committed per `<partition>:<topic>`, to skip partitions that did not move. */
  private readonly committed = new Map<string, number>();

  constructor(
    /** A cluster of its own (disconnected by `close`). */
    private readonly cluster: KafkaCluster,
    private readonly groupId: string,
    private readonly log: Logger,
  ) {}

  /** Queues a commit of `positions` (of checkpoint `checkpointId`). */
  commit(checkpointId: number, positions: readonly PartitionPosition[]): void {
    this.waiting = positions;
    this.running ??= this.drain(checkpointId).finally(() => (this.running = undefined));
  }

  /** Waits for queued commits, then disconnects. */
  async close(): Promise<void> {
    await this.running;
    await this.cluster.disconnect();
    this.connected = false;
  }

  private async drain(checkpointId: number): Promise<void> {
    for (let positions = this.takeWaiting(); positions !== undefined; positions = this.takeWaiting()) {
      const moved = positions.filter(({ topic, partition, offset }) => this.committed.get(`${partition}:${topic}`) !== offset);
      if (moved.length === 0) continue;
      try {
        if (!this.connected) {
          await this.cluster.connect();
          this.connected = true;
        }
        // The group coordinator may still be loading (fresh broker, moved coordinator): retried like fetches.
        await withKafkaRetry(this.cluster, `commit offsets to group ${this.groupId}`, () => commitGroupOffsets(this.cluster, this.groupId, moved), this.log);
        for (const { topic, partition, offset } of moved) this.committed.set(`${partition}:${topic}`, offset);
      } catch (error) {
        this.log.warn(
          { err: error, groupId: this.groupId, checkpointId },
          'could not commit checkpointed offsets to the consumer group (lag monitoring only; reading goes on)',
        );
      }
    }
  }

  private takeWaiting(): readonly PartitionPosition[] | undefined {
    const positions = this.waiting;
    this.waiting = undefined;
    return positions;
  }
}
