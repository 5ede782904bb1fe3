import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { InitContext } from '../api/init-context';
import type { LockstepRecord } from '../api/record';
import type { SourceReader } from '../api/source-reader';
import { LocalCheckpointStore } from '../checkpoint/local-checkpoint-store';
import { RecordError } from '../errors';
import { memoryPipeline, MemorySinkStore, MemorySource, type MemorySplit } from './memory';
import { PipelineMetrics } from './pipeline-metrics';
import { runPipeline } from './pipeline-runner';

/** A source whose reader refuses one record it cannot decode (already past it), like a Kafka value that is not JSON. */
class BadRecordSource extends MemorySource {
  override createReader(init: InitContext): SourceReader<MemorySplit> {
    const inner = super.createReader(init);
    let thrown = false;
    return {
      ...inner,
      start: () => inner.start(),
      addSplits: (splits) => inner.addSplits(splits),
      notifyNoMoreSplits: () => inner.notifyNoMoreSplits(),
      isAvailable: () => inner.isAvailable(),
      snapshotState: (id) => inner.snapshotState(id),
      close: () => inner.close(),
      pollNext: async (max) => {
        if (!thrown) {
          thrown = true;
          throw new RecordError('not JSON', { value: 'x{', origin: 'in/0@0' }, { code: 'LS_RECORD_INVALID' });
        }
        return inner.pollNext(max);
      },
    };
  }
}

describe('a record error thrown by a source reader', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-reader-error-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true, maxRetries: 5 }));

  const run = (policy: 'skip' | 'fail', store: MemorySinkStore) =>
    runPipeline({
      components: memoryPipeline({ name: 'bad-record', storage: dir, source: new BadRecordSource({ splits: [records()] }), sink: store, errors: { policy } }),
      store: new LocalCheckpointStore(dir, 10),
      log: pino({ level: 'silent' }),
      metrics: new PipelineMetrics(),
      stopRequested: new Promise(() => undefined),
    });
  const records = (): LockstepRecord[] => Array.from({ length: 20 }, (_, n) => ({ value: { id: `r-${n}` } }));

  it('goes through the error policy: skip drops it and reads on', async () => {
    const store = new MemorySinkStore();
    expect((await run('skip', store)).status).toBe('finished');
    expect(store.committedRecords()).toHaveLength(20);
  });

  it('fails the pipeline under the fail policy, naming the record', async () => {
    await expect(run('fail', new MemorySinkStore())).rejects.toThrow(/not JSON/);
  });
});
