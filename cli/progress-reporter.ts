import type { PipelineMetrics } from '../core/runtime/pipeline-metrics';
import type { Terminal } from './terminal';

/**
 * Rewrites one status line on a terminal every second: records in/out per second, totals, the last checkpoint and
 * its duration. Used only when stderr is a TTY (otherwise the structured logs carry the same facts); log lines are
 * written above it by the {@link Terminal}, so the two never interleave.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private last = { at: Date.now(), in: 0, out: 0 };

  constructor(
    private readonly metrics: PipelineMetrics,
    private readonly terminal: Terminal,
  ) {}

  start(): void {
    this.render();
    this.timer = setInterval(() => this.render(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.render();
    this.terminal.endStatus();
  }

  private render(): void {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.last.at) / 1000);
    const { metrics } = this;
    const inRate = Math.round((metrics.recordsIn - this.last.in) / seconds);
    const outRate = Math.round((metrics.recordsOut - this.last.out) / seconds);
    this.last = { at: now, in: metrics.recordsIn, out: metrics.recordsOut };
    const checkpoint =
      metrics.lastCheckpointId === undefined ? 'no checkpoint yet' : `checkpoint ${metrics.lastCheckpointId} in ${metrics.lastCheckpointDurationMs} ms`;
    this.terminal.setStatus(
      `${inRate}/s in, ${outRate}/s out · ${metrics.recordsIn} read, ${metrics.recordsOut} written · ${checkpoint}` +
        (metrics.restarts > 0 ? ` · ${metrics.restarts} restarts` : ''),
    );
  }
}
