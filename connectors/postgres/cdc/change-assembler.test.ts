import { ChangeAssembler, type ChangeItem } from './change-assembler';
import type { PgoutputMessage, RelationMessage } from './pgoutput-messages';
import type { StreamPosition } from './postgres-cdc-split';

const RELATION: RelationMessage = {
  tag: 'relation',
  relationOid: 5,
  schema: 'public',
  table: 'orders',
  replicaIdentity: 'd',
  columns: [
    { isKey: true, name: 'id', typeOid: 23, typeModifier: -1 },
    { isKey: false, name: 'note', typeOid: 25, typeModifier: -1 },
  ],
};
const text = (value: string) => ({ kind: 'text' as const, text: value });

/** Begin, `count` inserts (ids from `firstId`) and Commit of a transaction committing at `commitLsn`. */
function transaction(commitLsn: bigint, xid: number, firstId: number, count: number): PgoutputMessage[] {
  const inserts: PgoutputMessage[] = Array.from({ length: count }, (_, i) => ({ tag: 'insert', relationOid: 5, newTuple: [text(String(firstId + i)), text('n')] }));
  return [
    { tag: 'begin', finalLsn: commitLsn, commitTime: 1_700_000_000_000, xid },
    ...inserts,
    { tag: 'commit', flags: 0, commitLsn, endLsn: commitLsn + 8n, commitTime: 1_700_000_000_000 },
  ];
}

function feed(start: StreamPosition, messages: readonly PgoutputMessage[]): ChangeItem[] {
  const assembler = new ChangeAssembler(start);
  assembler.relation(RELATION, ['id']);
  return messages.flatMap((message, i) => assembler.accept(message, 0x1000n + BigInt(i)));
}

const ids = (items: readonly ChangeItem[]): unknown[] => items.flatMap((item) => (item.record === undefined ? [] : [item.record.key]));

