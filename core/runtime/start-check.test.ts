import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { CommittingSink, Sink } from '../api/sink';
import type { SinkTrace } from '../api/sink-traces';
import { checkpointFileName, LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { MemorySink, MemorySinkStore, MemorySource, type MemoryCommittable } from './memory';
import type { PipelineComponents } from './create-components';
import type { ExecutionOutcome } from './checkpoint-driver';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline, type RunPipelineOptions } from './pipeline-runner';
import { idRecords, runnerTestConfig } from './fixtures/runner-test-config';

/**
 * The runner's first start with the sinks' traces (start-check.ts): real checkpoint folders, the memory sink as the
 * destination that outlives the runs, files removed as an operator would. The source is slow against the 10 ms
 * checkpoint interval (100 polls, 5 ms apart), so every run completes several checkpoints even on a loaded machine:
 * the fallback tests need one older than the newest.
 */
const RECORDS = 200;

/** The memory sink without the trace ability: it cannot prove what it committed. */
function blindSink(store: MemorySinkStore): Sink {
  const sink = new MemorySink(store);
  const blind: CommittingSink<MemoryCommittable, never> = {
    guarantee: sink.guarantee,
    mechanism: sink.mechanism,
    committableSerializer: sink.committableSerializer,
    createWriter: (init) => sink.createWriter(init),
    createCommitter: () => sink.createCommitter(),
  };
  return blind;
}

/** A sink whose traces carry no checkpoint id (as Kafka's transactional ids): they only tell that a run existed. */
class IdlessTraceSink extends MemorySink {
  override readonly tracesNameCheckpoints = false;
  override async findTraces(): Promise<SinkTrace[]> {
    return this.store.committed.length === 0 ? [] : [{ state: 'committed', description: 'transactional ids known to the brokers' }];
  }
}

