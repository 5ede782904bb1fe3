/**
 * What an exactly-once check found: ids delivered more than once, ids never delivered, ids nobody asked for.
 * All three empty means every expected id arrived exactly once.
 */
export interface DeliveryReport {
  readonly duplicates: readonly string[];
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
}

/** The report of a run that delivered every id exactly once, for `expect(report).toEqual(EXACTLY_ONCE)`. */
export const EXACTLY_ONCE: DeliveryReport = Object.freeze({ duplicates: [], missing: [], unexpected: [] });

/**
 * Compares delivered ids with the expected ones. Lists keep the order of first appearance, so a failing test shows
 * the first problems where a reader would look for them.
 */
export function checkExactlyOnce(expected: readonly string[], delivered: readonly string[]): DeliveryReport {
  const wanted = new Set(expected);
  const counts = new Map<string, number>();
  for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicates: string[] = [];
  const unexpected: string[] = [];
  for (const [id, count] of counts) {
    if (!wanted.has(id)) unexpected.push(id);
    else if (count > 1) duplicates.push(id);
  }
  const missing = expected.filter((id) => !counts.has(id));
  return { duplicates, missing, unexpected };
}
