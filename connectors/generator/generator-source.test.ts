import type { PollResult } from '../../core/sdk';
import { configSchemaCheck, testInitContext, testPluginContext, validatedConfig } from '../../core/testing';
import type { GeneratorValue } from './generator-record';
import { GeneratorSource } from './generator-source';
import { generatorSourcePlugin } from './generator-source-plugin';
import { initialGeneratorSplit, type GeneratorSplit } from './generator-split';
import { GeneratorSplitEnumerator } from './generator-split-enumerator';

const generator = (options: object) => validatedConfig(generatorSourcePlugin, options);

const seqs = (result: PollResult): number[] =>
  result.status === 'records' ? result.records.map((record) => (record.value as GeneratorValue).seq) : [];

function readerOf(source: GeneratorSource, splits: GeneratorSplit[], subtask = 0, parallelism = 1) {
  const reader = source.createReader(testInitContext({ subtask, parallelism }));
  reader.addSplits(splits);
  reader.notifyNoMoreSplits();
  return reader;
}

describe('generator source', () => {
  it('emits seq i, i+P, i+2P … below count on stripe i of P, then ends', async () => {
    const reader = readerOf(new GeneratorSource(generator({ count: 10 })), [initialGeneratorSplit(1, 3)]);
    const first = await reader.pollNext(100);
    expect(seqs(first)).toEqual([1, 4, 7]);
    expect(first.status === 'records' && first.records[0]).toEqual({ value: { seq: 1 }, origin: 'generator:seq=1' });
    expect(await reader.pollNext(100)).toEqual({ status: 'end-of-input' });
  });

  it('resumes from a snapshot with the same records it would have emitted', async () => {
    const source = new GeneratorSource(generator({ count: 40, payloadBytes: 5 }));
    const reader = readerOf(source, [initialGeneratorSplit(0, 2)]);
    await reader.pollNext(4);
    const snapshot = reader.snapshotState(1);
    const rest = await reader.pollNext(100);
    const restored = readerOf(source, snapshot);
    const replay = await restored.pollNext(100);
    expect(replay).toEqual(rest);
    expect(seqs(replay)).toEqual([8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38]);
    expect(replay.status === 'records' && replay.records[0]?.value).toEqual({ seq: 8, payload: 'xxxxx' });
  });

  it('keeps emitting without count and says it is unbounded', async () => {
    const source = new GeneratorSource(generator({}));
    expect(source.bounded).toBe(false);
    const reader = readerOf(source, [initialGeneratorSplit(0, 1)]);
    for (let i = 0; i < 5; i += 1) await reader.pollNext(1000);
    expect(seqs(await reader.pollNext(3))).toEqual([5000, 5001, 5002]);
  });

  it('has nothing to read until splits arrive, and is woken by them', async () => {
    const reader = new GeneratorSource(generator({ count: 3 })).createReader(testInitContext());
    expect(await reader.pollNext(10)).toEqual({ status: 'nothing-available' });
    const available = reader.isAvailable();
    reader.addSplits([initialGeneratorSplit(0, 1)]);
    await available;
    expect(seqs(await reader.pollNext(10))).toEqual([0, 1, 2]);
    expect(await reader.pollNext(10)).toEqual({ status: 'nothing-available' });
    reader.notifyNoMoreSplits();
    expect(await reader.pollNext(10)).toEqual({ status: 'end-of-input' });
  });

  it('throttles each reader to its share of ratePerSecond', async () => {
    const source = new GeneratorSource(generator({ ratePerSecond: 200 }));
    const reader = readerOf(source, [initialGeneratorSplit(0, 2)], 0, 2);
    const started = Date.now();
    let read = 0;
    while (read < 15) {
      const result = await reader.pollNext(100);
      if (result.status === 'nothing-available') await reader.isAvailable();
      read += seqs(result).length;
    }
    // 100 records/s for this reader: 15 records take at least 140 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await reader.close();
  });

  it('enumerates one stripe per subtask and restores only what it had not assigned', async () => {
    const assigned: Array<[number, string[]]> = [];
    const ended: number[] = [];
    const context = {
      parallelism: 3,
      assignSplits: (subtask: number, splits: readonly GeneratorSplit[]) =>
        assigned.push([subtask, splits.map((split) => split.splitId)]),
      signalNoMoreSplits: (subtask: number) => ended.push(subtask),
    };
    const log = testInitContext().log;
    const enumerator = new GeneratorSplitEnumerator(context, log);
    expect(enumerator.snapshotState(0).unassigned).toHaveLength(3);
    await enumerator.start();
    expect(assigned).toEqual([
      [0, ['stripe-0-of-3']],
      [1, ['stripe-1-of-3']],
      [2, ['stripe-2-of-3']],
    ]);
    expect(ended).toEqual([0, 1, 2]);
    expect(enumerator.snapshotState(1)).toEqual({ unassigned: [] });
    assigned.length = 0;
    await new GeneratorSplitEnumerator(context, log, { unassigned: [] }).start();
    expect(assigned).toEqual([]);
  });

  it('has a plugin whose schema accepts the documented options and refuses others', () => {
    const check = configSchemaCheck(generatorSourcePlugin.configSchema);
    const full = { id: 'gen', type: 'generator', parallelism: 2, count: 10, ratePerSecond: 0.5, payloadBytes: 64 };
    expect(check(full)).toEqual([]);
    expect(check({ id: 'gen', type: 'generator' })).toEqual([]);
    expect(check({ id: 'gen', type: 'generator', count: -1 })).not.toEqual([]);
    expect(check({ id: 'gen', type: 'generator', ratePerSecond: 0 })).not.toEqual([]);
    expect(check({ id: 'gen', type: 'generator', cout: 10 })).not.toEqual([]);
    const source = generatorSourcePlugin.create(generator({ count: 5 }), testPluginContext({ pipeline: 'p', componentId: 'gen', baseDir: '/' }));
    expect(source.bounded).toBe(true);
  });
});
