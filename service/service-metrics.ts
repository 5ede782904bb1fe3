import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SourceLagUnit } from '../core/runtime/pipeline-metrics';
import type { ManagedPipeline, PipelineState } from './managed-pipeline';

const STATES: readonly PipelineState[] = ['CREATED', 'RUNNING', 'PAUSED', 'RESTARTING', 'FAILED', 'FINISHED', 'STOPPED'];
const LAG_METRIC: Readonly<Record<SourceLagUnit, { name: string; help: string; scale: number }>> = {
  records: { name: 'lockstep_source_lag_records', help: 'Records a source split is behind the newest (Kafka: end offset minus position).', scale: 1 },
  milliseconds: { name: 'lockstep_source_lag_seconds', help: 'How far behind the newest a source split reads (Kinesis: MillisBehindLatest).', scale: 1 / 1000 },
  bytes: { name: 'lockstep_source_lag_bytes', help: 'Bytes a source split is behind (Postgres CDC: WAL bytes behind).', scale: 1 },
};

/** A metric's samples for one pipeline: extra labels and value. */
type Reader = (pipeline: ManagedPipeline) => [Record<string, string>, number][];

const one = (value: number): [Record<string, string>, number][] => [[{}, value]];

/** Every metric of `lockstep serve`, in Prometheus naming: `_total` counters, base units (`_seconds`, `_bytes`). */
export const METRIC_NAMES = [
  'lockstep_pipeline_state',
  'lockstep_pipeline_records_in_total',
  'lockstep_pipeline_records_out_total',
  'lockstep_source_records_total',
  'lockstep_sink_records_total',
  'lockstep_checkpoint_duration_seconds',
  'lockstep_checkpoints_completed_total',
  'lockstep_checkpoints_failed_total',
  'lockstep_checkpoint_size_bytes',
  'lockstep_checkpoint_last_completed_id',
  'lockstep_checkpoint_last_completed_age_seconds',
  'lockstep_commits_total',
  'lockstep_commit_failures_total',
  'lockstep_pipeline_restarts_total',
  'lockstep_bad_records_total',
  'lockstep_dead_lettered_records_total',
  'lockstep_source_lag_records',
  'lockstep_source_lag_seconds',
  'lockstep_source_lag_bytes',
] as const;

