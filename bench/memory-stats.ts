/** The statistics of bench/memory.bench.ts over the samples bench/memory-sampler.js took in one child process. */

/** One line of bench/memory-sampler.js: `process.memoryUsage()` at `t` ms after start, and V8's heap spaces. */
export interface MemorySample {
  readonly t: number;
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** CPU time (user + system) of the process so far. */
  readonly cpuMs: number;
  readonly spaces: Readonly<Record<string, { readonly used: number; readonly size: number }>>;
}

export const MEMORY_TABLE_HEAD =
  '| variant | records/s | records per CPU-second | RSS min / median / max / last (MiB) | RSS median, 2nd → 4th quarter (MiB) | V8 heap used median / max (MiB) | ' +
  'young gen size max (MiB) | Buffers (arrayBuffers) median / max (MiB) | checkpoints (duration) | records in output |\n' +
  '|---|---|---|---|---|---|---|---|---|---|\n';

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

/** The value at percentile `p` (nearest rank) of `values`, 0 when empty. */
function rank(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function quarter(samples: readonly MemorySample[], which: number): MemorySample[] {
  const end = samples.at(-1)?.t ?? 0;
  return samples.filter((sample) => sample.t >= (end * which) / 4 && sample.t < (end * (which + 1)) / 4);
}

/**
 * One table row. Minimum and median are of the samples past the first tenth of the run (start-up and module loading
 * left out); maximum over all, last the sample at exit.
 */
export function memoryRow(
  label: string,
  records: number,
  recordsPerSecond: number,
  samples: readonly MemorySample[],
  extra: { readonly checkpoints: string; readonly copied: string },
): string[] {
  const end = samples.at(-1)?.t ?? 0;
  const steady = samples.filter((sample) => sample.t >= end / 10);
  const rss = steady.map((sample) => sample.rss);
  const all = samples.map((sample) => sample.rss);
  const young = samples.map((sample) => sample.spaces.new_space?.size ?? 0);
  const buffers = steady.map((sample) => sample.arrayBuffers);
  const heap = steady.map((sample) => sample.heapUsed);
  return [
    label,
    String(Math.round(recordsPerSecond)),
    String(Math.round(records / ((samples.at(-1)?.cpuMs ?? 0) / 1000))),
    `${mib(Math.min(...rss))} / ${mib(rank(rss, 50))} / ${mib(Math.max(...all))} / ${mib(samples.at(-1)?.rss ?? 0)}`,
    `${mib(rank(quarter(samples, 1).map((sample) => sample.rss), 50))} → ${mib(rank(quarter(samples, 3).map((sample) => sample.rss), 50))}`,
    `${mib(rank(heap, 50))} / ${mib(Math.max(...heap))}`,
    mib(Math.max(...young)),
    `${mib(rank(buffers, 50))} / ${mib(Math.max(...buffers))}`,
    extra.checkpoints,
    extra.copied,
  ];
}
