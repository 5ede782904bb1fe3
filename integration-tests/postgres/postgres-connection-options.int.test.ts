import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'pg';
import { testServices } from '../env';
import { committedSeqs } from '../support/committed-part-files';
import { eventually } from '../support/eventually';
import { startLockstep } from '../support/lockstep-process';
import { adminClient } from './postgres-sink-fixtures';

/**
 * Reproduction 8 of issue 11: a `url` pointing at database A as role X plus the separate fields `user`, `password`
 * and `database` must connect to database B as role Y. The role needs a password (an extra pg_hba line for it alone,
 * removed afterwards), so the `password` field is checked by the server too. Everything is verified with `psql`.
 */
const service = new URL(testServices().postgres.url);
const suffix = randomUUID().replaceAll('-', '').slice(0, 10);
const DATABASE_B = `lockstep_opts_${suffix}`;
const ROLE_Y = `lockstep_y_${suffix}`;
const PASSWORD_Y = `pw-${randomUUID()}`;
const HBA_LINES = `host all ${ROLE_Y} all scram-sha-256\nlocal all ${ROLE_Y} scram-sha-256\n`;

/** The service's url with another user, password or database. */
function serviceUrl(parts: { readonly user?: string; readonly password?: string; readonly database?: string } = {}): string {
  const url = new URL(service.href);
  if (parts.user !== undefined) url.username = parts.user;
  if (parts.password !== undefined) url.password = parts.password;
  if (parts.database !== undefined) url.pathname = `/${parts.database}`;
  return url.href;
}

/** `sql` run by psql (an independent client) against `url`; its unaligned output lines. */
async function psql(url: string, sql: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('psql', [url, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env: { ...process.env, PGCONNECT_TIMEOUT: '10' } });
  return stdout.split('\n').filter((line) => line !== '');
}

async function psqlFails(url: string): Promise<boolean> {
  return psql(url, 'SELECT 1').then(
    () => false,
    () => true,
  );
}

/** Rewrites the server's pg_hba.conf (as the superuser, through a large object) and reloads it. */
async function writeHba(admin: Client, file: string, content: string): Promise<void> {
  const created = await admin.query<{ oid: number }>("SELECT lo_from_bytea(0, convert_to($1, 'UTF8')) AS oid", [content]);
  const oid = created.rows[0]?.oid;
  try {
    await admin.query('SELECT lo_export($1, $2)', [oid, file]);
  } finally {
    await admin.query('SELECT lo_unlink($1)', [oid]);
  }
  await admin.query('SELECT pg_reload_conf()');
}

