import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { LockstepRecord } from '../api/record';
import { RecordError } from '../errors';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import type { PipelineConfig } from '../config/pipeline-config';
import { MemorySink, MemorySinkStore, MemorySource } from './memory';
import type { PipelineComponents } from './create-components';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';
import { idRecords, runnerTestConfig } from './fixtures/runner-test-config';

const log = pino({ level: 'silent' });

function records(prefix: string, count: number): LockstepRecord[] {
  return idRecords(count, prefix);
}

function config(storage: string, overrides: Partial<PipelineConfig['checkpoint']> = {}): PipelineConfig {
  return runnerTestConfig('test', { storage, ...overrides });
}

function components(cfg: PipelineConfig, sources: MemorySource[], sink: MemorySinkStore, overlap = false): () => PipelineComponents {
  return () => ({
    config: cfg,
    sources: sources.map((source, index) => ({ config: { id: `s${index}`, type: 'memory' }, source, parallelism: 1 })),
    transforms: [],
    sinks: [{ config: { id: 'out', type: 'memory' }, sink: new MemorySink(sink, { preCommitsWhileCommitting: overlap }), parallelism: 1 }],
    deadLetterSinkId: undefined,
  });
}

async function checkpointRecords(dir: string): Promise<CheckpointRecord[]> {
  const names = (await readdir(dir)).filter((name) => name.startsWith('chk-')).sort();
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as CheckpointRecord));
}

function ids(list: readonly LockstepRecord[]): string[] {
  return list.map((record) => (record.value as { id: string }).id);
}

