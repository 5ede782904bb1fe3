import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testServices } from '../env';

/**
 * Smoke test for the PostgreSQL test service: the features the Postgres sink (two-phase commit) and the CDC source
 * (logical replication) depend on are switched on, and a prepared transaction can be finished from another session.
 */
describe('postgres test service', () => {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const table = `smoke_${suffix}`;
  let a: Client;
  let b: Client;

  async function count(client: Client, id: number): Promise<number> {
    const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE id = $1`, [id]);
    return Number(result.rows[0]?.n);
  }

  async function prepareInsert(id: number): Promise<string> {
    const gid = `lockstep-smoke-${suffix}-${id}`;
    await a.query('BEGIN');
    await a.query(`INSERT INTO ${table} (id, payload) VALUES ($1, $2)`, [id, `row ${id}`]);
    await a.query(`PREPARE TRANSACTION '${gid}'`);
    return gid;
  }

  beforeAll(async () => {
    const { url } = testServices().postgres;
    a = new Client({ connectionString: url });
    b = new Client({ connectionString: url });
    await a.connect();
    await b.connect();
    await a.query(`CREATE TABLE ${table} (id int PRIMARY KEY, payload text NOT NULL)`);
  });

  afterAll(async () => {
    await b?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await a?.end();
    await b?.end();
  });

  it('has two-phase commit and logical decoding enabled', async () => {
    const prepared = await a.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
    expect(Number(prepared.rows[0]?.max_prepared_transactions)).toBeGreaterThan(0);
    const walLevel = await a.query<{ wal_level: string }>('SHOW wal_level');
    expect(walLevel.rows[0]?.wal_level).toBe('logical');
  });

  it('commits a prepared transaction from a different connection', async () => {
    const gid = await prepareInsert(1);
    expect(await count(b, 1)).toBe(0);
    const listed = await b.query('SELECT gid FROM pg_prepared_xacts WHERE gid = $1', [gid]);
    expect(listed.rowCount).toBe(1);
    await b.query(`COMMIT PREPARED '${gid}'`);
    expect(await count(b, 1)).toBe(1);
    expect(await count(a, 1)).toBe(1);
  });

  it('rolls back a prepared transaction from a different connection', async () => {
    const gid = await prepareInsert(2);
    expect(await count(b, 2)).toBe(0);
    await b.query(`ROLLBACK PREPARED '${gid}'`);
    expect(await count(b, 2)).toBe(0);
    const listed = await b.query('SELECT gid FROM pg_prepared_xacts WHERE gid = $1', [gid]);
    expect(listed.rowCount).toBe(0);
  });

  it('creates a publication and a pgoutput logical replication slot', async () => {
    const publication = `smoke_pub_${suffix}`;
    const slot = `smoke_slot_${suffix}`;
    await a.query(`CREATE PUBLICATION ${publication} FOR TABLE ${table}`);
    try {
      const created = await a.query<{ slot_name: string; lsn: string }>(
        "SELECT slot_name, lsn FROM pg_create_logical_replication_slot($1, 'pgoutput')",
        [slot],
      );
      expect(created.rows[0]?.slot_name).toBe(slot);
      const slots = await b.query<{ plugin: string; slot_type: string }>(
        'SELECT plugin, slot_type FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      expect(slots.rows[0]).toEqual({ plugin: 'pgoutput', slot_type: 'logical' });
    } finally {
      await a.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
        slot,
      ]);
      await a.query(`DROP PUBLICATION IF EXISTS ${publication}`);
    }
    const left = await b.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    expect(left.rowCount).toBe(0);
  });
});
