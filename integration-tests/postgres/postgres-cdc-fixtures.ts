import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { LockstepRecord } from '../../core/api/record';
import type { SourceReader } from '../../core/api/source-reader';
import { testInitContext, validatedConfig } from '../../core/testing';
import {
  PostgresCdcSource,
  postgresCdcSourcePlugin,
  type ChangeEvent,
  type PostgresCdcSourceConfig,
  type PostgresCdcSourceOptions,
  type PostgresCdcSplit,
} from '../../connectors/postgres/cdc';

/** Fast status updates and a small read-ahead, so tests see the slot move quickly and the stream pause. */
export const TEST_SOURCE_OPTIONS: PostgresCdcSourceOptions = { statusIntervalMs: 200, maxBufferedRecords: 50 };

/**
 * Unique table, publication and slot names for one test, an admin connection, and cleanup that drops them (a leftover
 * slot keeps WAL forever).
 */
export class CdcTestBed {
  readonly suffix = randomUUID().replaceAll('-', '');
  readonly table = `cdc_${this.suffix}`;
  readonly publication = `cdc_pub_${this.suffix}`;
  readonly slot = `cdc_slot_${this.suffix}`;
  readonly admin: Client;
  private readonly runs: CdcRun[] = [];
  private readonly extraTables: string[] = [];

  constructor(readonly url: string) {
    this.admin = new Client({ connectionString: url });
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  /** The test table: `id int primary key, v text, n int`. */
  async createTable(name = this.table): Promise<void> {
    await this.admin.query(`CREATE TABLE ${name} (id int PRIMARY KEY, v text, n int)`);
    if (name !== this.table) this.extraTables.push(name);
  }

  /** Publication over the test table and a slot created now (what `snapshot: never` streams from). */
  async createPublicationAndSlot(): Promise<void> {
    await this.admin.query(`CREATE PUBLICATION ${this.publication} FOR TABLE ${this.table}`);
    await this.admin.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [this.slot]);
  }

  async sql(text: string, values: unknown[] = []): Promise<void> {
    await this.admin.query(text, values);
  }

  /** Runs `statements` in one transaction. */
  async transaction(statements: readonly string[]): Promise<void> {
    await this.admin.query(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
  }

  /** The source's config (validated, schema defaults applied) with `overrides`. */
  config(overrides: Partial<PostgresCdcSourceConfig> = {}): PostgresCdcSourceConfig {
    const options = { url: this.url, publication: this.publication, slot: this.slot, tables: [this.table], snapshot: 'never', ...overrides };
    return validatedConfig(postgresCdcSourcePlugin, options);
  }

  source(overrides: Partial<PostgresCdcSourceConfig> = {}, options: PostgresCdcSourceOptions = TEST_SOURCE_OPTIONS): PostgresCdcSource {
    return new PostgresCdcSource(this.config(overrides), { pipeline: 'cdc-test', componentId: 'cdc' }, options);
  }

  /** A run of a new source (closed at cleanup, unless closed before), fresh or restored from `checkpoint`. */
  async run(overrides: Partial<PostgresCdcSourceConfig> = {}, checkpoint?: string, options?: PostgresCdcSourceOptions): Promise<CdcRun> {
    const run = await CdcRun.start(this.source(overrides, options), checkpoint);
    this.runs.push(run);
    return run;
  }

  /** The slot's confirmed flush LSN as Postgres prints it. */
  async confirmedFlush(): Promise<string | null> {
    const result = await this.admin.query<{ lsn: string | null }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [
      this.slot,
    ]);
    return result.rows[0]?.lsn ?? null;
  }

  /** Closes every run, then drops the slot (terminating a holder), the publication and the tables. */
  async cleanup(): Promise<void> {
    for (const run of this.runs) await run.close().catch(() => undefined);
    try {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const held = await this.admin.query<{ pid: number | null }>('SELECT active_pid AS pid FROM pg_replication_slots WHERE slot_name = $1', [this.slot]);
        const pid = held.rows[0]?.pid;
        if (held.rows.length === 0) break;
        if (pid === null || pid === undefined) {
          await this.admin.query('SELECT pg_drop_replication_slot($1)', [this.slot]);
          break;
        }
        await this.admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await this.admin.query(`DROP PUBLICATION IF EXISTS ${this.publication}`);
      for (const table of [this.table, ...this.extraTables]) await this.admin.query(`DROP TABLE IF EXISTS ${table}`);
    } finally {
      await this.admin.end();
    }
  }
}

/**
 * A fresh bed for every test of the enclosing `describe` (connected, with its test table unless `table: false`), handed
 * to `use`, and cleaned up after the test.
 */
