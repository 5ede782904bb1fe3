import type { InitContext } from '../api/init-context';
import type { Versioned } from '../api/serializer';
import type { SourceSplit } from '../api/source-split';
import type { SplitEnumerator, SplitEnumeratorContext } from '../api/split-enumerator';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import { tagFailureOrigin } from '../errors';
import type { PipelineComponents } from './create-components';

/** The reader subtasks an enumerator hands splits to. */
export interface SplitReceiver {
  addSplits(splits: readonly SourceSplit[]): void;
  signalNoMoreSplits(): void;
}

export interface EnumeratorHostOptions {
  readonly sources: PipelineComponents['sources'];
  readonly restored: CheckpointRecord | undefined;
  readonly initContext: (componentId: string) => InitContext;
  readonly readerOf: (sourceId: string, subtask: number) => SplitReceiver;
}

/**
 * Runs each source's split enumerator (created fresh, or restored from the checkpoint's enumerator state) and
 * delivers its assignments to the reader subtasks — except while a checkpoint is in flight (the deferral rule): from
 * the enumerator snapshot on, a split handed out would land in the readers' snapshot but not the enumerator's, and be
 * assigned twice after a restore. Deferred until the checkpoint ended, it is in neither, and the enumerator hands it
 * out again after a restore.
 */
export class EnumeratorHost {
  private readonly enumerators = new Map<string, SplitEnumerator<SourceSplit, unknown>>();
  private deferred: (() => void)[] | undefined;
  private startingSource: string | undefined;

  constructor(private readonly options: EnumeratorHostOptions) {}

  /** Creates or restores every source's enumerator (no I/O until `start`). */
  create(): void {
    for (const entry of this.options.sources) this.createOne(entry);
  }

  /** Starts the enumerators one after the other; a failure is tagged with its source. */
  async start(): Promise<void> {
    for (const [id, enumerator] of this.enumerators) {
      this.startingSource = id;
      try {
        await enumerator.start();
      } catch (error) {
        throw tagFailureOrigin(error, { role: 'source', id });
      } finally {
        this.startingSource = undefined;
      }
    }
  }

  /** The source whose enumerator is starting now, if any. */
  get starting(): string | undefined {
    return this.startingSource;
  }

  /** Snapshots every enumerator for checkpoint `checkpointId`; assignments are deferred from now on. */
  snapshot(checkpointId: number): Record<string, Versioned> {
    this.deferred ??= [];
    const result: Record<string, Versioned> = {};
    for (const { config, source } of this.options.sources) {
      const enumerator = this.enumerators.get(config.id);
      if (enumerator === undefined) continue;
      const serializer = source.enumeratorStateSerializer;
      result[config.id] = { version: serializer.version, data: serializer.serialize(enumerator.snapshotState(checkpointId)) };
    }
    return result;
  }

  /** The checkpoint ended (completed or not): delivers what was deferred, and delivers at once from now on. */
  release(): void {
    const deferred = this.deferred ?? [];
    this.deferred = undefined;
    for (const deliver of deferred) deliver();
  }

  close(): Promise<void>[] {
    return [...this.enumerators.values()].map((enumerator) => enumerator.close());
  }

  private createOne({ config, source, parallelism }: PipelineComponents['sources'][number]): void {
    const { readerOf } = this.options;
    const context: SplitEnumeratorContext<SourceSplit> = {
      parallelism,
      assignSplits: (subtask, splits) => this.deliver(() => readerOf(config.id, subtask).addSplits(splits)),
      signalNoMoreSplits: (subtask) => this.deliver(() => readerOf(config.id, subtask).signalNoMoreSplits()),
    };
    const init = this.options.initContext(config.id);
    const state = this.options.restored?.sources[config.id]?.enumerator;
    const enumerator =
      state === undefined
        ? source.createEnumerator(context, init)
        : source.restoreEnumerator(context, init, source.enumeratorStateSerializer.deserialize(state.version, state.data));
    this.enumerators.set(config.id, enumerator);
  }

  private deliver(delivery: () => void): void {
    if (this.deferred === undefined) delivery();
    else this.deferred.push(delivery);
  }
}
