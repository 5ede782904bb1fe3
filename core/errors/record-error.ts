import type { LockstepRecord } from '../api/record';
import type { LockstepErrorCode } from './error-codes';
import { LockstepError } from './lockstep-error';

/**
 * A record that a transform or sink cannot handle (bad JSON, a value of the wrong type, a constraint violation).
 * The pipeline's error policy decides what happens to it: fail the pipeline, skip it, or send it to a dead-letter
 * sink with this error as the cause. Never retriable: retrying the same record fails the same way.
 */
export class RecordError extends LockstepError {
  readonly record: LockstepRecord;

  constructor(message: string, record: LockstepRecord, options: { code: LockstepErrorCode; cause?: unknown; field?: string }) {
    super(message, {
      code: options.code,
      retriable: false,
      cause: options.cause,
      context: { origin: record.origin, field: options.field },
    });
    this.name = 'RecordError';
    this.record = record;
  }

  static isRecordError(error: unknown): error is RecordError {
    return error instanceof RecordError;
  }
}
