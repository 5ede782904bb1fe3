/**
 * Visibility latency from the broker's own view (bench:flink, issue 17): a watcher polls each output partition's high
 * watermark (ListOffsets latest, read_uncommitted) and last stable offset (ListOffsets latest, read_committed). Offset
 * `o` was appended at the first poll whose high watermark is above `o`, and became visible to read_committed readers
 * at the first poll whose last stable offset is above it; its latency is the difference. Pure: no I/O here.
 */

/** One poll of one partition: when it was sent (epoch ms) and the two offsets the broker answered. */
export interface OffsetsPoll {
  readonly at: number;
  readonly highWatermark: number;
  readonly stableOffset: number;
}

/** `records` consecutive offsets that took `latencyMs` from appended to visible. */
export interface LatencySegment {
  readonly latencyMs: number;
  readonly records: number;
}

export interface PartitionLatencies {
  readonly segments: readonly LatencySegment[];
  /** Offsets already appended at the first poll: when they were appended is unknown, so they are left out. */
  readonly appendedBeforeWatch: number;
  /** Offsets appended but not yet visible at the last poll. */
  readonly notVisible: number;
}

/**
 * The latencies of the offsets one partition's polls (in the order sent) saw appended. The answers of one poll come
 * from two requests, so a high watermark below the stable offset beside it is read as the stable offset (the broker
 * never has it so); both are also taken as never going down.
 */
export function partitionLatencies(polls: readonly OffsetsPoll[]): PartitionLatencies {
  const first = polls[0];
  if (first === undefined) return { segments: [], appendedBeforeWatch: 0, notVisible: 0 };
  const times: number[] = [];
  const appended: number[] = [];
  const visible: number[] = [];
  let highWatermark = 0;
  let stableOffset = 0;
  for (const poll of polls) {
    stableOffset = Math.max(stableOffset, poll.stableOffset);
    highWatermark = Math.max(highWatermark, poll.highWatermark, stableOffset);
    times.push(poll.at);
    appended.push(highWatermark);
    visible.push(stableOffset);
  }
  const start = appended[0] ?? 0;
  const end = Math.max(start, stableOffset);
  const segments: LatencySegment[] = [];
  // One pass over the offsets [start, end), a run at a time: `a` is the poll that saw the run appended, `v` the one
  // that saw it visible (v ≥ a, since a visible offset is an appended one).
  let offset = start;
  let a = 0;
  let v = 0;
  while (offset < end) {
    while ((appended[a] ?? Number.POSITIVE_INFINITY) <= offset) a += 1;
    while ((visible[v] ?? Number.POSITIVE_INFINITY) <= offset) v += 1;
    const runEnd = Math.min(appended[a] ?? end, visible[v] ?? end);
    const latencyMs = (times[v] ?? 0) - (times[a] ?? 0);
    const last = segments[segments.length - 1];
    if (last !== undefined && last.latencyMs === latencyMs) segments[segments.length - 1] = { latencyMs, records: last.records + runEnd - offset };
    else segments.push({ latencyMs, records: runEnd - offset });
    offset = runEnd;
  }
  return { segments, appendedBeforeWatch: start, notVisible: highWatermark - end };
}

/** The nearest-rank `p`th percentile of the latencies, each weighted by its record count; undefined if none. */
export function weightedPercentile(segments: readonly LatencySegment[], p: number): number | undefined {
  const sorted = segments.filter((segment) => segment.records > 0).sort((x, y) => x.latencyMs - y.latencyMs);
  const total = sorted.reduce((sum, segment) => sum + segment.records, 0);
  if (total === 0) return undefined;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  let seen = 0;
  for (const segment of sorted) {
    seen += segment.records;
    if (seen >= rank) return segment.latencyMs;
  }
  return sorted[sorted.length - 1]?.latencyMs;
}

export interface VisibilitySummary {
  /** Offsets measured (appended and then seen visible while watched). */
  readonly records: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly maxMs: number | undefined;
  readonly appendedBeforeWatch: number;
  readonly notVisible: number;
}

/** p50 / p99 / max over the offsets of several partitions (or runs), every offset weighing the same. */
export function summarize(partitions: readonly PartitionLatencies[]): VisibilitySummary {
  const segments = partitions.flatMap((partition) => partition.segments);
  return {
    records: segments.reduce((sum, segment) => sum + segment.records, 0),
    p50Ms: weightedPercentile(segments, 50),
    p99Ms: weightedPercentile(segments, 99),
    maxMs: segments.reduce<number | undefined>((max, segment) => (max === undefined || segment.latencyMs > max ? segment.latencyMs : max), undefined),
    appendedBeforeWatch: partitions.reduce((sum, partition) => sum + partition.appendedBeforeWatch, 0),
    notVisible: partitions.reduce((sum, partition) => sum + partition.notVisible, 0),
  };
}

/** The gaps between successive polls' send times (the watcher's resolution), in ms. */
export function pollGaps(times: readonly number[]): number[] {
  return times.slice(1).map((time, i) => time - (times[i] ?? time));
}
