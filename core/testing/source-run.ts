import type { LockstepRecord } from '../api/record';
import type { Versioned } from '../api/serializer';
import type { Source } from '../api/source';
import type { SourceReader } from '../api/source-reader';
import type { SourceSplit } from '../api/source-split';
import type { SplitEnumerator, SplitEnumeratorContext } from '../api/split-enumerator';
import { LockstepError } from '../errors';
import type { SeededRandom } from './seeded-random';
import { testInitContext } from './test-init-context';

/** A source checkpoint as a checkpoint store holds it: JSON text, so nothing but serialized state survives a crash. */
export interface SourceCheckpoint {
  readonly checkpointId: number;
  readonly json: string;
}

/** The checkpoint together with the objects the source returned, to check they do not change afterwards. */
export interface TakenSourceCheckpoint {
  readonly checkpoint: SourceCheckpoint;
  readonly enumeratorState: unknown;
  readonly splitStates: readonly (readonly SourceSplit[])[];
}

interface PersistedSourceState {
  readonly enumerator: Versioned;
  readonly splits: Versioned[][];
}

/** How long polls may bring nothing before a run is declared stuck (a bounded source that never ends). */
const STUCK_AFTER_MS = 10_000;
/** Longest wait on `isAvailable()` before polling again, so a source that never signals cannot hang the test. */
const IDLE_WAIT_MS = 5;

/**
 * One "process lifetime" of a source, driven the way the engine drives it (enumerator, one reader per subtask,
 * barriers between polls) but without queues or threads, so tests are deterministic. A crash is simply dropping the
 * run without closing it and starting another from a checkpoint.
 */
export class SourceRun {
  /** Records in the order the readers returned them. */
  readonly delivered: LockstepRecord[] = [];
  /** The last lag each split reported (`InitContext.reportSourceLag`), by split id. */
  readonly lags = new Map<string, { readonly unit: string; readonly value: number }>();
  private readonly readers: SourceReader<SourceSplit>[] = [];
  private readonly ended: boolean[];
  private readonly queued: { splits: SourceSplit[]; noMore: boolean }[];
  private enumerator: SplitEnumerator<SourceSplit, unknown> | undefined;
  private idleSince: number | undefined;

  private constructor(
    readonly source: Source<SourceSplit, unknown>,
    readonly parallelism: number,
  ) {
    this.ended = Array.from({ length: parallelism }, () => false);
    this.queued = Array.from({ length: parallelism }, () => ({ splits: [], noMore: false }));
  }

  /** Starts a fresh run, or restores one from `checkpoint` (enumerator state and each reader's splits). */
  static async start(
    source: Source<SourceSplit, unknown>,
    parallelism: number,
    checkpoint?: SourceCheckpoint,
  ): Promise<SourceRun> {
    const run = new SourceRun(source, parallelism);
    const persisted = checkpoint === undefined ? undefined : (JSON.parse(checkpoint.json) as PersistedSourceState);
    const context = run.enumeratorContext();
    const init = testInitContext({ componentId: 'source', parallelism });
    run.enumerator =
      persisted === undefined
        ? source.createEnumerator(context, init)
        : source.restoreEnumerator(context, init, run.deserializeEnumerator(persisted.enumerator));
    for (let subtask = 0; subtask < parallelism; subtask += 1) {
      const reportSourceLag = (split: string, unit: string, value: number): void => void run.lags.set(split, { unit, value });
      const reader = source.createReader(testInitContext({ componentId: 'source', subtask, parallelism, reportSourceLag }));
      await reader.start();
      const restored = persisted?.splits[subtask] ?? [];
      if (restored.length > 0) reader.addSplits(restored.map((split) => run.deserializeSplit(split)));
      run.readers.push(reader);
      run.deliverQueued(subtask);
    }
    await run.enumerator.start();
    return run;
  }

  /** True when every reader reported the end of its input. */
  get finished(): boolean {
    return this.ended.every((ended) => ended);
  }

