import type { SourceGuarantee } from '../../api/guarantee';
import type { InitContext } from '../../api/init-context';
import type { LockstepRecord } from '../../api/record';
import type { VersionedSerializer } from '../../api/serializer';
import type { Source } from '../../api/source';
import type { PollResult, SourceReader } from '../../api/source-reader';
import type { SourceSplit } from '../../api/source-split';
import type { SplitEnumerator, SplitEnumeratorContext } from '../../api/split-enumerator';

/** A split of a {@link MemorySource}: a list index range, `position` = next index to read. */
export interface MemorySplit extends SourceSplit {
  readonly position: number;
}

export interface MemorySourceOptions {
  /** Records per split; split i is named `<name>-i`. */
  readonly splits: readonly (readonly LockstepRecord[])[];
  readonly name?: string;
  /** Wait this long before each poll (a slow input). */
  readonly pollDelayMs?: number;
  /** Max records per poll (default: what the engine asks). */
  readonly maxPerPoll?: number;
}

const identity = <T>(version: number): VersionedSerializer<T> => ({
  version,
  serialize: (value) => value,
  deserialize: (_version, data) => data as T,
});

/**
 * An in-memory, bounded, replayable source for engine tests: fixed record lists per split, positions as indexes.
 * Splits are dealt to subtasks round-robin.
 */
export class MemorySource implements Source<MemorySplit, null> {
  readonly guarantee: SourceGuarantee = 'replayable';
  readonly bounded = true;
  readonly splitSerializer = identity<MemorySplit>(1);
  readonly enumeratorStateSerializer = identity<null>(1);

  constructor(private readonly options: MemorySourceOptions) {}

  createEnumerator(context: SplitEnumeratorContext<MemorySplit>): SplitEnumerator<MemorySplit, null> {
    const name = this.options.name ?? 'memory';
    const splits = this.options.splits.map((_, index) => ({ splitId: `${name}-${index}`, position: 0 }));
    return {
      start: async () => {
        for (let subtask = 0; subtask < context.parallelism; subtask += 1) {
          context.assignSplits(subtask, splits.filter((_, index) => index % context.parallelism === subtask));
          context.signalNoMoreSplits(subtask);
        }
      },
      addSplitsBack: () => undefined,
      snapshotState: () => null,
      close: async () => undefined,
    };
  }

  restoreEnumerator(context: SplitEnumeratorContext<MemorySplit>): SplitEnumerator<MemorySplit, null> {
    // Every split was assigned at the first start and lives in the readers' state now.
    return {
      start: async () => {
        for (let subtask = 0; subtask < context.parallelism; subtask += 1) context.signalNoMoreSplits(subtask);
      },
      addSplitsBack: () => undefined,
      snapshotState: () => null,
      close: async () => undefined,
    };
  }

  createReader(_init: InitContext): SourceReader<MemorySplit> {
    return new MemorySourceReader(this.options);
  }
}

class MemorySourceReader implements SourceReader<MemorySplit> {
  private readonly splits: Array<{ splitId: string; position: number; records: readonly LockstepRecord[] }> = [];
  private noMore = false;

  constructor(private readonly options: MemorySourceOptions) {}

  async start(): Promise<void> {}

  addSplits(splits: readonly MemorySplit[]): void {
    for (const split of splits) {
      const index = Number(split.splitId.slice(split.splitId.lastIndexOf('-') + 1));
      this.splits.push({ ...split, records: this.options.splits[index] ?? [] });
    }
  }

  notifyNoMoreSplits(): void {
    this.noMore = true;
  }

  async pollNext(maxRecords: number): Promise<PollResult> {
    if (this.options.pollDelayMs) await new Promise((resolve) => setTimeout(resolve, this.options.pollDelayMs));
    const limit = Math.min(maxRecords, this.options.maxPerPoll ?? maxRecords);
    const split = this.splits.find((candidate) => candidate.position < candidate.records.length);
    if (split === undefined) return this.noMore ? { status: 'end-of-input' } : { status: 'nothing-available' };
    const records = split.records.slice(split.position, split.position + limit);
    split.position += records.length;
    return { status: 'records', records };
  }

  isAvailable(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 5));
  }

  snapshotState(): MemorySplit[] {
    return this.splits.map(({ splitId, position }) => ({ splitId, position }));
  }

  async close(): Promise<void> {}
}
