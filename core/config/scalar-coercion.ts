import type { ErrorObject } from 'ajv/dist/2020';
import { getAtPointer, setAtPointer } from './json-pointer';

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Interpolation only yields strings, yet `parallelism: ${PARALLELISM:-2}` clearly means a number. After a failed
 * validation, each `type` error on a value that was exactly one `${…}` reference is fixed by reading the string as
 * the expected integer, number or boolean, when it reads as one. Quoted literals in the file are left alone: there
 * the user chose a string. Returns true when anything changed (then validate again).
 *
 * @param base pointer of `data` in the document; `wholeValuePointers` are document pointers.
 */
export function coerceInterpolatedScalars(
  errors: readonly ErrorObject[],
  data: unknown,
  base: string,
  wholeValuePointers: ReadonlySet<string>,
): boolean {
  let changed = false;
  for (const error of errors) {
    if (error.keyword !== 'type' || error.instancePath === '' || !wholeValuePointers.has(base + error.instancePath)) continue;
    const value = getAtPointer(data, error.instancePath);
    if (typeof value !== 'string') continue;
    const types = Array.isArray(error.params.type) ? (error.params.type as string[]) : String(error.params.type).split(',');
    const coerced = readAs(value.trim(), types);
    if (coerced !== undefined) changed = setAtPointer(data, error.instancePath, coerced) || changed;
  }
  return changed;
}

function readAs(text: string, types: readonly string[]): number | boolean | undefined {
  if (types.includes('integer') && INTEGER.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  if (types.includes('number') && NUMBER.test(text) && Number.isFinite(Number(text))) return Number(text);
  if (types.includes('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return undefined;
}
