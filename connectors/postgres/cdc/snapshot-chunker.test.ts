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
 * chunk query returns `rows` (ids and values as Postgres prints them). The watermarks' passage through the WAL is what
 * the integration tests check against a real server; here the stream is fed by hand to pin down the window rule.
 */
function catalog(rows: readonly Record<string, string>[], duringSelect: () => void = () => undefined): { client: Client; watermarks: string[]; queries: string[] } {
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
      if (text.includes('pg_type')) return { rows: [{ oid: 23, base: 23 }, { oid: 25, base: 25 }] };
      if (text.includes('pg_snapshot_xip')) return { rows: [{ xids: null }] };
      duringSelect();
      return { rows, fields: [{ name: 'id', dataTypeID: 23 }, { name: 'v', dataTypeID: 25 }] };
    },
  } as unknown as Client;
  return { client, watermarks, queries };
}

const message = (content: string): LogicalMessage => ({ tag: 'message', transactional: true, lsn: 0x500n, prefix: WATERMARK_PREFIX, content: Buffer.from(content) });
const change = (id: number): ChangeItem => ({
  record: { key: { id }, value: { op: 'update', schema: 'public', table: 'orders', before: null, after: { id, v: 'new' } } },
  position: { lsn: 0x10n },
});

describe('snapshot chunker', () => {
  const log = pino({ level: 'silent' });

  it('emits a chunk at its high watermark, without the rows changed between the watermarks, with the progress after it', async () => {
    const { client, watermarks, queries } = catalog([
      { id: '1', v: 'a' },
      { id: '2', v: 'b' },
      { id: '3', v: 'c' },
    ]);
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 3 }, log);
    await chunker.startChunk();
    const [low, high] = watermarks;
    expect([low?.startsWith('low:s:'), high?.startsWith('high:s:')]).toEqual([true, true]);
    expect(queries.find((text) => text.includes('ORDER BY'))).toContain('ORDER BY "id" LIMIT 3');

    chunker.observe([change(2)]); // before the low watermark: not in the window
    expect(chunker.watermark(message(low!), { lsn: 0x10n })).toEqual([]);
    chunker.observe([change(3)]); // in the window: row 3 of the chunk is stale
    const items = chunker.watermark(message(high!), { lsn: 0x20n });
    const progress = { tables: ['public.orders'], after: ['3'] };
    expect(items.map((item) => [item.record?.key, item.position, item.snapshot, item.joined])).toEqual([
      [{ id: 1 }, { lsn: 0x20n }, progress, undefined],
      [{ id: 2 }, { lsn: 0x20n }, progress, true],
    ]);
    expect(items[0]!.record!.value).toMatchObject({ op: 'read', after: { id: 1, v: 'a' }, lsn: '0/500', commitLsn: '0/500', xid: null });
    expect(chunker.progress).toEqual(progress);
    expect(chunker.idle).toBe(true);
  });

  it('ignores watermarks of other chunks, continues after the last key and ends the table on a short chunk', async () => {
    const { client, watermarks, queries } = catalog([{ id: '4', v: 'd' }]);
    const chunker = new SnapshotChunker(
      client,
      new TypeCatalog(client),
      new Map([['public.orders', TABLE]]),
      { tables: ['public.orders', 'public.gone'], after: ['3'] },
      { slot: 's', chunkSize: 3 },
      log,
    );
    await chunker.startChunk();
    expect(queries.find((text) => text.includes('ORDER BY'))).toContain('WHERE ("id") > ($1)');
    expect(chunker.watermark(message('high:s:another-run'), { lsn: 0x20n })).toEqual([]);
    const items = chunker.watermark(message(watermarks[1]!), { lsn: 0x30n });
    expect(items.map((item) => item.record?.key)).toEqual([{ id: 4 }]);
    expect(chunker.progress).toEqual({ tables: ['public.gone'] });
    await chunker.startChunk(); // public.gone is not published: skipped, the snapshot is done
    expect(chunker.done).toBe(true);
  });

  it('opens the window when the low watermark comes back before the chunk\'s select ended', async () => {
    const holder: { chunker?: SnapshotChunker } = {};
    const { client, watermarks } = catalog([{ id: '1', v: 'a' }, { id: '2', v: 'b' }], () => {
      // the stream is faster than the select: the low watermark and a change of row 1 arrive meanwhile
      expect(holder.chunker!.watermark(message(watermarks[0]!), { lsn: 0x10n })).toEqual([]);
      holder.chunker!.observe([change(1)]);
    });
    const chunker = new SnapshotChunker(client, new TypeCatalog(client), new Map([['public.orders', TABLE]]), { tables: ['public.orders'] }, { slot: 's', chunkSize: 5 }, log);
    holder.chunker = chunker;
    await chunker.startChunk();
    const items = chunker.watermark(message(watermarks[1]!), { lsn: 0x20n });
    expect(items.map((item) => item.record?.key)).toEqual([{ id: 2 }]);
    expect(chunker.done).toBe(true);
  });
});
