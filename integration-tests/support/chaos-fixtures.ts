import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Registers jest hooks that give every test a fresh temporary directory (named `<prefix>…`, removed after the test);
 * the returned function answers the current test's directory.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new TypeError('useTempDir: no test is running');
    return dir;
  };
}

/**
 * Registers jest hooks that connect one pg client (the test's independent oracle) to `url` before the file's tests
 * and close it after them; the returned function answers the client.
 */
export function usePostgresClient(url: string): () => Client {
  let db: Client | undefined;
  beforeAll(async () => {
    db = new Client({ connectionString: url });
    await db.connect();
  });
  afterAll(() => db?.end());
  return () => {
    if (db === undefined) throw new TypeError('usePostgresClient: the client is not connected');
    return db;
  };
}
