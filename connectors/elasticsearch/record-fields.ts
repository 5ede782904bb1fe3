import type { LockstepRecord } from '../../core/sdk';

/** The parts of a record a field path may start with; any other first segment is a field of the value. */
const ROOTS = ['value', 'key', 'headers', 'timestamp', 'origin'] as const;
type Root = (typeof ROOTS)[number];

/**
 * A path into a record, as the sink's options name them: `value.order.id`, `key`, `key.id`, `headers.tenant`,
 * `timestamp`, or a bare `order_id` (a field of the value). Parsed once, read per record.
 */
export class RecordFieldPath {
  private readonly root: Root;
  private readonly segments: readonly string[];

  constructor(readonly text: string) {
    const parts = text.split('.');
    const first = parts[0] ?? '';
    if (parts.some((part) => part === '')) throw new TypeError(`field path '${text}' has an empty segment`);
    if ((ROOTS as readonly string[]).includes(first)) {
      this.root = first as Root;
      this.segments = parts.slice(1);
    } else {
      this.root = 'value';
      this.segments = parts;
    }
  }

  /** The value at this path, or undefined when a segment is missing or not an object. */
  read(record: LockstepRecord): unknown {
    let current: unknown = record[this.root];
    for (const segment of this.segments) {
      if (current === null || typeof current !== 'object' || current instanceof Uint8Array) return undefined;
      current = (current as Record<string, unknown>)[segment];
    }
    return current;
  }
}

/** A scalar as text for ids, routing and index names; undefined for objects, arrays, null and undefined. */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
  }
}
