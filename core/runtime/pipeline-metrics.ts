/** How a source measures how far its reader is behind the newest data of a split. */
export type SourceLagUnit = 'records' | 'milliseconds' | 'bytes';

/** Where one subtask (`source:<id>#<n>`, `sink:<id>#<n>`) of the current attempt is, as Flink names it. */
export type TaskState = 'INITIALIZING' | 'RUNNING' | 'FINISHED';

/** The last lag a source reader reported for one of its splits. */
export interface SourceLag {
  readonly sourceId: string;
  readonly split: string;
  readonly unit: SourceLagUnit;
  readonly value: number;
}

/**
 * Counters of one pipeline run, read by the CLI's progress line, by benchmarks and by the service's Prometheus
 * metrics (`lockstep serve`). Totals and per-component counts are kept together: `recordsIn` is the sum of
 * `recordsInBySource`.
 */
export class PipelineMetrics {
  recordsIn = 0;
  recordsOut = 0;
  checkpointsCompleted = 0;
  checkpointsAborted = 0;
  lastCheckpointId: number | undefined;
  lastCheckpointDurationMs: number | undefined;
  /** Durations of completed checkpoints (ms, trigger to record durable), for percentiles. */
  readonly checkpointDurations: number[] = [];
  /** Per completed checkpoint: trigger to the last acknowledgement (ms). */
  readonly checkpointAlignments: number[] = [];
  /** Per completed checkpoint: writing its record durably (ms). */
  readonly checkpointSaves: number[] = [];
  /** Per completed checkpoint: record durable to its commits done (ms). */
  readonly checkpointCommits: number[] = [];
  /** Bytes of the latest checkpoint record. */
  lastCheckpointBytes: number | undefined;
  restarts = 0;
  /** Records read, per source id. */
  readonly recordsInBySource = new Map<string, number>();
  /** Records written, per sink id. */
  readonly recordsOutBySink = new Map<string, number>();
  /** Records refused by a source, transform or sink and handled by the error policy, per component id. */
  readonly badRecords = new Map<string, number>();
  /** Bad records handed to the dead-letter sink. */
  deadLettered = 0;
  /** Latest lag per source and split (`<sourceId>/<split>`), as its reader reported it. */
  readonly sourceLag = new Map<string, SourceLag>();
  /** Each subtask's state in the current attempt (set again by every restart), by task id. */
  readonly taskStates = new Map<string, TaskState>();

  recordCheckpoint(id: number, durationMs: number): void {
    this.checkpointsCompleted += 1;
    this.lastCheckpointId = id;
    this.lastCheckpointDurationMs = durationMs;
    // Percentiles over the recent past: a service runs for months, its pipelines must not grow without bound.
    if (this.checkpointDurations.length >= MAX_DURATIONS) this.checkpointDurations.splice(0, this.checkpointDurations.length - MAX_DURATIONS + 1);
    this.checkpointDurations.push(durationMs);
  }

  /** Where the time of a completed checkpoint went (see `CheckpointTimings`). */
  recordCheckpointTimings(timings: { readonly alignMs: number; readonly saveMs: number; readonly recordBytes: number }): void {
    keepRecent(this.checkpointAlignments, timings.alignMs);
    keepRecent(this.checkpointSaves, timings.saveMs);
    this.lastCheckpointBytes = timings.recordBytes;
  }

  recordCommit(commitMs: number): void {
    keepRecent(this.checkpointCommits, commitMs);
  }

  countIn(sourceId: string, records: number): void {
    this.recordsIn += records;
    this.recordsInBySource.set(sourceId, (this.recordsInBySource.get(sourceId) ?? 0) + records);
  }

  countOut(sinkId: string, records: number): void {
    this.recordsOut += records;
    this.recordsOutBySink.set(sinkId, (this.recordsOutBySink.get(sinkId) ?? 0) + records);
  }

  countBadRecord(componentId: string, deadLettered: boolean): void {
    this.badRecords.set(componentId, (this.badRecords.get(componentId) ?? 0) + 1);
    if (deadLettered) this.deadLettered += 1;
  }

  reportLag(sourceId: string, split: string, unit: SourceLagUnit, value: number): void {
    this.sourceLag.set(`${sourceId}/${split}`, { sourceId, split, unit, value });
  }
}

/** Checkpoint durations kept for percentiles. */
const MAX_DURATIONS = 10_000;

function keepRecent(values: number[], value: number): void {
  if (values.length >= MAX_DURATIONS) values.splice(0, values.length - MAX_DURATIONS + 1);
  values.push(value);
}

/** The p-th percentile (0–100) of `values`, nearest-rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