describe('change assembler', () => {
  it('emits records with the position after each: inside a transaction by count, after it at the commit end', () => {
    const items = feed({ lsn: 0x10n }, [...transaction(0x100n, 7, 1, 2), ...transaction(0x200n, 8, 3, 1)]);
    expect(items.map((item) => item.position)).toEqual([
      { lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 1 } },
      { lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 2 } },
      { lsn: 0x108n },
      { lsn: 0x108n, partial: { commitLsn: 0x200n, emitted: 1 } },
      { lsn: 0x208n },
    ]);
    expect(items[0]!.record).toEqual({
      key: { id: 1 },
      value: {
        op: 'insert',
        schema: 'public',
        table: 'orders',
        before: null,
        after: { id: 1, note: 'n' },
        lsn: '0/1001',
        commitLsn: '0/100',
        xid: 7,
        commitTime: new Date(1_700_000_000_000).toISOString(),
      },
      timestamp: 1_700_000_000_000,
      origin: 'public.orders@0/100#0',
    });
  });

  it('skips the events of a transaction a restored checkpoint already emitted', () => {
    const items = feed({ lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 2 } }, [...transaction(0x100n, 7, 1, 3), ...transaction(0x200n, 8, 4, 1)]);
    expect(ids(items)).toEqual([{ id: 3 }, { id: 4 }]);
  });

  it('fails when the slot resumes in another transaction than the checkpoint', () => {
    expect(() => feed({ lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 1 } }, transaction(0x180n, 7, 1, 2))).toThrow(
      expect.objectContaining({ code: 'LS_POSTGRES_CDC_POSITION_LOST' }),
    );
    expect(() => feed({ lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 5 } }, transaction(0x100n, 7, 1, 2))).toThrow(
      expect.objectContaining({ code: 'LS_POSTGRES_CDC_POSITION_LOST' }),
    );
  });

  it('moves the position to a keepalive only between transactions and only forward', () => {
    const assembler = new ChangeAssembler({ lsn: 0x10n });
    assembler.relation(RELATION, ['id']);
    expect(assembler.keepalive(0x50n)).toEqual([{ position: { lsn: 0x50n } }]);
    expect(assembler.keepalive(0x40n)).toEqual([]);
    const [begin, insert] = transaction(0x100n, 7, 1, 1);
    assembler.accept(begin!, 0x60n);
    expect(assembler.keepalive(0x300n)).toEqual([]);
    assembler.accept(insert!, 0x61n);
    expect(assembler.keepalive(0x300n)).toEqual([]);
    const restored = new ChangeAssembler({ lsn: 0x10n, partial: { commitLsn: 0x100n, emitted: 1 } });
    expect(restored.keepalive(0x300n)).toEqual([]);
  });

  it('keys deletes by the old key and keeps only key columns of an old key tuple', () => {
    const items = feed({ lsn: 0n }, [
      { tag: 'begin', finalLsn: 0x100n, commitTime: 0, xid: 1 },
      { tag: 'delete', relationOid: 5, oldKind: 'key', oldTuple: [text('9'), { kind: 'null' }] },
      { tag: 'update', relationOid: 5, newTuple: [text('3'), { kind: 'unchanged-toast' }] },
      { tag: 'truncate', cascade: false, restartIdentity: false, relationOids: [5] },
      { tag: 'commit', flags: 0, commitLsn: 0x100n, endLsn: 0x108n, commitTime: 0 },
    ]);
    expect(items.map((item) => [item.record?.key, item.record?.value])).toEqual([
      [{ id: 9 }, expect.objectContaining({ op: 'delete', before: { id: 9 }, after: null })],
      [{ id: 3 }, expect.objectContaining({ op: 'update', before: null, after: { id: 3 } })],
      [null, expect.objectContaining({ op: 'truncate', before: null, after: null })],
      [undefined, undefined],
    ]);
  });

  it('emits the old key\'s delete before an update that changes the key, both at the position after the update', () => {
    const items = feed({ lsn: 0n }, [
      { tag: 'begin', finalLsn: 0x100n, commitTime: 0, xid: 1 },
      { tag: 'update', relationOid: 5, oldKind: 'key', oldTuple: [text('1'), { kind: 'null' }], newTuple: [text('2'), text('n')] },
      { tag: 'commit', flags: 0, commitLsn: 0x100n, endLsn: 0x108n, commitTime: 0 },
    ]);
    const after = { lsn: 0n, partial: { commitLsn: 0x100n, emitted: 1 } };
    expect(items.map((item) => [item.record?.key, (item.record?.value as { op?: string } | undefined)?.op, item.position, item.joined])).toEqual([
      [{ id: 1 }, 'delete', after, undefined],
      [{ id: 2 }, 'update', after, true],
      [undefined, undefined, { lsn: 0x108n }, undefined],
    ]);
    expect(items[0]!.record!.value).toMatchObject({ before: { id: 1 }, after: null });
  });

  it('converts values by the base types it is given (domains resolved)', () => {
    const assembler = new ChangeAssembler({ lsn: 0n });
    assembler.relation({ ...RELATION, columns: [{ ...RELATION.columns[0]!, typeOid: 99_999 }, RELATION.columns[1]!] }, ['id'], [23, 25]);
    const items = [
      { tag: 'begin', finalLsn: 0x100n, commitTime: 0, xid: 1 } as const,
      { tag: 'insert', relationOid: 5, newTuple: [text('7'), text('n')] } as const,
    ].flatMap((message) => assembler.accept(message, 1n));
    expect(items[0]!.record!.key).toEqual({ id: 7 });
  });

  it('refuses changes outside a transaction or of an unknown relation', () => {
    expect(() => feed({ lsn: 0n }, [{ tag: 'insert', relationOid: 5, newTuple: [text('1'), text('n')] }])).toThrow(/outside a transaction/);
    expect(() => feed({ lsn: 0n }, [{ tag: 'begin', finalLsn: 1n, commitTime: 0, xid: 1 }, { tag: 'insert', relationOid: 6, newTuple: [] }])).toThrow(
      /relation 6 before its Relation message/,
    );
  });
});
