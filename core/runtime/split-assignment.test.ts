import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { LockstepRecord } from '../api/record';
import type { SplitEnumerator, SplitEnumeratorContext } from '../api/split-enumerator';
import type { CheckpointRecord } from '../checkpoint/checkpoint-record';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { memoryPipeline, MemorySinkStore, MemorySource, type MemorySplit } from './memory';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';

/**
 * A source whose enumerator discovers a second split while the first checkpoint is in flight (its snapshot is taken,
 * barriers not yet aligned), as Kafka partition discovery may.
 */
class DiscoveringSource extends MemorySource {
  override createEnumerator(context: SplitEnumeratorContext<MemorySplit>): SplitEnumerator<MemorySplit, null> {
    let discovered = false;
    return {
      start: async () => context.assignSplits(0, [{ splitId: 'memory-0', position: 0 }]),
      addSplitsBack: () => undefined,
      snapshotState: () => {
        if (!discovered) {
          discovered = true;
          // Right after the snapshot that does not know it: the assignment must wait for the checkpoint to end.
          queueMicrotask(() => {
            context.assignSplits(0, [{ splitId: 'memory-1', position: 0 }]);
            context.signalNoMoreSplits(0);
          });
        }
        return null;
      },
      close: async () => undefined,
    };
  }
}

const records = (prefix: string, count: number): LockstepRecord[] =>
  Array.from({ length: count }, (_, n) => ({ value: { id: `${prefix}-${n}` } }));

describe('split assignment during a checkpoint', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-assign-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('is delivered after the checkpoint ends, so no checkpoint holds a split its enumerator snapshot does not', async () => {
    const store = new MemorySinkStore();
    const source = new DiscoveringSource({ splits: [records('a', 300), records('b', 300)], pollDelayMs: 1, maxPerPoll: 10 });
    const outcome = await runPipeline({
      components: memoryPipeline({ name: 'assign', storage: dir, source, sink: store }),
      store: new LocalCheckpointStore(dir, 100),
      log: pino({ level: 'silent' }),
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
    expect(outcome.status).toBe('finished');
    const first = (await readdir(dir)).filter((name) => name.startsWith('chk-')).sort()[0] as string;
    const record = JSON.parse(await readFile(join(dir, first), 'utf8')) as CheckpointRecord;
    const splitIds = Object.values(record.sources.s?.splits ?? {})
      .flat()
      .map((split) => (split.data as MemorySplit).splitId);
    expect(splitIds).toEqual(['memory-0']);
    const committed = store.committedRecords().map((entry) => (entry.value as { id: string }).id);
    expect(committed).toHaveLength(600);
    expect(new Set(committed).size).toBe(600);
  });
});
