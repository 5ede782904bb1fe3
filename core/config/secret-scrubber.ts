import { getAtPointer } from './json-pointer';

/** What a secret is replaced with in logs and messages. */
export const REDACTED = '***';

/**
 * Shorter secrets are not searched for inside other text: replacing every `ab` in every message would garble all
 * output to hide a value that offers no protection anyway. Fields marked secret are always redacted whole.
 */
export const MIN_SCRUBBED_LENGTH = 3;

/**
 * Removes known secret values from free text (error messages, other config strings): a secret can end up in a field
 * that is not marked secret, e.g. when the same `${VAR}` is used twice.
 */
export class SecretScrubber {
  private readonly secrets: readonly string[];

  constructor(values: Iterable<string>) {
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...new Set(values)].filter((value) => value.length >= MIN_SCRUBBED_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** `text` with every known secret replaced by {@link REDACTED}. */
  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(REDACTED);
    return out;
  }
}

/** Every string or number below the given pointers (a secret may be an object, e.g. a credentials mapping). */
export function secretValuesAt(root: unknown, pointers: Iterable<string>): string[] {
  const values: string[] = [];
  const collect = (node: unknown): void => {
    if (typeof node === 'string' || typeof node === 'number') values.push(String(node));
    else if (node !== null && typeof node === 'object') Object.values(node).forEach(collect);
  };
  for (const pointer of pointers) collect(getAtPointer(root, pointer));
  return values;
}
