import { type LockstepRecord, RecordError } from '../../core/sdk';
import type { FileSinkConfig } from './file-sink-config.generated';

/** How a sink turns a record's value into one line of text (the `format` option of the file and stdout sinks). */
export type LineFormat = FileSinkConfig['format'];

/** The sinks whose `<prefix>_VALUE_NOT_JSON` / `<prefix>_VALUE_NOT_STRING` codes are catalogued. */
export type LineCodePrefix = 'LS_FILE' | 'LS_STDOUT';

/**
 * The line for `record`, without its newline. `json`: `JSON.stringify(value)` (never contains a newline); `raw`: the
 * string value as it is (a value containing newlines spans several lines). A value the format cannot write is a
 * `RecordError` with code `<codePrefix>_VALUE_NOT_JSON` or `<codePrefix>_VALUE_NOT_STRING`, so each sink keeps its
 * own stable codes (`LS_FILE_…`, `LS_STDOUT_…`).
 */
export function formatLine(record: LockstepRecord, format: LineFormat, codePrefix: LineCodePrefix): string {
  if (format === 'raw') {
    if (typeof record.value === 'string') return record.value;
    throw new RecordError(`format raw writes string values only, got ${describeType(record.value)}`, record, {
      code: `${codePrefix}_VALUE_NOT_STRING`,
    });
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(record.value);
  } catch (cause) {
    throw new RecordError(`value cannot be written as JSON: ${(cause as Error).message}`, record, {
      code: `${codePrefix}_VALUE_NOT_JSON`,
      cause,
    });
  }
  if (text === undefined) {
    throw new RecordError(`value ${describeType(record.value)} has no JSON form`, record, {
      code: `${codePrefix}_VALUE_NOT_JSON`,
    });
  }
  return text;
}

/**
 * Formats `records` into newline-terminated text. When one is refused, returns the text of the records before it and
 * the error, so the caller writes those and reports the refused one (the engine resumes after it).
 */
export function formatLines(
  records: readonly LockstepRecord[],
  format: LineFormat,
  codePrefix: LineCodePrefix,
): { readonly text: string; readonly error: RecordError | undefined } {
  const lines: string[] = [];
  for (const record of records) {
    try {
      lines.push(`${formatLine(record, format, codePrefix)}\n`);
    } catch (error) {
      if (!RecordError.isRecordError(error)) throw error;
      return { text: lines.join(''), error };
    }
  }
  return { text: lines.join(''), error: undefined };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  return Array.isArray(value) ? 'array' : typeof value;
}
