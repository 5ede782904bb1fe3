/**
 * JSON pointers (RFC 6901) name places in a pipeline document in errors (`/sinks/0/table`) and in
 * `PipelineConfig.secretPaths`; they survive keys that contain `/` or `~`, which dotted paths do not.
 */

/** Builds a pointer from its unescaped segments: `['sinks', 0, 'a/b']` → `/sinks/0/a~1b`. */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${escapeSegment(String(segment))}`).join('');
}

/** Appends segments to an existing pointer. */
export function childPointer(base: string, ...segments: readonly (string | number)[]): string {
  return base + toPointer(segments);
}

/** Splits a pointer into its unescaped segments; `''` (the whole document) gives `[]`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** True when `pointer` is `ancestor` or lies below it. */
export function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

/** The value at `pointer`, or undefined when the path does not exist. */
export function getAtPointer(root: unknown, pointer: string): unknown {
  let current: unknown = root;
  for (const segment of parsePointer(pointer)) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Replaces the value at an existing `pointer` (never the root) and returns true, or returns false when the path does
 * not exist. Own-property checks keep `__proto__`-like segments from reaching a prototype.
 */
export function setAtPointer(root: unknown, pointer: string, value: unknown): boolean {
  const segments = parsePointer(pointer);
  const last = segments.pop();
  if (last === undefined) return false;
  const parent = getAtPointer(root, toPointer(segments));
  if (parent === null || typeof parent !== 'object' || !Object.hasOwn(parent, last)) return false;
  Object.defineProperty(parent, last, { value, writable: true, enumerable: true, configurable: true });
  return true;
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
