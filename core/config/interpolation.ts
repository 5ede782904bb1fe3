import { childPointer } from './json-pointer';

/** Environment seen by interpolation (`process.env` by default). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Outcome of interpolating one string. */
export type StringInterpolation =
  | {
      readonly ok: true;
      readonly value: string;
      /** Values taken from the environment, so the caller can treat them as secrets where the field is one. */
      readonly substituted: readonly string[];
      /** True when the whole string was one `${…}` reference (then a number or boolean may be meant). */
      readonly wholeValue: boolean;
    }
  | { readonly ok: false; readonly messages: readonly string[] };

type Segment = { readonly text: string } | { readonly name: string; readonly fallback?: readonly Segment[] };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const MAX_NESTING = 8;

class TemplateSyntaxError extends Error {}

/**
 * Replaces `${VAR}` with the variable's value and `${VAR:-default}` with the value, or the default when the variable
 * is unset or empty (as in POSIX shells; defaults may hold references themselves). `$${` gives a literal `${`.
 * Messages name the variable but never its value.
 */
export function interpolateString(text: string, env: Environment): StringInterpolation {
  if (!text.includes('${')) return { ok: true, value: text, substituted: [], wholeValue: false };
  let segments: readonly Segment[];
  try {
    segments = parseTemplate(text, 0, 0).segments;
  } catch (error) {
    if (error instanceof TemplateSyntaxError) return { ok: false, messages: [error.message] };
    throw error;
  }
  const substituted: string[] = [];
  const messages: string[] = [];
  const value = evaluate(segments, env, substituted, messages);
  if (messages.length > 0) return { ok: false, messages };
  const only = segments.length === 1 ? segments[0] : undefined;
  return { ok: true, value, substituted, wholeValue: only !== undefined && 'name' in only };
}

/** Result of {@link interpolateDocument}; the document itself is changed in place. */
export interface DocumentInterpolation {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
  /** Pointers of strings that were exactly one reference: candidates for number/boolean coercion. */
  readonly wholeValuePointers: ReadonlySet<string>;
  /** Environment values inserted, per pointer. */
  readonly substitutions: ReadonlyMap<string, readonly string[]>;
}

/** Interpolates every string value (not keys) of a parsed document, in place. */
export function interpolateDocument(document: unknown, env: Environment): DocumentInterpolation {
  const result = {
    issues: [] as { path: string; message: string }[],
    wholeValuePointers: new Set<string>(),
    substitutions: new Map<string, string[]>(),
  };
  walk(document, '', env, result);
  return result;
}

function walk(node: unknown, path: string, env: Environment, result: MutableResult): void {
  if (node === null || typeof node !== 'object') return;
  const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  for (const [key, value] of entries) {
    const childPath = childPointer(path, key);
    if (typeof value !== 'string') {
      walk(value, childPath, env, result);
      continue;
    }
    const outcome = interpolateString(value, env);
    if (!outcome.ok) {
      for (const message of outcome.messages) result.issues.push({ path: childPath, message });
      continue;
    }
    // defineProperty, not assignment: a key named __proto__ must stay a plain property.
    if (outcome.value !== value) Object.defineProperty(node, key, { value: outcome.value, writable: true, enumerable: true, configurable: true });
    if (outcome.wholeValue) result.wholeValuePointers.add(childPath);
    if (outcome.substituted.length > 0) result.substitutions.set(childPath, [...outcome.substituted]);
  }
}

type MutableResult = {
  issues: { path: string; message: string }[];
  wholeValuePointers: Set<string>;
  substitutions: Map<string, string[]>;
};

/** Parses text from `start` up to the end, or (when nested) up to the `}` closing a default. */
function parseTemplate(text: string, start: number, depth: number): { segments: Segment[]; end: number } {
  const segments: Segment[] = [];
  let literal = '';
  let i = start;
  while (i < text.length) {
    if (depth > 0 && text[i] === '}') break;
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      if (literal !== '') segments.push({ text: literal });
      literal = '';
      const reference = parseReference(text, i, depth);
      segments.push(reference.segment);
      i = reference.end;
    } else {
      literal += text[i];
      i += 1;
    }
  }
  if (literal !== '') segments.push({ text: literal });
  return { segments, end: i };
}

/** Parses `${NAME}` or `${NAME:-default}` starting at `start` (which points at `$`). */
function parseReference(text: string, start: number, depth: number): { segment: Segment; end: number } {
  const name = NAME.exec(text.slice(start + 2))?.[0];
  const afterName = start + 2 + (name?.length ?? 0);
  if (name === undefined) {
    throw new TemplateSyntaxError(
      `invalid reference at character ${start + 1}: \${ must be followed by a variable name (letters, digits, _; use $\${ for a literal \${)`,
    );
  }
  if (text[afterName] === '}') return { segment: { name }, end: afterName + 1 };
  if (!text.startsWith(':-', afterName)) {
    const hint = afterName >= text.length ? 'is not closed with }' : 'must be ${NAME} or ${NAME:-default}';
    throw new TemplateSyntaxError(`reference to ${name} ${hint}`);
  }
  if (depth + 1 > MAX_NESTING) throw new TemplateSyntaxError(`defaults nested deeper than ${MAX_NESTING} levels`);
  const fallback = parseTemplate(text, afterName + 2, depth + 1);
  if (text[fallback.end] !== '}') throw new TemplateSyntaxError(`reference to ${name} is not closed with }`);
  return { segment: { name, fallback: fallback.segments }, end: fallback.end + 1 };
}

function evaluate(segments: readonly Segment[], env: Environment, substituted: string[], messages: string[]): string {
  let out = '';
  for (const segment of segments) {
    if ('text' in segment) {
      out += segment.text;
      continue;
    }
    const value = env[segment.name];
    if (segment.fallback !== undefined) {
      if (value !== undefined && value !== '') {
        substituted.push(value);
        out += value;
      } else {
        out += evaluate(segment.fallback, env, substituted, messages);
      }
    } else if (value !== undefined) {
      substituted.push(value);
      out += value;
    } else {
      messages.push(
        `environment variable ${segment.name} is not set and has no default (write \${${segment.name}:-default} to give one)`,
      );
    }
  }
  return out;
}
