import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresTableSource, postgresTableSourcePlugin, type PostgresTableSourceConfig } from '../../connectors/postgres/table';
import { validatedConfig } from '../../core/testing';

/** A unique table name for one test (`<prefix>_<uuid without dashes>`). */
export function uniqueTable(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/**
 * Tables of one test file on the test server: created through `sql`, dropped by `close`. `source` builds a table
 * source the way the plugin does, with the server's URL.
 */
export class PostgresTableTestBed {
  private client: Client | undefined;
  private readonly tables: string[] = [];

  constructor(readonly url: string) {}

  async connect(): Promise<this> {
    this.client = new Client({ connectionString: this.url });
    await this.client.connect();
    return this;
  }

  /** Runs `text` on the test bed's own connection. */
  async sql<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
    if (this.client === undefined) throw new Error('connect() first');
    return (await this.client.query<Row>(text, values)).rows;
  }

  /** Creates `<prefix>_<uuid>` with `columns` and returns its name; dropped by `close`. */
  async createTable(prefix: string, columns: string): Promise<string> {
    const table = uniqueTable(prefix);
    await this.sql(`CREATE TABLE ${table} (${columns})`);
    this.tables.push(table);
    return table;
  }

  /** A source of `options` (as a pipeline gives them: validated, schema defaults applied). */
  source(options: Partial<Omit<PostgresTableSourceConfig, 'url'>>, pipeline = 'table-source-test'): PostgresTableSource {
    return new PostgresTableSource(validatedConfig(postgresTableSourcePlugin, { url: this.url, ...options }), { pipeline, componentId: 'pg' });
  }

  async close(): Promise<void> {
    for (const table of this.tables.splice(0)) await this.sql(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await this.client?.end();
    this.client = undefined;
  }
}
