import { type LockstepRecord, RecordError } from '../../core/sdk';
import type { FileSinkConfig } from './file-sink-config.generated';

/** How a sink turns a record's value into one line of text (the `format` option of the file and stdout sinks). */
export type LineFormat = FileSinkConfig['format'];

/** The sinks whose `<prefix>_VALUE_NOT_JSON` / `<prefix>_VALUE_NOT_STRING` codes are catalogued. */
export type LineCodePrefix = 'LS_FILE' | 'LS_STDOUT';

/** One line of output, without its newline: text, or bytes written as they are. */
export type Line = string | Buffer;

/**
 * The line for `record`, without its newline. `auto`: a string or bytes as they are, anything else as
 * `JSON.stringify(value)`; `json`: `JSON.stringify(value)` always (never contains a newline); `raw`: a string or bytes
 * as they are, anything else refused. Written as they are, a value containing newlines spans several lines. A value
 * the format cannot write is a `RecordError` with code `<codePrefix>_VALUE_NOT_JSON` or
 * `<codePrefix>_VALUE_NOT_STRING`, so each sink keeps its own stable codes (`LS_FILE_…`, `LS_STDOUT_…`).
 */
export function formatLine(record: LockstepRecord, format: LineFormat, codePrefix: LineCodePrefix): Line {
  const { value } = record;
  if (format !== 'json') {
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  if (format === 'raw') {
    throw new RecordError(`format raw writes strings and bytes only, got ${describeType(value)}`, record, {
      code: `${codePrefix}_VALUE_NOT_STRING`,
    });
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new RecordError(`value cannot be written as JSON: ${(cause as Error).message}`, record, {
      code: `${codePrefix}_VALUE_NOT_JSON`,
      cause,
    });
  }
  if (text === undefined) {
    throw new RecordError(`value ${describeType(value)} has no JSON form`, record, {
      code: `${codePrefix}_VALUE_NOT_JSON`,
    });
  }
  return text;
}

const NEWLINE = Buffer.from('\n');

/** The lines joined, each with its newline: a string when every line is text, else the bytes. */
function joinLines(lines: readonly Line[]): string | Buffer {
  if (lines.every((line) => typeof line === 'string')) return lines.map((line) => `${line}\n`).join('');
  return Buffer.concat(lines.flatMap((line) => [typeof line === 'string' ? Buffer.from(line, 'utf8') : line, NEWLINE]));
}

/**
 * Formats `records` into newline-terminated lines (text, or bytes when a value was bytes). When one is refused,
 * returns the lines of the records before it and the error, so the caller writes those and reports the refused one
 * (the engine resumes after it).
 */
export function formatLines(
  records: readonly LockstepRecord[],
  format: LineFormat,
  codePrefix: LineCodePrefix,
): { readonly text: string | Buffer; readonly error: RecordError | undefined } {
  const lines: Line[] = [];
  for (const record of records) {
    try {
      lines.push(formatLine(record, format, codePrefix));
    } catch (error) {
      if (!RecordError.isRecordError(error)) throw error;
      return { text: joinLines(lines), error };
    }
  }
  return { text: joinLines(lines), error: undefined };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  return Array.isArray(value) ? 'array' : typeof value;
}