describe('postgres connection options (url plus separate fields)', () => {
  let admin: Client;
  let hbaFile: string;
  let hbaOriginal: string;
  let dir: string;

  beforeAll(async () => {
    admin = await adminClient();
    await admin.query(`CREATE ROLE ${ROLE_Y} LOGIN PASSWORD '${PASSWORD_Y}'`);
    await admin.query(`CREATE DATABASE ${DATABASE_B} OWNER ${ROLE_Y}`);
    hbaFile = (await admin.query<{ hba_file: string }>('SHOW hba_file')).rows[0]?.hba_file ?? '';
    hbaOriginal = (await admin.query<{ text: string }>('SELECT pg_read_file($1) AS text', [hbaFile])).rows[0]?.text ?? '';
    await writeHba(admin, hbaFile, HBA_LINES + hbaOriginal);
    // The reload is asynchronous: wait until the server asks role Y for its password.
    expect(await eventually(() => psqlFails(serviceUrl({ user: ROLE_Y, password: 'wrong', database: DATABASE_B })), (failed) => failed)).toBe(true);
    expect(await psql(serviceUrl({ user: ROLE_Y, password: PASSWORD_Y, database: DATABASE_B }), 'SELECT current_user')).toEqual([ROLE_Y]);
  });

  afterAll(async () => {
    try {
      if (hbaOriginal !== undefined && hbaFile !== '') await writeHba(admin, hbaFile, hbaOriginal);
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE_B} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${ROLE_Y}`);
    } finally {
      await admin.end();
    }
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-pg-options-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function runPipeline(name: string, source: string, sink: string): Promise<{ code: number | string; log: string }> {
    const file = join(dir, 'pipeline.yaml');
    const lines = [`name: ${name}`, `checkpoint: { interval: 200ms, timeout: 30s, storage: "${join(dir, 'chk')}" }`, 'parallelism: 1'];
    await writeFile(file, [...lines, `sources: [${source}]`, `sinks: [${sink}]`, ''].join('\n'));
    const logFile = join(dir, 'run.log');
    const code = await startLockstep(['run', file], logFile, { PG_Y_PASSWORD: PASSWORD_Y }).exited;
    return { code, log: await readFile(logFile, 'utf8') };
  }

  // The url names database A and the superuser with a password the server never checks for it (trust); the fields win.
  const overriddenUrl = (): string => serviceUrl({ password: 'not-this-one' });
  const fields = `user: ${ROLE_Y}, password: "\${PG_Y_PASSWORD}", database: ${DATABASE_B}`;

  it('a sink writes to the database of the database field, as the role of the user and password fields', async () => {
    const table = `opts_${suffix}`;
    const columns = `seq integer PRIMARY KEY, written_by name NOT NULL DEFAULT current_user, in_db name NOT NULL DEFAULT current_database()`;
    const asY = serviceUrl({ user: ROLE_Y, password: PASSWORD_Y, database: DATABASE_B });
    await psql(asY, `CREATE TABLE ${table} (${columns})`);
    // The same table in A: a sink that ignored the fields would succeed there, as on a91a674.
    await psql(serviceUrl(), `CREATE TABLE ${table} (${columns})`);
    try {
      const sink = `{ id: pg, type: postgres, url: "${overriddenUrl()}", ${fields}, table: ${table}, columns: [seq] }`;
      const { code, log } = await runPipeline(`pg-options-sink-${suffix}`, '{ id: gen, type: generator, count: 100 }', sink);
      expect(code).toBe(0);
      expect(log).not.toContain(PASSWORD_Y);
      expect(await psql(serviceUrl({ database: DATABASE_B }), `SELECT count(*), count(DISTINCT seq), min(seq), max(seq), string_agg(DISTINCT written_by || '@' || in_db, ',') FROM ${table}`)).toEqual([
        `100|100|0|99|${ROLE_Y}@${DATABASE_B}`,
      ]);
      expect(await psql(serviceUrl(), `SELECT count(*) FROM ${table}`)).toEqual(['0']);
      // The commit markers of the exactly-once sink are in B as well, created by role Y.
      expect(await psql(serviceUrl({ database: DATABASE_B }), "SELECT tableowner FROM pg_tables WHERE tablename = 'lockstep_commits'")).toEqual([ROLE_Y]);
    } finally {
      await psql(serviceUrl(), `DROP TABLE IF EXISTS ${table}`);
    }
  });

  it('a table source reads from the database of the database field, as the role of the user and password fields', async () => {
    const table = `opts_src_${suffix}`;
    const asY = serviceUrl({ user: ROLE_Y, password: PASSWORD_Y, database: DATABASE_B });
    await psql(asY, `CREATE TABLE ${table} (seq integer PRIMARY KEY); INSERT INTO ${table} SELECT generate_series(1, 50)`);
    const query = `SELECT seq, current_user AS reader, current_database() AS db FROM ${table}`;
    const source = `{ id: pg, type: postgres, url: "${overriddenUrl()}", ${fields}, query: "${query}", splitColumn: seq, skipUniqueCheck: true }`;
    const out = join(dir, 'out');
    const { code, log } = await runPipeline(`pg-options-source-${suffix}`, source, `{ id: files, type: file, path: "${out}" }`);
    expect(code).toBe(0);
    expect(log).not.toContain(PASSWORD_Y);
    expect((await committedSeqs(out)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, n) => n + 1));
    const readers = new Set<string>();
    for (const name of (await readdir(out)).filter((file) => /^part-.*\.jsonl$/.test(file))) {
      for (const line of (await readFile(join(out, name), 'utf8')).split('\n').filter((text) => text !== '')) {
        const row = JSON.parse(line) as { reader: string; db: string };
        readers.add(`${row.reader}@${row.db}`);
      }
    }
    expect([...readers]).toEqual([`${ROLE_Y}@${DATABASE_B}`]);
  });
});