describe('checkpointing engine', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-engine-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));

  it('aligns two inputs where one is slow: each checkpoint holds exactly the records before its barrier', async () => {
    const fast = new MemorySource({ name: 'fast', splits: [records('fast', 3000)], maxPerPoll: 50 });
    const slow = new MemorySource({ name: 'slow', splits: [records('slow', 60)], maxPerPoll: 1, pollDelayMs: 10 });
    const store = new MemorySinkStore();
    const metrics = new PipelineMetrics();
    const outcome = await runPipeline({
      components: components(config(dir), [fast, slow], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    expect(outcome.status).toBe('finished');
    expect(metrics.checkpointsCompleted).toBeGreaterThan(2);
    const committed = ids(store.committedRecords());
    expect(new Set(committed).size).toBe(3060);
    expect(committed).toHaveLength(3060);
    // Alignment: for every checkpoint n, the positions stored for each input equal the records of that input
    // committed in transactions of checkpoints <= n — nothing after a barrier slipped into the checkpoint before it.
    for (const record of await checkpointRecords(dir)) {
      const upTo = store.committed.filter((txn) => txn.checkpointId <= record.checkpointId).flatMap((txn) => ids(txn.records));
      for (const [sourceId, prefix] of [['s0', 'fast'], ['s1', 'slow']] as const) {
        const split = record.sources[sourceId]?.splits['0']?.[0]?.data as { position: number };
        expect(upTo.filter((id) => id.startsWith(`${prefix}-`))).toHaveLength(split.position);
      }
    }
  });

  it('aborts a checkpoint that times out and commits its transaction with the next completed one', async () => {
    const source = new MemorySource({ splits: [records('r', 1000)], maxPerPoll: 10, pollDelayMs: 2 });
    const store = new MemorySinkStore();
    let delayed = false;
    store.prepareHook = async (checkpointId) => {
      if (checkpointId === 2 && !delayed) {
        delayed = true;
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    };
    const metrics = new PipelineMetrics();
    await runPipeline({
      components: components(config(dir, { timeoutMs: 60 }), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    expect(metrics.checkpointsAborted).toBeGreaterThanOrEqual(1);
    const txn2 = store.committed.find((txn) => txn.transactionId === '0-2');
    expect(txn2).toBeDefined();
    // Committed as part of a later checkpoint's record (the next one may have been aborted too, as the writer was still
    // held by the first), exactly once, and nothing lost.
    const next = (await checkpointRecords(dir)).find((record) => record.checkpointId > 2);
    expect(next?.sinks.out?.committables.map((c) => c.checkpointId)).toContain(2);
    expect(new Set(ids(store.committedRecords())).size).toBe(1000);
    expect(store.committedRecords()).toHaveLength(1000);
  });

  it('triggers the next checkpoint while commits run, and pre-commits only after the earlier commits were tried', async () => {
    const source = new MemorySource({ splits: [records('r', 1500)], maxPerPoll: 10, pollDelayMs: 2 });
    const store = new MemorySinkStore();
    const commitEnded = new Map<number, number>();
    store.commitDelay = () => new Promise((resolve) => setTimeout(resolve, 60));
    store.commitHook = (request) => {
      commitEnded.set(request.checkpointId, Date.now());
      return undefined;
    };
    const notCommitted: string[] = [];
    store.prepareHook = async (checkpointId) => {
      // Every transaction of an earlier (completed) checkpoint was committed before this pre-commit.
      for (const id of store.prepared.keys()) notCommitted.push(`${id} at the pre-commit of checkpoint ${checkpointId}`);
    };
    const metrics = new PipelineMetrics();
    const outcome = await runPipeline({
      components: components(config(dir, { intervalMs: 10 }), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    expect(outcome.status).toBe('finished');
    expect(notCommitted).toEqual([]);
    // Some checkpoint was triggered before the commit of the one before it had ended.
    const saved = (await checkpointRecords(dir)).sort((a, b) => a.checkpointId - b.checkpointId);
    const overlapped = saved.filter((record, index) => {
      const ended = index > 0 ? commitEnded.get((saved[index - 1] as CheckpointRecord).checkpointId) : undefined;
      return ended !== undefined && record.triggeredAt < ended;
    });
    expect(overlapped.length).toBeGreaterThan(0);
    expect(metrics.checkpointCommits.length).toBe(metrics.checkpointsCompleted);
    expect(store.committedRecords()).toHaveLength(1500);
    expect(new Set(ids(store.committedRecords())).size).toBe(1500);
  });

  it('lets a sink that pre-commits while committing go on without waiting for the earlier commits', async () => {
    const source = new MemorySource({ splits: [records('r', 1500)], maxPerPoll: 10, pollDelayMs: 2 });
    const store = new MemorySinkStore();
    store.commitDelay = () => new Promise((resolve) => setTimeout(resolve, 60));
    const overlapping: number[] = [];
    store.prepareHook = async (checkpointId) => {
      // A transaction of a completed checkpoint still uncommitted at this pre-commit: its commit runs meanwhile.
      if ([...store.prepared.keys()].some((id) => Number(id.split('-')[1]) < checkpointId)) overlapping.push(checkpointId);
    };
    const metrics = new PipelineMetrics();
    const outcome = await runPipeline({
      components: components(config(dir, { intervalMs: 10 }), [source], store, true),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    expect(outcome.status).toBe('finished');
    expect(overlapping.length).toBeGreaterThan(0);
    expect(metrics.checkpointCommits.length).toBe(metrics.checkpointsCompleted);
    expect(store.committedRecords()).toHaveLength(1500);
    expect(new Set(ids(store.committedRecords())).size).toBe(1500);
  });

  it('triggers checkpoints an interval apart from trigger to trigger: one that took longer is followed at once', async () => {
    const source = new MemorySource({ splits: [records('r', 300)], maxPerPoll: 10, pollDelayMs: 80 });
    const store = new MemorySinkStore();
    // Every pre-commit takes longer than the interval.
    store.prepareHook = () => new Promise((resolve) => setTimeout(resolve, 350));
    await runPipeline({
      components: components(config(dir, { intervalMs: 300 }), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    const saved = (await checkpointRecords(dir)).sort((a, b) => a.checkpointId - b.checkpointId);
    // The final checkpoint is triggered when the input ends, not by the interval.
    const gaps = saved.slice(1).flatMap((record, index) =>
      record.kind === 'periodic' ? [record.triggeredAt - (saved[index] as CheckpointRecord).completedAt] : [],
    );
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    // Counted from completion, the next trigger would come a whole interval (300 ms) later.
    expect(Math.min(...gaps)).toBeLessThan(300);
    expect(store.committedRecords()).toHaveLength(300);
  });

  it('retries a commit that answered retry-later, and keeps it in the checkpoint until it succeeds', async () => {
    const source = new MemorySource({ splits: [records('r', 1000)], maxPerPoll: 10, pollDelayMs: 2 });
    const store = new MemorySinkStore();
    const attempts = new Map<string, number>();
    store.commitHook = (request) => {
      const id = request.committable.transactionId;
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      return id === '0-1' && request.attempt < 2 ? { kind: 'retry-later', reason: 'simulated outage' } : undefined;
    };
    await runPipeline({
      components: components(config(dir), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    expect(attempts.get('0-1')).toBe(3);
    const records2 = (await checkpointRecords(dir)).find((record) => record.checkpointId === 2);
    expect(records2?.sinks.out?.committables.some((c) => c.checkpointId === 1 && c.attempts === 1)).toBe(true);
    expect(store.committedRecords()).toHaveLength(1000);
    expect(new Set(ids(store.committedRecords())).size).toBe(1000);
  });

  it('settles commits that answered retry-later at the final checkpoint before the run reports finished', async () => {
    const source = new MemorySource({ splits: [records('r', 300)], maxPerPoll: 10, pollDelayMs: 1 });
    const store = new MemorySinkStore();
    let attempts = 0;
    store.commitHook = (request) => {
      attempts += 1;
      return request.attempt < 2 ? { kind: 'retry-later', reason: 'simulated outage' } : undefined;
    };
    // Checkpointing disabled: the final checkpoint is the only one, so no later checkpoint would retry its commit.
    await runPipeline({
      components: components(config(dir, { intervalMs: 0 }), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    expect(attempts).toBe(3);
    expect(store.committedRecords()).toHaveLength(300);
  });

  it('restarts from the savepoint it was started from while no checkpoint completed since, not from an older run\'s latest', async () => {
    const first = new MemorySinkStore();
    await runPipeline({
      components: components(config(dir), [new MemorySource({ splits: [records('r', 600)], maxPerPoll: 10, pollDelayMs: 2 })], first),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    // A savepoint from early in that run: the records committed up to it, and the rest to be processed again.
    const early = (await checkpointRecords(dir)).find((record) => record.checkpointId === 2);
    if (early === undefined) throw new Error('the first run completed no checkpoint 2');
    const checkpointStore = new LocalCheckpointStore(dir, 100);
    await checkpointStore.open();
    await checkpointStore.saveSavepoint('early', early);
    await checkpointStore.close();
    const upToSavepoint = first.committed.filter((entry) => entry.checkpointId <= 2).flatMap((entry) => entry.records);

    const second = new MemorySinkStore();
    let failed = false;
    second.prepareHook = async () => {
      if (!failed) {
        failed = true;
        throw new Error('simulated failure before the first checkpoint of the resumed run');
      }
    };
    const metrics = new PipelineMetrics();
    await runPipeline({
      components: components(config(dir), [new MemorySource({ splits: [records('r', 600)], maxPerPoll: 10, pollDelayMs: 2 })], second),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
      fromSavepoint: 'early',
    });
    expect(metrics.restarts).toBe(1);
    // Restored from the savepoint again: everything after it is processed by this run, exactly once.
    expect(new Set([...ids(upToSavepoint), ...ids(second.committedRecords())]).size).toBe(600);
    expect(second.committedRecords()).toHaveLength(600 - upToSavepoint.length);
  });

  it('recovers after a failure: restored commits first, ids keep increasing, every record exactly once', async () => {
    const source = new MemorySource({ splits: [records('r', 1500)], maxPerPoll: 10, pollDelayMs: 2 });
    const store = new MemorySinkStore();
    let failed = false;
    store.prepareHook = async (checkpointId) => {
      if (checkpointId === 4 && !failed) {
        failed = true;
        throw new Error('simulated crash during pre-commit');
      }
    };
    const metrics = new PipelineMetrics();
    await runPipeline({
      components: components(config(dir), [source], store),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    expect(metrics.restarts).toBe(1);
    const checkpointIds = (await checkpointRecords(dir)).map((record) => record.checkpointId);
    expect(checkpointIds).not.toContain(4);
    expect([...checkpointIds].sort((a, b) => a - b)).toEqual(checkpointIds);
    expect(Math.max(...checkpointIds)).toBeGreaterThan(4);
    expect(store.committedRecords()).toHaveLength(1500);
    expect(new Set(ids(store.committedRecords())).size).toBe(1500);
    expect(store.prepared.size).toBe(0);
  });

  it('never reuses a checkpoint id across a restart of the process', async () => {
    const store = new MemorySinkStore();
    const run = () =>
      runPipeline({
        components: components(config(dir), [new MemorySource({ splits: [records('r', 50)], maxPerPoll: 5, pollDelayMs: 2 })], store),
        store: new LocalCheckpointStore(dir, 100),
        log,
        metrics: new PipelineMetrics(),
        stopRequested: new Promise(() => undefined),
      });
    const first = await run();
    const second = await run();
    expect(first.checkpointId).toBeDefined();
    expect(second.checkpointId).toBeGreaterThan(first.checkpointId ?? Infinity);
    // The second run resumed at the end: nothing was committed twice.
    expect(store.committedRecords()).toHaveLength(50);
  });

  it.each(['skip', 'dead-letter'] as const)('applies the %s policy to records a transform refuses', async (policy) => {
    const source = new MemorySource({ splits: [records('r', 500), records('q', 500)], maxPerPoll: 20, pollDelayMs: 1 });
    const out = new MemorySinkStore();
    const dlq = new MemorySinkStore();
    const cfg = { ...config(dir), parallelism: 2, errors: policy === 'skip' ? { policy } : { policy, sink: 'dlq' } };
    const refuse = (record: LockstepRecord): LockstepRecord[] => {
      if (Number((record.value as { id: string }).id.split('-')[1]) % 7 === 0) {
        throw new RecordError('multiple of seven', record, { code: 'LS_RECORD_INVALID' });
      }
      return [record];
    };
    await runPipeline({
      components: () => ({
        config: cfg,
        sources: [{ config: { id: 'in', type: 'memory' }, source, parallelism: 2 }],
        transforms: [{ config: { id: 'picky', type: 'test' }, factory: () => ({ process: refuse }) }],
        sinks: [
          { config: { id: 'out', type: 'memory' }, sink: new MemorySink(out), parallelism: 2 },
          ...(policy === 'dead-letter' ? [{ config: { id: 'dlq', type: 'memory' }, sink: new MemorySink(dlq), parallelism: 1 }] : []),
        ],
        deadLetterSinkId: policy === 'dead-letter' ? 'dlq' : undefined,
      }),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    const bad = 2 * Math.ceil(500 / 7);
    expect(ids(out.committedRecords())).toHaveLength(1000 - bad);
    expect(new Set(ids(out.committedRecords())).size).toBe(1000 - bad);
    if (policy === 'skip') {
      expect(dlq.committedRecords()).toHaveLength(0);
      return;
    }
    const letters = dlq.committedRecords().map((record) => record.value as { error: { code: string; component: string }; value: { id: string } });
    expect(letters).toHaveLength(bad);
    expect(new Set(letters.map((letter) => letter.value.id)).size).toBe(bad);
    expect(letters.every((letter) => letter.error.code === 'LS_RECORD_INVALID' && letter.error.component === 'picky')).toBe(true);
  });

  it('fails without restarting when the fail policy meets a bad record, naming the record', async () => {
    const source = new MemorySource({ splits: [[{ value: { id: 'ok-1' } }, { value: { id: 'bad-2' }, origin: 'memory:2' }]] });
    const out = new MemorySinkStore();
    const metrics = new PipelineMetrics();
    const run = runPipeline({
      components: () => ({
        ...components(config(dir), [source], out)(),
        transforms: [
          {
            config: { id: 'picky', type: 'test' },
            factory: () => ({
              process: (record: LockstepRecord) => {
                if ((record.value as { id: string }).id.startsWith('bad')) throw new RecordError('refused', record, { code: 'LS_RECORD_INVALID' });
                return [record];
              },
            }),
          },
        ],
      }),
      store: new LocalCheckpointStore(dir, 100),
      log,
      metrics,
      stopRequested: new Promise(() => undefined),
    });
    await expect(run).rejects.toThrow(/memory:2 refused by picky/);
    expect(metrics.restarts).toBe(0);
    expect(out.committedRecords()).toHaveLength(0);
  });
});