/**
 * The service's Prometheus registry (prom-client). Counters and gauges are read from each pipeline's own counters at
 * scrape time (a scrape costs nothing while nobody scrapes); the checkpoint duration histogram is fed as checkpoints
 * complete. Node's process metrics (memory, event loop lag, GC) come with prom-client's defaults, prefixed `lockstep_`.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly durations: Histogram<'pipeline'>;

  constructor(private readonly pipelines: () => readonly ManagedPipeline[]) {
    collectDefaultMetrics({ register: this.registry, prefix: 'lockstep_' });
    this.durations = new Histogram({
      name: 'lockstep_checkpoint_duration_seconds',
      help: 'Duration of completed checkpoints, from trigger to durable record and commits.',
      labelNames: ['pipeline'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    this.registerRecordMetrics();
    this.registerCheckpointMetrics();
    this.registerLagMetrics();
  }

  private registerRecordMetrics(): void {
    this.gauge('lockstep_pipeline_state', 'The pipeline state: 1 for the state it is in, 0 for the others.', ['state'], (p) => STATES.map((state) => [{ state }, p.state === state ? 1 : 0]));
    this.counter('lockstep_pipeline_records_in_total', 'Records read by all sources of the pipeline.', [], (p) => one(p.metrics.recordsIn));
    this.counter('lockstep_pipeline_records_out_total', 'Records written by all sinks of the pipeline.', [], (p) => one(p.metrics.recordsOut));
    this.counter('lockstep_source_records_total', 'Records read, per source.', ['source'], (p) => [...p.metrics.recordsInBySource].map(([source, value]) => [{ source }, value]));
    this.counter('lockstep_sink_records_total', 'Records written, per sink (visible once their checkpoint commits).', ['sink'], (p) => [...p.metrics.recordsOutBySink].map(([sink, value]) => [{ sink }, value]));
    this.counter('lockstep_pipeline_restarts_total', 'Restarts: by the engine (restart section) and by the service after the engine gave up.', ['by'], (p) => [
      [{ by: 'engine' }, p.metrics.restarts],
      [{ by: 'service' }, p.serviceRestarts],
    ]);
    this.counter('lockstep_bad_records_total', 'Records refused and handled by the error policy, per component.', ['component'], (p) => [...p.metrics.badRecords].map(([component, value]) => [{ component }, value]));
    this.counter('lockstep_dead_lettered_records_total', 'Bad records handed to the dead-letter sink.', [], (p) => one(p.metrics.deadLettered));
  }

  private registerCheckpointMetrics(): void {
    this.counter('lockstep_checkpoints_completed_total', 'Checkpoints completed.', [], (p) => one(p.metrics.checkpointsCompleted));
    this.counter('lockstep_checkpoints_failed_total', 'Checkpoints aborted (timed out or failed).', [], (p) => one(p.metrics.checkpointsAborted));
    this.gauge('lockstep_checkpoint_size_bytes', 'Size of the last completed checkpoint record.', [], (p) => (p.counts.lastCheckpointBytes > 0 ? one(p.counts.lastCheckpointBytes) : []));
    this.gauge('lockstep_checkpoint_last_completed_id', 'Id of the last completed checkpoint.', [], (p) => (p.metrics.lastCheckpointId === undefined ? [] : one(p.metrics.lastCheckpointId)));
    this.gauge('lockstep_checkpoint_last_completed_age_seconds', 'Seconds since the last checkpoint completed.', [], (p) =>
      p.counts.lastCompletedAt > 0 ? one((Date.now() - p.counts.lastCompletedAt) / 1000) : [],
    );
    this.counter('lockstep_commits_total', 'Sink commits done (two-phase commit, second phase).', [], (p) => one(p.counts.commits));
    this.counter('lockstep_commit_failures_total', 'Sink commits that failed (known or unknown reason).', [], (p) => one(p.counts.commitFailures));
  }

  private registerLagMetrics(): void {
    for (const unit of Object.keys(LAG_METRIC) as SourceLagUnit[]) {
      const { name, help, scale } = LAG_METRIC[unit];
      this.gauge(name, help, ['source', 'split'], (p) =>
        [...p.metrics.sourceLag.values()].filter((lag) => lag.unit === unit).map((lag) => [{ source: lag.sourceId, split: lag.split }, lag.value * scale]),
      );
    }
  }

  /** A counter read from every pipeline at scrape time (reset, then set to each pipeline's value). */
  private counter(name: string, help: string, labelNames: string[], read: Reader): void {
    const pipelines = this.pipelines;
    new Counter({
      name,
      help,
      labelNames: ['pipeline', ...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const pipeline of pipelines()) for (const [labels, value] of read(pipeline)) this.inc({ pipeline: pipeline.name, ...labels }, value);
      },
    });
  }

  /** A gauge read from every pipeline at scrape time. */
  private gauge(name: string, help: string, labelNames: string[], read: Reader): void {
    const pipelines = this.pipelines;
    new Gauge({
      name,
      help,
      labelNames: ['pipeline', ...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const pipeline of pipelines()) for (const [labels, value] of read(pipeline)) this.set({ pipeline: pipeline.name, ...labels }, value);
      },
    });
  }

  /** Feeds the checkpoint duration histogram. */
  observeCheckpoint(pipeline: string, durationMs: number): void {
    this.durations.observe({ pipeline }, durationMs / 1000);
  }

  /** Drops the series of a deleted pipeline. */
  forget(pipeline: string): void {
    this.durations.remove({ pipeline });
  }
}
