import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { SinkWriterInitContext } from '../api/init-context';
import type { CommittingSinkWriter } from '../api/sink-writer';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { MemorySink, MemorySinkStore, MemorySource, type MemoryCommittable } from './memory';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';
import { idRecords, runnerTestConfig } from './fixtures/runner-test-config';

/**
 * Issue 11, "fail fast": restart.startupDeadline is checked during an attempt, not only between attempts. A start that
 * hangs connecting (a host that accepts no connection, a server that never answers) is cut at the deadline: before the
 * first checkpoint of the process the pipeline fails with one line naming the connector and where it connects; after
 * one, the attempt is restarted like any other failure.
 */
describe('the startup deadline cuts a start that hangs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-start-deadline-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** What each writer init does, by attempt (1-based): `hang` never resolves, `fail-later` fails its first write after 300 ms. */
  type InitPlan = 'ok' | 'hang' | 'fail-later';

  /** A memory sink at `mem://nowhere` whose writers start as `plan` says, attempt by attempt. */
  class ScriptedSink extends MemorySink {
    readonly endpoint = 'mem://nowhere:1';
    private attempt = 0;
    constructor(
      store: MemorySinkStore,
      private readonly plan: readonly InitPlan[],
    ) {
      super(store);
    }
    override createWriter(init: SinkWriterInitContext<MemoryCommittable>): CommittingSinkWriter<MemoryCommittable> {
      const writer = super.createWriter(init);
      this.attempt += 1;
      const plan = this.plan[this.attempt - 1] ?? 'ok';
      let failAt = Number.POSITIVE_INFINITY;
      return {
        ...writer,
        init: async () => {
          if (plan === 'hang') await new Promise<void>(() => undefined);
          if (plan === 'fail-later') failAt = Date.now() + 300;
          await writer.init();
        },
        write: async (records) => {
          if (Date.now() > failAt) throw new Error('connection lost');
          await writer.write(records);
        },
      };
    }
  }

  function run(sink: ScriptedSink, metrics: PipelineMetrics, count: number): Promise<unknown> {
    const config = runnerTestConfig(
      'start-deadline',
      { intervalMs: 50, timeoutMs: 60_000, storage: dir, retain: 3 },
      { restart: { maxAttempts: 5, initialBackoffMs: 10, maxBackoffMs: 20, jitter: 0, startupDeadlineMs: 500 } },
    );
    const records = idRecords(count);
    return runPipeline({
      components: () => ({
        config,
        sources: [{ config: { id: 'in', type: 'memory' }, source: new MemorySource({ splits: [records], maxPerPoll: 2, pollDelayMs: 5 }), parallelism: 1 }],
        transforms: [],
        sinks: [{ config: { id: 'out', type: 'memory' }, sink, parallelism: 1 }],
        deadLetterSinkId: undefined,
      }),
      store: new LocalCheckpointStore(dir, 3),
      log: pino({ level: 'silent' }),
      metrics,
      stopRequested: new Promise(() => undefined),
    });
  }

  it('before the first checkpoint: fails the pipeline at the deadline, naming the connector and its endpoint', async () => {
    const startedAt = Date.now();
    const limit = new AbortController();
    const outcome = await Promise.race([
      run(new ScriptedSink(new MemorySinkStore(), ['hang']), new PipelineMetrics(), 100).then(() => 'finished', (error: unknown) => error),
      sleep(20_000, 'still running', { signal: limit.signal }),
    ]);
    limit.abort();
    const ms = Date.now() - startedAt;
    console.log(`a start hanging past a 0.5 s deadline failed after ${ms} ms`);
    expect(outcome).toMatchObject({
      code: 'LS_PIPELINE_FAILED',
      message: "pipeline start-deadline FAILED: memory sink 'out' (mem://nowhere:1): still connecting after 0.5 s (restart.startupDeadline)",
    });
    // the deadline, plus teardown's bounded wait for the start that never ends
    expect(ms).toBeLessThan(10_000);
  }, 30_000);

  it("before the first checkpoint: cuts the first start's look at a sink's traces that hangs, naming the sink", async () => {
    /** A sink whose trace inspection never answers (its service accepts connections and never replies). */
    class SilentTracesSink extends ScriptedSink {
      override findTraces(): Promise<never> {
        return new Promise<never>(() => undefined);
      }
    }
    const startedAt = Date.now();
    const outcome = await run(new SilentTracesSink(new MemorySinkStore(), []), new PipelineMetrics(), 10).then(
      () => 'finished',
      (error: unknown) => error,
    );
    console.log(`a trace inspection hanging past a 0.5 s deadline failed after ${Date.now() - startedAt} ms`);
    expect(outcome).toMatchObject({
      code: 'LS_PIPELINE_FAILED',
      message: "pipeline start-deadline FAILED: memory sink 'out' (mem://nowhere:1): still connecting after 0.5 s (restart.startupDeadline)",
    });
  }, 30_000);

  it('after a checkpoint: cuts the hanging start and restarts, and the run finishes exactly once', async () => {
    const store = new MemorySinkStore();
    const metrics = new PipelineMetrics();
    const outcome = await run(new ScriptedSink(store, ['fail-later', 'hang', 'ok']), metrics, 400);
    expect(outcome).toMatchObject({ status: 'finished' });
    expect(metrics.restarts).toBe(2);
    const ids = store.committedRecords().map((record) => (record.value as { id: string }).id);
    expect(new Set(ids).size).toBe(400);
    expect(ids).toHaveLength(400);
  }, 30_000);
});
