import {
  type LockstepRecord,
  type PluginContext,
  RecordError,
  type Transform,
  type TransformPlugin,
} from '../../core/sdk';
import type { JsonTransformConfig } from './json-transform-config.generated';
import { describeType } from './expression/values';
import { originOf } from './record-origin';

const EXCERPT_LENGTH = 80;

// fatal: invalid UTF-8 is a bad record, not text with replacement characters. ignoreBOM false: a BOM is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the record's value (and with `onKey` its key) from JSON text: a string, Buffer or Uint8Array holding UTF-8.
 * A null or missing value passes through untouched, because it is a deletion marker (Kafka tombstone), not text.
 * Anything else (invalid JSON, invalid UTF-8, an already parsed object) is a `RecordError`.
 */
export class JsonTransform implements Transform {
  constructor(
    private readonly component: string,
    private readonly onKey: boolean,
  ) {}

  process(record: LockstepRecord): LockstepRecord[] {
    const value = this.parse(record, record.value, 'value');
    if (!this.onKey) return [{ ...record, value }];
    return [{ ...record, value, key: this.parse(record, record.key, 'key') }];
  }

  private parse(record: LockstepRecord, input: unknown, field: 'value' | 'key'): unknown {
    if (input === null || input === undefined) return input;
    const text = this.decode(record, input, field);
    try {
      // A leading BOM in a string (files written by some Windows tools) would otherwise fail the parse.
      return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (cause) {
      throw new RecordError(
        `transform '${this.component}' (json): invalid JSON in the ${field} of record ${originOf(record)}: ` +
          `${cause instanceof Error ? cause.message : String(cause)}; the ${field} starts with ${excerpt(text)}`,
        record,
        { code: 'LS_TRANSFORM_JSON_PARSE', cause, field },
      );
    }
  }

  private decode(record: LockstepRecord, input: unknown, field: 'value' | 'key'): string {
    if (typeof input === 'string') return input;
    if (!(input instanceof Uint8Array)) {
      throw new RecordError(
        `transform '${this.component}' (json): the ${field} of record ${originOf(record)} is ${describeType(input)}, ` +
          'not JSON text (a string, Buffer or Uint8Array)',
        record,
        { code: 'LS_TRANSFORM_JSON_INPUT', field },
      );
    }
    try {
      return utf8.decode(input);
    } catch (cause) {
      throw new RecordError(
        `transform '${this.component}' (json): the ${field} of record ${originOf(record)} is not valid UTF-8`,
        record,
        { code: 'LS_TRANSFORM_JSON_PARSE', cause, field },
      );
    }
  }
}

/** The `json` transform type. Stateless: one instance per subtask, no I/O. */
export const jsonTransformPlugin: TransformPlugin<JsonTransformConfig> = {
  kind: 'transform',
  type: 'json',
  configSchema: 'transforms/json.schema.json',
  create(config: JsonTransformConfig, context: PluginContext) {
    return () => new JsonTransform(context.componentId, config.onKey);
  },
};

function excerpt(text: string): string {
  const short = text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
  return JSON.stringify(short);
}
