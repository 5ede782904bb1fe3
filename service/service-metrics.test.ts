import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES, ServiceMetrics } from './service-metrics';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parse = require('parse-prometheus-text-format') as (text: string) => { name: string; type: string }[];

describe('lockstep serve metrics', () => {
  it('exposes every metric of METRIC_NAMES, typed as Prometheus naming says, and the README documents each', async () => {
    const metrics = new ServiceMetrics(() => []);
    const families = new Map(parse(await metrics.registry.metrics()).map((family) => [family.name, family.type]));
    for (const name of METRIC_NAMES) {
      const expected = name.endsWith('_total') ? 'COUNTER' : name === 'lockstep_checkpoint_duration_seconds' ? 'HISTOGRAM' : 'GAUGE';
      expect([name, families.get(name)]).toEqual([name, expected]);
    }
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(METRIC_NAMES.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
    // Node's process metrics, prefixed
    expect(families.get('lockstep_process_resident_memory_bytes')).toBe('GAUGE');
  });
});