export function useCdcTestBed(url: string, use: (bed: CdcTestBed) => void, options: { readonly table?: boolean } = {}): void {
  let current: CdcTestBed | undefined;
  beforeEach(async () => {
    current = new CdcTestBed(url);
    await current.connect();
    if (options.table !== false) await current.createTable();
    use(current);
  });
  afterEach(() => current?.cleanup());
}

/** The change event of a record. */
export function eventOf(record: LockstepRecord): ChangeEvent {
  return record.value as ChangeEvent;
}

/** `<op>:<id>` of a change record, with `:<v>` of the row after (or before) it. */
export function describeChange(record: LockstepRecord): string {
  const event = eventOf(record);
  const row = (event.after ?? event.before ?? {}) as { id?: number; v?: string | null };
  return `${event.op}:${row.id}${row.v === undefined ? '' : `:${row.v}`}`;
}

/** Waits until `check` resolves true (or fails after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * One process lifetime of the source's reader (subtask 0), driven like the engine drives it: polls, checkpoints
 * serialized to JSON text, completion notices. A crash is dropping the run without `close` (the bed closes it at
 * cleanup, as the server would notice the dead process).
 */
export class CdcRun {
  readonly delivered: LockstepRecord[] = [];

  private constructor(
    private readonly source: PostgresCdcSource,
    private readonly reader: SourceReader<PostgresCdcSplit>,
  ) {}

  static async start(source: PostgresCdcSource, checkpoint?: string): Promise<CdcRun> {
    const init = testInitContext({ componentId: 'cdc' });
    const assigned: PostgresCdcSplit[] = [];
    const context = { parallelism: 1, assignSplits: (_subtask: number, splits: readonly PostgresCdcSplit[]) => assigned.push(...splits), signalNoMoreSplits: () => undefined };
    const reader = source.createReader(init);
    await reader.start();
    if (checkpoint === undefined) {
      await source.createEnumerator(context, init).start();
    } else {
      const splits = JSON.parse(checkpoint) as { version: number; data: unknown }[];
      assigned.push(...splits.map((split) => source.splitSerializer.deserialize(split.version, split.data)));
    }
    reader.addSplits(assigned);
    return new CdcRun(source, reader);
  }

  /** One poll of up to `max` records; waits briefly for more when there were none. */
  async poll(max = 16): Promise<void> {
    const result = await this.reader.pollNext(max);
    if (result.status === 'records') this.delivered.push(...result.records);
    else await Promise.race([this.reader.isAvailable(), new Promise((resolve) => setTimeout(resolve, 20))]);
  }

  /**
   * Polls until a poll fails and returns its error (the reader opens beside its polls, so the first ones may return
   * nothing); fails after `timeoutMs` without one.
   */
  async failure(timeoutMs = 20_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the reader to fail`);
      try {
        await this.poll();
      } catch (error) {
        return error;
      }
    }
  }

  /** Polls until `done` holds for what was delivered (or fails after `timeoutMs`). */
  async readUntil(done: (delivered: readonly LockstepRecord[]) => boolean, timeoutMs = 20_000, max = 16): Promise<LockstepRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.delivered)) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms with ${this.delivered.length} records: ${this.delivered.map(describeChange).join(' ')}`);
      await this.poll(max);
    }
    return this.delivered;
  }

  /**
   * Polls until exactly `count` records were delivered, never asking for more than are still missing (a poll returns
   * what the stream holds at that moment, so a predicate on the total could overshoot).
   */
  async readExactly(count: number, timeoutMs = 20_000): Promise<LockstepRecord[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.delivered.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms with ${this.delivered.length} of ${count} records`);
      await this.poll(count - this.delivered.length);
    }
    return this.delivered;
  }

  /** Polls for `ms` and returns what arrived meanwhile. */
  async readFor(ms: number): Promise<LockstepRecord[]> {
    const before = this.delivered.length;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) await this.poll();
    return this.delivered.slice(before);
  }

  /** Checkpoint `checkpointId` between two polls, serialized as the checkpoint store would keep it. */
  checkpoint(checkpointId: number): string {
    const { splitSerializer } = this.source;
    return JSON.stringify(this.reader.snapshotState(checkpointId).map((split) => ({ version: splitSerializer.version, data: splitSerializer.serialize(split) })));
  }

  /** Tells the reader checkpoint `checkpointId` is durable. */
  async complete(checkpointId: number): Promise<void> {
    await this.reader.notifyCheckpointComplete?.(checkpointId);
  }

  async close(): Promise<void> {
    await this.reader.close();
  }
}
