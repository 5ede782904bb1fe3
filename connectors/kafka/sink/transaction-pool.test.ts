import type { TransactionHandle } from '../internals';
import { TransactionPool, TransactionRegistry } from './transaction-pool';

const handle = (n: number, epoch: number, subtask = 0): TransactionHandle => ({ transactionalId: `p-${subtask}-${n}`, producerId: '7', producerEpoch: epoch });

/**
 * Drives one subtask's pool through checkpoints as the engine does: pre-commit at the barrier, commit after the record;
 * with `spare`, as the writer does, with the next transaction opened one checkpoint ahead.
 */
function cycle(registry: TransactionRegistry, pool: TransactionPool, checkpoints: number, spare = false): string[] {
  const ids: string[] = [];
  let pending: { handle: TransactionHandle; checkpointId: number }[] = [];
  let open = pool.take();
  let next = spare ? pool.take() : undefined;
  const epochs = new Map<number, number>();
  for (let checkpointId = 1; checkpointId <= checkpoints; checkpointId += 1) {
    const epoch = (epochs.get(open) ?? 0) + 1;
    epochs.set(open, epoch);
    const h = handle(open, epoch);
    ids.push(h.transactionalId);
    pool.preCommitted(h);
    registry.preCommitted(h);
    if (next === undefined) open = pool.take();
    else [open, next] = [next, pool.take()];
    // record saved with what is pending plus this checkpoint's committable, then one commit call with exactly those
    pending = [...pending, { handle: h, checkpointId }];
    registry.commitCall(pending, pending.map((request) => request.handle));
    pending = [];
  }
  return ids;
}

describe('TransactionPool and TransactionRegistry', () => {
  it('reuse three ids in the steady state: one open, one pre-committed, one committed but still in the newest record', () => {
    const registry = new TransactionRegistry('p');
    const pool = new TransactionPool('p', 0, 0, 0);
    registry.register(0, pool);
    const ids = cycle(registry, pool, 8);
    expect(new Set(ids)).toEqual(new Set(['p-0-0', 'p-0-1', 'p-0-2']));
    expect(pool.size).toBe(3);
  });

  it('reuse four ids with a spare opened ahead: two open, one pre-committed, one committed but still in the newest record', () => {
    const registry = new TransactionRegistry('p');
    const pool = new TransactionPool('p', 0, 0, 0);
    registry.register(0, pool);
    const ids = cycle(registry, pool, 12, true);
    expect(new Set(ids)).toEqual(new Set(['p-0-0', 'p-0-1', 'p-0-2', 'p-0-3']));
    expect(pool.size).toBe(4);
    // the two open ids are never handed out again while open
    const taken = [pool.take(), pool.take()];
    expect(new Set(taken).size).toBe(2);
  });

  it('keeps an id busy while a commit call still lists its transaction, and frees it after a later record without it', () => {
    const registry = new TransactionRegistry('p');
    const pool = new TransactionPool('p', 0, 0, 0);
    registry.register(0, pool);
    expect(pool.take()).toBe(0);
    pool.preCommitted(handle(0, 1));
    expect(pool.take()).toBe(1);
    // committed in the call of checkpoint 1
    registry.commitCall([{ handle: handle(0, 1), checkpointId: 1 }], [handle(0, 1)]);
    expect(pool.busyHandles()).toEqual([handle(0, 1)]);
    // a retry of the same record's pending ones (no newer checkpoint) does not free it
    registry.commitCall([{ handle: handle(5, 1), checkpointId: 1 }], []);
    expect(pool.busyHandles()).toEqual([handle(0, 1)]);
    // checkpoint 2's record lists it again (its commit overlapped the record): still busy
    registry.commitCall([{ handle: handle(0, 1), checkpointId: 1 }, { handle: handle(1, 1), checkpointId: 2 }], [handle(0, 1), handle(1, 1)]);
    expect(pool.busyHandles()).toEqual([handle(0, 1)]);
    pool.preCommitted(handle(1, 1));
    expect(pool.take()).toBe(2);
    // checkpoint 3's record lists neither: both free
    registry.commitCall([{ handle: handle(2, 1), checkpointId: 3 }], []);
    expect(pool.busyHandles()).toEqual([]);
    expect(pool.take()).toBe(0);
  });

  it('frees an id only for the very transaction that holds it, and a retried commit never frees it', () => {
    const registry = new TransactionRegistry('p');
    const pool = new TransactionPool('p', 0, 0, 0);
    registry.register(0, pool);
    pool.take();
    pool.preCommitted(handle(0, 3));
    registry.commitCall([{ handle: handle(0, 2), checkpointId: 1 }], [handle(0, 2)]);
    registry.commitCall([{ handle: handle(1, 1), checkpointId: 2 }], []);
    expect(pool.busyHandles()).toEqual([handle(0, 3)]);
    registry.commitCall([{ handle: handle(0, 3), checkpointId: 3 }], []);
    registry.commitCall([{ handle: handle(1, 1), checkpointId: 4 }], []);
    expect(pool.busyHandles()).toEqual([handle(0, 3)]);
  });

  it('a pool restored from a state written before pooling starts at its next transaction and grows from there', () => {
    const pool = new TransactionPool('p', 2, 5, 0);
    expect(pool.take()).toBe(5);
    expect(pool.idOf(5)).toBe('p-2-5');
    expect(pool.numberOf('p-2-4')).toBeUndefined();
    pool.cover(7);
    expect(pool.numbers()).toEqual([5, 6, 7]);
    expect(pool.numberOf('p-1-6')).toBeUndefined();
  });

  it('fresh handles are taken once', () => {
    const registry = new TransactionRegistry('p');
    registry.preCommitted(handle(0, 1));
    expect(registry.takeFresh(handle(0, 2))).toBe(false);
    expect(registry.takeFresh(handle(0, 1))).toBe(true);
    expect(registry.takeFresh(handle(0, 1))).toBe(false);
  });
});
