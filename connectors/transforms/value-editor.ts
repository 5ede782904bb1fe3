import { isPlainObject } from './expression/values';
import type { FieldPath } from './field-path';

/** Raised when a path runs through a field that is not an object (`customer.id` where `customer` is a string). */
export class FieldPathConflict extends Error {
  constructor(
    readonly path: FieldPath,
    message: string,
  ) {
    super(message);
    this.name = 'FieldPathConflict';
  }
}

/**
 * Edits a copy of a record's object value without ever touching the original: objects along a written path are
 * copied the first time they are written to, everything else stays shared. The original must stay intact because a
 * source may hand the same object out again (replay after a restore, a retried batch).
 */
export class ValueEditor {
  /** Objects this editor created or copied, so each is copied at most once and may then be written in place. */
  private readonly owned = new WeakSet<object>();
  private readonly root: Record<string, unknown>;

  constructor(original: Record<string, unknown>) {
    this.root = this.copy(original);
  }

  /** The edited value. */
  get result(): Record<string, unknown> {
    return this.root;
  }

  /** Sets the field at `path`, creating missing (or null) intermediate objects. */
  set(path: FieldPath, value: unknown): void {
    const segments = path.segments;
    let target = this.root;
    for (let depth = 0; depth < segments.length - 1; depth += 1) {
      const name = segments[depth] as string;
      const child = Object.hasOwn(target, name) ? target[name] : undefined;
      let next: Record<string, unknown>;
      if (child === undefined || child === null) next = this.copy({});
      else if (isPlainObject(child)) next = this.owned.has(child) ? child : this.copy(child);
      else throw conflict(path, depth, child);
      define(target, name, next);
      target = next;
    }
    define(target, segments[segments.length - 1] as string, value);
  }

  /** Deletes the field at `path`; a path that does not exist (or runs through a non-object) is left alone. */
  remove(path: FieldPath): void {
    const segments = path.segments;
    let target = this.root;
    for (let depth = 0; depth < segments.length - 1; depth += 1) {
      const name = segments[depth] as string;
      const child = Object.hasOwn(target, name) ? target[name] : undefined;
      if (!isPlainObject(child)) return;
      const next = this.owned.has(child) ? child : this.copy(child);
      define(target, name, next);
      target = next;
    }
    const last = segments[segments.length - 1] as string;
    if (Object.hasOwn(target, last)) delete target[last];
  }

  private copy(object: Record<string, unknown>): Record<string, unknown> {
    // Spread copies own enumerable fields, including an own `__proto__` field that JSON.parse may have created.
    const copy = { ...object };
    this.owned.add(copy);
    return copy;
  }
}

/** Defines rather than assigns, so a field called `__proto__` becomes data instead of replacing the prototype. */
function define(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
}

function conflict(path: FieldPath, depth: number, found: unknown): FieldPathConflict {
  const prefix = path.segments.slice(0, depth + 1).join('.');
  const kind = Array.isArray(found) ? 'a list' : typeof found === 'object' ? 'not a plain object' : `a ${typeof found}`;
  return new FieldPathConflict(path, `cannot set '${path.text}': '${prefix}' is ${kind}`);
}
