import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { sealJson } from '../checkpoint/checkpoint-validation';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { ownerFileName } from '../checkpoint/store-ownership';
import { MemorySink, MemorySinkStore, MemorySource } from './memory';
import type { PipelineComponents } from './create-components';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';
import { idRecords, runnerTestConfig } from './fixtures/runner-test-config';

/** How the runner uses the checkpoint store's ownership: released at the end, fenced zombies stop, `reset`. */
describe('runPipeline and its checkpoint store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-runner-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function components(out: MemorySinkStore, count: number, pollDelayMs = 0): () => PipelineComponents {
    const config = runnerTestConfig('store', { storage: dir, retain: 3 });
    const records = idRecords(count);
    return () => ({
      config,
      sources: [{ config: { id: 's0', type: 'memory' }, source: new MemorySource({ splits: [records], maxPerPoll: 5, pollDelayMs }), parallelism: 1 }],
      transforms: [],
      sinks: [{ config: { id: 'out', type: 'memory' }, sink: new MemorySink(out), parallelism: 1 }],
      deadLetterSinkId: undefined,
    });
  }

  const options = { log: pino({ level: 'silent' }), stopRequested: new Promise<void>(() => undefined) };

  it('releases the store at the end; reset starts fresh with ids going on', async () => {
    const first = new MemorySinkStore();
    const metrics = new PipelineMetrics();
    const outcome = await runPipeline({ ...options, components: components(first, 100), store: new LocalCheckpointStore(dir, 3), metrics });
    const again = new MemorySinkStore();
    const reset = await runPipeline({ ...options, components: components(again, 100), store: new LocalCheckpointStore(dir, 3), metrics: new PipelineMetrics(), reset: true });
    expect(again.committedRecords()).toHaveLength(100);
    expect(reset.checkpointId).toBeGreaterThan(outcome.checkpointId as number);
  }, 30_000);

  it('stops a fenced zombie for good, without restarts', async () => {
    const out = new MemorySinkStore();
    const metrics = new PipelineMetrics();
    const run = runPipeline({ ...options, components: components(out, 100_000, 5), store: new LocalCheckpointStore(dir, 3), metrics });
    // The run may fail before the write below returns (the store checks its owner with blocking calls).
    const failed = expect(run).rejects.toThrow(/FAILED \(fatal: LS_CHECKPOINT_FENCED\)/);
    while (metrics.checkpointsCompleted < 2) await sleep(10);
    // Another process decided this owner was dead (a paused VM, a partition) and took the store over: epoch 2.
    await writeFile(join(dir, ownerFileName(2)), sealJson({ epoch: 2, pid: 1, host: 'elsewhere', since: new Date().toISOString() }));
    await failed;
    expect(metrics.restarts).toBe(0);
  }, 30_000);
});
