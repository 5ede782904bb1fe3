/** Counters of one pipeline run, read by the CLI's progress line and by benchmarks. */
export class PipelineMetrics {
  recordsIn = 0;
  recordsOut = 0;
  checkpointsCompleted = 0;
  checkpointsAborted = 0;
  lastCheckpointId: number | undefined;
  lastCheckpointDurationMs: number | undefined;
  /** Durations of completed checkpoints (ms), for percentiles. */
  readonly checkpointDurations: number[] = [];
  restarts = 0;

  recordCheckpoint(id: number, durationMs: number): void {
    this.checkpointsCompleted += 1;
    this.lastCheckpointId = id;
    this.lastCheckpointDurationMs = durationMs;
    this.checkpointDurations.push(durationMs);
  }
}

/** The p-th percentile (0–100) of `values`, nearest-rank; undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}
