import type { Client } from 'pg';
import pino from 'pino';
import type { ChangeItem } from './change-assembler';
import type { PublishedTable } from './cdc-catalog';
import type { LogicalMessage } from './pgoutput-messages';
import { SnapshotChunker, WATERMARK_PREFIX } from './snapshot-chunker';
import { TypeCatalog } from './value-model';

const TABLE: PublishedTable = { schema: 'public', table: 'orders', keyColumns: ['id'], columns: ['id', 'v'] };

/**
 * A stand-in for the catalog connection that answers the chunker's statements: watermark messages are recorded, the
 * upper-bound query returns `upper` (or no row: the table's last chunk), the chunk query returns `rows` (ids and
 * values as Postgres prints them), the key column has type `keyOid`. The watermarks' passage through the WAL is what
 * the integration tests check against a real server; here the stream is fed by hand to pin down the rules.
 */
function catalog(
  rows: readonly Record<string, string>[],
  options: { upper?: string; keyOid?: number; duringSelect?: () => void } = {},
): { client: Client; watermarks: string[]; queries: string[] } {
  const watermarks: string[] = [];
  const queries: string[] = [];
  const client = {
    query: async (query: string | { text: string }, values?: unknown[]) => {
      const text = typeof query === 'string' ? query : query.text;
      queries.push(text);
      if (text.includes('pg_logical_emit_message')) {
        watermarks.push(String(values?.[1]));
        return { rows: [] };
      }
      if (text.includes('pg_attribute')) return { rows: [{ attname: 'id', atttypid: options.keyOid ?? 23 }] };
      if (text.includes('pg_type')) return { rows: [{ oid: 23, base: 23 }, { oid: 25, base: 25 }] };
      if (text.includes('pg_snapshot_xip')) return { rows: [{ xids: null }] };
      if (text.includes('OFFSET')) return { rows: options.upper === undefined ? [] : [{ id: options.upper }] };
      options.duringSelect?.();
      return { rows, fields: [{ name: 'id', dataTypeID: 23 }, { name: 'v', dataTypeID: 25 }] };
    },
  } as unknown as Client;
  return { client, watermarks, queries };
}

const message = (content: string): LogicalMessage => ({ tag: 'message', transactional: true, lsn: 0x500n, prefix: WATERMARK_PREFIX, content: Buffer.from(content) });
const change = (id: number, table = 'orders'): ChangeItem => ({
  record: { key: { id }, value: { op: 'update', schema: 'public', table, before: null, after: { id, v: 'new' } } },
  position: { lsn: BigInt(0x10 + id) },
});
/** The ids of the items that still carry their record (the others were held back: position only). */
const passed = (items: readonly ChangeItem[]): unknown[] => items.filter((item) => item.record !== undefined).map((item) => (item.record?.key as { id: number }).id);

