import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { LockstepError } from '../errors';
import { MemorySink, MemorySinkStore, MemorySource } from './memory';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';
import { runnerTestConfig } from './fixtures/runner-test-config';

/** How the runner sorts failures with the error catalogue: fatal codes stop at once, unclassified errors restart. */
describe('runPipeline failure handling', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-failures-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  function run(failure: () => Error, failures: number): { result: Promise<unknown>; metrics: PipelineMetrics } {
    const config = runnerTestConfig('failing', { storage: dir });
    const store = new MemorySinkStore();
    let left = failures;
    store.prepareHook = async () => {
      if (left > 0) {
        left -= 1;
        throw failure();
      }
    };
    const source = new MemorySource({ splits: [Array.from({ length: 50 }, (_, seq) => ({ value: { id: `r-${seq}` } }))], maxPerPoll: 10 });
    const metrics = new PipelineMetrics();
    const result = runPipeline({
      components: () => ({
        config,
        sources: [{ config: { id: 's0', type: 'memory' }, source, parallelism: 1 }],
        transforms: [],
        sinks: [{ config: { id: 'out', type: 'memory' }, sink: new MemorySink(store), parallelism: 1 }],
        deadLetterSinkId: undefined,
      }),
      store: new LocalCheckpointStore(dir, 100),
      log: pino({ level: 'silent' }),
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    return { result, metrics };
  }

  it('stops at once on a fatal code, also when it is the cause of a retriable error', async () => {
    const internals = (): Error => new LockstepError('kafkajs internals changed', { code: 'LS_KAFKA_INTERNALS' });
    const wrapped = (): Error => new LockstepError('commit failed', { code: 'LS_COMMIT_FAILED', cause: internals() });
    for (const failure of [internals, wrapped]) {
      const { result, metrics } = run(failure, 10);
      await expect(result).rejects.toMatchObject({ code: 'LS_PIPELINE_FAILED', message: expect.stringContaining('(fatal: LS_KAFKA_INTERNALS)') });
      expect(metrics.restarts).toBe(0);
    }
  });

  it('restarts after an error without a lockstep code (LS_UNKNOWN), within restart.maxAttempts', async () => {
    const recovered = run(() => new Error('socket hang up'), 2);
    await expect(recovered.result).resolves.toMatchObject({ status: 'finished' });
    expect(recovered.metrics.restarts).toBe(2);
    const spent = run(() => new Error('socket hang up'), 10);
    await expect(spent.result).rejects.toThrow(/FAILED after 3 restarts/);
    expect(spent.metrics.restarts).toBe(3);
  });
});
