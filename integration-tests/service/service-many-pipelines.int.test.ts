import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile } from '../../core/runtime/pipeline-metrics';
import { useTempDir } from '../support/chaos-fixtures';
import { committedSeqs } from '../support/committed-part-files';
import { parseMetrics, sampleValue } from './prometheus-text';
import { startService, waitForStatus, type PipelineStatus } from './service-process';

const PIPELINES = Number(process.env.LOCKSTEP_SERVE_PIPELINES ?? 50);
const RATE = 100;
const RUN_MS = 20_000;

/**
 * 50 generator → file pipelines from the config directory in one service: all run side by side, checkpoint and
 * commit; SIGTERM stops each with a savepoint and exits 0, and every pipeline's committed files hold each seq once.
 * Memory and checkpoint latency are printed (measured, not asserted).
 */
describe('lockstep serve: 50 pipelines in one process', () => {
  const tempDir = useTempDir('lockstep-serve-many-');

  it(`runs ${PIPELINES} generator → file pipelines side by side and stops them all with a savepoint on SIGTERM`, async () => {
    const dir = tempDir();
    const configDir = join(dir, 'pipelines');
    const stateDir = join(dir, 'state');
    await mkdir(configDir);
    await mkdir(stateDir);
    const names = Array.from({ length: PIPELINES }, (_, i) => `many-${String(i).padStart(2, '0')}`);
    for (const name of names) {
      await writeFile(
        join(configDir, `${name}.yaml`),
        [
          `name: ${name}`,
          'guarantee: exactly-once',
          `checkpoint: { interval: 1s, storage: "${join(dir, 'checkpoints', name)}" }`,
          'sources:',
          `  - { id: gen, type: generator, count: 1000000000, ratePerSecond: ${RATE} }`,
          'sinks:',
          `  - { id: files, type: file, path: "${join(dir, 'out', name)}" }`,
          '',
        ].join('\n'),
      );
    }
    const service = await startService({ stateDir, configDir });
    try {
      const running = await Promise.all(names.map((name) => waitForStatus(service, name, (status) => status.state === 'RUNNING' && status.lastCheckpoint !== null, 120_000)));
      expect(running.filter((status) => status.state !== 'RUNNING')).toEqual([]);
      const startedAt = Date.now();
      await sleep(RUN_MS);
      const statuses = await Promise.all(names.map(async (name) => (await service.call<PipelineStatus>('GET', `/pipelines/${name}/status`)).body));
      expect(statuses.filter((status) => status.state !== 'RUNNING' || status.restarts.total > 0).map((status) => status.name)).toEqual([]);
      const durations: number[] = [];
      // steady state: the checkpoints triggered once every pipeline ran (the start-up ones compete with 50 starts)
      const steady: number[] = [];
      for (const name of names) {
        const reply = await service.call<{ checkpoints: { status: string; durationMs?: number; triggeredAt?: string }[] }>('GET', `/pipelines/${name}/checkpoints`);
        const completed = reply.body.checkpoints.filter((checkpoint) => checkpoint.status === 'completed');
        expect(completed.length).toBeGreaterThan(5);
        durations.push(...completed.map((checkpoint) => checkpoint.durationMs ?? 0));
        steady.push(...completed.filter((checkpoint) => Date.parse(checkpoint.triggeredAt ?? '') >= startedAt).map((checkpoint) => checkpoint.durationMs ?? 0));
      }
      const families = parseMetrics((await service.call('GET', '/metrics')).text);
      const rss = sampleValue(families, 'lockstep_process_resident_memory_bytes', {}) ?? 0;
      const heap = sampleValue(families, 'lockstep_nodejs_heap_size_used_bytes', {}) ?? 0;
      const lag = families.get('lockstep_nodejs_eventloop_lag_p99_seconds')?.metrics[0]?.value;
      const records = statuses.reduce((sum, status) => sum + status.records.in, 0);
      const elapsed = (Date.now() - startedAt) / 1000;
      process.stdout.write(
        `lockstep serve, ${PIPELINES} generator → file pipelines (${RATE} records/s each, checkpoint every 1 s) for ${elapsed.toFixed(0)} s: ` +
          `RSS ${(rss / 2 ** 20).toFixed(0)} MiB, heap used ${(heap / 2 ** 20).toFixed(0)} MiB, event loop lag p99 ${(Number(lag) * 1000).toFixed(1)} ms; ` +
          `${durations.length} checkpoints: p50 ${percentile(durations, 50)} ms, p99 ${percentile(durations, 99)} ms, max ${Math.max(...durations)} ms ` +
          `(steady state, ${steady.length}: p50 ${percentile(steady, 50)} ms, p99 ${percentile(steady, 99)} ms, max ${Math.max(...steady)} ms); ` +
          `${records} records read in all\n`,
      );
    } finally {
      expect(await service.stop()).toBe(0);
    }
    // the graceful stop took a savepoint of every pipeline and committed it: each seq once, none missing
    for (const name of names) {
      expect(await readdir(join(dir, 'checkpoints', name, 'savepoints'))).toEqual([expect.stringMatching(/^stop-.*\.json$/)]);
      const seqs = (await committedSeqs(join(dir, 'out', name))).sort((a, b) => a - b);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs.every((seq, index) => seq === index)).toBe(true);
    }
  }, 600_000);
});
