import type { Writable } from 'node:stream';
import type { DirectSink, SinkWriter, SinkWriterInitContext } from '../../core/sdk';
import type { StdoutSinkConfig } from './stdout-sink-config.generated';
import { StdoutSinkWriter } from './stdout-sink-writer';

/**
 * The `stdout` sink: each record's value as a line on standard output, for trying pipelines out and piping into
 * other tools. At-least-once: after a restart the records since the last checkpoint are printed again.
 */
export class StdoutSink implements DirectSink {
  readonly guarantee = 'at-least-once' as const;

  /** `out` is `process.stdout` unless a test passes another stream. */
  constructor(
    private readonly config: StdoutSinkConfig,
    private readonly out: Writable = process.stdout,
  ) {}

  createWriter(_init: SinkWriterInitContext, _restoredState: unknown): SinkWriter {
    return new StdoutSinkWriter(this.out, this.config.format);
  }
}
