import type { Client } from 'pg';
import type { Logger } from 'pino';
import { LockstepError, type LockstepRecord, RecordError } from '../../../core/sdk';
import { connectPostgres, describePostgresTarget, type PostgresConnectionOptions } from '../connection';
import { postgresError } from '../errors';
import { describeQualifiedName, quoteQualifiedName } from '../sql';
import type { ResolvedSinkConfig } from './postgres-sink-config';
import { ChangeEncoder } from './change-events';
import { RowBatchWriter } from './row-batch-writer';
import { RowEncoder } from './row-encoding';
import { loadPrimaryKey, loadTableColumns } from './table-catalog';

/**
 * One writer's connection and its current transaction, begun lazily by the first record. Shared by the exactly-once
 * writer (which prepares it) and the at-least-once writer (which commits it). After a failure that is not a bad
 * record the transaction is unusable and every later call fails with that error until `close()`.
 */
export class TableSession {
  private connection: Client | undefined;
  private rows: RowBatchWriter | undefined;
  private open = false;
  private failure: Error | undefined;

  constructor(
    private readonly options: PostgresConnectionOptions,
    private readonly config: ResolvedSinkConfig,
    private readonly log: Logger,
    /** Run before each DELETE statement (the exactly-once writer waits for its prepared transactions there). */
    private readonly beforeDelete?: (client: Client) => Promise<void>,
  ) {}

  get client(): Client {
    if (this.connection === undefined) throw new LockstepError('postgres sink writer used before init()', { code: 'LS_SINK_CONTRACT' });
    return this.connection;
  }

  async connect(applicationName: string): Promise<Client> {
    try {
      this.connection = await connectPostgres(this.options, this.log, applicationName);
      await this.connection.query(`SET lock_timeout = ${Math.round(this.config.lockTimeoutMs)}`);
    } catch (error) {
      throw postgresError(error, `cannot connect to ${describePostgresTarget(this.options)}`);
    }
    return this.connection;
  }

  /** Reads the table's columns; after this, records can be written. */
  async loadTable(): Promise<void> {
    const { table, columns } = this.config;
    const tableColumns = await loadTableColumns(this.client, table, columns);
    const name = describeQualifiedName(table);
    const encoder = new RowEncoder(columns, tableColumns, name);
    const changes = new ChangeEncoder(this.config, encoder, await this.changeKey(tableColumns), name);
    this.rows = new RowBatchWriter(this.client, this.config, encoder, { sql: quoteQualifiedName(table), name, columns: tableColumns }, changes, this.beforeDelete);
  }

  /**
   * The key change events are applied by: the configured `key`, else the table's primary key (none with `changes:
   * off`). `changes: apply` without either fails at start; with `auto` a change event is refused when it comes.
   */
  private async changeKey(tableColumns: ReadonlyMap<string, unknown>): Promise<readonly string[]> {
    const { key, changes, table } = this.config;
    if (changes === 'off') return [];
    if (key.length > 0) {
      const missing = key.filter((column) => !tableColumns.has(column));
      if (missing.length > 0) {
        throw new LockstepError(`table ${describeQualifiedName(table)} has no key column(s) ${missing.join(', ')}`, { code: 'LS_POSTGRES_NO_COLUMN' });
      }
      return key;
    }
    const primaryKey = await loadPrimaryKey(this.client, table);
    if (primaryKey.length === 0 && changes === 'apply') {
      throw new LockstepError(`table ${describeQualifiedName(table)} has no primary key to apply change events by: set key on the sink (changes: apply)`, {
        code: 'LS_CONFIG_INVALID',
      });
    }
    return primaryKey;
  }

  async write(records: readonly LockstepRecord[]): Promise<void> {
    this.throwIfFailed();
    if (records.length === 0) return;
    try {
      if (!this.open) {
        await this.client.query('BEGIN');
        this.open = true;
      }
      await (this.rows as RowBatchWriter).write(records);
    } catch (error) {
      if (!RecordError.isRecordError(error)) this.failure = postgresError(error, `cannot write to ${describeQualifiedName(this.config.table)}`);
      throw this.failure ?? error;
    }
  }

  /** Runs `finish` (COMMIT or the marker and PREPARE TRANSACTION) on the open transaction; false when none is open. */
  async finish(what: string, finish: (client: Client) => Promise<void>): Promise<boolean> {
    this.throwIfFailed();
    if (!this.open) return false;
    try {
      await finish(this.client);
      this.open = false;
      return true;
    } catch (error) {
      this.failure = postgresError(error, `cannot ${what}`);
      throw this.failure;
    }
  }

  /** Rolls back what is open (a prepared transaction survives: it no longer belongs to the session) and disconnects. */
  async close(): Promise<void> {
    const client = this.connection;
    this.connection = undefined;
    this.rows = undefined;
    if (client === undefined) return;
    try {
      if (this.open) await client.query('ROLLBACK');
    } catch (error) {
      this.log.warn({ err: error }, 'could not roll back the open postgres transaction; the server does when the connection ends');
    } finally {
      this.open = false;
      await client.end().catch(() => undefined);
    }
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