  /** Polls one reader that has not ended, chosen at random, for a random number of records. */
  async poll(random: SeededRandom): Promise<void> {
    const live = this.ended.flatMap((ended, subtask) => (ended ? [] : [subtask]));
    if (live.length === 0) return;
    const subtask = random.pick(live);
    const reader = this.readers[subtask] as SourceReader<SourceSplit>;
    const result = await reader.pollNext(random.int(1, 16));
    if (result.status === 'end-of-input') {
      this.ended[subtask] = true;
      this.idleSince = undefined;
    } else if (result.status === 'records' && result.records.length > 0) {
      this.delivered.push(...result.records);
      this.idleSince = undefined;
    } else {
      this.countIdlePoll();
      if (result.status === 'nothing-available') await waitAtMost(reader.isAvailable(), IDLE_WAIT_MS);
    }
  }

  private countIdlePoll(): void {
    const now = Date.now();
    this.idleSince ??= now;
    if (now - this.idleSince > STUCK_AFTER_MS) {
      throw new LockstepError(`no reader returned a record or ended for ${STUCK_AFTER_MS} ms: the source looks stuck`, { code: 'LS_CONFORMANCE_FAILED' });
    }
  }

  /** Takes checkpoint `checkpointId` between two polls, serialized the way the engine persists it. */
  checkpoint(checkpointId: number): TakenSourceCheckpoint {
    const enumerator = this.enumerator as SplitEnumerator<SourceSplit, unknown>;
    const splitStates = this.readers.map((reader, subtask) => [
      ...reader.snapshotState(checkpointId),
      // assigned but not yet handed over: they belong to the reader from the moment they were assigned
      ...(this.queued[subtask]?.splits ?? []),
    ]);
    const enumeratorState = enumerator.snapshotState(checkpointId);
    const { splitSerializer, enumeratorStateSerializer } = this.source;
    const persisted: PersistedSourceState = {
      enumerator: {
        version: enumeratorStateSerializer.version,
        data: enumeratorStateSerializer.serialize(enumeratorState),
      },
      splits: splitStates.map((splits) =>
        splits.map((split) => ({ version: splitSerializer.version, data: splitSerializer.serialize(split) })),
      ),
    };
    return { checkpoint: { checkpointId, json: JSON.stringify(persisted) }, enumeratorState, splitStates };
  }

  /** Closes the readers and the enumerator, as a clean shutdown does. */
  async close(): Promise<void> {
    for (const reader of this.readers) await reader.close();
    await this.enumerator?.close();
  }

  private enumeratorContext(): SplitEnumeratorContext<SourceSplit> {
    return {
      parallelism: this.parallelism,
      assignSplits: (subtask, splits) => {
        this.queueFor(subtask).splits.push(...splits);
        this.deliverQueued(subtask);
      },
      signalNoMoreSplits: (subtask) => {
        this.queueFor(subtask).noMore = true;
        this.deliverQueued(subtask);
      },
    };
  }

  private queueFor(subtask: number): { splits: SourceSplit[]; noMore: boolean } {
    const queue = this.queued[subtask];
    if (queue === undefined) throw new LockstepError(`the enumerator addressed subtask ${subtask} of ${this.parallelism}`, { code: 'LS_SOURCE_CONTRACT' });
    return queue;
  }

  /** Hands queued splits to the reader once it exists (an enumerator may assign before readers start). */
  private deliverQueued(subtask: number): void {
    const reader = this.readers[subtask];
    const queue = this.queueFor(subtask);
    if (reader === undefined) return;
    if (queue.splits.length > 0) reader.addSplits(queue.splits.splice(0));
    if (queue.noMore) {
      queue.noMore = false;
      reader.notifyNoMoreSplits();
    }
  }

  private deserializeEnumerator(state: Versioned): unknown {
    return this.source.enumeratorStateSerializer.deserialize(state.version, state.data);
  }

  private deserializeSplit(split: Versioned): SourceSplit {
    return this.source.splitSerializer.deserialize(split.version, split.data);
  }
}

/** Waits for `promise` but no longer than `ms`, without leaving a timer behind. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
