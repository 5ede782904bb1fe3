import { type DirectSink, type PluginContext, retryDefaults, type SinkWriter, type SinkWriterInitContext } from '../../../core/sdk';
import { createKinesisClient } from '../kinesis-client';
import type { KinesisSinkConfig } from './kinesis-sink-config';
import type { PutRetryPolicy } from './kinesis-put-batch';
import { KinesisSinkWriter } from './kinesis-sink-writer';
import { PutEntryEncoder } from './put-entry-encoding';

/** Tuning that is not part of the config (tests use short backoffs). */
export interface KinesisSinkOptions {
  readonly retry?: Partial<Omit<PutRetryPolicy, 'maxAttempts'>>;
}

/**
 * `type: kinesis` sink: PutRecords in batches, flushed (every entry acknowledged) before a checkpoint completes.
 * At-least-once — Kinesis has no transactions, so records replayed after a failure are put again — with a
 * deterministic record id in each JSON record for consumers to deduplicate by.
 */
export class KinesisSink implements DirectSink {
  readonly guarantee = 'at-least-once' as const;
  readonly guaranteeExplanation: string;
  private readonly encoder: PutEntryEncoder;

  constructor(
    private readonly config: KinesisSinkConfig,
    _context: Pick<PluginContext, 'pipeline' | 'componentId'>,
    private readonly options: KinesisSinkOptions = {},
  ) {
    this.encoder = new PutEntryEncoder(config);
    const which = config.format === 'json' ? 'each record' : config.format === 'auto' ? 'each record whose value is an object' : undefined;
    this.guaranteeExplanation =
      which !== undefined && config.idField !== false
        ? `at-least-once: Kinesis has no transactions, so a replay puts records again; ${which} carries a deterministic record id in its JSON field ${config.idField} (a hash of its source position) so a consumer can drop repeats`
        : 'at-least-once: Kinesis has no transactions, so a replay puts records again; with this format no record id is carried (use format json or auto with idField) and consumers cannot tell repeats apart';
  }

  createWriter(init: SinkWriterInitContext, _restoredState: unknown): SinkWriter {
    const defaults = retryDefaults();
    return new KinesisSinkWriter({
      client: createKinesisClient(this.config),
      stream: this.config.stream,
      encoder: this.encoder,
      maxBatchRecords: this.config.maxBatchRecords,
      maxBatchBytes: this.config.maxBatchBytes,
      retry: {
        maxAttempts: this.config.maxAttempts,
        initialDelayMs: this.options.retry?.initialDelayMs ?? defaults.initialDelayMs,
        maxDelayMs: this.options.retry?.maxDelayMs ?? Math.min(defaults.maxDelayMs, 10_000),
      },
      log: init.log,
    });
  }
}
