import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { SinkWriterInitContext } from '../api/init-context';
import type { CommittingSinkWriter } from '../api/sink-writer';
import type { SourceReader } from '../api/source-reader';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { LockstepError } from '../errors';
import { MemorySink, MemorySinkStore, MemorySource, type MemoryCommittable, type MemorySplit } from './memory';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';
import { runnerTestConfig } from './fixtures/runner-test-config';

/**
 * Issue 11, reproduction 5: a source failing at start while the sink writers are still in `init` must fail the
 * pipeline at once — teardown does not wait for a writer that never finishes starting, closes a late one when it
 * resolves, and nothing (checkpoint, restart) is triggered after the failure.
 */
describe('a pipeline that fails for good exits', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-failure-exit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** A memory sink whose writers' init resolves after `initMs` (never when undefined); close waits for init, as a client's disconnect waits for its connect. */
  class SlowStartSink extends MemorySink {
    readonly events: string[] = [];
    constructor(private readonly initMs: number | undefined) {
      super(new MemorySinkStore());
    }
    override createWriter(init: SinkWriterInitContext<MemoryCommittable>): CommittingSinkWriter<MemoryCommittable> {
      const writer = super.createWriter(init);
      let started: Promise<void> = Promise.resolve();
      return {
        ...writer,
        init: () => {
          this.events.push('init');
          started = new Promise<void>((resolve) => {
            if (this.initMs !== undefined) setTimeout(resolve, this.initMs);
          }).then(() => void this.events.push('init resolved'));
          return started;
        },
        close: async () => {
          if (this.events.includes('init') && !this.events.includes('init resolved')) this.events.push('close during init');
          await started;
          this.events.push('close');
        },
      };
    }
  }

  /** A memory source whose readers fail at start (a missing topic, an undecodable first batch). */
  class FailingSource extends MemorySource {
    override createReader(): SourceReader<MemorySplit> {
      return {
        start: async () => {
          await sleep(20);
          throw new LockstepError('topic orders does not exist', { code: 'LS_SOURCE_CONTRACT' });
        },
        addSplits: () => undefined,
        notifyNoMoreSplits: () => undefined,
        pollNext: async () => ({ status: 'nothing-available' }),
        isAvailable: () => sleep(5),
        snapshotState: () => [],
        close: async () => undefined,
      };
    }
  }

  function run(sink: SlowStartSink): { result: Promise<unknown>; reserved: () => number } {
    const config = runnerTestConfig('failing-at-start', { intervalMs: 30, timeoutMs: 120_000, storage: dir, retain: 10 }, { parallelism: 2 });
    const store = new LocalCheckpointStore(dir, 10);
    let reserved = 0;
    const reserve = store.reserveCheckpointId.bind(store);
    store.reserveCheckpointId = () => {
      reserved += 1;
      return reserve();
    };
    const source = new FailingSource({ splits: [[{ value: 1 }], [{ value: 2 }]] });
    const result = runPipeline({
      components: () => ({
        config,
        sources: [{ config: { id: 'in', type: 'memory' }, source, parallelism: 2 }],
        transforms: [],
        sinks: [{ config: { id: 'out', type: 'memory' }, sink, parallelism: 2 }],
        deadLetterSinkId: undefined,
      }),
      store,
      log: pino({ level: 'silent' }),
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    result.catch(() => undefined);
    return { result, reserved: () => reserved };
  }

  async function timed(result: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
    const started = Date.now();
    const error = await result.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    return { error, ms: Date.now() - started };
  }

  it('fails within the bound when the sink writers never finish starting, and triggers nothing after', async () => {
    const sink = new SlowStartSink(undefined);
    const { result, reserved } = run(sink);
    const limit = new AbortController();
    const outcome = await Promise.race([timed(result), sleep(15_000, 'still running', { signal: limit.signal })]);
    limit.abort();
    console.log(`failure with writers stuck in init: ${typeof outcome === 'string' ? outcome : `${outcome.ms} ms`}`);
    expect(outcome).toMatchObject({ error: { code: 'LS_PIPELINE_FAILED', message: expect.stringContaining('topic orders does not exist') } });
    expect((outcome as { ms: number }).ms).toBeLessThan(10_000);
    expect(sink.events).not.toContain('close during init');
    const after = reserved();
    await sleep(200);
    expect(reserved()).toBe(after);
    expect(after).toBe(0);
  }, 20_000);

  it('closes a writer whose init resolves after the failure, once it resolved', async () => {
    const sink = new SlowStartSink(300);
    const { result } = run(sink);
    const outcome = await timed(result);
    console.log(`failure with writers starting for 300 ms: ${outcome.ms} ms`);
    expect(outcome.error).toMatchObject({ code: 'LS_PIPELINE_FAILED' });
    await sleep(500);
    expect(sink.events.filter((event) => event === 'close')).toHaveLength(2);
    expect(sink.events).not.toContain('close during init');
  }, 20_000);

  it('a stop during a restart backoff ends at once, stopped without a savepoint and saying why', async () => {
    const config = runnerTestConfig(
      'backing-off',
      { storage: dir, retain: 10 },
      { restart: { maxAttempts: 10, initialBackoffMs: 60_000, maxBackoffMs: 60_000, jitter: 0 } },
    );
    const sinkStore = new MemorySinkStore();
    let failedAt: (() => void) | undefined;
    const failed = new Promise<void>((resolve) => (failedAt = resolve));
    sinkStore.prepareHook = async () => {
      failedAt?.();
      throw new Error('connection refused');
    };
    let stop: (() => void) | undefined;
    const stopRequested = new Promise<void>((resolve) => (stop = resolve));
    const source = new MemorySource({ splits: [[{ value: 1 }]], pollDelayMs: 5 });
    const result = runPipeline({
      components: () => ({
        config,
        sources: [{ config: { id: 'in', type: 'memory' }, source, parallelism: 1 }],
        transforms: [],
        sinks: [{ config: { id: 'out', type: 'memory' }, sink: new MemorySink(sinkStore), parallelism: 1 }],
        deadLetterSinkId: undefined,
      }),
      store: new LocalCheckpointStore(dir, 10),
      log: pino({ level: 'silent' }),
      metrics: new PipelineMetrics(),
      stopRequested,
    });
    await failed;
    await sleep(50);
    const started = Date.now();
    stop?.();
    await expect(result).resolves.toEqual({
      status: 'stopped',
      checkpointId: undefined,
      savepoint: false,
      reason: expect.stringContaining('connection refused'),
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