describe('snapshot chunker', () => {
  const log = pino({ level: 'silent' });

  it('emits a chunk at its high watermark with the changes of its window applied, and holds back changes above the cursor', async () => {
    const { client, watermarks, queries } = catalog(
      [
        { id: '1', v: 'a' },
        { id: '2', v: 'b' },
        { id: '3', v: 'c' },
      ],
      { upper: '3' },
    );
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 3 }, log);
    await chunker.loadKeyOrders();
    // nothing read yet: every key is above the cursor, a chunk will read it
    expect(passed(chunker.filter([change(1), change(7)]))).toEqual([]);
    await chunker.startChunk();
    const [low, high] = watermarks;
    expect([low?.startsWith('low:s:'), high?.startsWith('high:s:')]).toEqual([true, true]);
    expect(queries.find((text) => text.includes('OFFSET'))).toContain('ORDER BY "id" OFFSET 2 LIMIT 1');
    expect(queries.find((text) => text.includes('ORDER BY') && !text.includes('OFFSET'))).toContain('WHERE ("id") <= ($1) ORDER BY "id"');

    const before = chunker.filter([change(2)]); // before the low watermark: the select sees it
    expect(passed(before)).toEqual([]);
    expect(before[0]).toEqual({ position: { lsn: 0x12n } });
    expect(chunker.watermark(message(low!), { lsn: 0x10n })).toEqual([]);
    // in the window: the change of row 3 is held back and applied to the chunk; key 5 is above it: a later chunk reads it
    const deleteOf2: ChangeItem = { record: { key: { id: 2 }, value: { op: 'delete', schema: 'public', table: 'orders', before: { id: 2 }, after: null } }, position: { lsn: 0x19n } };
    expect(passed(chunker.filter([change(3), change(5), change(1, 'other'), deleteOf2]))).toEqual([1]);
    const items = chunker.watermark(message(high!), { lsn: 0x20n });
    const progress = { tables: ['public.orders'], after: ['3'] };
    expect(items.map((item) => [item.record?.key, item.position, item.snapshot, item.joined])).toEqual([
      [{ id: 1 }, { lsn: 0x20n }, progress, undefined],
      [{ id: 3 }, { lsn: 0x20n }, progress, true],
    ]);
    expect(items[0]!.record!.value).toMatchObject({ op: 'read', after: { id: 1, v: 'a' }, lsn: '0/500', commitLsn: '0/500', xid: null });
    expect(items[1]!.record!.value).toMatchObject({ op: 'read', after: { id: 3, v: 'new' } });
    expect(chunker.progress).toEqual(progress);
    expect(chunker.idle).toBe(true);
    // after the chunk: keys up to the cursor are emitted, keys above it are left to the next chunks
    expect(passed(chunker.filter([change(2), change(3), change(4)]))).toEqual([2, 3]);
  });

  it('reads the last chunk without an upper bound, ends the table there, and then emits every change of it', async () => {
    const { client, watermarks, queries } = catalog([{ id: '4', v: 'd' }]);
    const chunker = new SnapshotChunker(
      client,
      new TypeCatalog(client),
      new Map([['public.orders', TABLE]]),
      { tables: ['public.orders', 'public.gone'], after: ['3'] },
      { slot: 's', chunkSize: 3 },
      log,
    );
    await chunker.loadKeyOrders();
    await chunker.startChunk();
    expect(queries.find((text) => text.includes('OFFSET'))).toContain('WHERE ("id") > ($1) ORDER BY "id" OFFSET 2 LIMIT 1');
    const select = queries.find((text) => text.includes('ORDER BY') && !text.includes('OFFSET'));
    expect(select).toContain('WHERE ("id") > ($1) ORDER BY "id"');
    expect(select).not.toContain('LIMIT');
    expect(chunker.watermark(message('high:s:another-run'), { lsn: 0x20n })).toEqual([]);
    expect(chunker.watermark(message(watermarks[0]!), { lsn: 0x20n })).toEqual([]);
    // in the last chunk's window a key above everything is the chunk's: held back, read with the chunk
    expect(passed(chunker.filter([change(1_000_000)]))).toEqual([]);
    const items = chunker.watermark(message(watermarks[1]!), { lsn: 0x30n });
    expect(items.map((item) => item.record?.key)).toEqual([{ id: 4 }, { id: 1_000_000 }]);
    expect(chunker.progress).toEqual({ tables: ['public.gone'] });
    // the table is done: nothing of it is held back any more
    expect(passed(chunker.filter([change(2_000_000), change(5)]))).toEqual([2_000_000, 5]);
    await chunker.startChunk(); // public.gone is not published: skipped, the snapshot is done
    expect(chunker.done).toBe(true);
  });

  it('opens the window when the low watermark comes back before the chunk\'s select ended', async () => {
    const holder: { chunker?: SnapshotChunker } = {};
    const { client, watermarks } = catalog([{ id: '1', v: 'a' }, { id: '2', v: 'b' }], {
      duringSelect: () => {
        // the stream is faster than the select: the low watermark and a change of row 1 arrive meanwhile
        expect(holder.chunker!.watermark(message(watermarks[0]!), { lsn: 0x10n })).toEqual([]);
        expect(passed(holder.chunker!.filter([change(1)]))).toEqual([]);
      },
    });
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 5 }, log);
    holder.chunker = chunker;
    await chunker.loadKeyOrders();
    await chunker.startChunk();
    const items = chunker.watermark(message(watermarks[1]!), { lsn: 0x20n });
    expect(items.map((item) => [item.record?.key, (item.record?.value as { after: unknown }).after])).toEqual([
      [{ id: 1 }, { id: 1, v: 'new' }],
      [{ id: 2 }, { id: 2, v: 'b' }],
    ]);
    expect(chunker.done).toBe(true);
  });

  it('drops the rows a truncate in the window removed, keeping those inserted after it', async () => {
    const { client, watermarks } = catalog([{ id: '1', v: 'a' }, { id: '2', v: 'b' }]);
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 5 }, log);
    await chunker.loadKeyOrders();
    await chunker.startChunk();
    chunker.watermark(message(watermarks[0]!), { lsn: 0x10n });
    const truncate: ChangeItem = { record: { key: null, value: { op: 'truncate', schema: 'public', table: 'orders', before: null, after: null } }, position: { lsn: 0x18n } };
    expect(chunker.filter([truncate, change(9)]).map((item) => item.record?.key)).toEqual([null, undefined]);
    const items = chunker.watermark(message(watermarks[1]!), { lsn: 0x20n });
    expect(items.map((item) => item.record?.key)).toEqual([{ id: 9 }]);
  });

  it('holds nothing back for a table whose key order it cannot compare (at-least-once for rows changed during its snapshot)', async () => {
    const { client, watermarks } = catalog([{ id: '1', v: 'a' }], { upper: '1', keyOid: 1082 });
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 1 }, log);
    await chunker.loadKeyOrders();
    expect(passed(chunker.filter([change(7)]))).toEqual([7]);
    await chunker.startChunk();
    chunker.watermark(message(watermarks[0]!), { lsn: 0x10n });
    expect(passed(chunker.filter([change(1), change(9)]))).toEqual([1, 9]);
    expect(chunker.watermark(message(watermarks[1]!), { lsn: 0x20n })).toEqual([{ position: { lsn: 0x20n }, snapshot: { tables: ['public.orders'], after: ['1'] } }]);
  });
});
