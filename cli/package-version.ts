import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** lockstep's version from its package.json (beside the sources, or above dist/ in the installed package). */
export function packageVersion(): string {
  const candidates = [join(__dirname, '..', 'package.json'), join(__dirname, '..', '..', 'package.json')];
  for (const candidate of candidates) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'lockstep' && parsed.version) return parsed.version;
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return 'unknown';
}
