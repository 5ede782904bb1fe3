import type { Logger } from 'pino';
import type { LockstepRecord } from '../api/record';
import type { ErrorPolicyConfig } from '../config/pipeline-config';
import { LockstepError, type RecordError } from '../errors';
import type { PipelineMetrics } from './pipeline-metrics';
import type { DeadLetter } from './stream-element';

/**
 * Applies the pipeline's bad-record policy to a record a transform or sink refused. `fail` throws a non-retriable
 * error naming the record (restarting would fail on the same record again); `skip` logs and counts it;
 * `dead-letter` hands it, with its cause, to the dead-letter sink.
 */
export class ErrorPolicy {
  constructor(
    private readonly config: ErrorPolicyConfig,
    private readonly log: Logger,
    private readonly deadLetter: ((letter: DeadLetter) => void) | undefined,
    private readonly metrics?: PipelineMetrics,
  ) {}

  handle(error: RecordError, componentId: string): void {
    const where = { component: componentId, origin: error.record.origin, code: error.code };
    this.metrics?.countBadRecord(componentId, this.config.policy === 'dead-letter' && this.deadLetter !== undefined);
    switch (this.config.policy) {
      case 'fail':
        throw new LockstepError(
          `record ${error.record.origin ?? '(no origin)'} refused by ${componentId}: ${error.message}`,
          { code: 'LS_RECORD_FAILED', retriable: false, cause: error, context: { component: componentId, origin: error.record.origin } },
        );
      case 'skip':
        this.log.warn({ ...where, error: error.message }, 'bad record skipped');
        return;
      case 'dead-letter':
        if (this.deadLetter === undefined) throw new LockstepError('dead-letter policy without a dead-letter sink', { code: 'LS_CONFIG_INVALID' });
        this.deadLetter({ record: error.record, error, componentId });
        return;
    }
  }
}

/**
 * The record a dead-letter sink receives: the original record's key, headers, timestamp and origin, and as value
 * `{ error: { code, message, component }, origin, key, value }` with the refused key and value in a JSON-safe form
 * (bytes as text when they are UTF-8, else as `{ base64 }`, so none are lost).
 */
export function deadLetterRecord(letter: DeadLetter): LockstepRecord {
  const error = letter.error as Partial<LockstepError>;
  return {
    key: letter.record.key,
    headers: letter.record.headers,
    timestamp: letter.record.timestamp,
    origin: letter.record.origin,
    value: {
      error: { code: error.code ?? 'LS_UNKNOWN', message: letter.error.message, component: letter.componentId },
      origin: letter.record.origin ?? null,
      key: toJsonSafe(letter.record.key),
      value: toJsonSafe(letter.record.value),
    },
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function toJsonSafe(value: unknown): unknown {
  if (!(value instanceof Uint8Array)) return value ?? null;
  try {
    return utf8.decode(value);
  } catch {
    return { base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  }
}

