import { setAtPointer } from './json-pointer';
import type { PipelineConfig } from './pipeline-config';
import { REDACTED, SecretScrubber, secretValuesAt } from './secret-scrubber';

/**
 * A copy of a loaded pipeline config that is safe to log or print: every value its schemas mark `writeOnly` is
 * replaced by `"***"`, and copies of those values elsewhere (the same `${VAR}` used in a second field) are scrubbed.
 */
export function redactConfig(config: PipelineConfig): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  const scrubber = secretScrubberFor(config);
  for (const pointer of config.secretPaths ?? []) setAtPointer(copy, pointer, REDACTED);
  return scrubStrings(copy, scrubber) as Record<string, unknown>;
}

/** A scrubber for text about this config (error messages of its plugins, log lines). */
export function secretScrubberFor(config: PipelineConfig): SecretScrubber {
  return new SecretScrubber(secretValuesAt(config, config.secretPaths ?? []));
}

function scrubStrings(node: unknown, scrubber: SecretScrubber): unknown {
  if (typeof node === 'string') return scrubber.scrub(node);
  if (Array.isArray(node)) return node.map((item) => scrubStrings(item, scrubber));
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, scrubStrings(value, scrubber)]));
}
