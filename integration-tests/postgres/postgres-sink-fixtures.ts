import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testServices } from '../env';

/** A connected client on the test server; the caller ends it. */
export async function adminClient(): Promise<Client> {
  const client = new Client({ connectionString: testServices().postgres.url });
  await client.connect();
  return client;
}

/** A unique table name for one test. */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** Gids in pg_prepared_xacts starting with `prefix`. */
export async function preparedGids(client: Client, prefix: string): Promise<string[]> {
  const result = await client.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE left(gid, length($1)) = $1 ORDER BY gid', [prefix]);
  return result.rows.map((row) => row.gid);
}

/** Rolls back every prepared transaction starting with `prefix` (test cleanup: they would hold locks). */
export async function rollbackAll(client: Client, prefix: string): Promise<void> {
  for (const gid of await preparedGids(client, prefix)) {
    await client.query(`ROLLBACK PREPARED '${gid.replaceAll("'", "''")}'`).catch(() => undefined);
  }
}
