import type { PostgresCdcSplit } from './postgres-cdc-split';
import { PostgresCdcSplitEnumerator } from './postgres-cdc-split-enumerator';

function context(parallelism: number) {
  const assigned: [number, PostgresCdcSplit[]][] = [];
  return { assigned, context: { parallelism, assignSplits: (subtask: number, splits: readonly PostgresCdcSplit[]) => assigned.push([subtask, [...splits]]), signalNoMoreSplits: () => undefined } };
}

describe('postgres-cdc split enumerator', () => {
  it('assigns the one split, named after the slot, to subtask 0 on a fresh start', async () => {
    const { assigned, context: ctx } = context(3);
    const enumerator = new PostgresCdcSplitEnumerator(ctx, 'orders_slot');
    expect(enumerator.snapshotState(1)).toEqual({ assigned: false });
    await enumerator.start();
    expect(assigned).toEqual([[0, [{ splitId: 'orders_slot', progress: { phase: 'new' } }]]]);
    expect(enumerator.snapshotState(2)).toEqual({ assigned: true });
  });

  it('assigns nothing when restored after the split was handed out, and hands back returned splits', async () => {
    const { assigned, context: ctx } = context(1);
    const enumerator = new PostgresCdcSplitEnumerator(ctx, 's', { assigned: true });
    await enumerator.start();
    expect(assigned).toEqual([]);
    const split: PostgresCdcSplit = { splitId: 's', progress: { phase: 'stream', position: { lsn: 5n } } };
    enumerator.addSplitsBack([split], 0);
    expect(assigned).toEqual([[0, [split]]]);
  });
});