describe('the first start and the sinks’ traces', () => {
  let root: string;
  let dir: string;
  let lines: string[];
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lockstep-start-check-'));
    dir = join(root, 'checkpoints');
    lines = [];
  });
  afterEach(() => rm(root, { recursive: true, force: true, maxRetries: 5 }));

  const log = (): pino.Logger =>
    pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(String(chunk)), done()) }));

  function components(sinks: Record<string, Sink>): () => PipelineComponents {
    const config = runnerTestConfig('traces', { intervalMs: 10, storage: dir });
    const records = idRecords(RECORDS);
    return () => ({
      config,
      sources: [{ config: { id: 's', type: 'memory' }, source: new MemorySource({ splits: [records], maxPerPoll: 2, pollDelayMs: 5 }), parallelism: 1 }],
      transforms: [],
      sinks: Object.entries(sinks).map(([id, sink]) => ({ config: { id, type: 'memory' }, sink, parallelism: 1 })),
      deadLetterSinkId: undefined,
    });
  }

  function run(sinks: Record<string, Sink>, extra: Partial<RunPipelineOptions> = {}): Promise<ExecutionOutcome> {
    return runPipeline({
      components: components(sinks),
      store: new LocalCheckpointStore(dir, 100),
      log: log(),
      metrics: new PipelineMetrics(),
      stopRequested: new Promise<void>(() => undefined),
      ...extra,
    });
  }

  const committedIds = (out: MemorySinkStore): string[] => out.committedRecords().map((record) => (record.value as { id: string }).id);
  const checkpointIds = async (): Promise<number[]> =>
    (await readdir(dir)).flatMap((name) => /^chk-(\d+)\.json$/.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);

  /** Removes the newest checkpoint records down to (and including) the one holding the sink's newest commit. */
  async function removeCheckpointsFrom(checkpointId: number): Promise<number[]> {
    const removed = (await checkpointIds()).filter((id) => id >= checkpointId);
    for (const id of removed) await rm(join(dir, checkpointFileName(id)));
    return removed;
  }

  it('refuses a fresh start over committed output when the checkpoint folder is gone; --reset cleans and ids go past it', async () => {
    const out = new MemorySinkStore();
    expect((await run({ out: new MemorySink(out) })).status).toBe('finished');
    const newest = Math.max(...out.committed.map((entry) => entry.checkpointId));
    await rm(dir, { recursive: true });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const refused = run({ out: new MemorySink(out) });
      await expect(refused).rejects.toMatchObject({ code: 'LS_PIPELINE_FAILED', cause: { code: 'LS_CHECKPOINT_SINK_TRACES' } });
      await expect(refused).rejects.toThrow(`sink 'out' holds traces of an earlier run: ${out.committed.length} committed transactions (newest of checkpoint ${newest})`);
      expect(committedIds(out)).toHaveLength(RECORDS);
    }
    out.prepared.set('0-999', []);
    expect((await run({ out: new MemorySink(out) }, { reset: true })).status).toBe('finished');
    expect(lines.join('')).toContain("RESET: sink 'out': dropped 1 prepared transactions");
    expect(Math.min(...out.committed.slice(-1).map((entry) => entry.checkpointId))).toBeGreaterThan(newest);
    expect(committedIds(out)).toHaveLength(2 * RECORDS);
    // After the reset, a plain start goes on (what the reset abandoned is accounted for).
    expect((await run({ out: new MemorySink(out) })).status).toBe('finished');
  }, 30_000);

  it('refuses when the checkpoint files are gone but the id counter is kept', async () => {
    const out = new MemorySinkStore();
    await run({ out: new MemorySink(out) });
    await removeCheckpointsFrom(0);
    const refused = run({ out: new MemorySink(out) });
    await expect(refused).rejects.toMatchObject({ cause: { code: 'LS_CHECKPOINT_MISSING' } });
    await expect(refused).rejects.toThrow(/holds no checkpoint: checkpoint files were removed, but sink 'out' holds commits of checkpoints: /);
    expect(committedIds(out)).toHaveLength(RECORDS);
  }, 30_000);

  it('falls back past a removed newest checkpoint only when the sink proves nothing of it was committed', async () => {
    const out = new MemorySinkStore();
    await run({ out: new MemorySink(out) });
    const newest = Math.max(...out.committed.map((entry) => entry.checkpointId));
    await removeCheckpointsFrom(newest);
    const older = Math.max(...(await checkpointIds()));
    await expect(run({ out: new MemorySink(out) })).rejects.toMatchObject({ cause: { code: 'LS_CHECKPOINT_MISSING' } });
    // As if the process died between the record and its commit: the commit is still a prepared transaction.
    const uncommitted = out.committed.filter((entry) => entry.checkpointId > older);
    out.committed.splice(out.committed.length - uncommitted.length);
    for (const entry of uncommitted) out.prepared.set(entry.transactionId, entry.records);
    expect((await run({ out: new MemorySink(out) })).status).toBe('finished');
    expect(lines.join('')).toContain(`so lockstep goes on from checkpoint ${older}`);
    const ids = committedIds(out);
    expect(new Set(ids).size).toBe(RECORDS);
    expect(ids).toHaveLength(RECORDS);
  }, 30_000);

  it('starts deliberately from a retained checkpoint file after a refusal, saying what gets written again', async () => {
    const out = new MemorySinkStore();
    await run({ out: new MemorySink(out) });
    const newest = Math.max(...out.committed.map((entry) => entry.checkpointId));
    await removeCheckpointsFrom(newest);
    const older = Math.max(...(await checkpointIds()));
    await expect(run({ out: new MemorySink(out) })).rejects.toThrow(/--from-checkpoint/);
    const outcome = await run({ out: new MemorySink(out) }, { fromCheckpoint: join(dir, checkpointFileName(older)) });
    expect(outcome.status).toBe('finished');
    expect(outcome.checkpointId).toBeGreaterThan(newest);
    expect(lines.join('')).toContain(`starting deliberately from checkpoint ${join(dir, checkpointFileName(older))} (checkpoint ${older})`);
  }, 30_000);

  it('refuses the fallback when a sink cannot prove what it committed', async () => {
    const out = new MemorySinkStore();
    const other = new MemorySinkStore();
    await run({ out: new MemorySink(out), blind: blindSink(other) });
    const newest = Math.max(...out.committed.map((entry) => entry.checkpointId));
    await removeCheckpointsFrom(newest);
    const older = Math.max(...(await checkpointIds()));
    const uncommitted = out.committed.filter((entry) => entry.checkpointId > older);
    out.committed.splice(out.committed.length - uncommitted.length);
    const refused = run({ out: new MemorySink(out), blind: blindSink(other) });
    await expect(refused).rejects.toMatchObject({ cause: { code: 'LS_CHECKPOINT_MISSING' } });
    await expect(refused).rejects.toThrow(`sink 'blind' cannot prove that nothing of checkpoint`);
  }, 30_000);

  it('asks sinks whose traces carry no checkpoint id only when the store knows nothing of the pipeline', async () => {
    const out = new MemorySinkStore();
    const idless = (): IdlessTraceSink => new IdlessTraceSink(out);
    await run({ k: idless() });
    await rm(dir, { recursive: true });
    await expect(run({ k: idless() })).rejects.toThrow("sink 'k' holds traces of an earlier run: transactional ids known to the brokers");
    // A store that was started before but completed no checkpoint (a crash before the first one): not asked.
    const store = new LocalCheckpointStore(dir, 100);
    await store.open();
    await store.advanceCheckpointIds(0);
    await store.close();
    expect((await run({ k: idless() })).status).toBe('finished');
  }, 30_000);
});

